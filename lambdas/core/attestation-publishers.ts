/**
 * Which trusted publisher signed a PEP 740 attestation, read from its Fulcio certificate,
 * per kind of publisher: GitHub Actions, GitLab CI/CD and Google Cloud, the kinds whose
 * attestations PyPI takes. Pure rules; lambdas/app/attestation-check.ts looks the candidates
 * up (one Query, by `signerOf(...).lookupKey`, the key the publisher store indexes them by)
 * and loads this module with the first attestation, so it adds nothing to a cold start.
 *
 * What Fulcio writes (docs/oid-info.md, config/identity/config.yaml of sigstore/fulcio):
 *
 * - GitHub Actions: SAN and build signer URI `https://github.com/OWNER/REPO/.github/workflows/FILE@REF`,
 *   the repository URI, its id and its owner's id.
 * - GitLab CI/CD: SAN, build signer URI and build config URI all `https://` + the token's
 *   `ci_config_ref_uri` (`https://gitlab.com/GROUP/PROJECT//CI_FILE@REF`), source repository URI
 *   `{instance}/{project_path}`, its id (`project_id`) and owner id (`namespace_id`), source
 *   repository ref (`refs/heads/X` or `refs/tags/X`) and digest (`sha`), and (since late 2025)
 *   the deployment environment (1.23) when the job has one.
 * - Google: the service account's email as an rfc822Name SAN, and (since 2026) the token
 *   subject (1.24, `sub`: the account's unique id). Fulcio issues no certificate for an
 *   unverified email.
 *
 * Each publisher kind is matched on what its trusted-publishing record pins, as the token
 * exchange matches it (lambdas/core/publishers/*.ts), as far as the certificate carries it.
 */
import { AttestationError } from './errors.ts';
import { workflowFilenameOf, type GitHubPublisher } from './publishers/github.ts';
import { ciConfigPathOf, GITLAB_COM_ISSUER, gitlabHostOf, type GitLabPublisher } from './publishers/gitlab.ts';
import type { GooglePublisher } from './publishers/google.ts';
import type { AttestationObject, Provenance, ProvenancePublisher, SignerIdentity } from './attestations.ts';

/** Fulcio's certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). */
export const FULCIO_OID = {
  issuerV1: '1.3.6.1.4.1.57264.1.1',
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerUri: '1.3.6.1.4.1.57264.1.9',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  sourceRepositoryId: '1.3.6.1.4.1.57264.1.15',
  sourceRepositoryOwnerId: '1.3.6.1.4.1.57264.1.17',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
  deploymentEnvironment: '1.3.6.1.4.1.57264.1.23',
  tokenSubject: '1.3.6.1.4.1.57264.1.24',
} as const;

/** The trusted publishers whose attestations are taken. */
export type AttestablePublisher = GitHubPublisher | GitLabPublisher | GooglePublisher;
export type AttestableProvider = AttestablePublisher['provider'];

/** The OIDC issuers a deployment trusts for trusted publishing, per kind (as the admin function does). */
export interface AttestationIssuers {
  readonly github: string;
  /** gitlab.com and the self-managed instances the operator added. */
  readonly gitlab: readonly string[];
  readonly google: readonly string[];
}

/** Who signed, as far as the store is concerned: the kind of publisher and its lookup key. */
export interface Signer {
  readonly provider: AttestableProvider;
  readonly issuer: string;
  /** The publisher store's key (PublisherRules.lookupKey); undefined when the certificate lacks it. */
  readonly lookupKey: string | undefined;
  /** The signer in words, for refusals. */
  readonly who: string;
}

const fail = (message: string): never => {
  throw new AttestationError(message);
};

function issuerOf(identity: SignerIdentity): string | undefined {
  return identity.extensions[FULCIO_OID.issuer] ?? identity.extensions[FULCIO_OID.issuerV1];
}

