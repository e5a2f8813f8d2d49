/**
 * A fresh `wharf serve` in its own process on a temporary data directory, and `wharf
 * import` run against it as a user runs them: the benchmarks time the real commands.
 * CPU time is counted too (Linux: /proc and /usr/bin/time), since on a shared machine
 * the wall clock says as much about the neighbours as about the code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDbMetadataStore } from '../lambdas/adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../lambdas/adapters/s3-sdk-objects.ts';
import { Ingest } from '../lambdas/app/ingest.ts';
import { createDynamoDbClient, createS3Client } from '../lambdas/local/embedded-stores.ts';
import type { LocalWharf } from '../lambdas/local/local-wharf.ts';
import { buildWheel, wheelFilename } from '../test/support/dist-builder.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIME = '/usr/bin/time';

/** The `wharf` command of a checkout (this one by default): node with tsx, then main.ts. */
function cli(checkout = ROOT): string[] {
  return ['--import', 'tsx', path.join(checkout, 'lambdas/cli/main.ts')];
}

export interface BenchServer {
  readonly dataDir: string;
  readonly indexUrl: string;
  readonly pid: number;
  /** CPU seconds the server process has used so far, when /proc tells. */
  cpuSeconds(): Promise<number | undefined>;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
  /** Stops the server and leaves its data directory for the caller to remove (see import-throughput.ts). */
  stop(): Promise<void>;
}

async function procCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

export async function startServer(options: { checkout?: string; nodeArgs?: readonly string[] } = {}): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wharf-bench-data-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...cli(options.checkout), 'serve', '--port', '0', '--data-dir', dataDir, '--quiet', '--upstream', 'none'],
    { cwd: options.checkout ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WHARF_DATA_DIR: '' } },
  );
  let output = '';
  const indexUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wharf serve did not start in 60 s:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /Index URL:\s+(\S+)/.exec(output);
      if (match && output.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wharf serve exited with ${code}:\n${output}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  };
  return {
    dataDir,
    indexUrl,
    pid: child.pid!,
    cpuSeconds: () => procCpuSeconds(child.pid!),
    stop,
    async close() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ImportRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /** CPU seconds of the import process, when /usr/bin/time is there to count them. */
  readonly cpuSeconds?: number;
  /** The import process's peak resident memory, from the same. */
  readonly maxRssBytes?: number;
}

/** `wharf import --data-dir DIR PATH...` against the server on that data directory. */
export async function runImport(
  server: BenchServer,
  paths: readonly string[],
  options: { checkout?: string; args?: readonly string[] } = {},
): Promise<ImportRun> {
  const timeFile = path.join(server.dataDir, `import-time-${process.hrtime.bigint()}`);
  const command = [...cli(options.checkout), 'import', '--data-dir', server.dataDir, ...(options.args ?? []), ...paths];
  const timed = existsSync(TIME);
  const [file, args] = timed ? [TIME, ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...command]] : [process.execPath, command];
  const started = performance.now();
  const result = await new Promise<Omit<ImportRun, 'cpuSeconds'>>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.checkout ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WHARF_DATA_DIR: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
  if (!timed) return result;
  const [user, sys, rssKb] = (await readFile(timeFile, 'utf8').catch(() => '')).trim().split('\n').pop()!.split(' ').map(Number);
  if (!Number.isFinite(user) || !Number.isFinite(sys) || !Number.isFinite(rssKb)) return result;
  return { ...result, cpuSeconds: user! + sys!, maxRssBytes: rssKb! * 1024 };
}

/**
 * Puts freshly built wheels straight into a local Wharf's stores, through the same Ingest
 * an upload takes, for benches that need an index full of something. `close` when done.
 */
export function localWheelPublisher(wharf: LocalWharf): { put(name: string, version: string): Promise<void>; close(): void } {
  const dynamodb = createDynamoDbClient(wharf.stores);
  const s3 = createS3Client(wharf.stores);
  const ingest = new Ingest(new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName), new S3BlobStore(sdkS3Objects(s3, wharf.stores.bucketName)));
  return {
    async put(name, version) {
      const options = { name, version };
      await ingest.ingest(wheelFilename(options), buildWheel(options));
    },
    close() {
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
