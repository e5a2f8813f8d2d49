/**
 * Trusted publishing against a local Wharf and a fake GitHub OIDC issuer on loopback (its
 * own keys, discovery document and JWKS): the two calls pypa/gh-action-pypi-publish makes,
 * made by Python `requests` exactly as the action makes them (GET audience; POST
 * `json={"token": ...}`), then Debian's twine uploading with the minted token; and every
 * refusal, each with its status, its Warehouse-shaped error and nothing minted or stored.
 *
 * The action always calls `https://{domain}/_/oidc/...`; the local server speaks http, so
 * only the scheme differs here. Projects: wharf-tp-* (no other test uses them).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { exchangeOidcToken, fetchAudience, githubActionsOidcToken } from '../../lambdas/cli/oidc-exchange.ts';
import type { TokenRecord } from '../../lambdas/core/model.ts';
import { createDynamoDbClient, createDynamoDbSdkClient } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { startFakeOidcIssuer, type FakeOidcIssuer, type GitHubJob } from '../support/fake-oidc-issuer.ts';
import { DEBIAN_PYTHON, cleanEnv, describeRun, missingTool, run, type RunResult } from '../support/processes.ts';

const AUDIENCE = 'wharf-test-audience';
const scratch = await mkdtemp(path.join(tmpdir(), 'wharf-oidc-'));
after(() => rm(scratch, { recursive: true, force: true }));

const ACME: GitHubJob = { owner: 'acme', ownerId: '1001', repository: 'tp-demo', repositoryId: '5001', workflow: 'release.yml', environment: 'pypi', runId: '777' };

let issuer: FakeOidcIssuer;
let wharf: LocalWharf;
const dynamodb = () => createDynamoDbClient(wharf.stores);

before(async () => {
  issuer = await startFakeOidcIssuer();
  wharf = await startLocalWharf({ port: 0, oidcGithubIssuer: issuer.url, oidcAudience: AUDIENCE, logLevel: 'SILENT' });
});
after(async () => {
  await wharf?.close();
  await issuer?.close();
});

async function api(method: string, pathname: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${wharf.url}${pathname}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function makeToken(scopes: string[]): Promise<string> {
  const r = await api('POST', '/api/tokens', wharf.admin.token, { scopes });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.token;
}

function publisherBody(job: GitHubJob, project: string, environment = job.environment): Record<string, unknown> {
  return {
    project,
    owner: job.owner,
    ownerId: job.ownerId,
    repository: job.repository,
    repositoryId: Number(job.repositoryId),
    workflow: job.workflow,
    ...(environment ? { environment } : {}),
  };
}

async function tokens(): Promise<TokenRecord[]> {
  const client = dynamodb();
  try {
    return await new DynamoDbTokenStore(client, wharf.stores.tokensTableName).listTokens();
  } finally {
    client.destroy();
  }
}

/** How many exchanged-token records exist (a test may Scan; Wharf never does). */
async function usedJtis(): Promise<number> {
  const client = createDynamoDbSdkClient(wharf.stores);
  try {
    const out = await client.send(
      new ScanCommand({
        TableName: wharf.stores.tokensTableName,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': { S: 'OIDC_JTI#' } },
      }),
    );
    return out.Items?.length ?? 0;
  } finally {
    client.destroy();
  }
}

/** POST the way the action's `requests.post(url, json={"token": jwt})` does. */
async function mint(jwt: unknown, pathname = '/_/oidc/mint-token'): Promise<{ status: number; body: any }> {
  const response = await fetch(`${wharf.url}${pathname}`, {
    method: 'POST',
    headers: { 'user-agent': 'python-requests/2.28.1', accept: '*/*', 'content-type': 'application/json' },
    body: typeof jwt === 'string' ? JSON.stringify({ token: jwt }) : JSON.stringify(jwt),
  });
  return { status: response.status, body: await response.json() };
}

// ---------------------------------------------------------------------------------------
// Tools for the real-client part

