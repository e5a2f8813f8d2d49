/** Options of `wharf import` to a target, then the import itself. */
import { importDistributions } from './import-command.ts';
import { openAwsTarget, openLocalTarget } from './import-target.ts';
import { defaultDataDir } from './serve-command.ts';

export interface ImportOptions {
  'data-dir'?: string;
  stack?: string;
  table?: string;
  bucket?: string;
  region?: string;
}

export async function importCommand(options: ImportOptions, paths: string[]): Promise<number> {
  if (paths.length === 0) {
    process.stderr.write('wharf import: name at least one wheel, sdist or directory to import.\n');
    return 2;
  }
  const aws = options.stack || options.table || options.bucket;
  const target = aws
    ? await openAwsTarget({
        ...(options.stack ? { stackName: options.stack } : {}),
        ...(options.table ? { tableName: options.table } : {}),
        ...(options.bucket ? { bucketName: options.bucket } : {}),
        ...(options.region ? { region: options.region } : {}),
      })
    : await openLocalTarget(options['data-dir'] ?? defaultDataDir());
  try {
    process.stdout.write(`Importing into ${target.description}\n`);
    const summary = await importDistributions(target, paths, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(
      `${summary.created} added, ${summary.unchanged} already there, ${summary.failed} failed` +
        (summary.skipped ? `, ${summary.skipped} other files skipped` : '') +
        '\n',
    );
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await target.close();
  }
}
