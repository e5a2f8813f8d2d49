/**
 * Verifying the PEP 740 attestations an upload carries, before the file becomes visible:
 * each one's Sigstore bundle (signature, certificate chain, transparency log: the
 * verifier port), its statement's subject (this file's filename and sha256), and the
 * identity it was signed with against the project's trusted publishers. The answer is the
 * provenance object to store beside the file; any failure refuses the upload with its reason.
 */
import {
  type AttestationObject,
  buildProvenance,
  checkStatement,
  matchPublisher,
  type Provenance,
  type SignerIdentity,
} from '../core/attestations.ts';
import { AttestationError } from '../core/errors.ts';
import type { GitHubPublisher } from '../core/trusted-publishing.ts';
import type { PublisherStore } from './ports.ts';
import type { AttestationSignatureVerifier } from './attestation-ports.ts';

export type { AttestationSignatureVerifier } from './attestation-ports.ts';


export interface AttestationCheckDeps {
  /** Loaded with the first attestation: the Sigstore code stays out of every cold start. */
  readonly verifier: () => Promise<AttestationSignatureVerifier>;
  readonly publishers: Pick<PublisherStore, 'publishersForRepository'>;
  /** The OIDC issuer of GitHub Actions, as trusted publishing trusts it. */
  readonly githubIssuer: string;
}

/** What an upload's attestations are checked against. */
export interface AttestedFile {
  /** Normalized project name. */
  readonly project: string;
  readonly filename: string;
  /** Lower-case hex. */
  readonly sha256: string;
}

/** The check, or the refusal of an index that verifies none (a test of the upload alone). */
export async function verifyAttestations(
  check: AttestationCheck | undefined,
  file: AttestedFile,
  attestations: readonly AttestationObject[],
): Promise<Provenance> {
  if (!check) throw new AttestationError('This index does not verify attestations (PEP 740): upload without them.');
  return check.check(file, attestations);
}

export class AttestationCheck {
  constructor(private readonly deps: AttestationCheckDeps) {}

  async check(file: AttestedFile, attestations: readonly AttestationObject[]): Promise<Provenance> {
    const verifier = await this.deps.verifier();
    const seen = new Set<string>();
    const verified: { attestation: AttestationObject; publisher: GitHubPublisher }[] = [];
    for (const attestation of attestations) {
      // The statement first: a wrong file is the most likely mistake, and the cheapest to say.
      const predicateType = checkStatement(attestation, file.filename, file.sha256);
      if (seen.has(predicateType)) {
        throw new AttestationError(`Two attestations of ${file.filename} have the predicate type ${predicateType}; send one of each type.`);
      }
      seen.add(predicateType);
      const identity = await verifier.verify(attestation);
      verified.push({ attestation, publisher: await this.publisherOf(file.project, identity) });
    }
    return buildProvenance(verified);
  }

  /** The project's trusted publisher that signed: those of the certificate's repository id (one Query). */
  private async publisherOf(project: string, identity: SignerIdentity): Promise<GitHubPublisher> {
    const repositoryId = identity.extensions['1.3.6.1.4.1.57264.1.15'];
    const candidates = repositoryId ? await this.deps.publishers.publishersForRepository('github', repositoryId) : [];
    return matchPublisher(identity, candidates.filter((p): p is GitHubPublisher => p.provider === 'github' && p.project === project), this.deps.githubIssuer, project);
  }
}
