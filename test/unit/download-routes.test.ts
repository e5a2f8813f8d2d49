/**
 * Downloads through the read function with an injected clock: a file's URL is the same
 * throughout a signing window and changes only at its boundary; `.metadata` served from the
 * function itself (its bytes, immutable caching, a redirect when large), and access control
 * decided before any byte is read.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';
import { S3UrlSigner } from '../../lambdas/adapters/s3-url-signer.ts';
import type { FetchedObject, PresignedObjectReader } from '../../lambdas/app/ports.ts';
import { DEFAULTS } from '../../lambdas/config/wharf-config.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import { MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';

const SHA = 'e'.repeat(64);
const FILE = `/files/demo-pkg/${SHA}/demo_pkg-1.0-py3-none-any.whl`;
const context = { functionName: 'read', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example-secret' };

function event(path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return apiGatewayEvent(path, { headers });
}

class FakeReader implements PresignedObjectReader {
  readonly urls: string[] = [];
  constructor(public answer: FetchedObject) {}
  async read(url: string): Promise<FetchedObject> {
    this.urls.push(url);
    return this.answer;
  }
}

function readFunction(options: { now: () => number; objects?: PresignedObjectReader; publicRead?: boolean; window?: number }) {
  return createReadFunction({
    metadata: new MemoryMetadataStore(),
    signer: new S3UrlSigner({ bucketName: 'wharf-files', region: 'eu-west-1', credentials }),
    tokens: new MemoryTokenStore(),
    config: { pageCacheControl: 'max-age=30', signingWindowSeconds: options.window ?? DEFAULTS.signingWindowSeconds, publicRead: options.publicRead ?? true, authCacheSeconds: 0 },
    logger: new Logger({ logLevel: 'SILENT' }),
    now: options.now,
    ...(options.objects ? { objects: options.objects } : {}),
  });
}

describe('stable download URLs', () => {
  test('the default window is a day, and URLs live two of them (within SigV4s 7 days)', () => {
    assert.equal(DEFAULTS.signingWindowSeconds, 86_400);
  });

  test('the same file asked twice within a window gets the same URL; it changes at the boundary only', async () => {
    let now = Date.UTC(2026, 11, 1, 0, 0, 1);
    const handler = readFunction({ now: () => now });
    const location = async () => {
      const res = await handler(event(FILE), context);
      assert.equal(res.statusCode, 302);
      return String(res.headers?.['location']);
    };
    const first = await location();
    now = Date.UTC(2026, 11, 1, 23, 59, 59);
    assert.equal(await location(), first, '24 h minus 2 s later, same window: same URL');
    now = Date.UTC(2026, 11, 2, 0, 0, 0);
    const next = await location();
    assert.notEqual(next, first, 'the next window: a new URL');
    const url = new URL(next);
    assert.equal(url.searchParams.get('X-Amz-Date'), '20261202T000000Z');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '172800');
    now = Date.UTC(2026, 11, 2, 13, 0, 0);
    assert.equal(await location(), next);
  });

  test('a configured window: 1 hour', async () => {
    let now = Date.UTC(2026, 11, 1, 10, 0, 0);
    const handler = readFunction({ now: () => now, window: 3600 });
    const a = (await handler(event(FILE), context)).headers?.['location'];
    now += 3599_000;
    assert.equal((await handler(event(FILE), context)).headers?.['location'], a);
    now += 1000;
    assert.notEqual((await handler(event(FILE), context)).headers?.['location'], a);
  });
});

describe('.metadata served by the read function', () => {
  const METADATA = new TextEncoder().encode('Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n');

  test('its bytes, with immutable caching, read through the presigned URL of its own key', async () => {
    const reader = new FakeReader({ kind: 'bytes', body: METADATA });
    const handler = readFunction({ now: () => Date.UTC(2026, 11, 1), objects: reader });
    const res = await handler(event(`${FILE}.metadata`), context);
    assert.equal(res.statusCode, 200);
    const body = res.isBase64Encoded ? Buffer.from(String(res.body), 'base64') : Buffer.from(String(res.body));
    assert.deepEqual(new Uint8Array(body), METADATA);
    assert.equal(res.headers?.['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(String(res.headers?.['content-type']), /^text\/plain/);
    assert.equal(reader.urls.length, 1);
    assert.match(reader.urls[0]!, new RegExp(`/files/demo-pkg/${SHA}/demo_pkg-1\\.0-py3-none-any\\.whl\\.metadata\\?`));
  });

  test('larger than the cap, or S3 unreachable: a redirect as before; missing: 404', async () => {
    const reader = new FakeReader({ kind: 'too-large' });
    const handler = readFunction({ now: () => Date.UTC(2026, 11, 1), objects: reader });
    const large = await handler(event(`${FILE}.metadata`), context);
    assert.equal(large.statusCode, 302);
    assert.match(String(large.headers?.['location']), /\.metadata\?/);
    reader.answer = { kind: 'unavailable', reason: 'timeout' };
    assert.equal((await handler(event(`${FILE}.metadata`), context)).statusCode, 302);
    reader.answer = { kind: 'missing' };
    assert.equal((await handler(event(`${FILE}.metadata`), context)).statusCode, 404);
  });

  test('a private index: 401 without a token, 403 with an unknown one, before anything is read', async () => {
    const reader = new FakeReader({ kind: 'bytes', body: METADATA });
    const handler = readFunction({ now: () => Date.UTC(2026, 11, 1), objects: reader, publicRead: false });
    const anonymous = await handler(event(`${FILE}.metadata`), context);
    assert.equal(anonymous.statusCode, 401);
    const basic = `Basic ${Buffer.from('__token__:wharf_nosuchtoken_000000000000000000000000').toString('base64')}`;
    const stranger = await handler(event(`${FILE}.metadata`, { authorization: basic }), context);
    assert.ok(stranger.statusCode === 401 || stranger.statusCode === 403, String(stranger.statusCode));
    assert.equal(reader.urls.length, 0, 'nothing fetched');
  });
});
