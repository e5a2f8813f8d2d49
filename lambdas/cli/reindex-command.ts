/**
 * `wharf reindex`: compute every project's search summary again from its files, on the
 * local index or a deployed stack. Uploads, yanks and deletes keep summaries up to date;
 * this is for an index written before search existed (its projects are missing from search
 * and the front page until then), and repairs any summary a crash left one write behind.
 */
import { refreshAllSummaries } from '../app/project-summaries.ts';
import { openTargetFromOptions } from './import-target.ts';
import { defaultDataDir } from './serve-command.ts';

export interface ReindexOptions {
  'data-dir'?: string;
  stack?: string;
  table?: string;
  bucket?: string;
  region?: string;
  concurrency?: string;
}

export async function reindexCommand(options: ReindexOptions): Promise<number> {
  const concurrency = options.concurrency === undefined ? 8 : Number(options.concurrency);
  if (!/^\d+$/.test(options.concurrency ?? '8') || concurrency < 1 || concurrency > 64) {
    process.stderr.write(`wharf reindex: --concurrency must be a whole number from 1 to 64, not "${options.concurrency}".\n`);
    return 2;
  }
  const target = await openTargetFromOptions({
    ...(options.stack ? { stack: options.stack } : {}),
    ...(options.table ? { table: options.table } : {}),
    ...(options.bucket ? { bucket: options.bucket } : {}),
    ...(options.region ? { region: options.region } : {}),
    dataDir: options['data-dir'] ?? defaultDataDir(),
  });
  try {
    const started = performance.now();
    let last = 0;
    const count = await refreshAllSummaries(target.metadata, concurrency, (_project, done, total) => {
      const now = performance.now();
      if (process.stderr.isTTY && (now - last > 500 || done === total)) {
        last = now;
        process.stderr.write(`\r${done} of ${total} projects`);
      }
    });
    if (process.stderr.isTTY && count > 0) process.stderr.write('\n');
    process.stdout.write(`Refreshed the search summaries of ${count} ${count === 1 ? 'project' : 'projects'} in ${target.description} in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
    return 0;
  } finally {
    await target.close();
  }
}
