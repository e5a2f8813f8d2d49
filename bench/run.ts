/**
 * `npm run bench`: what each Lambda bundle weighs and how long its module takes to load,
 * and how long the pages take to render. Figures are medians of several runs on this
 * (shared, noisy) machine: compare ratios within one run, not absolute numbers across runs.
 * `npm run bench -- --help` lists the sections that run alone (import, real-mirror).
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, ENTRY_CHUNK } from '../lib/bundling.ts';
import { FUNCTIONS, RETENTION_FUNCTION, SWEEPER_FUNCTION, VERIFIER_FUNCTION } from '../lambdas/config/functions.ts';
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

const execFileAsync = promisify(execFile);
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

/** Every function the stack deploys, by the entry it is bundled from. */
const BUNDLED_FUNCTIONS: Readonly<Record<string, { readonly entry: string; readonly env?: Record<string, string> }>> = {
  ...FUNCTIONS,
  verifier: VERIFIER_FUNCTION,
  copier: { entry: 'lambdas/functions/upstream-copier-handler.ts', env: { WHARF_UPSTREAM_URL: 'https://pypi.org/simple/' } },
  sweeper: SWEEPER_FUNCTION,
  retention: RETENTION_FUNCTION,
};

/**
 * What one fresh Node process measures: the entry chunk's import (wall and CPU), then, where
 * the bench names requests, each request in turn against the embedded stores, so what a
 * handler defers to its first request is counted where a user would wait for it.
 */
const PROBE = `
const cpuMs = (u) => (u.user + u.system) / 1000;
const t0 = performance.now(), c0 = process.cpuUsage();
const mod = await import(process.env.BENCH_ENTRY);
const out = { init: performance.now() - t0, initCpu: cpuMs(process.cpuUsage(c0)), requests: [] };
const context = { functionName: 'bench', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '1024', awsRequestId: 'r', logGroupName: 'g', logStreamName: 's', getRemainingTimeInMillis: () => 29000, callbackWaitsForEmptyEventLoop: false };
for (const r of JSON.parse(process.env.BENCH_REQUESTS || '[]')) {
  if (r.event !== undefined) {
    // A background function's event (an async invoke, a schedule), as Lambda hands it over.
    const t = performance.now(), c = process.cpuUsage();
    const res = await mod.handler(r.event, context);
    for (const [key, value] of Object.entries(r.expect)) if (res?.[key] !== value) throw new Error(r.label + ': ' + key + ' is ' + JSON.stringify(res?.[key]) + ', not ' + JSON.stringify(value));
    out.requests.push({ ms: performance.now() - t, cpu: cpuMs(process.cpuUsage(c)) });
    continue;
  }
  const event = { version: '2.0', routeKey: '$default', rawPath: r.path, rawQueryString: '', headers: { host: 'bench.example', ...r.headers },
    requestContext: { accountId: '123456789012', apiId: 'bench', domainName: 'bench.example', domainPrefix: 'bench',
      http: { method: 'GET', path: r.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'bench' },
      requestId: 'r', routeKey: '$default', stage: '$default', time: new Date().toISOString(), timeEpoch: Date.now() }, isBase64Encoded: false };
  const t = performance.now(), c = process.cpuUsage();
  const res = await mod.handler(event, context);
  if (res.statusCode !== r.status) throw new Error(r.path + ' answered ' + res.statusCode + ', not ' + r.status + ': ' + res.body);
  out.requests.push({ ms: performance.now() - t, cpu: cpuMs(process.cpuUsage(c)) });
}
process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify(out));
process.exit(0);
`;

interface ProbeResult {
  readonly init: number;
  readonly initCpu: number;
  readonly requests: readonly { readonly ms: number; readonly cpu: number }[];
}

interface FirstHttpRequest {
  readonly label: string;
  readonly path: string;
  readonly status: number;
  readonly headers?: Record<string, string>;
}

/** A background function's event, and what its result must hold (top-level fields). */
interface FirstEvent {
  readonly label: string;
  readonly event: unknown;
  readonly expect: Record<string, unknown>;
}

type FirstRequest = FirstHttpRequest | FirstEvent;

