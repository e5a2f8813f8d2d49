/**
 * What every kind of trusted publisher shares: the stored fields around the provider's own,
 * the error an exchange is refused with, and the contract (`PublisherRules`) that each
 * provider's module fulfils. lambdas/core/trusted-publishing.ts maps provider → rules; a new
 * kind of publisher is one more module here and one more line there.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors.ts';

/** Claims of a verified identity token (all strings when present, `exp`/`iat` numbers). */
export type Claims = Readonly<Record<string, unknown>>;

/** The fields every stored publisher has, whatever its provider. */
export interface PublisherBase {
  /** Derived from what it matches (see `publisherIdOf`): the same publisher twice is one record. */
  readonly id: string;
  /** Normalized project name (PEP 503). */
  readonly project: string;
  /**
   * Registered (by an admin) for a project name that did not exist yet: it reserves the name,
   * and its first exchange turns it into an ordinary publisher. Absent on ordinary ones.
   */
  readonly pending?: true;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** What an admin typed: the project, the provider and the provider's own fields, as strings. */
export interface PublisherInput {
  readonly project: string;
  readonly provider?: string;
  readonly [field: string]: string | undefined;
}

/** An exchange refused for a reason the caller can fix; `code` follows Warehouse's. */
export class TrustedPublishingError extends Error {
  constructor(
    readonly code: 'invalid-payload' | 'invalid-token' | 'invalid-publisher' | 'invalid-reuse-token' | 'not-enabled' | 'project-taken',
    message: string,
  ) {
    super(message);
    this.name = 'TrustedPublishingError';
  }
}

/** Who the exchange minted for, as the token's description, its `createdBy` and the audit line name it. */
export interface MintIdentity {
  /** One line, e.g. `acme/app release.yml run 42`. */
  readonly summary: string;
  /** `oidc:<provider>:<who>`, at most 200 characters. */
  readonly createdBy: string;
  /** Claims worth keeping in the audit log (never a secret). */
  readonly audit: Readonly<Record<string, unknown>>;
}

/**
 * One provider's rules. `R` is its stored record (PublisherBase plus its fields and
 * `provider`); everything here is pure.
 */
export interface PublisherRules<R extends PublisherBase & { readonly provider: string }> {
  readonly provider: R['provider'];
  /** For people: "GitHub Actions", "GitLab CI/CD", "Google Cloud". */
  readonly label: string;
  /** The provider's own fields, as the admin API and the store name them. */
  readonly fields: readonly string[];
  /** Which of `fields` must be given. */
  readonly requiredFields: readonly string[];
  /** Checks the provider's fields; throws InvalidInputError saying what to fix. `issuers`: the trusted ones of this provider. */
  validate(input: PublisherInput, issuers: readonly string[]): Omit<R, keyof PublisherBase | 'provider'>;
  /** What makes two publishers the same one (hashed into the id); never change it for stored kinds. */
  identityOf(record: Omit<R, keyof PublisherBase>): readonly string[];
  /** The store's index key of a record: what `lookupKeyOfClaims` computes for the tokens it trusts. */
  lookupKey(record: R): string;
  /** JWT claims the verifier must find, besides iss/aud. */
  readonly registeredClaims: readonly string[];
  /** Throws `invalid-token` when the claims are not this provider's; returns the store key to look publishers up by. */
  lookupKeyOfClaims(claims: Claims): string;
  /** Why `record` does not trust the job `claims` describe, or undefined when it does. */
  mismatchOf(record: R, claims: Claims): string | undefined;
  /** What the job is, for the refusal that no publisher matched. */
  describeClaims(claims: Claims): string;
  /** One line describing the publisher, for people. */
  describe(record: R): string;
  /** The id that is spent when the token is exchanged: its `jti`, or what stands for it. */
  replayIdOf(claims: Claims, token: string): string;
  identity(claims: Claims): MintIdentity;
}

export function claim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The stable id of a publisher: 16 hex of a sha256 over what it matches. */
export function hashId(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n'), 'utf8').digest('hex').slice(0, 16);
}

export const NUMERIC_ID = /^[1-9][0-9]{0,19}$/;
const MAX_ENVIRONMENT_LENGTH = 255;

/** An optional environment name, trimmed; one line of at most 255 characters. */
export function environmentOf(value: string | undefined): string {
  const environment = (value ?? '').trim();
  if (environment.length > MAX_ENVIRONMENT_LENGTH || /[\u0000-\u001f\u007f]/.test(environment)) {
    throw new InvalidInputError(`An environment name is one line of at most ${MAX_ENVIRONMENT_LENGTH} characters, such as "pypi".`);
  }
  return environment;
}

export function requireClaims(claims: Claims, names: readonly string[], what: string): void {
  for (const name of names) {
    if (claim(claims, name) === undefined) {
      throw new TrustedPublishingError('invalid-token', `The token has no "${name}" claim: it is not ${what}.`);
    }
  }
}

/** A one-line, control-free text for a token description. */
export function oneLine(value: string, max: number): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max);
}