const missingRequests = await missingTool(
  () => run(DEBIAN_PYTHON, ['-I', '-c', 'import requests']).then((r) => (r.code === 0 ? r : Promise.reject(new Error(r.stderr)))),
  "Debian's python3 with requests (python3-requests, a dependency of twine)",
);
const missingBuild = await missingTool(
  () => run(DEBIAN_PYTHON, ['-I', '-c', 'import build, wheel, setuptools']).then((r) => (r.code === 0 ? r : Promise.reject(new Error(r.stderr)))),
  "Debian's python3 with python3-build and python3-wheel",
);
const missingTwine = await missingTool(
  () => run('twine', ['--version'], { env: cleanEnv({ HOME: scratch }) }).then((r) => (r.code === 0 ? r : Promise.reject(new Error(r.stderr)))),
  "Debian's twine (apt-get install -y twine)",
);

async function mustRun(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${describeRun(r)}`);
  return r;
}

/** A wheel of `name` `version`, built by Debian's python3 -m build --no-isolation. */
async function buildWheel(name: string, version: string): Promise<string> {
  const source = path.join(scratch, `${name}-${version}`);
  const module = name.replace(/-/g, '_');
  await mkdir(path.join(source, module), { recursive: true });
  await writeFile(
    path.join(source, 'pyproject.toml'),
    `[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "${name}"\nversion = "${version}"\n` +
      `description = "Published by trusted publishing in Wharf's tests"\n\n[tool.setuptools]\npackages = ["${module}"]\n`,
  );
  await writeFile(path.join(source, module, '__init__.py'), `VERSION = "${version}"\n`);
  const out = path.join(scratch, 'dist', `${name}-${version}`);
  await mustRun(DEBIAN_PYTHON, ['-I', '-m', 'build', '--no-isolation', '--wheel', '--outdir', out, source], {
    cwd: source,
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: path.join(scratch, 'build-home'),
      LANG: 'C.UTF-8',
      PIP_NO_INDEX: '1',
      PIP_CONFIG_FILE: '/dev/null',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONNOUSERSITE: '1',
    },
  });
  const [wheel] = await readdir(out);
  return path.join(out, wheel!);
}

function twine(file: string, token: string): Promise<RunResult> {
  const home = path.join(scratch, 'twine-home');
  return run('twine', ['upload', '--verbose', '--disable-progress-bar', '--non-interactive', '--repository-url', `${wharf.url}/legacy/`, '-u', '__token__', '-p', token, file], {
    env: cleanEnv({ HOME: home, PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring', NO_COLOR: '1', TERM: 'dumb', NO_PROXY: '127.0.0.1,localhost' }),
  });
}

/**
 * The action's two calls, by Python requests as oidc-exchange.py makes them (with its 5 s
 * timeouts): `python3 action-calls.py audience BASE` prints the audience;
 * `... mint BASE JWT_FILE PATH` prints the status and body of the mint call.
 */
const ACTION_CALLS = `
import sys, json, requests
mode, base = sys.argv[1], sys.argv[2]
if mode == "audience":
    resp = requests.get(f"{base}/_/oidc/audience", timeout=5)
    resp.raise_for_status()
    print(resp.json()["audience"])
else:
    token = open(sys.argv[3]).read().strip()
    resp = requests.post(f"{base}{sys.argv[4]}", json={"token": token}, timeout=5)
    print(json.dumps({"status": resp.status_code, "body": resp.json()}))
`;

async function actionCall(args: string[]): Promise<string> {
  const script = path.join(scratch, 'action-calls.py');
  await writeFile(script, ACTION_CALLS);
  return (await mustRun(DEBIAN_PYTHON, ['-I', script, ...args], { env: cleanEnv({ NO_PROXY: '127.0.0.1,localhost' }) })).stdout.trim();
}

// ---------------------------------------------------------------------------------------

describe('the action publishes with trusted publishing, then twine uploads', { skip: missingRequests ?? missingBuild ?? missingTwine ?? false }, () => {
  let demo1: string;
  let demo2: string;
  let demo3: string;
  let other: string;

  before(async () => {
    [demo1, demo2, demo3, other] = await Promise.all([
      buildWheel('wharf-tp-demo', '0.1.0'),
      buildWheel('wharf-tp-demo', '0.2.0'),
      buildWheel('wharf-tp-demo', '0.3.0'),
      buildWheel('wharf-tp-other', '0.1.0'),
    ]);
    // Trusted publishing publishes to projects that exist; an admin publishes the first release.
    for (const file of [demo1, other]) {
      const r = await twine(file, wharf.admin.token);
      assert.equal(r.code, 0, describeRun(r));
    }
    const added = await api('POST', '/api/publishers', wharf.admin.token, publisherBody(ACME, 'wharf-tp-demo'));
    assert.equal(added.status, 201, JSON.stringify(added.body));
  });

  test('GET audience, sign for it, POST /_/oidc/mint-token; twine uploads with the minted token', async () => {
    const audience = await actionCall(['audience', wharf.url]);
    assert.equal(audience, AUDIENCE);
    const jwtFile = path.join(scratch, 'jwt-1');
    await writeFile(jwtFile, await issuer.sign(issuer.githubClaims(ACME, audience)));
    const before = (await tokens()).length;

    const answer = JSON.parse(await actionCall(['mint', wharf.url, jwtFile, '/_/oidc/mint-token'])) as { status: number; body: any };
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.success, true);
    assert.match(answer.body.token, /^wharf_/);
    assert.deepEqual(answer.body.projects, ['wharf-tp-demo']);

    const all = await tokens();
    assert.equal(all.length, before + 1);
    const minted = all.find((t) => answer.body.token.startsWith(`wharf_${t.id}_`))!;
    assert.deepEqual(minted.scopes, ['upload:wharf-tp-demo']);
    const lifetime = Date.parse(minted.expiresAt!) - Date.parse(minted.createdAt);
    assert.ok(lifetime > 0 && lifetime <= 15 * 60 * 1000, `lifetime ${lifetime} ms`);
    assert.match(minted.description, /acme\/tp-demo release\.yml run 777/);
    assert.equal(minted.createdBy, 'oidc:github:acme/tp-demo');

    const upload = await twine(demo2, answer.body.token);
    assert.equal(upload.code, 0, describeRun(upload));
    const page = await fetch(`${wharf.url}/simple/wharf-tp-demo/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
    const files = ((await page.json()) as { files: { filename: string }[] }).files.map((f) => f.filename);
    assert.ok(files.includes(path.basename(demo2)), files.join(', '));

    // The minted token is for exactly the matching project.
    const elsewhere = await twine(other.replace('0.1.0', '0.1.0'), answer.body.token);
    assert.notEqual(elsewhere.code, 0);
    assert.match(elsewhere.stdout + elsewhere.stderr, /403[\s\S]*may not upload to "wharf-tp-other"/);
  });

  test('the older action path /_/oidc/github/mint-token works the same', async () => {
    const jwtFile = path.join(scratch, 'jwt-2');
    await writeFile(jwtFile, await issuer.sign(issuer.githubClaims(ACME, AUDIENCE, { run_id: '778' })));
    const answer = JSON.parse(await actionCall(['mint', wharf.url, jwtFile, '/_/oidc/github/mint-token'])) as { status: number; body: any };
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const upload = await twine(demo3, answer.body.token);
    assert.equal(upload.code, 0, describeRun(upload));
  });
});

