/** The options of `wharf publisher`, for every provider (publisher-command.ts, aws-publisher-command.ts). */

export type PublisherAction = 'add' | 'list' | 'remove';

export interface PublisherOptions {
  project?: string;
  provider?: string;
  pending?: boolean;
  issuer?: string;
  'project-path'?: string;
  'project-id'?: string;
  'namespace-id'?: string;
  'ci-config'?: string;
  email?: string;
  subject?: string;
  /** --provider aws (lambdas/cli/aws-publisher-command.ts). */
  'role-arn'?: string;
  'role-id'?: string;
  owner?: string;
  'owner-id'?: string;
  repository?: string;
  'repository-id'?: string;
  workflow?: string;
  environment?: string;
  url?: string;
  token?: string;
  stack?: string;
  'tokens-table'?: string;
  region?: string;
  'data-dir'?: string;
  json?: boolean;
}
