/**
 * What each function writes to stdout as CloudWatch embedded metric format for one request:
 * the real handlers (read, write, verifier) with the real Powertools adapter, stores in
 * memory, stdout captured and read back as EMF records.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { PowertoolsMetrics } from '../../lambdas/adapters/powertools-metrics.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { UpstreamIndex } from '../../lambdas/app/upstream-index.ts';
import type { CachedUpstreamPage, UpstreamFetcher, UpstreamPageResponse, UpstreamStore } from '../../lambdas/app/upstream-ports.ts';
import type { PublishingSessionStore, UploadSessionStore, UploadStaging } from '../../lambdas/app/ports.ts';
import { upstreamSettings } from '../../lambdas/config/upstream-config.ts';
import type { SessionStatus, UploadSession } from '../../lambdas/core/upload-session.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import { createVerifierFunction } from '../../lambdas/functions/verifier-function.ts';
import { createWriteFunction } from '../../lambdas/functions/write-function.ts';
import { localMetrics } from '../../lambdas/local/local-functions.ts';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';
import { buildWheel, wheelFilename } from '../support/dist-builder.ts';
import { MemoryBlobStore, MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';
import { twineForm } from '../support/twine-form.ts';
import { type Emf, emfOf, sorted } from '../support/emf-capture.ts';

const SERVICE = 'metrics-test';
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const silent = () => new Logger({ logLevel: 'SILENT' });

const count = (value: number) => ({ unit: 'Count', value });
const coldStart = (fn: string): Emf => ({ dimensions: { service: SERVICE, function_name: fn }, metrics: { ColdStart: count(1) } });
const requests = (route: string, statusClass: string): Emf => ({
  dimensions: { service: SERVICE, Route: route, StatusClass: statusClass },
  metrics: { Requests: count(1) },
});
const plain = (metrics: Emf['metrics']): Emf => ({ dimensions: { service: SERVICE }, metrics });

function metrics(functionName: string): PowertoolsMetrics {
  return new PowertoolsMetrics({ service: SERVICE, functionName });
}

async function hostedProject(metadata: MemoryMetadataStore): Promise<void> {
  const uploadTime = '2026-11-01T00:00:00.000Z';
  await metadata.putFile({
    project: 'demo-pkg',
    filename: 'demo_pkg-1.0-py3-none-any.whl',
    version: '1.0',
    packagetype: 'bdist_wheel',
    sha256: 'd'.repeat(64),
    size: 10,
    uploadTime,
  });
  await metadata.putProject({ name: 'demo-pkg', displayName: 'demo-pkg', createdAt: uploadTime });
}

describe('metrics of the read function (EMF on stdout)', () => {
  test('a page: Requests by route and status class, PagesServed, and the cold start once', async () => {
    const metadata = new MemoryMetadataStore();
    await hostedProject(metadata);
    const handler = createReadFunction({
      metadata,
      signer: new MemoryBlobStore(),
      tokens: new MemoryTokenStore(),
      config: { pageCacheControl: 'max-age=30', signingWindowSeconds: 300, publicRead: true, authCacheSeconds: 30 },
      logger: silent(),
      metrics: metrics('read'),
    });
    const first = await emfOf(() => handler(apiGatewayEvent('/simple/demo-pkg/'), context));
    assert.equal(first.result.statusCode, 200);
    assert.deepEqual(first.records, sorted([coldStart('read'), requests('simple', '2xx'), plain({ PagesServed: count(1) })]));

    // A warm instance: no second cold start. A download is a redirect, not a page.
    const download = await emfOf(() => handler(apiGatewayEvent(`/files/demo-pkg/${'d'.repeat(64)}/demo_pkg-1.0-py3-none-any.whl`), context));
    assert.equal(download.result.statusCode, 302);
    assert.deepEqual(download.records, sorted([requests('files', '3xx'), plain({ DownloadsRedirected: count(1) })]));

    const missing = await emfOf(() => handler(apiGatewayEvent('/simple/no-such-project/'), context));
    assert.equal(missing.result.statusCode, 404);
    assert.deepEqual(missing.records, [requests('simple', '4xx')], 'a 404 is an answer: no refusal, no page');
  });

  test('an upstream miss, then a hit: the proxied page is counted as a page and as where it came from', async () => {
    let fetches = 0;
    const fetcher: UpstreamFetcher = {
      async fetchPage(url): Promise<UpstreamPageResponse> {
        fetches += 1;
        const body = JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'requests', files: [{ filename: 'requests-2.0-py3-none-any.whl', url: 'https://files.example/requests-2.0-py3-none-any.whl', hashes: { sha256: 'a'.repeat(64) } }] });
        return { status: 200, contentType: 'application/vnd.pypi.simple.v1+json', body, url };
      },
      fetchFile: async () => 'too-slow',
      streamFile: async () => {
        throw new Error('unused');
      },
    };
    const pages = new Map<string, CachedUpstreamPage>();
    const store: UpstreamStore = {
      getPage: async (p) => pages.get(p),
      putPage: async (p, c) => void pages.set(p, c),
      hasFile: async () => false,
      listFiles: async () => [],
      putFile: async () => undefined,
      putStreamVerified: async () => false,
    };
    const readMetrics = metrics('read');
    const upstream = new UpstreamIndex(upstreamSettings({ mode: 'proxy', url: 'https://up.example/simple/' }), fetcher, store, undefined, Date.now, () => undefined, readMetrics);
    const handler = createReadFunction({
      metadata: new MemoryMetadataStore(),
      signer: new MemoryBlobStore(),
      tokens: new MemoryTokenStore(),
      config: { pageCacheControl: 'max-age=30', signingWindowSeconds: 300, publicRead: true, authCacheSeconds: 30 },
      logger: silent(),
      metrics: readMetrics,
      upstream,
    });
    const miss = await emfOf(() => handler(apiGatewayEvent('/simple/requests/'), context));
    assert.equal(miss.result.statusCode, 200);
    assert.equal(fetches, 1);
    assert.deepEqual(miss.records, sorted([coldStart('read'), requests('simple', '2xx'), plain({ PagesServed: count(1), UpstreamMisses: count(1) })]));

    const hit = await emfOf(() => handler(apiGatewayEvent('/simple/requests/'), context));
    assert.equal(fetches, 1, 'served from what was kept');
    assert.deepEqual(hit.records, sorted([requests('simple', '2xx'), plain({ PagesServed: count(1), UpstreamHits: count(1) })]));
  });
});

describe('metrics of the write function (EMF on stdout)', () => {
  async function setup() {
    const tokens = new MemoryTokenStore();
    const token = (await new TokenAdmin(tokens).create({ scopes: ['upload:*'], createdBy: 't' })).token;
    const handler = createWriteFunction({
      metadata: new MemoryMetadataStore(),
      blobs: new MemoryBlobStore(),
      tokens,
      config: { publicRead: false, authCacheSeconds: 0, maxUploadBytes: 1024 * 1024 },
      logger: silent(),
      metrics: metrics('write'),
    });
    const upload = async (bytes: Uint8Array, filename: string, authorization = `Bearer ${token}`) => {
      const request = new Request('http://x/legacy/', { method: 'POST', body: twineForm('demo-pkg', '1.0', bytes, filename) });
      const body = Buffer.from(await request.arrayBuffer());
      return handler(
        apiGatewayEvent('/legacy/', { method: 'POST', headers: { authorization, 'content-type': request.headers.get('content-type')! }, body }),
        context,
      );
    };
    return { upload };
  }

  test('an upload: Uploads and BytesPublished; the same file again is no new upload; other bytes are a file-exists refusal', async () => {
    const { upload } = await setup();
    const options = { name: 'demo-pkg', version: '1.0' };
    const bytes = buildWheel(options);
    const filename = wheelFilename(options);

    const published = await emfOf(() => upload(bytes, filename));
    assert.equal(published.result.statusCode, 200, String(published.result.body));
    assert.deepEqual(
      published.records,
      sorted([coldStart('write'), requests('upload', '2xx'), plain({ Uploads: count(1), BytesPublished: { unit: 'Bytes', value: bytes.byteLength } })]),
    );

    const again = await emfOf(() => upload(bytes, filename));
    assert.equal(again.result.statusCode, 200);
    assert.deepEqual(again.records, [requests('upload', '2xx')], 'twine retries: the same bytes publish nothing new');

    const other = buildWheel({ ...options, files: { 'demo_pkg/extra.py': 'X = 2\n' } });
    const refused = await emfOf(() => upload(other, filename));
    assert.equal(refused.result.statusCode, 400);
    assert.match(String(refused.result.body), /File already exists/);
    assert.deepEqual(
      refused.records,
      sorted([requests('upload', '4xx'), { dimensions: { service: SERVICE, Reason: 'file-exists' }, metrics: { Refusals: count(1) } }]),
    );
    assert.notEqual(createHash('sha256').update(other).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
  });

  test('a refusal by reason, and an auth failure by reason (no credentials at all is no failure)', async () => {
    const { upload } = await setup();
    const options = { name: 'demo-pkg', version: '1.0' };
    const bytes = buildWheel(options);

    const invalid = await emfOf(() => upload(bytes, 'not-a-distribution.txt'));
    assert.equal(invalid.result.statusCode, 400);
    assert.deepEqual(
      invalid.records,
      sorted([coldStart('write'), requests('upload', '4xx'), { dimensions: { service: SERVICE, Reason: 'invalid-input' }, metrics: { Refusals: count(1) } }]),
    );

    const unknownToken = `Bearer wharf_${'x'.repeat(8)}_${'y'.repeat(40)}`;
    const denied = await emfOf(() => upload(bytes, wheelFilename(options), unknownToken));
    assert.equal(denied.result.statusCode, 401);
    const reason = denied.records.find((r) => 'AuthFailures' in r.metrics)?.dimensions['Reason'];
    assert.ok(reason === 'unknown-token' || reason === 'malformed-token', `AuthFailures by reason, got ${reason}`);
    assert.deepEqual(
      denied.records,
      sorted([requests('upload', '4xx'), { dimensions: { service: SERVICE, Reason: reason! }, metrics: { AuthFailures: count(1) } }]),
    );

    const anonymous = await emfOf(() => upload(bytes, wheelFilename(options), ''));
    assert.equal(anonymous.result.statusCode, 401);
    assert.deepEqual(anonymous.records, [requests('upload', '4xx')]);
  });
});

describe('metrics of the verifier function (EMF on stdout)', () => {
  class Sessions implements UploadSessionStore {
    readonly items = new Map<string, UploadSession>();
    async createSession(session: UploadSession): Promise<void> {
      this.items.set(session.id, session);
    }
    async getSession(id: string): Promise<UploadSession | undefined> {
      return this.items.get(id);
    }
    async transitionSession(id: string, from: SessionStatus, to: SessionStatus, fields: Partial<UploadSession> = {}) {
      const current = this.items.get(id);
      if (!current || current.status !== from) return undefined;
      const next = { ...current, ...fields, status: to };
      this.items.set(id, next);
      return next;
    }
  }

  test('a session whose bytes never arrived: VerifierOutcomes refused, and the cold start', async () => {
    const sessions = new Sessions();
    const options = { name: 'big-model', version: '1.0' };
    await sessions.createSession({
      id: 's1',
      status: 'verifying',
      project: 'big-model',
      filename: wheelFilename(options),
      filetype: 'bdist_wheel',
      size: 1000,
      sha256: 'e'.repeat(64),
      stagingKey: 'uploads/s1',
      tokenId: 't1',
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T06:00:00.000Z',
    } as UploadSession);
    const staging = { stat: async () => undefined, delete: async () => undefined, abortMultipart: async () => undefined } as unknown as UploadStaging;
    const handler = createVerifierFunction({
      metadata: new MemoryMetadataStore(),
      blobs: new MemoryBlobStore(),
      // A file session alone: no publishing session is asked for.
      sessions: sessions as unknown as UploadSessionStore & PublishingSessionStore,
      staging,
      logger: silent(),
      metrics: metrics('verifier'),
    });
    const { records, result } = await emfOf(() => handler({ sessionId: 's1' }));
    assert.equal(result.status, 'failed');
    assert.deepEqual(records, sorted([coldStart('verifier'), { dimensions: { service: SERVICE, Outcome: 'refused' }, metrics: { VerifierOutcomes: count(1) } }]));
  });
});

describe('metrics of the local server', () => {
  /** Every JSON line written to stdout while `act` runs. */
  async function jsonLines(act: () => void): Promise<Record<string, unknown>[]> {
    const lines: Record<string, unknown>[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (!text.startsWith('{')) return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
      for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      return true;
    }) as typeof process.stdout.write;
    try {
      act();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.stdout.write = write;
    }
    return lines;
  }

  test('no EMF on the console; at --log-level debug, the same records in the log', async () => {
    const quiet = localMetrics('WARN');
    assert.deepEqual(await jsonLines(() => {
      quiet.read.add('PagesServed', 1, {});
      quiet.read.flush();
    }), []);

    const debug = localMetrics('DEBUG');
    const lines = await jsonLines(() => {
      debug.write.add('Refusals', 1, { Reason: 'too-large' });
      debug.write.flush();
    });
    assert.ok(lines.every((l) => !('_aws' in l)), 'nothing for CloudWatch on the console');
    const emf = lines.filter((l) => l['message'] === 'metrics').map((l) => l['emf'] as Record<string, unknown>);
    assert.deepEqual(emf.map((r) => [r['Refusals'] ?? r['ColdStart'], r['Reason'] ?? r['function_name']]).sort(), [[1, 'too-large'], [1, 'write']]);
    assert.ok(emf.every((r) => (r['_aws'] as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]!.Namespace === 'Wharf'));
  });
});
