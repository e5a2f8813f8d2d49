/**
 * GitHub Actions publishers. A publisher names the repository by owner and name AND by their
 * numeric ids, so a renamed, transferred or deleted-and-re-created repository (new id) cannot
 * take over a project: every one of them must match. Rules follow Warehouse's GitHub publisher
 * (`warehouse/oidc/models/github.py`): the workflow file name is taken from
 * `job_workflow_ref`, which must read `OWNER/REPO/.github/workflows/FILE@REF` with REF the
 * `ref` or `sha` claim; an environment, when the publisher names one, must match
 * (case-insensitively); a publisher without one accepts any environment.
 */
import { InvalidInputError } from '../errors.ts';
import {
  claim,
  environmentOf,
  NUMERIC_ID,
  requireClaims,
  text,
  TrustedPublishingError,
  type Claims,
  type PublisherBase,
  type PublisherRules,
} from './common.ts';

export interface GitHubPublisher extends PublisherBase {
  readonly provider: 'github';
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
}

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const WORKFLOW = /^[^/\s]{1,250}\.(yml|yaml)$/;
const WORKFLOW_FILENAME = /([^/]+\.(yml|yaml))(?=@)/;

/** `release.yml` from `acme/app/.github/workflows/release.yml@refs/tags/v1`, as Warehouse parses it. */
export function workflowFilenameOf(workflowRef: string): string | undefined {
  return WORKFLOW_FILENAME.exec(workflowRef)?.[1];
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
  requireClaims(claims, REQUIRED_GITHUB_CLAIMS, 'a GitHub Actions identity token');
  if (claim(claims, 'ref') === undefined && claim(claims, 'sha') === undefined) {
    throw new TrustedPublishingError('invalid-token', 'The token has neither a "ref" nor a "sha" claim.');
  }
}

export const GITHUB_RULES: PublisherRules<GitHubPublisher> = {
  provider: 'github',
  label: 'GitHub Actions',
  fields: ['owner', 'ownerId', 'repository', 'repositoryId', 'workflow', 'environment'],
  requiredFields: ['repository', 'repositoryId', 'ownerId', 'workflow'],

  validate(input) {
    let owner = typeof input['owner'] === 'string' ? input['owner'].trim() : '';
    let repository = typeof input['repository'] === 'string' ? input['repository'].trim() : '';
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
    for (const field of ['ownerId', 'repositoryId'] as const) {
      const value = input[field];
      if (typeof value !== 'string' || !NUMERIC_ID.test(value)) {
        throw new InvalidInputError(
          `"${field}" must be GitHub's numeric id, not "${String(value)}": ` +
            `\`gh api repos/${owner}/${repository} --jq '.id, .owner.id'\` prints the repository id and the owner id.`,
        );
      }
    }
    let workflow = typeof input['workflow'] === 'string' ? input['workflow'].trim() : '';
    workflow = workflow.replace(/^\.github\/workflows\//, '');
    if (!WORKFLOW.test(workflow) || workflow.includes('@')) {
      throw new InvalidInputError(
        `"${workflow}" is not a workflow file name: give the file name under .github/workflows/, such as "release.yml".`,
      );
    }
    return {
      owner,
      ownerId: input['ownerId']!,
      repository,
      repositoryId: input['repositoryId']!,
      workflow,
      environment: environmentOf(input['environment']).toLowerCase(),
    };
  },

  // As stored since the first release of trusted publishing: the ids of existing records depend on it.
  identityOf: (p) => [p.repositoryId, p.ownerId, p.workflow, p.environment],
  lookupKey: (p) => p.repositoryId,
  registeredClaims: ['exp', 'iat', 'jti'],

  lookupKeyOfClaims(claims) {
    requireGitHubClaims(claims);
    return text(claims['repository_id']);
  },

  mismatchOf(publisher, claims) {
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
  },

  describeClaims(claims) {
    const workflow = workflowFilenameOf(text(claims['job_workflow_ref'])) ?? text(claims['job_workflow_ref']);
    return (
      `${text(claims['repository'])} (repository id ${text(claims['repository_id'])}), workflow ${workflow}` +
      `${claim(claims, 'environment') ? `, environment ${text(claims['environment'])}` : ''}`
    );
  },

  describe: (p) =>
    `github ${p.owner}/${p.repository} (repository id ${p.repositoryId}, owner id ${p.ownerId}), ` +
    `workflow ${p.workflow}, ${p.environment === '' ? 'any environment' : `environment ${p.environment}`}`,

  replayIdOf: (claims) => text(claims['jti']),

  identity(claims) {
    const repository = text(claims['repository']);
    const workflow = workflowFilenameOf(text(claims['job_workflow_ref'])) ?? text(claims['job_workflow_ref']);
    const runId = text(claims['run_id']);
    return {
      summary: `${repository} ${workflow} run ${runId || '?'}`,
      createdBy: `oidc:github:${repository}`,
      audit: {
        repository,
        repositoryId: text(claims['repository_id']),
        workflow,
        jobWorkflowRef: text(claims['job_workflow_ref']),
        ref: text(claims['ref']),
        sha: text(claims['sha']),
        environment: text(claims['environment']) || null,
        runId,
        runAttempt: text(claims['run_attempt']),
        actor: text(claims['actor']),
      },
    };
  },
};
