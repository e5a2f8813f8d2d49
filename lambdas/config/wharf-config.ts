/**
 * Configuration, read once at start-up from the environment the CDK construct sets.
 * A missing or malformed setting fails fast, naming the variable.
 */
import type { ImagePolicy } from '../core/description.ts';
import { type Network, parseNetworks } from '../core/networks.ts';
import { ConfigError, ENV, type Environment, booleanFlag, positiveInt, required } from './environment.ts';

/** What every function that checks tokens needs. */
export interface AccessConfig {
  readonly tokensTableName: string;
  /** Whether reads need no token (`WHARF_PUBLIC_READ=true`); private unless set. */
  readonly publicRead: boolean;
  /** How long a warm function trusts a looked-up token: revocation takes at most this long. */
  readonly authCacheSeconds: number;
  /** The IP allowlist (`WHARF_ALLOWED_NETWORKS`); absent, every network may ask. */
  readonly allowedNetworks?: readonly Network[];
}

export interface WharfConfig extends AccessConfig {
  /** Largest file the legacy upload API takes (`WHARF_MAX_UPLOAD_BYTES`). */
  readonly maxUploadBytes: number;
  readonly tableName: string;
  readonly bucketName: string;
  readonly pageCacheControl: string;
  readonly signingWindowSeconds: number;
  /** Images in descriptions on the web pages (`WHARF_DESCRIPTION_IMAGES`). @default 'https' */
  readonly descriptionImages?: ImagePolicy;
}

/** SigV4 presigned URLs live at most 7 days; ours live two signing windows. */
export const MAX_PRESIGNED_EXPIRY_SECONDS = 7 * 24 * 3600;
export const MAX_SIGNING_WINDOW_SECONDS = MAX_PRESIGNED_EXPIRY_SECONDS / 2;

/** The longest a warm function may trust a looked-up token: revocation takes effect within it. */
export const MAX_AUTH_CACHE_SECONDS = 60;

export const DEFAULTS = {
  pageCacheControl: 'max-age=30',
  /**
   * One day: a file's download URL (and so pip's cache key) stays the same for a day. The
   * URL lives two windows (2 days), within SigV4's 7, and longer than a role's credentials:
   * deployed, it is signed with a rotated IAM user key (lib/download-signing.ts).
   */
  signingWindowSeconds: 86_400,
  authCacheSeconds: 30,
  /**
   * Badges and screenshots load from their https hosts (the pages send no Referer there);
   * `none` shows their alt text instead, so no page makes the browser contact another host.
   */
  descriptionImages: 'https' as ImagePolicy,
  /** 4 MiB: with the form around it and base64 on top, under Lambda's 6 MB request. */
  maxUploadBytes: 4 * 1024 * 1024,
} as const;

/**
 * The largest file that can reach a Lambda function through API Gateway at all: the
 * invoke payload is at most 6,291,456 bytes, the body arrives base64-encoded (4/3), and
 * the event around it takes a few KB.
 */
export const LAMBDA_MAX_UPLOAD_BYTES = 4_700_000;

export function loadAccessConfig(env: Environment): AccessConfig {
  const authCacheSeconds = env[ENV.authCacheSeconds] === '0' ? 0 : positiveInt(env, ENV.authCacheSeconds, DEFAULTS.authCacheSeconds);
  if (authCacheSeconds > MAX_AUTH_CACHE_SECONDS) {
    throw new ConfigError(`${ENV.authCacheSeconds} must be at most ${MAX_AUTH_CACHE_SECONDS}: revocation must take effect within a minute.`);
  }
  const networks = env[ENV.allowedNetworks];
  let allowedNetworks: Network[] | undefined;
  if (networks !== undefined && networks !== '') {
    try {
      allowedNetworks = parseNetworks(networks);
    } catch (err) {
      throw new ConfigError(`${ENV.allowedNetworks}: ${(err as Error).message}`);
    }
    if (allowedNetworks.length === 0) throw new ConfigError(`${ENV.allowedNetworks} names no network: unset it to allow every network.`);
  }
  return {
    tokensTableName: required(env, ENV.tokensTableName),
    publicRead: booleanFlag(env, ENV.publicRead, false),
    authCacheSeconds,
    ...(allowedNetworks ? { allowedNetworks } : {}),
  };
}

