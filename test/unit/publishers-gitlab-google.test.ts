/** The pure rules of GitLab CI/CD and Google Cloud publishers, and the provider dispatch. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  describePublisher,
  matchPublishers,
  mismatchOf,
  PUBLISHER_PROVIDERS,
  PUBLISHER_RULES,
  rulesFor,
  TrustedPublishingError,
  validatePublisher,
  type GitLabPublisher,
  type GooglePublisher,
} from '../../lambdas/core/trusted-publishing.ts';
import { ciConfigPathOf } from '../../lambdas/core/publishers/gitlab.ts';

const NOW = new Date('2026-11-01T00:00:00Z');
const SELF_MANAGED = 'https://git.acme.example';
const ISSUERS = { gitlab: ['https://gitlab.com', SELF_MANAGED] };

function gitlab(overrides: Record<string, string | undefined> = {}): GitLabPublisher {
  return validatePublisher(
    { project: 'Acme_App', provider: 'gitlab', projectPath: 'Acme/App', projectId: '300', namespaceId: '200', ...overrides },
    'token:x',
    NOW,
    { issuers: ISSUERS },
  ) as GitLabPublisher;
}

function gitlabClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://gitlab.com',
    sub: 'project_path:acme/app:ref_type:tag:ref:v1.0',
    project_path: 'acme/app',
    project_id: '300',
    namespace_path: 'acme',
    namespace_id: '200',
    ci_config_ref_uri: 'gitlab.com/acme/app//.gitlab-ci.yml@refs/tags/v1.0',
    ref_path: 'refs/tags/v1.0',
    sha: 'c'.repeat(40),
    pipeline_id: '9001',
    job_id: '9002',
    jti: 'j-1',
    ...overrides,
  };
}

function google(overrides: Record<string, string | undefined> = {}): GooglePublisher {
  return validatePublisher(
    { project: 'acme-app', provider: 'google', email: 'Release@Acme-Build.iam.gserviceaccount.com', subject: '111222333444555666777', ...overrides },
    'token:x',
    NOW,
  ) as GooglePublisher;
}

function googleClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://accounts.google.com',
    sub: '111222333444555666777',
    email: 'release@acme-build.iam.gserviceaccount.com',
    email_verified: true,
    azp: '111222333444555666777',
    ...overrides,
  };
}

describe('the provider table', () => {
  test('one entry per provider, each with the same rules, keyed as the records are', () => {
    assert.deepEqual(PUBLISHER_PROVIDERS, ['github', 'gitlab', 'google']);
    for (const provider of PUBLISHER_PROVIDERS) {
      const rules = PUBLISHER_RULES[provider];
      assert.equal(rules.provider, provider);
      for (const f of ['validate', 'mismatchOf', 'describe', 'lookupKey', 'lookupKeyOfClaims', 'replayIdOf', 'identity'] as const) {
        assert.equal(typeof rules[f], 'function', `${provider}.${f}`);
      }
    }
  });

  test('a provider never matches the publishers of another', () => {
    const err = (() => {
      try {
        matchPublishers([gitlab()], googleClaims(), 'google');
      } catch (e) {
        return e as TrustedPublishingError;
      }
      return undefined;
    })();
    assert.equal(err?.code, 'invalid-publisher');
    assert.match(err!.message, /it is a gitlab publisher/);
  });
});

describe('GitLab publishers', () => {
  test('validation: gitlab.com by default, the path as given, ids exact, .gitlab-ci.yml by default, a stable id', () => {
    const p = gitlab({ environment: 'PyPI' });
    assert.equal(p.provider, 'gitlab');
    assert.equal(p.project, 'acme-app');
    assert.equal(p.issuer, 'https://gitlab.com');
    assert.equal(p.projectPath, 'Acme/App');
    assert.equal(p.ciConfigPath, '.gitlab-ci.yml');
    assert.equal(p.environment, 'PyPI', 'GitLab environments are case-sensitive: kept as given');
    assert.match(p.id, /^[0-9a-f]{16}$/);
    assert.equal(gitlab({ environment: 'PyPI', projectPath: 'acme/app' }).id, p.id, 'the path is not what identifies it: the ids are');
    assert.notEqual(gitlab({ environment: 'PyPI', projectId: '301' }).id, p.id);
    assert.notEqual(gitlab({ environment: 'PyPI', issuer: SELF_MANAGED }).id, p.id);
    assert.equal(gitlab({ projectPath: 'acme/tools/app', ciConfigPath: 'ci/release.yml' }).ciConfigPath, 'ci/release.yml');
  });

  for (const [what, overrides, message] of [
    ['an untrusted issuer', { issuer: 'https://gitlab.evil.example' }, /does not trust the GitLab issuer "https:\/\/gitlab\.evil\.example": it trusts https:\/\/gitlab\.com, https:\/\/git\.acme\.example/],
    ['a path without a namespace', { projectPath: 'app' }, /not a GitLab project path: give NAMESPACE\/PROJECT/],
    ['a path ending in .git', { projectPath: 'acme/app.git' }, /not a GitLab project path/],
    ['a non-numeric project id', { projectId: 'acme/app' }, /"projectId" must be GitLab's numeric id/],
    ['a missing namespace id', { namespaceId: undefined }, /"namespaceId" must be GitLab's numeric id/],
    ['a CI file that is no YAML', { ciConfigPath: 'Makefile' }, /not a CI configuration file/],
    ['a CI file climbing out', { ciConfigPath: '../x.yml' }, /not a CI configuration file/],
    ['a CI file with a ref', { ciConfigPath: '.gitlab-ci.yml@main' }, /not a CI configuration file/],
  ] as const) {
    test(`refuses ${what}`, () => {
      assert.throws(() => gitlab(overrides as Record<string, string | undefined>), message);
    });
  }

  test('the CI file of ci_config_ref_uri, as Warehouse parses it', () => {
    assert.equal(ciConfigPathOf('gitlab.com/acme/app//.gitlab-ci.yml@refs/heads/main'), '.gitlab-ci.yml');
    assert.equal(ciConfigPathOf('gitlab.com/acme/app//ci/release.yaml@refs/tags/v1'), 'ci/release.yaml');
    assert.equal(ciConfigPathOf('gitlab.com/acme/app/.gitlab-ci.yml@main'), undefined);
  });

  test('matches: path and sub any case, ids exactly, the CI file at ref_path or sha', () => {
    const p = gitlab();
    assert.equal(mismatchOf(p, gitlabClaims()), undefined);
    assert.equal(mismatchOf(p, gitlabClaims({ ci_config_ref_uri: `gitlab.com/acme/app//.gitlab-ci.yml@${'c'.repeat(40)}` })), undefined);
    assert.equal(rulesFor('gitlab').lookupKeyOfClaims(gitlabClaims()), rulesFor('gitlab').lookupKey(p));
  });

  for (const [what, overrides, reason] of [
    ['another project path', { project_path: 'evil/app', sub: 'project_path:evil/app:ref_type:tag:ref:v1.0', ci_config_ref_uri: 'gitlab.com/evil/app//.gitlab-ci.yml@refs/tags/v1.0' }, /project path evil\/app is not Acme\/App/],
    ['another project id (re-created project)', { project_id: '301' }, /project id 301 is not 300/],
    ['another namespace id (namespace taken over)', { namespace_id: '201' }, /namespace id 201 is not 200/],
    ['another issuer (same path on another instance)', { iss: SELF_MANAGED }, /issuer https:\/\/git\.acme\.example is not https:\/\/gitlab\.com/],
    ['a subject for another project', { sub: 'project_path:acme/other:ref_type:tag:ref:v1.0' }, /subject project_path:acme\/other.* is not for project Acme\/App/],
    ['another CI file', { ci_config_ref_uri: 'gitlab.com/acme/app//ci/other.yml@refs/tags/v1.0' }, /CI configuration file ci\/other\.yml is not \.gitlab-ci\.yml/],
    ['a CI file at another ref', { ci_config_ref_uri: 'gitlab.com/acme/app//.gitlab-ci.yml@refs/heads/evil' }, /ci_config_ref_uri .* is not one of gitlab\.com\/acme\/app\/\/\.gitlab-ci\.yml@refs\/tags\/v1\.0/],
    ['a CI file of another host', { ci_config_ref_uri: 'git.acme.example/acme/app//.gitlab-ci.yml@refs/tags/v1.0' }, /ci_config_ref_uri/],
  ] as const) {
    test(`refuses ${what}`, () => {
      assert.match(mismatchOf(gitlab(), gitlabClaims(overrides)) ?? '(matched)', reason);
    });
  }

  test('an environment, when named, must match exactly; none matches any', () => {
    assert.equal(mismatchOf(gitlab({ environment: 'pypi' }), gitlabClaims({ environment: 'pypi' })), undefined);
    assert.match(mismatchOf(gitlab({ environment: 'pypi' }), gitlabClaims({ environment: 'PyPI' }))!, /environment PyPI is not pypi/);
    assert.match(mismatchOf(gitlab({ environment: 'pypi' }), gitlabClaims())!, /runs in no environment/);
    assert.equal(mismatchOf(gitlab(), gitlabClaims({ environment: 'anything' })), undefined);
  });

  test('a self-managed publisher matches its own instance', () => {
    const p = gitlab({ issuer: SELF_MANAGED });
    const claims = gitlabClaims({ iss: SELF_MANAGED, ci_config_ref_uri: 'git.acme.example/acme/app//.gitlab-ci.yml@refs/tags/v1.0' });
    assert.equal(mismatchOf(p, claims), undefined);
    assert.match(mismatchOf(p, gitlabClaims())!, /issuer https:\/\/gitlab\.com is not https:\/\/git\.acme\.example/);
  });

  test('a token without the GitLab claims is invalid-token', () => {
    for (const missing of ['project_id', 'namespace_id', 'ci_config_ref_uri', 'jti', 'ref_path']) {
      const claims = gitlabClaims();
      delete claims[missing];
      assert.throws(
        () => matchPublishers([gitlab()], claims, 'gitlab'),
        (err: unknown) => err instanceof TrustedPublishingError && err.code === 'invalid-token' && err.message.includes(`"${missing}"`),
        missing,
      );
    }
  });

  test('describes itself and the job, spends the jti', () => {
    assert.equal(
      describePublisher(gitlab()),
      'gitlab Acme/App on https://gitlab.com (project id 300, namespace id 200), CI file .gitlab-ci.yml, any environment',
    );
    assert.equal(rulesFor('gitlab').replayIdOf(gitlabClaims(), 'x.y.z'), 'j-1');
    assert.equal(rulesFor('gitlab').identity(gitlabClaims()).createdBy, 'oidc:gitlab:acme/app');
  });
});

describe('Google Cloud publishers', () => {
  test('validation: the email lower-cased, the unique id optional but numeric', () => {
    const p = google();
    assert.equal(p.email, 'release@acme-build.iam.gserviceaccount.com');
    assert.equal(p.subject, '111222333444555666777');
    assert.equal(google({ subject: undefined }).subject, '');
    assert.notEqual(google({ subject: undefined }).id, p.id);
    assert.throws(() => google({ email: 'not an email' }), /not a service account email/);
    assert.throws(() => google({ subject: 'abc' }), /not a service account's unique id: it is a number/);
  });

  test('matches the email, a verified one, and the unique id when named', () => {
    assert.equal(mismatchOf(google(), googleClaims()), undefined);
    assert.equal(mismatchOf(google({ subject: undefined }), googleClaims({ sub: '999' })), undefined);
    assert.match(mismatchOf(google(), googleClaims({ email: 'other@acme-build.iam.gserviceaccount.com' }))!, /service account other@.* is not release@/);
    assert.match(mismatchOf(google(), googleClaims({ sub: '999' }))!, /service account id 999 is not 111222333444555666777/);
    assert.match(mismatchOf(google(), googleClaims({ email_verified: false }))!, /is not verified/);
    assert.match(mismatchOf(google(), googleClaims({ email_verified: 'true' }))!, /is not verified/, 'true, the JSON boolean, not a string');
  });

  test('a token without an email (no format=full) is invalid-token', () => {
    const claims = googleClaims();
    delete claims['email'];
    assert.throws(() => matchPublishers([google()], claims, 'google'), /no "email" claim/);
  });

  test('no jti: the one-use id is the hash of the signature, whatever its base64 spelling', () => {
    const rules = rulesFor('google');
    const sig = Buffer.from('signature-bytes').toString('base64url');
    const id = rules.replayIdOf(googleClaims(), `h.p.${sig}`);
    assert.equal(id, `sig:${createHash('sha256').update('signature-bytes').digest('hex')}`);
    assert.notEqual(rules.replayIdOf(googleClaims(), `h.p.${Buffer.from('other').toString('base64url')}`), id);
    assert.throws(() => rules.replayIdOf(googleClaims(), 'h.p'), /no signature/);
  });
});
