/**
 * Wharf's S3 REST client (lambdas/adapters/s3-rest-client.ts) against a scripted HTTP server:
 * what it sends for each call (and that @smithy/signature-v4, the AWS SDK's signer, signs
 * each request the same), how it reads S3's answers (an error in a 200, a HEAD without a
 * body), and what it retries. test/integration/s3-objects.test.ts runs it against the local
 * stores.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../lambdas/adapters/node-sha256.ts';
import { collect, listKeys, putStream } from '../../lambdas/adapters/s3-objects.ts';
import { S3RestClient, type S3RestClientOptions } from '../../lambdas/adapters/s3-rest-client.ts';
import { S3SweepBucket } from '../../lambdas/adapters/s3-sweep-bucket.ts';

const CREDENTIALS = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'c2VjcmV0/+=', sessionToken: 'FwoGZXIvYXdzE//+token=with/odd+chars' };
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}
type Answer = (req: Seen, res: ServerResponse) => void;

let server: Server;
let endpoint: string;
const seen: Seen[] = [];
let script: Answer[] = [];
const ok: Answer = (_req, res) => res.end();

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(request);
      (script.shift() ?? ok)(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  script = [];
});

function client(options: Partial<S3RestClientOptions> = {}): S3RestClient {
  return new S3RestClient({ endpoint, bucketName: 'wharf-files', region: 'eu-west-1', credentials: CREDENTIALS, ...options });
}

const xmlError = (status: number, code: string, message: string): Answer => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`);
};

/** The Authorization header @smithy/signature-v4 gives the request as the server saw it. */
async function smithyAuthorization(request: Seen): Promise<string> {
  const authorization = String(request.headers['authorization']);
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) if (name !== 'x-amz-date' && name !== 'x-amz-security-token') headers[name] = String(request.headers[name]);
  const q = request.url.indexOf('?');
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(request.url.slice(q + 1))) query[k] = v;
  const date = String(request.headers['x-amz-date']);
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 's3', region: 'eu-west-1', credentials: CREDENTIALS, sha256: NodeSha256, uriEscapePath: false, applyChecksum: true });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: '127.0.0.1', path: q >= 0 ? request.url.slice(0, q) : request.url, query, headers, body: request.body },
    // aws4 signs Cache-Control too, which the SDK leaves unsigned: sign it here as well.
    { signingDate, signableHeaders: new Set(signedNames) },
  );
  return String(signed.headers['authorization']);
}

