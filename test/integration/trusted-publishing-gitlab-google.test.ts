/**
 * Trusted publishing from GitLab CI/CD and Google Cloud, and pending publishers, against a
 * local Wharf that trusts fake issuers on loopback (each with its own keys, discovery
 * document and JWKS): one stands in for gitlab.com, one for a GitLab instance the index
 * does NOT trust, one for Google (also answering as the Google Cloud metadata server).
 *
 * Real clients: the `wharf` CLI as a job runs it (WHARF_ID_TOKEN as a GitLab job's
 * `id_tokens` sets it; GCE_METADATA_HOST as Google's libraries honour it) and Debian's twine
 * with a minted token. Every refusal is checked for its status, its reason and that nothing
 * was minted or spent. Projects: wharf-tpg-* (no other test uses them).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { DynamoDbProjectLookup } from '../../lambdas/adapters/dynamodb-project-lookup.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { createDynamoDbClient, createDynamoDbSdkClient } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { writeBigWheel } from '../support/big-wheel.ts';
import { startFakeOidcIssuer, type FakeOidcIssuer, type GitLabJob, type GoogleAccount } from '../support/fake-oidc-issuer.ts';
import { cleanEnv, describeRun, missingTool, run, type RunResult } from '../support/processes.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const AUDIENCE = 'wharf-tpg-audience';

const GL_JOB: GitLabJob = { projectPath: 'Acme/Tools/TPG-App', projectId: '4101', namespaceId: '4100', environment: 'pypi', pipelineId: '555' };
const SA: GoogleAccount = { email: 'release@acme-tpg.iam.gserviceaccount.com', uniqueId: '104857600000000000001' };

let gitlab: FakeOidcIssuer;
let untrustedGitlab: FakeOidcIssuer;
let google: FakeOidcIssuer;
let wharf: LocalWharf;
let dir: string;

before(async () => {
  [gitlab, untrustedGitlab, google] = await Promise.all([startFakeOidcIssuer(), startFakeOidcIssuer(), startFakeOidcIssuer()]);
  wharf = await startLocalWharf({
    port: 0,
    logLevel: 'SILENT',
    oidcAudience: AUDIENCE,
    oidcGitlabIssuers: [gitlab.url],
    oidcGoogleIssuers: [google.url],
    authCacheSeconds: 0,
  });
  dir = await mkdtemp(path.join(tmpdir(), 'wharf-tpg-'));
});
after(async () => {
  await wharf?.close();
  await Promise.all([gitlab?.close(), untrustedGitlab?.close(), google?.close()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function api(method: string, pathname: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${wharf.url}${pathname}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function mint(jwt: string, pathname = '/_/oidc/mint-token'): Promise<{ status: number; body: any }> {
  return api('POST', pathname, undefined, { token: jwt });
}

async function tokenCount(): Promise<number> {
  const client = createDynamoDbClient(wharf.stores);
  try {
    return (await new DynamoDbTokenStore(client, wharf.stores.tokensTableName).listTokens()).length;
  } finally {
    client.destroy();
  }
}

/** Spent one-use ids (a test may Scan; Wharf never does). */
async function spentIds(): Promise<number> {
  const client = createDynamoDbSdkClient(wharf.stores);
  try {
    const out = await client.send(
      new ScanCommand({ TableName: wharf.stores.tokensTableName, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: 'OIDC_JTI#' } } }),
    );
    return out.Items?.length ?? 0;
  } finally {
    client.destroy();
  }
}

