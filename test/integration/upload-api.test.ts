/**
 * PEP 694 (Upload 2.0, the draft of 2026-07-29) against the local server, as the draft writes
 * the flows: a publishing session per release, file upload sessions inside it, the required
 * `http-post-bytes` mechanism and Wharf's `vnd-wharf-s3multipart-presigned` (a file over
 * 16 MiB), a session published and one cancelled, each checked for what the simple page, the
 * JSON API, a download and pip see before and after; the stage preview pip installs from; the
 * refusals (scope, other project, a file twice, publish with an unfinished file, an expired
 * session) in the draft's RFC 9457 problem format; and `wharf publish` end to end.
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
import { writeBigWheel } from '../support/big-wheel.ts';
import { buildSdist, buildWheel, sdistFilename, wheelFilename } from '../support/dist-builder.ts';
import { describeRun, missingTool, pip, run } from '../support/processes.ts';
import { twineWheelForm } from '../support/twine-form.ts';

const MiB = 1024 * 1024;
const REPO = path.resolve(import.meta.dirname, '../..');
const V2 = 'application/vnd.pypi.upload.v2+json';
const META = { 'api-version': '2.0' };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const pipMissing = await missingTool(() => run('python3', ['-m', 'pip', '--version']).then((r) => assert.equal(r.code, 0)), 'python3 -m pip');

type Json = Record<string, any>;

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

async function call(token: string | undefined, method: string, url: string, body?: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': V2, accept: V2 },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Json) : {} };
}

async function postBytes(token: string, url: string, bytes: Uint8Array): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: bytes });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

/** The draft's error format: an RFC 9457 problem with `meta` and `errors`. */
function assertProblem(answer: Answer, status: number, detail: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body['status'], status);
  assert.equal(typeof answer.body['title'], 'string');
  assert.match(String(answer.body['detail']), detail);
  assert.deepEqual(answer.body['meta'], META);
  assert.ok(Array.isArray(answer.body['errors']) && answer.body['errors'].length > 0);
  for (const e of answer.body['errors'] as Json[]) assert.equal(typeof e['source'], 'string');
}

async function startWharf(overrides: Parameters<typeof startLocalWharf>[0] = {}) {
  return startLocalWharf({
    port: 0,
    logLevel: 'SILENT',
    // Parts of 5 MiB (S3's least) so a 20 MiB file is a real multipart upload.
    uploadSessions: { singlePutBytes: 6 * MiB, partBytes: 5 * MiB, inlineVerifyBytes: 64 * MiB },
    ...overrides,
  });
}

