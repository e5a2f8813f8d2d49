/**
 * GitLab CI/CD publishers, on gitlab.com or a self-managed instance whose issuer the
 * deployment trusts. The rules follow Warehouse's GitLab publisher
 * (`warehouse/oidc/models/gitlab.py`): the project path (`namespace/project`) matches
 * case-insensitively, in `project_path` and in `sub` (`project_path:NS/PROJ:ref_type:...`); the
 * CI configuration file is taken from `ci_config_ref_uri`, which must read
 * `HOST/NS/PROJ//PATH@REF` with REF the `ref_path` or `sha` claim; an environment, when the
 * publisher names one, must match exactly (GitLab environments are case-sensitive).
 *
 * Beyond Warehouse, the publisher also names the project's and its namespace's numeric ids,
 * which must match exactly: a project deleted and re-created under the same path (or a
 * namespace renamed and taken by someone else) gets new ids and cannot publish. And it names
 * its issuer, so a project on one GitLab instance cannot publish as the same path on another.
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

export const GITLAB_COM_ISSUER = 'https://gitlab.com';

export interface GitLabPublisher extends PublisherBase {
  readonly provider: 'gitlab';
  /** The instance's OIDC issuer, as `iss` spells it: `https://gitlab.com` or a trusted self-managed one. */
  readonly issuer: string;
  /** `namespace/project` (subgroups included), as given; compared case-insensitively. */
  readonly projectPath: string;
  /** GitLab's numeric id of the project (`project_id`). */
  readonly projectId: string;
  /** GitLab's numeric id of the project's namespace (`namespace_id`). */
  readonly namespaceId: string;
  /** Path of the CI configuration file in the repository, e.g. `.gitlab-ci.yml` (case-sensitive). */
  readonly ciConfigPath: string;
  /** GitLab environment, exactly; empty for "any environment". */
  readonly environment: string;
}

const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
const CI_CONFIG_PATH = /^[^/@\s][^@\s]{0,254}[^/@\s]\.(yml|yaml)$|^[^/@\s]\.(yml|yaml)$/;
export const DEFAULT_CI_CONFIG_PATH = '.gitlab-ci.yml';

/** `HOST[/PATH]` of an issuer URL, as GitLab writes it at the start of `ci_config_ref_uri`. */
export function gitlabHostOf(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '');
}

/** The CI file path of `gitlab.com/NS/PROJ//ci/release.yml@refs/tags/v1`, as Warehouse parses it. */
export function ciConfigPathOf(ciConfigRefUri: string): string | undefined {
  return /(?<=\/\/)(.*[^/]\.(yml|yaml))(?=@)/.exec(ciConfigRefUri)?.[1];
}

const REQUIRED_CLAIMS = ['sub', 'project_path', 'project_id', 'namespace_id', 'ci_config_ref_uri', 'jti'] as const;

