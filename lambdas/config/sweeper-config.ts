/**
 * The orphan sweep's grace period. An object under `files/` that no index entry names is
 * left alone while an upload may still be between writing it and writing its entry:
 *
 * - the legacy upload runs in the write function, at most 29 s (API Gateway's 30 s);
 * - an upload session's bytes reach `files/` in the verifier, which is started within 15
 *   minutes of the session's completion or never (maxEventAge) and runs at most 15 minutes;
 * - `wharf import --stack` runs on someone's machine, where a process can stall (a laptop
 *   put to sleep between two writes) for far longer than any function.
 *
 * So the deployed default is a day, and no less than an hour (twice the verifier's 30
 * minutes) is accepted. Locally the sweep runs before the server listens, with the data
 * directory locked, so no upload can be in flight; see lambdas/local/orphan-sweep-at-start.ts.
 */
import { type Environment, ConfigError, positiveInt, ENV } from './environment.ts';

export interface SweeperConfig {
  readonly graceSeconds: number;
}

export const SWEEPER_DEFAULTS = {
  graceSeconds: 24 * 3600,
} as const satisfies SweeperConfig;

/** The least grace a deployed index accepts: twice the longest blob-to-entry gap of a verifier run. */
export const MIN_DEPLOYED_GRACE_SECONDS = 3600;

/** How often the deployed sweeper runs, in hours. Orphans are rare: a crash leaves a few. */
export const SWEEP_INTERVAL_HOURS = 24;

export function checkGraceSeconds(seconds: number, name: string): number {
  if (!(Number.isInteger(seconds) && seconds >= MIN_DEPLOYED_GRACE_SECONDS)) {
    throw new ConfigError(
      `${name} must be a whole number of seconds, at least ${MIN_DEPLOYED_GRACE_SECONDS} (an upload session's verifier may take 30 minutes between writing a file and indexing it), not ${seconds}.`,
    );
  }
  return seconds;
}

export function loadSweeperConfig(env: Environment): SweeperConfig {
  return {
    graceSeconds: checkGraceSeconds(
      positiveInt(env, ENV.orphanGraceSeconds, SWEEPER_DEFAULTS.graceSeconds),
      ENV.orphanGraceSeconds,
    ),
  };
}
