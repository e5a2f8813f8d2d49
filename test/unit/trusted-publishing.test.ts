/** The pure rules of trusted publishing: validating publishers, matching GitHub claims. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  matchPublishers,
  mismatchOf,
  TrustedPublishingError,
  validatePublisher,
  workflowFilenameOf,
  type GitHubPublisher,
  type PublisherRecord,
} from '../../lambdas/core/trusted-publishing.ts';
import { checkAudience, checkIssuerUrl, loadOidcConfig } from '../../lambdas/config/wharf-config.ts';
import { ConfigError } from '../../lambdas/config/environment.ts';

const NOW = new Date('2026-11-01T00:00:00Z');

function publisher(overrides: Partial<Parameters<typeof validatePublisher>[0]> = {}): GitHubPublisher {
  return <GitHubPublisher>validatePublisher(
    { project: 'Acme_App', owner: 'Acme', ownerId: '10', repository: 'App', repositoryId: '20', workflow: 'release.yml', ...overrides },
    'token:x',
    NOW,
  );
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'repo:acme/app:ref:refs/tags/v1',
    repository: 'acme/app',
    repository_id: '20',
    repository_owner: 'acme',
    repository_owner_id: '10',
    job_workflow_ref: 'acme/app/.github/workflows/release.yml@refs/tags/v1',
    ref: 'refs/tags/v1',
    sha: 'f'.repeat(40),
    jti: 'j1',
    ...overrides,
  };
}

describe('validatePublisher', () => {
  test('normalizes the project, lower-cases the environment, derives a stable id', () => {
    const p = publisher({ environment: ' PyPI ' });
    assert.equal(p.project, 'acme-app');
    assert.equal(p.environment, 'pypi');
    assert.equal(p.owner, 'Acme');
    assert.match(p.id, /^[0-9a-f]{16}$/);
    assert.equal(publisher({ environment: 'pypi', project: 'acme.app' }).id, p.id);
    assert.notEqual(publisher({ environment: 'other' }).id, p.id);
    assert.notEqual(publisher({ environment: 'pypi', repositoryId: '21' }).id, p.id);
  });

  test('a GitHub publisher keeps the id it was stored under before publishers had kinds', () => {
    // The id as the first release computed it: sha256 of provider, project, ids, workflow, environment.
    const before = createHash('sha256').update(['github', 'acme-app', '20', '10', 'release.yml', 'pypi'].join('\n'), 'utf8').digest('hex').slice(0, 16);
    assert.equal(publisher({ environment: 'pypi' }).id, before);
  });

  test('takes OWNER/REPO in repository, and a .github/workflows/ prefix on the workflow', () => {
    const p = publisher({ owner: '', repository: 'acme/app', workflow: '.github/workflows/publish.yaml' });
    assert.equal(p.owner, 'acme');
    assert.equal(p.repository, 'app');
    assert.equal(p.workflow, 'publish.yaml');
    assert.throws(() => publisher({ owner: 'other', repository: 'acme/app' }), /OWNER\/NAME matching the owner/);
  });

  for (const [what, overrides, message] of [
    ['a non-numeric repository id', { repositoryId: '12a' }, /"repositoryId" must be GitHub's numeric id/],
    ['an owner id of 0', { ownerId: '0' }, /"ownerId"/],
    ['a workflow that is not YAML', { workflow: 'release.sh' }, /not a workflow file name/],
    ['a workflow in a sub-directory', { workflow: 'sub/release.yml' }, /not a workflow file name/],
    ['a workflow ref instead of a file', { workflow: 'release.yml@main' }, /not a workflow file name/],
    ['an owner with a double hyphen', { owner: 'a--b' }, /not a GitHub owner/],
    ['a repository named ..', { repository: '..' }, /not a GitHub repository name/],
    ['an environment over two lines', { environment: 'a\nb' }, /one line/],
    ['an unknown provider', { provider: 'bitbucket' }, /Unknown publisher provider "bitbucket": Wharf trusts GitHub Actions \("github"\), GitLab CI\/CD \("gitlab"\), Google Cloud \("google"\)/],
    ['an invalid project name', { project: '-x-' }, /not a valid project name/],
  ] as const) {
    test(`refuses ${what}`, () => {
      assert.throws(() => publisher(overrides as never), message);
    });
  }
});

describe('workflowFilenameOf', () => {
  test('parses the file name as Warehouse does, even with @ and .yml elsewhere', () => {
    assert.equal(workflowFilenameOf('acme/app/.github/workflows/release.yml@refs/tags/v1'), 'release.yml');
    assert.equal(workflowFilenameOf('acme/app/.github/workflows/release.yaml@refs/heads/x.yml'), 'release.yaml');
    assert.equal(workflowFilenameOf('acme/app/.github/workflows/no-ref.yml'), undefined);
  });
});

describe('matching claims', () => {
  const p = publisher();

  test('matches names case-insensitively and ids exactly', () => {
    assert.equal(mismatchOf(p, claims()), undefined);
    assert.equal(mismatchOf(p, claims({ repository: 'ACME/App', repository_owner: 'ACME', sub: 'repo:ACME/App:ref:refs/tags/v1', job_workflow_ref: 'ACME/App/.github/workflows/release.yml@refs/tags/v1' })), undefined);
  });

  test('accepts job_workflow_ref at the sha when the ref is empty', () => {
    assert.equal(mismatchOf(p, claims({ ref: '', job_workflow_ref: `acme/app/.github/workflows/release.yml@${'f'.repeat(40)}` })), undefined);
  });

  for (const [what, overrides, reason] of [
    ['another repository id', { repository_id: '21' }, /repository id 21 is not 20/],
    ['another owner id', { repository_owner_id: '11' }, /owner id 11 is not 10/],
    ['another repository name', { repository: 'acme/other' }, /repository acme\/other is not Acme\/App/],
    ['another owner name', { repository_owner: 'evil' }, /repository owner evil/],
    ['a subject for another repository', { sub: 'repo:evil/app:ref:x' }, /subject/],
    ['another workflow', { job_workflow_ref: 'acme/app/.github/workflows/ci.yml@refs/tags/v1' }, /workflow ci\.yml is not release\.yml/],
    ['a workflow ref at another ref', { job_workflow_ref: 'acme/app/.github/workflows/release.yml@refs/heads/evil' }, /job_workflow_ref/],
    ['a reusable workflow from another repository', { job_workflow_ref: 'evil/lib/.github/workflows/release.yml@refs/tags/v1' }, /job_workflow_ref/],
  ] as const) {
    test(`refuses ${what}`, () => {
      assert.match(mismatchOf(p, claims(overrides)) ?? '', reason);
    });
  }

  test('an environment, when the publisher names one, must match (any case); none matches any', () => {
    const strict = publisher({ environment: 'pypi' });
    assert.equal(mismatchOf(strict, claims({ environment: 'PyPI' })), undefined);
    assert.match(mismatchOf(strict, claims({ environment: 'staging' })) ?? '', /environment staging is not pypi/);
    assert.match(mismatchOf(strict, claims()) ?? '', /no environment/);
    assert.equal(mismatchOf(p, claims({ environment: 'anything' })), undefined);
  });

  test('matchPublishers returns every matching publisher, across projects', () => {
    const other = publisher({ project: 'acme-lib' });
    const stranger = publisher({ project: 'acme-cli', workflow: 'cli.yml' });
    assert.deepEqual(matchPublishers([p, other, stranger], claims()).map((x) => x.project), ['acme-app', 'acme-lib']);
  });

  test('matchPublishers refuses with invalid-publisher and each reason', () => {
    assert.throws(
      () => matchPublishers([p], claims({ job_workflow_ref: 'acme/app/.github/workflows/ci.yml@refs/tags/v1' })),
      (err: unknown) =>
        err instanceof TrustedPublishingError && err.code === 'invalid-publisher' && /acme-app\): workflow ci\.yml is not release\.yml/.test(err.message),
    );
    assert.throws(() => matchPublishers([], claims()), /no project trusts acme\/app \(repository id 20\)/);
  });

  test('a token without the GitHub claims is invalid-token, whatever publishers exist', () => {
    for (const name of ['sub', 'repository_id', 'repository_owner_id', 'job_workflow_ref', 'jti']) {
      assert.throws(
        () => matchPublishers([p], claims({ [name]: undefined })),
        (err: unknown) => err instanceof TrustedPublishingError && err.code === 'invalid-token' && err.message.includes(`"${name}"`),
      );
    }
    assert.throws(() => matchPublishers([p], claims({ ref: undefined, sha: undefined })), /neither a "ref" nor a "sha"/);
  });
});

describe('OIDC configuration', () => {
  test('defaults to GitHub, gitlab.com, Google and the audience "wharf"', () => {
    assert.deepEqual(loadOidcConfig({}), {
      audience: 'wharf',
      githubIssuer: 'https://token.actions.githubusercontent.com',
      gitlabIssuers: ['https://gitlab.com'],
      googleIssuers: ['https://accounts.google.com'],
    });
  });

  test('GitLab issuers: a comma-separated list (self-managed ones added), or none', () => {
    const config = loadOidcConfig({ WHARF_OIDC_GITLAB_ISSUERS: 'https://gitlab.com, https://git.acme.example/', WHARF_OIDC_GOOGLE_ISSUERS: 'none' });
    assert.deepEqual(config.gitlabIssuers, ['https://gitlab.com', 'https://git.acme.example']);
    assert.deepEqual(config.googleIssuers, []);
    assert.deepEqual(loadOidcConfig({ WHARF_OIDC_GITLAB_ISSUERS: 'none' }).gitlabIssuers, []);
    assert.throws(() => loadOidcConfig({ WHARF_OIDC_GITLAB_ISSUERS: 'http://git.acme.example' }), /WHARF_OIDC_GITLAB_ISSUERS must be an https:\/\/ issuer URL/);
    assert.throws(() => loadOidcConfig({ WHARF_OIDC_GITLAB_ISSUERS: ' , ' }), /WHARF_OIDC_GITLAB_ISSUERS must list issuer URLs/);
  });

  test('takes an https issuer (trailing slash dropped) or http on loopback only', () => {
    assert.equal(checkIssuerUrl('https://ghes.example.com/_services/token/', 'X'), 'https://ghes.example.com/_services/token');
    assert.equal(checkIssuerUrl('http://127.0.0.1:9000', 'X'), 'http://127.0.0.1:9000');
    assert.throws(() => checkIssuerUrl('http://issuer.example.com', 'X'), ConfigError);
    assert.throws(() => checkIssuerUrl('https://x.example?a=1', 'X'), ConfigError);
    assert.throws(() => loadOidcConfig({ WHARF_OIDC_GITHUB_ISSUER: 'nonsense' }), /WHARF_OIDC_GITHUB_ISSUER must be an https:\/\//);
  });

  test('an audience is printable, without spaces', () => {
    assert.equal(checkAudience('wharf:123:eu-west-1:Wharf', 'X'), 'wharf:123:eu-west-1:Wharf');
    assert.throws(() => checkAudience('two words', 'X'), ConfigError);
    assert.throws(() => loadOidcConfig({ WHARF_OIDC_AUDIENCE: ' ' }), /WHARF_OIDC_AUDIENCE/);
  });
});
