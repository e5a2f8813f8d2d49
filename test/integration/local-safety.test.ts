/**
 * A private local Wharf on a non-loopback --host, attacked the way issue 14 found it open:
 * through the embedded stores (unsigned, wrongly signed, tampered and expired requests),
 * through the data directory's file modes, and through the gateway (dot segments, a
 * half-closed connection, requests Node's parser refuses, and nosniff on every answer).
 */
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3UrlSigner } from '../../lambdas/adapters/s3-url-signer.ts';
import { importDistributions } from '../../lambdas/cli/import-command.ts';
import { localTarget } from '../../lambdas/cli/import-target.ts';
import { createDynamoDbClient, createDynamoDbSdkClient, createLocalUrlSigner, createS3Client, LOCAL_REGION } from '../../lambdas/local/embedded-stores.ts';
import { parseRequestTarget } from '../../lambdas/local/gateway.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildFixtures } from '../fixtures/build-fixtures.ts';

const FIXTURE_DIR = path.resolve('test/fixtures/dist');
await buildFixtures(FIXTURE_DIR);

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends bytes as they are (no client-side path resolution) and reads until the server closes. */
function raw(port: number, bytes: string, options: { halfClose?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(bytes, () => {
      if (options.halfClose) socket.end();
    });
  });
}

