/**
 * The access matrix, against the local server: every endpoint × every kind of caller,
 * with the status each must get. Run on a private index (the deployed default), then the
 * differences on a public one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import { generateToken } from '../../lambdas/core/tokens.ts';
import { twineForm } from '../support/twine-form.ts';
import { strToU8, zipSync } from 'fflate';
import { createDynamoDbClient } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';

const SHA = 'a'.repeat(64);
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';

type Caller =
  | 'none'
  | 'bad'
  | 'expired'
  | 'revoked'
  | 'readOther'
  | 'read'
  | 'uploadOther'
  | 'upload'
  | 'admin';
const CALLERS: readonly Caller[] = ['none', 'bad', 'expired', 'revoked', 'readOther', 'read', 'uploadOther', 'upload', 'admin'];

interface Endpoint {
  readonly name: string;
  readonly method: string;
  readonly path: string | (() => string);
  readonly body?: unknown;
  /** A multipart body, made afresh for each call. */
  readonly form?: () => FormData;
  /** Expected status per caller. */
  readonly expect: Record<Caller, number>;
}

const DENIED = { none: 401, bad: 401, expired: 401, revoked: 401 } as const;
const uploadAcme = (ok: number) => ({ ...DENIED, readOther: 403, read: 403, uploadOther: 403, upload: ok, admin: ok });

