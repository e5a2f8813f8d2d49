/**
 * The IP allowlist against a local Wharf, with the real clients. The server allows
 * 127.0.0.2 only; the tests call it from 127.0.0.2 (inside: Node requests bound to that
 * source address, which Linux loopback accepts) and from 127.0.0.1, where pip and twine
 * connect from (outside). From outside, pip and twine with an ordinary token get the 403 and
 * its message; trusted publishing works: the OIDC exchange, then twine with the minted token.
 * A second server allows 127.0.0.1, and pip installs from it. Projects: wharf-net-*.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildWheel, wheelFilename } from '../support/dist-builder.ts';
import { startFakeOidcIssuer, type FakeOidcIssuer, type GitHubJob } from '../support/fake-oidc-issuer.ts';
import { twineForm } from '../support/twine-form.ts';
import { cleanEnv, describeRun, missingTool, pip, run, type RunResult } from '../support/processes.ts';

const INSIDE = '127.0.0.2';
const AUDIENCE = 'wharf-net-audience';
const JOB: GitHubJob = { owner: 'acme', ownerId: '1001', repository: 'net', repositoryId: '7007', workflow: 'release.yml' };
const REFUSAL = /only from its allowed networks, and 127\.0\.0\.1 is not in them/;

const missingTwine = await missingTool(() => run('twine', ['--version']).then((r) => (r.code === 0 ? r : Promise.reject(new Error(r.stderr)))), "Debian's twine (apt-get install -y twine)");

let issuer: FakeOidcIssuer;
let wharf: LocalWharf;
let dir: string;

/** A request from the allowed address. */
function inside(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, localAddress: INSIDE }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function insideJson(method: string, pathname: string, body: unknown): Promise<{ status: number; body: any }> {
  const answer = await inside(`${wharf.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${wharf.admin.token}`, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  });
  return { status: answer.status, body: JSON.parse(answer.text) };
}

async function insideUpload(server: LocalWharf, name: string, version: string): Promise<number> {
  const bytes = buildWheel({ name, version });
  const form = new Response(twineForm(name, version, bytes, wheelFilename({ name, version })));
  const answer = await inside(`${server.url}/legacy/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.admin.token}`, 'content-type': form.headers.get('content-type')! },
    body: Buffer.from(await form.arrayBuffer()),
  });
  return answer.status;
}

function twine(url: string, token: string, file: string): Promise<RunResult> {
  return run('twine', ['upload', '--disable-progress-bar', '--non-interactive', '--verbose', '--repository-url', `${url}/legacy/`, '-u', '__token__', '-p', token, file], {
    env: cleanEnv({ HOME: dir }),
  });
}

async function wheelFile(name: string, version: string): Promise<string> {
  const file = path.join(dir, wheelFilename({ name, version }));
  await writeFile(file, buildWheel({ name, version }));
  return file;
}