async function listed(project: string): Promise<string[]> {
  const response = await fetch(`${wharf.url}/simple/${project}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  if (response.status === 404) return [];
  return ((await response.json()) as { files: { filename: string }[] }).files.map((f) => f.filename);
}

function wharfCli(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const base = cleanEnv(env);
  for (const name of ['WHARF_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN']) if (!(name in env)) delete base[name];
  if (!('WHARF_ID_TOKEN' in env)) delete base['WHARF_ID_TOKEN'];
  // Never the real metadata server: a closed loopback port unless a test names its fake.
  base['GCE_METADATA_HOST'] = env['GCE_METADATA_HOST'] ?? '127.0.0.1:9';
  return run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), ...args], { env: base, cwd: REPO, timeoutMs: 120_000 });
}

async function wheel(project: string, version: string): Promise<string> {
  return (await writeBigWheel(dir, { name: project, version, payloadBytes: 2000 })).path;
}

/** A project that exists: v1.0 by the admin token. */
async function existingProject(project: string): Promise<void> {
  const r = await wharfCli(['publish', '--url', wharf.url, await wheel(project, '1.0')], { WHARF_TOKEN: wharf.admin.token });
  assert.equal(r.code, 0, describeRun(r));
}

function addPublisher(args: readonly string[]): Promise<RunResult> {
  return wharfCli(['publisher', 'add', ...args, '--url', wharf.url, '--token', wharf.admin.token]);
}

const missingTwine = await missingTool(
  () => run('twine', ['--version'], { env: cleanEnv({ HOME: tmpdir() }) }).then((r) => (r.code === 0 ? r : Promise.reject(new Error(r.stderr)))),
  "Debian's twine (apt-get install -y twine)",
);

function twine(file: string, token: string): Promise<RunResult> {
  return run('twine', ['upload', '--disable-progress-bar', '--non-interactive', '--repository-url', `${wharf.url}/legacy/`, '-u', '__token__', '-p', token, file], {
    env: cleanEnv({ HOME: dir, PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring', NO_COLOR: '1', TERM: 'dumb', NO_PROXY: '127.0.0.1,localhost' }),
  });
}

const GL_PROJECT = 'wharf-tpg-gitlab';
const GO_PROJECT = 'wharf-tpg-google';

describe('end to end: a GitLab job and a Google service account publish', () => {
  before(async () => {
    await existingProject(GL_PROJECT);
    await existingProject(GO_PROJECT);
  });

  test('wharf publisher add --provider gitlab, then the job: wharf publish --trusted-publishing with WHARF_ID_TOKEN', async () => {
    const added = await addPublisher([
      '--provider', 'gitlab', '--project', GL_PROJECT, '--project-path', GL_JOB.projectPath, '--project-id', GL_JOB.projectId,
      '--namespace-id', GL_JOB.namespaceId, '--environment', 'pypi', '--issuer', gitlab.url,
    ]);
    assert.equal(added.code, 0, describeRun(added));
    assert.match(added.stdout, new RegExp(`gitlab Acme/Tools/TPG-App on ${gitlab.url} \\(project id 4101, namespace id 4100\\), CI file \\.gitlab-ci\\.yml, environment pypi`));
    assert.match(added.stdout, /id_tokens: WHARF_ID_TOKEN: aud:/);

    // What GitLab puts in the job's environment for `id_tokens: WHARF_ID_TOKEN: aud: <audience>`.
    const jwt = await gitlab.sign(gitlab.gitlabClaims(GL_JOB, AUDIENCE));
    const file = await wheel(GL_PROJECT, '1.1');
    const published = await wharfCli(['publish', '--url', wharf.url, file], { WHARF_ID_TOKEN: jwt });
    assert.equal(published.code, 0, describeRun(published));
    assert.match(published.stdout + published.stderr, /trusted publishing \(WHARF_ID_TOKEN\)/);
    assert.ok((await listed(GL_PROJECT)).includes(path.basename(file)));

    // The same token again: spent.
    const again = await wharfCli(['publish', '--url', wharf.url, await wheel(GL_PROJECT, '1.2')], { WHARF_ID_TOKEN: jwt });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /invalid-reuse-token/);

    // A token for another audience is said plainly, before the index is asked.
    const other = await wharfCli(['publish', '--trusted-publishing', '--url', wharf.url, file], {
      WHARF_ID_TOKEN: await gitlab.sign(gitlab.gitlabClaims(GL_JOB, 'pypi')),
    });
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /WHARF_ID_TOKEN is a token for the audience pypi, and this index wants "wharf-tpg-audience": in GitLab, declare `id_tokens: WHARF_ID_TOKEN: aud: wharf-tpg-audience`/);
  });

  test('wharf publisher add --provider google, then a job on Google Cloud: the token from the metadata server', async () => {
    const added = await addPublisher(['--provider', 'google', '--project', GO_PROJECT, '--email', SA.email, '--subject', SA.uniqueId]);
    assert.equal(added.code, 0, describeRun(added));
    assert.match(added.stdout, /google service account release@acme-tpg\.iam\.gserviceaccount\.com \(unique id 104857600000000000001\)/);

    google.googleMetadata(SA);
    const servedBefore = google.served.length;
    const file = await wheel(GO_PROJECT, '1.1');
    const published = await wharfCli(['publish', '--trusted-publishing', '--url', wharf.url, file], { GCE_METADATA_HOST: google.metadataHost });
    assert.equal(published.code, 0, describeRun(published));
    assert.match(published.stdout + published.stderr, /trusted publishing \(the Google Cloud metadata server\)/);
    assert.deepEqual(google.served.slice(servedBefore), [AUDIENCE], 'one identity token, for the index audience');
    assert.ok((await listed(GO_PROJECT)).includes(path.basename(file)));

    // No WHARF_ID_TOKEN, no GitHub, no metadata server: what to do next.
    const nowhere = await wharfCli(['publish', '--trusted-publishing', '--url', wharf.url, file]);
    assert.notEqual(nowhere.code, 0);
    assert.match(nowhere.stderr, /No OIDC token to publish with: WHARF_ID_TOKEN is unset.*no Google Cloud metadata server answers at 127\.0\.0\.1:9/s);
  });

  test('twine uploads with a token minted for the Google service account (POST /_/oidc/google/mint-token)', { skip: missingTwine ?? false }, async () => {
    const answer = await mint(await google.sign(google.googleClaims(SA, AUDIENCE)), '/_/oidc/google/mint-token');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.projects, [GO_PROJECT]);
    const file = await wheel(GO_PROJECT, '1.2');
    const upload = await twine(file, answer.body.token);
    assert.equal(upload.code, 0, describeRun(upload));
    assert.ok((await listed(GO_PROJECT)).includes(path.basename(file)));
    // The minted token is for this project only.
    const elsewhere = await twine(await wheel(GL_PROJECT, '9.0'), answer.body.token);
    assert.notEqual(elsewhere.code, 0);
    assert.match(elsewhere.stdout + elsewhere.stderr, /403 Forbidden/);
  });
});

describe('every mismatch is refused with its reason, and nothing is minted or spent', () => {
  async function refused(jwt: string, code: string, description: RegExp, pathname?: string): Promise<void> {
    const [tokensBefore, spentBefore] = [await tokenCount(), await spentIds()];
    const r = await mint(jwt, pathname);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.errors[0].code, code, JSON.stringify(r.body));
    assert.match(r.body.errors[0].description, description);
    assert.equal(r.body.token, undefined);
    assert.equal(await tokenCount(), tokensBefore, 'a token was minted');
    assert.equal(await spentIds(), spentBefore, 'a one-use id was spent');
  }
  const gl = (overrides: Record<string, unknown> = {}) => gitlab.sign(gitlab.gitlabClaims(GL_JOB, AUDIENCE, overrides));
  const go = (overrides: Record<string, unknown> = {}) => google.sign(google.googleClaims(SA, AUDIENCE, overrides));

  test('the untampered tokens are accepted (each refusal below differs in one thing)', async () => {
    assert.equal((await mint(await gl())).status, 200);
    assert.equal((await mint(await go())).status, 200);
  });

  test('GitLab: another project path', async () => {
    const other = 'Acme/Tools/Evil';
    await refused(
      await gl({ project_path: other, sub: `project_path:${other}:ref_type:tag:ref:v1.0.0`, ci_config_ref_uri: `${gitlab.url.slice(7)}/${other}//.gitlab-ci.yml@refs/tags/v1.0.0` }),
      'invalid-publisher',
      /project path Acme\/Tools\/Evil is not Acme\/Tools\/TPG-App/,
    );
  });

  test('GitLab: another project id (a re-created project) finds no publisher at all', async () => {
    await refused(await gl({ project_id: '4199' }), 'invalid-publisher', /no project trusts Acme\/Tools\/TPG-App on .* \(project id 4199\)/);
  });

  test('GitLab: another namespace id', async () => {
    await refused(await gl({ namespace_id: '666' }), 'invalid-publisher', /namespace id 666 is not 4100/);
  });

  test('GitLab: another CI file, another environment', async () => {
    await refused(
      await gl({ ci_config_ref_uri: `${gitlab.url.slice(7)}/${GL_JOB.projectPath}//ci/other.yml@refs/tags/v1.0.0` }),
      'invalid-publisher',
      /CI configuration file ci\/other\.yml is not \.gitlab-ci\.yml/,
    );
    await refused(await gl({ environment: 'staging' }), 'invalid-publisher', /environment staging is not pypi/);
  });

  test('GitLab: an untrusted instance, with the same project and ids', async () => {
    await refused(
      await untrustedGitlab.sign(untrustedGitlab.gitlabClaims(GL_JOB, AUDIENCE)),
      'invalid-token',
      new RegExp(`the issuer "${untrustedGitlab.url}" is not trusted by this index`),
    );
  });

  test('GitLab: wrong audience, expired, replayed', async () => {
    await refused(await gl({ aud: 'pypi' }), 'invalid-token', /audience "pypi" is not this index's "wharf-tpg-audience"/);
    const now = Math.floor(Date.now() / 1000);
    await refused(await gl({ iat: now - 900, nbf: now - 900, exp: now - 600 }), 'invalid-token', /it expired at/);
    const once = await gl();
    assert.equal((await mint(once)).status, 200);
    await refused(once, 'invalid-reuse-token', /already used/);
  });

  test('Google: another service account, another unique id (a re-created account), an unverified email', async () => {
    await refused(await go({ email: 'intruder@acme-tpg.iam.gserviceaccount.com' }), 'invalid-publisher', /no project trusts service account intruder@/);
    await refused(await go({ sub: '999' }), 'invalid-publisher', /service account id 999 is not 104857600000000000001/);
    await refused(await go({ email_verified: false }), 'invalid-publisher', /is not verified/);
  });

  test('Google: no jti, yet a token is exchanged once (its signature is spent)', async () => {
    // RS256 signatures are deterministic: the same claims in the same second are the same token.
    const once = await go({ iat: Math.floor(Date.now() / 1000) - 17 });
    assert.equal((await mint(once)).status, 200);
    await refused(once, 'invalid-reuse-token', /already used/);
  });

  test('Google: wrong audience, expired, a token on the GitLab route', async () => {
    await refused(await go({ aud: 'https://example.com' }), 'invalid-token', /audience "https:\/\/example\.com" is not this index's/);
    const now = Math.floor(Date.now() / 1000);
    await refused(await go({ iat: now - 7200, exp: now - 3600 }), 'invalid-token', /it expired at/);
    await refused(await go(), 'invalid-token', /is not trusted by this index/, '/_/oidc/gitlab/mint-token');
  });
});

