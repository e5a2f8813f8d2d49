/**
 * `wharf publish FILE...`: publishes distributions of any size through PEP 694's Upload 2.0
 * API, one publishing session per release (every file of a release appears at once), with a
 * progress bar per file on a terminal and sparse progress lines in CI logs.
 *
 * Where to: --url (the index or its base URL), or else the local server running on the
 * data directory. Token: --token, $WHARF_TOKEN, $TWINE_PASSWORD when $TWINE_USERNAME is
 * __token__, or the local server's kept admin token. Or trusted publishing: with
 * --trusted-publishing, or by itself when no token is given inside a GitHub Actions job
 * that may request OIDC tokens (ACTIONS_ID_TOKEN_REQUEST_URL is set) or with an OIDC token in
 * WHARF_ID_TOKEN (a GitLab job's `id_tokens`), the job's OIDC token is exchanged for a
 * short-lived upload token (lambdas/cli/oidc-exchange.ts says where tokens come from), minted
 * again if it runs out mid-publish (with a fresh OIDC token; a handed-in one is spent once).
 * With --aws, the same with a GetCallerIdentity request signed by the job's AWS role
 * (lambdas/cli/aws-exchange.ts) in place of the OIDC token.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readKeptAdminToken } from '../local/admin-bootstrap.ts';
import { usageMessage } from './command-line.ts';
import { processAlive, readServerState } from './import-target.ts';
import { NotWharfError } from './wharf-answer.ts';
import { oidcSourceOf } from './oidc-exchange.ts';
import {
  type AuthProvider,
  type FileReport,
  groupByRelease,
  PublishClient,
  PublishError,
  type PublishProgress,
  type PublishResult,
  tokenAuth,
  trustedPublishingAuth,
} from './publish-client.ts';
import { formatDuration } from './import-progress.ts';

export interface PublishCommandOptions {
  readonly url?: string;
  readonly token?: string;
  readonly 'data-dir'?: string;
  readonly 'skip-existing'?: boolean;
  readonly 'trusted-publishing'?: boolean;
  /** Publish from AWS: a GetCallerIdentity request signed with the job's AWS credentials, for an upload token. */
  readonly aws?: boolean;
  readonly concurrency?: string;
  /** PEP 740 attestation files, each named after its distribution (`{file}.publish.attestation`). */
  readonly attestations?: readonly string[];
}

/**
 * The attestations of each file to publish, from `--attestations` files: each holds one
 * attestation object (or a JSON array of them) and is named after its distribution plus a
 * suffix, as gh-action-pypi-publish writes them (`demo-1.0-py3-none-any.whl.publish.attestation`)
 * and twine pairs them.
 */
