/**
 * The two publish clients built from the CLI (lib/client-bundles.ts), run as their users run
 * them, against a local Wharf:
 *
 * - the GitHub Action, the way a runner runs it: `node action/dist/index.js` from a copy of
 *   the action's files with no node_modules (as the runner's _actions/ checkout), in the job's
 *   workspace, inputs as INPUT_* variables, the GITHUB_* environment, and the runner's
 *   OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN) played by the fake GitHub
 *   issuer that the index trusts; publishing a 100 MB wheel and an sdist by trusted
 *   publishing, then other bytes under the same names with and without skip-existing;
 * - the single-file client the index serves: downloaded from /client/wharf.mjs into a
 *   directory outside the repository (no node_modules reachable) and run with plain node.
 *
 * Projects: wharf-clients-* (no other test uses them).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { CLIENT_BUNDLES } from '../../lib/client-bundles.ts';
import { writeBigWheel } from '../support/big-wheel.ts';
import { buildSdist, sdistFilename } from '../support/dist-builder.ts';
import { startFakeOidcIssuer, type FakeOidcIssuer, type GitHubJob } from '../support/fake-oidc-issuer.ts';
import { testSigstore } from '../support/sigstore-pki.ts';
import { cleanEnv, describeRun, run, type RunResult } from '../support/processes.ts';

const MB = 1000 * 1000;
const REPO = path.resolve(import.meta.dirname, '../..');
const AUDIENCE = 'wharf-clients-audience';
const PROJECT = 'wharf-clients-model';
const JOB: GitHubJob = { owner: 'acme', ownerId: '3001', repository: 'model', repositoryId: '7002', workflow: 'release.yml', environment: 'pypi' };

let issuer: FakeOidcIssuer;
let wharf: LocalWharf;
let dir: string;
/** The action as a runner has it: this repository's files in _actions/OWNER/REPO/REF, no node_modules. */
let action: string;
/** A Sigstore of the test's own, which the index trusts for PEP 740 attestations. */
const pki = testSigstore();

before(async () => {
  issuer = await startFakeOidcIssuer();
  dir = await mkdtemp(path.join(tmpdir(), 'wharf-publish-clients-'));
  const root = path.join(dir, 'trusted_root.json');
  await writeFile(root, JSON.stringify(pki.trustedRoot));
  wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', oidcGithubIssuer: issuer.url, oidcAudience: AUDIENCE, sigstoreTrustedRoot: root });
  const checkout = path.join(dir, '_actions', 'acme', 'wharf', 'v1');
  await mkdir(path.join(checkout, path.dirname(CLIENT_BUNDLES.action.output)), { recursive: true });
  for (const file of ['action.yml', 'package.json', CLIENT_BUNDLES.action.output]) await copyFile(path.join(REPO, file), path.join(checkout, file));
  assertNoNodeModulesAbove(checkout);
  action = path.join(checkout, CLIENT_BUNDLES.action.output);
});

/** Fails if Node could resolve a package from `dir`: what runs there has only itself. */
function assertNoNodeModulesAbove(start: string): void {
  assert.ok(path.relative(REPO, start).startsWith('..'), `${start} is outside the repository`);
  for (let at = start; ; at = path.dirname(at)) {
    assert.ok(!existsSync(path.join(at, 'node_modules')), `${at}/node_modules would be reachable`);
    if (path.dirname(at) === at) break;
  }
}
after(async () => {
  await wharf?.close();
  await issuer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface ListedFile {
  readonly filename: string;
  readonly hashes: { sha256: string };
  readonly provenance?: string;
}

async function listing(project: string): Promise<ListedFile[]> {
  const response = await fetch(`${wharf.url}/simple/${project}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  if (response.status === 404) return [];
  return ((await response.json()) as { files: ListedFile[] }).files;
}

/** Filename to sha256 of what the project page lists. */
async function files(project: string): Promise<Map<string, string>> {
  return new Map((await listing(project)).map((f) => [f.filename, f.hashes.sha256]));
}

/** A token that may upload to `project` only, made through the admin API. */
async function uploadToken(project: string): Promise<string> {
  const response = await fetch(`${wharf.url}/api/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${wharf.admin.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scopes: [`upload:${project}`], description: 'publish-clients test' }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { token: string }).token;
}

/** What a GitHub-hosted runner puts in a JavaScript action's environment, besides the inputs. */
function runnerEnv(workspace: string): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: `${JOB.owner}/${JOB.repository}`,
    GITHUB_REPOSITORY_OWNER: JOB.owner,
    GITHUB_WORKFLOW: 'Release',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REF: 'refs/tags/v1.0.0',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_EVENT_NAME: 'push',
    GITHUB_ACTION: '__acme_wharf',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: path.join(workspace, '..', 'runner-temp'),
  };
}

