/**
 * `wharf import PATH...`: load wheels and sdists from files or directories (a pypiserver
 * packages directory, a pypicloud export, a mirror's `files/`, a `dist/`) through the same
 * ingest path the upload API uses.
 *
 * Files are imported several at a time, bounded by count and by the bytes held in memory:
 * a small file is read whole (one read, one PUT); a big one (a torch wheel) is hashed and
 * inspected from disk and streamed to the bucket in parts, so memory stays bounded whatever
 * the mirror holds.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Ingest, type IngestResult } from '../app/ingest.ts';
import { refreshProjectSummaries } from '../app/project-summaries.ts';
import { type DistributionSource, inspectDistributionAt } from '../core/distribution.ts';
import { WharfError } from '../core/errors.ts';
import type { MetadataStore } from '../app/ports.ts';
import { type FoundFile, type ScanResult, scanPaths } from './import-scan.ts';
import { batchedLookups, gatheredRaises } from './import-batching.ts';
import { type ImportTarget, STREAM_PART_BYTES, STREAM_QUEUE } from './import-target.ts';

const MiB = 1024 * 1024;

export interface ImportLimits {
  /** Files imported at once. */
  readonly concurrency: number;
  /** Bytes of files held in memory at once (a file bigger than this is streamed anyway). */
  readonly maxBytesInMemory: number;
  /** Files larger than this are streamed from disk instead of read whole. */
  readonly streamAbove: number;
}

export const IMPORT_DEFAULTS: ImportLimits = Object.freeze({
  // Two processes (the import and the server) share the machine's cores, and each file is a
  // chain of a dozen short round trips between them: 16 in flight keep both busy where 8
  // left them waiting on each other (npm run bench -- import).
  concurrency: 16,
  maxBytesInMemory: 128 * MiB,
  streamAbove: 16 * MiB,
});

export type FileResult =
  | { readonly file: FoundFile; readonly outcome: 'created' | 'unchanged'; readonly project: string; readonly version: string }
  /** refused: the index will not take the file as it is; failed: something else went wrong. */
  | { readonly file: FoundFile; readonly outcome: 'refused' | 'failed'; readonly reason: string };

export interface ImportEvents {
  /** Once the paths are scanned, before any file is imported. */
  onScanned?(scan: ScanResult): void;
  /** After each file, with the running totals. */
  onFile?(result: FileResult, progress: { done: number; bytesDone: number }): void;
}

