/**
 * `wharf import PATH...`: load wheels and sdists from files or directories (a pypiserver
 * packages directory, a pypicloud export, a `dist/`) through the same ingest path the
 * upload API uses.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Ingest } from '../app/ingest.ts';
import type { ImportTarget } from './import-target.ts';

const DISTRIBUTION = /\.(whl|tar\.gz|zip)$/i;

export interface ImportSummary {
  readonly created: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly skipped: number;
}

/** Every distribution file under the given paths; named files are taken as they are. */
export async function collectDistributions(paths: readonly string[]): Promise<{ files: string[]; skipped: string[] }> {
  const files: string[] = [];
  const skipped: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) await walk(full);
      } else if (entry.isFile()) {
        (DISTRIBUTION.test(entry.name) ? files : skipped).push(full);
      }
    }
  }
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) throw new Error(`${p}: no such file or directory.`);
    if (info.isDirectory()) await walk(p);
    else files.push(p);
  }
  return { files, skipped };
}

export async function importDistributions(
  target: ImportTarget,
  paths: readonly string[],
  log: (line: string) => void,
  concurrency = 4,
): Promise<ImportSummary> {
  const { files, skipped } = await collectDistributions(paths);
  const ingest = new Ingest(target.metadata, target.blobs);
  let created = 0;
  let unchanged = 0;
  let failed = 0;
  let next = 0;
  async function worker(): Promise<void> {
    while (next < files.length) {
      const file = files[next++]!;
      try {
        const result = await ingest.ingest(path.basename(file), await readFile(file));
        if (result.outcome === 'created') created++;
        else unchanged++;
        log(`${result.outcome === 'created' ? 'added    ' : 'unchanged'} ${result.file.project} ${result.file.version}  ${path.basename(file)}`);
      } catch (err) {
        failed++;
        log(`failed    ${file}: ${(err as Error).message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return { created, unchanged, failed, skipped: skipped.length };
}
