/**
 * A Sigstore-shaped PKI of the tests' own, offline: a root CA and an intermediate as
 * Fulcio has them, leaf certificates carrying the identity Fulcio writes for a GitHub
 * Actions job (issuer, build signer URI, source repository URI and ids, build config URI),
 * a GitLab CI/CD job (the same extensions as its `gitlab-pipeline` template fills them,
 * with the CI file as SAN, the deployment environment and the token subject) or a Google
 * service account (its email as SAN, the issuer and the token subject), an embedded SCT from a fake CT log, a fake Rekor that logs DSSE entries (a
 * signed entry timestamp and an inclusion proof against a signed checkpoint), and the
 * trusted_root.json that names them all. What it signs is a PEP 740 attestation as
 * gh-action-pypi-publish makes it: an in-toto Statement v1 with the PyPI publish
 * predicate, in a DSSE envelope.
 *
 * Everything is built by hand from DER, so each test can break exactly one thing.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

// ---- DER ------------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const explicit = (n: number, content: Buffer) => tlv(0xa0 + n, content);

function integer(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [];
    let v = part;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

// ---- certificates -----------------------------------------------------------------------

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo, DER. */
  readonly spki: Buffer;
}

export function keyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

const name = (organization: string, commonName: string) =>
  seq(set(seq(oid('2.5.4.10'), utf8(organization))), set(seq(oid('2.5.4.3'), utf8(commonName))));

/** The key identifier RFC 5280 suggests: SHA-1 of the subjectPublicKey bits. */
function keyId(spki: Buffer): Buffer {
  // The BIT STRING is the SPKI's last element: skip to its content after the unused-bits byte.
  const point = spki.subarray(spki.length - 65);
  return createHash('sha1').update(point).digest();
}

function extension(id: string, value: Buffer, critical = false): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

interface CertOptions {
  readonly serial: bigint;
  readonly issuer: { readonly name: Buffer; readonly keys: KeyPair };
  readonly subject: Buffer;
  readonly subjectKeys: KeyPair;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Buffer[];
}

function tbs(o: CertOptions): Buffer {
  return seq(
    explicit(0, integer(2n)),
    integer(o.serial),
    ECDSA_SHA256,
    o.issuer.name,
    seq(time(o.notBefore), time(o.notAfter)),
    o.subject,
    o.subjectKeys.spki,
    explicit(3, seq(...o.extensions)),
  );
}

function signCert(tbsDer: Buffer, issuer: KeyPair): Buffer {
  return seq(tbsDer, ECDSA_SHA256, bits(sign('sha256', tbsDer, issuer.privateKey)));
}

export interface CertificateAuthority {
  readonly name: Buffer;
  readonly keys: KeyPair;
  readonly der: Buffer;
}

function caCertificate(subject: Buffer, keys: KeyPair, issuer: CertificateAuthority | undefined, serial: bigint, validity: { notBefore: Date; notAfter: Date }): CertificateAuthority {
  const signer = issuer ?? { name: subject, keys };
  const der = signCert(
    tbs({
      serial,
      issuer: signer,
      subject,
      subjectKeys: keys,
      ...validity,
      extensions: [
        extension('2.5.29.15', bits(Buffer.from([0x06]), 1), true), // keyCertSign, cRLSign
        extension('2.5.29.19', seq(bool(true), ...(issuer ? [integer(0n)] : [])), true),
        extension('2.5.29.14', octets(keyId(keys.spki))),
        ...(issuer ? [extension('2.5.29.35', seq(tlv(0x80, keyId(issuer.keys.spki))))] : []),
      ],
    }),
    signer.keys,
  );
  return { name: subject, keys, der };
}

// ---- transparency logs ------------------------------------------------------------------

export interface LogKey extends KeyPair {
  /** SHA-256 of the SPKI: the log id Rekor and CT logs use. */
  readonly logId: Buffer;
  readonly origin: string;
}

function logKey(origin: string): LogKey {
  const keys = keyPair();
  return { ...keys, logId: createHash('sha256').update(keys.spki).digest(), origin };
}

