/**
 * PEP 740 attestations signed by a GitLab CI/CD job and by a Google Cloud service account,
 * end to end against a local Wharf that trusts the test Sigstore PKI (offline): the
 * certificates are shaped as Fulcio makes them for those issuers (test/support/sigstore-pki.ts),
 * the projects have GitLab and Google trusted publishers added through the admin API, and
 * the attestations go up in a twine-shaped multipart upload (Debian's twine 4.0.2 has no
 * --attestations) and through `wharf publish --attestations` (upload sessions). The
 * provenance comes back with the publisher in Warehouse's shape, and the pages show it;
 * refusals are 400s with the reason, with nothing stored. Projects: wharf-attx-* only.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildWheel, wheelFilename } from '../support/dist-builder.ts';
import { cleanEnv, describeRun, run } from '../support/processes.ts';
import { testSigstore, type GitLabJobIdentity, type GoogleAccountIdentity } from '../support/sigstore-pki.ts';
import { twineForm } from '../support/twine-form.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const GL_PROJECT = 'wharf-attx-gitlab';
const GO_PROJECT = 'wharf-attx-google';
const JOB: GitLabJobIdentity = { kind: 'gitlab', projectPath: 'Acme/Tools/Attx', projectId: '7101', namespaceId: '7100', ref: 'refs/tags/v1.0', environment: 'pypi' };
const ACCOUNT: GoogleAccountIdentity = { kind: 'google', email: 'release@acme-attx.iam.gserviceaccount.com', subject: '104857600000000000042' };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('PEP 740 attestations of GitLab CI/CD and Google Cloud publishers through a local Wharf', () => {
  const pki = testSigstore();
  let wharf: LocalWharf;
  let dir: string;
  const wheel = (project: string, version: string) => {
    const options = { name: project, version, files: { [`${project.replace(/-/g, '_')}/__init__.py`]: `V = "${version}"\n` } };
    return { filename: wheelFilename(options), bytes: buildWheel(options) };
  };
  const post = (form: FormData) =>
    fetch(`${wharf.url}/legacy/`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`__token__:${wharf.admin.token}`).toString('base64')}` }, body: form });
  const upload = (project: string, version: string, file: { filename: string; bytes: Uint8Array }, attestations: unknown) => {
    const form = twineForm(project, version, file.bytes, file.filename);
    form.append('attestations', JSON.stringify(attestations));
    return post(form);
  };
  const jsonPage = async (project: string) => (await (await fetch(`${wharf.indexUrl}${project}/`, { headers: { accept: JSON_V1 } })).json()) as any;
  const provenanceOf = async (project: string, filename: string) => {
    const entry = (await jsonPage(project)).files.find((f: { filename: string }) => f.filename === filename);
    assert.ok(entry?.provenance, `${filename} has a provenance link`);
    const served = await fetch(new URL(entry.provenance, `${wharf.indexUrl}${project}/`));
    assert.equal(served.status, 200);
    return (await served.json()) as any;
  };
  const storedKeys = async (project: string) => {
    const s3 = createS3Client(wharf.stores);
    try {
      return ((await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: `files/${project}/` }))).Contents ?? []).map((o) => o.Key!).sort();
    } finally {
      s3.destroy();
    }
  };
  const addPublisher = async (body: Record<string, unknown>) => {
    const added = await fetch(`${wharf.url}/api/publishers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wharf.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(added.status, 201, await added.text());
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-attx-'));
    const root = path.join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(pki.trustedRoot));
    wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', sigstoreTrustedRoot: root });
    await addPublisher({ provider: 'gitlab', project: GL_PROJECT, projectPath: JOB.projectPath, projectId: JOB.projectId, namespaceId: JOB.namespaceId, environment: 'pypi' });
    await addPublisher({ provider: 'google', project: GO_PROJECT, email: ACCOUNT.email, subject: ACCOUNT.subject });
    // Both projects exist before the refusals are tried (a first upload creates a project).
    for (const project of [GL_PROJECT, GO_PROJECT]) {
      const form = twineForm(project, '0.1', wheel(project, '0.1').bytes, wheel(project, '0.1').filename);
      assert.equal((await post(form)).status, 200);
    }
  });
  after(async () => {
    await wharf?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a GitLab job\'s attestation, twine-shaped: published, its provenance names the GitLab publisher, the pages show it', async () => {
    const file = wheel(GL_PROJECT, '1.0');
    // The path spelled as GitLab's token may spell it: compared in any case.
    const attestation = pki.attest({ filename: file.filename, sha256: sha256(file.bytes), identity: { ...JOB, projectPath: 'acme/tools/attx' } });
    const res = await upload(GL_PROJECT, '1.0', file, [attestation]);
    assert.equal(res.status, 200, await res.text());

    const provenance = await provenanceOf(GL_PROJECT, file.filename);
    assert.deepEqual(provenance.attestation_bundles, [
      { publisher: { kind: 'GitLab', repository: 'Acme/Tools/Attx', workflow_filepath: '.gitlab-ci.yml', environment: 'pypi' }, attestations: [attestation] },
    ]);
    const html = await (await fetch(`${wharf.indexUrl}${GL_PROJECT}/`, { headers: { accept: 'text/html' } })).text();
    assert.match(html, new RegExp(`data-provenance="\\.\\./\\.\\./integrity/${GL_PROJECT}/1\\.0/${file.filename.replace(/\./g, '\\.')}/provenance"`));

    const web = await (await fetch(`${wharf.url}/project/${GL_PROJECT}/1.0/`)).text();
    const escaped = file.filename.replace(/\./g, '\\.');
    assert.match(
      web,
      new RegExp(
        `${escaped}</a><div class="provenance">Verified attestations: published by GitLab project <a href="https://gitlab\\.com/Acme/Tools/Attx"[^>]*>Acme/Tools/Attx</a>, ` +
          `CI file <code>\\.gitlab-ci\\.yml</code>, environment <code>pypi</code> · <a href="/integrity/${GL_PROJECT}/1\\.0/${escaped}/provenance">provenance</a></div>`,
      ),
    );
  });

  test('a Google service account\'s attestation, through wharf publish --attestations (upload sessions): published and shown', async () => {
    const file = wheel(GO_PROJECT, '1.0');
    const target = path.join(dir, file.filename);
    await writeFile(target, file.bytes);
    const attestation = pki.attest({ filename: file.filename, sha256: sha256(file.bytes), identity: ACCOUNT });
    await writeFile(`${target}.publish.attestation`, JSON.stringify(attestation));
    const published = await run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.url, '--attestations', `${target}.publish.attestation`, target], {
      env: cleanEnv({ WHARF_TOKEN: wharf.admin.token }),
      cwd: REPO,
      timeoutMs: 120_000,
    });
    assert.equal(published.code, 0, describeRun(published));

    const provenance = await provenanceOf(GO_PROJECT, file.filename);
    assert.deepEqual(provenance.attestation_bundles, [{ publisher: { kind: 'Google', email: ACCOUNT.email }, attestations: [attestation] }]);
    const web = await (await fetch(`${wharf.url}/project/${GO_PROJECT}/1.0/`)).text();
    assert.match(web, /Verified attestations: published by Google Cloud service account <code>release@acme-attx\.iam\.gserviceaccount\.com<\/code> · <a href="\/integrity\//);
  });

  test('refused: another project path or id, another CI file or environment, another account or unique id, an issuer not trusted; nothing stored', async () => {
    const gl = wheel(GL_PROJECT, '2.0');
    const go = wheel(GO_PROJECT, '2.0');
    const glAttest = (identity: Partial<GitLabJobIdentity>) => [pki.attest({ filename: gl.filename, sha256: sha256(gl.bytes), identity: { ...JOB, ...identity } })];
    const goAttest = (identity: Partial<GoogleAccountIdentity>) => [pki.attest({ filename: go.filename, sha256: sha256(go.bytes), identity: { ...ACCOUNT, ...identity } })];
    const before = { gl: await storedKeys(GL_PROJECT), go: await storedKeys(GO_PROJECT) };
    const cases: [string, { filename: string; bytes: Uint8Array }, unknown, RegExp][] = [
      [GL_PROJECT, gl, glAttest({ projectPath: 'acme/tools/fork' }), /project https:\/\/gitlab\.com\/acme\/tools\/fork is not https:\/\/gitlab\.com\/Acme\/Tools\/Attx/],
      [GL_PROJECT, gl, glAttest({ projectId: '7999' }), /signed by https:\/\/gitlab\.com\/Acme\/Tools\/Attx\/\/\.gitlab-ci\.yml@refs\/tags\/v1\.0 on https:\/\/gitlab\.com \(project id 7999, namespace id 7100\), and no trusted publisher of wharf-attx-gitlab is in that GitLab project/],
      [GL_PROJECT, gl, glAttest({ namespaceId: '7999' }), /namespace id 7999 is not 7100/],
      [GL_PROJECT, gl, glAttest({ ciConfigPath: 'ci/nightly.yml' }), /none of wharf-attx-gitlab's trusted publishers in that GitLab project \(Acme\/Tools\/Attx on https:\/\/gitlab\.com \(project id 7101, namespace id 7100\) CI file \.gitlab-ci\.yml, environment pypi: CI file ci\/nightly\.yml is not \.gitlab-ci\.yml\)/],
      [GL_PROJECT, gl, glAttest({ environment: 'staging' }), /environment staging is not pypi/],
      [GL_PROJECT, gl, glAttest({ issuer: 'https://gitlab.example.org' }), /identity from "https:\/\/gitlab\.example\.org", an issuer whose trusted publishers this index does not take: .*GitLab CI\/CD \(https:\/\/gitlab\.com\)/],
      [GO_PROJECT, go, goAttest({ email: 'intruder@acme-attx.iam.gserviceaccount.com' }), /signed by Google Cloud service account intruder@acme-attx\.iam\.gserviceaccount\.com .*no trusted publisher of wharf-attx-google is in that service account/],
      [GO_PROJECT, go, goAttest({ subject: '104857600000000000099' }), /unique id 104857600000000000099 is not 104857600000000000042/],
      // A GitLab job's attestation is not the Google project's, nor the other way round.
      [GO_PROJECT, go, [pki.attest({ filename: go.filename, sha256: sha256(go.bytes), identity: JOB })], /no trusted publisher of wharf-attx-google is in that GitLab project/],
      [GL_PROJECT, gl, [pki.attest({ filename: gl.filename, sha256: sha256(gl.bytes), identity: ACCOUNT })], /no trusted publisher of wharf-attx-gitlab is in that service account/],
    ];
    for (const [project, file, attestations, reason] of cases) {
      const res = await upload(project, '2.0', file, attestations);
      const text = await res.text();
      assert.equal(res.status, 400, text);
      assert.match(text, reason);
    }
    assert.deepEqual({ gl: await storedKeys(GL_PROJECT), go: await storedKeys(GO_PROJECT) }, before, 'nothing stored');
    for (const project of [GL_PROJECT, GO_PROJECT]) assert.ok(!(await jsonPage(project)).versions.includes('2.0'), 'nothing listed');
  });
});

describe('the local server takes attestations from the issuers it is told to trust', () => {
  const pki = testSigstore();
  let wharf: LocalWharf;
  let dir: string;
  const SELF = 'https://gitlab.example.org';
  const PROJECT = 'wharf-attx-selfmanaged';
  const job: GitLabJobIdentity = { ...JOB, issuer: SELF };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-attx-self-'));
    const root = path.join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(pki.trustedRoot));
    // A self-managed GitLab besides gitlab.com, and Google off (as `wharf serve --oidc-gitlab-issuers`, ... would).
    wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', sigstoreTrustedRoot: root, oidcGitlabIssuers: ['https://gitlab.com', SELF], oidcGoogleIssuers: [] });
    const added = await fetch(`${wharf.url}/api/publishers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wharf.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'gitlab', project: PROJECT, projectPath: job.projectPath, projectId: job.projectId, namespaceId: job.namespaceId, issuer: SELF, environment: 'pypi' }),
    });
    assert.equal(added.status, 201, await added.text());
  });
  after(async () => {
    await wharf?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a self-managed GitLab it trusts is taken; Google, turned off, is not', async () => {
    const upload = (version: string, identity: GitLabJobIdentity | GoogleAccountIdentity) => {
      const options = { name: PROJECT, version };
      const bytes = buildWheel(options);
      const filename = wheelFilename(options);
      const form = twineForm(PROJECT, version, bytes, filename);
      form.append('attestations', JSON.stringify([pki.attest({ filename, sha256: sha256(bytes), identity })]));
      return fetch(`${wharf.url}/legacy/`, { method: 'POST', headers: { authorization: `Bearer ${wharf.admin.token}` }, body: form });
    };
    const taken = await upload('1.0', job);
    assert.equal(taken.status, 200, await taken.text());
    const refused = await upload('1.1', ACCOUNT);
    const text = await refused.text();
    assert.equal(refused.status, 400, text);
    assert.match(text, /identity from "https:\/\/accounts\.google\.com", an issuer whose trusted publishers this index does not take/);
  });
});
