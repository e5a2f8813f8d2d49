/**
 * What the use cases and the HTTP layer count, and nothing of how: the Powertools adapter
 * (lambdas/adapters/powertools-metrics.ts) writes CloudWatch embedded metric format to
 * stdout, so counting costs no API call on the request path.
 */
import type { DimensionsOf, MetricName } from '../config/metrics.ts';

export interface Metrics {
  /** Adds `value` to a metric of the current invocation; written at its end by `flush`. */
  add<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void;
  /**
   * Writes what this invocation added (one record per dimension set) and starts afresh.
   * The Lambda wrapper calls it once per invocation.
   */
  flush(): void;
}

/** Counts nothing: for tests and tools that run a use case outside a function. */
export const NO_METRICS: Metrics = { add: () => undefined, flush: () => undefined };