describe('S3RestClient: the requests it sends', () => {
  test('each call as S3 expects it, path-style under an endpoint, signed as the SDK signs it', async () => {
    const s3 = client();
    try {
      const key = 'files/torch/abc/torch-2.13.0+cpu some\u00e9.whl';
      const body = Buffer.from('wheel bytes');
      await s3.put(key, body, { contentType: 'application/octet-stream', cacheControl: 'max-age=31536000, immutable' });
      script.push((_req, res) => {
        res.writeHead(200, { 'content-length': '11', etag: '"abc"' });
        res.end();
      });
      assert.deepEqual(await s3.head(key), { size: 11, etag: '"abc"' });
      script.push((_req, res) => {
        res.writeHead(206);
        res.end('ee');
      });
      assert.equal(Buffer.from(await collect(await s3.get(key, { offset: 1, length: 2 }))).toString(), 'ee');
      script.push((_req, res) => res.end('<?xml version="1.0"?><CopyObjectResult><ETag>"x"</ETag></CopyObjectResult>'));
      await s3.copy('staging/up load+1', key, { contentType: 'application/octet-stream' });
      await s3.delete(key);
      script.push((_req, res) => res.end('<InitiateMultipartUploadResult><Bucket>wharf-files</Bucket><Key>k</Key><UploadId>VXBs+b2Fk/SWQ=&amp;1</UploadId></InitiateMultipartUploadResult>'));
      const uploadId = await s3.startMultipart('staging/big', { contentType: 'application/octet-stream' });
      assert.equal(uploadId, 'VXBs+b2Fk/SWQ=&1');
      script.push((_req, res) => res.end('<CompleteMultipartUploadResult><ETag>"y-2"</ETag></CompleteMultipartUploadResult>'));
      await s3.completeMultipart('staging/big', uploadId, [
        { partNumber: 1, etag: '"a1"' },
        { partNumber: 2, etag: '"b&2"' },
      ]);
      await s3.abortMultipart('staging/big', uploadId);

      const encodedKey = '/wharf-files/files/torch/abc/torch-2.13.0%2Bcpu%20some%C3%A9.whl';
      assert.deepEqual(
        seen.map((r) => `${r.method} ${r.url}`),
        [
          `PUT ${encodedKey}`,
          `HEAD ${encodedKey}`,
          `GET ${encodedKey}`,
          `PUT ${encodedKey}`,
          `DELETE ${encodedKey}`,
          'POST /wharf-files/staging/big?uploads',
          'POST /wharf-files/staging/big?uploadId=VXBs%2Bb2Fk%2FSWQ%3D%261',
          'DELETE /wharf-files/staging/big?uploadId=VXBs%2Bb2Fk%2FSWQ%3D%261',
        ],
      );
      const [put, , get, copy, , start, complete] = seen;
      assert.deepEqual(put!.body, body);
      assert.equal(put!.headers['x-amz-content-sha256'], sha256(body));
      assert.equal(put!.headers['content-type'], 'application/octet-stream');
      assert.equal(put!.headers['cache-control'], 'max-age=31536000, immutable');
      assert.equal(put!.headers['x-amz-security-token'], CREDENTIALS.sessionToken);
      assert.equal(get!.headers['range'], 'bytes=1-2');
      assert.equal(copy!.headers['x-amz-copy-source'], 'wharf-files/staging/up%20load%2B1');
      assert.equal(copy!.headers['x-amz-metadata-directive'], 'REPLACE');
      assert.equal(copy!.body.length, 0);
      assert.equal(start!.headers['content-type'], 'application/octet-stream');
      assert.equal(
        complete!.body.toString(),
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>"a1"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"b&amp;2"</ETag></Part></CompleteMultipartUpload>',
      );
      assert.equal(complete!.headers['x-amz-content-sha256'], sha256(complete!.body));
      for (const request of seen) {
        assert.equal(request.headers['authorization'], await smithyAuthorization(request), `${request.method} ${request.url}`);
      }
    } finally {
      s3.destroy();
    }
  });

  test('without an endpoint: the bucket as a virtual host of the regional endpoint; path-style when its name has a dot', () => {
    const hosted = new S3RestClient({ bucketName: 'wharf-files-1a2b', region: 'eu-west-1', credentials: CREDENTIALS });
    const dotted = new S3RestClient({ bucketName: 'files.example.com', region: 'us-east-1', credentials: CREDENTIALS });
    try {
      assert.equal(hosted.objectUrl('files/a b+c.whl'), 'https://wharf-files-1a2b.s3.eu-west-1.amazonaws.com/files/a%20b%2Bc.whl');
      assert.equal(dotted.objectUrl('files/x.whl'), 'https://s3.us-east-1.amazonaws.com/files.example.com/files/x.whl');
    } finally {
      hosted.destroy();
      dotted.destroy();
    }
  });
});

