/**
 * The scheduled retention run's bound: it stops after this many releases (or when its time
 * is nearly up) and the next run goes on from there, so one run's work, logs and DynamoDB
 * writes stay bounded however much a new rule would remove at once.
 */
import { ConfigError, type Environment, ENV, positiveInt } from './environment.ts';

export interface RetentionConfig {
  readonly maxReleasesPerRun: number;
}

export const RETENTION_RUN_DEFAULTS = {
  maxReleasesPerRun: 2000,
  /** Left of the function's 15 minutes when a run stops starting projects. */
  safetyMarginMs: 60_000,
} as const;

/** The most a run may be set to remove: about what 15 minutes of deletes get through. */
export const MAX_RELEASES_PER_RUN = 20_000;

export function checkMaxReleasesPerRun(n: number, name: string): number {
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_RELEASES_PER_RUN)) {
    throw new ConfigError(`${name} must be a whole number from 1 to ${MAX_RELEASES_PER_RUN}, not ${n}.`);
  }
  return n;
}

export function loadRetentionConfig(env: Environment): RetentionConfig {
  return {
    maxReleasesPerRun: checkMaxReleasesPerRun(
      positiveInt(env, ENV.retentionMaxReleases, RETENTION_RUN_DEFAULTS.maxReleasesPerRun),
      ENV.retentionMaxReleases,
    ),
  };
}