describe('refusals: 422 in Warehouse\'s shape, nothing minted or stored', () => {
  const FOO: GitHubJob = { owner: 'foo-org', ownerId: '2001', repository: 'foo', repositoryId: '6001', workflow: 'publish.yml', runId: '1' };
  const ENV_JOB: GitHubJob = { owner: 'foo-org', ownerId: '2001', repository: 'envrepo', repositoryId: '6002', workflow: 'publish.yml', environment: 'release' };

  before(async () => {
    for (const [job, project] of [
      [FOO, 'wharf-tp-foo'],
      [ENV_JOB, 'wharf-tp-env'],
    ] as const) {
      const r = await api('POST', '/api/publishers', wharf.admin.token, publisherBody(job, project));
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });

  async function refused(jwt: unknown, code: string, description: RegExp, pathname?: string): Promise<void> {
    const tokensBefore = (await tokens()).length;
    const jtisBefore = await usedJtis();
    const r = await mint(jwt, pathname);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.message, 'Token request failed');
    assert.equal(r.body.errors.length, 1);
    assert.equal(r.body.errors[0].code, code, JSON.stringify(r.body));
    assert.match(r.body.errors[0].description, description);
    assert.equal(r.body.token, undefined);
    assert.equal((await tokens()).length, tokensBefore, 'a token was minted');
    assert.equal(await usedJtis(), jtisBefore, 'a jti was spent');
  }

  const claims = (job: GitHubJob, overrides: Record<string, unknown> = {}) => issuer.githubClaims(job, AUDIENCE, overrides);

  test('the same claims, untampered, are accepted (the refusals below differ in one thing)', async () => {
    const r = await mint(await issuer.sign(claims(FOO)));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.projects, ['wharf-tp-foo']);
  });

  test('wrong audience', async () => {
    await refused(await issuer.sign(claims(FOO, { aud: 'pypi' })), 'invalid-token', /audience "pypi" is not this index's "wharf-test-audience"/);
  });

  test('expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(await issuer.sign(claims(FOO, { iat: now - 900, nbf: now - 900, exp: now - 300 })), 'invalid-token', /expired at/);
  });

  test('not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(await issuer.sign(claims(FOO, { nbf: now + 600 })), 'invalid-token', /not valid yet/);
  });

  test('wrong repository: another repository altogether', async () => {
    await refused(
      await issuer.sign(claims({ ...FOO, repository: 'bar', repositoryId: '6999' })),
      'invalid-publisher',
      /no corresponding publisher: no project trusts foo-org\/bar \(repository id 6999\)/,
    );
  });

  test('wrong repository: the same name, re-created (new repository id)', async () => {
    await refused(await issuer.sign(claims({ ...FOO, repositoryId: '7777' })), 'invalid-publisher', /repository id 7777/);
  });

  test('wrong repository: the same id under a name the publisher does not have (renamed)', async () => {
    await refused(await issuer.sign(claims({ ...FOO, repository: 'foo-renamed' })), 'invalid-publisher', /repository foo-org\/foo-renamed is not foo-org\/foo/);
  });

  test('wrong owner id (the owner account was deleted and the name re-registered)', async () => {
    await refused(await issuer.sign(claims({ ...FOO, ownerId: '9999' })), 'invalid-publisher', /repository owner id 9999 is not 2001/);
  });

  test('wrong workflow', async () => {
    await refused(await issuer.sign(claims({ ...FOO, workflow: 'ci.yml' })), 'invalid-publisher', /workflow ci\.yml is not publish\.yml/);
  });

  test('a reusable workflow of another repository is not the publisher\'s workflow', async () => {
    const ref = 'other-org/shared/.github/workflows/publish.yml@refs/heads/main';
    await refused(await issuer.sign(claims(FOO, { job_workflow_ref: ref })), 'invalid-publisher', /job_workflow_ref other-org\/shared/);
  });

  test('wrong environment, and no environment where one is required', async () => {
    await refused(await issuer.sign(claims({ ...ENV_JOB, environment: 'staging' })), 'invalid-publisher', /environment staging is not release/);
    await refused(await issuer.sign(claims({ ...ENV_JOB, environment: undefined }))  , 'invalid-publisher', /no environment, and the publisher requires "release"/);
    const ok = await mint(await issuer.sign(claims({ ...ENV_JOB, environment: 'Release' })));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('replayed jti: a token is exchanged once', async () => {
    const jwt = await issuer.sign(claims(FOO));
    const first = await mint(jwt);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    await refused(jwt, 'invalid-reuse-token', /already used/);
    // Another path does not make it new either.
    await refused(jwt, 'invalid-reuse-token', /already used/, '/_/oidc/github/mint-token');
  });

  test('tampered: claims changed after signing', async () => {
    const jwt = await issuer.sign(claims({ ...FOO, repository: 'evil', repositoryId: '6666' }));
    const [header, , signature] = jwt.split('.');
    const payload = Buffer.from(JSON.stringify(claims(FOO))).toString('base64url');
    await refused(`${header}.${payload}.${signature}`, 'invalid-token', /signature does not verify/);
  });

  test('signed by a key the issuer does not publish, under its key id', async () => {
    await refused(await issuer.sign(claims(FOO), { foreignKey: true }), 'invalid-token', /signature does not verify/);
  });

  test('unknown key id', async () => {
    await refused(await issuer.sign(claims(FOO), { kid: 'no-such-key', foreignKey: true }), 'invalid-token', /unknown key id/);
  });

  test('an issuer this index does not trust', async () => {
    await refused(await issuer.sign(claims(FOO, { iss: 'https://evil.example' })), 'invalid-token', /issuer "https:\/\/evil.example" is not trusted/);
  });

  test('not a JWT, no token, not JSON', async () => {
    await refused('not-a-jwt', 'invalid-token', /not a JSON Web Token/);
    await refused({ tok: 'x' }, 'invalid-payload', /no "token" string/);
    const tokensBefore = (await tokens()).length;
    const r = await fetch(`${wharf.url}/_/oidc/mint-token`, { method: 'POST', body: 'token=x' });
    assert.equal(r.status, 422);
    assert.equal(((await r.json()) as any).errors[0].code, 'invalid-payload');
    assert.equal((await tokens()).length, tokensBefore);
  });

  test('missing GitHub claims', async () => {
    await refused(await issuer.sign(claims(FOO, { repository_id: undefined })), 'invalid-token', /no "repository_id" claim/);
  });

  test('a publisher for another project: the minted token cannot upload there', async () => {
    // FOO's publisher is for wharf-tp-foo only.
    const r = await mint(await issuer.sign(claims(FOO)));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.projects, ['wharf-tp-foo']);
    const form = new FormData();
    for (const [k, v] of Object.entries({ ':action': 'file_upload', protocol_version: '1', name: 'wharf-tp-env', version: '1.0', filetype: 'bdist_wheel', pyversion: 'py3', metadata_version: '2.1' })) form.append(k, v);
    form.append('content', new Blob([new Uint8Array(10)]), 'wharf_tp_env-1.0-py3-none-any.whl');
    const upload = await fetch(`${wharf.url}/legacy/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`__token__:${r.body.token}`).toString('base64')}` },
      body: form,
    });
    assert.equal(upload.status, 403);
    assert.match(await upload.text(), /may not upload to "wharf-tp-env"/);
  });

  test('the JWKS is cached: one discovery, one key-set fetch, plus at most one refetch for the unknown kid', () => {
    assert.equal(issuer.requests.filter((r) => r === '/.well-known/openid-configuration').length, 1, issuer.requests.join(' '));
    const jwks = issuer.requests.filter((r) => r === '/.well-known/jwks').length;
    assert.ok(jwks >= 1 && jwks <= 2, issuer.requests.join(' '));
  });
});

