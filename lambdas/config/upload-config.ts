/**
 * Configuration of upload sessions, read once at start-up like lambdas/config.ts: the
 * write function and the verifier read it.
 */
import { SESSION_DEFAULTS, type UploadSessionsConfig } from '../app/upload-sessions.ts';
import { ConfigError } from './wharf-config.ts';
import { S3_MULTIPART } from '../core/upload-session.ts';
import { ENV } from './functions.ts';

/** Session lifetimes stay within the staging prefix's lifecycle rule (objects expire after 2 days). */
export const MAX_SESSION_LIFETIME_SECONDS = 24 * 3600;

function wholeNumber(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${value}".`);
  }
  return n;
}

export function loadUploadSessionsConfig(env: Record<string, string | undefined>): UploadSessionsConfig {
  return {
    ...SESSION_DEFAULTS,
    maxSessionBytes: wholeNumber(env, ENV.maxSessionBytes, SESSION_DEFAULTS.maxSessionBytes, 1, S3_MULTIPART.maxSinglePutBytes),
    sessionLifetimeSeconds: wholeNumber(env, ENV.sessionLifetimeSeconds, SESSION_DEFAULTS.sessionLifetimeSeconds, 60, MAX_SESSION_LIFETIME_SECONDS),
  };
}
