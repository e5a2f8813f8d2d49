/**
 * Wharf's SigV4 (lambdas/adapters/sigv4.ts, aws4 inside) against @smithy/signature-v4, the
 * signer the AWS SDK uses: the same request signed by both gives the same signature.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../lambdas/adapters/node-sha256.ts';
import { rfc3986 } from '../../lambdas/adapters/s3-keys.ts';
import { SigV4 } from '../../lambdas/adapters/sigv4.ts';

const CREDENTIALS = [
  { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'c2VjcmV0/+=', sessionToken: 'FwoGZXIvYXdzE//+token=with/odd+chars' },
];
const DATES = [new Date(Date.UTC(2026, 11, 1, 12, 34, 56)), new Date(Date.UTC(2027, 0, 1, 0, 0, 0))];

describe('SigV4 header signing (DynamoDB calls)', () => {
  for (const credentials of CREDENTIALS) {
    for (const signingDate of DATES) {
      test(`matches @smithy/signature-v4 (${credentials.sessionToken ? 'session token' : 'long-term key'}, ${signingDate.toISOString()})`, async () => {
        const body = JSON.stringify({ TableName: 'wharf', Key: { pk: { S: 'PROJECT#demo' }, sk: { S: '#SERIAL' } }, ConsistentRead: true, note: 'ünïcode  spaces' });
        const headers = {
          host: 'dynamodb.eu-west-1.amazonaws.com',
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.GetItem',
          'content-length': String(Buffer.byteLength(body)),
        };
        const ours = await new SigV4({ service: 'dynamodb', region: 'eu-west-1', credentials }).signHeaders({ method: 'POST', path: '/', headers, body, signingDate });
        const theirs = await new SignatureV4({ service: 'dynamodb', region: 'eu-west-1', credentials, sha256: NodeSha256, applyChecksum: false }).sign(
          { method: 'POST', protocol: 'https:', hostname: headers.host, path: '/', query: {}, headers, body },
          { signingDate },
        );
        assert.equal(ours['authorization'], theirs.headers['authorization']);
        assert.equal(ours['x-amz-date'], theirs.headers['x-amz-date']);
        assert.equal(ours['x-amz-security-token'], theirs.headers['x-amz-security-token']);
      });
    }
  }

  test('a changed body, target or date changes the signature', async () => {
    const signer = new SigV4({ service: 'dynamodb', region: 'us-east-1', credentials: CREDENTIALS[0]! });
    const base = { method: 'POST', path: '/', headers: { host: 'h', 'x-amz-target': 'DynamoDB_20120810.GetItem' }, body: '{}', signingDate: DATES[0]! };
    const a = (await signer.signHeaders(base))['authorization'];
    assert.notEqual((await signer.signHeaders({ ...base, body: '{ }' }))['authorization'], a);
    assert.notEqual((await signer.signHeaders({ ...base, headers: { ...base.headers, 'x-amz-target': 'DynamoDB_20120810.PutItem' } }))['authorization'], a);
    assert.notEqual((await signer.signHeaders({ ...base, signingDate: DATES[1]! }))['authorization'], a);
  });

  test('signed now, the same request within a second is signed once; anything else is signed afresh', async () => {
    let lookups = 0;
    let credentials = CREDENTIALS[0]!;
    const signer = new SigV4({
      service: 'dynamodb',
      region: 'us-east-1',
      credentials: async () => {
        lookups++;
        return credentials;
      },
    });
    const base = { method: 'POST', path: '/', headers: { host: 'h', 'x-amz-target': 'DynamoDB_20120810.GetItem' }, body: '{"Key":1}' };
    // Within one second of the clock (retry once if the second turned between the two).
    let first: Record<string, string>;
    let second: Record<string, string>;
    do {
      first = await signer.signHeaders(base);
      second = await signer.signHeaders(base);
    } while (first['x-amz-date'] !== second['x-amz-date']);
    assert.deepEqual(second, first);
    assert.notEqual(second, first, 'each caller gets its own copy of the headers');
    second['authorization'] = 'changed';
    assert.notEqual((await signer.signHeaders(base))['authorization'], 'changed');
    // Other targets, bodies and keys are signed for themselves; credentials are asked every time.
    const other = await signer.signHeaders({ ...base, headers: { ...base.headers, 'x-amz-target': 'DynamoDB_20120810.DeleteItem' } });
    assert.notEqual(other['authorization'], first['authorization']);
    credentials = CREDENTIALS[1]!;
    const rotated = await signer.signHeaders(base);
    assert.equal(rotated['x-amz-security-token'], CREDENTIALS[1]!.sessionToken);
    assert.notEqual(rotated['authorization'], first['authorization']);
    assert.ok(lookups >= 5);
  });
});

describe('SigV4 presigned query (S3 download and upload URLs)', () => {
  const keys = ['files/demo/ab12/demo-1.0-py3-none-any.whl', 'files/torch/00ff/torch-2.13.0+cpu-cp312-cp312-linux_x86_64.whl', "uploads/s/it's (odd)*~!.tar.gz"];
  for (const credentials of CREDENTIALS) {
    for (const key of keys) {
      test(`matches @smithy/signature-v4: ${key} (${credentials.sessionToken ? 'session token' : 'long-term key'})`, async () => {
        const path = `/${key.split('/').map(rfc3986).join('/')}`;
        const host = 'my-bucket.s3.eu-west-1.amazonaws.com';
        const query = { 'response-cache-control': 'public, max-age=31536000, immutable', partNumber: '7', uploadId: 'a b+c', 'x-id': 'GetObject' };
        const signingDate = DATES[0]!;
        const ours = await new SigV4({ service: 's3', region: 'eu-west-1', credentials }).presignQuery({ method: 'GET', host, path, query, expiresIn: 172_800, signingDate });
        const signed = await new SignatureV4({ service: 's3', region: 'eu-west-1', credentials, sha256: NodeSha256, uriEscapePath: false, applyChecksum: false }).presign(
          { method: 'GET', protocol: 'https:', hostname: host, path, query, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } },
          { expiresIn: 172_800, signingDate },
        );
        // The same parameters, signature included; the order in the URL is not signed.
        const theirs = Object.fromEntries(Object.entries(signed.query ?? {}).map(([k, v]) => [k, String(v)]));
        assert.deepEqual(Object.fromEntries(new URLSearchParams(ours)), theirs);
        assert.ok(ours.split('&').every((pair) => pair === pair.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)), 'RFC 3986 encoded');
      });
    }
  }

  test('more than seven days is refused, as S3 would refuse the URL', async () => {
    const signer = new SigV4({ service: 's3', region: 'us-east-1', credentials: CREDENTIALS[0]! });
    await assert.rejects(signer.presignQuery({ method: 'GET', host: 'h', path: '/k', query: {}, expiresIn: 604_801 }), /less than one week/);
  });
});