/** The signer's kind by the certificate's OIDC issuer, or the refusal of an issuer this index does not trust. */
export function signerOf(identity: SignerIdentity, issuers: AttestationIssuers): Signer {
  const issuer = issuerOf(identity);
  const ext = identity.extensions;
  if (issuer !== undefined && issuer === issuers.github) {
    const signer = ext[FULCIO_OID.buildSignerUri] ?? identity.subjectAlternativeName ?? '';
    return {
      provider: 'github',
      issuer,
      lookupKey: ext[FULCIO_OID.sourceRepositoryId],
      who: `${signer || '(no build signer URI)'} (repository id ${ext[FULCIO_OID.sourceRepositoryId] ?? '?'}, owner id ${ext[FULCIO_OID.sourceRepositoryOwnerId] ?? '?'})`,
    };
  }
  if (issuer !== undefined && issuers.gitlab.includes(issuer)) {
    const projectId = ext[FULCIO_OID.sourceRepositoryId];
    const config = ext[FULCIO_OID.buildConfigUri] ?? identity.subjectAlternativeName ?? '';
    return {
      provider: 'gitlab',
      issuer,
      lookupKey: projectId === undefined ? undefined : `${projectId}@${issuer}`,
      who: `${config || '(no build config URI)'} on ${issuer} (project id ${projectId ?? '?'}, namespace id ${ext[FULCIO_OID.sourceRepositoryOwnerId] ?? '?'})`,
    };
  }
  if (issuer !== undefined && issuers.google.includes(issuer)) {
    const email = identity.email?.toLowerCase();
    return {
      provider: 'google',
      issuer,
      lookupKey: email,
      who: `Google Cloud service account ${email ?? '(no email in the certificate)'} (unique id ${ext[FULCIO_OID.tokenSubject] ?? 'not in the certificate'})`,
    };
  }
  const trusted = [
    `GitHub Actions (${issuers.github})`,
    ...(issuers.gitlab.length ? [`GitLab CI/CD (${issuers.gitlab.join(', ')})`] : []),
    ...(issuers.google.length ? [`Google Cloud (${issuers.google.join(', ')})`] : []),
  ];
  return fail(
    `The attestation was signed by an identity from ${JSON.stringify(issuer ?? null)}, an issuer whose trusted publishers this index does not take: ` +
      `attestations are taken from the trusted publishers of ${trusted.join(', ')} only.`,
  );
}

/** Why a GitHub publisher did not sign, or undefined when it did. */
export function githubMismatch(identity: SignerIdentity, p: GitHubPublisher): string | undefined {
  const ext = identity.extensions;
  const signer = ext[FULCIO_OID.buildSignerUri] ?? identity.subjectAlternativeName ?? '';
  const repo = `https://github.com/${p.owner}/${p.repository}`.toLowerCase();
  const prefix = `${repo}/.github/workflows/`;
  if (ext[FULCIO_OID.sourceRepositoryId] !== p.repositoryId) return `repository id ${ext[FULCIO_OID.sourceRepositoryId] ?? '(none)'} is not ${p.repositoryId}`;
  if (ext[FULCIO_OID.sourceRepositoryOwnerId] !== p.ownerId) return `owner id ${ext[FULCIO_OID.sourceRepositoryOwnerId] ?? '(none)'} is not ${p.ownerId}`;
  if ((ext[FULCIO_OID.sourceRepositoryUri] ?? '').toLowerCase() !== repo) return `repository ${ext[FULCIO_OID.sourceRepositoryUri] ?? '(none)'} is not ${repo}`;
  if (!signer.toLowerCase().startsWith(prefix) || workflowFilenameOf(signer.slice(prefix.length)) !== p.workflow) return `workflow ${signer} is not ${p.workflow}`;
  return undefined;
}

/** `https://HOST/GROUP/PROJECT//CI_FILE@REF`: what Fulcio writes for a job of this publisher at `ref`. */
function gitlabBuildConfigUris(p: GitLabPublisher, refs: readonly string[]): string[] {
  return refs.map((ref) => `https://${gitlabHostOf(p.issuer)}/${p.projectPath}//${p.ciConfigPath}@${ref}`);
}

