/**
 * PEP 740 attestations end to end against a local Wharf that trusts a Sigstore-shaped test
 * PKI (test/support/sigstore-pki.ts, offline): an attestation made the way
 * gh-action-pypi-publish makes it goes up in a twine-shaped multipart upload and through
 * `wharf publish --attestations`, and comes back byte for byte from the provenance URL
 * the pages give; refused ones are 400s with the reason that store nothing; pip still
 * installs. Debian's twine (4.0.2) has no --attestations, so the twine-shaped form stands in
 * for twine 6. Projects: wharf-att-* only.
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
import { checkPip, cleanEnv, describeRun, missingTool, pip, run } from '../support/processes.ts';
import { testSigstore, type WorkflowIdentity } from '../support/sigstore-pki.ts';
import { twineForm } from '../support/twine-form.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const PROJECT = 'wharf-att-demo';
const JOB: WorkflowIdentity = { owner: 'acme', ownerId: '3001', repository: 'att', repositoryId: '8002', workflow: 'release.yml' };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const skip = await missingTool(checkPip, 'python3 -m pip');

describe('PEP 740 attestations through a local Wharf', { skip: skip ?? false }, () => {
  const pki = testSigstore();
  let wharf: LocalWharf;
  let dir: string;
  const wheel = (version: string) => {
    const options = { name: PROJECT, version, files: { 'wharf_att_demo/__init__.py': `V = "${version}"\n` } };
    return { filename: wheelFilename(options), bytes: buildWheel(options) };
  };
  const post = (form: FormData) =>
    fetch(`${wharf.url}/legacy/`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`__token__:${wharf.admin.token}`).toString('base64')}` }, body: form });
  const jsonPage = async () => (await (await fetch(`${wharf.indexUrl}${PROJECT}/`, { headers: { accept: JSON_V1 } })).json()) as any;
  const storedKeys = async () => {
    const s3 = createS3Client(wharf.stores);
    try {
      return ((await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: `files/${PROJECT}/` }))).Contents ?? []).map((o) => o.Key!).sort();
    } finally {
      s3.destroy();
    }
  };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-att-'));
    const root = path.join(dir, 'trusted_root.json');
    await writeFile(root, JSON.stringify(pki.trustedRoot));
    wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', sigstoreTrustedRoot: root });
    const added = await fetch(`${wharf.url}/api/publishers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${wharf.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ project: PROJECT, owner: JOB.owner, ownerId: JOB.ownerId, repository: JOB.repository, repositoryId: Number(JOB.repositoryId), workflow: JOB.workflow }),
    });
    assert.equal(added.status, 201, await added.text());
  });
  after(async () => {
    await wharf?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a twine-shaped upload with an attestation: published, linked from both pages, served back byte for byte; pip installs it', async () => {
    const { filename, bytes } = wheel('1.0');
    const attestation = pki.attest({ filename, sha256: sha256(bytes), identity: JOB });
    const sent = JSON.stringify([attestation]);
    const form = twineForm(PROJECT, '1.0', bytes, filename);
    form.append('attestations', sent);
    const res = await post(form);
    assert.equal(res.status, 200, await res.text());

    const page = await jsonPage();
    assert.equal(page.meta['api-version'], '1.4');
    const file = page.files.find((f: { filename: string }) => f.filename === filename);
    assert.equal(file.provenance, `../../integrity/${PROJECT}/1.0/${filename}/provenance`);
    const html = await (await fetch(`${wharf.indexUrl}${PROJECT}/`, { headers: { accept: 'text/html' } })).text();
    assert.match(html, new RegExp(`data-provenance="\\.\\./\\.\\./integrity/${PROJECT}/1\\.0/${filename.replace(/\./g, '\\.')}/provenance"`));

    const served = await fetch(new URL(file.provenance, `${wharf.indexUrl}${PROJECT}/`));
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'application/json');
    const provenance = (await served.json()) as any;
    assert.equal(provenance.version, 1);
    assert.deepEqual(provenance.attestation_bundles[0].publisher, { kind: 'GitHub', repository: 'acme/att', workflow: 'release.yml' });
    // Byte for byte: the attestation as sent, every field, serialized as it came.
    assert.equal(JSON.stringify(provenance.attestation_bundles[0].attestations), sent);

    const installed = await pip(['install', '--no-cache-dir', '--no-deps', '--target', path.join(dir, 'site'), '--index-url', wharf.indexUrl, PROJECT]);
    assert.equal(installed.code, 0, describeRun(installed));
  });

  test('refused attestations are 400s with the reason; nothing is stored or listed', async () => {
    const { filename, bytes } = wheel('2.0');
    const before = await storedKeys();
    const cases: [unknown, RegExp][] = [
      [[pki.attest({ filename, sha256: 'ef'.repeat(32), identity: JOB })], /subject digest .* it attests other bytes/],
      [[pki.attest({ filename: 'wharf_att_demo-9.0-py3-none-any.whl', sha256: sha256(bytes), identity: JOB })], /The attestation is for "wharf_att_demo-9\.0-py3-none-any\.whl"/],
      [[pki.attest({ filename, sha256: sha256(bytes), identity: { ...JOB, repository: 'fork', repositoryId: '9009' } })], /no trusted publisher of wharf-att-demo is in that repository/],
      [[pki.attest({ filename, sha256: sha256(bytes), identity: JOB, ca: pki.strangerCa })], /does not chain to this index's Sigstore trust root/],
      [[pki.attest({ filename, sha256: sha256(bytes), identity: JOB, wrongKey: true })], /signature over the statement does not verify/],
      [[{ version: 1, envelope: {} }], /Malformed attestation/],
    ];
    for (const [attestations, reason] of cases) {
      const form = twineForm(PROJECT, '2.0', bytes, filename);
      form.append('attestations', JSON.stringify(attestations));
      const res = await post(form);
      const text = await res.text();
      assert.equal(res.status, 400, text);
      assert.match(text, reason);
      assert.doesNotMatch(text, /already exist/i);
    }
    assert.deepEqual(await storedKeys(), before, 'nothing stored');
    assert.ok(!(await jsonPage()).versions.includes('2.0'), 'nothing listed');
  });

  test('wharf publish --attestations sends them with the upload session; the provenance is served', async () => {
    const { filename, bytes } = wheel('3.0');
    const file = path.join(dir, filename);
    await writeFile(file, bytes);
    const attestation = pki.attest({ filename, sha256: sha256(bytes), identity: JOB });
    const attestationFile = `${file}.publish.attestation`;
    await writeFile(attestationFile, JSON.stringify(attestation));
    const wrongName = path.join(dir, 'unrelated.publish.attestation');
    await writeFile(wrongName, JSON.stringify(attestation));

    const cli = (args: string[]) => run('npx', ['tsx', path.join(REPO, 'lambdas/cli/main.ts'), 'publish', '--url', wharf.url, ...args], { env: cleanEnv({ WHARF_TOKEN: wharf.admin.token }), cwd: REPO, timeoutMs: 120_000 });
    const misnamed = await cli(['--attestations', wrongName, file]);
    assert.equal(misnamed.code, 1, describeRun(misnamed));
    assert.match(misnamed.stderr, /unrelated\.publish\.attestation is named after none of the files to publish/);

    const forged = path.join(dir, `${filename}.slsa.attestation`);
    await writeFile(forged, JSON.stringify(pki.attest({ filename, sha256: sha256(bytes), identity: { ...JOB, workflow: 'other.yml' } })));
    const refused = await cli(['--attestations', forged, file]);
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stderr, /FAILED: .*other\.yml.*none of wharf-att-demo's trusted publishers/);
    assert.ok(!(await jsonPage()).versions.includes('3.0'));

    const published = await cli(['--attestations', attestationFile, file]);
    assert.equal(published.code, 0, describeRun(published));
    const entry = (await jsonPage()).files.find((f: { filename: string }) => f.filename === filename);
    const provenance = (await (await fetch(new URL(entry.provenance, `${wharf.indexUrl}${PROJECT}/`))).json()) as any;
    assert.deepEqual(provenance.attestation_bundles[0].attestations, [attestation]);
  });
});
