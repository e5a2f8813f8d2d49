/**
 * `npm run bench`: what each Lambda bundle weighs and how long its module takes to load,
 * and how long the pages take to render. Figures are medians of several runs on this
 * (shared, noisy) machine: compare ratios within one run, not absolute numbers across runs.
 * `npm run bench -- --help` lists the sections that run alone (import, real-mirror).
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, ENTRY_CHUNK } from '../lib/bundling.ts';
import { FUNCTIONS } from '../lambdas/config/functions.ts';
import type { DistributionFile } from '../lambdas/core/model.ts';
import {
  renderProjectHtml,
  renderProjectJson,
  renderRootHtml,
  renderRootJson,
} from '../lambdas/core/simple-pages.ts';
import { MAX_RESPONSE_PAYLOAD_BYTES } from '../lambdas/http/api-gateway.ts';
import { upstreamLatency } from './upstream.ts';
import { pageThroughput } from './page-throughput.ts';

const BUNDLE_LIMIT_BYTES = 500 * 1024;
const INIT_TARGET_MS = 60;
const RENDER_TARGET_MS = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(fn: () => unknown, runs: number): number {
  fn(); // warm up (JIT), as a warm Lambda would be
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** What a cold start reads: the entry chunk and every chunk it imports statically, transitively. */
function coldStartChunks(metafile: Metafile, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return [...seen];
}

/**
 * Bundle exactly as lib/wharf-function.ts does (lib/bundling.ts: ESM chunks) and report,
 * per function: the entry chunk alone, what a cold start loads (the entry chunk and its
 * static imports; the aim is 500 KB), all chunks, and the module init median.
 */