function uint(value: number | bigint, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  let v = BigInt(value);
  for (let i = bytes - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

/** An RFC 6962 SCT over the precertificate form of `tbsWithoutSct`, TLS-encoded as a list of one. */
function sctList(ctlog: LogKey, issuerSpki: Buffer, tbsWithoutSct: Buffer, when: Date): Buffer {
  const timestamp = uint(BigInt(when.getTime()), 8);
  const signed = Buffer.concat([
    Buffer.from([0, 0]), // v1, certificate_timestamp
    timestamp,
    uint(1, 2), // precert_entry
    createHash('sha256').update(issuerSpki).digest(),
    uint(tbsWithoutSct.length, 3),
    tbsWithoutSct,
    uint(0, 2), // no extensions
  ]);
  const signature = sign('sha256', signed, ctlog.privateKey);
  const sct = Buffer.concat([Buffer.from([0]), ctlog.logId, timestamp, uint(0, 2), Buffer.from([4, 3]), uint(signature.length, 2), signature]);
  const list = Buffer.concat([uint(sct.length, 2), sct]);
  return Buffer.concat([uint(list.length, 2), list]);
}

// ---- the identities Fulcio writes: GitHub Actions, GitLab CI/CD, Google Cloud ----------------

/** The GitHub Actions job whose identity a leaf certificate carries. */
export interface WorkflowIdentity {
  readonly kind?: 'github';
  readonly owner: string;
  readonly ownerId: string;
  readonly repository: string;
  readonly repositoryId: string;
  readonly workflow: string;
  readonly ref?: string;
  /** @default GitHub's issuer */
  readonly issuer?: string;
}

/** A GitLab CI/CD job, as Fulcio's `gitlab-pipeline` template turns its token into a certificate. */
export interface GitLabJobIdentity {
  readonly kind: 'gitlab';
  /** `group/project` or `group/subgroup/project` (`project_path`). */
  readonly projectPath: string;
  readonly projectId: string;
  readonly namespaceId: string;
  /** @default .gitlab-ci.yml */
  readonly ciConfigPath?: string;
  /** The `ref_path` the pipeline ran at. @default refs/heads/main */
  readonly ref?: string;
  /** The job's environment: Fulcio's deployment environment (1.23), absent when not given. */
  readonly environment?: string;
  /** @default https://gitlab.com */
  readonly issuer?: string;
  /** Fulcio OIDs (dotted) to leave out, as older Fulcio releases or a broken certificate would. */
  readonly omit?: readonly string[];
  /** Another URI SAN than Fulcio's (`https://` + `ci_config_ref_uri`). */
  readonly san?: string;
}

/** A Google Cloud service account, as Fulcio's `email` issuer type certifies it. */
export interface GoogleAccountIdentity {
  readonly kind: 'google';
  readonly email: string;
  /** The account's unique id (`sub`), as Fulcio's token subject (1.24); absent when not given. */
  readonly subject?: string;
  /** @default https://accounts.google.com */
  readonly issuer?: string;
}

export type CertifiedIdentity = WorkflowIdentity | GitLabJobIdentity | GoogleAccountIdentity;

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITLAB_ISSUER = 'https://gitlab.com';
export const GOOGLE_ISSUER = 'https://accounts.google.com';

/** A SAN general name: a URI (tag 6) or an email, rfc822Name (tag 1). */
type San = { readonly uri: string } | { readonly email: string };

const v2 = (n: number, value: string) => extension(`1.3.6.1.4.1.57264.1.${n}`, utf8(value));
// The deprecated v1 issuer is raw bytes; every later one is a DER UTF8String.
const issuerExtensions = (issuer: string) => [extension('1.3.6.1.4.1.57264.1.1', Buffer.from(issuer)), v2(8, issuer)];

/** Fulcio's extensions (OID 1.3.6.1.4.1.57264.1.*) and SAN for the identity, as it writes them. */
function fulcioExtensions(id: CertifiedIdentity): { san: San; extensions: Buffer[] } {
  const sha = 'a'.repeat(40);
  if (id.kind === 'gitlab') {
    const issuer = id.issuer ?? GITLAB_ISSUER;
    const ref = id.ref ?? 'refs/heads/main';
    const ciConfigRefUri = `${issuer.replace(/^https?:\/\//, '')}/${id.projectPath}//${id.ciConfigPath ?? '.gitlab-ci.yml'}@${ref}`;
    const config = `https://${ciConfigRefUri}`;
    const namespace = id.projectPath.split('/').slice(0, -1).join('/');
    const omit = new Set(id.omit ?? []);
    const all: [number, string | undefined][] = [
      [9, config],
      [10, 'c'.repeat(40)],
      [11, 'gitlab-hosted'],
      [12, `${issuer}/${id.projectPath}`],
      [13, sha],
      [14, ref],
      [15, id.projectId],
      [16, `${issuer}/${namespace}`],
      [17, id.namespaceId],
      [18, config],
      [19, 'c'.repeat(40)],
      [20, 'push'],
      [21, `${issuer}/${id.projectPath}/-/jobs/7`],
      [22, 'public'],
      [23, id.environment],
      [24, `project_path:${id.projectPath}:ref_type:${ref.startsWith('refs/tags/') ? 'tag' : 'branch'}:ref:${ref.replace(/^refs\/(heads|tags)\//, '')}`],
    ];
    return {
      san: { uri: id.san ?? config },
      extensions: [
        ...issuerExtensions(issuer).filter((_, i) => !omit.has(i === 0 ? '1.3.6.1.4.1.57264.1.1' : '1.3.6.1.4.1.57264.1.8')),
        ...all.filter(([n, value]) => value !== undefined && !omit.has(`1.3.6.1.4.1.57264.1.${n}`)).map(([n, value]) => v2(n, value!)),
      ],
    };
  }
  if (id.kind === 'google') {
    return {
      san: { email: id.email },
      extensions: [...issuerExtensions(id.issuer ?? GOOGLE_ISSUER), ...(id.subject !== undefined ? [v2(24, id.subject)] : [])],
    };
  }
  const ref = id.ref ?? 'refs/tags/v1.0';
  const repo = `https://github.com/${id.owner}/${id.repository}`;
  const workflowUri = `${repo}/.github/workflows/${id.workflow}@${ref}`;
  return {
    san: { uri: workflowUri },
    extensions: [
      ...issuerExtensions(id.issuer ?? GITHUB_ISSUER),
      v2(9, workflowUri),
      v2(10, sha),
      v2(11, 'github-hosted'),
      v2(12, repo),
      v2(13, sha),
      v2(14, ref),
      v2(15, id.repositoryId),
      v2(16, `https://github.com/${id.owner}`),
      v2(17, id.ownerId),
      v2(18, workflowUri),
      v2(19, sha),
      v2(20, 'push'),
      v2(21, `${repo}/actions/runs/1/attempts/1`),
      v2(22, 'public'),
    ],
  };
}

// ---- PEP 740 ------------------------------------------------------------------------------

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PUBLISH_PREDICATE = 'https://docs.pypi.org/attestations/publish/v1';
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** DSSE's pre-authentication encoding: what the signature covers. */
function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

/** A PEP 740 attestation object, as twine sends it in `attestations`. */
export interface AttestationObject {
  version: 1;
  verification_material: { certificate: string; transparency_entries: Record<string, unknown>[] };
  envelope: { statement: string; signature: string };
}

export interface AttestOptions {
  readonly filename: string;
  readonly sha256: string;
  readonly identity: CertifiedIdentity;
  /** When Rekor logged it. @default now */
  readonly integratedAt?: Date;
  /** The leaf's validity, from its start. @default 10 minutes, from a minute before integratedAt */
  readonly leafNotBefore?: Date;
  readonly leafLifetimeMs?: number;
  /** Another statement than the default's (for wrong types, several subjects...). */
  readonly statement?: Record<string, unknown>;
  /** Sign with this CA instead of the trusted one. */
  readonly ca?: CertificateAuthority;
  /** Sign the statement with a key other than the certificate's (and log that signature). */
  readonly wrongKey?: boolean;
}

export interface TestSigstore {
  /** The trusted_root.json of this PKI (Sigstore's TrustedRoot, JSON). */
  readonly trustedRoot: Record<string, unknown>;
  /** Another PKI's intermediate, which the trusted root does not name. */
  readonly strangerCa: CertificateAuthority;
  attest(options: AttestOptions): AttestationObject;
  /** The statement gh-action-pypi-publish signs for one file. */
  statementFor(filename: string, sha256: string): Record<string, unknown>;
}

export function testSigstore(now = new Date()): TestSigstore {
  const year = 365 * 24 * 3600 * 1000;
  const validity = { notBefore: new Date(now.getTime() - 2 * year), notAfter: new Date(now.getTime() + 10 * year) };
  const root = caCertificate(name('wharf-test', 'wharf-test-sigstore'), keyPair(), undefined, 1n, validity);
  const intermediate = caCertificate(name('wharf-test', 'wharf-test-sigstore-intermediate'), keyPair(), root, 2n, validity);
  const strangerRoot = caCertificate(name('elsewhere', 'stranger-root'), keyPair(), undefined, 3n, validity);
  const strangerCa = caCertificate(name('wharf-test', 'wharf-test-sigstore-intermediate'), keyPair(), strangerRoot, 4n, validity);
  const rekor = logKey('rekor.wharf.test');
  const ctlog = logKey('ctfe.wharf.test');
  let serial = 100n;

  const start = new Date(now.getTime() - 2 * year).toISOString();
  const logEntry = (log: LogKey, baseUrl: string) => ({
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: log.spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
    logId: { keyId: log.logId.toString('base64') },
  });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [logEntry(rekor, 'https://rekor.wharf.test')],
    certificateAuthorities: [
      {
        subject: { organization: 'wharf-test', commonName: 'wharf-test-sigstore' },
        uri: 'https://fulcio.wharf.test',
        certChain: { certificates: [{ rawBytes: intermediate.der.toString('base64') }, { rawBytes: root.der.toString('base64') }] },
        validFor: { start },
      },
    ],
    ctlogs: [logEntry(ctlog, 'https://ctfe.wharf.test')],
    timestampAuthorities: [],
  };

  function leaf(identity: CertifiedIdentity, keys: KeyPair, ca: CertificateAuthority, notBefore: Date, notAfter: Date): Buffer {
    const { san, extensions } = fulcioExtensions(identity);
    const base = [
      extension('2.5.29.15', bits(Buffer.from([0x80]), 7), true), // digitalSignature
      extension('2.5.29.37', seq(oid('1.3.6.1.5.5.7.3.3'))), // codeSigning
      extension('2.5.29.14', octets(keyId(keys.spki))),
      extension('2.5.29.35', seq(tlv(0x80, keyId(ca.keys.spki)))),
      extension('2.5.29.17', seq('uri' in san ? tlv(0x86, Buffer.from(san.uri)) : tlv(0x81, Buffer.from(san.email))), true),
      ...extensions,
    ];
    const options: CertOptions = { serial: serial++, issuer: ca, subject: seq(), subjectKeys: keys, notBefore, notAfter, extensions: base };
    // The SCT signs the certificate as it is without the SCT extension (the precertificate).
    const precert = tbs(options);
    const scts = sctList(ctlog, ca.keys.spki, precert, notBefore);
    return signCert(tbs({ ...options, extensions: [...base, extension('1.3.6.1.4.1.11129.2.4.2', octets(scts))] }), ca.keys);
  }

  function statementFor(filename: string, sha256: string): Record<string, unknown> {
    return { _type: STATEMENT_TYPE, subject: [{ name: filename, digest: { sha256 } }], predicateType: PUBLISH_PREDICATE, predicate: null };
  }

  function attest(o: AttestOptions): AttestationObject {
    const integratedAt = o.integratedAt ?? now;
    const notBefore = o.leafNotBefore ?? new Date(integratedAt.getTime() - 60_000);
    const notAfter = new Date(notBefore.getTime() + (o.leafLifetimeMs ?? 10 * 60_000));
    const keys = keyPair();
    const certificate = leaf(o.identity, keys, o.ca ?? intermediate, notBefore, notAfter);
    const statement = Buffer.from(JSON.stringify(o.statement ?? statementFor(o.filename, o.sha256)));
    const signature = sign('sha256', pae(IN_TOTO_PAYLOAD_TYPE, statement), (o.wrongKey ? keyPair() : keys).privateKey);

    // Rekor's dsse v0.0.1 entry: the payload's hash, the signature and its verifier.
    const pem = `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    const body = Buffer.from(
      JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
          payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statement).digest('hex') },
          signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(pem).toString('base64') }],
        },
      }),
    );
    // Each entry is logged in a tree of its own, of one leaf: index 0.
    const index = 0;
    const integratedTime = Math.floor(integratedAt.getTime() / 1000);
    // The signed entry timestamp: Rekor's signature over the canonical JSON of the entry.
    const setPayload = `{"body":"${body.toString('base64')}","integratedTime":${integratedTime},"logID":"${rekor.logId.toString('hex')}","logIndex":${index}}`;
    const set = sign('sha256', Buffer.from(setPayload), rekor.privateKey);
    // A tree of one leaf: the root is the leaf hash, the proof has no hashes.
    const rootHash = createHash('sha256').update(Buffer.concat([Buffer.from([0]), body])).digest();
    const note = `${rekor.origin}\n1\n${rootHash.toString('base64')}\n`;
    const noteSignature = Buffer.concat([rekor.logId.subarray(0, 4), sign('sha256', Buffer.from(note), rekor.privateKey)]);
    const checkpoint = `${note}\n\u2014 ${rekor.origin} ${noteSignature.toString('base64')}\n`;

    return {
      version: 1,
      verification_material: {
        certificate: certificate.toString('base64'),
        transparency_entries: [
          {
            logIndex: String(index),
            logId: { keyId: rekor.logId.toString('base64') },
            kindVersion: { kind: 'dsse', version: '0.0.1' },
            integratedTime: String(integratedTime),
            inclusionPromise: { signedEntryTimestamp: set.toString('base64') },
            inclusionProof: { logIndex: '0', rootHash: rootHash.toString('base64'), treeSize: '1', hashes: [], checkpoint: { envelope: checkpoint } },
            canonicalizedBody: body.toString('base64'),
          },
        ],
      },
      envelope: { statement: statement.toString('base64'), signature: signature.toString('base64') },
    };
  }

  return { trustedRoot, strangerCa, attest, statementFor };
}