describe('trusted publishers in the admin API', () => {
  const JOB: GitHubJob = { owner: 'Acme', ownerId: '3001', repository: 'App', repositoryId: '8001', workflow: 'release.yaml' };

  test('an upload-scoped token may add, list and remove the publishers of its project, and only those', async () => {
    const owner = await makeToken(['upload:wharf-tp-api']);
    const stranger = await makeToken(['upload:wharf-tp-else']);

    const refused = await api('POST', '/api/publishers', stranger, publisherBody(JOB, 'wharf-tp-api'));
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /may not upload to "wharf-tp-api"/);
    assert.equal((await api('POST', '/api/publishers', undefined, publisherBody(JOB, 'wharf-tp-api'))).status, 401);

    const added = await api('POST', '/api/publishers', owner, publisherBody(JOB, 'Wharf_TP_API'));
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.project, 'wharf-tp-api');
    assert.equal(added.body.environment, null);
    const again = await api('POST', '/api/publishers', owner, publisherBody(JOB, 'wharf-tp-api'));
    assert.equal(again.status, 200);
    assert.equal(again.body.id, added.body.id);
    assert.equal(again.body.created, false);

    const mine = await api('GET', '/api/publishers', owner);
    assert.deepEqual(mine.body.publishers.map((p: any) => p.id), [added.body.id]);
    assert.deepEqual((await api('GET', '/api/publishers', stranger)).body.publishers, []);
    assert.ok((await api('GET', '/api/publishers?project=wharf-tp-api', wharf.admin.token)).body.publishers.some((p: any) => p.id === added.body.id));

    // Names matched case-insensitively, ids exactly: the publisher works for the job.
    const ok = await mint(await issuer.sign(issuer.githubClaims({ ...JOB, owner: 'acme', repository: 'app' }, AUDIENCE)));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));

    assert.equal((await api('DELETE', `/api/publishers/${added.body.id}`, stranger)).status, 404);
    const removed = await api('DELETE', `/api/publishers/${added.body.id}`, owner);
    assert.equal(removed.status, 200);
    assert.equal((await api('DELETE', `/api/publishers/${added.body.id}`, owner)).status, 404);
    const after = await mint(await issuer.sign(issuer.githubClaims(JOB, AUDIENCE)));
    assert.equal(after.status, 422);
    assert.equal(after.body.errors[0].code, 'invalid-publisher');
    // Removed publishers are kept as a trail but do not count: adding it again works.
    const readded = await api('POST', '/api/publishers', owner, publisherBody(JOB, 'wharf-tp-api'));
    assert.equal(readded.status, 201);
    assert.equal((await api('DELETE', `/api/publishers/${readded.body.id}`, wharf.admin.token)).status, 200);
  });

  test('bad publishers are a 400 that says what to fix, and nothing is stored', async () => {
    const before = (await api('GET', '/api/publishers', wharf.admin.token)).body.publishers.length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...publisherBody(JOB, 'wharf-tp-api'), workflow: 'release.sh' }, /not a workflow file name/],
      [{ ...publisherBody(JOB, 'wharf-tp-api'), repositoryId: 'abc' }, /"repositoryId" must be GitHub's numeric id/],
      [{ ...publisherBody(JOB, 'wharf-tp-api'), ownerId: undefined }, /"ownerId" is missing/],
      [{ ...publisherBody(JOB, 'wharf-tp-api'), owner: '-bad-' }, /not a GitHub owner/],
      [{ ...publisherBody(JOB, 'not a name!') }, /not a valid project name/],
      [{ ...publisherBody(JOB, 'wharf-tp-api'), provider: 'bitbucket' }, /"provider" must be one of github, gitlab, google/],
      [{ ...publisherBody(JOB, 'wharf-tp-api'), provider: 'gitlab' }, /Unknown field\(s\) owner, ownerId, repository, repositoryId, workflow: a gitlab publisher takes/],
      [{ ...publisherBody(JOB, 'wharf-tp-api'), pending: 'yes' }, /"pending" must be true or false/],
      [{ ...publisherBody(JOB, 'wharf-tp-api'), color: 'red' }, /Unknown field/],
    ];
    for (const [body, message] of cases) {
      const r = await api('POST', '/api/publishers', wharf.admin.token, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.error, message);
    }
    assert.equal((await api('GET', '/api/publishers', wharf.admin.token)).body.publishers.length, before);
  });
});