describe('S3RestClient: answers and faults', () => {
  test('a HEAD of a missing key is undefined; a refused HEAD (no body to say why) is thrown with its status', async () => {
    const s3 = client();
    try {
      script.push((_req, res) => {
        res.writeHead(404);
        res.end();
      });
      assert.equal(await s3.head('files/none'), undefined);
      script.push((_req, res) => {
        res.writeHead(403);
        res.end();
      });
      await assert.rejects(s3.head('files/secret'), { name: 'Forbidden', message: 'HeadObject of files/secret: S3 answered 403 (Forbidden)' });
    } finally {
      s3.destroy();
    }
  });

  test('an error document names the error and says which call failed on which key', async () => {
    const s3 = client();
    try {
      script.push(xmlError(404, 'NoSuchKey', 'The specified key does not exist.'));
      await assert.rejects(s3.get('files/gone.whl'), { name: 'NoSuchKey', message: 'GetObject of files/gone.whl: The specified key does not exist.' });
      script.push(xmlError(400, 'InvalidPart', 'One or more of the specified parts could not be found &amp; so on.'));
      await assert.rejects(s3.completeMultipart('staging/k', 'u', [{ partNumber: 1, etag: '"e"' }]), {
        name: 'InvalidPart',
        message: 'CompleteMultipartUpload of staging/k: One or more of the specified parts could not be found & so on.',
      });
      assert.equal(seen.length, 2, 'a refusal is not retried');
    } finally {
      s3.destroy();
    }
  });

  test('CopyObject and CompleteMultipartUpload can fail after a 200: the error in the body is thrown (and retried when S3 says so)', async () => {
    const s3 = client();
    const error200 = (code: string): Answer => (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<?xml version="1.0" encoding="UTF-8"?>\n');
      res.write('    ');
      res.end(`<Error><Code>${code}</Code><Message>We encountered an internal error. Please try again.</Message></Error>`);
    };
    try {
      script.push(error200('AccessDenied'));
      await assert.rejects(s3.copy('a', 'b', { contentType: 'x/y' }), { name: 'AccessDenied' });
      assert.equal(seen.length, 1);
      script.push(error200('InternalError'), (_req, res) => res.end('<CopyObjectResult><ETag>"x"</ETag></CopyObjectResult>'));
      await s3.copy('a', 'b', { contentType: 'x/y' });
      assert.equal(seen.length, 3);
      script.push(error200('InternalError'), error200('InternalError'), error200('InternalError'));
      await assert.rejects(s3.completeMultipart('k', 'u', [{ partNumber: 1, etag: '"e"' }]), { name: 'InternalError' });
      assert.equal(seen.length, 6, 'three attempts, then the error');
    } finally {
      s3.destroy();
    }
  });

  test('5xx, SlowDown and a dropped connection are retried, each attempt signed anew; after three attempts the error is thrown', async () => {
    const s3 = client();
    try {
      script.push(xmlError(503, 'SlowDown', 'Please reduce your request rate.'), (req, res) => req && res.socket!.destroy(), ok);
      await s3.put('files/a.whl', Buffer.from('a'), { contentType: 'text/plain' });
      assert.equal(seen.length, 3);
      script.push(xmlError(500, 'InternalError', 'x'), xmlError(503, 'SlowDown', 'y'), xmlError(503, 'SlowDown', 'Please reduce your request rate.'));
      await assert.rejects(s3.delete('files/a.whl'), { name: 'SlowDown', message: 'DeleteObject of files/a.whl: Please reduce your request rate.' });
      assert.equal(seen.length, 6);
      script.push(xmlError(503, 'SlowDown', 'y'), (_req, res) => {
        res.writeHead(200);
        res.end('body');
      });
      assert.equal(Buffer.from(await collect(await s3.get('files/b.whl'))).toString(), 'body');
      assert.equal(seen.length, 8);
    } finally {
      s3.destroy();
    }
  });

  test('a socket silent past the limit fails the call, before the answer or while its body streams', async () => {
    const s3 = client({ timeoutMs: 200, maxAttempts: 1 });
    try {
      script.push(() => undefined);
      await assert.rejects(s3.head('files/slow'), /S3 was silent for 200 ms during HeadObject of files\/slow/);
      script.push((_req, res) => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('only part of it');
      });
      const body = await s3.get('files/stalls');
      await assert.rejects(collect(body), /S3 was silent for 200 ms during GetObject of files\/stalls/);
    } finally {
      s3.destroy();
    }
  });
});

describe('S3RestClient: listing and parts', () => {
  test('ListObjectsV2 pages through continuation tokens; UploadPart answers its ETag; both signed as the SDK signs them', async () => {
    const s3 = client();
    try {
      script.push(
        (_req, res) =>
          res.end('<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>upstream/files/a &amp; b.whl</Key><Size>1</Size></Contents><Contents><Key>upstream/files/c&#43;&#x20;.whl</Key></Contents><NextContinuationToken>1/tok+en=</NextContinuationToken></ListBucketResult>'),
        (_req, res) => res.end('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>upstream/files/d.whl</Key></Contents></ListBucketResult>'),
        (_req, res) => {
          res.writeHead(200, { etag: '"part-etag"' });
          res.end();
        },
      );
      assert.deepEqual(await listKeys(s3, 'upstream/files/'), ['upstream/files/a & b.whl', 'upstream/files/c+ .whl', 'upstream/files/d.whl']);
      assert.equal(await s3.uploadPart('staging/big', 'up/id', 3, Buffer.from('part bytes')), '"part-etag"');
      assert.deepEqual(
        seen.map((r) => `${r.method} ${r.url}`),
        [
          'GET /wharf-files/?list-type=2&prefix=upstream%2Ffiles%2F',
          'GET /wharf-files/?list-type=2&prefix=upstream%2Ffiles%2F&continuation-token=1%2Ftok%2Ben%3D',
          'PUT /wharf-files/staging/big?partNumber=3&uploadId=up%2Fid',
        ],
      );
      assert.equal(seen[2]!.headers['x-amz-content-sha256'], sha256('part bytes'));
      for (const request of seen) assert.equal(request.headers['authorization'], await smithyAuthorization(request), `${request.method} ${request.url}`);
    } finally {
      s3.destroy();
    }
  });
});

