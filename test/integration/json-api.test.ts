/**
 * PyPI's JSON API and the search against a local Wharf, as tools use them: Debian's twine
 * publishes wheels and an sdist, then `/pypi/NAME/json` and `/pypi/NAME/VERSION/json` must
 * say what was uploaded (sha256 of the very bytes, sizes, upload times, the metadata
 * fields), follow yanks and deletes on the next request, and a private index must refuse
 * or filter exactly as it does for /simple/.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import type { WarehouseProjectJson, WarehouseReleaseJson } from '../../lambdas/core/warehouse-json.ts';
import type { SearchPage } from '../../lambdas/core/project-search.ts';
import { createDynamoDbClient } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildSdist, buildWheel, sdistFilename, wheelFilename, type WheelOptions } from '../support/dist-builder.ts';
import { cleanEnv, describeRun, missingTool, run } from '../support/processes.ts';
import { twineForm } from '../support/twine-form.ts';

const scratch = await mkdtemp(path.join(tmpdir(), 'wharf-json-api-'));
after(() => rm(scratch, { recursive: true, force: true }));

function twineEnv(): NodeJS.ProcessEnv {
  const home = path.join(scratch, 'home');
  return cleanEnv({ HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring', NO_COLOR: '1', TERM: 'dumb', NO_PROXY: '127.0.0.1,localhost' });
}
const missingTwine = await missingTool(async () => {
  const r = await run('twine', ['--version'], { env: twineEnv() });
  if (r.code !== 0) throw new Error(describeRun(r));
}, "Debian's twine (apt-get install -y twine)");

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const DESCRIPTION = '# Json Demo\n\nA *markdown* README with `code`.\n';
const META_10: WheelOptions = {
  name: 'Json.Demo',
  version: '1.0',
  headers: [
    ['Summary', 'Shows the JSON API'],
    ['Home-page', 'https://example.org/json-demo'],
    ['Author', 'Ada Lovelace'],
    ['Author-email', 'ada@example.org'],
    ['License', 'MIT'],
    ['Keywords', 'json,api,demo'],
    ['Classifier', 'Programming Language :: Python :: 3'],
    ['Classifier', 'License :: OSI Approved :: MIT License'],
    ['Requires-Python', '>=3.9'],
    ['Requires-Dist', 'idna>=3'],
    ['Requires-Dist', 'rich; extra == "cli"'],
    ['Provides-Extra', 'cli'],
    ['Project-URL', 'Source, https://git.example.org/json-demo'],
    ['Project-URL', 'Homepage, https://example.org/json-demo'],
    ['Description-Content-Type', 'text/markdown'],
  ],
  description: DESCRIPTION,
};

interface Built {
  readonly filename: string;
  readonly bytes: Uint8Array;
}

async function fetchJson<T>(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

async function tokenFor(wharf: LocalWharf, scopes: string[]): Promise<string> {
  const dynamodb = createDynamoDbClient(wharf.stores);
  try {
    return (await new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName)).create({ scopes, createdBy: 'test' })).token;
  } finally {
    dynamodb.destroy();
  }
}

/** POST /legacy/ as twine does, for the many small projects of the search tests. */
async function publish(wharf: LocalWharf, token: string, name: string, version: string, summary: string): Promise<void> {
  const options = { name, version, headers: [['Summary', summary]] as const };
  const res = await fetch(`${wharf.url}/legacy/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` },
    body: twineForm(name, version, buildWheel(options), wheelFilename(options)),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('the JSON API after a real twine upload', { skip: missingTwine ?? false }, () => {
  let wharf: LocalWharf;
  let token: string;
  const built: Record<string, Built> = {};
  let before10 = '';
  let after10 = '';

  before(async () => {
    wharf = await startLocalWharf({ port: 0 });
    token = await tokenFor(wharf, ['upload:*']);
    const dist = path.join(scratch, 'dist');
    await mkdir(dist, { recursive: true });
    const make = (key: string, filename: string, bytes: Uint8Array) => {
      built[key] = { filename, bytes };
      return writeFile(path.join(dist, filename), bytes);
    };
    await make('wheel10', wheelFilename(META_10), buildWheel(META_10));
    await make('sdist10', sdistFilename(META_10), buildSdist(META_10));
    const twine = (files: string[]) =>
      run('twine', ['upload', '--disable-progress-bar', '--non-interactive', '--repository-url', `${wharf.url}/legacy/`, '-u', '__token__', '-p', token, ...files], { env: twineEnv() });
    before10 = new Date().toISOString();
    const first = await twine([path.join(dist, built.wheel10!.filename), path.join(dist, built.sdist10!.filename)]);
    assert.equal(first.code, 0, describeRun(first));
    after10 = new Date().toISOString();
    for (const version of ['2.0', '2.1rc1']) {
      const options: WheelOptions = { name: 'Json.Demo', version, headers: [['Summary', `Release ${version}`], ['Requires-Python', '>=3.10']] };
      await make(`wheel${version}`, wheelFilename(options), buildWheel(options));
      const r = await twine([path.join(dist, built[`wheel${version}`]!.filename)]);
      assert.equal(r.code, 0, describeRun(r));
    }
  });
  after(() => wharf?.close());

  test('/pypi/NAME/json: the latest final release in info, every file with the sha256 and size of the bytes uploaded', async () => {
    const { status, headers, body } = await fetchJson<WarehouseProjectJson>(`${wharf.url}/pypi/json-demo/json`);
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'application/json');
    assert.equal(headers.get('access-control-allow-origin'), '*');
    assert.equal(headers.get('x-pypi-last-serial'), String(body.last_serial));
    assert.equal(body.info.name, 'Json.Demo');
    assert.equal(body.info.version, '2.0', 'the highest final release, not 2.1rc1');
    assert.equal(body.info.summary, 'Release 2.0');
    assert.deepEqual(Object.keys(body.releases).sort(), ['1.0', '2.0', '2.1rc1']);
    assert.deepEqual(body.urls.map((u) => u.filename), [built['wheel2.0']!.filename]);
    assert.deepEqual(body.vulnerabilities, []);

    const files10 = body.releases['1.0']!;
    assert.deepEqual(files10.map((f) => f.filename).sort(), [built.sdist10!.filename, built.wheel10!.filename].sort());
    for (const f of files10) {
      const local = f.packagetype === 'sdist' ? built.sdist10! : built.wheel10!;
      assert.equal(f.digests.sha256, sha256(local.bytes));
      assert.equal(f.size, local.bytes.byteLength);
      assert.equal(f.python_version, f.packagetype === 'sdist' ? 'source' : 'py3');
      assert.ok(f.upload_time_iso_8601 >= before10 && f.upload_time_iso_8601 <= after10, `${f.upload_time_iso_8601} within the upload`);
      assert.equal(f.upload_time, f.upload_time_iso_8601.slice(0, 19));
      assert.equal(f.requires_python, '>=3.9');
      assert.equal(f.yanked, false);
      assert.equal(f.yanked_reason, null);
      assert.ok(f.url.startsWith(`${wharf.url}/files/json-demo/${f.digests.sha256}/`), f.url);
    }
    // The URL is Wharf's own download: following it gives the very bytes.
    const wheel = files10.find((f) => f.packagetype === 'bdist_wheel')!;
    const download = await fetch(wheel.url);
    assert.equal(download.status, 200);
    assert.equal(sha256(new Uint8Array(await download.arrayBuffer())), wheel.digests.sha256);
    assert.deepEqual(wheel['core-metadata'], { sha256: (wheel['core-metadata'] as { sha256: string }).sha256 });
    const metadata = await fetch(`${wheel.url}.metadata`);
    assert.equal(sha256(new Uint8Array(await metadata.arrayBuffer())), (wheel['core-metadata'] as { sha256: string }).sha256);
  });

  test('/pypi/NAME/VERSION/json: that release\'s metadata field by field, as the METADATA says it', async () => {
    const { status, body } = await fetchJson<WarehouseReleaseJson>(`${wharf.url}/pypi/json-demo/1.0.0/json`);
    assert.equal(status, 200);
    assert.equal('releases' in body, false);
    const info = body.info;
    assert.equal(info.version, '1.0');
    assert.equal(info.summary, 'Shows the JSON API');
    assert.equal(info.description, DESCRIPTION);
    assert.equal(info.description_content_type, 'text/markdown');
    assert.equal(info.author, 'Ada Lovelace');
    assert.equal(info.author_email, 'ada@example.org');
    assert.equal(info.license, 'MIT');
    assert.equal(info.keywords, 'json, api, demo', 'as Warehouse joins the keywords packaging splits');
    assert.deepEqual(info.classifiers, ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License']);
    assert.equal(info.requires_python, '>=3.9');
    assert.deepEqual(info.requires_dist, ['idna>=3', 'rich; extra == "cli"']);
    assert.deepEqual(info.provides_extra, ['cli']);
    assert.equal(info.home_page, 'https://example.org/json-demo');
    // Warehouse's Release.urls: Homepage first, the Project-URL repeating it left out.
    assert.deepEqual(info.project_urls, { Homepage: 'https://example.org/json-demo', Source: 'https://git.example.org/json-demo' });
    assert.equal(info.package_url, `${wharf.url}/project/json-demo/`);
    assert.equal(info.release_url, `${wharf.url}/project/json-demo/1.0/`);
    assert.equal(info.yanked, false);
    assert.equal(body.urls.length, 2);

    const slash = await fetchJson<WarehouseReleaseJson>(`${wharf.url}/pypi/json-demo/1.0/json/`);
    assert.equal(slash.status, 200);
    assert.deepEqual(slash.body, body);
  });

  test('names are redirected to the normalized URL; unknown projects and releases are a JSON 404', async () => {
    const redirect = await fetch(`${wharf.url}/pypi/Json_Demo/json`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/pypi/json-demo/json');
    const versioned = await fetch(`${wharf.url}/pypi/JSON.demo/2.0/json/`, { redirect: 'manual' });
    assert.equal(versioned.headers.get('location'), '/pypi/json-demo/2.0/json/');

    const missing = await fetchJson<{ message: string }>(`${wharf.url}/pypi/no-such-project/json`);
    assert.equal(missing.status, 404);
    assert.match(missing.body.message, /no-such-project/);
    const release = await fetchJson<{ message: string }>(`${wharf.url}/pypi/json-demo/9.9/json`);
    assert.equal(release.status, 404);
    assert.match(release.body.message, /no release 9\.9; its latest is 2\.0/);
    const head = await fetch(`${wharf.url}/pypi/json-demo/json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'application/json');
  });

  test('ETag and 304 until a yank, which the next request shows with its reason; a deleted file is gone', async () => {
    const first = await fetch(`${wharf.url}/pypi/json-demo/json`);
    const etag = first.headers.get('etag')!;
    assert.ok(etag);
    assert.equal(first.headers.get('cache-control'), (await fetch(`${wharf.indexUrl}json-demo/`)).headers.get('cache-control'));
    assert.equal((await fetch(`${wharf.url}/pypi/json-demo/json`, { headers: { 'if-none-match': etag } })).status, 304);

    const admin = (method: string, p: string, body?: unknown) =>
      fetch(`${wharf.url}/api/projects/json-demo/${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    assert.equal((await admin('POST', 'releases/2.0/yank', { reason: 'broken on Windows, use 1.0' })).status, 200);

    const yanked = await fetch(`${wharf.url}/pypi/json-demo/json`, { headers: { 'if-none-match': etag } });
    assert.equal(yanked.status, 200, 'the yank changed the document');
    const doc = (await yanked.json()) as WarehouseProjectJson;
    assert.equal(doc.info.version, '1.0', 'a yanked release is not the latest');
    assert.equal(doc.releases['2.0']![0]!.yanked, true);
    assert.equal(doc.releases['2.0']![0]!.yanked_reason, 'broken on Windows, use 1.0');
    const two = (await fetchJson<WarehouseReleaseJson>(`${wharf.url}/pypi/json-demo/2.0/json`)).body;
    assert.equal(two.info.yanked, true);
    assert.equal(two.info.yanked_reason, 'broken on Windows, use 1.0');

    assert.equal((await admin('DELETE', `files/${built.sdist10!.filename}`)).status, 200);
    const deleted = (await fetchJson<WarehouseProjectJson>(`${wharf.url}/pypi/json-demo/json`)).body;
    assert.deepEqual(deleted.releases['1.0']!.map((f) => f.filename), [built.wheel10!.filename]);
    assert.ok(deleted.last_serial > doc.last_serial);
    assert.equal((await admin('POST', 'releases/2.0/unyank')).status, 200);
    assert.equal((await fetchJson<WarehouseProjectJson>(`${wharf.url}/pypi/json-demo/json`)).body.info.version, '2.0');
  });

  test('search by name and summary, ranked exact > prefix > substring > summary, paged', async () => {
    for (const [name, summary] of [
      ['json', 'The plain one'],
      ['jsonschema-lite', 'Validates documents'],
      ['fast-json', 'Speedy parsing'],
      ['yaml-tool', 'Reads YAML and JSON'],
      ['unrelated', 'Nothing to see'],
    ] as const) {
      await publish(wharf, token, name, '0.1', summary);
    }
    const search = (q: string, extra = '') => fetchJson<SearchPage>(`${wharf.url}/pypi/-/search?q=${encodeURIComponent(q)}${extra}`);
    const { status, body } = await search('JSON');
    assert.equal(status, 200);
    assert.deepEqual(body.results.map((r) => r.name), ['json', 'json-demo', 'jsonschema-lite', 'fast-json', 'yaml-tool']);
    assert.equal(body.total, 5);
    const demo = body.results[1]!;
    assert.deepEqual([demo.displayName, demo.version, demo.summary], ['Json.Demo', '2.0', 'Release 2.0']);
    const page2 = await search('json', '&page=2&page_size=2');
    assert.deepEqual(page2.body.results.map((r) => r.name), ['jsonschema-lite', 'fast-json']);
    assert.equal(page2.body.pageCount, 3);
    assert.deepEqual((await search('speedy')).body.results.map((r) => r.name), ['fast-json']);
    const bad = await fetchJson<{ message: string }>(`${wharf.url}/pypi/-/search?q=json&page=zero`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /whole number/);
  });
});

describe('the JSON API of a private index', () => {
  let wharf: LocalWharf;
  let scoped: string;

  before(async () => {
    wharf = await startLocalWharf({ port: 0, publicRead: false });
    const uploader = await tokenFor(wharf, ['upload:*']);
    for (const [name, summary] of [
      ['team-alpha', 'Alpha tools'],
      ['team-beta', 'Beta tools'],
      ['secret-gamma', 'Team tools nobody else may see'],
    ] as const) {
      await publish(wharf, uploader, name, '1.0', summary);
    }
    scoped = await tokenFor(wharf, ['read:team-*']);
  });
  after(() => wharf?.close());

  const as = (token?: string): RequestInit => ({
    redirect: 'manual',
    headers: token ? { authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` } : {},
  });

  test('no credentials: 401 with a JSON message and a Basic challenge, whether the project exists or not', async () => {
    for (const p of ['/pypi/team-alpha/json', '/pypi/no-such/json', '/pypi/team-alpha/1.0/json', '/pypi/-/search?q=team']) {
      const res = await fetchJson<{ message: string }>(`${wharf.url}${p}`, as());
      assert.equal(res.status, 401, p);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
      assert.match(res.body.message, /Authentication required/);
    }
  });

  test('a scoped token reads its projects, gets the same 403 for others whether they exist or not', async () => {
    const ok = await fetchJson<WarehouseProjectJson>(`${wharf.url}/pypi/team-alpha/json`, as(scoped));
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('cache-control') ?? '', /^private/);
    assert.match(ok.headers.get('vary') ?? '', /Authorization/);
    assert.equal(ok.headers.get('access-control-allow-origin'), null);
    const secret = await fetchJson<{ message: string }>(`${wharf.url}/pypi/secret-gamma/json`, as(scoped));
    const absent = await fetchJson<{ message: string }>(`${wharf.url}/pypi/secret-nothing/json`, as(scoped));
    assert.equal(secret.status, 403);
    assert.equal(absent.status, 403);
    assert.equal(secret.body.message.replaceAll('secret-gamma', 'X'), absent.body.message.replaceAll('secret-nothing', 'X'));
  });

  test('search shows a scoped token only what it may read: not in results, nor in the count', async () => {
    const tools = await fetchJson<SearchPage>(`${wharf.url}/pypi/-/search?q=tools`, as(scoped));
    assert.equal(tools.status, 200);
    assert.deepEqual(tools.body.results.map((r) => r.name), ['team-beta', 'team-alpha'], 'same rank: the shorter name first');
    assert.equal(tools.body.total, 2);
    const gamma = await fetchJson<SearchPage>(`${wharf.url}/pypi/-/search?q=gamma`, as(scoped));
    assert.equal(gamma.body.total, 0);
    const all = await fetchJson<SearchPage>(`${wharf.url}/pypi/-/search?q=tools`, as(await tokenFor(wharf, ['read:*'])));
    assert.equal(all.body.total, 3);
  });
});
