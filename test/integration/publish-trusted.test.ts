/**
 * `wharf publish` by trusted publishing, the real CLI against a local Wharf that trusts a
 * fake GitHub OIDC issuer on loopback. The job's environment is what GitHub Actions gives a
 * job with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, served by the
 * fake issuer as the runner's token service does). Projects: wharf-tpc-* (no other test
 * uses them).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { writeBigWheel } from '../support/big-wheel.ts';
import { startFakeOidcIssuer, type FakeOidcIssuer, type GitHubJob } from '../support/fake-oidc-issuer.ts';
import { cleanEnv, describeRun, run, type RunResult } from '../support/processes.ts';

const MiB = 1024 * 1024;
const REPO = path.resolve(import.meta.dirname, '../..');
const AUDIENCE = 'wharf-cli-audience';
const JOB: GitHubJob = { owner: 'acme', ownerId: '1001', repository: 'models', repositoryId: '5002', workflow: 'release.yml', environment: 'pypi' };

let issuer: FakeOidcIssuer;
let wharf: LocalWharf;
let dir: string;

before(async () => {
  issuer = await startFakeOidcIssuer();
  wharf = await startLocalWharf({
    port: 0,
    logLevel: 'SILENT',
    oidcGithubIssuer: issuer.url,
    oidcAudience: AUDIENCE,
    // A revoked token is refused at once, as an expired one is.
    authCacheSeconds: 0,
    uploadSessions: { singlePutBytes: 6 * MiB, partBytes: 5 * MiB },
  });
  dir = await mkdtemp(path.join(tmpdir(), 'wharf-publish-tp-'));
});
after(async () => {
  await wharf?.close();
  await issuer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function api(method: string, pathname: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${wharf.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

async function listed(project: string): Promise<string[]> {
  const response = await fetch(`${wharf.url}/simple/${project}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  if (response.status === 404) return [];
  return ((await response.json()) as { files: { filename: string }[] }).files.map((f) => f.filename);
}

/** The CLI as a job runs it: no Wharf token, only what the runner puts in the environment. */
function wharfPublish(args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  const base = cleanEnv(env);
  delete base['WHARF_TOKEN'];
  return run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', ...args], { env: base, cwd: REPO, timeoutMs: 120_000 });
}

