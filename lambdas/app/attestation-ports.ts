/** The port of the PEP 740 check (lambdas/app/attestation-check.ts): the Sigstore verification itself. */
import type { AttestationObject, SignerIdentity } from '../core/attestations.ts';

/** The Sigstore verification of one attestation; throws AttestationError with the reason. */
export interface AttestationSignatureVerifier {
  verify(attestation: AttestationObject): Promise<SignerIdentity>;
}
