/**
 * PEP 740 attestations (the "index hosted attestations" living spec): what an upload may
 * carry, what Wharf checks in it besides the Sigstore verification itself, and the
 * provenance object it serves. Pure rules; the cryptography is in
 * lambdas/adapters/sigstore-verifier.ts, the flow in lambdas/app/attestation-check.ts.
 *
 * An attestation object, as twine 6 sends it in the `attestations` form field (a JSON
 * array of them) and gh-action-pypi-publish writes it to `{file}.publish.attestation`:
 *
 *   { "version": 1,
 *     "verification_material": { "certificate": base64 DER, "transparency_entries": [Rekor entry, ...] },
 *     "envelope": { "statement": base64 in-toto Statement, "signature": base64 DSSE signature } }
 */
import { AttestationError } from './errors.ts';
import { workflowFilenameOf, type GitHubPublisher } from './publishers/github.ts';

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const PYPI_PUBLISH_V1 = 'https://docs.pypi.org/attestations/publish/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** The predicate types Warehouse takes, at most one attestation of each per file. */
export const SUPPORTED_PREDICATE_TYPES: readonly string[] = [PYPI_PUBLISH_V1, SLSA_PROVENANCE_V1];

/** The whole `attestations` field at most: a real one is about 10 KB per attestation. */
export const MAX_ATTESTATIONS_BYTES = 256 * 1024;

export interface AttestationObject {
  readonly version: 1;
  readonly verification_material: {
    readonly certificate: string;
    readonly transparency_entries: readonly Record<string, unknown>[];
  };
  readonly envelope: { readonly statement: string; readonly signature: string };
}

/** The publisher an attestation was verified against, as the provenance object names it. */
export interface ProvenancePublisher {
  readonly kind: 'GitHub';
  /** `owner/repo`. */
  readonly repository: string;
  readonly workflow: string;
  readonly environment?: string;
}

/** What a project page says of a file's verified attestations (read from its provenance object). */
export interface FileProvenance {
  /** The publishers its attestations were verified against. */
  readonly publishers: readonly ProvenancePublisher[];
  /** How many attestations were verified. */
  readonly attestations: number;
  /** `integrity/{project}/{version}/{filename}/provenance` (percent-encoded, no leading slash). */
  readonly path: string;
}

/** The provenance object served at `/integrity/{project}/{version}/{filename}/provenance`. */
export interface Provenance {
  readonly version: 1;
  readonly attestation_bundles: readonly { readonly publisher: ProvenancePublisher; readonly attestations: readonly AttestationObject[] }[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const fail = (message: string): never => {
  throw new AttestationError(message);
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function base64Field(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '' || value.length % 4 !== 0 || !BASE64.test(value)) {
    fail(`Malformed attestation: ${where} must be a base64 string.`);
  }
  return value as string;
}

/**
 * The attestations of one upload, from the JSON text of the `attestations` field: a
 * non-empty array of well-formed attestation objects, at most one per supported
 * predicate type (that is checked with the statements, after verification).
 */
export function parseAttestations(text: string): AttestationObject[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_ATTESTATIONS_BYTES) {
    fail(`The attestations are larger than ${MAX_ATTESTATIONS_BYTES} bytes; a file takes at most ${SUPPORTED_PREDICATE_TYPES.length} attestations of about 10 KB each.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail('Malformed attestations: the field is not valid JSON. Send a JSON array of attestation objects, as twine --attestations does.');
  }
  return checkAttestations(value);
}

/** The same check on a value already parsed (the upload session's JSON body). */
export function checkAttestations(value: unknown): AttestationObject[] {
  if (!Array.isArray(value)) fail('Malformed attestations: expected a JSON array of attestation objects.');
  const list = value as unknown[];
  if (list.length === 0) fail('Malformed attestations: an empty list is not allowed; leave the field out to upload without attestations.');
  if (list.length > SUPPORTED_PREDICATE_TYPES.length) {
    fail(`At most ${SUPPORTED_PREDICATE_TYPES.length} attestations per file are taken (one per predicate type), not ${list.length}.`);
  }
  return list.map((item, i) => {
    const at = `attestation ${i + 1}`;
    if (!isObject(item)) fail(`Malformed attestation: ${at} is not a JSON object.`);
    const a = item as Record<string, unknown>;
    if (a.version !== 1) fail(`Malformed attestation: ${at} has version ${JSON.stringify(a.version)}; only version 1 (PEP 740) is known.`);
    const material = a.verification_material;
    const envelope = a.envelope;
    if (!isObject(material)) fail(`Malformed attestation: ${at} has no verification_material object.`);
    if (!isObject(envelope)) fail(`Malformed attestation: ${at} has no envelope object.`);
    const m = material as Record<string, unknown>;
    const e = envelope as Record<string, unknown>;
    base64Field(m.certificate, `${at}'s verification_material.certificate`);
    const entries = m.transparency_entries;
    if (!Array.isArray(entries) || entries.length === 0 || !entries.every(isObject)) {
      fail(`Malformed attestation: ${at}'s verification_material.transparency_entries must be a non-empty list of Rekor entries.`);
    }
    base64Field(e.statement, `${at}'s envelope.statement`);
    base64Field(e.signature, `${at}'s envelope.signature`);
    return a as unknown as AttestationObject;
  });
}

/**
 * Checks the statement an attestation signs: an in-toto Statement v1 about exactly this
 * file (its filename and sha256) with a predicate type Wharf takes. Returns the predicate type.
 */
export function checkStatement(attestation: AttestationObject, filename: string, sha256: string): string {
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from(attestation.envelope.statement, 'base64').toString('utf8'));
  } catch {
    fail('Malformed attestation: its statement is not JSON.');
  }
  if (!isObject(statement)) fail('Malformed attestation: its statement is not a JSON object.');
  const s = statement as Record<string, unknown>;
  if (s._type !== IN_TOTO_STATEMENT_V1) fail(`The attestation's statement is of type ${JSON.stringify(s._type)}, not ${IN_TOTO_STATEMENT_V1}.`);
  const subjects = s.subject;
  if (!Array.isArray(subjects) || subjects.length !== 1 || !isObject(subjects[0])) {
    fail('The attestation\'s statement must have exactly one subject: the file uploaded.');
  }
  const subject = (subjects as Record<string, unknown>[])[0]!;
  if (subject.name !== filename) {
    fail(`The attestation is for ${JSON.stringify(subject.name)}, not for ${filename}: attach each file's own attestation.`);
  }
  const digest = isObject(subject.digest) ? subject.digest.sha256 : undefined;
  if (typeof digest !== 'string' || digest.toLowerCase() !== sha256) {
    fail(`The attestation's subject digest (sha256 ${String(digest)}) is not that of ${filename} (sha256 ${sha256}): it attests other bytes.`);
  }
  const predicateType = s.predicateType;
  if (typeof predicateType !== 'string' || !SUPPORTED_PREDICATE_TYPES.includes(predicateType)) {
    fail(`The attestation's predicate type ${JSON.stringify(predicateType)} is not taken here: use one of ${SUPPORTED_PREDICATE_TYPES.join(', ')}.`);
  }
  return predicateType as string;
}

