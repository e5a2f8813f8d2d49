/**
 * Trusted publishing (as PyPI does it): a CI job proves who it is with its OIDC identity
 * token, and gets a short-lived upload token for the projects that trust that job.
 * Pure rules: what a publisher is, how it is validated, and which publishers a set of
 * verified claims matches. Signature, issuer, audience and expiry checks happen before
 * this, in the verifier; storage and minting in lambdas/app/trusted-publishing.ts.
 *
 * A publisher is a discriminated union keyed by `provider`; each provider's rules live in
 * their own module under ./publishers/, and PUBLISHER_RULES below is the one place that maps
 * a provider to them. Adding a provider: a module exporting its record type and rules, one
 * member in `PublisherRecord`, one entry in PUBLISHER_RULES.
 */
import { InvalidInputError } from './errors.ts';
import { isValidName, normalizeName } from './names.ts';
import { hashId, TrustedPublishingError, type Claims, type PublisherBase, type PublisherInput, type PublisherRules } from './publishers/common.ts';
import { GITHUB_RULES, type GitHubPublisher } from './publishers/github.ts';
import { GITLAB_RULES, type GitLabPublisher } from './publishers/gitlab.ts';
import { GOOGLE_RULES, type GooglePublisher } from './publishers/google.ts';

export { TrustedPublishingError, type Claims, type PublisherBase, type PublisherInput, type PublisherRules } from './publishers/common.ts';
export { REQUIRED_GITHUB_CLAIMS, requireGitHubClaims, workflowFilenameOf, type GitHubPublisher } from './publishers/github.ts';
export { GITLAB_COM_ISSUER, type GitLabPublisher } from './publishers/gitlab.ts';
export { GOOGLE_ISSUER, type GooglePublisher } from './publishers/google.ts';

/** A trusted publisher as stored. */
export type PublisherRecord = GitHubPublisher | GitLabPublisher | GooglePublisher;
export type PublisherProvider = PublisherRecord['provider'];

type RulesTable = { readonly [P in PublisherProvider]: PublisherRules<Extract<PublisherRecord, { provider: P }>> };

/** Provider → its rules: the one place a new kind of publisher is registered. */
export const PUBLISHER_RULES: RulesTable = {
  github: GITHUB_RULES,
  gitlab: GITLAB_RULES,
  google: GOOGLE_RULES,
};

export const PUBLISHER_PROVIDERS = Object.keys(PUBLISHER_RULES) as PublisherProvider[];

export function isPublisherProvider(value: unknown): value is PublisherProvider {
  return typeof value === 'string' && Object.hasOwn(PUBLISHER_RULES, value);
}

/** The rules of a record's provider, typed for that record. */
export function rulesOf<R extends PublisherRecord>(record: R): PublisherRules<R> {
  return PUBLISHER_RULES[record.provider] as unknown as PublisherRules<R>;
}

/** The rules of a provider, typed for any record (the dispatch of exchange and store). */
export function rulesFor(provider: PublisherProvider): PublisherRules<PublisherRecord> {
  return PUBLISHER_RULES[provider] as unknown as PublisherRules<PublisherRecord>;
}

/** The issuers a deployment trusts, per provider (what validation checks a named issuer against). */
export type TrustedIssuers = Readonly<Partial<Record<PublisherProvider, readonly string[]>>>;

/** The id of the publisher that matches these things for this project. */
export function publisherId(p: Omit<PublisherRecord, keyof PublisherBase>  & { readonly project: string }): string {
  return hashId([p.provider, p.project, ...rulesFor(p.provider).identityOf(p as never)]);
}

/** Checks what an admin typed and returns the record to store; InvalidInputError says what to fix. */
export function validatePublisher(
  input: PublisherInput,
  createdBy: string,
  now: Date,
  options: { readonly issuers?: TrustedIssuers; readonly pending?: boolean } = {},
): PublisherRecord {
  const provider = input.provider ?? 'github';
  if (!isPublisherProvider(provider)) {
    throw new InvalidInputError(
      `Unknown publisher provider "${provider}": Wharf trusts ${PUBLISHER_PROVIDERS.map((p) => `${PUBLISHER_RULES[p].label} ("${p}")`).join(', ')}.`,
    );
  }
  if (typeof input.project !== 'string' || !isValidName(input.project)) {
    throw new InvalidInputError(`"${String(input.project)}" is not a valid project name.`);
  }
  const rules = rulesFor(provider);
  const own = rules.validate(input, options.issuers?.[provider] ?? defaultIssuers(provider));
  const base = { ...own, provider, project: normalizeName(input.project) } as Omit<PublisherRecord, keyof PublisherBase> & { project: string };
  return {
    id: publisherId(base),
    ...base,
    ...(options.pending ? { pending: true as const } : {}),
    createdBy,
    createdAt: now.toISOString(),
  } as PublisherRecord;
}

function defaultIssuers(provider: PublisherProvider): readonly string[] {
  return provider === 'gitlab' ? ['https://gitlab.com'] : provider === 'google' ? ['https://accounts.google.com'] : [];
}

/** Why one publisher does not match, or undefined when it does. */
export function mismatchOf(publisher: PublisherRecord, claims: Claims): string | undefined {
  return rulesOf(publisher).mismatchOf(publisher, claims);
}

/** One line for people: provider, what it names, its environment. */
export function describePublisher(publisher: PublisherRecord): string {
  return rulesOf(publisher).describe(publisher);
}

/**
 * The publishers (of any projects) that trust the job these claims describe; throws
 * `invalid-publisher` with every candidate's reason when none does. The candidates are
 * those the store found under `rules.lookupKeyOfClaims(claims)`.
 */
export function matchPublishers(candidates: readonly PublisherRecord[], claims: Claims, provider: PublisherProvider = 'github'): PublisherRecord[] {
  const rules = rulesFor(provider);
  rules.lookupKeyOfClaims(claims);
  const matched: PublisherRecord[] = [];
  const reasons: string[] = [];
  for (const publisher of candidates) {
    const reason = publisher.provider === provider ? rules.mismatchOf(publisher, claims) : `it is a ${publisher.provider} publisher`;
    if (reason === undefined) matched.push(publisher);
    else reasons.push(`publisher ${publisher.id} (${publisher.project}): ${reason}`);
  }
  if (matched.length === 0) {
    throw new TrustedPublishingError(
      'invalid-publisher',
      `valid token, but no corresponding publisher: no project trusts ${rules.describeClaims(claims)}` +
        `${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}. ` +
        'Add a trusted publisher to the project with `wharf publisher add`.',
    );
  }
  return matched;
}

/** Lifetime of a minted upload token, as on PyPI. */
export const MINTED_TOKEN_SECONDS = 15 * 60;
