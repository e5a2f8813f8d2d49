/**
 * PEP 792 project status as users meet it: set with `wharf project status` over the admin
 * API, seen by real pip on the JSON pages (api-version 1.4) and on the HTML pages (pip's
 * HTML path, through a pass-through that asks for text/html only, as an old client does),
 * and enforced on every way to publish: real twine, a twine-shaped form, `wharf publish`
 * (upload sessions) and `wharf publish` by trusted publishing. Projects: wharf-st-* only.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildWheel, wheelFilename } from '../support/dist-builder.ts';
import { startFakeOidcIssuer, type FakeOidcIssuer, type GitHubJob } from '../support/fake-oidc-issuer.ts';
import { checkPip, cleanEnv, describeRun, missingTool, pip, run } from '../support/processes.ts';
import { twineForm } from '../support/twine-form.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const CLI = ['tsx', path.join(REPO, 'lambdas/cli/main.ts')];
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const AUDIENCE = 'wharf-status-audience';
const PROJECT = 'wharf-st-demo';
const JOB: GitHubJob = { owner: 'acme', ownerId: '2001', repository: 'status', repositoryId: '7002', workflow: 'release.yml', environment: 'pypi' };

const skip = await missingTool(checkPip, 'python3 -m pip');

/** A pass-through that asks Wharf for HTML only: pip then reads the PEP 503 page, as clients before PEP 691 do. */
async function htmlOnlyProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'accept'].includes(k)) headers[k] = v;
    headers['accept'] = 'text/html';
    const answer = await fetch(`${target}${req.url}`, { method: req.method!, headers, redirect: 'manual' });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
    });
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('PEP 792 project status with real pip, twine and wharf publish', { skip: skip ?? false }, () => {
  let wharf: LocalWharf;
  let issuer: FakeOidcIssuer;
  let proxy: { url: string; close(): Promise<void> };
  let dir: string;
  let uploader = '';
  const wheels: Record<string, { path: string; filename: string; bytes: Uint8Array }> = {};

  const api = async (method: string, pathname: string, token: string, body?: unknown) => {
    const response = await fetch(`${wharf.url}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const jsonPage = async () => (await (await fetch(`${wharf.indexUrl}${PROJECT}/`, { headers: { accept: JSON_V1 } })).json()) as any;
  const htmlPage = async () => (await fetch(`${wharf.indexUrl}${PROJECT}/`, { headers: { accept: 'text/html' } })).text();
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const base = cleanEnv(env);
    if (!('WHARF_TOKEN' in env)) delete base['WHARF_TOKEN'];
    return run('npx', [...CLI, ...args], { env: base, cwd: REPO, timeoutMs: 120_000 });
  };
  const install = (index: string, into: string, spec = PROJECT) =>
    pip(['install', '--no-cache-dir', '--no-deps', '--target', path.join(dir, into), '--index-url', index, spec]);
  const storedKeys = async () => {
    const s3 = createS3Client(wharf.stores);
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName }));
      return (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k.includes('wharf_st_demo'));
    } finally {
      s3.destroy();
    }
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-status-'));
    issuer = await startFakeOidcIssuer();
    wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', oidcGithubIssuer: issuer.url, oidcAudience: AUDIENCE, authCacheSeconds: 0 });
    proxy = await htmlOnlyProxy(wharf.url);
    for (const version of ['1.0', '2.0', '3.0', '4.0']) {
      const options = { name: PROJECT, version, files: { 'wharf_st_demo/__init__.py': `VERSION = "${version}"\n` } };
      const filename = wheelFilename(options);
      const bytes = buildWheel(options);
      await writeFile(path.join(dir, filename), bytes);
      wheels[version] = { path: path.join(dir, filename), filename, bytes };
    }
    const first = await fetch(`${wharf.url}/legacy/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`__token__:${wharf.admin.token}`).toString('base64')}` },
      body: twineForm(PROJECT, '1.0', wheels['1.0']!.bytes, wheels['1.0']!.filename),
    });
    assert.equal(first.status, 200, await first.text());
    const token = await api('POST', '/api/tokens', wharf.admin.token, { scopes: [`upload:${PROJECT}`], description: 'status test' });
    assert.equal(token.status, 201);
    uploader = token.body.token;
    const publisher = await api('POST', '/api/publishers', wharf.admin.token, {
      project: PROJECT,
      owner: JOB.owner,
      ownerId: JOB.ownerId,
      repository: JOB.repository,
      repositoryId: Number(JOB.repositoryId),
      workflow: JOB.workflow,
      environment: JOB.environment,
    });
    assert.equal(publisher.status, 201, JSON.stringify(publisher.body));
  });
  after(async () => {
    await proxy?.close();
    await wharf?.close();
    await issuer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('active: pages at api-version 1.4 with the status, and pip installs from the JSON and the HTML page', async () => {
    const json = await jsonPage();
    assert.equal(json.meta['api-version'], '1.4');
    assert.deepEqual(json['project-status'], { status: 'active' });
    assert.match(await htmlPage(), /<meta name="pypi:repository-version" content="1\.4">\n\s*<meta name="pypi:project-status" content="active">/);
    for (const [index, into] of [[wharf.indexUrl, 'json-active'], [`${proxy.url}/simple/`, 'html-active']] as const) {
      const installed = await install(index, into);
      assert.equal(installed.code, 0, describeRun(installed));
      assert.ok((await readdir(path.join(dir, into))).includes('wharf_st_demo-1.0.dist-info'));
      assert.doesNotMatch(installed.stderr, /api-version|repository-version/i, 'pip says nothing about the new api-version');
    }
  });

  test('archived (by wharf project status over --url): still installable from both pages, every upload path refused with the reason, nothing stored', async () => {
    const set = await cli(['project', 'status', PROJECT, 'archived', '--reason', 'moved to wharf-st-next', '--url', wharf.url, '--token', uploader]);
    assert.equal(set.code, 0, describeRun(set));
    assert.match(set.stdout, /^wharf-st-demo is archived \(reason: moved to wharf-st-next\) now, in http:/);
    const read = await cli(['project', 'status', PROJECT, '--url', wharf.url, '--json'], { WHARF_TOKEN: uploader });
    assert.equal(read.code, 0, describeRun(read));
    assert.deepEqual(JSON.parse(read.stdout), { project: PROJECT, status: 'archived', reason: 'moved to wharf-st-next' });

    assert.deepEqual((await jsonPage())['project-status'], { status: 'archived', reason: 'moved to wharf-st-next' });
    assert.match(await htmlPage(), /<meta name="pypi:project-status-reason" content="moved to wharf-st-next">/);
    for (const [index, into] of [[wharf.indexUrl, 'json-archived'], [`${proxy.url}/simple/`, 'html-archived']] as const) {
      const installed = await install(index, into);
      assert.equal(installed.code, 0, describeRun(installed));
    }

    const keysBefore = await storedKeys();
    const reason = /wharf-st-demo is archived \(reason: moved to wharf-st-next\)/;
    // Real twine (Debian's), as a user publishes.
    const twine = await run('twine', ['upload', '--verbose', '--disable-progress-bar', '--non-interactive', '--repository-url', `${wharf.url}/legacy/`, wheels['2.0']!.path], {
      env: cleanEnv({ TWINE_USERNAME: '__token__', TWINE_PASSWORD: uploader }),
    });
    assert.notEqual(twine.code, 0, describeRun(twine));
    // twine's --verbose prints the body, wrapped to the terminal: read it as one line.
    const said = (twine.stdout + twine.stderr).replace(/\x1b\[[0-9;]*m/g, '').replace(/\s+/g, ' ');
    assert.match(said, /403 Forbidden/);
    assert.match(said, reason);
    // The same form by hand: the 403's body says why and what to do.
    const form = await fetch(`${wharf.url}/legacy/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`__token__:${uploader}`).toString('base64')}` },
      body: twineForm(PROJECT, '2.0', wheels['2.0']!.bytes, wheels['2.0']!.filename),
    });
    assert.equal(form.status, 403);
    assert.match(await form.text(), /^Upload refused: wharf-st-demo is archived \(reason: moved to wharf-st-next\)\. .*wharf project status wharf-st-demo active/);
    // Upload sessions, through wharf publish.
    const published = await cli(['publish', '--url', wharf.url, wheels['3.0']!.path], { WHARF_TOKEN: uploader });
    assert.equal(published.code, 1, describeRun(published));
    assert.match(published.stdout + published.stderr, reason);
    // Trusted publishing: the exchange works, the upload does not.
    const trusted = await cli(['publish', '--trusted-publishing', '--url', wharf.url, wheels['4.0']!.path], issuer.actionsTokenService(JOB));
    assert.equal(trusted.code, 1, describeRun(trusted));
    assert.match(trusted.stdout, /with trusted publishing/);
    assert.match(trusted.stdout + trusted.stderr, reason);

    assert.deepEqual((await jsonPage()).versions, ['1.0'], 'nothing new is listed');
    assert.deepEqual(await storedKeys(), keysBefore, 'nothing new is stored');
    // The same file again is no new upload: twine --skip-existing and retries stay quiet.
    const again = await fetch(`${wharf.url}/legacy/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`__token__:${uploader}`).toString('base64')}` },
      body: twineForm(PROJECT, '1.0', wheels['1.0']!.bytes, wheels['1.0']!.filename),
    });
    assert.equal(again.status, 200, await again.text());
  });

  test('quarantined (admins only): the page lists no file, pip cannot install from either page, downloads are 403; lifting it brings them back', async () => {
    const byUploader = await api('PUT', `/api/projects/${PROJECT}/status`, uploader, { status: 'quarantined' });
    assert.equal(byUploader.status, 403);
    assert.match(byUploader.body.error, /Only an admin of this index may quarantine a project/);
    const before = await jsonPage();
    const fileUrl = new URL(before.files[0].url, `${wharf.indexUrl}${PROJECT}/`).href;

    const set = await cli(['project', 'status', PROJECT, 'quarantined', '--reason', 'malware in 1.0', '--url', wharf.url, '--token', wharf.admin.token]);
    assert.equal(set.code, 0, describeRun(set));
    const json = await jsonPage();
    assert.equal(json.meta['api-version'], '1.4');
    assert.deepEqual(json['project-status'], { status: 'quarantined', reason: 'malware in 1.0' });
    assert.deepEqual(json.files, []);
    assert.deepEqual(json.versions, []);
    const html = await htmlPage();
    assert.match(html, /<meta name="pypi:project-status" content="quarantined">/);
    assert.doesNotMatch(html, /<a /);
    for (const [index, into] of [[wharf.indexUrl, 'json-q'], [`${proxy.url}/simple/`, 'html-q']] as const) {
      const refused = await install(index, into, `${PROJECT}==1.0`);
      assert.notEqual(refused.code, 0, describeRun(refused));
      assert.match(refused.stderr, /No matching distribution found for wharf-st-demo==1\.0/);
    }
    const download = await fetch(fileUrl, { redirect: 'manual' });
    assert.equal(download.status, 403);
    assert.match(await download.text(), /wharf-st-demo is quarantined \(reason: malware in 1\.0\): this index serves none of its files/);
    assert.equal((await fetch(`${fileUrl}.metadata`, { redirect: 'manual' })).status, 403);
    const upload = await cli(['publish', '--url', wharf.url, wheels['2.0']!.path], { WHARF_TOKEN: wharf.admin.token });
    assert.equal(upload.code, 1, describeRun(upload));
    assert.match(upload.stdout + upload.stderr, /wharf-st-demo is quarantined/);

    const lift = await api('PUT', `/api/projects/${PROJECT}/status`, uploader, { status: 'active' });
    assert.equal(lift.status, 403, 'the project\'s own token cannot lift a quarantine');
    assert.equal((await api('PUT', `/api/projects/${PROJECT}/status`, wharf.admin.token, { status: 'active' })).status, 200);
    assert.equal((await fetch(fileUrl, { redirect: 'manual' })).status, 302);
    const installed = await install(wharf.indexUrl, 'json-lifted');
    assert.equal(installed.code, 0, describeRun(installed));
    const published = await cli(['publish', '--url', wharf.url, wheels['2.0']!.path], { WHARF_TOKEN: uploader });
    assert.equal(published.code, 0, describeRun(published));
    assert.deepEqual((await jsonPage()).versions, ['1.0', '2.0']);
  });
});