/** An existing project with a trusted publisher: v1.0 published with the admin token. */
async function existingProject(project: string, job: GitHubJob): Promise<void> {
  const first = await writeBigWheel(dir, { name: project, version: '1.0', payloadBytes: 1000 });
  const published = await run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.url, first.path], {
    env: { ...cleanEnv(), WHARF_TOKEN: wharf.admin.token },
    cwd: REPO,
  });
  assert.equal(published.code, 0, describeRun(published));
  const added = await api('POST', '/api/publishers', wharf.admin.token, {
    project,
    owner: job.owner,
    ownerId: job.ownerId,
    repository: job.repository,
    repositoryId: Number(job.repositoryId),
    workflow: job.workflow,
    ...(job.environment ? { environment: job.environment } : {}),
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
}

/**
 * A pass-through to the index that revokes the upload token in use just before the first
 * `complete` reaches the index: what a publish that outlives its 15-minute token meets.
 */
async function proxyThatRevokesOnComplete(): Promise<{ url: string; revoked: string[]; unauthorized: number; close(): Promise<void> }> {
  const revoked: string[] = [];
  let unauthorized = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const authorization = req.headers.authorization;
    if (req.method === 'POST' && req.url?.endsWith('/complete') && revoked.length === 0 && authorization) {
      const who = await api('GET', '/api/whoami', authorization.replace(/^Bearer /, ''));
      assert.equal(who.status, 200);
      const gone = await fetch(`${wharf.url}/api/tokens/${who.body.tokenId}`, { method: 'DELETE', headers: { authorization: `Bearer ${wharf.admin.token}` } });
      assert.equal(gone.status, 200);
      revoked.push(who.body.tokenId);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
    const answer = await fetch(`${wharf.url}${req.url}`, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    if (answer.status === 401) unauthorized++;
    // A reverse proxy rewrites the index's absolute URLs (Upload 2.0's links) to its own, as nginx's sub_filter would.
    const self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body = Buffer.from((await answer.text()).replaceAll(wharf.url, self));
    const location = answer.headers.get('location');
    res
      .writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
        ...(location ? { location: location.replaceAll(wharf.url, self) } : {}),
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    revoked,
    get unauthorized() {
      return unauthorized;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('wharf publish by trusted publishing', () => {
  test('in a job with id-token: write and no token, it exchanges the OIDC token, and mints again when the token is refused mid-publish', async () => {
    await existingProject('wharf-tpc-models', JOB);
    const wheel = await writeBigWheel(dir, { name: 'wharf-tpc-models', version: '2.0', payloadBytes: 12 * MiB });
    const proxy = await proxyThatRevokesOnComplete();
    const servedBefore = issuer.served.length;
    try {
      const published = await wharfPublish([`--url`, `${proxy.url}/simple/`, wheel.path], issuer.actionsTokenService(JOB));
      assert.equal(published.code, 0, describeRun(published));
      assert.match(published.stdout, /with trusted publishing \(GitHub Actions OIDC\)/);
      assert.match(published.stdout, new RegExp(`${wheel.filename}: published`));
      assert.match(published.stdout, /1 published, 0 already there, 0 skipped, 0 failed/);
      assert.equal(proxy.revoked.length, 1, 'the token in use was revoked before completion');
      assert.equal(proxy.unauthorized, 1, 'the index refused the old token once, and the new one was accepted');
      assert.deepEqual(issuer.served.slice(servedBefore), [AUDIENCE, AUDIENCE], 'a second OIDC token was fetched for the new mint');
    } finally {
      await proxy.close();
    }
    assert.deepEqual((await listed('wharf-tpc-models')).sort(), ['wharf_tpc_models-1.0-py3-none-any.whl', wheel.filename].sort());
  });

  test('--trusted-publishing asks for it outright; a token in the environment does not get in the way', async () => {
    const job: GitHubJob = { ...JOB, repository: 'tools', repositoryId: '5003' };
    await existingProject('wharf-tpc-tools', job);
    const wheel = await writeBigWheel(dir, { name: 'wharf-tpc-tools', version: '2.0', payloadBytes: 1000 });
    const published = await wharfPublish(['--trusted-publishing', '--url', wharf.url, wheel.path], {
      ...issuer.actionsTokenService(job),
      // A token without upload scope: were it used, the upload would be a 403.
      WHARF_TOKEN: 'wharf_not_a_real_token',
    });
    assert.equal(published.code, 0, describeRun(published));
    assert.match(published.stdout, /with trusted publishing/);
    assert.ok((await listed('wharf-tpc-tools')).includes(wheel.filename));
  });

  test('no publisher matches the job: exit 1 with the index\'s reason, nothing uploaded', async () => {
    const stranger: GitHubJob = { ...JOB, owner: 'mallory', ownerId: '666', repository: 'models', repositoryId: '6666' };
    const wheel = await writeBigWheel(dir, { name: 'wharf-tpc-models', version: '3.0', payloadBytes: 1000 });
    const refused = await wharfPublish(['--url', wharf.url, wheel.path], issuer.actionsTokenService(stranger));
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stderr, /wharf publish: Trusted publishing exchange refused \(422\): invalid-publisher: valid token, but no corresponding publisher: no project trusts mallory\/models/);
    assert.doesNotMatch(refused.stdout, /Publishing 1 file/);
    assert.ok(!(await listed('wharf-tpc-models')).includes(wheel.filename));
  });

  test('--trusted-publishing outside a job that may request OIDC tokens says what the job needs', async () => {
    const wheel = await writeBigWheel(dir, { name: 'wharf-tpc-models', version: '4.0', payloadBytes: 1000 });
    // No GitHub, no WHARF_ID_TOKEN, and (a closed port standing for) no Google metadata server.
    const refused = await wharfPublish(['--trusted-publishing', '--url', wharf.url, wheel.path], { GCE_METADATA_HOST: '127.0.0.1:9' });
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stderr, /WHARF_ID_TOKEN is unset, this is no GitHub Actions job with `permissions: id-token: write`/);
  });
});
