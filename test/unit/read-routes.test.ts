import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { beforeEach, describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import type { WharfLambdaHandler } from '../../lambdas/http/lambda-handler.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import { MemoryBlobStore, MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';

const SHA = 'd'.repeat(64);
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';

function event(path: string, init: { method?: string; headers?: Record<string, string>; query?: string; stage?: string } = {}): APIGatewayProxyEventV2 {
  const stage = init.stage ?? '$default';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: stage === '$default' ? path : `/${stage}${path}`,
    rawQueryString: init.query ?? '',
    headers: init.headers ?? {},
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'x',
      domainPrefix: 'x',
      http: { method: init.method ?? 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      requestId: 'r',
      routeKey: '$default',
      stage,
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
  };
}

const context = { functionName: 'read', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

describe('read routes', () => {
  let metadata: MemoryMetadataStore;
  let blobs: MemoryBlobStore;
  let handler: WharfLambdaHandler;
  let now: number;
  const call = (path: string, init?: Parameters<typeof event>[1]) => handler(event(path, init), context);

  beforeEach(async () => {
    metadata = new MemoryMetadataStore();
    blobs = new MemoryBlobStore();
    now = Date.UTC(2026, 10, 1, 12, 3, 20);
    handler = createReadFunction({
      metadata,
      signer: blobs,
      tokens: new MemoryTokenStore(),
      config: { pageCacheControl: 'max-age=42', signingWindowSeconds: 300, publicRead: true, authCacheSeconds: 30 },
      logger: new Logger({ logLevel: 'SILENT' }),
      now: () => now,
    });
    const f: DistributionFile = {
      project: 'demo-pkg',
      filename: 'demo_pkg-1.0-py3-none-any.whl',
      version: '1.0',
      packagetype: 'bdist_wheel',
      sha256: SHA,
      size: 10,
      uploadTime: '2026-11-01T00:00:00.000Z',
    };
    await metadata.putFile(f);
    await metadata.putProject({ name: 'demo-pkg', displayName: 'Demo.Pkg', createdAt: f.uploadTime });
  });

  test('project page: negotiated, Vary: Accept, ETag, configured Cache-Control, security headers', async () => {
    const res = await call('/simple/demo-pkg/', { headers: { accept: JSON_V1 } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers?.['content-type'], JSON_V1);
    assert.equal(res.headers?.['vary'], 'Accept');
    assert.equal(res.headers?.['cache-control'], 'max-age=42');
    assert.equal(res.headers?.['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers?.['etag']), /^W\/".+"$/);
    assert.equal(JSON.parse(String(res.body)).name, 'demo-pkg');

    const html = await call('/simple/demo-pkg/', { headers: { accept: '*/*' } });
    assert.equal(html.headers?.['content-type'], 'text/html; charset=utf-8');
    assert.notEqual(html.headers?.['etag'], res.headers?.['etag']);
  });

  test('If-None-Match with the ETag answers 304 without a body', async () => {
    const first = await call('/simple/demo-pkg/');
    const etag = String(first.headers?.['etag']);
    const second = await call('/simple/demo-pkg/', { headers: { 'if-none-match': etag } });
    assert.equal(second.statusCode, 304);
    assert.equal(second.body, '');
    assert.equal(second.headers?.['etag'], etag);
    const other = await call('/simple/demo-pkg/', { headers: { 'if-none-match': 'W/"other"' } });
    assert.equal(other.statusCode, 200);
  });

  test('?format= overrides Accept; an unknown format is a 400 that lists the choices', async () => {
    const res = await call('/simple/demo-pkg/', { query: `format=${encodeURIComponent(JSON_V1)}`, headers: { accept: 'text/html' } });
    assert.equal(res.headers?.['content-type'], JSON_V1);
    const bad = await call('/simple/demo-pkg/', { query: 'format=xml' });
    assert.equal(bad.statusCode, 400);
    assert.match(String(bad.body), /application\/vnd\.pypi\.simple\.v1\+json/);
  });

  test('nothing acceptable is 406 with a message', async () => {
    const res = await call('/simple/', { headers: { accept: 'application/xml' } });
    assert.equal(res.statusCode, 406);
    assert.match(String(res.body), /Accept one of/);
  });

  test('non-normalized names and missing slashes redirect 301 to the normalized URL, keeping the query', async () => {
    for (const path of ['/simple/Demo.Pkg/', '/simple/demo_pkg', '/simple/demo-pkg', '/simple/DEMO--pkg/']) {
      const res = await call(path, { query: 'format=json' });
      assert.equal(res.statusCode, 301, path);
      assert.equal(res.headers?.['location'], '/simple/demo-pkg/?format=json', path);
    }
    const simple = await call('/simple');
    assert.equal(simple.headers?.['location'], '/simple/');
  });

  test('redirects keep a named stage prefix', async () => {
    const res = await call('/simple/Demo.Pkg/', { stage: 'prod' });
    assert.equal(res.headers?.['location'], '/prod/simple/demo-pkg/');
    const ok = await call('/simple/demo-pkg/', { stage: 'prod' });
    assert.equal(ok.statusCode, 200);
  });

  test('unknown and invalid projects are 404 with a message', async () => {
    const res = await call('/simple/nope/');
    assert.equal(res.statusCode, 404);
    assert.match(String(res.body), /"nope" is not in this index/);
    const invalid = await call('/simple/-bad-/');
    assert.equal(invalid.statusCode, 404);
  });

  test('downloads: 302 to a presigned URL, no page or file read (one project record for its status), window-aligned date, immutable caching', async () => {
    let reads = 0;
    let recordReads = 0;
    const getProject = metadata.getProject.bind(metadata);
    metadata.getProject = async (project) => {
      recordReads++;
      return getProject(project);
    };
    metadata.getProjectPage = async () => {
      reads++;
      return undefined;
    };
    metadata.getFile = async () => {
      reads++;
      return undefined;
    };
    const path = `/files/demo-pkg/${SHA}/demo_pkg-1.0-py3-none-any.whl`;
    const res = await call(path);
    assert.equal(res.statusCode, 302);
    assert.equal(reads, 0);
    assert.equal(recordReads, 1, 'one GetItem of the project record, for its PEP 792 status');
    assert.equal(res.headers?.['cache-control'], 'no-store');
    const signed = blobs.presigned.at(-1)!;
    assert.equal(signed.key, `files/demo-pkg/${SHA}/demo_pkg-1.0-py3-none-any.whl`);
    assert.equal(signed.options.signingDate.toISOString(), '2026-11-01T12:00:00.000Z');
    assert.equal(signed.options.expiresIn, 600);
    assert.equal(signed.options.responseCacheControl, 'public, max-age=31536000, immutable');
    now += 60_000;
    const again = await call(path);
    assert.equal(again.headers?.['location'], res.headers?.['location']);
    now += 240_000;
    const later = await call(path);
    assert.notEqual(later.headers?.['location'], res.headers?.['location']);

    const meta = await call(`${path}.metadata`);
    assert.equal(meta.statusCode, 302);
    assert.equal(blobs.presigned.at(-1)!.key, `files/demo-pkg/${SHA}/demo_pkg-1.0-py3-none-any.whl.metadata`);
  });

  test('download URLs that cannot name a stored file are 404 and never reach S3', async () => {
    for (const path of [
      `/files/demo-pkg/${SHA}`,
      `/files/Demo-Pkg/${SHA}/x-1.0.tar.gz`,
      `/files/demo-pkg/${'z'.repeat(64)}/x-1.0.tar.gz`,
      `/files/demo-pkg/${SHA}/x-1.0.exe`,
      `/files/demo-pkg/${SHA}/..%2F..%2Fsecret.tar.gz`,
      `/files/demo-pkg/${SHA}/x-1.0.tar.gz/extra`,
    ]) {
      const res = await call(path);
      assert.equal(res.statusCode, 404, path);
    }
    assert.equal(blobs.presigned.length, 0);
  });

  test('HEAD answers like GET without a body; other methods are 405', async () => {
    const head = await call('/simple/demo-pkg/', { method: 'HEAD' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    const post = await call('/simple/demo-pkg/', { method: 'POST' });
    assert.equal(post.statusCode, 405);
    assert.equal(post.headers?.['allow'], 'GET, HEAD');
  });

  test('health, the web UI at the root (pip reads /simple/), unknown paths, bad percent-encoding', async () => {
    assert.equal((await call('/health')).statusCode, 200);
    const root = await call('/');
    assert.equal(root.statusCode, 200);
    assert.match(String(root.headers?.['content-type']), /^text\/html/);
    assert.equal((await call('/nope')).statusCode, 404);
    assert.equal((await call('/simple/%E0%A4%A/')).statusCode, 400);
  });

  test('large pages are gzipped for clients that accept it', async () => {
    for (let i = 0; i < 50; i++) {
      await metadata.putProject({ name: `project-${i}`, displayName: `Project-${i}`, createdAt: '' });
    }
    const res = await call('/simple/', { headers: { 'accept-encoding': 'gzip, deflate' } });
    assert.equal(res.headers?.['content-encoding'], 'gzip');
    assert.equal(res.isBase64Encoded, true);
    assert.match(String(res.headers?.['vary']), /Accept-Encoding/);
    const html = gunzipSync(Buffer.from(String(res.body), 'base64')).toString();
    assert.match(html, /Project-49/);
    const plain = await call('/simple/');
    assert.equal(plain.headers?.['content-encoding'], undefined);
    assert.equal(plain.headers?.['etag'], res.headers?.['etag']);
  });

  test('a store failure is a generic 500 that leaks nothing', async () => {
    metadata.getProjectPage = async () => {
      throw new Error('secret internal detail');
    };
    const res = await call('/simple/demo-pkg/');
    assert.equal(res.statusCode, 500);
    assert.doesNotMatch(String(res.body), /secret/);
  });
});
