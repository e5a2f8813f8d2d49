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

/**
 * The publisher an attestation was verified against, as the provenance object names it:
 * Warehouse's shape for each kind (pypi-attestations' GitHubPublisher, GitLabPublisher and
 * GooglePublisher). Built in lambdas/core/attestation-publishers.ts.
 */
export type ProvenancePublisher = GitHubProvenancePublisher | GitLabProvenancePublisher | GoogleProvenancePublisher;

export interface GitHubProvenancePublisher {
  readonly kind: 'GitHub';
  /** `owner/repo`. */
  readonly repository: string;
  readonly workflow: string;
  readonly environment?: string;
}

export interface GitLabProvenancePublisher {
  readonly kind: 'GitLab';
  /** `group/project` (subgroups included). */
  readonly repository: string;
  /** The CI configuration file, e.g. `.gitlab-ci.yml`. */
  readonly workflow_filepath: string;
  readonly environment?: string;
  /** PEP 740's publisher claims: the instance, for a self-managed one only (absent: gitlab.com). */
  readonly claims?: { readonly issuer: string };
}

export interface GoogleProvenancePublisher {
  readonly kind: 'Google';
  /** The service account's email. */
  readonly email: string;
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
  /** The SAN as sigstore-js reads it: its URI, else its email. */
  readonly subjectAlternativeName?: string;
  /** The SAN's email (rfc822Name), when it has one: Fulcio's identity of a Google service account. */
  readonly email?: string;
  /** OID (dotted) to its value, decoded as text. */
  readonly extensions: Readonly<Record<string, string>>;
}