describe('the client functions wharf publish can use', () => {
  test('fetchAudience, githubActionsOidcToken (against a fake token service) and exchangeOidcToken', async () => {
    const JOB: GitHubJob = { owner: 'cli-org', ownerId: '4001', repository: 'cli', repositoryId: '9001', workflow: 'release.yml' };
    assert.equal((await api('POST', '/api/publishers', wharf.admin.token, publisherBody(JOB, 'wharf-tp-cli'))).status, 201);
    const audience = await fetchAudience(`${wharf.url}/simple/`);
    assert.equal(audience, AUDIENCE);

    // GitHub's token service as the runner exposes it: ?audience=..., "Authorization: bearer ...".
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const jwt = await issuer.sign(issuer.githubClaims(JOB, audience));
    const service = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: jwt }));
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    try {
      const port = (service.address() as import('node:net').AddressInfo).port;
      const got = await githubActionsOidcToken(audience, {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-secret',
      });
      assert.equal(got, jwt);
      assert.deepEqual(seen, [`/token?api-version=2.0&audience=${AUDIENCE} bearer runner-secret`]);
    } finally {
      service.close();
    }
    const exchanged = await exchangeOidcToken(`${wharf.url}/legacy/`, jwt);
    assert.match(exchanged.token, /^wharf_/);
    assert.deepEqual(exchanged.projects, ['wharf-tp-cli']);
    await assert.rejects(exchangeOidcToken(wharf.url, jwt), /invalid-reuse-token: invalid token: already used/);
    await assert.rejects(githubActionsOidcToken(audience, {}), /id-token: write/);
  });
});