describe('S3RestClient: versions (what the orphan sweep removes exactly)', () => {
  test('HeadObject reads Last-Modified and the version; DeleteObject of that version names it, signed as the SDK signs it', async () => {
    const s3 = client();
    try {
      script.push((_req, res) => {
        res.writeHead(200, { 'content-length': '5', etag: '"e"', 'last-modified': 'Tue, 01 Dec 2026 10:11:12 GMT', 'x-amz-version-id': '3/L4kqtJl+40Nr8X8gdRQBpUMLUo' });
        res.end();
      });
      const head = await s3.head('files/orphan.whl');
      assert.deepEqual(head, { size: 5, etag: '"e"', lastModified: new Date('2026-12-01T10:11:12Z'), versionId: '3/L4kqtJl+40Nr8X8gdRQBpUMLUo' });
      await s3.delete('files/orphan.whl', head!.versionId);
      await s3.delete('files/orphan.whl', 'null');
      await s3.delete('files/orphan.whl');
      assert.deepEqual(
        seen.slice(1).map((r) => `${r.method} ${r.url}`),
        [
          'DELETE /wharf-files/files/orphan.whl?versionId=3%2FL4kqtJl%2B40Nr8X8gdRQBpUMLUo',
          'DELETE /wharf-files/files/orphan.whl?versionId=null',
          'DELETE /wharf-files/files/orphan.whl',
        ],
      );
      for (const request of seen) assert.equal(request.headers['authorization'], await smithyAuthorization(request), `${request.method} ${request.url}`);
    } finally {
      s3.destroy();
    }
  });

  test('ListObjectsV2 pages carry each object\'s LastModified, and max-keys when a page size is asked', async () => {
    const s3 = client();
    try {
      script.push((_req, res) =>
        res.end('<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>files/a.whl</Key><LastModified>2026-11-30T08:00:00.000Z</LastModified></Contents><Contents><Key>files/b.whl</Key></Contents></ListBucketResult>'),
      );
      assert.deepEqual(await s3.listPage('files/', { pageSize: 2 }), { objects: [{ key: 'files/a.whl', lastModified: new Date('2026-11-30T08:00:00Z') }, { key: 'files/b.whl' }] });
      assert.equal(seen[0]!.url, '/wharf-files/?list-type=2&prefix=files%2F&max-keys=2');
    } finally {
      s3.destroy();
    }
  });
});

