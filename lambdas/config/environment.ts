/**
 * The environment contract between the CDK construct and the functions: every variable
 * a function reads at start-up, in one list, and the parsers that read them. The
 * construct writes these names (lib/) and the loaders in this folder read them, so the two
 * cannot name different variables. The composition roots (lambdas/functions/) hand
 * process.env to these loaders; no other code reads the environment.
 */

/** Environment variables the functions read at start-up (set by the CDK construct). */
export const ENV = {
  tableName: 'WHARF_TABLE_NAME',
  bucketName: 'WHARF_BUCKET_NAME',
  pageCacheControl: 'WHARF_PAGE_CACHE_CONTROL',
  signingWindowSeconds: 'WHARF_SIGNING_WINDOW_SECONDS',
  tokensTableName: 'WHARF_TOKENS_TABLE_NAME',
  publicRead: 'WHARF_PUBLIC_READ',
  /** Which images a release description on the web pages may show: `https` or `none`. */
  descriptionImages: 'WHARF_DESCRIPTION_IMAGES',
  authCacheSeconds: 'WHARF_AUTH_CACHE_SECONDS',
  maxUploadBytes: 'WHARF_MAX_UPLOAD_BYTES',
  oidcAudience: 'WHARF_OIDC_AUDIENCE',
  oidcGithubIssuer: 'WHARF_OIDC_GITHUB_ISSUER',
  oidcGitlabIssuers: 'WHARF_OIDC_GITLAB_ISSUERS',
  oidcGoogleIssuers: 'WHARF_OIDC_GOOGLE_ISSUERS',
  maxSessionBytes: 'WHARF_MAX_SESSION_BYTES',
  sessionLifetimeSeconds: 'WHARF_SESSION_LIFETIME_SECONDS',
  /** The verifier function the write function invokes asynchronously for large uploads. */
  verifierFunctionName: 'WHARF_VERIFIER_FUNCTION_NAME',
  /** Seconds an unindexed object under files/ is left alone by the orphan sweep. */
  orphanGraceSeconds: 'WHARF_ORPHAN_GRACE_SECONDS',
  /** The most releases one scheduled retention run removes (lambdas/config/retention-config.ts). */
  retentionMaxReleases: 'WHARF_RETENTION_MAX_RELEASES',
  /**
   * The Secrets Manager secret holding the access key that signs download URLs (read
   * function); unset, URLs are signed with the function's own role credentials.
   */
  signingSecretArn: 'WHARF_SIGNING_SECRET_ARN',
  /** How often a warm read function re-reads that secret, in seconds. */
  signingKeyRefreshSeconds: 'WHARF_SIGNING_KEY_REFRESH_SECONDS',
  /** The IAM user whose access keys the rotation function creates and deletes. */
  signingUserName: 'WHARF_SIGNING_USER_NAME',
  /** Seconds a replaced key must stay valid: URL lifetime plus the read function's refresh. */
  signingKeyGraceSeconds: 'WHARF_SIGNING_KEY_GRACE_SECONDS',
  /**
   * A Sigstore trusted_root.json to verify PEP 740 attestations against (write function),
   * as a file path (relative: to the function's code directory); unset, Sigstore's
   * public-good root pinned in this repository.
   */
  sigstoreTrustedRoot: 'WHARF_SIGSTORE_TRUSTED_ROOT',
  /** The `service` dimension of the functions' metrics: the index's name (lambdas/config/metrics.ts). */
  metricsService: 'WHARF_METRICS_SERVICE',
  /**
   * The IP allowlist (read, write and admin functions): CIDR blocks, comma-separated; unset,
   * every network. Trusted publishing stays reachable from anywhere (lambdas/core/networks.ts).
   */
  allowedNetworks: 'WHARF_ALLOWED_NETWORKS',
} as const;

/** The upstream index (lambdas/app/upstream-index.ts); none set means no upstream. */
export const UPSTREAM_ENV = {
  mode: 'WHARF_UPSTREAM_MODE',
  url: 'WHARF_UPSTREAM_URL',
  pageTtlSeconds: 'WHARF_UPSTREAM_PAGE_TTL_SECONDS',
  timeoutSeconds: 'WHARF_UPSTREAM_TIMEOUT_SECONDS',
  copyLimitBytes: 'WHARF_UPSTREAM_COPY_LIMIT_BYTES',
  reserved: 'WHARF_RESERVED_NAMES',
  mixed: 'WHARF_UPSTREAM_MIXED_PROJECTS',
  copierFunction: 'WHARF_UPSTREAM_COPIER_FUNCTION',
} as const;

/** What the Lambda runtime sets itself. */
export const LAMBDA_RUNTIME_ENV = {
  region: 'AWS_REGION',
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
  /** The AWS SDKs' endpoint overrides (a local emulator); none on a deployed stack. */
  dynamodbEndpoint: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3Endpoint: 'AWS_ENDPOINT_URL_S3',
  endpoint: 'AWS_ENDPOINT_URL',
} as const;

/** Every variable name, for tests that compare what the construct sets with what loaders read. */
export const ENVIRONMENT_NAMES: readonly string[] = [...Object.values(ENV), ...Object.values(UPSTREAM_ENV)];

export type Environment = Record<string, string | undefined>;

/** The region the function runs in (set by the Lambda runtime). */
export function awsRegion(env: Environment): string {
  return env[LAMBDA_RUNTIME_ENV.region] || 'us-east-1';
}

export class ConfigError extends Error {}

/** Where DynamoDB is, when not at its regional endpoint: the SDKs' own override variables. */
export function dynamoDbEndpoint(env: Environment): { endpoint?: string } {
  const endpoint = env[LAMBDA_RUNTIME_ENV.dynamodbEndpoint] || env[LAMBDA_RUNTIME_ENV.endpoint];
  return endpoint ? { endpoint } : {};
}

/** Where S3 is, when not at its regional endpoint: the SDKs' own override variables. */
export function s3Endpoint(env: Environment): { endpoint?: string } {
  const endpoint = env[LAMBDA_RUNTIME_ENV.s3Endpoint] || env[LAMBDA_RUNTIME_ENV.endpoint];
  return endpoint ? { endpoint } : {};
}

export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * The function role's temporary credentials, which the Lambda runtime puts in the
 * environment: read at each use, as the SDK's `fromEnv` reads them.
 */
export function roleCredentials(env: Environment): () => Promise<RoleCredentials> {
  return async () => {
    const accessKeyId = env[LAMBDA_RUNTIME_ENV.accessKeyId];
    const secretAccessKey = env[LAMBDA_RUNTIME_ENV.secretAccessKey];
    if (!accessKeyId || !secretAccessKey) {
      throw new ConfigError(
        `${LAMBDA_RUNTIME_ENV.accessKeyId} and ${LAMBDA_RUNTIME_ENV.secretAccessKey} are not set: the Lambda runtime sets them from the function's role.`,
      );
    }
    const sessionToken = env[LAMBDA_RUNTIME_ENV.sessionToken];
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  };
}

export function required(env: Environment, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`${name} is not set: Wharf cannot start without it.`);
  }
  return value;
}

export function positiveInt(env: Environment, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ConfigError(`${name} must be a positive whole number, not "${value}".`);
  }
  return n;
}

export function booleanFlag(env: Environment, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigError(`${name} must be "true" or "false", not "${value}".`);
}

export function wholeNumber(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${value}".`);
  }
  return n;
}

export function numberFrom(env: Environment, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, not "${value}".`);
  return n;
}