async function listed(wharf: LocalWharf, project: string): Promise<string[]> {
  const response = await fetch(`${wharf.url}/simple/${project}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  if (response.status === 404) return [];
  return ((await response.json()) as { files: { filename: string }[] }).files.map((f) => f.filename).sort();
}

async function jsonApi(wharf: LocalWharf, project: string): Promise<number> {
  return (await fetch(`${wharf.url}/pypi/${project}/json`)).status;
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

async function tokens(wharf: LocalWharf, ...scopes: string[][]): Promise<string[]> {
  const dynamodb = createDynamoDbClient(wharf.stores);
  try {
    const admin = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
    return await Promise.all(scopes.map(async (s) => (await admin.create({ scopes: s, createdBy: 'test' })).token));
  } finally {
    dynamodb.destroy();
  }
}

function wheel(name: string, version: string, tag?: string) {
  const bytes = buildWheel({ name, version, ...(tag ? { tag } : {}) });
  return { filename: wheelFilename({ name, version, ...(tag ? { tag } : {}) }), bytes, sha256: sha256(bytes) };
}

function sdist(name: string, version: string) {
  const bytes = buildSdist({ name, version });
  return { filename: sdistFilename({ name, version }), bytes, sha256: sha256(bytes) };
}

const root = (wharf: LocalWharf) => `${wharf.url}/upload/2.0/`;

async function createSession(wharf: LocalWharf, token: string, name: string, version: string): Promise<Json> {
  const created = await call(token, 'POST', root(wharf), { meta: META, name, version });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.headers.get('location'), created.body['links']['session']);
  return created.body;
}

/** A file through http-post-bytes: the upload session, the bytes, the completion. */
async function uploadByPost(token: string, session: Json, file: { filename: string; bytes: Uint8Array; sha256: string }): Promise<Json> {
  const opened = await call(token, 'POST', session['links']['upload'], {
    meta: META,
    filename: file.filename,
    size: file.bytes.byteLength,
    hashes: { sha256: file.sha256 },
    mechanism: 'http-post-bytes',
  });
  assert.equal(opened.status, 202, JSON.stringify(opened.body));
  assert.ok(opened.headers.get('retry-after'));
  assert.equal(opened.body['status'], 'pending');
  assert.equal(opened.body['mechanism']['identifier'], 'http-post-bytes');
  const posted = await postBytes(token, opened.body['mechanism']['file_url'], file.bytes);
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  const completed = await call(token, 'POST', opened.body['links']['complete'], { meta: META });
  assert.equal(completed.status, 201, JSON.stringify(completed.body));
  assert.equal(completed.body['status'], 'completed');
  return opened.body;
}

async function pipInstall(indexUrl: string, requirement: string, target: string) {
  return pip([
    'install', '--no-cache-dir', '--no-deps', '--index-url', indexUrl,
    '--trusted-host', '127.0.0.1', '--trusted-host', 'localhost', '--target', target, requirement,
  ]);
}

describe('PEP 694 upload API', () => {
  let wharf: LocalWharf;
  let dir: string;

  before(async () => {
    wharf = await startWharf();
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-upload-api-'));
  });
  after(async () => {
    await wharf?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the root tells the API version, the mechanisms and their limits; other media types get 406', async () => {
    const discovered = await call(undefined, 'GET', root(wharf));
    assert.equal(discovered.status, 200);
    assert.match(discovered.headers.get('content-type') ?? '', /^application\/vnd\.pypi\.upload\.v2\+json/);
    assert.deepEqual(discovered.body['meta'], META);
    assert.deepEqual(discovered.body['mechanisms'], ['vnd-wharf-s3multipart-presigned', 'http-post-bytes']);
    assert.equal(discovered.body['_wharf']['limits']['http-post-bytes']['max-bytes'], 4 * MiB);
    const html = await fetch(root(wharf), { headers: { accept: 'text/html' } });
    assert.equal(html.status, 406);
    assert.match(html.headers.get('content-type') ?? '', /problem\+json/);
  });

  test('a published session: nothing is visible until publish, then every file at once; the stage served pip before', { skip: pipMissing, timeout: 180_000 }, async () => {
    const token = wharf.admin.token;
    const whl = wheel('stage-pub', '1.0');
    const sd = sdist('stage-pub', '1.0');
    const session = await createSession(wharf, token, 'Stage_Pub', '1.0');
    assert.equal(session['status'], 'open');
    assert.match(session['session-token'], /^[0-9a-f]{32}$/);
    assert.ok(String(session['links']['stage']).includes(session['session-token']));
    assert.match(session['expires-at'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // A second session for the same release: 409 and where the open one is.
    const again = await call(token, 'POST', root(wharf), { meta: META, name: 'stage-pub', version: '1.0.0' });
    assertProblem(again, 409, /open publishing session already/);
    assert.equal(again.headers.get('location'), session['links']['session']);

    const whlSession = await uploadByPost(token, session, whl);
    await uploadByPost(token, session, sd);
    const status = await call(token, 'GET', session['links']['session']);
    assert.equal(status.body['files'][whl.filename]['status'], 'completed');
    assert.equal(status.body['files'][whl.filename]['link'], whlSession['links']['file-upload-session']);
    assert.equal(status.body['files'][sd.filename]['status'], 'completed');

    // Staged: not on the simple page, not in the JSON API, not downloadable, not installable.
    assert.deepEqual(await listed(wharf, 'stage-pub'), []);
    assert.equal(await jsonApi(wharf, 'stage-pub'), 404);
    const hidden = await pipInstall(wharf.indexUrl, 'stage-pub==1.0', path.join(dir, 'hidden'));
    assert.notEqual(hidden.code, 0, describeRun(hidden));
    // The stage preview: pip installs the staged wheel from links.stage, with its hash.
    const staged = await pipInstall(session['links']['stage'], 'stage-pub==1.0', path.join(dir, 'staged'));
    assert.equal(staged.code, 0, describeRun(staged));
    assert.equal(await jsonApi(wharf, 'stage-pub'), 404, 'previewing publishes nothing');

    const extended = await call(token, 'POST', session['links']['extend'], { meta: META, 'extend-for': 3600 });
    assert.equal(extended.status, 200);
    assert.ok(Date.parse(extended.body['expires-at']) >= Date.parse(session['expires-at']));

    const published = await call(token, 'POST', session['links']['publish'], { meta: META });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.equal(published.body['status'], 'published');
    assert.equal(published.headers.get('location'), session['links']['session']);

    assert.deepEqual(await listed(wharf, 'stage-pub'), [sd.filename, whl.filename].sort());
    assert.equal(await jsonApi(wharf, 'stage-pub'), 200);
    const page = (await (await fetch(`${wharf.url}/simple/stage-pub/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as Json;
    const url = new URL((page['files'] as Json[]).find((f) => f['filename'] === whl.filename)!['url'], `${wharf.url}/simple/stage-pub/`);
    const download = await fetch(url);
    assert.equal(download.status, 200);
    assert.equal(sha256(new Uint8Array(await download.arrayBuffer())), whl.sha256);
    const installed = await pipInstall(wharf.indexUrl, 'stage-pub==1.0', path.join(dir, 'published'));
    assert.equal(installed.code, 0, describeRun(installed));

    // Published: the stage is gone, the status stays, nothing is left staged.
    assert.equal((await fetch(session['links']['stage'])).status, 404);
    assert.equal((await call(token, 'GET', session['links']['session'])).body['status'], 'published');
    assert.deepEqual(await stagedKeys(wharf), []);
    // The release is free for a new session (to add a wheel), which refuses a published filename.
    const next = await createSession(wharf, token, 'stage-pub', '1.0');
    const twice = await call(token, 'POST', next['links']['upload'], {
      meta: META, filename: whl.filename, size: whl.bytes.byteLength, hashes: { sha256: whl.sha256 }, mechanism: 'http-post-bytes',
    });
    assertProblem(twice, 409, /already exists/);
    assert.equal((await call(token, 'DELETE', next['links']['session'])).body['status'], 'canceled');
  });

  test('a cancelled session: its staged files (a 20 MiB one by S3 multipart) are never visible and nothing is left behind', { skip: pipMissing, timeout: 180_000 }, async () => {
    const token = wharf.admin.token;
    const session = await createSession(wharf, token, 'stage-cancel', '2.0');
    const small = wheel('stage-cancel', '2.0', 'py3-none-manylinux_2_17_x86_64');
    await uploadByPost(token, session, small);

    const big = await writeBigWheel(dir, { name: 'stage-cancel', version: '2.0', payloadBytes: 20 * MiB });
    assert.ok(big.size > 16 * MiB);
    const bigBytes = await readFile(big.path);
    const opened = await call(token, 'POST', session['links']['upload'], {
      meta: META, filename: big.filename, size: big.size, hashes: { sha256: big.sha256 }, mechanism: 'vnd-wharf-s3multipart-presigned',
    });
    assert.equal(opened.status, 202, JSON.stringify(opened.body));
    const mechanism = opened.body['mechanism'];
    assert.equal(mechanism['identifier'], 'vnd-wharf-s3multipart-presigned');
    assert.equal(mechanism['kind'], 'multipart');
    assert.equal(mechanism['part-count'], Math.ceil(big.size / (5 * MiB)));
    const parts: Json[] = [];
    for (const part of mechanism['parts'] as Json[]) {
      const put = await putBytes(part['url'], bigBytes.subarray(part['offset'], part['offset'] + part['size']));
      assert.equal(put.status, 200, put.text);
      parts.push({ 'part-number': part['part-number'], etag: put.etag });
    }
    const completed = await call(token, 'POST', opened.body['links']['complete'], { meta: META, parts });
    assert.equal(completed.status, 201, JSON.stringify(completed.body));

    const files = (await call(token, 'GET', session['links']['session'])).body['files'];
    assert.deepEqual(Object.keys(files).sort(), [big.filename, small.filename].sort());
    assert.ok((await stagedKeys(wharf)).length >= 2);
    const stagePage = await (await fetch(`${session['links']['stage']}stage-cancel/`)).text();
    assert.ok(stagePage.includes(big.filename) && stagePage.includes(small.filename));
    assert.deepEqual(await listed(wharf, 'stage-cancel'), []);
    assert.equal(await jsonApi(wharf, 'stage-cancel'), 404);

    const cancelled = await call(token, 'DELETE', session['links']['session']);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body['status'], 'canceled');
    assert.deepEqual(cancelled.body['files'], {});
    assert.equal(cancelled.body['links']['publish'], undefined);

    assert.deepEqual(await stagedKeys(wharf), [], 'cancelling removes every staged object');
    assert.equal((await fetch(session['links']['stage'])).status, 404);
    assert.deepEqual(await listed(wharf, 'stage-cancel'), []);
    assert.equal(await jsonApi(wharf, 'stage-cancel'), 404);
    const install = await pipInstall(wharf.indexUrl, 'stage-cancel==2.0', path.join(dir, 'cancelled'));
    assert.notEqual(install.code, 0);
    // A cancelled session takes nothing more, and its release (and name) are free again.
    assertProblem(await call(token, 'POST', session['links']['session'] + '/publish', { meta: META }), 409, /canceled/);
    const fresh = await createSession(wharf, token, 'stage-cancel', '2.0');
    assert.notEqual(fresh['session-token'], session['session-token']);

    // The big file, published this time through a fresh session, installs with its hash.
    const reopened = await call(token, 'POST', fresh['links']['upload'], {
      meta: META, filename: big.filename, size: big.size, hashes: { sha256: big.sha256 }, mechanism: 'vnd-wharf-s3multipart-presigned',
    });
    const again: Json[] = [];
    for (const part of reopened.body['mechanism']['parts'] as Json[]) {
      const put = await putBytes(part['url'], bigBytes.subarray(part['offset'], part['offset'] + part['size']));
      again.push({ 'part-number': part['part-number'], etag: put.etag });
    }
    assert.equal((await call(token, 'POST', reopened.body['links']['complete'], { meta: META, parts: again })).status, 201);
    assert.equal((await call(token, 'POST', fresh['links']['publish'], { meta: META })).status, 201);
    assert.deepEqual(await listed(wharf, 'stage-cancel'), [big.filename]);
    const requirements = path.join(dir, 'big-req.txt');
    await writeFile(requirements, `stage-cancel==2.0 --hash=sha256:${big.sha256}\n`);
    const installed = await pip([
      'install', '--no-cache-dir', '--no-deps', '--require-hashes', '--index-url', wharf.indexUrl,
      '--trusted-host', '127.0.0.1', '--trusted-host', 'localhost', '--target', path.join(dir, 'big'), '-r', requirements,
    ]);
    assert.equal(installed.code, 0, describeRun(installed));
  });

  test('http-post-bytes carries up to 4 MiB here; a larger file is refused up front, naming the S3 mechanism', async () => {
    const token = wharf.admin.token;
    const session = await createSession(wharf, token, 'post-limit', '1.0');
    const tooBig = await call(token, 'POST', session['links']['upload'], {
      meta: META, filename: 'post_limit-1.0-py3-none-any.whl', size: 4 * MiB + 1, hashes: { sha256: 'a'.repeat(64) }, mechanism: 'http-post-bytes',
    });
    assertProblem(tooBig, 422, /at most 4194304 bytes.*vnd-wharf-s3multipart-presigned/);
    const unknown = await call(token, 'POST', session['links']['upload'], {
      meta: META, filename: 'post_limit-1.0-py3-none-any.whl', size: 10, hashes: { sha256: 'a'.repeat(64) }, mechanism: 'vnd-acmecorp-postal',
    });
    assertProblem(unknown, 422, /no upload mechanism "vnd-acmecorp-postal"/);
    // The name of a 2025 revision of the draft is the same mechanism.
    const file = wheel('post-limit', '1.0');
    const opened = await call(token, 'POST', session['links']['upload'], {
      meta: META, filename: file.filename, size: file.bytes.byteLength, hashes: { sha256: file.sha256 }, mechanism: 'http-post-application-octet-stream',
    });
    assert.equal(opened.status, 202);
    assert.equal(opened.body['mechanism']['identifier'], 'http-post-application-octet-stream');
    // Bytes that are not the declared file fail the upload, which then must be deleted.
    const wrong = await postBytes(token, opened.body['mechanism']['file_url'], new Uint8Array(file.bytes.byteLength));
    assert.equal(wrong.status, 200);
    const failed = await call(token, 'POST', opened.body['links']['complete'], { meta: META });
    assertProblem(failed, 400, /sha256 mismatch/);
    assert.equal((await call(token, 'GET', opened.body['links']['file-upload-session'])).body['status'], 'error');
    assert.equal((await call(token, 'DELETE', session['links']['session'])).status, 200);
    assert.deepEqual(await stagedKeys(wharf), []);
  });

  test('refusals in the problem format: scope, other project, a file twice, publish unfinished, bad requests', async () => {
    const [reader, other, own] = await tokens(wharf, ['read:*'], ['upload:someone-else'], ['upload:refusals']);
    const admin = wharf.admin.token;
    // Without a token: 401 and how to authenticate.
    const anonymous = await call(undefined, 'POST', root(wharf), { meta: META, name: 'refusals', version: '1.0' });
    assertProblem(anonymous, 401, /./);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /Basic/);
    // A token without upload scope, and one for another project.
    assertProblem(await call(reader, 'POST', root(wharf), { meta: META, name: 'refusals', version: '1.0' }), 403, /upload/);
    assertProblem(await call(other, 'POST', root(wharf), { meta: META, name: 'refusals', version: '1.0' }), 403, /upload:refusals/);
    // The project exists (a first release by the admin); a project-scoped token may then add releases.
    const first = await createSession(wharf, admin, 'refusals', '0.1');
    await uploadByPost(admin, first, wheel('refusals', '0.1'));
    assert.equal((await call(admin, 'POST', first['links']['publish'], { meta: META })).status, 201);

    const session = await createSession(wharf, own!, 'refusals', '1.0');
    // Another project's token may not see or drive it, even with its URL.
    assertProblem(await call(other, 'GET', session['links']['session']), 403, /upload:refusals/);
    assertProblem(await call(other, 'DELETE', session['links']['session']), 403, /upload:refusals/);
    // A file of another project, or of another version, does not belong in it.
    const foreign = await call(own, 'POST', session['links']['upload'], {
      meta: META, filename: 'someone_else-1.0-py3-none-any.whl', size: 10, hashes: { sha256: 'a'.repeat(64) }, mechanism: 'http-post-bytes',
    });
    assertProblem(foreign, 400, /is a file of someone-else/);
    const otherVersion = await call(own, 'POST', session['links']['upload'], {
      meta: META, filename: 'refusals-2.0-py3-none-any.whl', size: 10, hashes: { sha256: 'a'.repeat(64) }, mechanism: 'http-post-bytes',
    });
    assertProblem(otherVersion, 400, /version 2\.0, but this publishing session is for refusals 1\.0/);
    // A request without meta, or with another major version.
    assertProblem(await call(own, 'POST', session['links']['upload'], { filename: 'x' }), 400, /"meta"/);
    assertProblem(await call(own, 'POST', root(wharf), { meta: { 'api-version': '3.0' }, name: 'refusals', version: '1.1' }), 400, /2\.0/);

    // The same file twice while its upload is pending: 409.
    const file = wheel('refusals', '1.0');
    const declaration = { meta: META, filename: file.filename, size: file.bytes.byteLength, hashes: { sha256: file.sha256 }, mechanism: 'http-post-bytes' };
    const opened = await call(own, 'POST', session['links']['upload'], declaration);
    assert.equal(opened.status, 202);
    assertProblem(await call(own, 'POST', session['links']['upload'], declaration), 409, /in this session already, and pending/);
    // Publish with that upload unfinished: 409 naming the file, and the session stays open.
    const early = await call(own, 'POST', session['links']['publish'], { meta: META });
    assertProblem(early, 409, /not completed/);
    assert.equal(early.body['errors'][0]['source'], file.filename);
    assert.equal((await call(own, 'GET', session['links']['session'])).body['status'], 'open');
    assert.deepEqual(await listed(wharf, 'refusals'), ['refusals-0.1-py3-none-any.whl']);

    // Finishing it and publishing works; a file deleted from the session leaves it.
    await postBytes(own!, opened.body['mechanism']['file_url'], file.bytes);
    assert.equal((await call(own, 'POST', opened.body['links']['complete'], { meta: META })).status, 201);
    const extra = sdist('refusals', '1.0');
    const extraSession = await uploadByPost(own!, session, extra);
    const deleted = await fetch(extraSession['links']['file-upload-session'], { method: 'DELETE', headers: { authorization: `Bearer ${own}` } });
    assert.equal(deleted.status, 204);
    assert.equal((await call(own, 'GET', extraSession['links']['file-upload-session'])).body['status'], 'canceled');
    assert.deepEqual(Object.keys((await call(own, 'GET', session['links']['session'])).body['files']), [file.filename]);
    assert.equal((await call(own, 'POST', session['links']['publish'], { meta: META })).status, 201);
    assert.deepEqual(await listed(wharf, 'refusals'), ['refusals-0.1-py3-none-any.whl', file.filename].sort());

    // A project-scoped token cannot open a first release of a new name.
    assertProblem(await call(own, 'POST', root(wharf), { meta: META, name: 'brand-new-name', version: '1.0' }), 403, /./);
  });

  test("a new name held by an open session's first release is taken by no other way in until the session ends", async () => {
    const [holder, rival] = await tokens(wharf, ['upload:*'], ['upload:*']);
    const session = await createSession(wharf, holder!, 'held-name', '1.0');
    const legacy = (token: string, version: string) =>
      fetch(`${wharf.url}/legacy/`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: twineWheelForm('held-name', version) });

    // twine's legacy upload with another token that may create projects: 409, saying what to do,
    // and not "already exists" (twine --skip-existing would take that for success).
    const refused = await legacy(rival!, '0.9');
    const message = await refused.text();
    assert.equal(refused.status, 409, message);
    assert.doesNotMatch(message, /already exist/i);
    assert.match(message, /held by an open publishing session/);
    assert.match(message, /wait until that session is published or cancelled/);
    // The first session API, and another Upload 2.0 session, the same.
    const file = wheel('held-name', '0.9');
    const first = await fetch(`${wharf.url}/upload/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rival}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: file.filename, size: file.bytes.byteLength, sha256: file.sha256, filetype: 'bdist_wheel' }),
    });
    assert.equal(first.status, 409, await first.text());
    assertProblem(await call(rival, 'POST', root(wharf), { meta: META, name: 'held-name', version: '0.9' }), 409, /held by an open publishing session|reserved by another open publishing session/);
    assert.deepEqual(await listed(wharf, 'held-name'), [], 'nothing of the refused uploads is listed');

    // The session itself publishes its first release.
    await uploadByPost(holder!, session, wheel('held-name', '1.0'));
    assert.equal((await call(holder, 'POST', session['links']['publish'], { meta: META })).status, 201);
    assert.deepEqual(await listed(wharf, 'held-name'), ['held_name-1.0-py3-none-any.whl']);
    // Once it is published, the project exists and the rival's token may add to it as to any.
    assert.equal((await legacy(rival!, '0.9')).status, 200);

    // A cancelled session lets the name go.
    const dropped = await createSession(wharf, holder!, 'dropped-name', '1.0');
    const blocked = await fetch(`${wharf.url}/legacy/`, { method: 'POST', headers: { authorization: `Bearer ${rival}` }, body: twineWheelForm('dropped-name', '1.0') });
    assert.equal(blocked.status, 409);
    assert.equal((await call(holder, 'DELETE', dropped['links']['session'])).status, 200);
    const after = await fetch(`${wharf.url}/legacy/`, { method: 'POST', headers: { authorization: `Bearer ${rival}` }, body: twineWheelForm('dropped-name', '1.0') });
    assert.equal(after.status, 200, await after.text());
  });
});

describe('an expired publishing session', () => {
  test('is cancelled with a notice, takes nothing more, and leaves nothing staged or listed', async () => {
    const wharf = await startWharf({ uploadSessions: { singlePutBytes: 6 * MiB, partBytes: 5 * MiB, sessionLifetimeSeconds: 2 } });
    try {
      const token = wharf.admin.token;
      const session = await createSession(wharf, token, 'stage-expire', '1.0');
      await uploadByPost(token, session, wheel('stage-expire', '1.0'));
      assert.equal((await stagedKeys(wharf)).length, 1);
      const expiresAt = Date.parse(session['expires-at']);
      while (Date.now() <= expiresAt + 50) await new Promise((resolve) => setTimeout(resolve, 200));

      const publish = await call(token, 'POST', session['links']['publish'], { meta: META });
      assertProblem(publish, 409, /expired at .* nothing of it was published/);
      const status = await call(token, 'GET', session['links']['session']);
      assert.equal(status.body['status'], 'canceled');
      assert.match(status.body['notices'][0], /expired/);
      assert.deepEqual(await stagedKeys(wharf), []);
      assert.deepEqual(await listed(wharf, 'stage-expire'), []);
      // The release is free again.
      await createSession(wharf, token, 'stage-expire', '1.0');
    } finally {
      await wharf.close();
    }
  });
});

describe('large sessions in the background', () => {
  test('a file over the inline size completes with 202 processing, and its session publishes with 202, both polled to the end', { timeout: 120_000 }, async () => {
    const wharf = await startWharf({ uploadSessions: { singlePutBytes: 6 * MiB, partBytes: 5 * MiB, inlineVerifyBytes: 8 * MiB } });
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-deferred-'));
    try {
      const token = wharf.admin.token;
      const big = await writeBigWheel(dir, { name: 'stage-deferred', version: '1.0', payloadBytes: 10 * MiB });
      const bytes = await readFile(big.path);
      const session = await createSession(wharf, token, 'stage-deferred', '1.0');
      const opened = await call(token, 'POST', session['links']['upload'], {
        meta: META, filename: big.filename, size: big.size, hashes: { sha256: big.sha256 }, mechanism: 'vnd-wharf-s3multipart-presigned',
      });
      const parts: Json[] = [];
      for (const part of opened.body['mechanism']['parts'] as Json[]) {
        const put = await putBytes(part['url'], bytes.subarray(part['offset'], part['offset'] + part['size']));
        parts.push({ 'part-number': part['part-number'], etag: put.etag });
      }
      const completed = await call(token, 'POST', opened.body['links']['complete'], { meta: META, parts });
      assert.equal(completed.status, 202, JSON.stringify(completed.body));
      assert.equal(completed.body['status'], 'processing');
      assert.ok(completed.headers.get('retry-after'));
      // Publishing while the file is processing: 409, the file named with its state.
      assertProblem(await call(token, 'POST', session['links']['publish'], { meta: META }), 409, /not completed/);
      let file = completed.body;
      while (file['status'] === 'processing') {
        await new Promise((resolve) => setTimeout(resolve, 200));
        file = (await call(token, 'GET', opened.body['links']['file-upload-session'])).body;
      }
      assert.equal(file['status'], 'completed');
      const published = await call(token, 'POST', session['links']['publish'], { meta: META });
      assert.equal(published.status, 202, JSON.stringify(published.body));
      assert.equal(published.body['status'], 'processing');
      assertProblem(await call(token, 'DELETE', session['links']['session']), 409, /being published/);
      let state = published.body;
      while (state['status'] === 'processing') {
        await new Promise((resolve) => setTimeout(resolve, 200));
        state = (await call(token, 'GET', session['links']['session'])).body;
      }
      assert.equal(state['status'], 'published');
      assert.deepEqual(await listed(wharf, 'stage-deferred'), [big.filename]);
      assert.deepEqual(await stagedKeys(wharf), []);
    } finally {
      await wharf.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('wharf publish over Upload 2.0', { skip: pipMissing }, () => {
  test('one publishing session per release: an sdist by http-post-bytes and a 20 MiB wheel by S3, verified and published in the background', { timeout: 240_000 }, async () => {
    // Over 8 MiB: the file is verified by the verifier (202, processing) and the session published by it too (202).
    const wharf = await startWharf({ uploadSessions: { singlePutBytes: 6 * MiB, partBytes: 5 * MiB, inlineVerifyBytes: 8 * MiB } });
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-publish-v2-'));
    try {
      const small = sdist('cli-release', '3.0');
      const smallPath = path.join(dir, small.filename);
      await writeFile(smallPath, small.bytes);
      const big = await writeBigWheel(dir, { name: 'cli-release', version: '3.0', payloadBytes: 20 * MiB });
      const other = wheel('cli-other', '1.0');
      const otherPath = path.join(dir, other.filename);
      await writeFile(otherPath, other.bytes);

      const cli = (...args: string[]) =>
        run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.indexUrl, ...args], {
          env: { ...process.env, WHARF_TOKEN: wharf.admin.token },
          cwd: REPO,
          timeoutMs: 200_000,
        });
      const published = await cli(smallPath, big.path, otherPath);
      assert.equal(published.code, 0, describeRun(published));
      assert.match(published.stdout, /cli-release 3\.0: publishing session .*2 files/);
      assert.match(published.stdout, new RegExp(`${small.filename}: published`));
      assert.match(published.stdout, new RegExp(`${big.filename}: published`));
      assert.match(published.stdout, /3 published, 0 already there, 0 skipped, 0 failed/);
      assert.deepEqual(await listed(wharf, 'cli-release'), [small.filename, big.filename].sort());
      assert.deepEqual(await listed(wharf, 'cli-other'), [other.filename]);
      assert.deepEqual(await stagedKeys(wharf), []);

      const again = await cli(smallPath, big.path);
      assert.equal(again.code, 0, describeRun(again));
      assert.match(again.stdout, /0 published, 2 already there, 0 skipped, 0 failed/);
    } finally {
      await wharf.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
