/**
 * PEP 740 attestations, offline, against a Sigstore-shaped PKI of the tests' own
 * (test/support/sigstore-pki.ts): the Sigstore verification by sigstore-js, the statement
 * and identity rules, and the legacy upload through the write function, where a refusal
 * is a 400 with the reason and stores nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { beforeEach, describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';

import { SigstoreAttestationVerifier, PUBLIC_GOOD_TRUSTED_ROOT } from '../../lambdas/adapters/sigstore-verifier.ts';
import { AttestationCheck } from '../../lambdas/app/attestation-check.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { ProjectAdmin } from '../../lambdas/app/project-admin.ts';
import { indexedPairKey, judgeStoredObject, parseStoredFileKey } from '../../lambdas/core/orphans.ts';
import { checkAttestations, parseAttestations, PYPI_PUBLISH_V1, type AttestationObject } from '../../lambdas/core/attestations.ts';
import { AttestationError } from '../../lambdas/core/errors.ts';
import { validatePublisher, type GitHubPublisher } from '../../lambdas/core/trusted-publishing.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import { createWriteFunction } from '../../lambdas/functions/write-function.ts';
import { buildWheel, wheelFilename } from '../support/dist-builder.ts';
import { MemoryBlobStore, MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';
import { GITHUB_ISSUER, STATEMENT_TYPE, testSigstore, type WorkflowIdentity } from '../support/sigstore-pki.ts';
import { twineForm } from '../support/twine-form.ts';

const PROJECT = 'att-demo';
const JOB: WorkflowIdentity = { owner: 'acme', ownerId: '1001', repository: 'att-demo', repositoryId: '5002', workflow: 'release.yml' };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const pki = testSigstore();
const publisher = validatePublisher(
  { project: PROJECT, owner: JOB.owner, ownerId: JOB.ownerId, repository: JOB.repository, repositoryId: JOB.repositoryId, workflow: JOB.workflow, environment: 'pypi' },
  'test',
  new Date(),
) as GitHubPublisher;
const publishers = { publishersForRepository: async (_provider: string, id: string) => (id === publisher.repositoryId ? [publisher] : []) };

function checker(trustedRoot: unknown = pki.trustedRoot): AttestationCheck {
  return new AttestationCheck({ publishers, githubIssuer: GITHUB_ISSUER, verifier: async () => new SigstoreAttestationVerifier(trustedRoot) });
}

const FILE = { project: PROJECT, filename: 'att_demo-1.0-py3-none-any.whl', sha256: 'ab'.repeat(32) };
const attest = (extra: Partial<Parameters<typeof pki.attest>[0]> = {}) => pki.attest({ filename: FILE.filename, sha256: FILE.sha256, identity: JOB, ...extra });

async function refused(attestations: AttestationObject[], reason: RegExp, file = FILE): Promise<void> {
  await assert.rejects(checker().check(file, attestations), (err: unknown) => {
    assert.ok(err instanceof AttestationError, String(err));
    assert.match(err.message, reason);
    return true;
  });
}

describe('attestation verification (sigstore-js against a test trust root)', () => {
  test('a valid attestation, as gh-action-pypi-publish makes it, gives the provenance: the attestation as sent, grouped with its publisher', async () => {
    const attestation = attest();
    const statement = JSON.parse(Buffer.from(attestation.envelope.statement, 'base64').toString());
    assert.equal(statement._type, STATEMENT_TYPE);
    assert.equal(statement.predicateType, PYPI_PUBLISH_V1);
    const provenance = await checker().check(FILE, [attestation]);
    assert.deepEqual(provenance, {
      version: 1,
      attestation_bundles: [{ publisher: { kind: 'GitHub', repository: 'acme/att-demo', workflow: 'release.yml', environment: 'pypi' }, attestations: [attestation] }],
    });
  });

  test('the subject must be this very file: its sha256 and its filename', async () => {
    await refused([attest({ sha256: 'cd'.repeat(32) })], /subject digest \(sha256 cdcd.*\) is not that of att_demo-1\.0-py3-none-any\.whl \(sha256 abab.*\): it attests other bytes/);
    await refused([attest({ filename: 'att_demo-2.0-py3-none-any.whl' })], /The attestation is for "att_demo-2\.0-py3-none-any\.whl", not for att_demo-1\.0-py3-none-any\.whl/);
    const two = pki.statementFor(FILE.filename, FILE.sha256);
    await refused([attest({ statement: { ...two, subject: [...(two.subject as unknown[]), { name: 'x.whl', digest: { sha256: FILE.sha256 } }] } })], /exactly one subject/);
    await refused([attest({ statement: { ...two, _type: 'https://in-toto.io/Statement/v0.1' } })], /not https:\/\/in-toto\.io\/Statement\/v1/);
    await refused([attest({ statement: { ...two, predicateType: 'https://example.com/mine' } })], /predicate type "https:\/\/example\.com\/mine" is not taken here/);
    await refused([attest(), attest()], /Two attestations of att_demo-1\.0-py3-none-any\.whl have the predicate type/);
  });

  test('a certificate for another repository, owner or workflow, or from another issuer, is refused', async () => {
    await refused([attest({ identity: { ...JOB, repository: 'other', repositoryId: '6006' } })], /signed by https:\/\/github\.com\/acme\/other\/\.github\/workflows\/release\.yml@refs\/tags\/v1\.0 \(repository id 6006, owner id 1001\), and no trusted publisher of att-demo is in that repository/);
    await refused([attest({ identity: { ...JOB, workflow: 'nightly.yml' } })], /nightly\.yml.*which is none of att-demo's trusted publishers in that repository \(acme\/att-demo release\.yml\)/);
    // Same repository id, another owner id: a transferred or re-created repository.
    await refused([attest({ identity: { ...JOB, ownerId: '666' } })], /owner id 666\), which is none of att-demo's trusted publishers/);
    await refused([attest({ identity: { ...JOB, issuer: 'https://ci.example.com' } })], /signed by an identity from "https:\/\/ci\.example\.com", an issuer whose trusted publishers this index does not take: attestations are taken from the trusted publishers of GitHub Actions \(https:\/\/token\.actions\.githubusercontent\.com\), GitLab CI\/CD \(https:\/\/gitlab\.com\), Google Cloud \(https:\/\/accounts\.google\.com\) only/);
  });

  test('a tampered signature or statement, and a signature by another key, do not verify', async () => {
    const good = attest();
    const sig = Buffer.from(good.envelope.signature, 'base64');
    sig[sig.length - 1]! ^= 0x01;
    await refused([{ ...good, envelope: { ...good.envelope, signature: sig.toString('base64') } }], /does not verify: its transparency-log entry is for another signature or statement/);
    const statement = { ...pki.statementFor(FILE.filename, FILE.sha256), predicate: { tampered: true } };
    await refused([{ ...good, envelope: { ...good.envelope, statement: Buffer.from(JSON.stringify(statement)).toString('base64') } }], /does not verify: its transparency-log entry is for another signature or statement/);
    await refused([attest({ wrongKey: true })], /does not verify: the signature over the statement does not verify/);
  });

  test('an expired or untrusted chain, and a log entry Rekor did not sign, do not verify', async () => {
    const now = Date.now();
    // Logged 20 minutes after its 10-minute certificate started: expired by then.
    await refused([attest({ integratedAt: new Date(now), leafNotBefore: new Date(now - 20 * 60_000) })], /does not verify: the signing certificate does not chain to this index's Sigstore trust root, or was not valid when the entry was logged/);
    await refused([attest({ ca: pki.strangerCa })], /does not verify: the signing certificate does not chain/);
    const good = attest();
    const entry = { ...good.verification_material.transparency_entries[0]!, inclusionPromise: { signedEntryTimestamp: Buffer.from('forged').toString('base64') } };
    await refused([{ ...good, verification_material: { ...good.verification_material, transparency_entries: [entry] } }], /signed entry timestamp does not verify with the trusted Rekor key/);
    // Against another trust root (Sigstore's public good), the test PKI is untrusted.
    await assert.rejects(checker(PUBLIC_GOOD_TRUSTED_ROOT).check(FILE, [good]), /does not verify/);
  });

  test('malformed attestations are refused with what is wrong', async () => {
    assert.throws(() => parseAttestations('not json'), /not valid JSON/);
    assert.throws(() => parseAttestations('[]'), /an empty list is not allowed/);
    assert.throws(() => parseAttestations('{}'), /expected a JSON array/);
    assert.throws(() => parseAttestations(JSON.stringify([{ version: 2 }])), /version 2; only version 1/);
    assert.throws(() => checkAttestations([{ version: 1, envelope: {}, verification_material: {} }]), /certificate must be a base64 string/);
    const good = attest();
    assert.throws(() => checkAttestations([{ ...good, verification_material: { ...good.verification_material, transparency_entries: [] } }]), /transparency_entries must be a non-empty list/);
    assert.throws(() => checkAttestations([good, good, good]), /At most 2 attestations/);
    assert.throws(() => parseAttestations('"x"'.padEnd(300 * 1024)), /larger than/);
    await refused([{ ...good, verification_material: { ...good.verification_material, certificate: Buffer.from('not a certificate').toString('base64') } }], /Malformed attestation/);
    await refused([{ ...good, verification_material: { ...good.verification_material, transparency_entries: [{ logIndex: 'x' }] } }], /Malformed attestation|does not verify/);
  });
});

function event(path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): APIGatewayProxyEventV2 {
  return apiGatewayEvent(path, init);
}
const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

describe('attestations on the legacy upload (write function), served by the read function', () => {
  let metadata: MemoryMetadataStore;
  let blobs: MemoryBlobStore;
  let token: string;
  const options = { name: PROJECT, version: '1.0' };
  const bytes = buildWheel(options);
  const filename = wheelFilename(options);
  async function upload(attestations: string | undefined) {
    const tokens = new MemoryTokenStore();
    token = (await new TokenAdmin(tokens).create({ scopes: ['upload:*'], createdBy: 't' })).token;
    const handler = createWriteFunction({
      metadata,
      blobs,
      tokens,
      config: { publicRead: true, authCacheSeconds: 0, maxUploadBytes: 1024 * 1024 },
      logger: new Logger({ logLevel: 'SILENT' }),
      attestations: { publishers, githubIssuer: GITHUB_ISSUER, trustedRoot: pki.trustedRoot },
    });
    const form = twineForm(PROJECT, '1.0', bytes, filename);
    if (attestations !== undefined) form.append('attestations', attestations);
    const request = new Request('http://x/legacy/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    return handler(
      event('/legacy/', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': request.headers.get('content-type')! }, body }),
      context,
    );
  }

  beforeEach(() => {
    metadata = new MemoryMetadataStore();
    blobs = new MemoryBlobStore();
  });

  test('a valid attestation: published, the pages link the provenance, which the read function serves', async () => {
    const attestation = pki.attest({ filename, sha256: sha256(bytes), identity: JOB });
    const res = await upload(JSON.stringify([attestation]));
    assert.equal(res.statusCode, 200, String(res.body));
    const stored = await metadata.getFile(PROJECT, filename);
    assert.match(stored?.provenanceSha256 ?? '', /^[0-9a-f]{64}$/);
    const key = `files/${PROJECT}/${sha256(bytes)}/${filename}.${stored!.provenanceSha256}.provenance`;
    const provenance = JSON.parse(Buffer.from(blobs.objects.get(key)!.body).toString());
    assert.deepEqual(provenance.attestation_bundles[0].attestations, [attestation]);
    assert.equal(sha256(blobs.objects.get(key)!.body), stored!.provenanceSha256);

    const read = createReadFunction({
      metadata,
      signer: blobs,
      tokens: new MemoryTokenStore(),
      config: { pageCacheControl: 'max-age=42', signingWindowSeconds: 300, publicRead: true, authCacheSeconds: 30 },
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const page = JSON.parse(String((await read(event(`/simple/${PROJECT}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } }), context)).body));
    const url = `../../integrity/${PROJECT}/1.0/${filename}/provenance`;
    assert.equal(page.files[0].provenance, url);
    assert.equal(page.meta['api-version'], '1.4');
    const html = String((await read(event(`/simple/${PROJECT}/`, { headers: { accept: 'text/html' } }), context)).body);
    assert.match(html, new RegExp(`data-provenance="${url.replace(/\./g, '\\.')}"`));
    // Without an object reader the read function redirects to the stored object, as for .metadata.
    const served = await read(event(`/integrity/${PROJECT}/1.0/${filename}/provenance`), context);
    assert.equal(served.statusCode, 302);
    assert.equal(blobs.presigned.at(-1)!.key, key);
    const none = await read(event(`/integrity/${PROJECT}/2.0/${filename}/provenance`), context);
    assert.equal(none.statusCode, 404);
  });

  test('the provenance object is kept by the orphan sweep while its file is indexed, and deleted with the file', async () => {
    const attestation = pki.attest({ filename, sha256: sha256(bytes), identity: JOB });
    assert.equal((await upload(JSON.stringify([attestation]))).statusCode, 200);
    const stored = (await metadata.getFile(PROJECT, filename))!;
    const key = `files/${PROJECT}/${stored.sha256}/${filename}.${stored.provenanceSha256}.provenance`;
    assert.deepEqual(parseStoredFileKey(key), { project: PROJECT, sha256: stored.sha256, filename, metadata: false });
    const rule = { now: new Date(Date.now() + 86_400_000), graceSeconds: 60 };
    assert.equal(judgeStoredObject(key, new Date(), new Set([indexedPairKey(stored)]), rule), 'indexed');
    assert.equal(judgeStoredObject(key, new Date(), new Set(), rule), 'orphan');
    assert.equal(parseStoredFileKey(`files/${PROJECT}/${stored.sha256}/${filename}.nothex.provenance`), undefined);

    await new ProjectAdmin(metadata, blobs).delete(PROJECT, { filename }, 'test');
    assert.equal(blobs.objects.has(key), false, 'the provenance went with the file');
    assert.deepEqual([...blobs.objects.keys()], []);
  });

  test('a refused attestation is a 400 with the reason, and nothing is stored', async () => {
    const other = pki.attest({ filename, sha256: sha256(bytes), identity: { ...JOB, workflow: 'evil.yml' } });
    const res = await upload(JSON.stringify([other]));
    assert.equal(res.statusCode, 400);
    assert.match(String(res.body), /evil\.yml.*none of att-demo's trusted publishers/);
    assert.deepEqual([...blobs.objects.keys()], []);
    assert.equal(await metadata.getFile(PROJECT, filename), undefined);
    const malformed = await upload('[{"version": 1}]');
    assert.equal(malformed.statusCode, 400);
    assert.match(String(malformed.body), /Malformed attestation/);
    assert.deepEqual([...blobs.objects.keys()], []);
    // Without attestations, the same file is published as before, with no provenance.
    assert.equal((await upload(undefined)).statusCode, 200);
    assert.equal((await metadata.getFile(PROJECT, filename))?.provenanceSha256, undefined);
  });
});