export async function attestationsByFile(files: readonly string[], attestationFiles: readonly string[]): Promise<Map<string, unknown[]>> {
  const byFile = new Map<string, unknown[]>();
  const names = files.map((f) => path.basename(f));
  for (const file of attestationFiles) {
    const base = path.basename(file);
    const owner = names.filter((n) => base.startsWith(`${n}.`)).sort((a, b) => b.length - a.length)[0];
    if (!owner) {
      throw new PublishError(
        `${base} is named after none of the files to publish: name an attestation after its distribution, as ${names[0] ?? 'demo-1.0-py3-none-any.whl'}.publish.attestation.`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new PublishError(`${file} cannot be read as a JSON attestation: ${(err as Error).message}`);
    }
    const list = byFile.get(owner) ?? [];
    list.push(...(Array.isArray(value) ? value : [value]));
    byFile.set(owner, list);
  }
  return byFile;
}

interface Output {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const MB = 1000 * 1000;

export function formatBytes(n: number): string {
  return n >= 1000 * MB ? `${(n / (1000 * MB)).toFixed(2)} GB` : `${(n / MB).toFixed(1)} MB`;
}


/** A terminal that reports no width (0 or none: a pipe, some CI consoles) is taken as this wide. */
export const DEFAULT_COLUMNS = 80;
/** A rate over less time than this is noise (the first megabyte lands in a millisecond). */
export const MIN_RATE_SECONDS = 0.25;
const BAR_MAX = 24;
const BAR_MIN = 5;
const NAME_MIN = 12;

/**
 * Bytes per second since the upload began, once that is long enough to mean something.
 * `baseline`: the bytes already sent when the clock started (the first report comes after
 * the first chunk), which took no measured time.
 */
export function uploadRate(bytes: number, elapsedSeconds: number, baseline = 0): number | undefined {
  return elapsedSeconds >= MIN_RATE_SECONDS && bytes > baseline ? (bytes - baseline) / elapsedSeconds : undefined;
}

/** `5.0 MB/s ETA 10s`, or nothing while the rate is not known yet. */
function rateAndEta(bytes: number, total: number, elapsedSeconds: number, baseline: number, short = false): string {
  const rate = uploadRate(bytes, elapsedSeconds, baseline);
  if (rate === undefined) return '';
  return ` ${(rate / MB).toFixed(1)} MB/s ${short ? '' : 'ETA '}${formatDuration((total - bytes) / rate)}`;
}

/**
 * One line of progress that fits in `columns - 1` (the last column would wrap): the file,
 * a bar, and bytes sent of the total with the rate and ETA while uploading (the phase
 * otherwise). The numbers matter most: the bar shrinks, then goes, then the name is cut
 * and goes, and only then do the numbers get shorter.
 */
export function renderProgressLine(p: PublishProgress, elapsedSeconds: number, columns?: number, baseline = 0): string {
  const room = (columns && columns > 0 ? columns : DEFAULT_COLUMNS) - 1;
  // Bytes go back down when a part is retried; a bar never draws outside its frame.
  const bytes = Math.min(Math.max(p.bytes, 0), p.total);
  const fraction = p.total > 0 ? bytes / p.total : 1;
  const percent = `${Math.floor(fraction * 100)}%`;
  const amounts = `${formatBytes(bytes)}/${formatBytes(p.total)}`;
  const stats =
    p.phase === 'uploading'
      ? [
          `${amounts}${rateAndEta(bytes, p.total, elapsedSeconds, baseline)}`,
          `${percent}${rateAndEta(bytes, p.total, elapsedSeconds, baseline, true)}`,
          percent,
        ]
      : [`${p.phase} ${amounts}`, `${p.phase} ${percent}`, percent];
  const name = p.filename;
  for (const numbers of stats) {
    const left = room - numbers.length - 1;
    const barWidth = Math.min(BAR_MAX, left - name.length - 3);
    if (barWidth >= BAR_MIN) {
      const filled = Math.round(fraction * barWidth);
      return `${name} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${numbers}`;
    }
    if (left >= name.length) return `${name} ${numbers}`;
    if (left >= NAME_MIN) return `${name.slice(0, left - 1)}… ${numbers}`;
    if (numbers.length <= room) return numbers;
  }
  return percent.slice(0, Math.max(room, 1));
}

/**
 * Progress of one file: bytes, rate, ETA. On a TTY one line redrawn in place (at most ten
 * times a second); otherwise a line at each quarter, so CI logs stay short.
 */
export class ProgressBar {
  private started = performance.now();
  private lastDraw = -Infinity;
  private lastWidth = 0;
  private lastQuarter = -1;
  private phase: PublishProgress['phase'] = 'hashing';
  private baseline = 0;

  constructor(
    private readonly out: Output,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.started = clock();
  }

  update(p: PublishProgress): void {
    if (p.phase !== this.phase && p.phase === 'uploading') {
      this.started = this.clock();
      this.baseline = Math.max(p.bytes, 0);
    }
    this.phase = p.phase;
    if (p.phase === 'done') return;
    const now = this.clock();
    const elapsed = (now - this.started) / 1000;
    if (this.out.isTTY) {
      if (now - this.lastDraw < 100 && p.bytes < p.total && p.phase === 'uploading') return;
      this.lastDraw = now;
      const line = renderProgressLine(p, elapsed, this.out.columns, this.baseline);
      // Blank what a longer line before left behind.
      this.out.write(`\r${line.padEnd(this.lastWidth)}`);
      this.lastWidth = line.length;
      return;
    }
    if (p.phase !== 'uploading') {
      if (p.phase === 'verifying') this.out.write(`${p.filename}: uploaded, verifying\n`);
      return;
    }
    const quarter = p.total > 0 ? Math.floor((p.bytes / p.total) * 4) : 4;
    if (quarter > this.lastQuarter && quarter < 4) {
      this.lastQuarter = quarter;
      this.out.write(`${p.filename}: ${quarter * 25}% ${formatBytes(p.bytes)}/${formatBytes(p.total)}${rateAndEta(p.bytes, p.total, elapsed, this.baseline)}\n`);
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\r\x1b[2K');
  }
}

export function tokenFromEnvironment(env: Record<string, string | undefined>): string | undefined {
  if (env['WHARF_TOKEN']) return env['WHARF_TOKEN'];
  if (env['TWINE_USERNAME'] === '__token__' && env['TWINE_PASSWORD']) return env['TWINE_PASSWORD'];
  return undefined;
}

/**
 * Whether to publish by trusted publishing: asked for, or no token and an OIDC token at hand
 * (a GitHub Actions job with id-token: write, or WHARF_ID_TOKEN). On Google Cloud, ask for it:
 * a metadata server is not something to probe for unasked.
 */
export function wantsTrustedPublishing(options: PublishCommandOptions, env: Record<string, string | undefined>): boolean {
  if (options['trusted-publishing']) return true;
  return options.token === undefined && tokenFromEnvironment(env) === undefined && Boolean(env['ACTIONS_ID_TOKEN_REQUEST_URL'] || env['WHARF_ID_TOKEN']);
}

async function localServerUrl(options: PublishCommandOptions, env: Record<string, string | undefined>): Promise<{ url: string; dataDir: string }> {
  const dataDir = options['data-dir'] ?? env['WHARF_DATA_DIR'] ?? '.wharf';
  const state = await readServerState(dataDir);
  if (!state || !processAlive(state.pid)) {
    throw new PublishError(
      `No Wharf is running on ${dataDir}: start one with npm start, or publish to another index with --url URL --token TOKEN.`,
    );
  }
  return { url: state.url, dataDir };
}

async function resolveTarget(
  options: PublishCommandOptions,
  env: Record<string, string | undefined>,
): Promise<{ url: string; auth: AuthProvider; how: string }> {
  if (options['trusted-publishing'] && (options.token !== undefined)) {
    throw new PublishError('Give --token or --trusted-publishing, not both.');
  }
  if (options.aws) {
    if (options.token !== undefined || options['trusted-publishing']) throw new PublishError('Give one of --aws, --token and --trusted-publishing.');
    const url = options.url ?? (await localServerUrl(options, env)).url;
    const { awsTrustedPublishingToken } = await import('./aws-exchange.ts');
    const auth = trustedPublishingAuth(url, env, awsTrustedPublishingToken);
    // Mint now, so a refusal is said once, before any file is read.
    await auth();
    return { url, auth, how: 'trusted publishing (AWS IAM role)' };
  }
  if (wantsTrustedPublishing(options, env)) {
    const url = options.url ?? (await localServerUrl(options, env)).url;
    const auth = trustedPublishingAuth(url, env);
    // Mint now, so a refusal is said once, before any file is read.
    await auth();
    return { url, auth, how: `trusted publishing (${oidcSourceOf(env)})` };
  }
  const token = options.token ?? tokenFromEnvironment(env);
  if (options.url) {
    if (!token) {
      throw new PublishError(
        `No token to publish to ${options.url} with: pass --token, or set WHARF_TOKEN (or TWINE_USERNAME=__token__ and TWINE_PASSWORD), ` +
          'or publish by trusted publishing (--trusted-publishing: from GitHub Actions with `permissions: id-token: write`, ' +
          'from GitLab with `id_tokens: WHARF_ID_TOKEN`, from Google Cloud as a service account). ' +
          'A token needs upload scope for the project (npm run wharf -- token create --scope upload:NAME).',
      );
    }
    return { url: options.url, auth: tokenAuth(token), how: 'a token' };
  }
  const { url, dataDir } = await localServerUrl(options, env);
  const kept = await readKeptAdminToken(dataDir);
  const chosen = token ?? kept;
  if (!chosen) throw new PublishError(`The local server at ${url} keeps no admin token in ${dataDir}: pass --token.`);
  return { url, auth: tokenAuth(chosen), how: token ? 'a token' : "the local server's admin token" };
}

export async function publishCommand(
  files: readonly string[],
  options: PublishCommandOptions,
  io: { out: Output; err: Output; env: Record<string, string | undefined> } = { out: process.stdout, err: process.stderr, env: process.env },
): Promise<number> {
  if (files.length === 0) {
    io.err.write(usageMessage('wharf publish', 'name at least one wheel or sdist to publish.'));
    return 2;
  }
  const concurrency = options.concurrency === undefined ? 4 : Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    io.err.write(usageMessage('wharf publish', `--concurrency must be a whole number from 1 to 32, not ${options.concurrency}.`));
    return 2;
  }
  let target: { url: string; auth: AuthProvider; how: string };
  let attestations: Map<string, unknown[]>;
  try {
    attestations = await attestationsByFile(files, options.attestations ?? []);
    target = await resolveTarget(options, io.env);
  } catch (err) {
    io.err.write(`wharf publish: ${(err as Error).message}\n`);
    return 1;
  }
  io.out.write(`Publishing ${files.length} file${files.length === 1 ? '' : 's'} to ${target.url} with ${target.how}\n`);
  const results: PublishResult[] = [];
  const failures: { filename: string; message: string }[] = [];
  const fail = (filename: string, message: string) => {
    failures.push({ filename, message });
    io.err.write(`${filename}: FAILED: ${message}\n`);
  };
  // PEP 694: one publishing session per release, so each release appears whole or not at all.
  const releases = groupByRelease(
    files.map((file) => {
      const own = attestations.get(path.basename(file));
      return { path: file, ...(own ? { attestations: own } : {}) };
    }),
    (file, message) => fail(path.basename(file.path), message),
  );
  for (const release of releases) {
    let bar: ProgressBar | undefined;
    let barFile: string | undefined;
    const client = new PublishClient(target.url, target.auth, {
      concurrency,
      skipExisting: options['skip-existing'] === true,
      onProgress: (p) => {
        if (p.filename !== barFile) {
          bar?.finish();
          bar = new ProgressBar(io.out);
          barFile = p.filename;
        }
        bar!.update(p);
      },
    });
    let reports: FileReport[];
    try {
      reports = await client.publishRelease(release, (session) => {
        const count = `${release.files.length} file${release.files.length === 1 ? '' : 's'}`;
        io.out.write(`${release.project} ${release.version}: publishing session ${session.url} (${count}${session.joined ? ', joined the session already open' : ''})\n`);
      });
    } catch (err) {
      bar?.finish();
      // Not a file's fault: every other file would fail the same way.
      if (err instanceof NotWharfError) {
        io.err.write(`wharf publish: ${err.message}\n`);
        return 1;
      }
      const message = err instanceof Error ? err.message : String(err);
      for (const file of release.files) fail(path.basename(file.path), message);
      continue;
    }
    bar?.finish();
    for (const report of reports) {
      if ('failure' in report) {
        fail(report.filename, report.failure);
        continue;
      }
      const result = report.result;
      results.push(result);
      const rate = result.seconds > 0 ? ` in ${result.seconds.toFixed(1)}s (${(result.size / MB / result.seconds).toFixed(1)} MB/s)` : '';
      const line =
        result.outcome === 'published'
          ? `${result.filename}: published, ${formatBytes(result.size)}${rate}`
          : result.outcome === 'unchanged'
            ? `${result.filename}: already published with these exact bytes, nothing to do`
            : `${result.filename}: skipped (--skip-existing): ${result.message}`;
      io.out.write(`${line}\n`);
    }
  }
  const count = (o: PublishResult['outcome']) => results.filter((r) => r.outcome === o).length;
  io.out.write(
    `\n${count('published')} published, ${count('unchanged')} already there, ${count('skipped')} skipped, ${failures.length} failed.\n`,
  );
  return failures.length > 0 ? 1 : 0;
}
