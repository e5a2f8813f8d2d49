/**
 * Verifying the PEP 740 attestations an upload carries, before the file becomes visible:
 * each one's Sigstore bundle (signature, certificate chain, transparency log: the
 * verifier port), its statement's subject (this file's filename and sha256), and the
 * identity it was signed with against the project's trusted publishers. The answer is the
 * provenance object to store beside the file; any failure refuses the upload with its reason.
 */
import { type AttestationObject, checkStatement, type Provenance, type SignerIdentity } from '../core/attestations.ts';
import type { AttestablePublisher, AttestationIssuers } from '../core/attestation-publishers.ts';
import { AttestationError } from '../core/errors.ts';
import { GITLAB_COM_ISSUER, GOOGLE_ISSUER } from '../core/trusted-publishing.ts';
import type { PublisherStore } from './ports.ts';
import type { AttestationSignatureVerifier } from './attestation-ports.ts';

export type { AttestationSignatureVerifier } from './attestation-ports.ts';


export interface AttestationCheckDeps {
  /** Loaded with the first attestation: the Sigstore code stays out of every cold start. */
  readonly verifier: () => Promise<AttestationSignatureVerifier>;
  readonly publishers: Pick<PublisherStore, 'publishersForRepository'>;
  /** The OIDC issuer of GitHub Actions, as trusted publishing trusts it. */
  readonly githubIssuer: string;
  /** The GitLab instances trusted publishing trusts (WHARF_OIDC_GITLAB_ISSUERS). @default gitlab.com */
  readonly gitlabIssuers?: readonly string[];
  /** Google's issuer, unless trusted publishing from Google is off (WHARF_OIDC_GOOGLE_ISSUERS). @default accounts.google.com */
  readonly googleIssuers?: readonly string[];
}

/** The matching rules per publisher kind: loaded with the first attestation, as the Sigstore code is. */
const publisherRules = () => import('../core/attestation-publishers.ts');

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
  private readonly issuers: AttestationIssuers;

  constructor(private readonly deps: AttestationCheckDeps) {
    this.issuers = { github: deps.githubIssuer, gitlab: deps.gitlabIssuers ?? [GITLAB_COM_ISSUER], google: deps.googleIssuers ?? [GOOGLE_ISSUER] };
  }

  async check(file: AttestedFile, attestations: readonly AttestationObject[]): Promise<Provenance> {
    const [verifier, rules] = await Promise.all([this.deps.verifier(), publisherRules()]);
    const seen = new Set<string>();
    const verified: { attestation: AttestationObject; publisher: AttestablePublisher }[] = [];
    for (const attestation of attestations) {
      // The statement first: a wrong file is the most likely mistake, and the cheapest to say.
      const predicateType = checkStatement(attestation, file.filename, file.sha256);
      if (seen.has(predicateType)) {
        throw new AttestationError(`Two attestations of ${file.filename} have the predicate type ${predicateType}; send one of each type.`);
      }
      seen.add(predicateType);
      const identity = await verifier.verify(attestation);
      verified.push({ attestation, publisher: await this.publisherOf(rules, file.project, identity) });
    }
    return rules.buildProvenance(verified);
  }

  /**
   * The project's trusted publisher that signed. The certificate's issuer says which kind
   * (GitHub, GitLab, Google), and its identity gives the store's lookup key of that kind (the
   * GitHub repository id, the GitLab project id at its issuer, the service account's email):
   * one Query per attestation.
   */
  private async publisherOf(rules: Awaited<ReturnType<typeof publisherRules>>, project: string, identity: SignerIdentity): Promise<AttestablePublisher> {
    const signer = rules.signerOf(identity, this.issuers);
    const found = signer.lookupKey ? await this.deps.publishers.publishersForRepository(signer.provider, signer.lookupKey) : [];
    const candidates = found.filter((p): p is AttestablePublisher => p.provider === signer.provider && p.project === project);
    return rules.matchAttestationPublisher(identity, signer, candidates, project);
  }
}
