/**
 * Builds the sweeper function: one orphan sweep of `files/` per scheduled event, logging
 * each removal and what it could not place.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { OrphanSweeper, type SweepBucket, type SweepIndex, type SweepReport } from '../app/orphan-sweeper.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';

export interface SweeperFunctionDeps {
  readonly index: SweepIndex;
  readonly bucket: SweepBucket;
  readonly graceSeconds: number;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Its cold starts (EMF on Lambda). @default NO_METRICS */
  readonly metrics?: Metrics;
}

export type SweeperHandler = (event?: unknown) => Promise<SweepReport>;

export function createSweeperFunction(deps: SweeperFunctionDeps): SweeperHandler {
  const sweeper = new OrphanSweeper(deps.bucket, deps.index, {
    graceSeconds: deps.graceSeconds,
    ...(deps.now ? { now: deps.now } : {}),
    onRemove: (key) => deps.logger.info('Removed orphan', { key }),
  });
  const metrics = deps.metrics ?? NO_METRICS;
  return async () => {
    try {
      return await sweepOnce();
    } finally {
      metrics.flush();
    }
  };

  async function sweepOnce(): Promise<SweepReport> {
    const report = await sweeper.sweep();
    if (report.unknown.length > 0) {
      deps.logger.warn('Keys under files/ that Wharf does not write were left in place', { keys: report.unknown.slice(0, 100), count: report.unknown.length });
    }
    deps.logger.info('Orphan sweep done', {
      listed: report.listed,
      removed: report.removed.length,
      young: report.young,
      unknown: report.unknown.length,
      projectsRead: report.projectsRead,
      graceSeconds: deps.graceSeconds,
    });
    return report;
  }
}