describe('the audit line', () => {
  test('one structured trusted-publishing line per minted token: who got what from which run, never the secret', async () => {
    const { TrustedPublishing } = await import('../../lambdas/app/trusted-publishing.ts');
    const { TokenAdmin } = await import('../../lambdas/app/token-admin.ts');
    const { accessGuardFor } = await import('../../lambdas/app/access-guard.ts');
    const { OidcVerifier } = await import('../../lambdas/adapters/oidc-verifier.ts');
    const { DynamoDbPublisherStore } = await import('../../lambdas/adapters/dynamodb-publisher-store.ts');
    const client = dynamodb();
    try {
      const tokenStore = new DynamoDbTokenStore(client, wharf.stores.tokensTableName);
      const lines: { message: string; extra: Record<string, any> }[] = [];
      const logger = { info: (message: string, extra: Record<string, unknown>) => lines.push({ message, extra }), error: () => {} };
      const publishing = new TrustedPublishing({
        publishers: new DynamoDbPublisherStore(client, wharf.stores.tokensTableName),
        tokenAdmin: new TokenAdmin(tokenStore),
        verifier: new OidcVerifier({ issuers: [{ provider: 'github', issuer: issuer.url }], audience: AUDIENCE }),
        guard: accessGuardFor(tokenStore, { publicRead: false, authCacheSeconds: 0 }, logger),
        logger,
        issuers: { github: [issuer.url] },
      });
      const JOB: GitHubJob = { owner: 'audit', ownerId: '7001', repository: 'trail', repositoryId: '7002', workflow: 'release.yml', environment: 'prod', runId: '31337' };
      assert.equal((await api('POST', '/api/publishers', wharf.admin.token, publisherBody(JOB, 'wharf-tp-audit'))).status, 201);
      const minted = await publishing.exchange(await issuer.sign(issuer.githubClaims(JOB, AUDIENCE)));
      const audit = lines.filter((l) => l.message === 'trusted-publishing');
      assert.equal(audit.length, 1);
      const entry = audit[0]!.extra['trustedPublishing'];
      assert.equal(entry.tokenId, minted.tokenId);
      assert.deepEqual(entry.projects, ['wharf-tp-audit']);
      assert.equal(entry.publishers.length, 1);
      assert.equal(entry.repository, 'audit/trail');
      assert.equal(entry.repositoryId, '7002');
      assert.equal(entry.workflow, 'release.yml');
      assert.equal(entry.environment, 'prod');
      assert.equal(entry.runId, '31337');
      assert.equal(entry.expiresAt, minted.expiresAt);
      assert.ok(!JSON.stringify(lines).includes(minted.token), 'the secret is in the log');
    } finally {
      client.destroy();
    }
  });
});

