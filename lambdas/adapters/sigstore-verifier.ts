/**
 * Verifies the Sigstore half of a PEP 740 attestation with sigstore-js's own packages
 * (@sigstore/bundle to read it as a Sigstore bundle, @sigstore/verify to verify it against
 * a trusted root, @sigstore/core for the certificate), offline:
 *
 * - the signing certificate chains to a Fulcio CA of the trusted root, and was valid
 *   when the transparency log took the entry (Fulcio certificates live ten minutes);
 * - the certificate carries an SCT from a CT log of the trusted root;
 * - every transparency-log entry is Rekor's: its signed entry timestamp (SET) verifies
 *   with the log's key, and so does the signed checkpoint its Merkle inclusion proof
 *   leads to; the entry's body names this very DSSE signature and payload hash;
 * - the DSSE signature over the in-toto statement verifies with the certificate's key.
 *
 * What offline cannot check: that the checkpoint is consistent with the live log (that
 * takes Rekor or a witness over the network). The SET and the signed checkpoint are
 * Rekor's promise and proof of inclusion, which is what sigstore-js and sigstore-python
 * check by default too.
 *
 * This module and its dependencies load with the first attestation (dynamic import from
 * the write function), never with a cold start.
 */
import { bundleFromJSON } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { PolicyError, toSignedEntity, toTrustMaterial, VerificationError, Verifier } from '@sigstore/verify';
import type { AttestationObject, SignerIdentity } from '../core/attestations.ts';
import { AttestationError } from '../core/errors.ts';
import type { AttestationSignatureVerifier } from '../app/attestation-ports.ts';
import publicGoodRoot from './sigstore/public-good-trusted-root.json' with { type: 'json' };

const FULCIO_ARC = '1.3.6.1.4.1.57264.1.';
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Sigstore's public-good trusted root, as pinned in this repository (from @sigstore/tuf's seed). */
export const PUBLIC_GOOD_TRUSTED_ROOT: unknown = publicGoodRoot;

/** Why sigstore-js refused, in words for the uploader. */
const REASONS: Record<string, string> = {
  CERTIFICATE_ERROR: "the signing certificate does not chain to this index's Sigstore trust root, or was not valid when the entry was logged",
  SIGNATURE_ERROR: 'the signature over the statement does not verify: the attestation was altered or signed with another key',
  TLOG_ERROR: 'it has no transparency-log entry this index trusts',
  TLOG_BODY_ERROR: 'its transparency-log entry is for another signature or statement',
  TLOG_INCLUSION_PROMISE_ERROR: "its transparency-log entry's signed entry timestamp does not verify with the trusted Rekor key",
  TLOG_INCLUSION_PROOF_ERROR: "its transparency-log entry's inclusion proof does not verify with the trusted Rekor key",
  TLOG_MISSING_INCLUSION_ERROR: 'its transparency-log entry has neither an inclusion promise nor an inclusion proof',
  TIMESTAMP_ERROR: 'it has no timestamp from a transparency log or timestamp authority this index trusts',
};

/** A DER UTF8String's text (Fulcio's extensions from .8 on), or the raw bytes as text (the v1 ones). */
function extensionText(value: Buffer): string {
  if (value.length >= 2 && value[0] === 0x0c) {
    const first = value[1]!;
    if (first < 0x80 && first === value.length - 2) return value.subarray(2).toString('utf8');
    const lengthBytes = first & 0x7f;
    if (first >= 0x80 && lengthBytes <= 2 && value.length > 2 + lengthBytes) {
      let n = 0;
      for (let i = 0; i < lengthBytes; i++) n = n * 256 + value[2 + i]!;
      if (n === value.length - 2 - lengthBytes) return value.subarray(2 + lengthBytes).toString('utf8');
    }
  }
  return value.toString('utf8');
}

export class SigstoreAttestationVerifier implements AttestationSignatureVerifier {
  private readonly verifier: Verifier;

  /** @param trustedRoot a Sigstore trusted_root.json, parsed */
  constructor(trustedRoot: unknown) {
    let root: TrustedRoot;
    try {
      root = TrustedRoot.fromJSON(trustedRoot);
    } catch (err) {
      throw new Error(`The Sigstore trusted root is not a trusted_root.json: ${(err as Error).message}`);
    }
    if (root.certificateAuthorities.length === 0 || root.tlogs.length === 0) {
      throw new Error('The Sigstore trusted root names no certificate authority or no transparency log: attestations could never verify.');
    }
    // One transparency-log entry and one SCT at least, and the log's time as the timestamp.
    this.verifier = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  }

  async verify(attestation: AttestationObject): Promise<SignerIdentity> {
    let entity;
    try {
      const bundle = bundleFromJSON({
        mediaType: BUNDLE_V03,
        verificationMaterial: {
          certificate: { rawBytes: attestation.verification_material.certificate },
          tlogEntries: attestation.verification_material.transparency_entries,
        },
        dsseEnvelope: {
          payload: attestation.envelope.statement,
          payloadType: IN_TOTO_PAYLOAD_TYPE,
          signatures: [{ sig: attestation.envelope.signature, keyid: '' }],
        },
      });
      entity = toSignedEntity(bundle);
    } catch (err) {
      throw new AttestationError(`Malformed attestation: it does not read as a Sigstore bundle (${(err as Error).message}).`);
    }
    try {
      const signer = this.verifier.verify(entity);
      const extensions: Record<string, string> = {};
      for (const { oid, value } of signer.identity?.oids ?? []) {
        const id = oid?.id.join('.');
        // Fulcio's own extensions: who signed.
        if (id?.startsWith(FULCIO_ARC)) extensions[id] = extensionText(value);
      }
      // sigstore-js gives the SAN's URI or else its email as one string; a Google service
      // account's identity is the email itself, so it is read apart (the certificate verified above).
      const email = X509Certificate.parse(Buffer.from(attestation.verification_material.certificate, 'base64')).extSubjectAltName?.rfc822Name;
      return {
        ...(signer.identity?.subjectAlternativeName ? { subjectAlternativeName: signer.identity.subjectAlternativeName } : {}),
        ...(email ? { email } : {}),
        extensions,
      };
    } catch (err) {
      if (err instanceof VerificationError || err instanceof PolicyError) {
        const reason = REASONS[err.code] ?? err.message;
        const detail = err.message && err.message !== reason ? ` (${err.message})` : '';
        throw new AttestationError(`The attestation does not verify: ${reason}${detail}.`);
      }
      // A certificate or entry too broken for sigstore-js to parse.
      throw new AttestationError(`Malformed attestation: ${(err as Error).message}.`);
    }
  }
}
