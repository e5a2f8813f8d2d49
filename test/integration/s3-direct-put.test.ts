/**
 * The local S3 store's front writes a plain PutObject itself, in s3rver's on-disk layout
 * (lambdas/local/s3rver-put-object.ts), and Wharf's own S3 client sends small objects as one
 * signed request (lambdas/adapters/s3-rest-client.ts). Whatever took the PUT, s3rver must read,
 * list, copy and delete the object as its own, across a restart; the signature and the
 * signed payload hash are checked; anything else still goes to s3rver.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3RestClient } from '../../lambdas/adapters/s3-rest-client.ts';
import { SigV4 } from '../../lambdas/adapters/sigv4.ts';
import { createS3Client, LOCAL_REGION, startEmbeddedStores, type EmbeddedStores } from '../../lambdas/local/embedded-stores.ts';

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A PUT signed with `headers` as given (x-amz-content-sha256 among them), and `body` sent. */
async function rawPut(stores: EmbeddedStores, key: string, headers: Record<string, string>, body: Buffer, secret = stores.credentials.secretAccessKey) {
  const url = new URL(stores.s3Endpoint);
  const signer = new SigV4({ service: 's3', region: LOCAL_REGION, credentials: { accessKeyId: stores.credentials.accessKeyId, secretAccessKey: secret } });
  const pathname = `/${stores.bucketName}/${key}`;
  const signed = await signer.signHeaders({
    method: 'PUT',
    path: pathname,
    headers: { host: url.host, 'content-length': String(body.length), ...headers },
    body: '',
  });
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ method: 'PUT', hostname: url.hostname, port: url.port, path: pathname, headers: signed }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('local S3: PutObject answered by the front, in s3rver layout', () => {
  let dataDir: string;
  let stores: EmbeddedStores;
  let s3: S3Client;
  let puts: S3RestClient;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'wharf-s3-direct-'));
    stores = await startEmbeddedStores({ dataDir });
    s3 = createS3Client(stores);
    puts = new S3RestClient({ endpoint: stores.s3Endpoint, bucketName: stores.bucketName, region: LOCAL_REGION, credentials: stores.credentials });
  });
  after(async () => {
    puts?.destroy();
    s3?.destroy();
    await stores?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('an object put by the signed put and one by the SDK read back alike: bytes, type, cache-control, ETag; listed, copied, deleted, and kept across a restart', async () => {
    const body = Buffer.from('wheel bytes \u00e9\n'.repeat(100));
    // A local version's `+`, a space and a non-ASCII name: keys as S3 spells them.
    const signedKey = 'files/torch/abc/torch-2.13.0+cpu some\u00e9.whl';
    const sdkKey = 'files/torch/abc/torch-2.13.0+cpu-sdk.whl';
    await puts.put(signedKey, body, { contentType: 'application/octet-stream', cacheControl: 'max-age=31536000, immutable' });
    await s3.send(new PutObjectCommand({ Bucket: stores.bucketName, Key: sdkKey, Body: body, ContentType: 'application/octet-stream', CacheControl: 'max-age=31536000, immutable' }));
    for (const key of [signedKey, sdkKey]) {
      const got = await s3.send(new GetObjectCommand({ Bucket: stores.bucketName, Key: key }));
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body, key);
      assert.equal(got.ContentType, 'application/octet-stream');
      assert.equal(got.CacheControl, 'max-age=31536000, immutable');
      assert.equal(got.ETag, `"${md5(body)}"`);
      assert.equal(got.ContentLength, body.length);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: stores.bucketName, Prefix: 'files/torch/' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key).sort(), [sdkKey, signedKey].sort());
    // Nothing but s3rver's own three files per object: no partial write left behind.
    const names = (await readdir(path.join(dataDir, 's3', stores.bucketName, 'files', 'torch', 'abc'))).sort();
    assert.deepEqual(names.filter((n) => !/\._S3rver_(object|object\.md5|metadata\.json)$/.test(n)), []);

    await s3.send(new CopyObjectCommand({ Bucket: stores.bucketName, Key: 'copied/x.whl', CopySource: `${stores.bucketName}/${encodeURIComponent(signedKey)}` }));
    const copied = await s3.send(new GetObjectCommand({ Bucket: stores.bucketName, Key: 'copied/x.whl' }));
    assert.deepEqual(Buffer.from(await copied.Body!.transformToByteArray()), body);

    await stores.close();
    stores = await startEmbeddedStores({ dataDir });
    s3.destroy();
    s3 = createS3Client(stores);
    const head = await s3.send(new HeadObjectCommand({ Bucket: stores.bucketName, Key: signedKey }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.ETag, `"${md5(body)}"`);

    puts.destroy();
    puts = new S3RestClient({ endpoint: stores.s3Endpoint, bucketName: stores.bucketName, region: LOCAL_REGION, credentials: stores.credentials });
    await s3.send(new DeleteObjectCommand({ Bucket: stores.bucketName, Key: signedKey }));
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: stores.bucketName, Key: signedKey })), { name: 'NotFound' });

    // A directory s3rver removed with its last object is made again for the next put there.
    const lonely = 'files/lonely/def/one.whl';
    await puts.put(lonely, body, { contentType: 'application/octet-stream' });
    await s3.send(new DeleteObjectCommand({ Bucket: stores.bucketName, Key: lonely }));
    await assert.rejects(readdir(path.join(dataDir, 's3', stores.bucketName, 'files', 'lonely', 'def')), { code: 'ENOENT' });
    await puts.put(lonely, body, { contentType: 'application/octet-stream' });
    const again = await s3.send(new GetObjectCommand({ Bucket: stores.bucketName, Key: lonely }));
    assert.deepEqual(Buffer.from(await again.Body!.transformToByteArray()), body);
  });

  test('a body other than the one whose hash was signed is refused, and nothing is stored', async () => {
    const signed = Buffer.from('the bytes that were signed');
    const sent = Buffer.from('other bytes, same length!!');
    assert.equal(signed.length, sent.length);
    const answer = await rawPut(stores, 'files/forged/a.whl', { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': sha256(signed) }, sent);
    assert.equal(answer.status, 400);
    assert.match(answer.text, /XAmzContentSHA256Mismatch/);
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: stores.bucketName, Key: 'files/forged/a.whl' })), { name: 'NotFound' });
  });

  test('a put signed with another secret is refused with 403 before anything is written', async () => {
    const body = Buffer.from('x');
    const answer = await rawPut(stores, 'files/forged/b.whl', { 'x-amz-content-sha256': sha256(body) }, body, 'not-the-secret-0000000000000000000000000');
    assert.equal(answer.status, 403);
    assert.match(answer.text, /SignatureDoesNotMatch/);
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: stores.bucketName, Key: 'files/forged/b.whl' })), { name: 'NotFound' });
    // The same put, signed with the stores' own key, is taken.
    await puts.put('files/forged/b.whl', body, { contentType: 'text/plain' });
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: stores.bucketName, Key: 'files/forged/b.whl' }))).ContentLength, 1);
  });

  test('a PUT with a header s3rver acts on still goes to s3rver (an unknown storage class is refused as s3rver refuses it)', async () => {
    const body = Buffer.from('y');
    const answer = await rawPut(stores, 'files/classy/c.whl', { 'x-amz-content-sha256': sha256(body), 'x-amz-storage-class': 'NO_SUCH_CLASS' }, body);
    assert.equal(answer.status, 400);
    assert.match(answer.text, /InvalidStorageClass/);
  });

  test('the signed put says which key failed and why when S3 refuses it', async () => {
    const wrong = new S3RestClient({ endpoint: stores.s3Endpoint, bucketName: 'no-such-bucket', region: LOCAL_REGION, credentials: stores.credentials });
    try {
      await assert.rejects(wrong.put('files/z.whl', Buffer.from('z'), { contentType: 'text/plain' }), (err: Error) => {
        assert.equal(err.name, 'NoSuchBucket');
        assert.match(err.message, /^PutObject of files\/z\.whl: /);
        return true;
      });
    } finally {
      wrong.destroy();
    }
  });
});