before(async () => {
  issuer = await startFakeOidcIssuer();
  wharf = await startLocalWharf({
    port: 0,
    logLevel: 'SILENT',
    publicRead: false,
    allowedNetworks: [`${INSIDE}/32`],
    oidcGithubIssuer: issuer.url,
    oidcAudience: AUDIENCE,
  });
  dir = await mkdtemp(path.join(tmpdir(), 'wharf-net-'));
});
after(async () => {
  await wharf?.close();
  await issuer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('an index that allows one network', () => {
  test('from inside, the admin API, an upload and the pages answer', async () => {
    assert.equal(await insideUpload(wharf, 'wharf-net-alpha', '1.0'), 200);
    const page = await inside(`${wharf.url}/simple/wharf-net-alpha/`, { headers: { authorization: `Bearer ${wharf.admin.token}` } });
    assert.equal(page.status, 200);
    assert.match(page.text, /wharf_net_alpha-1\.0-py3-none-any\.whl/);
    const added = await insideJson('POST', '/api/publishers', {
      project: 'wharf-net-alpha',
      owner: JOB.owner,
      ownerId: JOB.ownerId,
      repository: JOB.repository,
      repositoryId: Number(JOB.repositoryId),
      workflow: JOB.workflow,
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
  });

  test('from outside, pages, files and the admin API are a 403 that says why, with a token or without', async () => {
    for (const pathname of ['/simple/', '/simple/wharf-net-alpha/', '/api/tokens', '/', '/pypi/wharf-net-alpha/json']) {
      const answer = await fetch(`${wharf.url}${pathname}`, { headers: { authorization: `Bearer ${wharf.admin.token}` } });
      assert.equal(answer.status, 403, pathname);
      assert.match(await answer.text(), REFUSAL, pathname);
    }
    // Probes still get their answer.
    assert.equal((await fetch(`${wharf.url}/health`)).status, 200);
  });

  test('from outside, pip gets the 403 and cannot install', async () => {
    const url = wharf.url.replace('://', `://__token__:${wharf.admin.token}@`);
    const r = await pip(['download', '-vv', '--no-deps', '--dest', path.join(dir, 'pip-out'), '--index-url', `${url}/simple/`, 'wharf-net-alpha']);
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stdout, /simple\/wharf-net-alpha\/: 403 Client Error: Forbidden/);
  });

  test('from outside, twine with an ordinary token is refused with the message, and nothing is stored', { skip: missingTwine ?? false }, async () => {
    const r = await twine(wharf.url, wharf.admin.token, await wheelFile('wharf-net-alpha', '2.0'));
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stdout + r.stderr, /403/);
    assert.match(r.stdout + r.stderr, /allowed networks/);
    const page = await inside(`${wharf.url}/simple/wharf-net-alpha/`, { headers: { authorization: `Bearer ${wharf.admin.token}` } });
    assert.doesNotMatch(page.text, /2\.0-py3/);
  });

  test('from outside, trusted publishing works: the audience, the exchange, and twine with the minted token', { skip: missingTwine ?? false }, async () => {
    const audience = await fetch(`${wharf.url}/_/oidc/audience`);
    assert.equal(audience.status, 200);
    assert.deepEqual(await audience.json(), { audience: AUDIENCE });
    const jwt = await issuer.sign(issuer.githubClaims(JOB, AUDIENCE));
    const minted = await fetch(`${wharf.url}/_/oidc/mint-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: jwt }) });
    const body = (await minted.json()) as { token: string };
    assert.equal(minted.status, 200, JSON.stringify(body));

    const r = await twine(wharf.url, body.token, await wheelFile('wharf-net-alpha', '3.0'));
    assert.equal(r.code, 0, describeRun(r));
    const page = await inside(`${wharf.url}/simple/wharf-net-alpha/`, { headers: { authorization: `Bearer ${wharf.admin.token}` } });
    assert.match(page.text, /wharf_net_alpha-3\.0-py3-none-any\.whl/);

    // The minted token uploads from anywhere, and does nothing else from there.
    const read = await fetch(`${wharf.url}/simple/wharf-net-alpha/`, { headers: { authorization: `Bearer ${body.token}` } });
    assert.equal(read.status, 403);
  });

  test('a forged or unknown token on the upload route from outside is the network refusal, not a token lookup answer', async () => {
    const answer = await fetch(`${wharf.url}/legacy/`, { method: 'POST', headers: { authorization: 'Bearer wharf_0000000000000000_not-a-token' } });
    assert.equal(answer.status, 403);
    assert.match(await answer.text(), REFUSAL);
  });
});

describe('an index that allows the loopback address pip connects from', () => {
  let open: LocalWharf;
  before(async () => {
    open = await startLocalWharf({ port: 0, logLevel: 'SILENT', publicRead: true, allowedNetworks: ['10.0.0.0/8', '127.0.0.1', '::1'] });
  });
  after(async () => open?.close());

  test('pip installs from it', async () => {
    // 127.0.0.2 is not allowed here: the upload goes in through the in-process admin token from 127.0.0.1.
    const bytes = buildWheel({ name: 'wharf-net-beta', version: '1.0' });
    const form = twineForm('wharf-net-beta', '1.0', bytes, wheelFilename({ name: 'wharf-net-beta', version: '1.0' }));
    const uploaded = await fetch(`${open.url}/legacy/`, { method: 'POST', headers: { authorization: `Bearer ${open.admin.token}` }, body: form });
    assert.equal(uploaded.status, 200, await uploaded.text());
    const r = await pip(['download', '--no-deps', '--dest', path.join(dir, 'pip-in'), '--index-url', `${open.url}/simple/`, 'wharf-net-beta']);
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /wharf_net_beta-1\.0-py3-none-any\.whl/);
  });

  test('and refuses a caller from an address outside its list', async () => {
    assert.equal(await insideUpload(open, 'wharf-net-beta', '2.0'), 403);
  });
});

describe('wharf serve --allow-ip', () => {
  test('a mistyped block stops the server before it listens, named', async () => {
    await assert.rejects(startLocalWharf({ port: 0, logLevel: 'SILENT', allowedNetworks: ['10.0.0.0/33', 'office'] }), /"10\.0\.0\.0\/33", "office"/);
  });
});
