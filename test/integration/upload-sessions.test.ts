/**
 * Upload sessions against the local server: a wheel over 100 MB published with the real
 * `wharf publish` CLI and installed by pip with its hash checked, and every refusal the
 * issue names (corrupted part, wrong sha256, size mismatch, expired session, token
 * without the scope) answered with a clear message and nothing listed or left staged.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { putBytes } from '../../lambdas/cli/publish-client.ts';
import { createDynamoDbClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { type LocalWharf, startLocalWharf } from '../../lambdas/local/local-wharf.ts';
import { type BigWheel, writeBigWheel } from '../support/big-wheel.ts';
import { describeRun, missingTool, pip, run } from '../support/processes.ts';

const MiB = 1024 * 1024;
const REPO = path.resolve(import.meta.dirname, '../..');
const pipMissing = await missingTool(() => run('python3', ['-m', 'pip', '--version']).then((r) => assert.equal(r.code, 0)), 'python3 -m pip');

interface Session {
  id: string;
  status: string;
  error?: string;
  mechanism: string;
  partCount: number;
  parts: { partNumber: number; offset: number; size: number; url: string }[];
  links: { self: string; parts: string; complete: string };
}

async function startWharf(overrides: Parameters<typeof startLocalWharf>[0] = {}) {
  return startLocalWharf({
    port: 0,
    logLevel: 'SILENT',
    // Small parts so that a few MB exercise multipart; S3's minimum part is 5 MiB.
    uploadSessions: { singlePutBytes: 6 * MiB, partBytes: 5 * MiB, inlineVerifyBytes: 64 * MiB },
    ...overrides,
  });
}

async function api(wharf: LocalWharf, token: string, method: string, pathname: string, body?: unknown) {
  const response = await fetch(`${wharf.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Session & Record<string, unknown> };
}

async function listed(wharf: LocalWharf, project: string): Promise<string[]> {
  const response = await fetch(`${wharf.url}/simple/${project}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  if (response.status === 404) return [];
  return ((await response.json()) as { files: { filename: string }[] }).files.map((f) => f.filename);
}

async function stagedKeys(wharf: LocalWharf): Promise<string[]> {
  const s3 = createS3Client(wharf.stores);
  try {
    const answer = await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: 'uploads/' }));
    return (answer.Contents ?? []).map((o) => o.Key!);
  } finally {
    s3.destroy();
  }
}

/** Uploads `bytes` to every part of a session; `mangle` may change a part on the way. */
async function uploadAll(session: Session, bytes: Uint8Array, mangle?: (partNumber: number, part: Buffer) => void) {
  const etags: { partNumber: number; etag: string }[] = [];
  for (const part of session.parts) {
    const piece = Buffer.from(bytes.subarray(part.offset, part.offset + part.size));
    mangle?.(part.partNumber, piece);
    const answer = await putBytes(part.url, piece);
    assert.equal(answer.status, 200, answer.text);
    etags.push({ partNumber: part.partNumber, etag: answer.etag ?? '' });
  }
  return etags;
}

