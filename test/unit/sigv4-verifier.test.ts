/**
 * The local stores' signature check (lambdas/local/sigv4-verifier.ts): its own canonical
 * request must agree with the SDK's signer for what Wharf's clients send, so the SDK's is
 * asked only when they disagree, and a request altered in any signed part is refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../lambdas/adapters/node-sha256.ts';
import { SigV4 } from '../../lambdas/adapters/sigv4.ts';
import { generateStoreCredentials, SigV4Verifier, type SignedRequest } from '../../lambdas/local/sigv4-verifier.ts';

const credentials = generateStoreCredentials();
const HOST = '127.0.0.1:4567';

/** The verifier, with the SDK's signer counted: how often the shortcut did not decide. */
function verifier(service: 's3' | 'dynamodb') {
  const v = new SigV4Verifier(credentials, 'us-east-1', service);
  const inner = (v as unknown as { signer: SignatureV4 }).signer;
  const counted = { sdk: 0 };
  const sign = inner.sign.bind(inner);
  (inner as { sign: typeof inner.sign }).sign = ((...args: Parameters<typeof inner.sign>) => {
    counted.sdk++;
    return sign(...args);
  }) as typeof inner.sign;
  return { v, counted };
}

/** A request as the SDK signs it (smithy), in the shape the front hands the verifier. */
async function sdkSigned(service: 's3' | 'dynamodb', method: string, path: string, query: Record<string, string | string[]>, headers: Record<string, string>, body?: string): Promise<SignedRequest> {
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: NodeSha256, uriEscapePath: service !== 's3' });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: '127.0.0.1', port: 4567, path, query, headers: { host: HOST, ...headers }, ...(body !== undefined ? { body } : {}) });
  const search = Object.entries(query)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`))
    .join('&');
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) lower[k.toLowerCase()] = String(v);
  return { method, url: search ? `${path}?${search}` : path, headers: lower, ...(body !== undefined ? { body: Buffer.from(body) } : {}) };
}

describe('SigV4Verifier', () => {
  test("Wharf's own signer (DynamoDB JSON client) and the SDK's are checked without asking the SDK's signer", async () => {
    const { v, counted } = verifier('dynamodb');
    const body = JSON.stringify({ TableName: 'wharf', Key: { pk: { S: 'PROJECT#a' }, sk: { S: '#SERIAL' } } });
    const ours = await new SigV4({ service: 'dynamodb', region: 'us-east-1', credentials }).signHeaders({
      method: 'POST',
      path: '/',
      headers: { host: HOST, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body,
    });
    assert.deepEqual(await v.verify({ method: 'POST', url: '/', headers: ours, body: Buffer.from(body) }), { ok: true, presigned: false });
    const sdk = await sdkSigned('dynamodb', 'POST', '/', {}, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' }, body);
    assert.deepEqual(await v.verify(sdk), { ok: true, presigned: false });
    assert.equal(counted.sdk, 0);
  });

  test('S3: an encoded key, a query, repeated spaces in a header and metadata headers are checked by the shortcut', async () => {
    const { v, counted } = verifier('s3');
    const request = await sdkSigned(
      's3',
      'PUT',
      '/wharf-local/files/torch/abc/torch-2.13.0%2Bcpu%20x%C3%A9.whl',
      { 'x-id': 'PutObject', "odd name!'()*": 'a b+c' },
      { 'content-type': 'application/octet-stream', 'x-amz-meta-note': '  two   spaces  ', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    );
    assert.deepEqual(await v.verify(request), { ok: true, presigned: false });
    assert.equal(counted.sdk, 0);
  });

  test('a request the shortcut does not take (a repeated query name) is still checked, by the SDK signer', async () => {
    const { v, counted } = verifier('s3');
    const request = await sdkSigned('s3', 'GET', '/wharf-local/', { prefix: ['a', 'b'] }, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
    assert.deepEqual(await v.verify(request), { ok: true, presigned: false });
    assert.equal(counted.sdk, 1);
  });

  test('any signed part altered is refused: body, path, query, a signed header, the method', async () => {
    const { v } = verifier('dynamodb');
    const body = JSON.stringify({ TableName: 'wharf-tokens', Item: { pk: { S: 'TOKEN#x' } } });
    const good = await sdkSigned('dynamodb', 'POST', '/', {}, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' }, body);
    assert.equal((await v.verify(good)).ok, true);
    const altered: SignedRequest[] = [
      { ...good, body: Buffer.from(body.replace('TOKEN#x', 'TOKEN#y')) },
      { ...good, url: '/?x=1' },
      { ...good, headers: { ...good.headers, 'x-amz-target': 'DynamoDB_20120810.DeleteItem' } },
      { ...good, method: 'PUT' },
    ];
    for (const request of altered) assert.equal((await v.verify(request)).ok, false, JSON.stringify(request.url));

    const s3 = verifier('s3').v;
    const put = await sdkSigned('s3', 'PUT', '/wharf-local/files/a.whl', { 'x-id': 'PutObject' }, { 'content-type': 'application/octet-stream', 'x-amz-content-sha256': 'a'.repeat(64) });
    assert.equal((await s3.verify(put)).ok, true);
    for (const request of [
      { ...put, url: put.url.replace('a.whl', 'b.whl') },
      { ...put, url: put.url.replace('PutObject', 'GetObject') },
      { ...put, headers: { ...put.headers, 'x-amz-content-sha256': 'b'.repeat(64) } },
      { ...put, headers: { ...put.headers, 'content-type': 'text/html' } },
    ]) {
      assert.equal((await s3.verify(request)).ok, false, request.url);
    }
  });

  test('a request signed with another secret is refused', async () => {
    const { v } = verifier('dynamodb');
    const other = { ...credentials, secretAccessKey: 'x'.repeat(40) };
    const body = '{}';
    const headers = await new SigV4({ service: 'dynamodb', region: 'us-east-1', credentials: other }).signHeaders({
      method: 'POST',
      path: '/',
      headers: { host: HOST, 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body,
    });
    const verdict = await v.verify({ method: 'POST', url: '/', headers, body: Buffer.from(body) });
    assert.equal(verdict.ok, false);
  });
});