async function bundles(): Promise<void> {
  console.log('Lambda bundles (lib/bundling.ts, as the CDK construct builds them; source maps not counted)');
  console.log(`  ${'function'.padEnd(8)} ${'entry chunk'.padStart(11)} ${'cold start loads'.padStart(22)} ${'all chunks'.padStart(19)}   module init`);
  const root = path.resolve(import.meta.dirname, '..');
  const dir = await mkdtemp(path.join(tmpdir(), 'wharf-bench-'));
  try {
    for (const [name, spec] of Object.entries(FUNCTIONS)) {
      const outdir = path.join(dir, name);
      const { metafile } = await build({ ...bundleOptions(spec.entry, outdir, root), metafile: true, logLevel: 'silent' });
      const rel = (file: string) => path.relative(root, file);
      const entry = rel(path.join(outdir, ENTRY_CHUNK));
      const sizeOf = (file: string) => metafile.outputs[file]!.bytes;
      const code = Object.keys(metafile.outputs).filter((f) => f.endsWith('.mjs'));
      const cold = coldStartChunks(metafile, entry);
      const coldBytes = cold.reduce((sum, f) => sum + sizeOf(f), 0);
      const allBytes = code.reduce((sum, f) => sum + sizeOf(f), 0);
      // Module init: a fresh Node process importing the entry chunk, with the env the
      // stack sets (NODE_OPTIONS included: the source maps cost init time too).
      const probe = path.join(dir, `${name}-probe.mjs`);
      await writeFile(
        probe,
        `const t=performance.now();await import(${JSON.stringify(path.join(outdir, ENTRY_CHUNK))});` +
          `process.stdout.write(String(performance.now()-t));`,
      );
      const env = {
        ...process.env,
        NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] ?? '--enable-source-maps',
        WHARF_TABLE_NAME: 'bench',
        WHARF_BUCKET_NAME: 'bench',
        WHARF_TOKENS_TABLE_NAME: 'bench-tokens',
        WHARF_VERIFIER_FUNCTION_NAME: 'bench-verifier',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
      };
      const inits = Array.from({ length: 7 }, () => Number(execFileSync(process.execPath, [probe], { env }).toString()));
      const init = median(inits);
      const within = coldBytes <= BUNDLE_LIMIT_BYTES && init <= INIT_TARGET_MS;
      console.log(
        `  ${name.padEnd(8)} ${kb(sizeOf(entry)).padStart(11)} ${`${kb(coldBytes)} in ${cold.length} chunks`.padStart(22)}` +
          ` ${`${kb(allBytes)} in ${code.length}`.padStart(19)}   ${init.toFixed(1).padStart(6)} ms (median of 7)` +
          `   ${within ? 'within' : 'OVER'} the aim (${BUNDLE_LIMIT_BYTES / 1024} KB, ${INIT_TARGET_MS} ms)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function files(count: number): DistributionFile[] {
  const out: DistributionFile[] = [];
  for (let i = 0; i < count; i++) {
    const version = `${Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`;
    const wheel = i % 2 === 0;
    out.push({
      project: 'bench-project',
      filename: wheel
        ? `bench_project-${version}-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`
        : `bench_project-${version}.tar.gz`,
      version,
      packagetype: wheel ? 'bdist_wheel' : 'sdist',
      sha256: (i * 2654435761).toString(16).padStart(64, '0').slice(-64),
      size: 100_000 + i,
      uploadTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      requiresPython: '>=3.9',
      ...(wheel ? { metadataSha256: 'f'.repeat(64) } : {}),
      ...(i % 97 === 0 ? { yanked: { reason: 'broken build' } } : {}),
    });
  }
  // Stored order is by filename, not by version: rendering sorts.
  return out.sort(() => Math.random() - 0.5);
}

function renders(): void {
  console.log('\nProject page render (sort by PEP 440 version + render), median');
  for (const count of [10, 1_000, 10_000]) {
    const page = { name: 'bench-project', displayName: 'Bench-Project', files: files(count) };
    const runs = count >= 10_000 ? 15 : 50;
    const html = time(() => renderProjectHtml(page), runs);
    const json = time(() => renderProjectJson(page), runs);
    const verdict = count === 10_000 ? `  (aim: under ${RENDER_TARGET_MS} ms: ${Math.max(html, json) < RENDER_TARGET_MS ? 'met' : 'MISSED'})` : '';
    console.log(
      `  ${String(count).padStart(6)} files   HTML ${html.toFixed(2).padStart(7)} ms   JSON ${json.toFixed(2).padStart(7)} ms${verdict}`,
    );
  }

  console.log('\nRoot listing of 100,000 projects');
  const projects = Array.from({ length: 100_000 }, (_, i) => {
    const name = `company-internal-package-${i.toString(36)}`;
    return { name, displayName: name };
  });
  for (const [label, render] of [['HTML', renderRootHtml], ['JSON', renderRootJson]] as const) {
    const ms = time(() => render(projects), 5);
    const body = render(projects);
    const raw = Buffer.byteLength(body);
    let gz = 0;
    const gzipMs = time(() => (gz = gzipSync(body, { level: 6 }).length), 3);
    const payload = Math.ceil(gz / 3) * 4; // base64 in the Lambda result
    console.log(
      `  ${label}  render ${ms.toFixed(1)} ms, ${mb(raw)} raw, ${mb(gz)} gzipped in ${gzipMs.toFixed(0)} ms,` +
        ` ${mb(payload)} as the Lambda payload (limit ${mb(MAX_RESPONSE_PAYLOAD_BYTES)}: ${payload < MAX_RESPONSE_PAYLOAD_BYTES ? 'fits' : 'TOO BIG'})`,
    );
  }
}

const USAGE = `Usage: npm run bench [-- SECTION] [options]

With no SECTION, everything but soak and real-mirror. Sections:
  pages         local server throughput beside bare Node and nginx, read units per page view
  import        wharf import of small generated wheels (--count N, default 2000;
                --baseline DIR also times another checkout's wharf import, for a before/after)
  downloads     pip's requests for .metadata, and whether a file's download URL is stable within a day
  search        search and front page over N project summaries (--projects N, default 10000),
                read units and latency cold, warm and after an upload; JSON API document build
  soak          a local Wharf under reads and uploads, RSS and heap every 30 s (--minutes N,
                default 5; --heap-snapshots DIR writes V8 heap snapshots at 1 min and at the end)
  real-mirror   wharf import of this machine's real wheel mirrors, then pip installs from them
                (minutes: it moves gigabytes, so it is never part of the default run)
Options: --no-upload, --no-import leave those parts out of the default run;
  --bundles-only stops after the bundle sizes and start-up times.
`;

const { values: flags, positionals: sections } = parseArgs({
  allowPositionals: true,
  options: {
    'no-upload': { type: 'boolean' },
    'no-import': { type: 'boolean' },
    'bundles-only': { type: 'boolean' },
    count: { type: 'string' },
    baseline: { type: 'string' },
    minutes: { type: 'string' },
    'heap-snapshots': { type: 'string' },
    projects: { type: 'string' },
    help: { type: 'boolean' },
  },
});
const count = flags.count === undefined ? 2_000 : Number(flags.count);
if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a whole number of wheels, not "${flags.count}".`);
const section = sections[0];

if (flags.help) {
  process.stdout.write(USAGE);
} else if (section === 'import') {
  const { importThroughput } = await import('./import-throughput.ts');
  await importThroughput(count, flags.baseline);
} else if (section === 'pages') {
  await pageThroughput();
} else if (section === 'downloads') {
  const { downloadsBench } = await import('./downloads.ts');
  await downloadsBench();
} else if (section === 'search') {
  const projects = flags.projects === undefined ? 10_000 : Number(flags.projects);
  if (!Number.isInteger(projects) || projects < 1 || projects > 200_000) throw new Error(`--projects must be a whole number from 1 to 200000, not "${flags.projects}".`);
  const { searchBench } = await import('./search.ts');
  await searchBench(projects);
} else if (section === 'soak') {
  // Minutes long, so never part of the default run.
  const minutes = flags.minutes === undefined ? 5 : Number(flags.minutes);
  if (!(minutes > 0 && minutes <= 120)) throw new Error(`--minutes must be a number of minutes from 0 to 120, not "${flags.minutes}".`);
  const { soak } = await import('./soak.ts');
  const met = await soak({ minutes, ...(flags['heap-snapshots'] ? { heapSnapshotDir: flags['heap-snapshots'] } : {}) });
  if (!met) process.exitCode = 1;
} else if (section === 'real-mirror') {
  const { realMirror } = await import('./real-mirror.ts');
  process.exitCode = await realMirror();
} else if (section !== undefined) {
  process.stderr.write(`npm run bench: no section "${section}".\n\n${USAGE}`);
  process.exitCode = 2;
} else if (flags['bundles-only']) {
  await bundles();
} else {
  await bundles();
  renders();
  await upstreamLatency();
  await pageThroughput();
  // Stable download URLs and .metadata served inline (issue 15, stable URLs).
  const { downloadsBench } = await import('./downloads.ts');
  await downloadsBench();
  // Search and the JSON API (issue 16), at 10,000 projects.
  const { searchBench } = await import('./search.ts');
  await searchBench(10_000);
  // Upload throughput (issue 6): `npm run bench -- --no-upload` leaves it out.
  if (!flags['no-upload']) {
    const { uploadThroughput } = await import('./upload-throughput.ts');
    await uploadThroughput();
  }
  // Import throughput (issue 15): `npm run bench -- --no-import` leaves it out.
  if (!flags['no-import']) {
    const { importThroughput } = await import('./import-throughput.ts');
    await importThroughput(count, flags.baseline);
  }
}