describe('upload sessions', { skip: pipMissing }, () => {
  let wharf: LocalWharf;
  let dir: string;
  let small: BigWheel;
  let smallBytes: Uint8Array;

  before(async () => {
    wharf = await startWharf();
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-sessions-'));
    small = await writeBigWheel(dir, { name: 'session-demo', version: '1.0', payloadBytes: 12 * MiB });
    smallBytes = await readFile(small.path);
  });
  after(async () => {
    await wharf?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a wheel over 100 MB: wharf publish puts it into the index and pip installs it with its hash checked', { timeout: 300_000 }, async () => {
    const big = await writeBigWheel(dir, { name: 'big-model', version: '2.0', payloadBytes: 101 * 1000 * 1000 });
    assert.ok(big.size > 100 * 1000 * 1000);
    const published = await run(
      'npx',
      ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.indexUrl, big.path],
      { env: { ...process.env, WHARF_TOKEN: wharf.admin.token }, cwd: REPO, timeoutMs: 240_000 },
    );
    assert.equal(published.code, 0, describeRun(published));
    assert.match(published.stdout, new RegExp(`${big.filename}: published, 101\\.0 MB`));
    assert.match(published.stdout, /1 published, 0 already there, 0 skipped, 0 failed/);
    // Not a TTY: sparse progress lines, not a redrawn bar.
    assert.match(published.stdout, /big_model-2\.0-py3-none-any\.whl: (25|50|75)% .* MB\/s ETA/);
    assert.deepEqual(await listed(wharf, 'big-model'), [big.filename]);
    assert.deepEqual(await stagedKeys(wharf), [], 'the staged object is removed after the copy');

    // The PEP 658 metadata was read by ranged reads and is served.
    const meta = await fetch(`${wharf.url}/simple/big-model/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
    const file = ((await meta.json()) as { files: { hashes: { sha256: string }; url: string; 'core-metadata': unknown }[] }).files[0]!;
    assert.equal(file.hashes.sha256, big.sha256);
    assert.ok(file['core-metadata']);

    // Again: the same bytes are already there, nothing is uploaded.
    const again = await run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.url, big.path], {
      env: { ...process.env, WHARF_TOKEN: wharf.admin.token },
      cwd: REPO,
    });
    assert.equal(again.code, 0, describeRun(again));
    assert.match(again.stdout, /already published with these exact bytes/);

    const target = path.join(dir, 'target');
    const requirements = path.join(dir, 'requirements.txt');
    await writeFile(requirements, `big-model==2.0 --hash=sha256:${big.sha256}\n`);
    const installed = await pip([
      'install', '--no-cache-dir', '--no-deps', '--require-hashes', '--index-url', wharf.indexUrl,
      '--trusted-host', '127.0.0.1', '--trusted-host', 'localhost', '--target', target, '-r', requirements,
    ]);
    assert.equal(installed.code, 0, describeRun(installed));
    const payload = createHash('sha256').update(await readFile(path.join(target, 'big_model', 'payload.bin'))).digest('hex');
    assert.equal(payload, big.payloadSha256);
    await rm(big.path);
  });

  test('a corrupted part is refused at completion: sha256 mismatch, nothing listed, nothing left staged', async () => {
    const created = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', {
      filename: small.filename, size: small.size, sha256: small.sha256, filetype: 'bdist_wheel',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.mechanism, 's3-multipart');
    assert.ok(created.body.partCount >= 3);
    const parts = await uploadAll(created.body, smallBytes, (n, piece) => {
      if (n === 2) piece[1000] = piece[1000]! ^ 0xff;
    });
    const completed = await api(wharf, wharf.admin.token, 'POST', created.body.links.complete, { parts });
    assert.equal(completed.status, 400);
    assert.match(String(completed.body.error), /sha256 mismatch: .*a part was corrupted on the way.*Nothing was published/);
    assert.equal(completed.body.status, 'failed');
    assert.deepEqual(await listed(wharf, 'session-demo'), []);
    assert.deepEqual(await stagedKeys(wharf), []);
    // The session stays failed, with its reason, for a client that polls.
    const polled = await api(wharf, wharf.admin.token, 'GET', created.body.links.self);
    assert.equal(polled.body.status, 'failed');
  });

  test('the verifier checks the whole archive: a member corrupted past METADATA is refused, nothing listed or staged', async () => {
    // The bytes arrive as declared (their own sha256), but a byte deep in the payload member is wrong.
    const damaged = Buffer.from(smallBytes);
    damaged[Math.floor(damaged.byteLength / 2)] = damaged[Math.floor(damaged.byteLength / 2)]! ^ 0xff;
    const digest = createHash('sha256').update(damaged).digest('hex');
    const created = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', {
      filename: small.filename, size: damaged.byteLength, sha256: digest, filetype: 'bdist_wheel',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const parts = await uploadAll(created.body, damaged);
    const completed = await api(wharf, wharf.admin.token, 'POST', created.body.links.complete, { parts });
    assert.equal(completed.status, 400, JSON.stringify(completed.body));
    assert.equal(completed.body.status, 'failed');
    assert.match(String(completed.body.error), /is not a valid zip archive: ".*" (is corrupt|fails its CRC-32 check|inflates).*Rebuild it/);
    assert.deepEqual(await listed(wharf, 'session-demo'), []);
    assert.deepEqual(await stagedKeys(wharf), []);
  });

  test('a wrong declared sha256 is refused after upload with both digests named', async () => {
    const wrong = 'ab'.repeat(32);
    const created = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', { filename: small.filename, size: small.size, sha256: wrong });
    assert.equal(created.status, 201);
    const parts = await uploadAll(created.body, smallBytes);
    const completed = await api(wharf, wharf.admin.token, 'POST', created.body.links.complete, { parts });
    assert.equal(completed.status, 400);
    assert.ok(String(completed.body.error).includes(wrong) && String(completed.body.error).includes(small.sha256));
    assert.deepEqual(await listed(wharf, 'session-demo'), []);
  });

  test('a size mismatch is refused: the declared size is not what arrived', async () => {
    const tiny = await writeBigWheel(dir, { name: 'size-demo', version: '1.0', payloadBytes: 1000 });
    const bytes = await readFile(tiny.path);
    const created = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', {
      filename: tiny.filename, size: tiny.size + 10, sha256: tiny.sha256,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.mechanism, 's3-presigned-put');
    assert.equal((await putBytes(created.body.parts[0]!.url, bytes)).status, 200);
    const completed = await api(wharf, wharf.admin.token, 'POST', created.body.links.complete, {});
    assert.equal(completed.status, 400);
    assert.match(String(completed.body.error), new RegExp(`Size mismatch: .*declared as ${tiny.size + 10} bytes but ${tiny.size} bytes arrived`));
    assert.deepEqual(await listed(wharf, 'size-demo'), []);
    assert.deepEqual(await stagedKeys(wharf), []);
  });

  test('completing before uploading, or declaring nonsense, is a 400 that says what to do', async () => {
    const created = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', { filename: small.filename, size: small.size, sha256: small.sha256 });
    const incomplete = await api(wharf, wharf.admin.token, 'POST', created.body.links.complete, { parts: [] });
    assert.equal(incomplete.status, 400);
    assert.match(String(incomplete.body.error), /missing: 1, 2, 3/);
    for (const [body, message] of [
      [{ filename: 'x.exe', size: 1, sha256: small.sha256 }, /Invalid file extension/],
      [{ filename: small.filename, size: 0, sha256: small.sha256 }, /"size" must be/],
      [{ filename: small.filename, size: 6 * 1024 * MiB, sha256: small.sha256 }, /more than the \d+ bytes this index takes/],
      [{ filename: small.filename, size: 10, sha256: 'nope' }, /"sha256" must be/],
      [{ filename: small.filename, size: 10, sha256: small.sha256, filetype: 'sdist' }, /"filetype": "bdist_wheel"/],
    ] as const) {
      const refused = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(String(refused.body.error), message);
    }
    assert.equal((await api(wharf, wharf.admin.token, 'DELETE', created.body.links.self)).body.status, 'cancelled');
  });

  test('a token without upload scope for the project gets a 403 naming the scope, before any URL is handed out', async () => {
    const dynamodb = createDynamoDbClient(wharf.stores);
    const admin = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
    const other = (await admin.create({ scopes: ['upload:someone-else'], createdBy: 'test' })).token;
    const reader = (await admin.create({ scopes: ['read:*'], createdBy: 'test' })).token;
    dynamodb.destroy();
    for (const token of [other, reader]) {
      const refused = await api(wharf, token, 'POST', '/upload/sessions', { filename: small.filename, size: small.size, sha256: small.sha256 });
      assert.equal(refused.status, 403);
      assert.match(String(refused.body.error), /upload:session-demo/);
      assert.equal(refused.body.parts, undefined);
    }
    // And a session made by a token with the scope cannot be driven by one without it.
    const created = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', { filename: small.filename, size: small.size, sha256: small.sha256 });
    assert.equal((await api(wharf, other, 'POST', created.body.links.parts, { partNumbers: [1] })).status, 403);
    assert.equal((await api(wharf, other, 'GET', created.body.links.self)).status, 403);
    const anonymous = await fetch(`${wharf.url}${created.body.links.self}`);
    assert.equal(anonymous.status, 401);

    // The CLI says so too, and exits non-zero.
    const cli = await run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.url, small.path], {
      env: { ...process.env, WHARF_TOKEN: other },
      cwd: REPO,
    });
    assert.equal(cli.code, 1, describeRun(cli));
    assert.match(cli.stderr, /FAILED: .*upload:session-demo/);
    assert.match(cli.stdout, /0 published, 0 already there, 0 skipped, 1 failed/);
    assert.deepEqual(await listed(wharf, 'session-demo'), []);
  });
});

describe('an expired upload session', { skip: pipMissing }, () => {
  test('takes no parts and no completion, says it expired, and leaves nothing listed or staged', async () => {
    let clock = Date.now();
    const wharf = await startWharf({ uploadSessions: { singlePutBytes: 6 * MiB, partBytes: 5 * MiB, sessionLifetimeSeconds: 2 } });
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-expiry-'));
    try {
      const wheel = await writeBigWheel(dir, { name: 'late-demo', version: '1.0', payloadBytes: 2000 });
      const created = await api(wharf, wharf.admin.token, 'POST', '/upload/sessions', { filename: wheel.filename, size: wheel.size, sha256: wheel.sha256 });
      assert.equal(created.status, 201);
      assert.equal((await putBytes(created.body.parts[0]!.url, await readFile(wheel.path))).status, 200);
      const expiresAt = Date.parse(String(created.body['expiresAt']));
      assert.ok(expiresAt - clock <= 3_000 && expiresAt - clock > 0);
      await waitUntil(expiresAt);
      clock = Date.now();
      for (const call of [
        () => api(wharf, wharf.admin.token, 'POST', created.body.links.complete, {}),
        () => api(wharf, wharf.admin.token, 'POST', created.body.links.parts, { partNumbers: [1] }),
      ]) {
        const refused = await call();
        assert.equal(refused.status, 400);
        assert.match(String(refused.body.error), /expired at .* nothing was published\. Start a new session/);
      }
      assert.equal((await api(wharf, wharf.admin.token, 'GET', created.body.links.self)).body.status, 'expired');
      assert.deepEqual(await listed(wharf, 'late-demo'), []);
      assert.deepEqual(await stagedKeys(wharf), []);
    } finally {
      await wharf.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function waitUntil(time: number) {
  while (Date.now() <= time) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, time - Date.now() + 10)));
}

describe('wharf publish --skip-existing', { skip: pipMissing }, () => {
  test('other bytes under a published filename are skipped and reported as such; without the flag they fail', async () => {
    const wharf = await startWharf();
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-skip-'));
    const publish = (args: string[]) =>
      run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.indexUrl, ...args], {
        env: { ...process.env, WHARF_TOKEN: wharf.admin.token },
        cwd: REPO,
      });
    try {
      const first = await writeBigWheel(path.join(dir), { name: 'skip-demo', version: '1.0', payloadBytes: 7 * MiB });
      const published = await publish([first.path]);
      assert.equal(published.code, 0, describeRun(published));
      const firstSha = first.sha256;

      // The same filename, rebuilt with other bytes (and large enough for multipart).
      const otherDir = await mkdtemp(path.join(dir, 'rebuilt-'));
      const rebuilt = await writeBigWheel(otherDir, { name: 'skip-demo', version: '1.0', payloadBytes: 8 * MiB });
      const another = await writeBigWheel(otherDir, { name: 'skip-demo', version: '1.1', payloadBytes: 1000 });
      assert.equal(rebuilt.filename, first.filename);
      assert.notEqual(rebuilt.sha256, firstSha);

      const skipped = await publish(['--skip-existing', rebuilt.path, another.path]);
      assert.equal(skipped.code, 0, describeRun(skipped));
      assert.match(skipped.stdout, new RegExp(`${rebuilt.filename}: skipped \\(--skip-existing\\): File already exists: .*sha256 ${firstSha}`));
      assert.match(skipped.stdout, new RegExp(`${another.filename}: published`));
      assert.match(skipped.stdout, /1 published, 0 already there, 1 skipped, 0 failed/);

      const refused = await publish([rebuilt.path]);
      assert.equal(refused.code, 1, describeRun(refused));
      assert.match(refused.stderr, /FAILED: File already exists: .*Published files are immutable: publish a new version instead/);

      // The index still serves the first bytes; nothing of the rebuilt file is left staged.
      const page = await fetch(`${wharf.url}/simple/skip-demo/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
      const files = ((await page.json()) as { files: { filename: string; hashes: { sha256: string } }[] }).files;
      assert.equal(files.find((f) => f.filename === first.filename)?.hashes.sha256, firstSha);
      assert.deepEqual(await stagedKeys(wharf), []);
    } finally {
      await wharf.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('wharf publish of real-world shapes', { skip: pipMissing }, () => {
  test('a local-version wheel (+cpu, as torch publishes) and a Metadata-Version 2.5 wheel, through multipart, installed by pip', { timeout: 180_000 }, async () => {
    const wharf = await startWharf();
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-shapes-'));
    try {
      // Over singlePutBytes, so both go up in parts and are copied from staging.
      const local = await writeBigWheel(dir, { name: 'torch-like', version: '2.13.0+cpu', payloadBytes: 7 * MiB });
      const modern = await writeBigWheel(dir, {
        name: 'idna-like',
        version: '3.20',
        payloadBytes: 7 * MiB,
        metadataVersion: '2.5',
        extraMetadata: ['Import-Name: idna_like', 'Import-Namespace: idna_like'],
      });
      assert.equal(local.filename, 'torch_like-2.13.0+cpu-py3-none-any.whl');
      const published = await run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.indexUrl, local.path, modern.path], {
        env: { ...process.env, WHARF_TOKEN: wharf.admin.token },
        cwd: REPO,
        timeoutMs: 120_000,
      });
      assert.equal(published.code, 0, describeRun(published));
      assert.match(published.stdout, /2 published, 0 already there, 0 skipped, 0 failed/);
      assert.deepEqual(await listed(wharf, 'torch-like'), [local.filename]);
      assert.deepEqual(await listed(wharf, 'idna-like'), [modern.filename]);
      assert.deepEqual(await stagedKeys(wharf), []);

      const target = path.join(dir, 'target');
      const requirements = path.join(dir, 'requirements.txt');
      await writeFile(requirements, `torch-like==2.13.0+cpu --hash=sha256:${local.sha256}\nidna-like==3.20 --hash=sha256:${modern.sha256}\n`);
      const installed = await pip(['install', '--no-cache-dir', '--no-deps', '--require-hashes', '--index-url', wharf.indexUrl, '--target', target, '-r', requirements]);
      assert.equal(installed.code, 0, describeRun(installed));
      const metadata = await readFile(path.join(target, 'idna_like-3.20.dist-info', 'METADATA'), 'utf8');
      assert.match(metadata, /^Metadata-Version: 2\.5$/m);
    } finally {
      await wharf.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('wharf publish waiting for verification', () => {
  /**
   * An index whose verifier never reports and which (unlike Wharf) never fails the session:
   * the client must still stop, at the deadline the session gave plus its grace.
   */
  test('stops polling a session stuck in verifying past its verifyDeadline, with an error that says what to do', async () => {
    const { createServer } = await import('node:http');
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-stuck-'));
    const wheel = await writeBigWheel(dir, { name: 'stuck-demo', version: '1.0', payloadBytes: 1000 });
    let polls = 0;
    let deadline = '';
    const server = createServer((req, res) => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      req.resume();
      req.on('end', () => {
        const self = '/upload/sessions/s1';
        const links = { self, parts: `${self}/parts`, complete: `${self}/complete` };
        const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
        if (req.method === 'POST' && req.url === '/upload/sessions') {
          return json(201, { id: 's1', status: 'pending', filename: wheel.filename, mechanism: 's3-presigned-put', partCount: 1, parts: [{ partNumber: 1, offset: 0, size: wheel.size, url: `${url}/bucket` }], links });
        }
        if (req.method === 'PUT' && req.url === '/bucket') return void res.writeHead(200, { etag: '"e"' }).end();
        if (req.method === 'POST' && req.url === links.complete) {
          deadline = new Date(Date.now() + 700).toISOString();
          return json(202, { id: 's1', status: 'verifying', filename: wheel.filename, verifyDeadline: deadline, links });
        }
        if (req.method === 'GET' && req.url === self) {
          polls++;
          return json(200, { id: 's1', status: 'verifying', filename: wheel.filename, verifyDeadline: deadline, links });
        }
        json(404, { error: 'not here' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { PublishClient } = await import('../../lambdas/cli/publish-client.ts');
      const client = new PublishClient(`http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`, async () => 'wharf_t', { verifyGraceMs: 500 });
      const started = Date.now();
      await assert.rejects(client.publish(wheel.path), (err: Error) => {
        assert.match(err.message, /^stuck_demo-1\.0-py3-none-any\.whl was uploaded, but the index was still verifying it at .*, past the deadline it gave \(.*\); stopped waiting\./);
        assert.match(err.message, /\/upload\/sessions\/s1: publish the file again later/);
        return true;
      });
      const waited = Date.now() - started;
      assert.ok(waited >= 1_100 && waited < 5_000, `waited ${waited} ms: about the deadline (700 ms) plus the grace (500 ms)`);
      assert.ok(polls >= 2, 'it polled while waiting');
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
