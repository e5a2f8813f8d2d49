/**
 * What makes `wharf import` of many small files cheap for the stores: the per-file reads
 * gathered into BatchGetItems, and the page serials raised once per project per batch
 * instead of once per file. Every check the ingest makes is still made, in the same order;
 * only how the reads and the serial raises travel changes.
 *
 * - Reads: Ingest asks getFile, getTombstone and getProject (its PEP 792 status) for each
 *   file before its conditional Put, and getTombstone again after it. Calls made while files are in flight are queued and sent together as
 *   one strongly consistent BatchGetItem within 2 ms: the same reads,
 *   answered by the same table, a fraction of the round trips.
 * - Serial raises: a page's serial must be raised after the write it announces, so that a
 *   reader who sees the new serial sees the new file. Raised at most every RAISE_EVERY_MS
 *   (and at the end of the run), after the writes that asked for them, that still holds; a
 *   warm reader's page can lag the import by that long. Should the import die before a
 *   raise, a re-run raises every project's serial again (the `unchanged` path of Ingest
 *   calls putProject, which raises it), and an upload or a cold reader sees the files anyway.
 */
import type { SerialRaises } from '../adapters/dynamodb-metadata-store.ts';
import type { FileLookups, MetadataStore } from '../app/ports.ts';
import type { DistributionFile, ProjectRecord, Tombstone } from '../core/model.ts';

export interface ImportBatching {
  readonly lookups: FileLookups;
  /** The metadata store, with its serial raises handed to `raises` instead of sent. */
  deferRaises(raises: SerialRaises): MetadataStore;
  /** Raises each serial once. */
  raiseSerials(pks: Iterable<string>): Promise<void>;
}

/** How long a lookup waits for others to share its BatchGetItem. */
const LOOKUP_WINDOW_MS = 2;

/** How long a warm reader's page may lag a running import. */
export const RAISE_EVERY_MS = 250;

type Found = { file?: DistributionFile; tombstone?: Tombstone };

interface Pending<T> {
  readonly resolve: (found: T) => void;
  readonly reject: (err: unknown) => void;
}

/** `store`, with getFile, getTombstone and getProject answered by batched lookups. */
export function batchedLookups(store: MetadataStore, lookups: FileLookups): MetadataStore {
  let files: ({ project: string; filename: string } & Pending<Found>)[] = [];
  let projects: ({ project: string } & Pending<ProjectRecord | undefined>)[] = [];
  const flush = () => {
    const [fileBatch, projectBatch] = [files, projects];
    files = [];
    projects = [];
    lookups.lookupFiles(fileBatch, projectBatch.map((p) => p.project)).then(
      (found) => {
        fileBatch.forEach((p, i) => p.resolve(found.files[i]!));
        projectBatch.forEach((p, i) => p.resolve(found.projects[i]));
      },
      (err: unknown) => [...fileBatch, ...projectBatch].forEach((p) => p.reject(err)),
    );
  };
  // A short window, so lookups of files a few I/O callbacks apart share a batch.
  const schedule = () => {
    if (files.length === 0 && projects.length === 0) setTimeout(flush, LOOKUP_WINDOW_MS);
  };
  const lookup = (project: string, filename: string) =>
    new Promise<Found>((resolve, reject) => {
      schedule();
      files.push({ project, filename, resolve, reject });
    });
  const record = (project: string) =>
    new Promise<ProjectRecord | undefined>((resolve, reject) => {
      schedule();
      projects.push({ project, resolve, reject });
    });
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'getFile') return async (project: string, filename: string) => (await lookup(project, filename)).file;
      if (property === 'getTombstone') return async (project: string, filename: string) => (await lookup(project, filename)).tombstone;
      if (property === 'getProject') return (project: string) => record(project);
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Serial raises gathered and sent every RAISE_EVERY_MS, one per serial. `finish` sends what
 * is left and throws if any raise could not be sent.
 */
export function gatheredRaises(
  batching: ImportBatching,
  /** What a raise left unsent means, for the error `finish` throws. */
  unsent: (count: number) => string = (count) => `could not raise ${count} page serials`,
): { readonly raises: SerialRaises; finish(): Promise<void> } {
  const pending = new Set<string>();
  let sending: Promise<void> = Promise.resolve();
  let failure: unknown;
  const send = () => {
    if (pending.size === 0) return sending;
    const pks = [...pending];
    pending.clear();
    sending = sending.then(() =>
      batching.raiseSerials(pks).then(
        () => {
          failure = undefined;
        },
        (err: unknown) => {
          // Kept for the next round: a raise may be sent late, never left out.
          for (const pk of pks) pending.add(pk);
          failure = err;
        },
      ),
    );
    return sending;
  };
  const timer = setInterval(() => void send(), RAISE_EVERY_MS);
  timer.unref();
  return {
    raises: { add: (pk) => pending.add(pk) },
    async finish() {
      clearInterval(timer);
      await send();
      if (pending.size > 0) await send();
      if (pending.size > 0) {
        throw new Error(
          `The import stored its files, but ${unsent(pending.size)} (${String(failure)}); warm readers may not show the new files until the next change. Run the import again to raise them.`,
        );
      }
    },
  };
}
