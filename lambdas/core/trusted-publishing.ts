/**
 * Trusted publishing (as PyPI does it): a CI job proves who it is with its OIDC identity
 * token, and gets a short-lived upload token for the projects that trust that job.
 * Pure rules: what a publisher is, how it is validated, and which publishers a set of
 * verified claims matches. Signature, issuer, audience and expiry checks happen before
 * this, in the verifier; storage and minting in lambdas/app/trusted-publishing.ts.
 *
 * A GitHub publisher names the repository by owner and name AND by their numeric ids, so a
 * renamed, transferred or deleted-and-re-created repository (new id) cannot take over a
 * project: every one of them must match. Rules follow Warehouse's GitHub publisher
 * (`warehouse/oidc/models/github.py`): the workflow file name is taken from
 * `job_workflow_ref`, which must read `OWNER/REPO/.github/workflows/FILE@REF` with REF the
 * `ref` or `sha` claim; an environment, when the publisher names one, must match
 * (case-insensitively); a publisher without one accepts any environment.
 */
import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.ts';
import { isValidName, normalizeName } from './names.ts';

export type PublisherProvider = 'github';

/** A trusted publisher as stored. */
export interface PublisherRecord {
  /** Derived from what it matches (publisherId): the same publisher twice is one record. */
  readonly id: string;
  /** Normalized project name (PEP 503). */
  readonly project: string;
  readonly provider: PublisherProvider;
  /** GitHub owner (user or organization) login, as given; compared case-insensitively. */
  readonly owner: string;
  /** GitHub's numeric id of the owner, as a decimal string (`repository_owner_id`). */
  readonly ownerId: string;
  /** Repository name without the owner, as given; compared case-insensitively. */
  readonly repository: string;
  /** GitHub's numeric id of the repository, as a decimal string (`repository_id`). */
  readonly repositoryId: string;
  /** File name under .github/workflows/, e.g. `release.yml` (case-sensitive, as in git). */
  readonly workflow: string;
  /** GitHub environment, lower-cased; empty for "any environment". */
  readonly environment: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface PublisherInput {
  readonly project: string;
  readonly provider?: string;
  readonly owner: string;
  readonly ownerId: string;
  readonly repository: string;
  readonly repositoryId: string;
  readonly workflow: string;
  readonly environment?: string;
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const NUMERIC_ID = /^[1-9][0-9]{0,19}$/;
const WORKFLOW = /^[^/\s]{1,250}\.(yml|yaml)$/;
const MAX_ENVIRONMENT_LENGTH = 255;

/** The id of the publisher that matches these things for this project. */
export function publisherId(p: Omit<PublisherRecord, 'id' | 'createdBy' | 'createdAt' | 'owner' | 'repository'>): string {
  const key = [p.provider, p.project, p.repositoryId, p.ownerId, p.workflow, p.environment].join('\n');
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16);
}

/** Checks what an admin typed and returns the record to store; InvalidInputError says what to fix. */
export function validatePublisher(input: PublisherInput, createdBy: string, now: Date): PublisherRecord {
  const provider = input.provider ?? 'github';
  if (provider !== 'github') {
    throw new InvalidInputError(`Unknown publisher provider "${provider}": Wharf trusts GitHub Actions ("github").`);
  }
  if (typeof input.project !== 'string' || !isValidName(input.project)) {
    throw new InvalidInputError(`"${String(input.project)}" is not a valid project name.`);
  }
  let owner = typeof input.owner === 'string' ? input.owner.trim() : '';
  let repository = typeof input.repository === 'string' ? input.repository.trim() : '';
  // Accept `owner/repo` in the repository field when the owner is given too or left out.
  if (repository.includes('/')) {
    const [o, r, ...rest] = repository.split('/');
    if (rest.length > 0 || (owner !== '' && owner.toLowerCase() !== o!.toLowerCase())) {
      throw new InvalidInputError(`Give the repository as NAME (or OWNER/NAME matching the owner), not "${repository}".`);
    }
    owner = o!;
    repository = r!;
  }
  if (!OWNER.test(owner)) {
    throw new InvalidInputError(`"${owner}" is not a GitHub owner: a user or organization name such as "acme".`);
  }
  if (!REPOSITORY.test(repository) || repository === '.' || repository === '..') {
    throw new InvalidInputError(`"${repository}" is not a GitHub repository name such as "acme-app".`);
  }
  const ids = { ownerId: input.ownerId, repositoryId: input.repositoryId };
  for (const [field, value] of Object.entries(ids)) {
    if (typeof value !== 'string' || !NUMERIC_ID.test(value)) {
      throw new InvalidInputError(
        `"${field}" must be GitHub's numeric id, not "${String(value)}": ` +
          `\`gh api repos/${owner}/${repository} --jq '.id, .owner.id'\` prints the repository id and the owner id.`,
      );
    }
  }
  let workflow = typeof input.workflow === 'string' ? input.workflow.trim() : '';
  workflow = workflow.replace(/^\.github\/workflows\//, '');
  if (!WORKFLOW.test(workflow) || workflow.includes('@')) {
    throw new InvalidInputError(
      `"${workflow}" is not a workflow file name: give the file name under .github/workflows/, such as "release.yml".`,
    );
  }
  const environment = (input.environment ?? '').trim();
  if (environment.length > MAX_ENVIRONMENT_LENGTH || /[\u0000-\u001f\u007f]/.test(environment)) {
    throw new InvalidInputError(`An environment name is one line of at most ${MAX_ENVIRONMENT_LENGTH} characters, such as "pypi".`);
  }
  const base = {
    project: normalizeName(input.project),
    provider: 'github' as const,
    ownerId: input.ownerId,
    repositoryId: input.repositoryId,
    workflow,
    environment: environment.toLowerCase(),
  };
  return { id: publisherId(base), ...base, owner, repository, createdBy, createdAt: now.toISOString() };
}

/** Claims of a GitHub Actions OIDC token that matching reads (all strings when present). */
export type Claims = Readonly<Record<string, unknown>>;

/** An exchange refused for a reason the caller can fix; `code` follows Warehouse's. */
export class TrustedPublishingError extends Error {
  constructor(
    readonly code: 'invalid-payload' | 'invalid-token' | 'invalid-publisher' | 'invalid-reuse-token' | 'not-enabled',
    message: string,
  ) {
    super(message);
    this.name = 'TrustedPublishingError';
  }
}

const WORKFLOW_FILENAME = /([^/]+\.(yml|yaml))(?=@)/;

/** `release.yml` from `acme/app/.github/workflows/release.yml@refs/tags/v1`, as Warehouse parses it. */
export function workflowFilenameOf(workflowRef: string): string | undefined {
  return WORKFLOW_FILENAME.exec(workflowRef)?.[1];
}

function claim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The claims every GitHub token must carry before any publisher is looked at. */
export const REQUIRED_GITHUB_CLAIMS = [
  'sub',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'job_workflow_ref',
  'jti',
] as const;

/** Throws `invalid-token` naming the first required claim that is missing or empty. */
export function requireGitHubClaims(claims: Claims): void {
  for (const name of REQUIRED_GITHUB_CLAIMS) {
    if (claim(claims, name) === undefined) {
      throw new TrustedPublishingError('invalid-token', `The token has no "${name}" claim: it is not a GitHub Actions identity token.`);
    }
  }
  if (claim(claims, 'ref') === undefined && claim(claims, 'sha') === undefined) {
    throw new TrustedPublishingError('invalid-token', 'The token has neither a "ref" nor a "sha" claim.');
  }
}

/** Why one publisher does not match, or undefined when it does. */
export function mismatchOf(publisher: PublisherRecord, claims: Claims): string | undefined {
  const repository = claim(claims, 'repository') ?? '';
  const expectedRepository = `${publisher.owner}/${publisher.repository}`;
  if (claim(claims, 'repository_id') !== publisher.repositoryId) {
    return `repository id ${String(claims['repository_id'])} is not ${publisher.repositoryId}`;
  }
  if (claim(claims, 'repository_owner_id') !== publisher.ownerId) {
    return `repository owner id ${String(claims['repository_owner_id'])} is not ${publisher.ownerId}`;
  }
  if (repository.toLowerCase() !== expectedRepository.toLowerCase()) {
    return `repository ${repository} is not ${expectedRepository}`;
  }
  if ((claim(claims, 'repository_owner') ?? '').toLowerCase() !== publisher.owner.toLowerCase()) {
    return `repository owner ${String(claims['repository_owner'])} is not ${publisher.owner}`;
  }
  const sub = claim(claims, 'sub') ?? '';
  const [scheme, subRepository] = sub.split(':');
  if (scheme !== 'repo' || (subRepository ?? '').toLowerCase() !== expectedRepository.toLowerCase()) {
    return `subject ${sub} is not for repository ${expectedRepository}`;
  }
  const jobWorkflowRef = claim(claims, 'job_workflow_ref') ?? '';
  // GitHub spells the workflow path with the repository as the token's `repository` claim has it.
  const refs = [claim(claims, 'ref'), claim(claims, 'sha')].filter((r): r is string => r !== undefined);
  const expected = refs.map((r) => `${repository}/.github/workflows/${publisher.workflow}@${r}`);
  if (!expected.includes(jobWorkflowRef)) {
    const actual = workflowFilenameOf(jobWorkflowRef);
    return actual && actual !== publisher.workflow
      ? `workflow ${actual} is not ${publisher.workflow}`
      : `job_workflow_ref ${jobWorkflowRef} is not one of ${expected.join(', ')}`;
  }
  if (publisher.environment !== '') {
    const environment = claim(claims, 'environment');
    if (environment === undefined) return `the job runs in no environment, and the publisher requires "${publisher.environment}"`;
    if (environment.toLowerCase() !== publisher.environment) {
      return `environment ${environment} is not ${publisher.environment}`;
    }
  }
  return undefined;
}

/**
 * The publishers (of any projects) that trust the job these claims describe; throws
 * `invalid-publisher` with every candidate's reason when none does.
 */
export function matchPublishers(candidates: readonly PublisherRecord[], claims: Claims): PublisherRecord[] {
  requireGitHubClaims(claims);
  const matched: PublisherRecord[] = [];
  const reasons: string[] = [];
  for (const publisher of candidates) {
    const reason = mismatchOf(publisher, claims);
    if (reason === undefined) matched.push(publisher);
    else reasons.push(`publisher ${publisher.id} (${publisher.project}): ${reason}`);
  }
  if (matched.length === 0) {
    const repository = String(claims['repository']);
    const workflow = workflowFilenameOf(String(claims['job_workflow_ref'])) ?? String(claims['job_workflow_ref']);
    throw new TrustedPublishingError(
      'invalid-publisher',
      `valid token, but no corresponding publisher: no project trusts ${repository} ` +
        `(repository id ${String(claims['repository_id'])}), workflow ${workflow}` +
        `${claim(claims, 'environment') ? `, environment ${String(claims['environment'])}` : ''}` +
        `${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}. ` +
        'Add a trusted publisher to the project with `wharf publisher add`.',
    );
  }
  return matched;
}

/** Lifetime of a minted upload token, as on PyPI. */
export const MINTED_TOKEN_SECONDS = 15 * 60;