/** The table and bucket, for the functions that need no more (the verifier, the copier). */
export interface StoreNames {
  readonly tableName: string;
  readonly bucketName: string;
}

export function loadStoreNames(env: Environment): StoreNames {
  return { tableName: required(env, ENV.tableName), bucketName: loadBucketName(env) };
}

export function loadBucketName(env: Environment): string {
  return required(env, ENV.bucketName);
}

/** The verifier function the write function starts for large uploads. */
export function loadVerifierFunctionName(env: Environment): string {
  return required(env, ENV.verifierFunctionName);
}

export function loadConfig(env: Environment): WharfConfig {
  const signingWindowSeconds = positiveInt(env, ENV.signingWindowSeconds, DEFAULTS.signingWindowSeconds);
  // Presigned URLs live two windows; SigV4 allows at most 7 days.
  if (signingWindowSeconds > MAX_SIGNING_WINDOW_SECONDS) {
    throw new ConfigError(`${ENV.signingWindowSeconds} must be at most ${MAX_SIGNING_WINDOW_SECONDS} (3.5 days).`);
  }
  const maxUploadBytes = positiveInt(env, ENV.maxUploadBytes, DEFAULTS.maxUploadBytes);
  if (maxUploadBytes > LAMBDA_MAX_UPLOAD_BYTES) {
    throw new ConfigError(`${ENV.maxUploadBytes} must be at most ${LAMBDA_MAX_UPLOAD_BYTES}: a larger upload cannot reach Lambda through API Gateway.`);
  }
  const descriptionImages = env[ENV.descriptionImages] || DEFAULTS.descriptionImages;
  if (descriptionImages !== 'https' && descriptionImages !== 'none') {
    throw new ConfigError(`${ENV.descriptionImages} must be "https" (images from https hosts) or "none" (no images), not "${descriptionImages}".`);
  }
  return {
    ...loadAccessConfig(env),
    descriptionImages,
    maxUploadBytes,
    ...loadStoreNames(env),
    pageCacheControl: env[ENV.pageCacheControl] || DEFAULTS.pageCacheControl,
    signingWindowSeconds,
  };
}

/** PEP 740 attestations (the write function): what they are verified against. */
export interface AttestationConfig {
  /** The OIDC issuers a signing certificate may name, per publisher kind: trusted publishing's. */
  readonly githubIssuer: string;
  readonly gitlabIssuers: readonly string[];
  readonly googleIssuers: readonly string[];
  /** A Sigstore trusted_root.json file (`WHARF_SIGSTORE_TRUSTED_ROOT`); absent: the pinned public-good root. */
  readonly trustedRootFile?: string;
}

export function loadAttestationConfig(env: Environment): AttestationConfig {
  const file = env[ENV.sigstoreTrustedRoot];
  const { githubIssuer, gitlabIssuers, googleIssuers } = loadOidcConfig(env);
  return { githubIssuer, gitlabIssuers, googleIssuers, ...(file ? { trustedRootFile: file } : {}) };
}

/** Trusted publishing (the admin function): whose OIDC tokens to trust, for which audience. */
export interface OidcConfig {
  /** The `aud` a CI job must request (`WHARF_OIDC_AUDIENCE`); served at /_/oidc/audience. */
  readonly audience: string;
  /** GitHub Actions' issuer (`WHARF_OIDC_GITHUB_ISSUER`); another for GitHub Enterprise or tests. */
  readonly githubIssuer: string;
  /**
   * GitLab instances whose CI/CD tokens are trusted (`WHARF_OIDC_GITLAB_ISSUERS`, comma-separated;
   * `none` for none): gitlab.com, and self-managed instances the operator adds.
   */
  readonly gitlabIssuers: readonly string[];
  /** Google's issuer (`WHARF_OIDC_GOOGLE_ISSUERS`; `none` for none). */
  readonly googleIssuers: readonly string[];
}

export const OIDC_DEFAULTS = {
  audience: 'wharf',
  githubIssuer: 'https://token.actions.githubusercontent.com',
  gitlabIssuers: ['https://gitlab.com'],
  googleIssuers: ['https://accounts.google.com'],
} as const satisfies OidcConfig;

