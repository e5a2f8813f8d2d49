/**
 * `npm run bench -- soak [--minutes N] [--heap-snapshots DIR]`: a local Wharf, started
 * as `npm start` starts it (a data directory, upstream none), under a steady mix of reads
 * and uploads for N minutes (default 5), with requests, errors, req/s, RSS and heap used
 * printed every 30 s and once more after 30 s idle. Memory that grows with the number of
 * requests rather than with the data shows here as RSS that keeps climbing after the
 * first minute; the aim is 0 errors and RSS within 20% of its value at one minute.
 *
 * The server runs in this process, the load in a child (bench/soak-driver.ts), so the
 * figures are the server's. With --heap-snapshots, a V8 heap snapshot of this process is
 * written at one minute and at the end of the load, to compare with bench/heap-diff.ts.
 * Writing a snapshot takes memory the allocator keeps afterwards (tens of MB here), so
 * judge RSS on a run without them.
 */
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { startLocalWharf, type LocalWharf } from '../lambdas/local/local-wharf.ts';
import type { SoakPlan, SoakStats } from './soak-driver.ts';
import { localWheelPublisher } from './local-server.ts';

const REPORT_EVERY_MS = 30_000;
const IDLE_MS = 30_000;
const SEEDED_PROJECTS = 6;
const FILES_EACH = 8;
/** One-file projects besides, so the root listing weighs what a team's index does (~50 KB). */
const LISTED_PROJECTS = 500;
const CONCURRENCY = 8;
/** A bound on the request count besides the time: far above what this machine answers. */
const MAX_REQUESTS_PER_MINUTE = 60_000;
const MB = 1024 * 1024;

export interface SoakOptions {
  readonly minutes: number;
  readonly heapSnapshotDir?: string;
}

const UPLOAD_PROJECTS = ['soak-uploads-a', 'soak-uploads-b'];

async function seed(wharf: LocalWharf): Promise<string[]> {
  const publisher = localWheelPublisher(wharf);
  const put = publisher.put;
  const projects = Array.from({ length: SEEDED_PROJECTS }, (_, i) => `soak-project-${i}`);
  try {
    // The projects uploads go to exist from the start: a reader of one never gets a 404.
    for (const project of UPLOAD_PROJECTS) await put(project, '1.0');
    for (const project of projects) await Promise.all(Array.from({ length: FILES_EACH }, (_, v) => put(project, `1.${v}`)));
    for (let i = 0; i < LISTED_PROJECTS; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, LISTED_PROJECTS - i) }, (_, j) => put(`listed-${String(i + j).padStart(5, '0')}`, '1.0')));
    }
  } finally {
    publisher.close();
  }
  return projects;
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`.padStart(7);

export async function soak(options: SoakOptions): Promise<boolean> {
  const { minutes } = options;
  console.log(`\nSoak: a local Wharf on a data directory under reads and uploads for ${minutes} min (${CONCURRENCY} request loops, loopback)`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'wharf-soak-'));
  const wharf = await startLocalWharf({ port: 0, dataDir, upstream: { mode: 'none' } });
  let driver: ReturnType<typeof fork> | undefined;
  try {
    const projects = await seed(wharf);
    if (options.heapSnapshotDir) await mkdir(options.heapSnapshotDir, { recursive: true });
    const snapshot = (label: string) => {
      if (!options.heapSnapshotDir) return;
      const file = writeHeapSnapshot(path.join(options.heapSnapshotDir, `soak-${label}.heapsnapshot`));
      console.log(`  heap snapshot: ${file}`);
    };

    let latest: SoakStats = { type: 'stats', requests: 0, errors: 0, uploads: 0 };
    driver = fork(path.join(import.meta.dirname, 'soak-driver.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const done = new Promise<void>((resolve, reject) => {
      driver!.on('message', (stats: SoakStats) => {
        latest = stats;
        if (stats.type === 'done') resolve();
      });
      driver!.once('exit', (code) => (latest.type === 'done' ? resolve() : reject(new Error(`the soak driver exited with ${code}`))));
    });
    const started = Date.now();
    const plan: SoakPlan = {
      type: 'plan',
      url: wharf.url,
      token: wharf.admin.token,
      projects,
      uploadProjects: UPLOAD_PROJECTS,
      deadline: started + minutes * 60_000,
      maxRequests: minutes * MAX_REQUESTS_PER_MINUTE,
      concurrency: CONCURRENCY,
    };
    driver.send(plan);

    console.log(`  ${'time'.padStart(6)} ${'requests'.padStart(9)} ${'errors'.padStart(7)} ${'req/s'.padStart(6)} ${'RSS'.padStart(7)} ${'heap used'.padStart(9)} ${'external'.padStart(8)}`);
    let previous = { at: started, requests: 0 };
    let rssAtOneMinute: number | undefined;
    let lastRss = 0;
    const line = (label: string) => {
      const now = Date.now();
      const { rss, heapUsed, external } = process.memoryUsage();
      // The last line comes seconds after the one before: a rate over so short a time says nothing.
      const elapsed = now - previous.at;
      const rate = elapsed >= 5_000 ? (((latest.requests - previous.requests) * 1000) / elapsed).toFixed(0) : '-';
      previous = { at: now, requests: latest.requests };
      lastRss = rss;
      console.log(
        `  ${label.padStart(6)} ${String(latest.requests).padStart(9)} ${String(latest.errors).padStart(7)} ${rate.padStart(6)} ${mb(rss)} ${mb(heapUsed).padStart(9)} ${mb(external).padStart(8)}`,
      );
    };
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    let tick = 0;
    while (!finished) {
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, started + (tick + 1) * REPORT_EVERY_MS - Date.now()))]);
      if (finished) break;
      tick++;
      line(`${tick * 30}s`);
      if (tick === 2) {
        rssAtOneMinute = lastRss;
        snapshot('1min');
      }
    }
    await done;
    line('end');
    snapshot('end');
    const rssAtEnd = lastRss;
    await new Promise((r) => setTimeout(r, IDLE_MS));
    line('idle');
    if (latest.lastError) console.log(`  last error: ${latest.lastError}`);
    const growth = rssAtOneMinute ? (rssAtEnd - rssAtOneMinute) / rssAtOneMinute : 0;
    const met = latest.errors === 0 && growth <= 0.2;
    if (options.heapSnapshotDir) console.log('  (heap snapshots were written: RSS after the first includes what writing it took)');
    console.log(
      `  ${latest.requests} requests (${latest.uploads} uploads), ${latest.errors} errors; RSS ${rssAtOneMinute ? `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}% from one minute to the end` : 'not sampled at one minute'}` +
        ` (aim: 0 errors, within 20%: ${met ? 'met' : 'MISSED'})`,
    );
    return met;
  } finally {
    if (driver && driver.exitCode === null) driver.kill('SIGTERM');
    await wharf.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