describe('an issuer that cannot be reached', () => {
  test('is a 503 in the same shape, saying to retry, and mints nothing', async () => {
    const down = await startFakeOidcIssuer();
    const url = down.url;
    await down.close(); // nothing listens there any more
    const other = await startLocalWharf({ port: 0, oidcGithubIssuer: url, oidcAudience: AUDIENCE, logLevel: 'SILENT' });
    try {
      const jwt = await issuer.sign(issuer.githubClaims(ACME, AUDIENCE, { iss: url }));
      const r = await fetch(`${other.url}/_/oidc/mint-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: jwt }) });
      assert.equal(r.status, 503);
      const body = (await r.json()) as any;
      assert.equal(body.errors[0].code, 'issuer-unavailable');
      assert.match(body.errors[0].description, /could not be fetched[\s\S]*Retry in a minute/);
    } finally {
      await other.close();
    }
  });

  test('an issuer whose key set answers 503 is a 503 too, and the next request after it recovers succeeds', async () => {
    const flaky = await startFakeOidcIssuer();
    const other = await startLocalWharf({ port: 0, oidcGithubIssuer: flaky.url, oidcAudience: AUDIENCE, logLevel: 'SILENT' });
    try {
      flaky.setJwksStatus(503);
      const post = async () =>
        fetch(`${other.url}/_/oidc/mint-token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: await flaky.sign(flaky.githubClaims(ACME, AUDIENCE)) }),
        });
      const r = await post();
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as any).errors[0].code, 'issuer-unavailable');
      flaky.setJwksStatus(200);
      const again = await post();
      // Verified now; no publisher on this other index, so the refusal is about publishers.
      assert.equal(again.status, 422);
      assert.equal(((await again.json()) as any).errors[0].code, 'invalid-publisher');
    } finally {
      await other.close();
      await flaky.close();
    }
  });
});