/** A twine-shaped upload of a real wheel of `project` (which may not exist yet). */
function uploadForm(project: string, version: string): () => FormData {
  const module = project.replace(/-/g, '_');
  const di = `${module}-${version}.dist-info`;
  const bytes = zipSync({
    [`${module}/__init__.py`]: strToU8(''),
    [`${di}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: ${project}\nVersion: ${version}\n\n`),
    [`${di}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    [`${di}/RECORD`]: strToU8(''),
  });
  return () => twineForm(project, version, bytes, `${module}-${version}-py3-none-any.whl`);
}
const readAcme = (ok: number, otherwise = 403) => ({ ...DENIED, readOther: otherwise, read: ok, uploadOther: otherwise, upload: ok, admin: ok });
const anyValid = (ok: number) => ({ ...DENIED, readOther: ok, read: ok, uploadOther: ok, upload: ok, admin: ok });
const adminOnly = (ok: number) => ({ ...DENIED, readOther: 403, read: 403, uploadOther: 403, upload: 403, admin: ok });

async function seed(wharf: LocalWharf) {
  const dynamodb = createDynamoDbClient(wharf.stores);
  const metadata = new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName);
  const tokenStore = new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName);
  for (const project of ['acme-app', 'other-lib']) {
    const file: DistributionFile = {
      project,
      filename: `${project.replace('-', '_')}-1.0-py3-none-any.whl`,
      version: '1.0',
      packagetype: 'bdist_wheel',
      sha256: SHA,
      size: 3,
      uploadTime: '2026-11-01T00:00:00.000Z',
      metadataSha256: SHA,
    };
    await metadata.putFile(file);
    await metadata.putProject({ name: project, displayName: project, createdAt: file.uploadTime });
  }
  const admin = new TokenAdmin(tokenStore);
  const make = async (scopes: string[]) => (await admin.create({ scopes, createdBy: 'test' })).token;
  const revoked = await admin.create({ scopes: ['admin'], createdBy: 'test' });
  await admin.revoke(revoked.view.id, 'test');
  const expired = generateToken();
  await tokenStore.putToken({
    id: expired.id,
    secretHash: expired.secretHash,
    description: 'expired',
    createdBy: 'test',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
    scopes: ['admin'],
  });
  const victim = await admin.create({ scopes: ['read:*'], createdBy: 'test' });
  const tokens: Record<Caller, string | undefined> = {
    none: undefined,
    bad: generateToken().token,
    expired: expired.token,
    revoked: revoked.token,
    readOther: await make(['read:other-*']),
    read: await make(['read:acme-*']),
    uploadOther: await make(['upload:other-lib']),
    upload: await make(['upload:acme-app']),
    admin: await make(['admin']),
  };
  dynamodb.destroy();
  return { tokens, victimId: victim.view.id };
}

async function call(wharf: LocalWharf, endpoint: Endpoint, token: string | undefined, style: 'basic' | 'bearer' = 'basic') {
  const headers: Record<string, string> = { accept: JSON_V1 };
  if (token) {
    headers['authorization'] =
      style === 'basic' ? `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` : `Bearer ${token}`;
  }
  if (endpoint.body !== undefined) headers['content-type'] = 'application/json';
  const path = typeof endpoint.path === 'string' ? endpoint.path : endpoint.path();
  return fetch(`${wharf.url}${path}`, {
    method: endpoint.method,
    headers,
    redirect: 'manual',
    ...(endpoint.body !== undefined ? { body: JSON.stringify(endpoint.body) } : {}),
    ...(endpoint.form ? { body: endpoint.form() } : {}),
  });
}

describe('access matrix: private index (the deployed default)', () => {
  let wharf: LocalWharf;
  let tokens: Record<Caller, string | undefined>;
  let victimId: string;

  before(async () => {
    wharf = await startLocalWharf({ port: 0, publicRead: false });
    ({ tokens, victimId } = await seed(wharf));
  });
  after(async () => wharf?.close());

  const file = `/files/acme-app/${SHA}/acme_app-1.0-py3-none-any.whl`;
  const endpoints: Endpoint[] = [
    { name: 'root listing', method: 'GET', path: '/simple/', expect: anyValid(200) },
    { name: 'project page', method: 'GET', path: '/simple/acme-app/', expect: readAcme(200) },
    { name: 'project page (HEAD)', method: 'HEAD', path: '/simple/acme-app/', expect: readAcme(200) },
    { name: 'unnormalized project URL', method: 'GET', path: '/simple/Acme_App/', expect: readAcme(301) },
    // Same answers as for a project that exists: 403 (or 401) never tells whether it does.
    {
      name: 'missing project in read scope',
      method: 'GET',
      path: '/simple/acme-missing/',
      // upload:acme-app covers only acme-app; read:acme-* covers acme-missing.
      expect: { ...readAcme(404), upload: 403 },
    },
    { name: 'download', method: 'GET', path: file, expect: readAcme(302) },
    // The read function reads .metadata from S3 itself; the seeded file has no stored bytes,
    // so an allowed reader gets 404, and the others their 401/403 before anything is read.
    { name: '.metadata', method: 'GET', path: `${file}.metadata`, expect: readAcme(404) },
    { name: 'whoami', method: 'GET', path: '/api/whoami', expect: anyValid(200) },
    { name: 'list tokens', method: 'GET', path: '/api/tokens', expect: adminOnly(200) },
    { name: 'create token', method: 'POST', path: '/api/tokens', body: { scopes: ['read:acme-app'] }, expect: adminOnly(201) },
    { name: 'get token', method: 'GET', path: () => `/api/tokens/${victimId}`, expect: adminOnly(200) },
    { name: 'revoke token', method: 'DELETE', path: () => `/api/tokens/${victimId}`, expect: adminOnly(200) },
    { name: 'unknown API path', method: 'GET', path: '/api/nothing', expect: anyValid(404) },
    // Writes. The same file twice: upload creates it, admin gets "unchanged", both 200.
    { name: 'upload (twine, POST /legacy/)', method: 'POST', path: '/legacy/', form: uploadForm('acme-app', '2.0'), expect: uploadAcme(200) },
    // Only upload:* or admin may bring in a new project name; admin creates it.
    {
      name: 'upload creating a new project',
      method: 'POST',
      path: '/legacy/',
      form: uploadForm('acme-new', '1.0'),
      expect: { ...uploadAcme(200), upload: 403 },
    },
    { name: 'yank a release', method: 'POST', path: '/api/projects/acme-app/releases/2.0/yank', expect: uploadAcme(200) },
    { name: 'un-yank a release', method: 'POST', path: '/api/projects/acme-app/releases/2.0/unyank', expect: uploadAcme(200) },
    { name: 'delete a file (again: idempotent)', method: 'DELETE', path: '/api/projects/acme-app/files/acme_app-2.0-py3-none-any.whl', expect: uploadAcme(200) },
    {
      name: 'health',
      method: 'GET',
      path: '/health',
      expect: { none: 200, bad: 200, expired: 200, revoked: 200, readOther: 200, read: 200, uploadOther: 200, upload: 200, admin: 200 },
    },
    // PyPI's JSON API: the simple pages' rules, decided before anything is looked up.
    { name: 'JSON API project', method: 'GET', path: '/pypi/acme-app/json', expect: readAcme(200) },
    { name: 'JSON API release', method: 'GET', path: '/pypi/acme-app/1.0/json', expect: readAcme(200) },
    { name: 'JSON API unnormalized name', method: 'GET', path: '/pypi/Acme_App/json', expect: readAcme(301) },
    { name: 'JSON API missing project', method: 'GET', path: '/pypi/acme-missing/json', expect: { ...readAcme(404), upload: 403 } },
    { name: 'JSON API search', method: 'GET', path: '/pypi/-/search?q=acme', expect: anyValid(200) },
  ];

  for (const endpoint of endpoints) {
    test(`${endpoint.method} ${endpoint.name}`, async () => {
      const got: Record<string, number> = {};
      for (const caller of CALLERS) {
        const res = await call(wharf, endpoint, tokens[caller]);
        got[caller] = res.status;
        const body = await res.text();
        if (res.status === 401) {
          assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Wharf"', `${caller}: 401 carries the challenge`);
          if (endpoint.method !== 'HEAD') assert.match(body, /token|Authentication/i, `${caller}: 401 says why`);
        }
        if (res.status === 403 && endpoint.method !== 'HEAD') {
          assert.match(body, /needs the (scope|admin)/, `${caller}: 403 names the missing scope`);
        }
      }
      assert.deepEqual(got, endpoint.expect);
    });
  }

  test('Bearer works like Basic', async () => {
    const res = await call(wharf, endpoints[1]!, tokens.read, 'bearer');
    assert.equal(res.status, 200);
  });

  test('a 403 for a project out of scope reads the same whether it exists or not', async () => {
    const existing = await call(wharf, { ...endpoints[1]!, path: '/simple/acme-app/' }, tokens.readOther);
    const missing = await call(wharf, { ...endpoints[1]!, path: '/simple/acme-nothing/' }, tokens.readOther);
    assert.equal(existing.status, 403);
    assert.equal(missing.status, 403);
    assert.equal(
      (await existing.text()).replaceAll('acme-app', 'X'),
      (await missing.text()).replaceAll('acme-nothing', 'X'),
    );
  });

  test('the root listing shows only what the token may read', async () => {
    const list = async (caller: Caller) =>
      (JSON.parse(await (await call(wharf, endpoints[0]!, tokens[caller])).text()) as { projects: { name: string }[] }).projects.map((p) => p.name);
    assert.deepEqual(await list('readOther'), ['other-lib']);
    // acme-new was made by the admin's upload above; read:acme-* covers it, upload:acme-app not.
    assert.deepEqual(await list('read'), ['acme-app', 'acme-new']);
    assert.deepEqual(await list('upload'), ['acme-app']);
    assert.deepEqual(await list('admin'), ['acme-app', 'acme-new', 'other-lib']);
  });

  test('private pages may not be kept by shared caches', async () => {
    const res = await call(wharf, endpoints[1]!, tokens.read);
    assert.match(res.headers.get('cache-control') ?? '', /^private, /);
    assert.match(res.headers.get('vary') ?? '', /Authorization/);
  });

  test('a token made through the API works at once, and its secret is never listed', async () => {
    const created = (await (await call(wharf, endpoints[9]!, tokens.admin)).json()) as { token: string; id: string };
    const page = await call(wharf, { ...endpoints[1]!, path: '/simple/acme-app/' }, created.token);
    assert.equal(page.status, 200);
    const listed = await (await call(wharf, endpoints[8]!, tokens.admin)).text();
    assert.ok(listed.includes(created.id));
    assert.ok(!listed.includes(created.token));
    assert.ok(!listed.includes('secretHash'));
  });

  test('admin API input errors are 400 JSON with a message, and nothing is created', async () => {
    const before = ((await (await call(wharf, endpoints[8]!, tokens.admin)).json()) as { tokens: unknown[] }).tokens.length;
    for (const body of [{ scopes: [] }, { scopes: ['write:*'] }, { scopes: 'read:*' }, { scopes: ['read:*'], expiresAt: '2001-01-01T00:00:00Z' }, { scopes: ['read:*'], color: 'red' }]) {
      const res = await call(wharf, { ...endpoints[9]!, body }, tokens.admin);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(((await res.json()) as { error: string }).error, /\w+/);
    }
    const notJson = await fetch(`${wharf.url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'text/plain' },
      body: 'scopes=read',
    });
    assert.equal(notJson.status, 400);
    const after = ((await (await call(wharf, endpoints[8]!, tokens.admin)).json()) as { tokens: unknown[] }).tokens.length;
    assert.equal(after, before);
  });
});

