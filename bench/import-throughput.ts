/**
 * `wharf import` of many small wheels (issue 15: a mirror of 10,000 small files): files per
 * second from the command's start to its exit, into a fresh `wharf serve` on this machine,
 * and the CPU milliseconds each file costs the import and the server (what bounds the rate
 * when both share two cores). The wheels are generated with fflate, each a valid one
 * (METADATA, WHEEL, RECORD). `--baseline DIR` times another checkout's `wharf import` (with
 * its own `wharf serve`) on the same files, for a before/after.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { SERVER_STATE_FILE, type ServerState } from '../lambdas/cli/import-target.ts';
import { startLatencyProxy } from './latency-proxy.ts';
import { type BenchServer, type ImportRun, runImport, startServer } from './local-server.ts';

/** A small valid wheel: a module, METADATA, WHEEL and RECORD. */
export function smallWheel(name: string, version: string): { filename: string; bytes: Uint8Array } {
  const escaped = name.replace(/[-_.]+/g, '_');
  const di = `${escaped}-${version}.dist-info`;
  const files = {
    [`${escaped}/__init__.py`]: strToU8(`__version__ = ${JSON.stringify(version)}\n`),
    [`${di}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: generated for the import benchmark\n\n`),
    [`${di}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: wharf-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    [`${di}/RECORD`]: strToU8(`${escaped}/__init__.py,,\n${di}/METADATA,,\n${di}/WHEEL,,\n${di}/RECORD,,\n`),
  };
  return { filename: `${escaped}-${version}-py3-none-any.whl`, bytes: zipSync(files) };
}

/** `count` wheels of count/4 projects, four versions each, in a new directory. */
export async function writeSmallWheels(count: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wharf-bench-wheels-'));
  const projects = Math.max(1, Math.ceil(count / 4));
  for (let i = 0; i < count; i++) {
    const wheel = smallWheel(`bench-import-${i % projects}`, `1.${Math.floor(i / projects)}`);
    await writeFile(path.join(dir, wheel.filename), wheel.bytes);
  }
  return dir;
}

interface Measured {
  readonly run: ImportRun;
  readonly serverCpu?: number;
}

function describe(label: string, count: number, { run, serverCpu }: Measured): string {
  const cpu =
    run.cpuSeconds !== undefined && serverCpu !== undefined
      ? `; CPU per file: import ${((run.cpuSeconds * 1000) / count).toFixed(1)} ms + server ${((serverCpu * 1000) / count).toFixed(1)} ms`
      : '';
  return `  ${label.padEnd(26)} ${(count / run.seconds).toFixed(0).padStart(5)} files/s (${run.seconds.toFixed(1)} s, process start to exit)${cpu}`;
}

/**
 * Data directories of the servers this section started, removed at its end, not as each
 * server stops: on this machine's ext4 (no journal), a file created within a minute or so
 * of thousands being deleted is slow to allocate (the kernel skips recently deleted inodes
 * one by one: `recently_deleted` in ext4's inode allocator), and removing one server's
 * 2,000-wheel data directory halved the rate of the import timed right after it.
 */
const leftData: string[] = [];

async function measure(checkout: string | undefined, dir: string, count: number, label: string): Promise<void> {
  const server = await startServer(checkout ? { checkout } : {});
  leftData.push(server.dataDir);
  try {
    for (const pass of ['new files', 'already there']) {
      const before = await server.cpuSeconds();
      const run = await runImport(server, [dir], checkout ? { checkout } : {});
      const after = await server.cpuSeconds();
      if (run.code !== 0) throw new Error(`${label} wharf import failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
      const serverCpu = before !== undefined && after !== undefined ? after - before : undefined;
      console.log(describe(`${label}, ${pass}:`, count, { run, ...(serverCpu !== undefined ? { serverCpu } : {}) }));
    }
  } finally {
    await server.stop();
  }
}

/**
 * The same import with the stores `oneWayMs` away each way (a laptop importing into a
 * deployed index): the import is handed the server's stores through latency proxies, by a
 * server.json of its own that names them. Here waiting, not CPU, sets the rate.
 */
async function measureFar(server: BenchServer, dir: string, count: number, concurrency: number, oneWayMs: number): Promise<number> {
  const state = JSON.parse(await readFile(path.join(server.dataDir, SERVER_STATE_FILE), 'utf8')) as ServerState;
  const dynamodb = await startLatencyProxy(state.dynamodbEndpoint, oneWayMs);
  const s3 = await startLatencyProxy(state.s3Endpoint, oneWayMs);
  const far = path.join(server.dataDir, `far-${concurrency}`);
  await mkdir(far);
  await writeFile(path.join(far, SERVER_STATE_FILE), JSON.stringify({ ...state, dynamodbEndpoint: dynamodb.url, s3Endpoint: s3.url }));
  try {
    const run = await runImport({ ...server, dataDir: far }, [dir], { args: ['--concurrency', String(concurrency)] });
    if (run.code !== 0) throw new Error(`wharf import failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    return count / run.seconds;
  } finally {
    await dynamodb.close();
    await s3.close();
  }
}

export async function importThroughput(count = 2_000, baseline?: string): Promise<void> {
  console.log(`\nwharf import of ${count} small generated wheels into a fresh wharf serve (issue 15: 5x the 47 files/s of before)`);
  const dir = await writeSmallWheels(count);
  try {
    if (baseline) await measure(path.resolve(baseline), dir, count, 'baseline');
    await measure(undefined, dir, count, 'this checkout');
  } catch (err) {
    for (const data of leftData.splice(0)) await rm(data, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const oneWayMs = 10;
  const farCount = Math.min(count, 300);
  console.log(`  With the stores ${2 * oneWayMs} ms away (a round trip to a region), ${farCount} wheels, each into a fresh server:`);
  const farDir = await writeSmallWheels(farCount);
  try {
    const rates: string[] = [];
    for (const concurrency of [1, 4, 8, 16]) {
      const server = await startServer();
      leftData.push(server.dataDir);
      try {
        rates.push(`--concurrency ${concurrency}: ${(await measureFar(server, farDir, farCount, concurrency, oneWayMs)).toFixed(0)} files/s`);
      } finally {
        await server.stop();
      }
    }
    console.log(`    ${rates.join(', ')} (16 is the default, for a local index and a deployed one)`);
  } finally {
    await rm(farDir, { recursive: true, force: true });
    for (const data of leftData.splice(0)) await rm(data, { recursive: true, force: true });
  }
}
