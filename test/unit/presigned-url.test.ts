/**
 * Presigned download URLs, checked apart from the S3 emulator (which checks no signatures):
 * the signature is recomputed here from the SigV4 specification, and the window alignment
 * that lets pip's cache hit is checked against the clock.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { S3UrlSigner } from '../../lambdas/adapters/s3-url-signer.ts';
import { copySource } from '../../lambdas/adapters/s3-keys.ts';
import { Downloads } from '../../lambdas/app/downloads.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'eu-west-1';
const SHA = 'e'.repeat(64);

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Recompute a presigned GET URL's SigV4 signature with the secret key. */
function expectedSignature(url: URL, secret: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    url.pathname,
    canonicalQuery,
    `host:${url.host}\n`,
    url.searchParams.get('X-Amz-SignedHeaders'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const scope = url.searchParams.get('X-Amz-Credential')!.split('/').slice(1).join('/');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const [date, reg, service] = scope.split('/');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date!).digest();
  for (const part of [reg!, service!, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('presigned download URLs', () => {
  const blobs = new S3UrlSigner({ bucketName: 'wharf-files-bucket', region, credentials });

  test('carry a valid SigV4 signature for the object key and the immutable Cache-Control override', async () => {
    const downloads = new Downloads(blobs, { signingWindowSeconds: 300 }, () => Date.UTC(2026, 10, 22, 10, 7, 31));
    const url = new URL(
      await downloads.presignedUrl({ project: 'demo-pkg', sha256: SHA, filename: 'demo_pkg-1.0+local-py3-none-any.whl' }),
    );
    assert.equal(url.protocol, 'https:');
    assert.equal(url.host, `wharf-files-bucket.s3.${region}.amazonaws.com`);
    assert.equal(decodeURIComponent(url.pathname), `/files/demo-pkg/${SHA}/demo_pkg-1.0+local-py3-none-any.whl`);
    assert.equal(url.searchParams.get('X-Amz-Date'), '20261122T100500Z');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '600');
    assert.equal(url.searchParams.get('response-cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.equal(url.searchParams.get('X-Amz-Signature'), expectedSignature(url, credentials.secretAccessKey));
    assert.notEqual(url.searchParams.get('X-Amz-Signature'), expectedSignature(url, 'another-secret'));
  });

  test('are identical within a signing window and change in the next one', async () => {
    let now = Date.UTC(2026, 10, 22, 10, 0, 0);
    const downloads = new Downloads(blobs, { signingWindowSeconds: 300 }, () => now);
    const target = { project: 'demo-pkg', sha256: SHA, filename: 'demo_pkg-1.0.tar.gz' };
    const first = await downloads.presignedUrl(target);
    now += 299_999;
    assert.equal(await downloads.presignedUrl(target), first);
    now += 1;
    assert.notEqual(await downloads.presignedUrl(target), first);
  });

  test('stay valid for at least one whole window after they are handed out', async () => {
    const window = 300;
    for (const offset of [0, 1, 150_000, 299_999]) {
      const now = Date.UTC(2026, 10, 22, 10, 0, 0) + offset;
      const downloads = new Downloads(blobs, { signingWindowSeconds: window }, () => now);
      const url = new URL(await downloads.presignedUrl({ project: 'p', sha256: SHA, filename: 'p-1.tar.gz' }));
      const d = url.searchParams.get('X-Amz-Date')!;
      const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
      const expiresAt = signedAt + Number(url.searchParams.get('X-Amz-Expires')) * 1000;
      assert.ok(signedAt <= now, 'signed no later than now');
      assert.ok(expiresAt - now >= window * 1000, `valid for a window after offset ${offset}`);
    }
  });
});

describe('copySource (x-amz-copy-source)', () => {
  test('encodes the key as S3 decodes it: + as %2B, spaces and reserved characters too, slashes kept', () => {
    assert.equal(
      copySource('wharf-files', 'uploads/abc/torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl'),
      'wharf-files/uploads/abc/torch-2.13.0%2Bcpu-cp311-cp311-linux_x86_64.whl',
    );
    assert.equal(copySource('b', "a b/c!'()*~-._/ü"), "b/a%20b/c%21%27%28%29%2A~-._/%C3%BC");
    assert.equal(decodeURIComponent(copySource('b', 'x/y+z%2B.whl')), 'b/x/y+z%2B.whl');
  });
});