export interface ImportSummary {
  readonly scan: ScanResult;
  readonly created: number;
  readonly unchanged: number;
  readonly refused: readonly Extract<FileResult, { outcome: 'refused' | 'failed' }>[];
  readonly failed: readonly Extract<FileResult, { outcome: 'refused' | 'failed' }>[];
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * The metadata store, with putProject and putRelease sent once per project and release in
 * this run: both are first-writer-wins, so once one has succeeded the same call again
 * changes nothing, and a mirror's many files of one project would otherwise repeat them.
 * Everything else, and every check Ingest makes, goes to the store as it is.
 */
export function writingOnce(store: MetadataStore): MetadataStore {
  const done = new Map<string, Promise<void>>();
  const once = (key: string, write: () => Promise<void>): Promise<void> => {
    let pending = done.get(key);
    if (!pending) {
      pending = write();
      done.set(key, pending);
      // A failed write is not remembered: the next file's ingest tries it again.
      pending.catch(() => done.delete(key));
    }
    return pending;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'putProject') {
        return (project: Parameters<MetadataStore['putProject']>[0]) =>
          once(`project\0${project.name}`, () => target.putProject(project));
      }
      if (property === 'putRelease') {
        return (release: Parameters<MetadataStore['putRelease']>[0]) =>
          once(`release\0${release.project}\0${release.version}`, () => target.putRelease(release));
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** What one file holds in memory while it is imported. */
function memoryCost(file: FoundFile, limits: ImportLimits): number {
  return file.size > limits.streamAbove ? STREAM_PART_BYTES * (STREAM_QUEUE + 1) : file.size;
}

async function sha256OfFile(filePath: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A big file on disk: ranged reads for a wheel's central directory, a stream for a tarball. */
async function importStreamed(ingest: Ingest, target: ImportTarget, file: FoundFile): Promise<IngestResult> {
  const sha256 = await sha256OfFile(file.path);
  const handle = await open(file.path, 'r');
  try {
    const { size } = await handle.stat();
    const source: DistributionSource = {
      size,
      async read(offset, length) {
        const buffer = Buffer.alloc(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buffer, got, length - got, offset + got);
          if (bytesRead === 0) throw new Error(`${file.path} became shorter while it was being read.`);
          got += bytesRead;
        }
        return buffer;
      },
      stream: () => createReadStream(file.path, { highWaterMark: 256 * 1024 }),
    };
    const dist = await inspectDistributionAt(file.filename, source);
    return await ingest.ingestContent(
      file.filename,
      { size, sha256, store: (key, options) => target.files.putFile(key, file.path, sha256, options) },
      dist,
    );
  } finally {
    await handle.close();
  }
}

/** Imports what the paths hold; refusals and failures are reported, never thrown. */
export async function importDistributions(
  target: ImportTarget,
  paths: readonly string[],
  events: ImportEvents = {},
  limits: Partial<ImportLimits> = {},
): Promise<ImportSummary> {
  const bounds = { ...IMPORT_DEFAULTS, ...limits };
  const scan = await scanPaths(paths);
  events.onScanned?.(scan);
  const started = performance.now();
  const gathered = target.batching ? gatheredRaises(target.batching) : undefined;
  const metadata =
    target.batching && gathered ? batchedLookups(target.batching.deferRaises(gathered.raises), target.batching.lookups) : target.metadata;
  // Summaries once per project at the end, not once per file (see Ingest).
  const touched = new Set<string>();
  const ingest = new Ingest(writingOnce(metadata), target.blobs, undefined, async (project) => touched.add(project));
  let created = 0;
  let unchanged = 0;
  const refused: Extract<FileResult, { outcome: 'refused' | 'failed' }>[] = [];
  const failed: Extract<FileResult, { outcome: 'refused' | 'failed' }>[] = [];
  let done = 0;
  let bytesDone = 0;

  async function importOne(file: FoundFile): Promise<void> {
    let result: FileResult;
    try {
      const ingested =
        file.size > bounds.streamAbove
          ? await importStreamed(ingest, target, file)
          : await ingest.ingest(file.filename, await readFile(file.path));
      if (ingested.outcome === 'created') created++;
      else unchanged++;
      result = { file, outcome: ingested.outcome, project: ingested.file.project, version: ingested.file.version };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (err instanceof WharfError) {
        result = { file, outcome: 'refused', reason };
        refused.push(result);
      } else {
        result = { file, outcome: 'failed', reason };
        failed.push(result);
      }
    }
    done++;
    bytesDone += file.size;
    events.onFile?.(result, { done, bytesDone });
  }

  const running = new Set<Promise<void>>();
  let inMemory = 0;
  for (const file of scan.files) {
    const cost = memoryCost(file, bounds);
    // In order, so a big file waits its turn rather than for a gap that small ones keep filling.
    while (running.size > 0 && (running.size >= bounds.concurrency || inMemory + cost > bounds.maxBytesInMemory)) {
      await Promise.race(running);
    }
    inMemory += cost;
    const task: Promise<void> = importOne(file).finally(() => {
      inMemory -= cost;
      running.delete(task);
    });
    running.add(task);
  }
  await Promise.all(running);
  await gathered?.finish();
  // After the page serials: each summary is stored with the serial it read. The shards'
  // counters are raised once, after all summaries are stored, not once per summary.
  const summaryRaises = target.batching
    ? gatheredRaises(target.batching, () => 'could not raise the counters of the search summaries it refreshed')
    : undefined;
  const summaries = target.batching && summaryRaises ? target.batching.deferRaises(summaryRaises.raises) : target.metadata;
  await refreshProjectSummaries(summaries, [...touched], bounds.concurrency);
  await summaryRaises?.finish();
  return {
    scan,
    created,
    unchanged,
    refused,
    failed,
    bytes: scan.files.reduce((n, f) => n + f.size, 0),
    seconds: (performance.now() - started) / 1000,
  };
}
