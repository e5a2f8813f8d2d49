/**
 * PEP 740 attestations signed by GitLab CI/CD jobs and Google Cloud service accounts: the
 * pure matching rules per kind (every field a publisher pins, each mismatch refused with its
 * reason), and the whole check with sigstore-js against the test PKI's GitLab- and
 * Google-shaped certificates: one store Query per attestation, by the key the store indexes
 * each kind under, and the provenance publisher in Warehouse's shape.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SigstoreAttestationVerifier } from '../../lambdas/adapters/sigstore-verifier.ts';
import { AttestationCheck } from '../../lambdas/app/attestation-check.ts';
import {
  FULCIO_OID,
  gitlabMismatch,
  googleMismatch,
  matchAttestationPublisher,
  provenancePublisher,
  signerOf,
  type AttestationIssuers,
} from '../../lambdas/core/attestation-publishers.ts';
import type { AttestationObject, SignerIdentity } from '../../lambdas/core/attestations.ts';
import { AttestationError } from '../../lambdas/core/errors.ts';
import { rulesOf, validatePublisher, type GitLabPublisher, type GooglePublisher, type PublisherRecord } from '../../lambdas/core/trusted-publishing.ts';
import { GITHUB_ISSUER, testSigstore, type GitLabJobIdentity, type GoogleAccountIdentity } from '../support/sigstore-pki.ts';

const SELF_MANAGED = 'https://git.acme.example';
const ISSUERS: AttestationIssuers = { github: GITHUB_ISSUER, gitlab: ['https://gitlab.com', SELF_MANAGED], google: ['https://accounts.google.com'] };
const PROJECT = 'acme-app';

function gitlab(overrides: Record<string, string | undefined> = {}): GitLabPublisher {
  return validatePublisher(
    { project: PROJECT, provider: 'gitlab', projectPath: 'Acme/Tools/App', projectId: '300', namespaceId: '200', ...overrides },
    'test',
    new Date(),
    { issuers: { gitlab: ISSUERS.gitlab } },
  ) as GitLabPublisher;
}

function google(overrides: Record<string, string | undefined> = {}): GooglePublisher {
  return validatePublisher({ project: PROJECT, provider: 'google', email: 'release@acme-build.iam.gserviceaccount.com', subject: '111222333', ...overrides }, 'test', new Date()) as GooglePublisher;
}

const O = FULCIO_OID;
/** What sigstore-js reads from the certificate Fulcio makes for a GitLab job of acme/tools/app. */
function gitlabCert(ext: Record<string, string | undefined> = {}, san?: string | null): SignerIdentity {
  const config = 'https://gitlab.com/acme/tools/app//.gitlab-ci.yml@refs/tags/v1.0';
  const extensions = Object.fromEntries(
    Object.entries({
      [O.issuerV1]: 'https://gitlab.com',
      [O.issuer]: 'https://gitlab.com',
      [O.buildSignerUri]: config,
      [O.sourceRepositoryUri]: 'https://gitlab.com/acme/tools/app',
      [O.sourceRepositoryDigest]: 'c'.repeat(40),
      [O.sourceRepositoryRef]: 'refs/tags/v1.0',
      [O.sourceRepositoryId]: '300',
      [O.sourceRepositoryOwnerId]: '200',
      [O.buildConfigUri]: config,
      ...ext,
    }).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const subjectAlternativeName = san === null ? undefined : (san ?? extensions[O.buildConfigUri]);
  return { ...(subjectAlternativeName ? { subjectAlternativeName } : {}), extensions };
}

function googleCert(email: string | null = 'release@acme-build.iam.gserviceaccount.com', ext: Record<string, string> = {}): SignerIdentity {
  return {
    ...(email ? { subjectAlternativeName: email, email } : {}),
    extensions: { [O.issuerV1]: 'https://accounts.google.com', [O.issuer]: 'https://accounts.google.com', [O.tokenSubject]: '111222333', ...ext },
  };
}

describe('GitLab CI/CD: what the certificate must say', () => {
  test('the certificate of the publisher\'s job matches: path in any case, at its tag, or at its commit', () => {
    assert.equal(gitlabMismatch(gitlabCert(), gitlab()), undefined);
    // Path spelled otherwise in the certificate (GitLab paths are case-insensitive).
    const upper = 'https://gitlab.com/ACME/tools/App//.gitlab-ci.yml@refs/tags/v1.0';
    assert.equal(gitlabMismatch(gitlabCert({ [O.sourceRepositoryUri]: 'https://gitlab.com/ACME/tools/App', [O.buildConfigUri]: upper }), gitlab()), undefined);
    const atCommit = `https://gitlab.com/acme/tools/app//.gitlab-ci.yml@${'c'.repeat(40)}`;
    assert.equal(gitlabMismatch(gitlabCert({ [O.buildConfigUri]: atCommit }), gitlab()), undefined);
    // A publisher on the CI file in a folder.
    const ci = 'https://gitlab.com/acme/tools/app//ci/release.yml@refs/tags/v1.0';
    assert.equal(gitlabMismatch(gitlabCert({ [O.buildConfigUri]: ci }), gitlab({ ciConfigPath: 'ci/release.yml' })), undefined);
  });

  test('each pinned field is checked, with its reason', () => {
    const p = gitlab();
    const cases: [SignerIdentity, RegExp][] = [
      [gitlabCert({ [O.issuer]: SELF_MANAGED }), /^issuer https:\/\/git\.acme\.example is not https:\/\/gitlab\.com$/],
      [gitlabCert({ [O.sourceRepositoryId]: '301' }), /^project id 301 is not 300$/],
      [gitlabCert({ [O.sourceRepositoryOwnerId]: '201' }), /^namespace id 201 is not 200$/],
      [gitlabCert({ [O.sourceRepositoryOwnerId]: undefined }), /^namespace id \(none\) is not 200$/],
      [gitlabCert({ [O.sourceRepositoryUri]: 'https://gitlab.com/acme/tools/fork' }), /^project https:\/\/gitlab\.com\/acme\/tools\/fork is not https:\/\/gitlab\.com\/Acme\/Tools\/App$/],
      [gitlabCert({ [O.buildConfigUri]: 'https://gitlab.com/acme/tools/app//ci/other.yml@refs/tags/v1.0' }), /^CI file ci\/other\.yml is not \.gitlab-ci\.yml$/],
      // The CI file is case-sensitive, as in git.
      [gitlabCert({ [O.buildConfigUri]: 'https://gitlab.com/acme/tools/app//.GITLAB-CI.yml@refs/tags/v1.0' }), /^CI file \.GITLAB-CI\.yml is not \.gitlab-ci\.yml$/],
      // The CI file at a ref the certificate does not name.
      [gitlabCert({ [O.buildConfigUri]: 'https://gitlab.com/acme/tools/app//.gitlab-ci.yml@refs/heads/evil' }), /^build config URI .*@refs\/heads\/evil is not one of .*@refs\/tags\/v1\.0, .*@cccc/],
      // Another project's CI file (an included pipeline of someone else's project).
      [gitlabCert({ [O.buildConfigUri]: 'https://gitlab.com/other/app//.gitlab-ci.yml@refs/tags/v1.0' }), /^build config URI https:\/\/gitlab\.com\/other\/app\/\/\.gitlab-ci\.yml@refs\/tags\/v1\.0 is not one of/],
      [gitlabCert({ [O.buildConfigUri]: undefined }, 'https://gitlab.com/acme/tools/app//.gitlab-ci.yml@refs/tags/v1.0'), /^the certificate has no build config URI/],
      [gitlabCert({}, 'https://gitlab.com/acme/tools/app//ci/other.yml@refs/tags/v1.0'), /^the certificate's subject alternative name .*ci\/other\.yml.* is not its build config URI/],
      [gitlabCert({}, null), /^the certificate's subject alternative name \(none\)/],
      [gitlabCert({ [O.sourceRepositoryRef]: undefined, [O.sourceRepositoryDigest]: undefined }), /^the certificate names neither the source ref nor the commit/],
    ];
    for (const [identity, reason] of cases) assert.match(gitlabMismatch(identity, p) ?? 'matched', reason);
  });

  test('an environment, when the publisher names one, must be the certificate\'s deployment environment, exactly', () => {
    const p = gitlab({ environment: 'Release' });
    assert.equal(gitlabMismatch(gitlabCert({ [O.deploymentEnvironment]: 'Release' }), p), undefined);
    assert.equal(gitlabMismatch(gitlabCert({ [O.deploymentEnvironment]: 'release' }), p), 'environment release is not Release');
    assert.equal(gitlabMismatch(gitlabCert(), p), 'the certificate names no environment, and the publisher requires "Release"');
    // A publisher without one takes any.
    assert.equal(gitlabMismatch(gitlabCert({ [O.deploymentEnvironment]: 'anything' }), gitlab()), undefined);
  });

  test('a self-managed instance: its host in the CI file URI, its URL as the project\'s', () => {
    const p = gitlab({ issuer: SELF_MANAGED });
    const config = `https://git.acme.example/acme/tools/app//.gitlab-ci.yml@refs/tags/v1.0`;
    const cert = gitlabCert({ [O.issuer]: SELF_MANAGED, [O.sourceRepositoryUri]: `${SELF_MANAGED}/acme/tools/app`, [O.buildConfigUri]: config });
    assert.equal(gitlabMismatch(cert, p), undefined);
    // The same path on gitlab.com is another project.
    assert.match(gitlabMismatch(gitlabCert(), p) ?? '', /^issuer https:\/\/gitlab\.com is not https:\/\/git\.acme\.example$/);
    assert.deepEqual(signerOf(cert, ISSUERS), {
      provider: 'gitlab',
      issuer: SELF_MANAGED,
      lookupKey: `300@${SELF_MANAGED}`,
      who: `${config} on ${SELF_MANAGED} (project id 300, namespace id 200)`,
    });
    // The store's key of the publisher is the one the certificate gives.
    assert.equal(rulesOf(p as PublisherRecord).lookupKey(p as PublisherRecord), `300@${SELF_MANAGED}`);
  });
});

describe('Google Cloud: what the certificate must say', () => {
  test('the service account\'s email, in any case, and its unique id when both name it', () => {
    assert.equal(googleMismatch(googleCert(), google()), undefined);
    assert.equal(googleMismatch(googleCert('Release@Acme-Build.iam.gserviceaccount.com'), google()), undefined);
    assert.equal(googleMismatch(googleCert('other@acme-build.iam.gserviceaccount.com'), google()), 'service account other@acme-build.iam.gserviceaccount.com is not release@acme-build.iam.gserviceaccount.com');
    assert.equal(googleMismatch(googleCert(null), google()), 'the certificate names no email address');
    // A deleted and re-created account of the same email has another unique id.
    assert.equal(googleMismatch(googleCert('release@acme-build.iam.gserviceaccount.com', { [O.tokenSubject]: '999' }), google()), 'unique id 999 is not 111222333');
    // A publisher that pins no id takes any; a certificate of a Fulcio without the token subject proves the email only.
    assert.equal(googleMismatch(googleCert('release@acme-build.iam.gserviceaccount.com', { [O.tokenSubject]: '999' }), google({ subject: '' })), undefined);
    const old = googleCert();
    assert.equal(googleMismatch({ ...old, extensions: { [O.issuer]: 'https://accounts.google.com' } }, google()), undefined);
  });

  test('the signer is looked up by its email, lower-cased as publishers store it', () => {
    assert.deepEqual(signerOf(googleCert('Release@Acme-Build.iam.gserviceaccount.com'), ISSUERS), {
      provider: 'google',
      issuer: 'https://accounts.google.com',
      lookupKey: 'release@acme-build.iam.gserviceaccount.com',
      who: 'Google Cloud service account release@acme-build.iam.gserviceaccount.com (unique id 111222333)',
    });
    const p = google();
    assert.equal(rulesOf(p as PublisherRecord).lookupKey(p as PublisherRecord), 'release@acme-build.iam.gserviceaccount.com');
  });
});

describe('which kind signed, and the refusals that name who signed and which publishers there are', () => {
  test('an issuer this index trusts no publishers of is refused, naming those it does', () => {
    assert.throws(() => signerOf(gitlabCert({ [O.issuer]: 'https://gitlab.example.org' }), ISSUERS), (err: unknown) => {
      assert.ok(err instanceof AttestationError);
      assert.equal(
        err.message,
        'The attestation was signed by an identity from "https://gitlab.example.org", an issuer whose trusted publishers this index does not take: attestations are taken from ' +
          'the trusted publishers of GitHub Actions (https://token.actions.githubusercontent.com), GitLab CI/CD (https://gitlab.com, https://git.acme.example), Google Cloud (https://accounts.google.com) only.',
      );
      return true;
    });
    // Trusted publishing from Google turned off: so are its attestations.
    assert.throws(() => signerOf(googleCert(), { ...ISSUERS, google: [] }), /"https:\/\/accounts\.google\.com", an issuer whose trusted publishers this index does not take: .*GitLab CI\/CD \(https:\/\/gitlab\.com, https:\/\/git\.acme\.example\) only/);
    assert.equal(signerOf(gitlabCert({ [O.sourceRepositoryId]: undefined }), ISSUERS).lookupKey, undefined);
  });

  test('no publisher of the project there, or none that matches: which identity signed and each publisher\'s reason', () => {
    const cert = gitlabCert({ [O.buildConfigUri]: 'https://gitlab.com/acme/tools/app//ci/nightly.yml@refs/tags/v1.0' }, 'https://gitlab.com/acme/tools/app//ci/nightly.yml@refs/tags/v1.0');
    const signer = signerOf(cert, ISSUERS);
    assert.throws(
      () => matchAttestationPublisher(cert, signer, [], PROJECT),
      /^AttestationError: The attestation was signed by https:\/\/gitlab\.com\/acme\/tools\/app\/\/ci\/nightly\.yml@refs\/tags\/v1\.0 on https:\/\/gitlab\.com \(project id 300, namespace id 200\), and no trusted publisher of acme-app is in that GitLab project: .*wharf publisher list --project acme-app/,
    );
    // Another project's publisher of the same GitLab project is not this project's.
    assert.throws(() => matchAttestationPublisher(cert, signer, [{ ...gitlab(), project: 'other' }], PROJECT), /no trusted publisher of acme-app is in that GitLab project/);
    assert.throws(
      () => matchAttestationPublisher(cert, signer, [gitlab(), gitlab({ ciConfigPath: 'ci/release.yml', environment: 'pypi' })], PROJECT),
      new RegExp(
        "which is none of acme-app's trusted publishers in that GitLab project \\(Acme/Tools/App on https://gitlab\\.com \\(project id 300, namespace id 200\\) CI file \\.gitlab-ci\\.yml: CI file ci/nightly\\.yml is not \\.gitlab-ci\\.yml; " +
          'Acme/Tools/App on https://gitlab\\.com \\(project id 300, namespace id 200\\) CI file ci/release\\.yml, environment pypi: CI file ci/nightly\\.yml is not ci/release\\.yml\\)\\.$',
      ),
    );
    const matching = gitlab({ ciConfigPath: 'ci/nightly.yml' });
    assert.equal(matchAttestationPublisher(cert, signer, [gitlab(), matching], PROJECT), matching);

    const g = googleCert('release@acme-build.iam.gserviceaccount.com', { [O.tokenSubject]: '999' });
    assert.throws(
      () => matchAttestationPublisher(g, signerOf(g, ISSUERS), [google()], PROJECT),
      /^AttestationError: The attestation was signed by Google Cloud service account release@acme-build\.iam\.gserviceaccount\.com \(unique id 999\), which is none of acme-app's trusted publishers in that service account \(service account release@acme-build\.iam\.gserviceaccount\.com \(unique id 111222333\): unique id 999 is not 111222333\)\.$/,
    );
  });

  test('the provenance names each publisher in Warehouse\'s shape', () => {
    assert.deepEqual(provenancePublisher(gitlab()), { kind: 'GitLab', repository: 'Acme/Tools/App', workflow_filepath: '.gitlab-ci.yml' });
    assert.deepEqual(provenancePublisher(gitlab({ environment: 'pypi', ciConfigPath: 'ci/release.yml' })), {
      kind: 'GitLab',
      repository: 'Acme/Tools/App',
      workflow_filepath: 'ci/release.yml',
      environment: 'pypi',
    });
    // A self-managed instance is named in the publisher's claims (PEP 740), as gitlab.com is not.
    assert.deepEqual(provenancePublisher(gitlab({ issuer: SELF_MANAGED })), {
      kind: 'GitLab',
      repository: 'Acme/Tools/App',
      workflow_filepath: '.gitlab-ci.yml',
      claims: { issuer: SELF_MANAGED },
    });
    assert.deepEqual(provenancePublisher(google()), { kind: 'Google', email: 'release@acme-build.iam.gserviceaccount.com' });
  });
});

describe('the whole check against the test PKI: GitLab- and Google-shaped certificates', () => {
  const pki = testSigstore();
  const FILE = { project: PROJECT, filename: 'acme_app-1.0-py3-none-any.whl', sha256: 'ab'.repeat(32) };
  const JOB: GitLabJobIdentity = { kind: 'gitlab', projectPath: 'acme/tools/app', projectId: '300', namespaceId: '200', ref: 'refs/tags/v1.0', environment: 'pypi' };
  const ACCOUNT: GoogleAccountIdentity = { kind: 'google', email: 'release@acme-build.iam.gserviceaccount.com', subject: '111222333' };
  const stored = [gitlab({ environment: 'pypi' }), gitlab({ issuer: SELF_MANAGED, ciConfigPath: 'ci/release.yml' }), google()];

  function checker(options: { gitlabIssuers?: readonly string[]; googleIssuers?: readonly string[] } = { gitlabIssuers: ISSUERS.gitlab }) {
    const queries: [string, string][] = [];
    const publishers = {
      publishersForRepository: async (provider: string, key: string) => {
        queries.push([provider, key]);
        return stored.filter((p) => p.provider === provider && rulesOf(p as PublisherRecord).lookupKey(p as PublisherRecord) === key);
      },
    };
    const check = new AttestationCheck({ publishers, githubIssuer: GITHUB_ISSUER, ...options, verifier: async () => new SigstoreAttestationVerifier(pki.trustedRoot) });
    return { check, queries };
  }
  const attest = (identity: GitLabJobIdentity | GoogleAccountIdentity): AttestationObject => pki.attest({ filename: FILE.filename, sha256: FILE.sha256, identity });

  test('a GitLab job\'s attestation: verified against its publisher, one Query by project id and issuer', async () => {
    const { check, queries } = checker();
    const attestation = attest(JOB);
    assert.deepEqual(await check.check(FILE, [attestation]), {
      version: 1,
      attestation_bundles: [{ publisher: { kind: 'GitLab', repository: 'Acme/Tools/App', workflow_filepath: '.gitlab-ci.yml', environment: 'pypi' }, attestations: [attestation] }],
    });
    assert.deepEqual(queries, [['gitlab', '300@https://gitlab.com']]);
  });

  test('a self-managed instance\'s job, when the deployment trusts the instance; refused when it does not', async () => {
    const job: GitLabJobIdentity = { kind: 'gitlab', projectPath: 'acme/tools/app', projectId: '300', namespaceId: '200', issuer: SELF_MANAGED, ciConfigPath: 'ci/release.yml' };
    const provenance = await checker().check.check(FILE, [attest(job)]);
    assert.deepEqual(provenance.attestation_bundles[0]!.publisher, { kind: 'GitLab', repository: 'Acme/Tools/App', workflow_filepath: 'ci/release.yml', claims: { issuer: SELF_MANAGED } });
    // By default (gitlab.com only) the instance is not trusted, and nothing is looked up.
    const { check, queries } = checker({});
    await assert.rejects(check.check(FILE, [attest(job)]), /identity from "https:\/\/git\.acme\.example", an issuer whose trusted publishers this index does not take/);
    assert.deepEqual(queries, []);
  });

  test('a Google service account\'s attestation: verified against its publisher, one Query by email', async () => {
    const { check, queries } = checker();
    const attestation = attest(ACCOUNT);
    assert.deepEqual(await check.check(FILE, [attestation]), {
      version: 1,
      attestation_bundles: [{ publisher: { kind: 'Google', email: 'release@acme-build.iam.gserviceaccount.com' }, attestations: [attestation] }],
    });
    assert.deepEqual(queries, [['google', 'release@acme-build.iam.gserviceaccount.com']]);
    // A certificate without the token subject (Fulcio before it wrote one) is matched on the email.
    assert.equal((await checker().check.check(FILE, [attest({ ...ACCOUNT, subject: undefined } as GoogleAccountIdentity)])).attestation_bundles.length, 1);
  });

  test('refusals through sigstore-js: another path, project id, CI file, environment, account, unique id; a forged SAN does not verify', async () => {
    const cases: [GitLabJobIdentity | GoogleAccountIdentity, RegExp][] = [
      [{ ...JOB, projectPath: 'acme/tools/fork' }, /project https:\/\/gitlab\.com\/acme\/tools\/fork is not https:\/\/gitlab\.com\/Acme\/Tools\/App/],
      [{ ...JOB, projectId: '301' }, /project id 301.*no trusted publisher of acme-app is in that GitLab project/],
      [{ ...JOB, namespaceId: '201' }, /namespace id 201 is not 200/],
      [{ ...JOB, ciConfigPath: 'ci/other.yml' }, /CI file ci\/other\.yml is not \.gitlab-ci\.yml/],
      [{ ...JOB, environment: 'staging' }, /environment staging is not pypi/],
      [{ ...JOB, environment: undefined }, /the certificate names no environment, and the publisher requires "pypi"/],
      [{ ...JOB, omit: [FULCIO_OID.sourceRepositoryId] }, /\(project id \?, namespace id 200\), and no trusted publisher of acme-app is in that GitLab project/],
      [{ ...JOB, san: 'https://gitlab.com/acme/tools/app//ci/other.yml@refs/tags/v1.0' }, /subject alternative name .*ci\/other\.yml@refs\/tags\/v1\.0 is not its build config URI/],
      [{ ...ACCOUNT, email: 'other@acme-build.iam.gserviceaccount.com' }, /signed by Google Cloud service account other@acme-build\.iam\.gserviceaccount\.com \(unique id 111222333\), and no trusted publisher of acme-app is in that service account/],
      [{ ...ACCOUNT, subject: '999' }, /unique id 999 is not 111222333/],
      [{ ...ACCOUNT, issuer: 'https://accounts.example.com' }, /identity from "https:\/\/accounts\.example\.com", an issuer whose trusted publishers this index does not take/],
    ];
    for (const [identity, reason] of cases) {
      await assert.rejects(checker().check.check(FILE, [attest(identity)]), (err: unknown) => {
        assert.ok(err instanceof AttestationError, String(err));
        assert.match(err.message, reason);
        return true;
      });
    }
  });
});