/** Every issuer a deployment trusts, with the provider each one's tokens are matched as. */
export function trustedIssuerList(oidc: OidcConfig): { provider: 'github' | 'gitlab' | 'google'; issuer: string }[] {
  return [
    { provider: 'github' as const, issuer: oidc.githubIssuer },
    ...oidc.gitlabIssuers.map((issuer) => ({ provider: 'gitlab' as const, issuer })),
    ...oidc.googleIssuers.map((issuer) => ({ provider: 'google' as const, issuer })),
  ];
}

/** A comma-separated issuer list; `none` is the empty list, and an issuer may be named once. */
export function parseIssuerList(value: string, name: string): string[] {
  if (value.trim() === 'none') return [];
  const issuers = value.split(',').map((v) => v.trim()).filter((v) => v !== '').map((v) => checkIssuerUrl(v, name));
  if (issuers.length === 0) throw new ConfigError(`${name} must list issuer URLs separated by commas, or be "none".`);
  return [...new Set(issuers)];
}

/**
 * An issuer URL as the `iss` claim spells it: https (http only to a loopback host, for tests
 * and `wharf serve`), no query, no trailing slash.
 */
export function checkIssuerUrl(value: string, name: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  const loopback = url !== undefined && (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname));
  if (!url || url.search !== '' || url.hash !== '' || url.username !== '' || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new ConfigError(`${name} must be an https:// issuer URL such as ${OIDC_DEFAULTS.githubIssuer} (http:// only on a loopback host), not "${value}".`);
  }
  return trimmed;
}

export function checkAudience(value: string, name: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(value)) {
    throw new ConfigError(`${name} must be 1 to 255 printable characters without spaces, such as "wharf", not "${value}".`);
  }
  return value;
}

export function loadOidcConfig(env: Environment): OidcConfig {
  const audience = env[ENV.oidcAudience];
  const issuer = env[ENV.oidcGithubIssuer];
  const gitlab = env[ENV.oidcGitlabIssuers];
  const google = env[ENV.oidcGoogleIssuers];
  return {
    audience: audience === undefined || audience === '' ? OIDC_DEFAULTS.audience : checkAudience(audience, ENV.oidcAudience),
    githubIssuer: issuer === undefined || issuer === '' ? OIDC_DEFAULTS.githubIssuer : checkIssuerUrl(issuer, ENV.oidcGithubIssuer),
    gitlabIssuers: gitlab === undefined || gitlab === '' ? OIDC_DEFAULTS.gitlabIssuers : parseIssuerList(gitlab, ENV.oidcGitlabIssuers),
    googleIssuers: google === undefined || google === '' ? OIDC_DEFAULTS.googleIssuers : parseIssuerList(google, ENV.oidcGoogleIssuers),
  };
}

/** Where the read function gets the key that signs download URLs. */
export interface SigningKeyConfig {
  /** Unset: sign with the role's own credentials (URLs die with them). */
  readonly secretArn?: string;
  readonly refreshSeconds: number;
}

export const SIGNING_KEY_DEFAULTS = {
  /** An hour: part of the grace a replaced key keeps (lib/download-signing.ts). */
  refreshSeconds: 3600,
} as const;

export function loadSigningKeyConfig(env: Environment): SigningKeyConfig {
  const secretArn = env[ENV.signingSecretArn];
  return {
    ...(secretArn ? { secretArn } : {}),
    refreshSeconds: positiveInt(env, ENV.signingKeyRefreshSeconds, SIGNING_KEY_DEFAULTS.refreshSeconds),
  };
}

/** The rotation function of the signing key. */
export interface SigningKeyRotationConfig {
  readonly userName: string;
  readonly graceSeconds: number;
}

export function loadSigningKeyRotationConfig(env: Environment): SigningKeyRotationConfig {
  return {
    userName: required(env, ENV.signingUserName),
    graceSeconds: positiveInt(env, ENV.signingKeyGraceSeconds, 2 * DEFAULTS.signingWindowSeconds + SIGNING_KEY_DEFAULTS.refreshSeconds),
  };
}