describe('pending publishers', () => {
  const PENDING = 'wharf-tpg-new';
  const TAKEN = 'wharf-tpg-taken';
  const job: GitLabJob = { projectPath: 'acme/tpg-new', projectId: '4201', namespaceId: '4200' };
  let pendingId = '';

  test('only an admin registers one, and only for a name not yet in the index', async () => {
    const uploader = (await api('POST', '/api/tokens', wharf.admin.token, { scopes: ['upload:*'] })).body.token as string;
    const body = { provider: 'gitlab', project: PENDING, projectPath: job.projectPath, projectId: job.projectId, namespaceId: job.namespaceId, issuer: gitlab.url, pending: true };
    const notAdmin = await api('POST', '/api/publishers', uploader, body);
    assert.equal(notAdmin.status, 403, JSON.stringify(notAdmin.body));
    assert.match(notAdmin.body.error, /admin scope/);
    const exists = await api('POST', '/api/publishers', wharf.admin.token, { ...body, project: GL_PROJECT });
    assert.equal(exists.status, 409, JSON.stringify(exists.body));
    assert.match(exists.body.error, /exists already: a pending publisher is for a name not yet in the index/);

    const added = await addPublisher(['--pending', '--provider', 'gitlab', '--project', PENDING, '--project-path', job.projectPath, '--project-id', job.projectId, '--namespace-id', job.namespaceId, '--issuer', gitlab.url]);
    assert.equal(added.code, 0, describeRun(added));
    assert.match(added.stdout, /Added pending trusted publisher ([0-9a-f]{16}) for wharf-tpg-new/);
    assert.match(added.stdout, /The name wharf-tpg-new is reserved for it/);
    pendingId = /publisher ([0-9a-f]{16})/.exec(added.stdout)![1]!;
    const list = await wharfCli(['publisher', 'list', '--project', PENDING, '--url', wharf.url, '--token', wharf.admin.token]);
    assert.match(list.stdout, new RegExp(`${pendingId}\\s+wharf-tpg-new\\s+pending\\s+gitlab acme/tpg-new`));
  });

  test('nobody else may create the reserved name, not even an admin, and the refusal says why', async () => {
    const byAdmin = await wharfCli(['publish', '--url', wharf.url, await wheel(PENDING, '0.9')], { WHARF_TOKEN: wharf.admin.token });
    assert.notEqual(byAdmin.code, 0);
    assert.match(byAdmin.stderr, new RegExp(`The name "wharf-tpg-new" is reserved for a pending trusted publisher \\(${pendingId}\\).*wharf publisher remove ID`, 's'));
    assert.deepEqual(await listed(PENDING), []);
  });

  test('its first exchange makes it an ordinary publisher; a first upload that never came can come from the next run', async () => {
    // A job that exchanged its token and then failed before uploading.
    const exchanged = await mint(await gitlab.sign(gitlab.gitlabClaims(job, AUDIENCE)));
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    assert.equal((await api('GET', `/api/publishers?project=${PENDING}`, wharf.admin.token)).body.publishers[0].pending, false);
    assert.deepEqual(await listed(PENDING), []);
    // Still reserved for it: nobody else creates the name meanwhile.
    const byAdmin = await wharfCli(['publish', '--url', wharf.url, await wheel(PENDING, '0.9')], { WHARF_TOKEN: wharf.admin.token });
    assert.match(byAdmin.stderr, /is reserved for a pending trusted publisher/);
  });

  test('its first publish creates the project, and it becomes an ordinary publisher', async () => {
    const first = await wharfCli(['publish', '--url', wharf.url, await wheel(PENDING, '1.0')], { WHARF_ID_TOKEN: await gitlab.sign(gitlab.gitlabClaims(job, AUDIENCE)) });
    assert.equal(first.code, 0, describeRun(first));
    assert.deepEqual(await listed(PENDING), ['wharf_tpg_new-1.0-py3-none-any.whl']);
    const list = await api('GET', `/api/publishers?project=${PENDING}`, wharf.admin.token);
    assert.equal(list.body.publishers[0].id, pendingId);
    assert.equal(list.body.publishers[0].pending, false);
    // And publishes on, as any publisher does.
    const second = await wharfCli(['publish', '--url', wharf.url, await wheel(PENDING, '1.1')], { WHARF_ID_TOKEN: await gitlab.sign(gitlab.gitlabClaims(job, AUDIENCE)) });
    assert.equal(second.code, 0, describeRun(second));
    assert.equal((await listed(PENDING)).length, 2);
  });

  test('a pending publisher whose name was taken in the meantime cannot be used', async () => {
    const takenJob: GitLabJob = { projectPath: 'acme/tpg-taken', projectId: '4301', namespaceId: '4300' };
    const added = await api('POST', '/api/publishers', wharf.admin.token, {
      provider: 'gitlab', project: TAKEN, projectPath: takenJob.projectPath, projectId: takenJob.projectId, namespaceId: takenJob.namespaceId, issuer: gitlab.url, pending: true,
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    // The name is taken behind the index's back, as an operator's import into the store does.
    const client = createDynamoDbClient(wharf.stores);
    try {
      await new DynamoDbMetadataStore(client, wharf.stores.tableName).putProject({ name: TAKEN, displayName: TAKEN, createdAt: new Date().toISOString() });
      // The admin function's own look (on AWS it has GetItem only) sees it, under the metadata store's keys.
      const lookup = new DynamoDbProjectLookup(client, wharf.stores.tableName);
      assert.equal(await lookup.projectExists(TAKEN), true);
      assert.equal(await lookup.projectExists('wharf-tpg-never'), false);
    } finally {
      client.destroy();
    }
    const [tokensBefore, spentBefore] = [await tokenCount(), await spentIds()];
    const r = await mint(await gitlab.sign(gitlab.gitlabClaims(takenJob, AUDIENCE)));
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.errors[0].code, 'project-taken');
    assert.match(r.body.errors[0].description, new RegExp(`pending publisher ${added.body.id} \\(wharf-tpg-taken\\) cannot be used: the project was created in the meantime`));
    assert.equal(await tokenCount(), tokensBefore);
    assert.equal(await spentIds(), spentBefore);
  });

  test('removing a pending publisher lifts the reservation', async () => {
    const name = 'wharf-tpg-lifted';
    const added = await api('POST', '/api/publishers', wharf.admin.token, { provider: 'google', project: name, email: SA.email, pending: true });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const blocked = await wharfCli(['publish', '--url', wharf.url, await wheel(name, '1.0')], { WHARF_TOKEN: wharf.admin.token });
    assert.match(blocked.stderr, /is reserved for a pending trusted publisher/);
    const removed = await wharfCli(['publisher', 'remove', added.body.id, '--url', wharf.url, '--token', wharf.admin.token]);
    assert.equal(removed.code, 0, describeRun(removed));
    const published = await wharfCli(['publish', '--url', wharf.url, await wheel(name, '1.0')], { WHARF_TOKEN: wharf.admin.token });
    assert.equal(published.code, 0, describeRun(published));
  });
});

describe('GitHub publishers stored before publishers had kinds', () => {
  test('read back as GitHub publishers, with their ids, and still match', async () => {
    const { DynamoDbPublisherStore } = await import('../../lambdas/adapters/dynamodb-publisher-store.ts');
    const { matchPublishers, validatePublisher } = await import('../../lambdas/core/trusted-publishing.ts');
    const record = validatePublisher(
      { project: 'wharf-tpg-legacy', owner: 'acme', ownerId: '8001', repository: 'legacy', repositoryId: '8002', workflow: 'release.yml' },
      'token:old',
      new Date('2026-06-01T00:00:00Z'),
    );
    const client = createDynamoDbClient(wharf.stores);
    try {
      // Exactly the item the first release of trusted publishing wrote: no `pending`, GitHub's fields only.
      await client.put({
        TableName: wharf.stores.tokensTableName,
        Item: {
          pk: 'PUBLISHERS', sk: `PUBLISHER#github#8002#${record.id}`, id: record.id, project: 'wharf-tpg-legacy', provider: 'github', owner: 'acme', ownerId: '8001',
          repository: 'legacy', repositoryId: '8002', workflow: 'release.yml', environment: '', createdBy: 'token:old', createdAt: '2026-06-01T00:00:00.000Z',
        },
      });
      const [stored] = await new DynamoDbPublisherStore(client, wharf.stores.tokensTableName).publishersForRepository('github', '8002');
      assert.deepEqual(stored, record);
      const claims = {
        sub: 'repo:acme/legacy:ref:refs/tags/v1', repository: 'acme/legacy', repository_id: '8002', repository_owner: 'acme', repository_owner_id: '8001',
        job_workflow_ref: 'acme/legacy/.github/workflows/release.yml@refs/tags/v1', ref: 'refs/tags/v1', jti: 'x',
      };
      assert.deepEqual(matchPublishers([stored!], claims, 'github'), [record]);
    } finally {
      client.destroy();
    }
    const listed = await api('GET', '/api/publishers?project=wharf-tpg-legacy', wharf.admin.token);
    assert.equal(listed.body.publishers[0].id, record.id);
    assert.equal(listed.body.publishers[0].pending, false);
    assert.equal(listed.body.publishers[0].environment, null);
  });
});