export const GITLAB_RULES: PublisherRules<GitLabPublisher> = {
  provider: 'gitlab',
  label: 'GitLab CI/CD',
  fields: ['issuer', 'projectPath', 'projectId', 'namespaceId', 'ciConfigPath', 'environment'],
  requiredFields: ['projectPath', 'projectId', 'namespaceId'],

  validate(input, issuers) {
    const given = (input['issuer'] ?? '').trim().replace(/\/+$/, '');
    const issuer = given === '' ? GITLAB_COM_ISSUER : given;
    if (!issuers.includes(issuer)) {
      throw new InvalidInputError(
        issuers.length === 0
          ? 'This index trusts no GitLab issuer: its operator enables gitlab.com or a self-managed instance (WHARF_OIDC_GITLAB_ISSUERS).'
          : `This index does not trust the GitLab issuer "${issuer}": it trusts ${issuers.join(', ')}. ` +
              'Give one of them as the issuer, or ask the operator to add the instance (WHARF_OIDC_GITLAB_ISSUERS).',
      );
    }
    const projectPath = (input['projectPath'] ?? '').trim().replace(/^\/+|\/+$/g, '');
    const segments = projectPath.split('/');
    if (segments.length < 2 || !segments.every((s) => PATH_SEGMENT.test(s) && !/\.(git|atom)$/.test(s))) {
      throw new InvalidInputError(`"${projectPath}" is not a GitLab project path: give NAMESPACE/PROJECT, such as "acme/app" or "acme/tools/app".`);
    }
    for (const field of ['projectId', 'namespaceId'] as const) {
      const value = input[field];
      if (typeof value !== 'string' || !NUMERIC_ID.test(value)) {
        throw new InvalidInputError(
          `"${field}" must be GitLab's numeric id, not "${String(value)}": the project's page shows the project id; ` +
            `\`curl ${issuer}/api/v4/projects/${encodeURIComponent(projectPath)}\` prints both (".id" and ".namespace.id").`,
        );
      }
    }
    const ciConfigPath = (input['ciConfigPath'] ?? '').trim().replace(/^\/+/, '') || DEFAULT_CI_CONFIG_PATH;
    if (!CI_CONFIG_PATH.test(ciConfigPath) || ciConfigPath.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new InvalidInputError(
        `"${ciConfigPath}" is not a CI configuration file: give its path in the repository, such as ".gitlab-ci.yml" or "ci/release.yml".`,
      );
    }
    return {
      issuer,
      projectPath,
      projectId: input['projectId']!,
      namespaceId: input['namespaceId']!,
      ciConfigPath,
      environment: environmentOf(input['environment']),
    };
  },

  identityOf: (p) => [p.issuer, p.projectId, p.namespaceId, p.ciConfigPath, p.environment],
  lookupKey: (p) => `${p.projectId}@${p.issuer}`,
  registeredClaims: ['exp', 'iat', 'jti'],

  lookupKeyOfClaims(claims) {
    requireClaims(claims, REQUIRED_CLAIMS, 'a GitLab CI/CD identity token');
    if (claim(claims, 'ref_path') === undefined || claim(claims, 'sha') === undefined) {
      throw new TrustedPublishingError('invalid-token', 'The token has no "ref_path" or no "sha" claim: it is not a GitLab CI/CD identity token.');
    }
    return `${text(claims['project_id'])}@${text(claims['iss'])}`;
  },

  mismatchOf(publisher, claims) {
    if (claim(claims, 'iss') !== publisher.issuer) return `issuer ${String(claims['iss'])} is not ${publisher.issuer}`;
    if (claim(claims, 'project_id') !== publisher.projectId) return `project id ${String(claims['project_id'])} is not ${publisher.projectId}`;
    if (claim(claims, 'namespace_id') !== publisher.namespaceId) {
      return `namespace id ${String(claims['namespace_id'])} is not ${publisher.namespaceId}`;
    }
    const projectPath = claim(claims, 'project_path') ?? '';
    if (projectPath.toLowerCase() !== publisher.projectPath.toLowerCase()) return `project path ${projectPath} is not ${publisher.projectPath}`;
    const sub = claim(claims, 'sub') ?? '';
    const [scheme, subPath] = sub.split(':');
    if (scheme !== 'project_path' || (subPath ?? '').toLowerCase() !== publisher.projectPath.toLowerCase()) {
      return `subject ${sub} is not for project ${publisher.projectPath}`;
    }
    const ciConfigRefUri = claim(claims, 'ci_config_ref_uri') ?? '';
    // GitLab spells the path as the token's `project_path` has it.
    const refs = [claim(claims, 'ref_path'), claim(claims, 'sha')].filter((r): r is string => r !== undefined);
    const expected = refs.map((r) => `${gitlabHostOf(publisher.issuer)}/${projectPath}//${publisher.ciConfigPath}@${r}`);
    if (!expected.includes(ciConfigRefUri)) {
      const actual = ciConfigPathOf(ciConfigRefUri);
      return actual && actual !== publisher.ciConfigPath
        ? `CI configuration file ${actual} is not ${publisher.ciConfigPath}`
        : `ci_config_ref_uri ${ciConfigRefUri} is not one of ${expected.join(', ')}`;
    }
    if (publisher.environment !== '') {
      const environment = claim(claims, 'environment');
      if (environment === undefined) return `the job runs in no environment, and the publisher requires "${publisher.environment}"`;
      if (environment !== publisher.environment) return `environment ${environment} is not ${publisher.environment}`;
    }
    return undefined;
  },

  describeClaims(claims) {
    const file = ciConfigPathOf(text(claims['ci_config_ref_uri'])) ?? text(claims['ci_config_ref_uri']);
    return (
      `${text(claims['project_path'])} on ${text(claims['iss'])} (project id ${text(claims['project_id'])}), CI file ${file}` +
      `${claim(claims, 'environment') ? `, environment ${text(claims['environment'])}` : ''}`
    );
  },

  describe: (p) =>
    `gitlab ${p.projectPath} on ${p.issuer} (project id ${p.projectId}, namespace id ${p.namespaceId}), ` +
    `CI file ${p.ciConfigPath}, ${p.environment === '' ? 'any environment' : `environment ${p.environment}`}`,

  replayIdOf: (claims) => text(claims['jti']),

  identity(claims) {
    const projectPath = text(claims['project_path']);
    const file = ciConfigPathOf(text(claims['ci_config_ref_uri'])) ?? text(claims['ci_config_ref_uri']);
    return {
      summary: `${projectPath} ${file} pipeline ${text(claims['pipeline_id']) || '?'} job ${text(claims['job_id']) || '?'}`,
      createdBy: `oidc:gitlab:${projectPath}`,
      audit: {
        projectPath,
        projectId: text(claims['project_id']),
        namespaceId: text(claims['namespace_id']),
        ciConfigRefUri: text(claims['ci_config_ref_uri']),
        refPath: text(claims['ref_path']),
        sha: text(claims['sha']),
        environment: text(claims['environment']) || null,
        pipelineId: text(claims['pipeline_id']),
        jobId: text(claims['job_id']),
        user: text(claims['user_login']),
      },
    };
  },
};
