/**
 * The read function serves the single-file publish client at /client/wharf.mjs: read from
 * disk on the first request only, with an ETag and 304s, gzip for who asks, and no token
 * needed even on a private index (a job publishing by trusted publishing has none yet).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import { publishClientReader } from '../../lambdas/functions/client-file.ts';
import { MemoryBlobStore, MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';

const context = { functionName: 'read', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const CLIENT = `// a client\n${'console.log("publish");\n'.repeat(200)}`;

let dir: string;
let file: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wharf-client-route-'));
  file = path.join(dir, 'wharf.mjs');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function readFunction(publishClient?: ReturnType<typeof publishClientReader>) {
  const blobs = new MemoryBlobStore();
  return createReadFunction({
    metadata: new MemoryMetadataStore(),
    signer: blobs,
    tokens: new MemoryTokenStore(),
    // A private index: every other path needs a token.
    config: { pageCacheControl: 'max-age=42', signingWindowSeconds: 300, publicRead: false, authCacheSeconds: 30 },
    logger: new Logger({ logLevel: 'SILENT' }),
    ...(publishClient ? { publishClient } : {}),
  });
}

describe('GET /client/wharf.mjs', () => {
  test('serves the file with an ETag and Cache-Control, no token needed; a matching If-None-Match is a 304', async () => {
    await writeFile(file, CLIENT);
    const handler = readFunction(publishClientReader(file));
    const denied = await handler(apiGatewayEvent('/simple/'), context);
    assert.equal(denied.statusCode, 401, 'the index is private');

    const res = await handler(apiGatewayEvent('/client/wharf.mjs'), context);
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, CLIENT);
    assert.equal(res.headers?.['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(res.headers?.['cache-control'], 'public, max-age=300');
    const etag = String(res.headers?.['etag']);
    assert.equal(etag, `W/"${createHash('sha256').update(CLIENT).digest('base64url').slice(0, 32)}"`);

    const again = await handler(apiGatewayEvent('/client/wharf.mjs', { headers: { 'if-none-match': etag } }), context);
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');

    const gzipped = await handler(apiGatewayEvent('/client/wharf.mjs', { headers: { 'accept-encoding': 'gzip' } }), context);
    assert.equal(gzipped.headers?.['content-encoding'], 'gzip');
    assert.equal(gunzipSync(Buffer.from(String(gzipped.body), 'base64')).toString('utf8'), CLIENT);

    const head = await handler(apiGatewayEvent('/client/wharf.mjs', { method: 'HEAD' }), context);
    assert.equal(head.statusCode, 200);
    assert.equal(head.body ?? '', '');
  });

  test('read from disk once, on the first request: a changed file is served after a new cold start only', async () => {
    await writeFile(file, 'first');
    const handler = readFunction(publishClientReader(file));
    // Written before any request: the reader has not looked at the file yet.
    await writeFile(file, 'second');
    assert.equal((await handler(apiGatewayEvent('/client/wharf.mjs'), context)).body, 'second');
    await writeFile(file, 'third');
    assert.equal((await handler(apiGatewayEvent('/client/wharf.mjs'), context)).body, 'second');
  });

  test('a missing file is a 500 now and served once it is there; other paths under /client/ are 404s naming the file', async () => {
    const missing = path.join(dir, 'later.mjs');
    const handler = readFunction(publishClientReader(missing));
    assert.equal((await handler(apiGatewayEvent('/client/wharf.mjs'), context)).statusCode, 500);
    await writeFile(missing, 'now');
    assert.equal((await handler(apiGatewayEvent('/client/wharf.mjs'), context)).body, 'now');

    const other = await handler(apiGatewayEvent('/client/', { stage: 'prod' }), context);
    assert.equal(other.statusCode, 404);
    assert.match(String(other.body), /The publish client is \/prod\/client\/wharf\.mjs: curl -fsSL/);
    const none = await readFunction()(apiGatewayEvent('/client/wharf.mjs'), context);
    assert.equal(none.statusCode, 404);
  });
});