/** A GET with the path exactly as given (Node's http client does not resolve dot segments). */
function get(url: string, rawPath: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname === '0.0.0.0' ? '127.0.0.1' : hostname, port, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function modesOpenToOthers(dir: string): Promise<string[]> {
  const open: string[] = [];
  const walk = async (p: string) => {
    const info = await lstat(p);
    if (info.isSymbolicLink()) return;
    if ((info.mode & 0o077) !== 0) open.push(`${p} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) for (const e of await readdir(p)) await walk(path.join(p, e));
  };
  await walk(dir);
  return open;
}

function nonLoopbackIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function refusedConnection(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

describe('a private local Wharf on 0.0.0.0: stores and gateway', () => {
  let wharf: LocalWharf;
  let dataDir: string;
  let wheelKey: string;
  let port: number;

  before(async () => {
    dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'wharf-safety-')), 'data');
    wharf = await startLocalWharf({ host: '0.0.0.0', port: 0, dataDir, publicRead: false });
    port = Number(new URL(wharf.url).port);
    const dynamodb = createDynamoDbClient(wharf.stores);
    const s3 = createS3Client(wharf.stores);
    const summary = await importDistributions(localTarget(wharf.stores, 'test', async () => undefined), [FIXTURE_DIR]);
    assert.deepEqual(summary.failed, []);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: 'files/' }));
    wheelKey = listed.Contents?.map((o) => o.Key ?? '').find((k) => k.endsWith('.whl')) ?? '';
    assert.ok(wheelKey, 'a wheel was imported');
    dynamodb.destroy();
    s3.destroy();
  });

  after(async () => {
    await wharf?.close();
    if (dataDir) await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  test('the stores listen on 127.0.0.1 only, though Wharf listens on 0.0.0.0', async () => {
    assert.match(wharf.url, /^http:\/\/0\.0\.0\.0:\d+$/);
    for (const endpoint of [wharf.stores.s3Endpoint, wharf.stores.dynamodbEndpoint]) {
      assert.equal(new URL(endpoint).hostname, '127.0.0.1', endpoint);
    }
    const ip = nonLoopbackIPv4();
    if (ip) {
      for (const endpoint of [wharf.stores.s3Endpoint, wharf.stores.dynamodbEndpoint]) {
        assert.ok(await refusedConnection(ip, Number(new URL(endpoint).port)), `${endpoint} answers on ${ip}`);
      }
      assert.equal(await refusedConnection(ip, port), false, 'Wharf itself is reachable on the host address');
    }
  });

  test('S3: unsigned ListObjects of files/ and GetObject of a private wheel are refused with 403', async () => {
    const base = `${wharf.stores.s3Endpoint}/${wharf.stores.bucketName}`;
    const list = await fetch(`${base}?list-type=2&prefix=files/`);
    assert.equal(list.status, 403);
    const listBody = await list.text();
    assert.match(listBody, /<Code>AccessDenied<\/Code>/);
    assert.doesNotMatch(listBody, /\.whl/);
    assert.equal(list.headers.get('x-content-type-options'), 'nosniff');
    const object = await fetch(`${base}/${wheelKey.split('/').map(encodeURIComponent).join('/')}`);
    assert.equal(object.status, 403);
    assert.match(await object.text(), /<Code>AccessDenied<\/Code>/);
  });

  test('S3: a request signed with another secret, or another key, is refused', async () => {
    const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new S3Client({ endpoint: wharf.stores.s3Endpoint, region: LOCAL_REGION, credentials, forcePathStyle: true });
    const wrongSecret = client({ accessKeyId: wharf.stores.credentials.accessKeyId, secretAccessKey: 'not-the-secret' });
    await assert.rejects(wrongSecret.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: 'files/' })), {
      name: 'SignatureDoesNotMatch',
    });
    const s3rverKey = client({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    await assert.rejects(s3rverKey.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName })), { name: 'InvalidAccessKeyId' });
    wrongSecret.destroy();
    s3rverKey.destroy();
    const right = createS3Client(wharf.stores);
    const listed = await right.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: 'files/' }));
    assert.ok((listed.KeyCount ?? 0) > 0, 'the right key pair still lists');
    right.destroy();
  });

  test('DynamoDB: an unsigned or wrongly signed PutItem of a forged admin token is refused, and nothing is written', async () => {
    const forged = {
      TableName: wharf.stores.tokensTableName,
      Item: { pk: { S: 'TOKEN#forged' }, sk: { S: 'TOKEN' }, scopes: { SS: ['admin'] } },
    };
    const unsigned = await fetch(wharf.stores.dynamodbEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      body: JSON.stringify(forged),
    });
    assert.equal(unsigned.status, 400);
    assert.match(await unsigned.text(), /MissingAuthenticationTokenException/);
    // dynalite's own check: an Authorization header that is merely well formed.
    const forgedHeader = await fetch(wharf.stores.dynamodbEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
        'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''),
        authorization: `AWS4-HMAC-SHA256 Credential=${wharf.stores.credentials.accessKeyId}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      },
      body: JSON.stringify(forged),
    });
    assert.equal(forgedHeader.status, 400);
    assert.match(await forgedHeader.text(), /InvalidSignatureException/);

    const wrong = new DynamoDBClient({
      endpoint: wharf.stores.dynamodbEndpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: wharf.stores.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    await assert.rejects(wrong.send(new PutItemCommand(forged)), { name: 'InvalidSignatureException' });
    const otherKey = new DynamoDBClient({
      endpoint: wharf.stores.dynamodbEndpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 1,
    });
    await assert.rejects(otherKey.send(new ListTablesCommand({})), { name: 'UnrecognizedClientException' });
    wrong.destroy();
    otherKey.destroy();

    const right = createDynamoDbSdkClient(wharf.stores);
    const read = await right.send(new GetItemCommand({ TableName: forged.TableName, Key: { pk: forged.Item.pk, sk: forged.Item.sk } }));
    assert.equal(read.Item, undefined);
    right.destroy();
  });

  test('presigned URLs: the one Wharf hands out downloads; tampered, foreign or expired ones are refused', async () => {
    const admin = { authorization: `Bearer ${wharf.admin.token}` };
    const page = await fetch(`${wharf.url.replace('0.0.0.0', '127.0.0.1')}/simple/wharf-demo-core/`, {
      headers: { ...admin, accept: 'application/vnd.pypi.simple.v1+json' },
    });
    assert.equal(page.status, 200);
    const files = ((await page.json()) as { files: { url: string; filename: string }[] }).files;
    const wheel = files.find((f) => f.filename.endsWith('.whl'));
    assert.ok(wheel);
    const fileUrl = new URL(wheel.url, `${wharf.url.replace('0.0.0.0', '127.0.0.1')}/simple/wharf-demo-core/`);
    const redirect = await fetch(fileUrl, { headers: admin, redirect: 'manual' });
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location') ?? '';
    assert.match(location, /X-Amz-Signature=[0-9a-f]{64}/);
    const good = await fetch(location);
    assert.equal(good.status, 200, await good.clone().text());
    assert.ok((await good.arrayBuffer()).byteLength > 0);

    const tampered = location.replace(/X-Amz-Signature=([0-9a-f]{63})([0-9a-f])/, (_m, head: string, last: string) => `X-Amz-Signature=${head}${last === '0' ? '1' : '0'}`);
    const refused = await fetch(tampered);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /SignatureDoesNotMatch/);

    // The same signature on another key.
    const otherKey = location.replace(/(\.whl)\?/, '.whl.metadata?');
    assert.equal((await fetch(otherKey)).status, 403);

    const foreign = new S3UrlSigner({
      endpoint: wharf.stores.s3Endpoint,
      bucketName: wharf.stores.bucketName,
      region: LOCAL_REGION,
      credentials: { accessKeyId: wharf.stores.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const foreignUrl = await foreign.presignGet(wheelKey, { expiresIn: 300, signingDate: new Date() });
    assert.equal((await fetch(foreignUrl)).status, 403);

    const signer = createLocalUrlSigner(wharf.stores, wharf.stores.s3Endpoint);
    const expired = await signer.presignGet(wheelKey, { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
    const expiredAnswer = await fetch(expired);
    assert.equal(expiredAnswer.status, 403);
    assert.match(await expiredAnswer.text(), /Request has expired/);
    const fresh = await signer.presignGet(wheelKey, { expiresIn: 60, signingDate: new Date() });
    assert.equal((await fetch(fresh)).status, 200);

    // A presigned PUT too (wharf publish's parts): the right one works, a tampered one does not.
    const put = await signer.presignPut('staging/safety-test', { expiresIn: 60, signingDate: new Date() });
    assert.equal((await fetch(put, { method: 'PUT', body: 'bytes' })).status, 200);
    const badPut = put.replace('staging/safety-test', 'files/safety-test');
    assert.equal((await fetch(badPut, { method: 'PUT', body: 'bytes' })).status, 403);
  });

  test('nothing in the data directory is open to group or others', async () => {
    assert.deepEqual(await modesOpenToOthers(dataDir), []);
  });

  test('a dot segment, raw or percent-encoded, is a 400 that says why; it never reaches a function', async () => {
    for (const target of ['/simple/../api/tokens', '/simple/%2e%2e/api/tokens', '/simple/%2E%2E/api/tokens', '/simple/./', '/api/tokens/..', '/simple/.%2e/api/tokens']) {
      const answer = await get(wharf.url, target);
      assert.equal(answer.status, 400, target);
      assert.match(answer.body, /dot segment/, target);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', target);
    }
    const malformed = await get(wharf.url, '/simple/%zz/');
    assert.equal(malformed.status, 400);
    assert.match(malformed.body, /percent-encoding/);
  });

  test('empty segments are merged, for routing and the handler alike', async () => {
    const health = await get(wharf.url, '//health');
    assert.equal(health.status, 200, health.body);
    const page = await get(wharf.url, '//simple//wharf-demo-core/', { authorization: `Bearer ${wharf.admin.token}` });
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /wharf_demo_core/);
    const anonymous = await get(wharf.url, '//api//tokens');
    assert.equal(anonymous.status, 401, anonymous.body);
  });

  test('a client that half-closes its connection after the request still gets the answer', async () => {
    const answer = await raw(port, 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n', { halfClose: true });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    const private_ = await raw(port, 'GET /simple/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', { halfClose: true });
    assert.equal(private_.status, 401);
    assert.ok(private_.body.length > 0);
  });

  test("Node's own refusals carry a body that says what happened, and nosniff", async () => {
    const huge = await raw(port, `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(huge.status, 431);
    assert.match(huge.body, /headers are larger than/);
    assert.equal(huge.headers['x-content-type-options'], 'nosniff');
    const garbage = await raw(port, 'NOT A REQUEST\r\n\r\n');
    assert.equal(garbage.status, 400);
    assert.match(garbage.body, /Bad Request: /);
    assert.equal(garbage.headers['x-content-type-options'], 'nosniff');
  });

  test('every error answer carries nosniff', async () => {
    const answers = [
      await get(wharf.url, '/no-such-route'),
      await get(wharf.url, '/simple/'),
      await get(wharf.url, '/api/tokens'),
      await get(wharf.url, '/simple/../api/tokens'),
      await get(wharf.url, '/simple/wharf-demo-core/', { authorization: 'Bearer not-a-token' }),
      await get(wharf.url, '/health'),
    ];
    for (const answer of answers) {
      assert.ok(answer.status === 200 || answer.status >= 400, String(answer.status));
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', `${answer.status} ${answer.body}`);
    }
  });
});

describe('parseRequestTarget', () => {
  test('keeps a clean path and its query as sent', () => {
    assert.deepEqual(parseRequestTarget('/simple/a%2Bb/?x=1'), { ok: true, path: '/simple/a%2Bb/', rawQueryString: 'x=1' });
  });
  test('merges empty segments', () => {
    assert.deepEqual(parseRequestTarget('//simple///x/'), { ok: true, path: '/simple/x/', rawQueryString: '' });
  });
  test('refuses dot segments and non-path targets', () => {
    for (const target of ['/a/../b', '/a/%2e%2E/b', '/.', '/a/./b', 'http://evil/a', '*']) {
      assert.equal(parseRequestTarget(target).ok, false, target);
    }
  });
  test('a dot inside a name is no dot segment', () => {
    assert.equal(parseRequestTarget('/simple/zope.interface/').ok, true);
    assert.equal(parseRequestTarget('/files/a/..b.whl').ok, true);
  });
});