describe('access matrix: public reads', () => {
  let wharf: LocalWharf;
  let tokens: Record<Caller, string | undefined>;

  before(async () => {
    wharf = await startLocalWharf({ port: 0, publicRead: true });
    ({ tokens } = await seed(wharf));
  });
  after(async () => wharf?.close());

  test('reads need no token, but a bad one is still refused; the admin API still needs admin', async () => {
    const cases: Array<[Endpoint, Partial<Record<Caller, number>>]> = [
      [{ name: 'page', method: 'GET', path: '/simple/acme-app/', expect: {} as never }, { none: 200, bad: 401, revoked: 401, readOther: 200, read: 200 }],
      [{ name: 'root', method: 'GET', path: '/simple/', expect: {} as never }, { none: 200, expired: 401, readOther: 200 }],
      [{ name: 'file', method: 'GET', path: `/files/other-lib/${SHA}/x-1.0.tar.gz`, expect: {} as never }, { none: 302, bad: 401 }],
      [{ name: 'tokens', method: 'GET', path: '/api/tokens', expect: {} as never }, { none: 401, read: 403, admin: 200 }],
    ];
    for (const [endpoint, expected] of cases) {
      for (const [caller, status] of Object.entries(expected) as [Caller, number][]) {
        const res = await call(wharf, endpoint, tokens[caller]);
        assert.equal(res.status, status, `${endpoint.name} as ${caller}`);
      }
    }
    const listing = (await (await call(wharf, { name: 'root', method: 'GET', path: '/simple/', expect: {} as never }, tokens.readOther)).json()) as {
      projects: unknown[];
    };
    assert.equal(listing.projects.length, 2, 'a public listing shows every project');
  });
});

describe('revocation with a warm cache', () => {
  test('a revoked token stops working once the cache time has passed', async () => {
    const wharf = await startLocalWharf({ port: 0, publicRead: false, authCacheSeconds: 1 });
    try {
      const api = (method: string, path: string, token: string, body?: unknown) =>
        fetch(`${wharf.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
      const created = (await (await api('POST', '/api/tokens', wharf.admin.token, { scopes: ['read:*'] })).json()) as { token: string; id: string };
      assert.equal((await api('GET', '/simple/', created.token)).status, 200); // now cached by the read function
      assert.equal((await api('DELETE', `/api/tokens/${created.id}`, wharf.admin.token)).status, 200);
      await new Promise((r) => setTimeout(r, 1100));
      const res = await api('GET', '/simple/', created.token);
      assert.equal(res.status, 401);
      assert.match(await res.text(), /revoked/);
    } finally {
      await wharf.close();
    }
  });
});