/**
 * Why a GitLab publisher did not sign, or undefined when it did: the issuer, the project id and
 * namespace id exactly, the project path in any case, the CI file (case-sensitive) at the
 * certificate's own ref or commit, and the environment when the publisher names one.
 */
export function gitlabMismatch(identity: SignerIdentity, p: GitLabPublisher): string | undefined {
  const ext = identity.extensions;
  const issuer = issuerOf(identity);
  if (issuer !== p.issuer) return `issuer ${issuer ?? '(none)'} is not ${p.issuer}`;
  if (ext[FULCIO_OID.sourceRepositoryId] !== p.projectId) return `project id ${ext[FULCIO_OID.sourceRepositoryId] ?? '(none)'} is not ${p.projectId}`;
  if (ext[FULCIO_OID.sourceRepositoryOwnerId] !== p.namespaceId) {
    return `namespace id ${ext[FULCIO_OID.sourceRepositoryOwnerId] ?? '(none)'} is not ${p.namespaceId}`;
  }
  const repositoryUri = ext[FULCIO_OID.sourceRepositoryUri] ?? '';
  const expectedRepository = `${p.issuer}/${p.projectPath}`;
  if (repositoryUri.toLowerCase() !== expectedRepository.toLowerCase()) return `project ${repositoryUri || '(none)'} is not ${expectedRepository}`;
  const buildConfigUri = ext[FULCIO_OID.buildConfigUri];
  if (buildConfigUri === undefined) return 'the certificate has no build config URI (the CI file that ran)';
  const san = identity.subjectAlternativeName;
  if (san !== buildConfigUri) return `the certificate's subject alternative name ${san ?? '(none)'} is not its build config URI ${buildConfigUri}`;
  const refs = [ext[FULCIO_OID.sourceRepositoryRef], ext[FULCIO_OID.sourceRepositoryDigest]].filter((r): r is string => r !== undefined && r !== '');
  if (refs.length === 0) return 'the certificate names neither the source ref nor the commit its CI file ran at';
  // The path as the project path may be spelled (any case); the CI file and the ref exactly.
  const expected = gitlabBuildConfigUris(p, refs);
  const prefixLength = `https://${gitlabHostOf(p.issuer)}/${p.projectPath}//`.length;
  const matches = expected.some(
    (uri) => buildConfigUri.length === uri.length && buildConfigUri.slice(0, prefixLength).toLowerCase() === uri.slice(0, prefixLength).toLowerCase() && buildConfigUri.slice(prefixLength) === uri.slice(prefixLength),
  );
  if (!matches) {
    // As the token's ci_config_ref_uri, which is this without its scheme.
    const actual = ciConfigPathOf(buildConfigUri.replace(/^https?:\/\//, ''));
    return actual && actual !== p.ciConfigPath ? `CI file ${actual} is not ${p.ciConfigPath}` : `build config URI ${buildConfigUri} is not one of ${expected.join(', ')}`;
  }
  if (p.environment !== '') {
    const environment = ext[FULCIO_OID.deploymentEnvironment];
    if (environment === undefined || environment === '') return `the certificate names no environment, and the publisher requires "${p.environment}"`;
    if (environment !== p.environment) return `environment ${environment} is not ${p.environment}`;
  }
  return undefined;
}

/**
 * Why a Google publisher did not sign, or undefined when it did: the service account's email
 * (the certificate's SAN), and its unique id when the publisher pins it and the certificate
 * carries it (Fulcio's token subject, 1.3.6.1.4.1.57264.1.24; certificates of Fulcio releases
 * before it have none, and the email is all they prove).
 */
export function googleMismatch(identity: SignerIdentity, p: GooglePublisher): string | undefined {
  const email = identity.email?.toLowerCase();
  if (email === undefined) return 'the certificate names no email address';
  if (email !== p.email) return `service account ${email} is not ${p.email}`;
  const subject = identity.extensions[FULCIO_OID.tokenSubject];
  if (p.subject !== '' && subject !== undefined && subject !== p.subject) return `unique id ${subject} is not ${p.subject}`;
  return undefined;
}

function mismatchOf(identity: SignerIdentity, p: AttestablePublisher): string | undefined {
  switch (p.provider) {
    case 'github':
      return githubMismatch(identity, p);
    case 'gitlab':
      return gitlabMismatch(identity, p);
    case 'google':
      return googleMismatch(identity, p);
  }
}

/** One line naming a candidate publisher, for refusals. */
function describe(p: AttestablePublisher): string {
  switch (p.provider) {
    case 'github':
      return `${p.owner}/${p.repository} ${p.workflow}`;
    case 'gitlab':
      return `${p.projectPath} on ${p.issuer} (project id ${p.projectId}, namespace id ${p.namespaceId}) CI file ${p.ciConfigPath}${p.environment ? `, environment ${p.environment}` : ''}`;
    case 'google':
      return `service account ${p.email}${p.subject ? ` (unique id ${p.subject})` : ''}`;
  }
}

const PLACE: Record<AttestableProvider, string> = { github: 'that repository', gitlab: 'that GitLab project', google: 'that service account' };

/**
 * The trusted publisher of `project` that signed, among the candidates the store found under
 * the signer's lookup key; refused with which identity signed and why each candidate does not match.
 */
export function matchAttestationPublisher(
  identity: SignerIdentity,
  signer: Signer,
  /** The project's publishers of the signer's kind under its lookup key. */
  candidates: readonly AttestablePublisher[],
  project: string,
): AttestablePublisher {
  const own = candidates.filter((p) => p.provider === signer.provider && p.project === project);
  if (own.length === 0) {
    fail(
      `The attestation was signed by ${signer.who}, and no trusted publisher of ${project} is in ${PLACE[signer.provider]}: attestations are taken from the project's ` +
        `trusted publishers only (wharf publisher list --project ${project}; add one with wharf publisher add, or upload without attestations).`,
    );
  }
  const reasons: string[] = [];
  for (const p of own) {
    const reason = mismatchOf(identity, p);
    if (reason === undefined) return p;
    reasons.push(signer.provider === 'github' ? describe(p) : `${describe(p)}: ${reason}`);
  }
  return fail(`The attestation was signed by ${signer.who}, which is none of ${project}'s trusted publishers in ${PLACE[signer.provider]} (${reasons.join('; ')}).`);
}

/** The publisher as the provenance object names it: Warehouse's shape for each kind (pypi-attestations' models). */
export function provenancePublisher(p: AttestablePublisher): ProvenancePublisher {
  switch (p.provider) {
    case 'github':
      return { kind: 'GitHub', repository: `${p.owner}/${p.repository}`, workflow: p.workflow, ...(p.environment ? { environment: p.environment } : {}) };
    case 'gitlab':
      return {
        kind: 'GitLab',
        repository: p.projectPath,
        workflow_filepath: p.ciConfigPath,
        ...(p.environment ? { environment: p.environment } : {}),
        // Which instance: a self-managed one is named, since `repository` alone reads as gitlab.com's.
        ...(p.issuer !== GITLAB_COM_ISSUER ? { claims: { issuer: p.issuer } } : {}),
      };
    case 'google':
      return { kind: 'Google', email: p.email };
  }
}

/** The provenance object: the attestations grouped by the publisher each was verified against. */
export function buildProvenance(verified: readonly { readonly attestation: AttestationObject; readonly publisher: AttestablePublisher }[]): Provenance {
  const groups = new Map<string, { publisher: ProvenancePublisher; attestations: AttestationObject[] }>();
  for (const { attestation, publisher } of verified) {
    let group = groups.get(publisher.id);
    if (!group) groups.set(publisher.id, (group = { publisher: provenancePublisher(publisher), attestations: [] }));
    group.attestations.push(attestation);
  }
  return { version: 1, attestation_bundles: [...groups.values()] };
}