/**
 * Embedded stores with one project of one file and one token, for the first requests the
 * probes send: a page and a download to the read function, a whoami to the admin function;
 * and for the first event of each background function: the verifier verifies and publishes
 * a staged small wheel, the copier copies a small file from an upstream on loopback, the
 * sweeper sweeps the bucket, the retention function runs with no rules. A verify or a copy
 * changes what is stored, so each sample gets an event of its own (`requests(name)`).
 */
async function firstRequestFixture(): Promise<{ env: Record<string, string>; requests(name: string): Promise<FirstRequest[]>; close(): Promise<void> }> {
  const { startEmbeddedStores, createDynamoDbClient, createS3Client } = await import('../lambdas/local/embedded-stores.ts');
  const { DynamoDbMetadataStore } = await import('../lambdas/adapters/dynamodb-metadata-store.ts');
  const { DynamoDbTokenStore } = await import('../lambdas/adapters/dynamodb-token-store.ts');
  const { DynamoDbUploadSessionStore } = await import('../lambdas/adapters/dynamodb-upload-session-store.ts');
  const { TokenAdmin } = await import('../lambdas/app/token-admin.ts');
  const { stagingKey } = await import('../lambdas/core/upload-session.ts');
  const { buildWheel, wheelFilename } = await import('../test/support/dist-builder.ts');
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { createHash, randomBytes, randomUUID } = await import('node:crypto');
  const { createServer } = await import('node:http');
  const stores = await startEmbeddedStores({});
  const client = createDynamoDbClient(stores);
  const s3 = createS3Client(stores);
  // The copier's upstream: each path answers bytes of its own, made when the event is.
  const upstreamFiles = new Map<string, Uint8Array>();
  const upstream = createServer((req, res) => {
    const body = upstreamFiles.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream' }).end(body ?? 'not here');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;
  const hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  let sample = 0;
  const close = async () => {
    upstream.close();
    s3.destroy();
    client.destroy();
    await stores.close();
  };
  try {
    const metadata = new DynamoDbMetadataStore(client, stores.tableName);
    const sha256 = 'a'.repeat(64);
    const filename = 'bench_first-1.0-py3-none-any.whl';
    await metadata.putFile({ project: 'bench-first', filename, version: '1.0', packagetype: 'bdist_wheel', sha256, size: 1000, uploadTime: '2026-12-01T00:00:00.000Z' });
    await metadata.putProject({ name: 'bench-first', displayName: 'bench-first', createdAt: '2026-12-01T00:00:00.000Z' });
    const { token } = await new TokenAdmin(new DynamoDbTokenStore(client, stores.tokensTableName)).create({ scopes: ['read:*'], createdBy: 'bench' });
    const auth = { authorization: `Bearer ${token}` };
    const sessions = new DynamoDbUploadSessionStore(client, stores.tableName);
    /** An upload session left `verifying`, as the write function leaves one above the inline limit. */
    const verifying = async (): Promise<string> => {
      const version = `1.0.${++sample}`;
      const bytes = buildWheel({ name: 'bench-verify', version });
      const file = wheelFilename({ name: 'bench-verify', version });
      const id = randomUUID();
      const now = new Date();
      await s3.send(new PutObjectCommand({ Bucket: stores.bucketName, Key: stagingKey(id, file), Body: bytes }));
      await sessions.createSession({
        id, status: 'verifying', project: 'bench-verify', filename: file, filetype: 'bdist_wheel', size: bytes.byteLength, sha256: hex(bytes),
        mechanism: 's3-presigned-put', partSize: bytes.byteLength, partCount: 1, stagingKey: stagingKey(id, file), tokenId: 'bench',
        createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3_600_000).toISOString(), verifyingSince: now.toISOString(),
      });
      return id;
    };
    /** A file the upstream on loopback serves, as the read function hands it to the copier. */
    const upstreamFile = () => {
      const bytes = randomBytes(64 * 1024);
      const file = `bench_copy-1.0.${++sample}-py3-none-any.whl`;
      upstreamFiles.set(`/${file}`, bytes);
      return { project: 'bench-copy', sha256: hex(bytes), filename: file, url: `http://127.0.0.1:${upstreamPort}/${file}` };
    };
    const requests: Record<string, () => Promise<FirstRequest[]>> = {
      read: async () => [
        { label: 'first page', path: '/simple/bench-first/', status: 200, headers: { ...auth, accept: 'application/vnd.pypi.simple.v1+json' } },
        { label: 'then a download', path: `/files/bench-first/${sha256}/${filename}`, status: 302, headers: auth },
      ],
      admin: async () => [{ label: 'first whoami', path: '/api/whoami', status: 200, headers: auth }],
      verifier: async () => [{ label: 'first verify (a small wheel)', event: { sessionId: await verifying() }, expect: { status: 'published' } }],
      copier: async () => [{ label: 'first copy (64 KB)', event: upstreamFile(), expect: { result: 'stored' } }],
      sweeper: async () => [{ label: 'first sweep', event: { source: 'aws.events', 'detail-type': 'Scheduled Event' }, expect: {} }],
      retention: async () => [{ label: 'first run (no rules)', event: { source: 'aws.events', 'detail-type': 'Scheduled Event' }, expect: { rules: 0 } }],
    };
    return {
      env: {
        WHARF_TABLE_NAME: stores.tableName,
        WHARF_TOKENS_TABLE_NAME: stores.tokensTableName,
        WHARF_BUCKET_NAME: stores.bucketName,
        AWS_ENDPOINT_URL_DYNAMODB: stores.dynamodbEndpoint,
        // An IP address: the SDK then addresses the bucket by path, as s3rver needs.
        AWS_ENDPOINT_URL_S3: stores.s3Endpoint.replace('localhost', '127.0.0.1'),
        // s3rver corrupts streamed uploads that carry the SDK's default trailing checksums.
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: stores.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stores.credentials.secretAccessKey,
      },
      requests: async (name) => (await requests[name]?.()) ?? [],
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Bundle exactly as lib/wharf-function.ts does (lib/bundling.ts: ESM chunks) and report,
 * per function: the entry chunk alone, what a cold start loads (the entry chunk and its
 * static imports; the aim is 500 KB), all chunks, and the module init median (wall clock,
 * and the CPU it took: on this shared machine the CPU figure moves less with the load).
 * For the read and admin functions, also the first requests after init against embedded
 * stores (init + first page), and for each background function its first event (init +
 * first event), so nothing deferred to a request or an event goes uncounted.
 */
async function bundles(baseline?: string, only?: readonly string[]): Promise<void> {
  const runs = 7;
  const root = path.resolve(import.meta.dirname, '..');
  // --baseline DIR: the same functions bundled from another checkout (by its own
  // lib/bundling.ts), their samples interleaved with ours, for a before/after in one run.
  const checkouts: { label: string; root: string; options: typeof bundleOptions }[] = [{ label: '', root, options: bundleOptions }];
  if (baseline) {
    const other = path.resolve(baseline);
    const { bundleOptions: theirs } = (await import(path.join(other, 'lib/bundling.ts'))) as { bundleOptions: typeof bundleOptions };
    checkouts.unshift({ label: ' (baseline)', root: other, options: theirs });
  }
  console.log('Lambda bundles (lib/bundling.ts, as the CDK construct builds them; source maps not counted)');
  console.log(`  ${'function'.padEnd(19)} ${'entry chunk'.padStart(11)} ${'cold start loads'.padStart(22)} ${'all chunks'.padStart(19)}   module init, median of ${runs} (wall / CPU)`);
  const dir = await mkdtemp(path.join(tmpdir(), 'wharf-bench-'));
  const fixture = await firstRequestFixture();
  const firsts: string[] = [];
  try {
    const probe = path.join(dir, 'probe.mjs');
    await writeFile(probe, PROBE);
    for (const [name, spec] of Object.entries(BUNDLED_FUNCTIONS)) {
      if (only && !only.includes(name)) continue;
      const requests = await fixture.requests(name);
      const built = [];
      for (const [n, checkout] of checkouts.entries()) {
        const outdir = path.join(dir, `${name}-${n}`);
        const { metafile } = await build({ ...checkout.options(spec.entry, outdir, checkout.root), metafile: true, logLevel: 'silent' });
        const entry = path.relative(checkout.root, path.join(outdir, ENTRY_CHUNK));
        // A fresh Node process per sample, with the env the stack sets (NODE_OPTIONS
        // included: the source maps cost init time too), pointed at the embedded stores.
        const env = {
          ...process.env,
          NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] ?? '--enable-source-maps',
          WHARF_VERIFIER_FUNCTION_NAME: 'bench-verifier',
          WHARF_PUBLIC_READ: 'false',
          ...fixture.env,
          ...spec.env,
          BENCH_ENTRY: path.join(outdir, ENTRY_CHUNK),
        };
        built.push({ checkout, metafile, entry, env, samples: [] as ProbeResult[] });
      }
      // One at a time, and not execFileSync: the embedded stores answer from this process.
      for (let i = 0; i < runs; i++) {
        for (const b of built) {
          // The first sample's events are the ones labelled; every sample gets its own.
          const sampleRequests = i === 0 && b === built[0] ? requests : await fixture.requests(name);
          // The handlers log to stdout as on Lambda; the result is the last line.
          const { stdout } = await execFileAsync(process.execPath, [probe], { env: { ...b.env, BENCH_REQUESTS: JSON.stringify(sampleRequests) } });
          b.samples.push(JSON.parse(stdout.slice(stdout.lastIndexOf('BENCH_RESULT ') + 'BENCH_RESULT '.length)) as ProbeResult);
        }
      }
      for (const { checkout, metafile, entry, samples } of built) {
        const sizeOf = (file: string) => metafile.outputs[file]!.bytes;
        const code = Object.keys(metafile.outputs).filter((f) => f.endsWith('.mjs'));
        const cold = coldStartChunks(metafile, entry);
        const coldBytes = cold.reduce((sum, f) => sum + sizeOf(f), 0);
        const allBytes = code.reduce((sum, f) => sum + sizeOf(f), 0);
        const init = median(samples.map((s) => s.init));
        const initCpu = median(samples.map((s) => s.initCpu));
        const within = coldBytes <= BUNDLE_LIMIT_BYTES && init <= INIT_TARGET_MS;
        const label = `${name}${checkout.label}`;
        console.log(
          `  ${label.padEnd(19)} ${kb(sizeOf(entry)).padStart(11)} ${`${kb(coldBytes)} in ${cold.length} chunks`.padStart(22)}` +
            ` ${`${kb(allBytes)} in ${code.length}`.padStart(19)}   ${init.toFixed(1).padStart(6)} / ${initCpu.toFixed(1).padStart(5)} ms` +
            `   ${within ? 'within' : 'OVER'} the aim (${BUNDLE_LIMIT_BYTES / 1024} KB, ${INIT_TARGET_MS} ms)`,
        );
        if (requests.length > 0) {
          let sofar = samples.map((s) => s.init);
          const parts = requests.map((r, i) => {
            sofar = sofar.map((t, j) => t + samples[j]!.requests[i]!.ms);
            return `${r.label} ${median(samples.map((s) => s.requests[i]!.ms)).toFixed(1)} ms (init + through it ${median(sofar).toFixed(1)} ms)`;
          });
          firsts.push(`  ${label.padEnd(19)} ${parts.join(', ')}`);
        }
      }
    }
  } finally {
    await fixture.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('  First requests and events of a cold function, against the embedded stores (medians of the same runs):');
  for (const line of firsts) console.log(line);
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
  --bundles-only stops after the bundle sizes and start-up times (--functions a,b: only those);
  --baseline DIR also bundles and times another checkout's functions (and its wharf import), for a before/after.
`;

const { values: flags, positionals: sections } = parseArgs({
  allowPositionals: true,
  options: {
    'no-upload': { type: 'boolean' },
    'no-import': { type: 'boolean' },
    'bundles-only': { type: 'boolean' },
    functions: { type: 'string' },
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
  const only = flags.functions?.split(',').map((f) => f.trim());
  const unknown = only?.filter((f) => !(f in BUNDLED_FUNCTIONS));
  if (unknown?.length) throw new Error(`--functions: no function ${unknown.join(', ')}; there are ${Object.keys(BUNDLED_FUNCTIONS).join(', ')}.`);
  await bundles(flags.baseline, only);
} else {
  // Import throughput (issue 15) first, before the sections that make and remove thousands of
  // files (the bundles' builds too): on this machine's filesystem a file made within a minute
  // or so of such a removal is slow to make (bench/import-throughput.ts says why).
  // `npm run bench -- --no-import` leaves it out.
  if (!flags['no-import']) {
    const { importThroughput } = await import('./import-throughput.ts');
    await importThroughput(count, flags.baseline);
  }
  await bundles(flags.baseline);
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
}
