/**
 * `wharf publisher add|list|remove` as a user runs it: against a local data directory
 * (no server running) and against a running Wharf's admin API with --url/--token; the
 * publisher it adds then lets a job of that workflow mint a token.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { startFakeOidcIssuer, type FakeOidcIssuer } from '../support/fake-oidc-issuer.ts';
import { run } from '../support/processes.ts';

const CLI = ['--import', 'tsx', path.resolve('lambdas/cli/main.ts')];
const scratch = await mkdtemp(path.join(tmpdir(), 'wharf-publisher-cli-'));
after(() => rm(scratch, { recursive: true, force: true }));

function wharfCli(args: string[]) {
  return run(process.execPath, [...CLI, ...args], { env: { ...process.env, WHARF_DATA_DIR: '', WHARF_TOKEN: '' } });
}

const ADD = ['--project', 'Acme_CLI', '--repository', 'acme/cli', '--repository-id', '5151', '--owner-id', '6161', '--workflow', 'release.yml'];

describe('wharf publisher against a local data directory', () => {
  const dataDir = path.join(scratch, 'data');

  test('GitLab and Google publishers, and a pending one, straight into the data directory', async () => {
    const gitlab = await wharfCli(['publisher', 'add', '--provider', 'gitlab', '--project', 'acme-gl', '--project-path', 'acme/gl', '--project-id', '71', '--namespace-id', '70', '--ci-config', 'ci/release.yml', '--data-dir', dataDir]);
    assert.equal(gitlab.code, 0, gitlab.stderr);
    assert.match(gitlab.stdout, /gitlab acme\/gl on https:\/\/gitlab\.com \(project id 71, namespace id 70\), CI file ci\/release\.yml, any environment/);
    const pending = await wharfCli(['publisher', 'add', '--pending', '--provider', 'google', '--project', 'acme-new', '--email', 'ci@acme.iam.gserviceaccount.com', '--data-dir', dataDir, '--json']);
    assert.equal(pending.code, 0, pending.stderr);
    const record = JSON.parse(pending.stdout) as { id: string; pending: boolean; subject: string | null; email: string };
    assert.equal(record.pending, true);
    assert.equal(record.subject, null);
    const listed = await wharfCli(['publisher', 'list', '--data-dir', dataDir]);
    assert.match(listed.stdout, new RegExp(`${record.id}\\s+acme-new\\s+pending\\s+google service account ci@acme\\.iam\\.gserviceaccount\\.com \\(any unique id\\)`));
    for (const id of [record.id, /publisher ([0-9a-f]{16})/.exec(gitlab.stdout)![1]!]) {
      assert.equal((await wharfCli(['publisher', 'remove', id, '--data-dir', dataDir])).code, 0);
    }
  });

  test('add, list, add again, remove, list', async () => {
    const added = await wharfCli(['publisher', 'add', ...ADD, '--environment', 'PyPI', '--data-dir', dataDir]);
    assert.equal(added.code, 0, added.stderr);
    const id = /trusted publisher ([0-9a-f]{16}) for acme-cli/.exec(added.stdout)?.[1];
    assert.ok(id, added.stdout);
    assert.match(added.stdout, /github acme\/cli \(repository id 5151, owner id 6161\), workflow release\.yml, environment pypi/);

    const again = await wharfCli(['publisher', 'add', ...ADD, '--environment', 'pypi', '--data-dir', dataDir]);
    assert.match(again.stdout, new RegExp(`Already there: trusted publisher ${id}`));

    const listed = await wharfCli(['publisher', 'list', '--json', '--data-dir', dataDir]);
    assert.equal(listed.code, 0, listed.stderr);
    const publishers = (JSON.parse(listed.stdout) as { publishers: { id: string; project: string; createdBy: string }[] }).publishers;
    assert.deepEqual(publishers.map((p) => [p.id, p.project]), [[id, 'acme-cli']]);
    assert.match(publishers[0]!.createdBy, /^local/);

    const removed = await wharfCli(['publisher', 'remove', id!, '--data-dir', dataDir]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`Removed trusted publisher ${id} of acme-cli`));
    const empty = await wharfCli(['publisher', 'list', '--data-dir', dataDir]);
    assert.match(empty.stdout, /No trusted publishers/);
    const twice = await wharfCli(['publisher', 'remove', id!, '--data-dir', dataDir]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /No trusted publisher has the id/);
  });

  test('AWS roles: add, list beside a GitHub publisher, add again with another role id, remove by id alone', async () => {
    const github = await wharfCli(['publisher', 'add', ...ADD, '--data-dir', dataDir]);
    assert.equal(github.code, 0, github.stderr);
    const ROLE = ['--provider', 'aws', '--project', 'Acme_CLI', '--role-arn', 'arn:aws:iam::111122223333:role/ci/release'];
    const added = await wharfCli(['publisher', 'add', ...ROLE, '--data-dir', dataDir]);
    assert.equal(added.code, 0, added.stderr);
    const id = /trusted publisher ([0-9a-f]{16}) for acme-cli/.exec(added.stdout)?.[1];
    assert.ok(id, added.stdout);
    assert.match(added.stdout, /aws role arn:aws:iam::111122223333:role\/ci\/release, role id pinned on first use/);

    const listed = await wharfCli(['publisher', 'list', '--json', '--data-dir', dataDir]);
    assert.equal(listed.code, 0, listed.stderr);
    const publishers = (JSON.parse(listed.stdout) as { publishers: { id: string; provider: string; roleArn?: string }[] }).publishers;
    assert.deepEqual(publishers.map((p) => p.provider).sort(), ['aws', 'github']);
    assert.equal(publishers.find((p) => p.provider === 'aws')?.roleArn, 'arn:aws:iam::111122223333:role/ci/release');
    const text = await wharfCli(['publisher', 'list', '--data-dir', dataDir]);
    assert.match(text.stdout, /AWS roles:\nID .*ROLE ARN/);
    assert.match(text.stdout, /CI jobs \(GitHub Actions, GitLab CI\/CD, Google Cloud\):/);
    const awsOnly = await wharfCli(['publisher', 'list', '--provider', 'aws', '--data-dir', dataDir]);
    assert.doesNotMatch(awsOnly.stdout, /acme\/cli/);

    // Given again with its role id, the unpinned publisher is pinned; then another id is refused.
    const pin = await wharfCli(['publisher', 'add', ...ROLE, '--role-id', 'AROAQWERTYUIOPASDFGHJ', '--data-dir', dataDir]);
    assert.equal(pin.code, 0, pin.stderr);
    assert.match(pin.stdout, new RegExp(`Already there: trusted publisher ${id}[^]*role id AROAQWERTYUIOPASDFGHJ`));
    const conflict = await wharfCli(['publisher', 'add', ...ROLE, '--role-id', 'AROAZXCVBNMLKJHGFDSAQ', '--data-dir', dataDir]);
    assert.equal(conflict.code, 1, conflict.stdout);
    assert.match(conflict.stderr, /exists with role id AROAQWERTYUIOPASDFGHJ, not AROAZXCVBNMLKJHGFDSAQ: remove it/);

    const user = await wharfCli(['publisher', 'add', '--provider', 'aws', '--project', 'x', '--role-arn', 'arn:aws:iam::111122223333:user/bot', '--data-dir', dataDir]);
    assert.equal(user.code, 2);
    assert.match(user.stderr, /is an IAM user: Wharf trusts IAM roles only/);
    const mixed = await wharfCli(['publisher', 'add', ...ROLE, '--workflow', 'release.yml', '--data-dir', dataDir]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--workflow describe GitHub publishers, not --provider aws/);
    const badProvider = await wharfCli(['publisher', 'list', '--provider', 'gitlab-ish', '--data-dir', dataDir]);
    assert.equal(badProvider.code, 2);

    const removed = await wharfCli(['publisher', 'remove', id!, '--data-dir', dataDir]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`Removed trusted publisher ${id} of acme-cli: aws role`));
    const after = await wharfCli(['publisher', 'list', '--json', '--data-dir', dataDir]);
    const left = (JSON.parse(after.stdout) as { publishers: { id: string; provider: string }[] }).publishers;
    assert.deepEqual(left.map((p) => p.provider), ['github']);
    assert.equal((await wharfCli(['publisher', 'remove', left[0]!.id, '--data-dir', dataDir])).code, 0);
  });

  test('bad input is refused before any store is touched, saying what to fix', async () => {
    const missing = await wharfCli(['publisher', 'add', '--project', 'x', '--data-dir', dataDir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing --repository, --repository-id, --owner-id, --workflow/);
    const badId = await wharfCli(['publisher', 'add', ...ADD.map((a) => (a === '5151' ? 'cli' : a)), '--data-dir', dataDir]);
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /gh api repos\/acme\/cli --jq '.id, .owner.id'/);
    const usage = await wharfCli(['publisher']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /publisher add --project P \[--provider github\|gitlab\|google\|aws\]/);
    const foreign = await wharfCli(['publisher', 'add', ...ADD, '--email', 'a@b.example', '--data-dir', dataDir]);
    assert.equal(foreign.code, 2);
    assert.match(foreign.stderr, /--email is not an option of a github publisher/);
    const gitlabMissing = await wharfCli(['publisher', 'add', '--provider', 'gitlab', '--project', 'x', '--project-path', 'acme/x', '--data-dir', dataDir]);
    assert.equal(gitlabMissing.code, 2);
    assert.match(gitlabMissing.stderr, /missing --project-id, --namespace-id/);
  });
});

describe('wharf publisher against a running Wharf (--url --token)', () => {
  let wharf: LocalWharf;
  let issuer: FakeOidcIssuer;
  before(async () => {
    issuer = await startFakeOidcIssuer();
    wharf = await startLocalWharf({ port: 0, oidcGithubIssuer: issuer.url, logLevel: 'SILENT' });
  });
  after(async () => {
    await wharf?.close();
    await issuer?.close();
  });

  test('a project-scoped token adds a publisher for its project, whose job then mints a token', async () => {
    const created = await fetch(`${wharf.url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wharf.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['upload:acme-cli'] }),
    });
    const projectToken = ((await created.json()) as { token: string }).token;
    const added = await wharfCli(['publisher', 'add', ...ADD, '--url', `${wharf.url}/simple/`, '--token', projectToken]);
    assert.equal(added.code, 0, added.stderr);

    const elsewhere = await wharfCli(['publisher', 'add', ...ADD.map((a) => (a === 'Acme_CLI' ? 'other' : a)), '--url', wharf.url, '--token', projectToken]);
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, /answered 403: This token may not upload to "other"/);

    const audience = ((await (await fetch(`${wharf.url}/_/oidc/audience`)).json()) as { audience: string }).audience;
    assert.equal(audience, 'wharf');
    const jwt = await issuer.sign(issuer.githubClaims({ owner: 'acme', ownerId: '6161', repository: 'cli', repositoryId: '5151', workflow: 'release.yml' }, audience));
    const minted = await fetch(`${wharf.url}/_/oidc/mint-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: jwt }) });
    assert.equal(minted.status, 200);
    assert.deepEqual(((await minted.json()) as { projects: string[] }).projects, ['acme-cli']);

    const listed = await wharfCli(['publisher', 'list', '--url', wharf.url, '--token', projectToken]);
    assert.match(listed.stdout, /acme-cli\s+active\s+github acme\/cli \(repository id 5151, owner id 6161\), workflow release\.yml, any environment/);
  });
});