/** What a verified signing certificate says about who signed: its SAN and Fulcio's extensions by OID. */
export interface SignerIdentity {
  readonly subjectAlternativeName?: string;
  /** OID (dotted) to its value, decoded as text. */
  readonly extensions: Readonly<Record<string, string>>;
}

/** Fulcio's certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). */
export const FULCIO_OID = {
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerUri: '1.3.6.1.4.1.57264.1.9',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryId: '1.3.6.1.4.1.57264.1.15',
  sourceRepositoryOwnerId: '1.3.6.1.4.1.57264.1.17',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
} as const;

/**
 * The trusted publisher of `project` whose job signed, as the certificate proves it: the
 * OIDC issuer, the repository and owner ids (a renamed or re-created repository does not
 * match), the repository, and the workflow file of the build signer URI (the workflow
 * that ran, `job_workflow_ref`, as trusted publishing matches it). The environment is not
 * in a Fulcio certificate, so a publisher's environment cannot be checked here.
 */
export function matchPublisher(
  identity: SignerIdentity,
  /** The project's publishers in the certificate's repository (by its id). */
  publishers: readonly GitHubPublisher[],
  githubIssuer: string,
  project: string,
): GitHubPublisher {
  const ext = identity.extensions;
  const issuer = ext[FULCIO_OID.issuer] ?? ext[FULCIO_OID.issuerV1];
  if (issuer !== githubIssuer) {
    fail(`The attestation was signed by an identity from ${JSON.stringify(issuer)}, not from GitHub Actions (${githubIssuer}): only trusted publishers' attestations are taken.`);
  }
  const signer = ext[FULCIO_OID.buildSignerUri] ?? identity.subjectAlternativeName ?? '';
  const repositoryUri = ext[FULCIO_OID.sourceRepositoryUri] ?? '';
  const repositoryId = ext[FULCIO_OID.sourceRepositoryId];
  const ownerId = ext[FULCIO_OID.sourceRepositoryOwnerId];
  const who = `${signer || '(no build signer URI)'} (repository id ${repositoryId ?? '?'}, owner id ${ownerId ?? '?'})`;
  if (publishers.length === 0) {
    fail(
      `The attestation was signed by ${who}, and no trusted publisher of ${project} is in that repository: attestations are taken from the project's ` +
        `trusted publishers only (wharf publisher list --project ${project}; add one with wharf publisher add, or upload without attestations).`,
    );
  }
  const match = publishers.find((p) => {
    const repo = `https://github.com/${p.owner}/${p.repository}`.toLowerCase();
    const prefix = `${repo}/.github/workflows/`;
    return (
      p.repositoryId === repositoryId &&
      p.ownerId === ownerId &&
      repositoryUri.toLowerCase() === repo &&
      signer.toLowerCase().startsWith(prefix) &&
      workflowFilenameOf(signer.slice(prefix.length)) === p.workflow
    );
  });
  if (!match) {
    const trusted = publishers.map((p) => `${p.owner}/${p.repository} ${p.workflow}`).join(', ');
    fail(`The attestation was signed by ${who}, which is none of ${project}'s trusted publishers in that repository (${trusted}).`);
  }
  return match as GitHubPublisher;
}

export function provenancePublisher(p: GitHubPublisher): ProvenancePublisher {
  return { kind: 'GitHub', repository: `${p.owner}/${p.repository}`, workflow: p.workflow, ...(p.environment ? { environment: p.environment } : {}) };
}

/** The provenance object: the attestations grouped by the publisher each was verified against. */
export function buildProvenance(verified: readonly { readonly attestation: AttestationObject; readonly publisher: GitHubPublisher }[]): Provenance {
  const groups = new Map<string, { publisher: ProvenancePublisher; attestations: AttestationObject[] }>();
  for (const { attestation, publisher } of verified) {
    let group = groups.get(publisher.id);
    if (!group) groups.set(publisher.id, (group = { publisher: provenancePublisher(publisher), attestations: [] }));
    group.attestations.push(attestation);
  }
  return { version: 1, attestation_bundles: [...groups.values()] };
}