/** `node action/dist/index.js` as the runner starts it: from the action's checkout, in the workspace, inputs in the environment. */
async function runAction(workspace: string, inputs: Record<string, string>, extra: Record<string, string> = {}): Promise<RunResult> {
  const env = cleanEnv({ ...runnerEnv(workspace), ...extra });
  for (const key of Object.keys(env)) if (key.startsWith('WHARF_') || key.startsWith('ACTIONS_') || key.startsWith('INPUT_')) delete env[key];
  Object.assign(env, extra);
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return run(process.execPath, [action], { cwd: workspace, env, timeoutMs: 300_000 });
}

/** The lines of a run's log that are error annotations, unescaped. */
function annotations(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .map((l) => l.replace(/^::error[^:]*::/, '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'));
}

describe('the GitHub Action', () => {
  let workspace: string;
  let wheelName: string;
  let sdistName: string;

  before(async () => {
    workspace = path.join(dir, 'workspace');
    await mkdir(path.join(workspace, 'dist'), { recursive: true });
    // The project exists (a first release published with an upload token through the action
    // itself) and trusts the release workflow.
    const first = path.join(dir, 'first');
    await mkdir(path.join(first, 'dist'), { recursive: true });
    await writeBigWheel(path.join(first, 'dist'), { name: PROJECT, version: '0.1', payloadBytes: 1000 });
    // A project's first release needs upload:* (or admin): here the local admin token, as the token input.
    const created = await runAction(first, { 'repository-url': `${wharf.url}/legacy/`, token: wharf.admin.token });
    assert.equal(created.code, 0, describeRun(created));
    assert.ok(created.stdout.startsWith(`::add-mask::${wharf.admin.token}\n`), 'the token is masked first');
    assert.equal(created.stdout.split(wharf.admin.token).length, 2, 'and shows nowhere else');
    assert.match(created.stdout, /with a token\n/);
    const added = await fetch(`${wharf.url}/api/publishers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wharf.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        project: PROJECT,
        owner: JOB.owner,
        ownerId: JOB.ownerId,
        repository: JOB.repository,
        repositoryId: Number(JOB.repositoryId),
        workflow: JOB.workflow,
        environment: JOB.environment,
      }),
    });
    assert.equal(added.status, 201, await added.text());
  });

  test('by trusted publishing, publishes a 100 MB wheel and an sdist through upload sessions, with progress lines', async () => {
    // Incompressible: a random payload, stored.
    const wheel = await writeBigWheel(path.join(workspace, 'dist'), { name: PROJECT, version: '1.0', payloadBytes: 100 * MB });
    wheelName = wheel.filename;
    sdistName = sdistFilename({ name: PROJECT, version: '1.0' });
    const sdist = buildSdist({ name: PROJECT, version: '1.0', headers: [['Summary', 'The model, as source']] });
    await writeFile(path.join(workspace, 'dist', sdistName), sdist);
    assert.ok(wheel.size > 100 * MB);
    // The wheel's PEP 740 attestation, as an earlier step of the job leaves it beside the file.
    const attestation = pki.attest({ filename: wheelName, sha256: wheel.sha256, identity: { ...JOB, issuer: issuer.url } });
    await writeFile(path.join(workspace, 'dist', `${wheelName}.publish.attestation`), JSON.stringify(attestation));

    const servedBefore = issuer.served.length;
    const published = await runAction(
      workspace,
      { 'repository-url': `${wharf.url}/legacy/`, 'packages-dir': 'dist/', verbose: 'true' },
      issuer.actionsTokenService(JOB),
    );
    assert.equal(published.code, 0, describeRun(published));
    const log = published.stdout;
    assert.deepEqual(annotations(log), [], log);
    assert.match(log, /Publishing with: trusted publishing/);
    assert.match(log, new RegExp(`Publishing 2 files to ${wharf.url}/legacy/ with trusted publishing \\(GitHub Actions OIDC\\)`));
    // No terminal: a line per quarter of the big file, not a redrawn bar.
    for (const quarter of [0, 25, 50, 75]) assert.match(log, new RegExp(`${wheelName}: ${quarter}% [0-9.]+ MB/100\\.0 MB`), log);
    assert.doesNotMatch(log, /\r/);
    assert.match(log, new RegExp(`${wheelName}: uploaded, verifying`));
    assert.match(log, new RegExp(`${wheelName}: published, 100\\.0 MB in`));
    assert.match(log, new RegExp(`${sdistName}: published`));
    assert.match(log, /2 published, 0 already there, 0 skipped, 0 failed\./);
    assert.deepEqual(issuer.served.slice(servedBefore), [AUDIENCE], 'one OIDC token, asked for the index\'s audience');

    assert.match(log, new RegExp(`dist/${wheelName}\\.publish\\.attestation \\(attestation\\)`));
    const listed = await files(PROJECT);
    assert.equal(listed.get(wheelName), wheel.sha256);
    assert.equal(listed.get(sdistName), createHash('sha256').update(sdist).digest('hex'));
    // The attestation went up with the wheel, was verified, and is served as its provenance.
    const entries = await listing(PROJECT);
    const attested = entries.find((f) => f.filename === wheelName)!;
    assert.ok(attested.provenance, 'the wheel links its provenance');
    assert.equal(entries.find((f) => f.filename === sdistName)!.provenance, undefined);
    const provenance = (await (await fetch(new URL(attested.provenance, `${wharf.url}/simple/${PROJECT}/`))).json()) as { attestation_bundles: { attestations: unknown[] }[] };
    assert.deepEqual(provenance.attestation_bundles[0]!.attestations, [attestation]);
  });

  test('other bytes under the same names: skipped with skip-existing; without it, the run fails with the reason as an annotation', async () => {
    assert.ok(wheelName && sdistName, 'the first test published');
    const rebuilt = path.join(dir, 'rebuilt');
    await mkdir(path.join(rebuilt, 'dist'), { recursive: true });
    await writeBigWheel(path.join(rebuilt, 'dist'), { name: PROJECT, version: '1.0', payloadBytes: 2000 });
    await writeFile(path.join(rebuilt, 'dist', sdistName), buildSdist({ name: PROJECT, version: '1.0', headers: [['Summary', 'Rebuilt']] }));
    const before = await files(PROJECT);

    const skipped = await runAction(rebuilt, { 'repository-url': wharf.url, 'skip-existing': 'true' }, issuer.actionsTokenService(JOB));
    assert.equal(skipped.code, 0, describeRun(skipped));
    assert.deepEqual(annotations(skipped.stdout), []);
    assert.match(skipped.stdout, new RegExp(`${wheelName}: skipped \\(--skip-existing\\): .*already exist`, 'i'));
    assert.match(skipped.stdout, /0 published, 0 already there, 2 skipped, 0 failed\./);

    const refused = await runAction(rebuilt, { 'repository-url': wharf.url }, issuer.actionsTokenService(JOB));
    assert.equal(refused.code, 1, describeRun(refused));
    const errors = annotations(refused.stdout);
    assert.equal(errors.length, 2, refused.stdout);
    assert.match(errors[0]!, new RegExp(`^${wheelName}: FAILED: .*already exist`, 'i'));
    // A release is published whole or not at all (Upload 2.0): once one file is refused, the
    // other is named as not published because of it.
    assert.match(errors[1]!, new RegExp(`^${sdistName}: FAILED: (.*already exist|not published: another file of \\S+ 1\\.0 failed)`, 'i'));
    assert.match(refused.stdout, /0 published, 0 already there, 0 skipped, 2 failed\./);
    assert.deepEqual(await files(PROJECT), before, 'nothing changed on the index');
  });

  test('a job whose workflow no publisher trusts: one annotation with the index\'s reason, exit 1, nothing uploaded', async () => {
    const stranger: GitHubJob = { ...JOB, owner: 'mallory', ownerId: '666', repositoryId: '6666' };
    const refused = await runAction(workspace, { 'repository-url': wharf.url }, issuer.actionsTokenService(stranger));
    assert.equal(refused.code, 1, describeRun(refused));
    const errors = annotations(refused.stdout);
    assert.equal(errors.length, 1, refused.stdout);
    assert.match(errors[0]!, /^wharf publish: Trusted publishing exchange refused \(422\): invalid-publisher: .*mallory\/model/);
    assert.doesNotMatch(refused.stdout, /Publishing \d file/);
  });
});

describe('the single-file client the index serves', () => {
  test('downloaded from /client/wharf.mjs outside the repository, it runs with plain node and publishes with a token', async () => {
    const response = await fetch(`${wharf.url}/client/wharf.mjs`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    const etag = response.headers.get('etag');
    assert.match(etag ?? '', /^W\/".+"$/);
    const client = await response.text();
    assert.equal(client, await readFile(path.join(REPO, CLIENT_BUNDLES.client.output), 'utf8'), 'the checked-in build');
    const again = await fetch(`${wharf.url}/client/wharf.mjs`, { headers: { 'if-none-match': etag! } });
    assert.equal(again.status, 304);

    // A CI job's directory: no Wharf, no node_modules anywhere above it.
    const job = path.join(dir, 'ci-job');
    await mkdir(path.join(job, 'dist'), { recursive: true });
    assertNoNodeModulesAbove(job);
    await writeFile(path.join(job, 'wharf.mjs'), client);
    const env = cleanEnv();
    for (const key of Object.keys(env)) if (key.startsWith('WHARF_') || key.startsWith('NODE_') || key.startsWith('ACTIONS_')) delete env[key];

    const help = await run(process.execPath, ['wharf.mjs', '--help'], { cwd: job, env });
    assert.equal(help.code, 0, describeRun(help));
    assert.match(help.stdout, /Usage: wharf publish FILE\.\.\. \[options\]/);
    assert.match(help.stdout, /--skip-existing/);

    const project = 'wharf-clients-ci';
    const wheel = await writeBigWheel(path.join(job, 'dist'), { name: project, version: '1.0', payloadBytes: 3 * MB });
    const published = await run(process.execPath, ['wharf.mjs', 'publish', '--url', wharf.url, wheel.path], {
      cwd: job,
      // A new project: a token that may create it.
      env: { ...env, WHARF_TOKEN: wharf.admin.token },
    });
    assert.equal(published.code, 0, describeRun(published));
    assert.match(published.stdout, new RegExp(`${wheel.filename}: published`));
    assert.equal((await files(project)).get(wheel.filename), wheel.sha256);

    // An upload-scoped token, given on the command line, for the next release.
    const next = await writeBigWheel(path.join(job, 'dist'), { name: project, version: '1.1', payloadBytes: 1000 });
    const scoped = await run(process.execPath, ['wharf.mjs', 'publish', '--url', `${wharf.url}/simple/`, '--token', await uploadToken(project), next.path], { cwd: job, env });
    assert.equal(scoped.code, 0, describeRun(scoped));
    assert.equal((await files(project)).get(next.filename), next.sha256);

    const noUrl = await run(process.execPath, ['wharf.mjs', 'publish', next.path], { cwd: job, env });
    assert.equal(noUrl.code, 2, describeRun(noUrl));
    assert.match(noUrl.stderr, /--url is required/);
  });
});
