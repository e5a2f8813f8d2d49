/**
 * The DynamoDB and S3 adapters against the embedded dynalite and s3rver servers. The
 * metadata store's cases are a contract (test/support/contracts/) that
 * test/integration/dynamodb-local.test.ts runs on AWS's DynamoDB Local too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { createLocalUrlSigner } from '../../lambdas/local/embedded-stores.ts';
import { startTestStores, type TestStores } from '../support/embedded.ts';
import { metadataStoreContract } from '../support/contracts/metadata-store-contract.ts';
import { DYNALITE } from '../support/dynamodb-engines.ts';
import { engineDifferences } from '../support/contracts/engine-differences.ts';

const sha = (n: number) => n.toString(16).padStart(64, '0');

metadataStoreContract(DYNALITE);
engineDifferences(DYNALITE);

describe('S3BlobStore on s3rver', () => {
  let t: TestStores;
  let blobs: S3BlobStore;
  before(async () => {
    t = await startTestStores();
    blobs = new S3BlobStore(sdkS3Objects(t.s3, t.stores.bucketName));
  });
  after(() => t.close());

  test('put, exists, a presigned GET (our SigV4 signer, path style) returns the bytes with the immutable Cache-Control, delete', async () => {
    const key = `files/demo/${sha(1)}/demo-1.0.tar.gz`;
    const body = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    assert.equal(await blobs.exists(key), false);
    await blobs.put(key, body, { contentType: 'application/octet-stream', cacheControl: 'public, max-age=31536000, immutable' });
    assert.equal(await blobs.exists(key), true);
    const signer = createLocalUrlSigner(t.stores);
    const url = await signer.presignGet(key, {
      expiresIn: 600,
      signingDate: new Date(),
      responseCacheControl: 'public, max-age=31536000, immutable',
    });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), body);
    await blobs.delete(key);
    assert.equal(await blobs.exists(key), false);
    await blobs.delete(key);
  });
});
