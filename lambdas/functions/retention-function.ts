/**
 * Builds the retention function: one run of the stored retention rules per scheduled event
 * (lambdas/app/retention.ts), starting where the last run stopped and remembering where this
 * one stops; each removal is logged, and the run's summary too.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BlobStore, MetadataStore } from '../app/ports.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';
import { ProjectAdmin } from '../app/project-admin.ts';
import { formatPosition, parsePosition, Retention, type RetentionStore } from '../app/retention.ts';
import { RETENTION_RUN_DEFAULTS, type RetentionConfig } from '../config/retention-config.ts';

export interface RetentionFunctionDeps {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly store: RetentionStore;
  readonly config: RetentionConfig;
  readonly logger: Logger;
  /** Its cold starts (EMF on Lambda). @default NO_METRICS */
  readonly metrics?: Metrics;
  readonly now?: () => Date;
}

/** What the run did, as the function returns it (and logs it). */
export interface RetentionRunSummary {
  readonly from: string | null;
  readonly next: string | null;
  readonly rules: number;
  readonly walked: number;
  readonly matched: number;
  readonly skipped: number;
  readonly releases: number;
  readonly files: number;
  readonly bytes: number;
}

/** Who the tombstones say deleted the files. */
export const SCHEDULED_BY = 'retention:schedule';

export type RetentionHandler = (event?: unknown, context?: { getRemainingTimeInMillis?: () => number }) => Promise<RetentionRunSummary>;

export function createRetentionFunction(deps: RetentionFunctionDeps): RetentionHandler {
  const retention = new Retention({
    metadata: deps.metadata,
    store: deps.store,
    admin: new ProjectAdmin(deps.metadata, deps.blobs, deps.now),
    ...(deps.now ? { now: deps.now } : {}),
    onRemoved: (project, release, rule) =>
      deps.logger.info('Retention removed a release', { retention: { project, version: release.version, files: release.files, bytes: release.bytes, rule, why: release.why } }),
  });
  const metrics = deps.metrics ?? NO_METRICS;
  return async (event, context) => {
    try {
      return await runOnce(event, context);
    } finally {
      metrics.flush();
    }
  };

  async function runOnce(...[, context]: Parameters<RetentionHandler>): Promise<RetentionRunSummary> {
    const remaining = context?.getRemainingTimeInMillis?.() ?? 15 * 60_000;
    // Time left for the last project's deletes and the position's write: a minute of 15, less of less.
    const margin = Math.min(RETENTION_RUN_DEFAULTS.safetyMarginMs, remaining / 4);
    const start = await deps.store.getPosition();
    const from = start ? formatPosition(start) : undefined;
    const report = await retention.run({
      mode: 'apply',
      by: SCHEDULED_BY,
      ...(from !== undefined ? { from } : {}),
      deadline: Date.now() + remaining - margin,
      maxReleases: deps.config.maxReleasesPerRun,
    });
    await deps.store.putPosition(report.next !== undefined ? parsePosition(report.next, deps.store.shards) : undefined);
    for (const skipped of report.skipped) deps.logger.info('Retention left a project alone', { retention: skipped });
    const summary: RetentionRunSummary = {
      from: from ?? null,
      next: report.next ?? null,
      rules: report.rules,
      walked: report.walked,
      matched: report.matched,
      skipped: report.skipped.length,
      ...report.totals,
    };
    deps.logger.info(report.next ? 'Retention run stopped at its bound; the next run goes on' : 'Retention run done', { retention: summary });
    return summary;
  }
}
