/**
 * Configuration of upload sessions, read once at start-up like wharf-config.ts: the write
 * function and the verifier read it.
 */
import { ConfigError, ENV, type Environment, wholeNumber } from './environment.ts';
import { S3_MULTIPART, VERIFY_DEADLINE_SECONDS } from '../core/upload-session.ts';

export interface UploadSessionsConfig {
  /** Largest file a session takes (at most 5 GiB: one CopyObject). */
  readonly maxSessionBytes: number;
  /** How long a session may take from start to complete. */
  readonly sessionLifetimeSeconds: number;
  /** Lifetime of each presigned URL (re-requested by the client when it runs out). */
  readonly urlLifetimeSeconds: number;
  /** Files up to this size are verified within the complete request. */
  readonly inlineVerifyBytes: number;
  readonly singlePutBytes: number;
  readonly partBytes: number;
  /** How long a session may stay `verifying` before it reads as failed (VERIFY_DEADLINE_SECONDS). */
  readonly verifyDeadlineSeconds: number;
}

export const SESSION_DEFAULTS: UploadSessionsConfig = Object.freeze({
  maxSessionBytes: 5 * 1024 * 1024 * 1024,
  sessionLifetimeSeconds: 6 * 3600,
  // A URL signed with a role's temporary credentials dies with them; an hour is within
  // what a Lambda execution role's credentials are good for.
  urlLifetimeSeconds: 3600,
  inlineVerifyBytes: 64 * 1024 * 1024,
  singlePutBytes: 16 * 1024 * 1024,
  partBytes: 16 * 1024 * 1024,
  verifyDeadlineSeconds: VERIFY_DEADLINE_SECONDS,
});

/** Session lifetimes stay within the staging prefix's lifecycle rule (objects expire after 2 days). */
export const MAX_SESSION_LIFETIME_SECONDS = 24 * 3600;

export function loadUploadSessionsConfig(env: Environment): UploadSessionsConfig {
  return {
    ...SESSION_DEFAULTS,
    maxSessionBytes: wholeNumber(env, ENV.maxSessionBytes, SESSION_DEFAULTS.maxSessionBytes, 1, S3_MULTIPART.maxSinglePutBytes),
    sessionLifetimeSeconds: wholeNumber(env, ENV.sessionLifetimeSeconds, SESSION_DEFAULTS.sessionLifetimeSeconds, 60, MAX_SESSION_LIFETIME_SECONDS),
  };
}
