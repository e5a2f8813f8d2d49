/**
 * One index URL for private and public packages: a private package (wharf-demo-app,
 * published to Wharf) whose dependency (wharf-demo-core) lives only on a fake upstream on
 * loopback, installed by real pip in every upstream mode; the dependency-confusion
 * guarantees; and upstream failures.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { importDistributions } from '../../lambdas/cli/import-command.ts';
import { s3FileUploader } from '../../lambdas/cli/import-target.ts';
import { createDynamoDbClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import type { UpstreamOptions } from '../../lambdas/config/upstream-config.ts';
import { buildFixtures } from '../fixtures/build-fixtures.ts';
import { startFakeUpstream, syntheticWheel, type FakeUpstream } from '../support/fake-upstream.ts';
import { checkPip, describeRun, missingTool, pip } from '../support/processes.ts';

const FIXTURE_DIR = path.resolve('test/fixtures/dist');
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const fixtures = await buildFixtures(FIXTURE_DIR);
const skip = await missingTool(checkPip, 'python3 -m pip');

describe('upstream index', { skip: skip ?? false }, () => {
  let upstream: FakeUpstream;
  let work: string;
  let coreWheel: Uint8Array;
  const running: LocalWharf[] = [];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wharf-upstream-'));
    upstream = await startFakeUpstream();
    coreWheel = await readFile(fixtures.wheels[0]!);
    upstream.add('wharf-demo-core', [
      { filename: path.basename(fixtures.wheels[0]!), bytes: coreWheel, requiresPython: '>=3.7' },
      { filename: path.basename(fixtures.sdists[0]!), bytes: await readFile(fixtures.sdists[0]!) },
      { ...(await syntheticWheel('wharf-demo-core', '0.9.0')), yanked: 'broken <b>build</b>' },
    ]);
    // A public package that shadows the private one, with a higher version: the attack.
    upstream.add('wharf-demo-app', [await syntheticWheel('wharf-demo-app', '99.0.0', 'raise SystemExit("pwned")\n')]);
    upstream.add('acme-internal', [await syntheticWheel('acme-internal', '1.0.0', 'raise SystemExit("pwned")\n')]);
  });

  after(async () => {
    for (const w of running) await w.close();
    await upstream?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** A local Wharf with the given upstream settings, holding the private app (not core). */
  async function wharfWith(options: UpstreamOptions): Promise<LocalWharf & { log: string[] }> {
    const log: string[] = [];
    const wharf = await startLocalWharf({
      port: 0,
      upstream: { url: upstream.indexUrl, reserved: ['acme-*'], ...options },
      onRequest: ({ method, url, status }) => log.push(`${method} ${url} ${status}`),
    });
    running.push(wharf);
    const dynamodb = createDynamoDbClient(wharf.stores);
    const s3 = createS3Client(wharf.stores);
    const summary = await importDistributions(
      {
        description: 'test',
        metadata: new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName),
        blobs: new S3BlobStore(sdkS3Objects(s3, wharf.stores.bucketName)),
        files: s3FileUploader(s3, wharf.stores.bucketName),
        close: async () => undefined,
      },
      [fixtures.wheels[1]!, fixtures.sdists[1]!],
    );
    dynamodb.destroy();
    s3.destroy();
    assert.deepEqual([...summary.refused, ...summary.failed], []);
    return Object.assign(wharf, { log });
  }

  test('a private index asks for a token before anything goes upstream', async () => {
    upstream.requests.length = 0;
    const wharf = await startLocalWharf({ port: 0, publicRead: false, upstream: { mode: 'cache', url: upstream.indexUrl } });
    running.push(wharf);
    for (const p of ['/simple/wharf-demo-core/', `/upstream/wharf-demo-core/${sha256(coreWheel)}/wharf_demo_core-1.0.0-py3-none-any.whl`]) {
      const res = await fetch(`${wharf.url}${p}`, { redirect: 'manual' });
      assert.equal(res.status, 401, p);
    }
    assert.deepEqual(upstream.requests, []);
    const authed = await fetch(`${wharf.indexUrl}wharf-demo-core/`, { headers: { authorization: `Bearer ${wharf.admin.token}` } });
    assert.equal(authed.status, 200);
    assert.match(await authed.text(), /wharf_demo_core-1\.0\.0-py3-none-any\.whl/);
  });

  async function install(wharf: LocalWharf, name: string, extra: string[] = []) {
    const target = await mkdtemp(path.join(work, 'site-'));
    const r = await pip(['install', '--no-cache-dir', '--index-url', wharf.indexUrl, '--target', target, ...extra, name]);
    return { r, installed: r.code === 0 ? await readdir(target) : [] };
  }

  function assertInstalledAppAndCore(installed: string[], r: Parameters<typeof describeRun>[0]) {
    assert.ok(installed.includes('wharf_demo_app-1.2.0.dist-info'), `${installed.join(' ')}\n${describeRun(r)}`);
    assert.ok(installed.includes('wharf_demo_core-1.0.0.dist-info'), `${installed.join(' ')}\n${describeRun(r)}`);
  }

  async function storedUpstreamKeys(wharf: LocalWharf): Promise<string[]> {
    const s3 = createS3Client(wharf.stores);
    try {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: 'upstream/files/' }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    } finally {
      s3.destroy();
    }
  }

  test('none: an unknown project is 404 and the upstream is never asked', async () => {
    upstream.requests.length = 0;
    const wharf = await wharfWith({ mode: 'none' });
    const { r } = await install(wharf, 'wharf-demo-app');
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stderr + r.stdout, /No matching distribution found for wharf-demo-core/);
    assert.ok(wharf.log.includes('GET /simple/wharf-demo-core/ 404'), wharf.log.join('\n'));
    assert.deepEqual(upstream.requests, []);
  });

  test('redirect: pip follows Wharf to the upstream for the dependency', async () => {
    upstream.requests.length = 0;
    const wharf = await wharfWith({ mode: 'redirect' });
    const { r, installed } = await install(wharf, 'wharf-demo-app');
    assert.equal(r.code, 0, describeRun(r));
    assertInstalledAppAndCore(installed, r);
    assert.ok(wharf.log.includes('GET /simple/wharf-demo-core/ 302'), wharf.log.join('\n'));
    assert.ok(upstream.requests.includes('GET /simple/wharf-demo-core/'), upstream.requests.join('\n'));
    // The private package is served by Wharf: the upstream's is never looked at.
    assert.ok(!upstream.requests.some((l) => l.includes('wharf-demo-app')), upstream.requests.join('\n'));
    const res = await fetch(`${wharf.indexUrl}wharf-demo-core/`, { redirect: 'manual' });
    assert.equal(res.headers.get('location'), `${upstream.indexUrl}wharf-demo-core/`);
  });

  test('proxy: pip installs through Wharf; the page keeps hashes, Requires-Python, yanks and core metadata', async () => {
    upstream.requests.length = 0;
    const wharf = await wharfWith({ mode: 'proxy' });
    const { r, installed } = await install(wharf, 'wharf-demo-app');
    assert.equal(r.code, 0, describeRun(r));
    assertInstalledAppAndCore(installed, r);
    assert.ok(wharf.log.includes('GET /simple/wharf-demo-core/ 200'), wharf.log.join('\n'));
    // Files come straight from the upstream in proxy mode.
    assert.ok(upstream.requests.some((l) => l.startsWith('GET /files/wharf-demo-core/wharf_demo_core-1.0.0-py3-none-any.whl')), upstream.requests.join('\n'));

    const res = await fetch(`${wharf.indexUrl}wharf-demo-core/`, { headers: { accept: JSON_V1 } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-wharf-source'), 'upstream');
    assert.match(res.headers.get('x-wharf-upstream') ?? '', /^cached; fetched-at=/);
    const page = (await res.json()) as { meta: Record<string, string>; files: Record<string, unknown>[]; versions: string[] };
    assert.equal(page.meta['api-version'], '1.1');
    const wheel = page.files.find((f) => f['filename'] === 'wharf_demo_core-1.0.0-py3-none-any.whl')!;
    assert.equal(wheel['url'], `${upstream.url}/files/wharf-demo-core/wharf_demo_core-1.0.0-py3-none-any.whl`);
    assert.deepEqual(wheel['hashes'], { sha256: sha256(coreWheel) });
    assert.equal(wheel['requires-python'], '>=3.7');
    assert.equal(wheel['size'], coreWheel.byteLength);
    assert.ok(typeof (wheel['core-metadata'] as { sha256: string }).sha256 === 'string');
    const yanked = page.files.find((f) => f['filename'] === 'wharf_demo_core-0.9.0-py3-none-any.whl')!;
    assert.equal(yanked['yanked'], 'broken <b>build</b>');

    const html = await (await fetch(`${wharf.indexUrl}wharf-demo-core/`)).text();
    assert.match(html, /data-requires-python="&gt;=3\.7"/);
    assert.match(html, /data-yanked="broken &lt;b&gt;build&lt;\/b&gt;"/);
    assert.match(html, new RegExp(`href="${upstream.url}/files/wharf-demo-core/wharf_demo_core-1\\.0\\.0-py3-none-any\\.whl#sha256=${sha256(coreWheel)}"`));
  });

  test('proxy: an HTML-only upstream is read and served in the negotiated format', async () => {
    upstream.format = 'html';
    try {
      const wharf = await wharfWith({ mode: 'proxy' });
      const res = await fetch(`${wharf.indexUrl}wharf-demo-core/`, { headers: { accept: JSON_V1 } });
      assert.equal(res.status, 200);
      const page = (await res.json()) as { meta: Record<string, string>; files: Record<string, unknown>[] };
      // No sizes from an HTML page: served as api-version 1.0.
      assert.equal(page.meta['api-version'], '1.0');
      const wheel = page.files.find((f) => f['filename'] === 'wharf_demo_core-1.0.0-py3-none-any.whl')!;
      assert.deepEqual(wheel['hashes'], { sha256: sha256(coreWheel) });
      assert.equal(wheel['requires-python'], '>=3.7');
      assert.equal(page.files.find((f) => f['filename'] === 'wharf_demo_core-0.9.0-py3-none-any.whl')!['yanked'], 'broken <b>build</b>');
      const { r, installed } = await install(wharf, 'wharf-demo-app');
      assert.equal(r.code, 0, describeRun(r));
      assertInstalledAppAndCore(installed, r);
    } finally {
      upstream.format = 'json';
    }
  });

  test('dependency confusion: a hosted name is never mixed with the upstream, a reserved name never goes upstream', async () => {
    upstream.requests.length = 0;
    const wharf = await wharfWith({ mode: 'proxy' });
    const res = await fetch(`${wharf.indexUrl}wharf-demo-app/`, { headers: { accept: JSON_V1 } });
    const page = (await res.json()) as { files: { filename: string }[] };
    assert.deepEqual(page.files.map((f) => f.filename).sort(), ['wharf_demo_app-1.2.0-py3-none-any.whl', 'wharf_demo_app-1.2.0.tar.gz']);
    const { r, installed } = await install(wharf, 'wharf-demo-app');
    assert.equal(r.code, 0, describeRun(r));
    assertInstalledAppAndCore(installed, r);
    assert.ok(!installed.some((n) => n.startsWith('wharf_demo_app-99')), installed.join(' '));

    const reserved = await fetch(`${wharf.indexUrl}acme-internal/`);
    assert.equal(reserved.status, 404);
    assert.match(await reserved.text(), /reserved for this index's own packages, so it is never looked up upstream/);
    const pipReserved = await install(wharf, 'acme-internal');
    assert.notEqual(pipReserved.r.code, 0);
    // Neither the shadowed nor the reserved name ever reached the upstream.
    assert.ok(!upstream.requests.some((l) => l.includes('wharf-demo-app') || l.includes('acme-internal')), upstream.requests.join('\n'));
  });

  test('an admin may allow one hosted project to list upstream files too', async () => {
    const wharf = await wharfWith({ mode: 'proxy', mixed: ['wharf-demo-app'] });
    const res = await fetch(`${wharf.indexUrl}wharf-demo-app/`, { headers: { accept: JSON_V1 } });
    assert.equal(res.headers.get('x-wharf-source'), 'wharf+upstream');
    const page = (await res.json()) as { files: { filename: string; url: string }[] };
    assert.deepEqual(page.files.map((f) => f.filename), [
      'wharf_demo_app-1.2.0-py3-none-any.whl',
      'wharf_demo_app-1.2.0.tar.gz',
      'wharf_demo_app-99.0.0-py3-none-any.whl',
    ]);
    assert.match(page.files[0]!.url, /^\.\.\/\.\.\/files\/wharf-demo-app\//);

    // With the upstream down and nothing kept, the project's own files are still served.
    const down = await wharfWith({ mode: 'proxy', mixed: ['wharf-demo-app'] });
    upstream.pages = 'error';
    try {
      const res2 = await fetch(`${down.indexUrl}wharf-demo-app/`, { headers: { accept: JSON_V1 } });
      assert.equal(res2.status, 200);
      assert.equal(res2.headers.get('x-wharf-source'), 'wharf');
      assert.match(res2.headers.get('x-wharf-upstream') ?? '', /^unavailable; problem=The upstream index answered 503/);
      const own = (await res2.json()) as { files: { filename: string }[] };
      assert.deepEqual(own.files.map((f) => f.filename), ['wharf_demo_app-1.2.0-py3-none-any.whl', 'wharf_demo_app-1.2.0.tar.gz']);
    } finally {
      upstream.pages = 'ok';
    }
  });

  test('proxy: upstream failures are 502/504 with a message, or the kept page marked stale', async () => {
    const wharf = await wharfWith({ mode: 'proxy', pageTtlSeconds: 0, timeoutSeconds: 1 });
    const first = await fetch(`${wharf.indexUrl}wharf-demo-core/`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('x-wharf-upstream') ?? '', /^fetched/);
    for (const behaviour of ['error', 'garbage', 'hang', 'reset'] as const) {
      upstream.pages = behaviour;
      try {
        // A project with a kept page: served stale, saying why.
        const stale = await fetch(`${wharf.indexUrl}wharf-demo-core/`);
        assert.equal(stale.status, 200, behaviour);
        assert.match(stale.headers.get('x-wharf-upstream') ?? '', /^stale; fetched-at=.*; problem=/, behaviour);
        // One never fetched: a clear 502 or 504, never a 500.
        const none = await fetch(`${wharf.indexUrl}never-seen-before/`);
        const body = await none.text();
        assert.equal(none.status, behaviour === 'hang' ? 504 : 502, `${behaviour}: ${body}`);
        assert.match(body, /upstream/i);
        assert.match(body, /retry later/);
      } finally {
        upstream.pages = 'ok';
      }
    }
    const missing = await fetch(`${wharf.indexUrl}no-such-project-anywhere/`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /nor in its upstream/);
  });

  test('cache: downloads are copied into the bucket, verified, and installs survive the upstream going down', async () => {
    upstream.requests.length = 0;
    const wharf = await wharfWith({ mode: 'cache', pageTtlSeconds: 0 });
    const { r, installed } = await install(wharf, 'wharf-demo-app');
    assert.equal(r.code, 0, describeRun(r));
    assertInstalledAppAndCore(installed, r);
    assert.ok(wharf.log.some((l) => /^GET \/upstream\/wharf-demo-core\/[0-9a-f]{64}\/wharf_demo_core-1\.0\.0-py3-none-any\.whl 302$/.test(l)), wharf.log.join('\n'));
    const keys = await storedUpstreamKeys(wharf);
    assert.ok(keys.includes(`upstream/files/wharf-demo-core/${sha256(coreWheel)}/wharf_demo_core-1.0.0-py3-none-any.whl`), keys.join('\n'));
    assert.ok(keys.some((k) => k.endsWith('wharf_demo_core-1.0.0-py3-none-any.whl.metadata')), keys.join('\n'));

    // The upstream goes down and then deletes the project: installs keep working.
    upstream.pages = 'error';
    upstream.files = 'error';
    try {
      const again = await install(wharf, 'wharf-demo-app');
      assert.equal(again.r.code, 0, describeRun(again.r));
      assertInstalledAppAndCore(again.installed, again.r);
      const page = await fetch(`${wharf.indexUrl}wharf-demo-core/`);
      assert.match(page.headers.get('x-wharf-upstream') ?? '', /^stale/);
    } finally {
      upstream.pages = 'ok';
      upstream.files = 'ok';
    }
    upstream.remove('wharf-demo-core');
    try {
      const res = await fetch(`${wharf.indexUrl}wharf-demo-core/`, { headers: { accept: JSON_V1 } });
      assert.equal(res.status, 200);
      const page = (await res.json()) as { files: { filename: string }[] };
      // Only what was copied stays listed.
      assert.deepEqual(page.files.map((f) => f.filename), ['wharf_demo_core-1.0.0-py3-none-any.whl']);
      const gone = await install(wharf, 'wharf-demo-app');
      assert.equal(gone.r.code, 0, describeRun(gone.r));
    } finally {
      upstream.add('wharf-demo-core', [
        { filename: path.basename(fixtures.wheels[0]!), bytes: coreWheel, requiresPython: '>=3.7' },
        { filename: path.basename(fixtures.sdists[0]!), bytes: await readFile(fixtures.sdists[0]!) },
        { ...(await syntheticWheel('wharf-demo-core', '0.9.0')), yanked: 'broken <b>build</b>' },
      ]);
    }
  });

  test('cache: a file whose bytes do not match the listed sha256 is refused and never stored', async () => {
    const wharf = await wharfWith({ mode: 'cache' });
    const name = path.basename(fixtures.sdists[0]!);
    upstream.tampered.add(name);
    try {
      const res = await fetch(`${wharf.url}/upstream/wharf-demo-core/${sha256(await readFile(fixtures.sdists[0]!))}/${name}`, { redirect: 'manual' });
      assert.equal(res.status, 502);
      assert.match(await res.text(), /does not match the sha256 its page gives/);
      assert.deepEqual((await storedUpstreamKeys(wharf)).filter((k) => k.endsWith(name)), []);
    } finally {
      upstream.tampered.delete(name);
    }
  });

  test('cache: a file too large to copy within the request is redirected upstream and copied in the background', async () => {
    const wharf = await wharfWith({ mode: 'cache', copyLimitBytes: 100 });
    const url = `${wharf.url}/upstream/wharf-demo-core/${sha256(coreWheel)}/wharf_demo_core-1.0.0-py3-none-any.whl`;
    const first = await fetch(url, { redirect: 'manual' });
    assert.equal(first.status, 302);
    assert.equal(first.headers.get('location'), `${upstream.url}/files/wharf-demo-core/wharf_demo_core-1.0.0-py3-none-any.whl`);
    assert.equal(first.headers.get('x-wharf-upstream'), 'copying');
    await wharf.backgroundCopies();
    const second = await fetch(url, { redirect: 'manual' });
    assert.equal(second.status, 302);
    const location = second.headers.get('location')!;
    assert.ok(location.includes('/upstream/files/wharf-demo-core/'), location);
    const bytes = new Uint8Array(await (await fetch(location)).arrayBuffer());
    assert.equal(sha256(bytes), sha256(coreWheel));
  });

  test('cache: a tampered file copied in the background is not stored', async () => {
    const wharf = await wharfWith({ mode: 'cache', copyLimitBytes: 100 });
    const name = 'wharf_demo_core-1.0.0-py3-none-any.whl';
    upstream.tampered.add(name);
    try {
      const first = await fetch(`${wharf.url}/upstream/wharf-demo-core/${sha256(coreWheel)}/${name}`, { redirect: 'manual' });
      assert.equal(first.status, 302);
      await wharf.backgroundCopies();
      assert.deepEqual(await storedUpstreamKeys(wharf), []);
    } finally {
      upstream.tampered.delete(name);
    }
  });

  test('upstream download URLs refuse hosted and reserved names, and exist only in cache mode', async () => {
    const cache = await wharfWith({ mode: 'cache' });
    const sha = sha256(coreWheel);
    for (const p of [`wharf-demo-app/${sha}/wharf_demo_app-99.0.0-py3-none-any.whl`, `acme-internal/${sha}/acme_internal-1.0.0-py3-none-any.whl`]) {
      const res = await fetch(`${cache.url}/upstream/${p}`, { redirect: 'manual' });
      assert.equal(res.status, 404, p);
      assert.match(await res.text(), /served from this index only/);
    }
    const unknown = await fetch(`${cache.url}/upstream/wharf-demo-core/${'0'.repeat(64)}/wharf_demo_core-1.0.0-py3-none-any.whl`, { redirect: 'manual' });
    assert.equal(unknown.status, 404);
    const proxy = await wharfWith({ mode: 'proxy' });
    const res = await fetch(`${proxy.url}/upstream/wharf-demo-core/${sha}/wharf_demo_core-1.0.0-py3-none-any.whl`, { redirect: 'manual' });
    assert.equal(res.status, 404);
    assert.match(await res.text(), /cache mode only/);
  });
});
