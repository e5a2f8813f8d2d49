/**
 * The pure parts of upload sessions: declaration checks, part planning, completion
 * checks, presigned PUT/UploadPart signatures (recomputed from the SigV4 specification,
 * apart from the emulator), and that a wheel's metadata is read with a few small ranged
 * reads, not by fetching the file.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { S3UrlSigner } from '../../lambdas/adapters/s3-url-signer.ts';
import { bytesSource, inspectDistributionAt } from '../../lambdas/core/distribution.ts';
import { parseCompletedParts, parseSessionRequest, planParts } from '../../lambdas/core/upload-session.ts';
import { writeBigWheel } from '../support/big-wheel.ts';

const MiB = 1024 * 1024;
const SHA = 'a'.repeat(64);

describe('declaring a file', () => {
  test('a valid wheel declaration yields its project and version', () => {
    const declared = parseSessionRequest({ filename: 'Big_Model-2.0-py3-none-any.whl', size: 10, sha256: SHA.toUpperCase() }, 100);
    assert.equal(declared.project, 'big-model');
    assert.equal(declared.version, '2.0');
    assert.equal(declared.filetype, 'bdist_wheel');
    assert.equal(declared.sha256, SHA);
  });
  for (const [body, message] of [
    [null, /Send a JSON object/],
    [{ size: 1, sha256: SHA }, /no "filename"/],
    [{ filename: '../x-1.0-py3-none-any.whl', size: 1, sha256: SHA }, /contains "\/"/],
    [{ filename: 'x-1.0.egg', size: 1, sha256: SHA }, /Invalid file extension/],
    [{ filename: 'x-1.0-py3-none-any.whl', size: 1.5, sha256: SHA }, /"size" must be/],
    [{ filename: 'x-1.0-py3-none-any.whl', size: 101, sha256: SHA }, /more than the 100 bytes/],
    [{ filename: 'x-1.0-py3-none-any.whl', size: 1, sha256: 'x' }, /"sha256" must be/],
    [{ filename: 'x-1.0.tar.gz', size: 1, sha256: SHA, filetype: 'bdist_wheel' }, /"filetype": "sdist"/],
  ] as const) {
    test(`refused: ${JSON.stringify(body)}`, () => {
      assert.throws(() => parseSessionRequest(body, 100), message);
    });
  }
});

describe('planning parts', () => {
  test('one PUT up to the threshold, parts above it, never more than 10,000 parts', () => {
    assert.deepEqual(planParts(16 * MiB, { singlePutBytes: 16 * MiB, preferredPartBytes: 16 * MiB }), {
      mechanism: 's3-presigned-put', partSize: 16 * MiB, partCount: 1,
    });
    assert.deepEqual(planParts(16 * MiB + 1, { singlePutBytes: 16 * MiB, preferredPartBytes: 16 * MiB }), {
      mechanism: 's3-multipart', partSize: 16 * MiB, partCount: 2,
    });
    const huge = planParts(5 * 1024 * MiB, { singlePutBytes: MiB, preferredPartBytes: 5 * MiB });
    assert.ok(huge.partCount <= 10_000 && huge.partSize >= 5 * MiB);
    assert.ok(huge.partSize * huge.partCount >= 5 * 1024 * MiB);
  });
  test('completion needs one ETag per part', () => {
    assert.deepEqual(parseCompletedParts([{ partNumber: 2, etag: 'b' }, { partNumber: 1, etag: 'a' }], 2), [
      { partNumber: 1, etag: 'a' }, { partNumber: 2, etag: 'b' },
    ]);
    assert.throws(() => parseCompletedParts([{ partNumber: 1, etag: 'a' }], 2), /missing: 2/);
    assert.throws(() => parseCompletedParts([{ partNumber: 1 }], 1), /"parts"/);
  });
});

describe('presigned upload URLs', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const signer = new S3UrlSigner({ bucketName: 'wharf-files', region: 'eu-west-1', credentials });
  const rfc3986 = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  function expected(url: URL, method: string, secret: string): string {
    const query = [...url.searchParams.entries()]
      .filter(([k]) => k !== 'X-Amz-Signature')
      .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const canonical = [method, url.pathname, query, `host:${url.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
    const scope = url.searchParams.get('X-Amz-Credential')!.split('/').slice(1).join('/');
    const toSign = ['AWS4-HMAC-SHA256', url.searchParams.get('X-Amz-Date')!, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
    const [date, region, service] = scope.split('/');
    let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date!).digest();
    for (const part of [region!, service!, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    return createHmac('sha256', key).update(toSign).digest('hex');
  }
  const signingDate = new Date(Date.UTC(2026, 10, 22, 10, 0, 0));

  test('a PutObject URL for a staging key is signed for PUT, with its expiry', async () => {
    const url = new URL(await signer.presignPut('uploads/abc/big_model-2.0-py3-none-any.whl', { expiresIn: 3600, signingDate }));
    assert.equal(url.pathname, '/uploads/abc/big_model-2.0-py3-none-any.whl');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '3600');
    assert.equal(url.searchParams.get('X-Amz-Signature'), expected(url, 'PUT', credentials.secretAccessKey));
    assert.notEqual(url.searchParams.get('X-Amz-Signature'), expected(url, 'GET', credentials.secretAccessKey));
  });
  test('an UploadPart URL signs the part number and upload id', async () => {
    const url = new URL(await signer.presignUploadPart('uploads/abc/x.whl', 'upload-id+/=', 7, { expiresIn: 60, signingDate }));
    assert.equal(url.searchParams.get('partNumber'), '7');
    assert.equal(url.searchParams.get('uploadId'), 'upload-id+/=');
    assert.equal(url.searchParams.get('X-Amz-Signature'), expected(url, 'PUT', credentials.secretAccessKey));
    const tampered = new URL(url);
    tampered.searchParams.set('partNumber', '8');
    assert.notEqual(url.searchParams.get('X-Amz-Signature'), expected(tampered, 'PUT', credentials.secretAccessKey));
  });
});

test('a wheel is checked whole, by a few ranged reads of bounded size', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'wharf-ranged-'));
  try {
    const wheel = await writeBigWheel(dir, { name: 'ranged-demo', version: '1.0', payloadBytes: 20 * MiB });
    const bytes = new Uint8Array(await readFile(wheel.path));
    const inner = bytesSource(bytes);
    let read = 0;
    let calls = 0;
    let largest = 0;
    const inspected = await inspectDistributionAt(wheel.filename, {
      ...inner,
      read: (offset, length) => {
        read += length;
        calls++;
        largest = Math.max(largest, length);
        return inner.read(offset, length);
      },
      stream: () => {
        throw new Error('a wheel is never streamed');
      },
    });
    assert.equal(inspected.normalizedName, 'ranged-demo');
    assert.ok(inspected.coreMetadataFile);
    // Every entry is inflated and checked: the file is read about once, in windows of 8 MiB,
    // so memory stays bounded whatever the size of the wheel.
    assert.ok(read < bytes.byteLength + 512 * 1024, `read ${read} bytes of ${bytes.byteLength}`);
    assert.ok(calls <= 8 + Math.ceil(bytes.byteLength / (8 * MiB)), `${calls} reads`);
    assert.ok(largest <= 8 * MiB, `a read of ${largest} bytes`);
    // A truncated upload (the central directory cut off) is refused as not a zip.
    await assert.rejects(inspectDistributionAt(wheel.filename, bytesSource(bytes.subarray(0, 10 * MiB))), /not a valid zip archive/);
    await assert.rejects(inspectDistributionAt(wheel.filename, bytesSource(new Uint8Array(randomBytes(4096)))), /not a valid zip archive/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
