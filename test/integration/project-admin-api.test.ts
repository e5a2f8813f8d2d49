/**
 * Yank, un-yank and delete as users do them: the /api/projects/ routes and the
 * `wharf yank|unyank|delete` command against a local Wharf, checked with real pip
 * (PEP 592: a yanked release is skipped unless pinned) and with the upload API (a
 * deleted filename is never accepted again).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { createDynamoDbClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { describeRun, pip, run } from '../support/processes.ts';

const CLI = ['--import', 'tsx', path.resolve('lambdas/cli/main.ts')];
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const PROJECT = 'yank-demo';

function wheel(version: string): { filename: string; bytes: Uint8Array } {
  const di = `yank_demo-${version}.dist-info`;
  const files = {
    'yank_demo/__init__.py': strToU8(`VERSION = "${version}"\n`),
    [`${di}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: yank-demo\nVersion: ${version}\nSummary: yank test\n\n`),
    [`${di}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
  };
  const record = Object.keys(files).map((f) => `${f},,`).join('\n') + `\n${di}/RECORD,,\n`;
  return { filename: `yank_demo-${version}-py3-none-any.whl`, bytes: zipSync({ ...files, [`${di}/RECORD`]: strToU8(record) }) };
}

async function upload(wharf: LocalWharf, token: string, file: { filename: string; bytes: Uint8Array }, version: string) {
  const form = new FormData();
  const fields: Record<string, string> = {
    ':action': 'file_upload',
    protocol_version: '1',
    name: PROJECT,
    version,
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadata_version: '2.1',
    sha256_digest: createHash('sha256').update(file.bytes).digest('hex'),
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('content', new Blob([file.bytes]), file.filename);
  return fetch(`${wharf.url}/legacy/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` },
    body: form,
  });
}

describe('yank, un-yank and delete', () => {
  let wharf: LocalWharf;
  let work: string;
  const tokens = { publisher: '', other: '', reader: '' };
  const api = (method: string, p: string, token?: string, body?: unknown) =>
    fetch(`${wharf.url}/api/projects/${p}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const page = async () =>
    (await (await fetch(`${wharf.indexUrl}${PROJECT}/`, { headers: { accept: JSON_V1 } })).json()) as {
      files: Array<{ filename: string; yanked: boolean | string }>;
      versions: string[];
    };
  const cli = (args: string[]) => run(process.execPath, [...CLI, ...args], { env: { ...process.env, WHARF_DATA_DIR: '' } });

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wharf-yank-'));
    wharf = await startLocalWharf({ port: 0 });
    const dynamodb = createDynamoDbClient(wharf.stores);
    const admin = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
    const creator = (await admin.create({ scopes: ['upload:*'], createdBy: 'test' })).token;
    for (const v of ['1.0', '2.0', '3.0']) assert.equal((await upload(wharf, creator, wheel(v), v)).status, 200);
    tokens.publisher = (await admin.create({ scopes: ['upload:yank-demo'], createdBy: 'test' })).token;
    tokens.other = (await admin.create({ scopes: ['upload:other-project'], createdBy: 'test' })).token;
    tokens.reader = (await admin.create({ scopes: ['read:*'], createdBy: 'test' })).token;
    dynamodb.destroy();
  });
  after(async () => {
    await wharf?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('only an upload token for the project (or admin) may yank; others get 401/403 and nothing changes', async () => {
    assert.equal((await api('POST', `${PROJECT}/releases/3.0/yank`)).status, 401);
    const reader = await api('POST', `${PROJECT}/releases/3.0/yank`, tokens.reader);
    assert.equal(reader.status, 403);
    assert.match(((await reader.json()) as { error: string }).error, /upload:yank-demo/);
    assert.equal((await api('POST', `${PROJECT}/releases/3.0/yank`, tokens.other)).status, 403);
    // The same 403 for a project that does not exist: nothing leaks.
    assert.equal((await api('POST', `no-such-project/releases/1.0/yank`, tokens.other)).status, 403);
    assert.ok((await page()).files.every((f) => f.yanked === false));
  });

  test('a yanked release is skipped by pip unless pinned (PEP 592), and un-yanking brings it back', async () => {
    const res = await api('POST', `${PROJECT}/releases/3.0/yank`, tokens.publisher, { reason: 'broken import' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { files: Array<{ filename: string; yanked: boolean; yankedReason: string }> };
    assert.deepEqual(body.files, [{ filename: 'yank_demo-3.0-py3-none-any.whl', version: '3.0', yanked: true, yankedReason: 'broken import' }]);
    const yanked = (await page()).files.find((f) => f.filename.includes('3.0'));
    assert.equal(yanked?.yanked, 'broken import');

    const latest = await pip(['download', '--no-cache-dir', '--no-deps', '--index-url', wharf.indexUrl, '-d', path.join(work, 'latest'), PROJECT]);
    assert.equal(latest.code, 0, describeRun(latest));
    assert.match(latest.stdout, /yank_demo-2\.0-py3-none-any\.whl/);
    const pinned = await pip(['download', '--no-cache-dir', '--no-deps', '--index-url', wharf.indexUrl, '-d', path.join(work, 'pinned'), `${PROJECT}==3.0`]);
    assert.equal(pinned.code, 0, describeRun(pinned));
    assert.match(pinned.stdout + pinned.stderr, /yanked.*broken import/is);

    assert.equal((await api('POST', `${PROJECT}/releases/3.0/unyank`, tokens.publisher)).status, 200);
    assert.ok((await page()).files.every((f) => f.yanked === false));
    const again = await pip(['download', '--no-cache-dir', '--no-deps', '--index-url', wharf.indexUrl, '-d', path.join(work, 'again'), PROJECT]);
    assert.match(again.stdout, /yank_demo-3\.0-py3-none-any\.whl/);
  });

  test('bad requests are 4xx with a message', async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', `${PROJECT}/releases/9.9/yank`, undefined, 404, /9\.9/],
      ['POST', `${PROJECT}/releases/not a version/yank`, undefined, 400, /PEP 440/],
      ['POST', `${PROJECT}/files/x.whl/yank`, undefined, 404, /x\.whl/],
      ['POST', `${PROJECT}/releases/1.0/yank`, { reason: 'a'.repeat(251) }, 400, /250/],
      ['POST', `${PROJECT}/releases/1.0/yank`, { reason: 'two\nlines' }, 400, /line|control/i],
      ['POST', `${PROJECT}/releases/1.0/yank`, { why: 'x' }, 400, /Unknown field/],
      ['POST', `${PROJECT}/releases/1.0/frobnicate`, undefined, 404, /yank/],
      ['DELETE', `${PROJECT}/things/1.0`, undefined, 404, /releases/],
    ];
    for (const [method, p, body, status, message] of cases) {
      const res = await api(method, p, tokens.publisher, body);
      assert.equal(res.status, status, `${method} ${p}`);
      assert.match(((await res.json()) as { error: string }).error, message, `${method} ${p}`);
    }
    assert.ok((await page()).files.every((f) => f.yanked === false), 'nothing changed');
  });

  test('deleting a file removes its bytes, leaves a tombstone, and its filename is never accepted again', async () => {
    const s3 = createS3Client(wharf.stores);
    const keys = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: `files/${PROJECT}/` }))).Contents ?? []).map((o) => o.Key!);
    try {
      assert.ok((await keys()).some((k) => k.endsWith('yank_demo-1.0-py3-none-any.whl')));
      const res = await api('DELETE', `${PROJECT}/files/yank_demo-1.0-py3-none-any.whl`, tokens.publisher);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { deleted: Array<{ filename: string; deletedBy: string }> };
      assert.equal(body.deleted[0]?.filename, 'yank_demo-1.0-py3-none-any.whl');
      assert.match(body.deleted[0]?.deletedBy ?? '', /^token:/);
      assert.ok(!(await page()).files.some((f) => f.filename.includes('1.0')));
      assert.ok(!(await keys()).some((k) => k.includes('yank_demo-1.0-')), 'bytes and .metadata gone');
      // Deleting again is a no-op success.
      assert.equal((await api('DELETE', `${PROJECT}/files/yank_demo-1.0-py3-none-any.whl`, tokens.publisher)).status, 200);

      const reupload = await upload(wharf, tokens.publisher, wheel('1.0'), '1.0');
      assert.equal(reupload.status, 400);
      assert.match(await reupload.text(), /deleted/);
      assert.doesNotMatch(await (await upload(wharf, tokens.publisher, wheel('1.0'), '1.0')).text(), /already exist/i);
      assert.ok(!(await page()).files.some((f) => f.filename.includes('1.0')), 'still not listed');
    } finally {
      s3.destroy();
    }
  });

  test('wharf yank/unyank/delete over --url, and delete asks for --yes', async () => {
    const yank = await cli(['yank', PROJECT, '2.0', '--reason', 'CVE-2026-1', '--url', wharf.url, '--token', tokens.publisher]);
    assert.equal(yank.code, 0, describeRun(yank));
    assert.match(yank.stdout, /Yanked in .*\n\s+yank_demo-2\.0-py3-none-any\.whl \(reason: CVE-2026-1\)/);
    assert.equal((await page()).files.find((f) => f.filename.includes('2.0'))?.yanked, 'CVE-2026-1');

    const unyank = await cli(['unyank', PROJECT, '--file', 'yank_demo-2.0-py3-none-any.whl', '--url', wharf.url, '--token', tokens.publisher, '--json']);
    assert.equal(unyank.code, 0, describeRun(unyank));
    assert.equal((JSON.parse(unyank.stdout) as { files: Array<{ yanked: boolean }> }).files[0]?.yanked, false);

    const unconfirmed = await cli(['delete', PROJECT, '2.0', '--url', wharf.url, '--token', tokens.publisher]);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--yes/);
    assert.ok((await page()).files.some((f) => f.filename.includes('2.0')));

    const refused = await cli(['delete', PROJECT, '2.0', '--yes', '--url', wharf.url, '--token', tokens.reader]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /answered 403: .*upload:yank-demo/);

    const deleted = await cli(['delete', PROJECT, '2.0', '--yes', '--url', wharf.url, '--token', tokens.publisher]);
    assert.equal(deleted.code, 0, describeRun(deleted));
    assert.match(deleted.stdout, /Deleted in .*\n\s+yank_demo-2\.0-py3-none-any\.whl/);
    assert.deepEqual((await page()).versions, ['3.0']);

    const usage = await cli(['yank', PROJECT]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /either a VERSION or --file/);
  });
});

describe('wharf yank on the local data directory', () => {
  test('with no server running, the command opens the data directory itself', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-yank-local-'));
    try {
      const wharf = await startLocalWharf({ port: 0, dataDir: dir });
      const dynamodb = createDynamoDbClient(wharf.stores);
      const token = (await new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName)).create({ scopes: ['upload:*'], createdBy: 't' })).token;
      dynamodb.destroy();
      assert.equal((await upload(wharf, token, wheel('1.0'), '1.0')).status, 200);
      await wharf.close();

      const r = await run(process.execPath, [...CLI, 'yank', PROJECT, '1.0', '--data-dir', dir, '--reason', 'offline'], {
        env: { ...process.env, WHARF_DATA_DIR: '' },
      });
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, /local data directory/);

      const again = await startLocalWharf({ port: 0, dataDir: dir });
      try {
        const json = (await (await fetch(`${again.indexUrl}${PROJECT}/`, { headers: { accept: JSON_V1 } })).json()) as {
          files: Array<{ yanked: string }>;
        };
        assert.equal(json.files[0]?.yanked, 'offline');
      } finally {
        await again.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
