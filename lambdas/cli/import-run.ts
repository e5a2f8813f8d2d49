/**
 * `wharf import` as a command: options to a target, progress while it runs, and a summary
 * that names every file refused or skipped and why. Exit code 1 when a file was refused or
 * failed, or when nothing to import was found at all.
 */
import { type FileResult, IMPORT_DEFAULTS, type ImportSummary, importDistributions } from './import-command.ts';
import { formatDuration, formatRate, formatSize, ImportProgressReporter, type ProgressOutput } from './import-progress.ts';
import { ImportPathError, NOT_A_DISTRIBUTION, type ScanResult, type SkippedEntry } from './import-scan.ts';
import { openTargetFromOptions } from './import-target.ts';
import { defaultDataDir } from './data-dir.ts';

export interface ImportOptions {
  'data-dir'?: string;
  stack?: string;
  table?: string;
  bucket?: string;
  region?: string;
  concurrency?: string;
}

/** Non-distribution files listed by name in the summary; past this only counted. */
const LISTED_OTHER_FILES = 20;

/**
 * Files imported at once into a deployed index unless told: it is a network away, so the
 * rate is set by waiting on round trips, not by this machine's CPU (npm run bench, import
 * with the stores 20 ms away: 13 files/s at 4, 23 at 8, 36 at 16).
 */
export const AWS_CONCURRENCY = 16;

function parseConcurrency(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) {
    throw new Error(`--concurrency must be a whole number from 1 to 64 (files imported at once), not "${value}".`);
  }
  return n;
}

/** A refusal's message, starting with the filename, and naming it once. */
export function refusalLine(result: Extract<FileResult, { reason: string }>): string {
  const { filename } = result.file;
  const { reason } = result;
  if (reason.startsWith(`${filename} `) || reason.startsWith(`${filename}: `)) return reason;
  return `${filename}: ${reason}`;
}

function skippedLines(skipped: readonly SkippedEntry[]): string[] {
  const others = skipped.filter((s) => s.reason === NOT_A_DISTRIBUTION);
  const lines = skipped.filter((s) => s.reason !== NOT_A_DISTRIBUTION).map((s) => `  ${s.path}: ${s.reason}`);
  if (others.length > 0) {
    lines.push(`  ${others.length} other ${others.length === 1 ? 'file' : 'files'} (${NOT_A_DISTRIBUTION}):`);
    for (const s of others.slice(0, LISTED_OTHER_FILES)) lines.push(`    ${s.path}`);
    if (others.length > LISTED_OTHER_FILES) lines.push(`    ... and ${others.length - LISTED_OTHER_FILES} more`);
  }
  return lines;
}

function emptyDirectoryLine(dir: string, scan: ScanResult): string {
  const inside = scan.skipped.filter((s) => s.path.startsWith(`${dir.replace(/\/+$/, '')}/`)).length;
  const what = inside === 0 ? 'it is empty' : `it holds ${inside} other ${inside === 1 ? 'entry' : 'entries'}, listed below`;
  return `no wheels or sdists found in ${dir} (${what}).`;
}

export function summaryLines(summary: ImportSummary): string[] {
  const { scan } = summary;
  const seconds = summary.seconds;
  const rates = seconds > 0 ? ` (${formatRate(scan.files.length / seconds)} files/s, ${formatSize(summary.bytes / seconds)}/s)` : '';
  const lines = [
    `Imported ${summary.created}, already there ${summary.unchanged}, refused ${summary.refused.length}, ` +
      `skipped ${scan.skipped.length}${summary.failed.length ? `, failed ${summary.failed.length}` : ''}` +
      ` in ${seconds < 60 ? `${seconds.toFixed(1)} s` : formatDuration(seconds)}${rates}.`,
  ];
  if (summary.refused.length > 0) {
    lines.push(`Refused (${summary.refused.length}):`, ...summary.refused.map((r) => `  ${refusalLine(r)}`));
  }
  if (summary.failed.length > 0) {
    lines.push(`Failed (${summary.failed.length}; run the import again to retry them):`, ...summary.failed.map((r) => `  ${refusalLine(r)}`));
  }
  if (scan.skipped.length > 0) lines.push(`Skipped (${scan.skipped.length}):`, ...skippedLines(scan.skipped));
  return lines;
}

export async function importCommand(
  options: ImportOptions,
  paths: string[],
  out: ProgressOutput = process.stdout,
  err: ProgressOutput = process.stderr,
): Promise<number> {
  if (paths.length === 0) {
    err.write('wharf import: name at least one wheel, sdist or directory to import.\n');
    return 2;
  }
  const aws = options.stack || options.table || options.bucket;
  const concurrency = parseConcurrency(options.concurrency, aws ? AWS_CONCURRENCY : IMPORT_DEFAULTS.concurrency);
  const target = await openTargetFromOptions({ ...options, dataDir: options['data-dir'] ?? defaultDataDir() });
  try {
    out.write(`Importing into ${target.description}\n`);
    let progress: ImportProgressReporter | undefined;
    let summary: ImportSummary;
    try {
      summary = await importDistributions(
        target,
        paths,
        {
          onScanned(scan) {
            const bytes = scan.files.reduce((n, f) => n + f.size, 0);
            for (const dir of scan.emptyDirectories) err.write(`wharf import: ${emptyDirectoryLine(dir, scan)}\n`);
            if (scan.files.length === 0) return;
            out.write(
              `Found ${scan.files.length} wheels and sdists (${formatSize(bytes)})` +
                (scan.skipped.length
                  ? `; skipping ${scan.skipped.length} other ${scan.skipped.length === 1 ? 'entry' : 'entries'}, listed at the end`
                  : '') +
                `. Importing ${Math.min(concurrency, scan.files.length)} at a time.\n`,
            );
            progress = new ImportProgressReporter(out, { files: scan.files.length, bytes });
          },
          onFile(result, p) {
            if (result.outcome === 'refused' || result.outcome === 'failed') progress?.note(`${result.outcome} ${refusalLine(result)}`);
            progress?.update(p);
          },
        },
        { concurrency },
      );
    } catch (e) {
      if (e instanceof ImportPathError) {
        err.write(`wharf import: ${e.message}\n`);
        return 1;
      }
      throw e;
    } finally {
      progress?.finish();
    }
    for (const line of summaryLines(summary)) out.write(`${line}\n`);
    if (summary.scan.files.length === 0) {
      err.write(
        `wharf import: nothing to import in ${paths.join(', ')}. Name directories that hold wheels (.whl) or sdists (.tar.gz, .zip), or the files themselves.\n`,
      );
      return 1;
    }
    return summary.refused.length > 0 || summary.failed.length > 0 ? 1 : 0;
  } finally {
    await target.close();
  }
}