describe('putStream (a body of unknown length)', () => {
  /** S3Objects in memory, recording calls; `failPart` fails that part number. */
  function memoryObjects(failPart?: number) {
    const calls: string[] = [];
    const parts = new Map<number, Uint8Array>();
    const stored = new Map<string, Uint8Array>();
    let inFlight = 0;
    let maxInFlight = 0;
    const objects = {
      put: async (key: string, body: Uint8Array) => void (calls.push(`put ${body.byteLength}`), stored.set(key, body)),
      startMultipart: async () => (calls.push('start'), 'u1'),
      uploadPart: async (_key: string, _id: string, n: number, body: Uint8Array) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        if (n === failPart) throw Object.assign(new Error('part refused'), { name: 'InternalError' });
        parts.set(n, body.slice());
        calls.push(`part ${n} ${body.byteLength}`);
        return `"e${n}"`;
      },
      completeMultipart: async (key: string, _id: string, list: readonly { partNumber: number; etag: string }[]) => {
        calls.push(`complete ${list.map((p) => `${p.partNumber}=${p.etag}`).join(',')}`);
        stored.set(key, Buffer.concat(list.map((p) => parts.get(p.partNumber)!)));
      },
      abortMultipart: async () => void calls.push('abort'),
    };
    return { objects: objects as unknown as Parameters<typeof putStream>[0], calls, stored, maxInFlight: () => maxInFlight };
  }
  async function* chunks(total: number, size: number, read?: { n: number }) {
    for (let at = 0; at < total; at += size) {
      if (read) read.n += Math.min(size, total - at);
      yield new Uint8Array(Math.min(size, total - at)).fill(at % 251);
    }
  }
  const MiB = 1024 * 1024;

  test('up to one part: a single PutObject, an empty body included', async () => {
    const m = memoryObjects();
    await putStream(m.objects, 'k', chunks(16 * MiB, 3 * MiB), { contentType: 'x/y' });
    await putStream(m.objects, 'e', chunks(0, 1), { contentType: 'x/y' });
    assert.deepEqual(m.calls, [`put ${16 * MiB}`, 'put 0']);
  });

  test('more: 16 MiB parts in order, at most four in flight, the last one short, then completed', async () => {
    const m = memoryObjects();
    const total = 100 * MiB + 7;
    await putStream(m.objects, 'k', chunks(total, MiB + 1), { contentType: 'x/y' });
    assert.equal(m.calls[0], 'start');
    assert.equal(m.calls.at(-1), 'complete 1="e1",2="e2",3="e3",4="e4",5="e5",6="e6",7="e7"');
    assert.deepEqual(m.calls.filter((c) => c.startsWith('part')).sort(), [1, 2, 3, 4, 5, 6].map((n) => `part ${n} ${16 * MiB}`).concat(`part 7 ${total - 96 * MiB}`).sort());
    assert.equal(m.stored.get('k')!.byteLength, total);
    assert.ok(m.maxInFlight() <= 4 && m.maxInFlight() >= 2, `${m.maxInFlight()} in flight`);
  });

  test('a refused part aborts the upload and fails it without reading the body to its end', async () => {
    const m = memoryObjects(2);
    const read = { n: 0 };
    await assert.rejects(putStream(m.objects, 'k', chunks(1024 * MiB, MiB, read), { contentType: 'x/y' }), /part refused/);
    assert.equal(m.calls.at(-1), 'abort');
    assert.ok(!m.calls.some((c) => c.startsWith('complete')));
    assert.ok(read.n < 200 * MiB, `read ${read.n / MiB} MiB of 1024`);
    assert.equal(m.stored.size, 0);
  });
});

describe('S3SweepBucket on S3Objects', () => {
  test('removes exactly the version it was shown, and lists pages with their dates (none: treated as new)', async () => {
    const deleted: [string, string | undefined][] = [];
    const modified = new Date('2026-11-01T00:00:00Z');
    const objects = {
      head: async (key: string) => (key === 'files/versioned' ? { size: 1, etag: '"e"', lastModified: modified, versionId: 'v/1+' } : key === 'files/plain' ? { size: 1, etag: '"e"', lastModified: modified } : undefined),
      delete: async (key: string, versionId?: string) => void deleted.push([key, versionId]),
      listPage: async (_prefix: string, page: { pageSize?: number; token?: string } = {}) =>
        page.token ? { objects: [{ key: 'files/c' }] } : { objects: [{ key: 'files/a', lastModified: modified }, { key: 'files/b', lastModified: modified }], next: 'T' },
    } as unknown as ConstructorParameters<typeof S3SweepBucket>[0];
    const bucket = new S3SweepBucket(objects, 2);
    const pages: { key: string; lastModified: Date }[][] = [];
    for await (const page of bucket.list('files/')) pages.push([...page]);
    assert.deepEqual(pages.map((p) => p.map((o) => o.key)), [['files/a', 'files/b'], ['files/c']]);
    assert.equal(pages[0]![0]!.lastModified.getTime(), modified.getTime());
    assert.ok(Date.now() - pages[1]![0]!.lastModified.getTime() < 60_000);
    const versioned = await bucket.head('files/versioned');
    assert.deepEqual(versioned, { lastModified: modified, versionId: 'v/1+' });
    await bucket.remove('files/versioned', versioned!);
    await bucket.remove('files/plain', (await bucket.head('files/plain'))!);
    assert.equal(await bucket.head('files/none'), undefined);
    assert.deepEqual(deleted, [['files/versioned', 'v/1+'], ['files/plain', undefined]]);
  });
});
