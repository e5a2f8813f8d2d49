/** PEP 792 project status: the rules, the pages, downloads, uploads and the admin API, against in-memory stores. */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { type Zippable, strToU8, zipSync } from 'fflate';

import { Ingest } from '../../lambdas/app/ingest.ts';
import { ProjectAdmin } from '../../lambdas/app/project-admin.ts';
import { ForbiddenError, InvalidInputError, NotFoundError, ProjectStatusError } from '../../lambdas/core/errors.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import { hostedProjectPage } from '../../lambdas/core/page-model.ts';
import { MAX_STATUS_REASON_LENGTH, parseStatusMarker, uploadRefusal } from '../../lambdas/core/project-status.ts';
import { renderPageHtml, renderPageJson } from '../../lambdas/core/simple-pages.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import { createWriteFunction } from '../../lambdas/functions/write-function.ts';
import type { WharfLambdaHandler } from '../../lambdas/http/lambda-handler.ts';
import { MemoryBlobStore, MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';

const SHA = 'e'.repeat(64);
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';

const file = (version: string): DistributionFile => ({
  project: 'demo-pkg',
  filename: `demo_pkg-${version}-py3-none-any.whl`,
  version,
  packagetype: 'bdist_wheel',
  sha256: SHA,
  size: 10,
  uploadTime: '2026-11-01T00:00:00.000Z',
});

function event(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: init.headers ?? {},
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'x',
      domainPrefix: 'x',
      http: { method: init.method ?? 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: false,
  };
}
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

function makeWheel(version: string): { filename: string; bytes: Uint8Array } {
  const distInfo = `demo_pkg-${version}.dist-info`;
  const zippable: Zippable = {
    'demo_pkg/__init__.py': strToU8(`V = ${JSON.stringify(version)}\n`),
    [`${distInfo}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: demo-pkg\nVersion: ${version}\n`),
    [`${distInfo}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    [`${distInfo}/RECORD`]: strToU8(''),
  };
  return { filename: `demo_pkg-${version}-py3-none-any.whl`, bytes: zipSync(zippable) };
}

describe('project status rules (PEP 792)', () => {
  test('the four statuses, with a reason trimmed to one line of at most 250 characters', () => {
    assert.deepEqual(parseStatusMarker('archived', '  done  '), { status: 'archived', reason: 'done' });
    assert.deepEqual(parseStatusMarker('quarantined', ''), { status: 'quarantined' });
    assert.deepEqual(parseStatusMarker('deprecated', undefined), { status: 'deprecated' });
    assert.deepEqual(parseStatusMarker('active', null), { status: 'active' });
    assert.throws(() => parseStatusMarker('retired', undefined), /"retired" is not a project status: use one of active, archived, quarantined, deprecated/);
    assert.throws(() => parseStatusMarker('Archived', undefined), InvalidInputError);
    assert.throws(() => parseStatusMarker('archived', 'two\nlines'), /single line/);
    assert.throws(() => parseStatusMarker('archived', 7), /must be a string/);
    assert.throws(() => parseStatusMarker('archived', 'x'.repeat(MAX_STATUS_REASON_LENGTH + 1)), /at most 250/);
    assert.doesNotThrow(() => parseStatusMarker('archived', 'x'.repeat(MAX_STATUS_REASON_LENGTH)));
  });

  test('archived and quarantined refuse uploads with the reason and what to do; active and deprecated take them', () => {
    assert.equal(uploadRefusal('p', undefined), undefined);
    assert.equal(uploadRefusal('p', { status: 'active' }), undefined);
    assert.equal(uploadRefusal('p', { status: 'deprecated', reason: 'use q' }), undefined);
    const archived = uploadRefusal('p', { status: 'archived', reason: 'done' });
    assert.ok(archived instanceof ProjectStatusError && archived instanceof ForbiddenError);
    assert.match(archived.message, /^Upload refused: p is archived \(reason: done\)\. .*wharf project status p active/);
    assert.doesNotMatch(archived.message, /already exist/i, 'twine must not take it for an existing file');
    assert.match(uploadRefusal('p', { status: 'quarantined' })!.message, /^Upload refused: p is quarantined\. A quarantined project takes no files/);
  });
});

describe('pages with a status', () => {
  const hosted = { name: 'demo-pkg', displayName: 'Demo.Pkg', files: [file('1.0'), file('1.1')] };

  test('active: api-version 1.4, the status meta tag and JSON key, every file', () => {
    const html = renderPageHtml(hostedProjectPage(hosted));
    assert.match(html, /<meta name="pypi:repository-version" content="1\.4">\n    <meta name="pypi:project-status" content="active">\n    <title>/);
    assert.doesNotMatch(html, /project-status-reason/);
    assert.equal((html.match(/<a href=/g) ?? []).length, 2);
    const json = JSON.parse(renderPageJson(hostedProjectPage(hosted)));
    assert.deepEqual(json.meta, { 'api-version': '1.4' });
    assert.deepEqual(json['project-status'], { status: 'active' });
    assert.deepEqual(json.versions, ['1.0', '1.1']);
    assert.equal(json.files.length, 2);
  });

  test('archived and deprecated: the status and its reason (escaped), files still listed', () => {
    for (const status of ['archived', 'deprecated'] as const) {
      const page = hostedProjectPage({ ...hosted, status: { status, reason: 'use "other" <now> & later' } });
      const html = renderPageHtml(page);
      assert.match(html, new RegExp(`<meta name="pypi:project-status" content="${status}">`));
      assert.match(html, /<meta name="pypi:project-status-reason" content="use &quot;other&quot; &lt;now&gt; &amp; later">/);
      assert.equal((html.match(/<a href=/g) ?? []).length, 2);
      const json = JSON.parse(renderPageJson(page));
      assert.deepEqual(json['project-status'], { status, reason: 'use "other" <now> & later' });
      assert.equal(json.files.length, 2);
    }
  });

  test('quarantined: the page says so and offers no file and no version', () => {
    const page = hostedProjectPage({ ...hosted, status: { status: 'quarantined', reason: 'malware' } });
    const html = renderPageHtml(page);
    assert.match(html, /<meta name="pypi:project-status" content="quarantined">/);
    assert.match(html, /<meta name="pypi:project-status-reason" content="malware">/);
    assert.doesNotMatch(html, /<a /);
    const json = JSON.parse(renderPageJson(page));
    assert.deepEqual(json, {
      meta: { 'api-version': '1.4' },
      name: 'demo-pkg',
      'project-status': { status: 'quarantined', reason: 'malware' },
      versions: [],
      files: [],
    });
  });

  test('a page without a status (an upstream\'s) keeps api-version 1.1, or 1.0 without PEP 700 fields', () => {
    const upstream = { name: 'up', displayName: 'up', links: [{ filename: 'up-1.0.tar.gz', href: 'x', sha256: SHA, size: 1 }], versions: ['1.0'] };
    assert.equal(JSON.parse(renderPageJson(upstream)).meta['api-version'], '1.1');
    assert.equal(JSON.parse(renderPageJson({ ...upstream, versions: undefined })).meta['api-version'], '1.0');
    assert.match(renderPageHtml(upstream), /content="1\.1"/);
    assert.doesNotMatch(renderPageHtml(upstream), /project-status/);
  });
});

describe('status through the read function', () => {
  let metadata: MemoryMetadataStore;
  let handler: WharfLambdaHandler;
  const call = (path: string, headers: Record<string, string> = {}) => handler(event(path, { headers }), context);

  beforeEach(async () => {
    metadata = new MemoryMetadataStore();
    const blobs = new MemoryBlobStore();
    handler = createReadFunction({
      metadata,
      signer: blobs,
      tokens: new MemoryTokenStore(),
      config: { pageCacheControl: 'max-age=42', signingWindowSeconds: 300, publicRead: true, authCacheSeconds: 30 },
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    await metadata.putFile(file('1.0'));
    await metadata.putProject({ name: 'demo-pkg', displayName: 'Demo.Pkg', createdAt: '2026-11-01T00:00:00.000Z' });
  });

  test('a kept page sees a status change on the very next request, and a quarantine stops downloads at once', async () => {
    const download = `/files/demo-pkg/${SHA}/demo_pkg-1.0-py3-none-any.whl`;
    const first = await call('/simple/demo-pkg/', { accept: JSON_V1 });
    assert.deepEqual(JSON.parse(String(first.body))['project-status'], { status: 'active' });
    assert.equal((await call(download)).statusCode, 302);

    await metadata.setProjectStatus('demo-pkg', { status: 'quarantined', reason: 'malware in 1.0' });
    const quarantined = await call('/simple/demo-pkg/', { accept: JSON_V1 });
    assert.notEqual(quarantined.headers?.['etag'], first.headers?.['etag']);
    const json = JSON.parse(String(quarantined.body));
    assert.deepEqual(json['project-status'], { status: 'quarantined', reason: 'malware in 1.0' });
    assert.deepEqual(json.files, []);
    const html = await call('/simple/demo-pkg/', { accept: 'text/html' });
    assert.doesNotMatch(String(html.body), /<a /);
    for (const path of [download, `${download}.metadata`]) {
      const refused = await call(path);
      assert.equal(refused.statusCode, 403, path);
      assert.match(String(refused.body), /^demo-pkg is quarantined \(reason: malware in 1\.0\): this index serves none of its files/);
      assert.equal(refused.headers?.['cache-control'], 'no-store');
    }
    assert.match(String((await call('/simple/')).body), /Demo\.Pkg/, 'still listed, as quarantined, on the root');

    await metadata.setProjectStatus('demo-pkg', { status: 'archived' });
    const archived = JSON.parse(String((await call('/simple/demo-pkg/', { accept: JSON_V1 })).body));
    assert.deepEqual(archived['project-status'], { status: 'archived' });
    assert.equal(archived.files.length, 1);
    assert.equal((await call(download)).statusCode, 302, 'an archived project\'s files are served');
  });
});

describe('uploads and the admin API', () => {
  let metadata: MemoryMetadataStore;
  let blobs: MemoryBlobStore;
  let write: WharfLambdaHandler;
  let admin: string;
  let uploader: string;

  const api = (method: string, path: string, token: string, body?: unknown) =>
    write(
      event(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
      context,
    );

  beforeEach(async () => {
    metadata = new MemoryMetadataStore();
    blobs = new MemoryBlobStore();
    const tokens = new MemoryTokenStore();
    const tokenAdmin = new TokenAdmin(tokens);
    admin = (await tokenAdmin.create({ scopes: ['admin'], createdBy: 't' })).token;
    uploader = (await tokenAdmin.create({ scopes: ['upload:demo-pkg'], createdBy: 't' })).token;
    write = createWriteFunction({
      metadata,
      blobs,
      tokens,
      config: { publicRead: true, authCacheSeconds: 0, maxUploadBytes: 1024 * 1024 },
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const { filename, bytes } = makeWheel('1.0');
    await new Ingest(metadata, blobs).ingest(filename, bytes);
  });

  test('GET and PUT /api/projects/{p}/status; quarantine in or out is for admins only', async () => {
    const read = await api('GET', '/api/projects/Demo_Pkg/status', uploader);
    assert.equal(read.statusCode, 200);
    assert.deepEqual(JSON.parse(String(read.body)), { project: 'demo-pkg', displayName: 'demo-pkg', status: 'active' });

    const set = await api('PUT', '/api/projects/demo-pkg/status', uploader, { status: 'archived', reason: 'done' });
    assert.equal(set.statusCode, 200, String(set.body));
    assert.deepEqual(JSON.parse(String(set.body)), { project: 'demo-pkg', displayName: 'demo-pkg', status: 'archived', reason: 'done' });
    assert.deepEqual((await metadata.getProject('demo-pkg'))?.status, { status: 'archived', reason: 'done' });

    const notAllowed = await api('PUT', '/api/projects/demo-pkg/status', uploader, { status: 'quarantined' });
    assert.equal(notAllowed.statusCode, 403);
    assert.match(JSON.parse(String(notAllowed.body)).error, /Only an admin of this index may quarantine a project/);
    assert.equal((await api('PUT', '/api/projects/demo-pkg/status', admin, { status: 'quarantined', reason: 'malware' })).statusCode, 200);
    const lift = await api('PUT', '/api/projects/demo-pkg/status', uploader, { status: 'active' });
    assert.equal(lift.statusCode, 403);
    assert.match(JSON.parse(String(lift.body)).error, /demo-pkg is quarantined; only an admin/);
    assert.deepEqual((await metadata.getProject('demo-pkg'))?.status, { status: 'quarantined', reason: 'malware' });
    const lifted = await api('PUT', '/api/projects/demo-pkg/status', admin, { status: 'active' });
    assert.deepEqual(JSON.parse(String(lifted.body)).status, 'active');
    assert.equal((await metadata.getProject('demo-pkg'))?.status, undefined);
  });

  test('bad status requests are 4xx with what to send, and change nothing', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ status: 'gone' }, 400, /"gone" is not a project status/],
      [{ status: 'archived', reason: 'a\nb' }, 400, /single line/],
      [{ status: 'archived', why: 'x' }, 400, /Unknown field\(s\) why/],
      ['[1]', 400, /must be a JSON object/],
      ['{', 400, /not valid JSON/],
    ];
    for (const [body, status, message] of cases) {
      const res = await api('PUT', '/api/projects/demo-pkg/status', admin, body);
      assert.equal(res.statusCode, status, String(body));
      assert.match(JSON.parse(String(res.body)).error, message);
    }
    assert.equal((await api('PUT', '/api/projects/demo-pkg/status', admin)).statusCode, 400, 'no body');
    const missing = await api('PUT', '/api/projects/nothing-here/status', admin, { status: 'archived' });
    assert.equal(missing.statusCode, 404);
    assert.match(JSON.parse(String(missing.body)).error, /There is no project nothing-here/);
    assert.equal((await metadata.getProject('nothing-here')), undefined, 'no record created');
    assert.equal((await api('DELETE', '/api/projects/demo-pkg/status', admin)).statusCode, 404);
    const other = await api('PUT', '/api/projects/demo-pkg/status', 'wharf_bogus', { status: 'archived' });
    assert.equal(other.statusCode, 401);
    assert.equal((await metadata.getProject('demo-pkg'))?.status, undefined);
  });

  test('an archived project refuses a new file with the reason and stores nothing; the same file again is unchanged', async () => {
    const ingest = new Ingest(metadata, blobs);
    await new ProjectAdmin(metadata, blobs).setStatus('demo-pkg', { status: 'archived', reason: 'moved to demo2' }, { admin: false });
    const keys = [...blobs.objects.keys()].sort();
    const { filename, bytes } = makeWheel('1.1');
    await assert.rejects(ingest.ingest(filename, bytes), (err: unknown) => {
      assert.ok(err instanceof ProjectStatusError);
      assert.match(err.message, /demo-pkg is archived \(reason: moved to demo2\)/);
      return true;
    });
    assert.deepEqual([...blobs.objects.keys()].sort(), keys, 'no byte stored');
    assert.equal(await metadata.getFile('demo-pkg', filename), undefined);
    const again = makeWheel('1.0');
    assert.equal((await ingest.ingest(again.filename, again.bytes)).outcome, 'unchanged');
    await new ProjectAdmin(metadata, blobs).setStatus('demo-pkg', { status: 'deprecated' }, { admin: false });
    assert.equal((await ingest.ingest(filename, bytes)).outcome, 'created', 'deprecated takes uploads');
  });

  test('the status of a project that does not exist is NotFoundError', async () => {
    const projects = new ProjectAdmin(metadata, blobs);
    await assert.rejects(projects.status('nope'), NotFoundError);
    await assert.rejects(projects.setStatus('nope', { status: 'archived' }, { admin: true }), NotFoundError);
    await assert.rejects(projects.status('-bad-'), InvalidInputError);
  });
});
