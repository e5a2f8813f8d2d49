/**
 * The metrics port on Powertools Metrics: CloudWatch embedded metric format (EMF), one JSON
 * record per dimension set per invocation, written to stdout, which Lambda hands to
 * CloudWatch Logs and CloudWatch turns into metrics. No API call, no extra latency.
 *
 * Powertools puts every metric of one record under the same dimensions, so the adapter
 * groups what an invocation added by its dimensions and writes one record per group: a
 * page view is two records (Requests by route and status class; PagesServed by service).
 */
import { Metrics as PowertoolsMetricsClient, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricUnit as Unit } from '@aws-lambda-powertools/metrics/types';
import { COLD_START_METRIC, METRICS, METRICS_NAMESPACE, type DimensionsOf, type MetricName } from '../config/metrics.ts';
import type { Metrics } from '../app/metrics-ports.ts';

export interface PowertoolsMetricsOptions {
  /** The `service` dimension: the index's name (lambdas/config/metrics.ts). */
  readonly service: string;
  /** The `function_name` dimension of the cold-start metric: the function's role (`read`, `write`, ...). */
  readonly functionName: string;
  /**
   * Where the records go instead of stdout: the local server logs them at debug level, since
   * nothing there reads EMF and the console is the user's.
   * @default - stdout, through Powertools
   */
  readonly write?: (record: unknown) => void;
}

interface Group {
  readonly dimensions: Record<string, string>;
  readonly values: [string, Unit, number][];
}

const UNITS: Record<string, Unit> = { Count: MetricUnit.Count, Bytes: MetricUnit.Bytes };

export class PowertoolsMetrics implements Metrics {
  private readonly client: PowertoolsMetricsClient;
  private readonly groups = new Map<string, Group>();
  private coldStart = true;

  constructor(private readonly options: PowertoolsMetricsOptions) {
    this.client = new PowertoolsMetricsClient({ namespace: METRICS_NAMESPACE, serviceName: options.service });
  }

  add<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void {
    this.record(name, UNITS[METRICS[name].unit]!, value, dimensions as Record<string, string>);
  }

  flush(): void {
    if (this.coldStart) {
      // The first invocation of this instance: Powertools' ColdStart, by function.
      this.coldStart = false;
      this.record(COLD_START_METRIC, MetricUnit.Count, 1, { function_name: this.options.functionName });
    }
    for (const group of this.groups.values()) {
      this.client.addDimensions(group.dimensions);
      for (const [name, unit, value] of group.values) this.client.addMetric(name, unit, value);
      if (this.options.write) {
        const record = this.client.serializeMetrics();
        this.client.clearMetrics();
        this.client.clearDimensions();
        this.options.write(record);
      } else {
        this.client.publishStoredMetrics();
      }
    }
    this.groups.clear();
  }

  private record(name: string, unit: Unit, value: number, dimensions: Record<string, string>): void {
    const names = Object.keys(dimensions).sort();
    const key = names.map((d) => `${d}=${dimensions[d]}`).join('&');
    let group = this.groups.get(key);
    if (!group) {
      group = { dimensions: Object.fromEntries(names.map((d) => [d, dimensions[d]!])), values: [] };
      this.groups.set(key, group);
    }
    // One value per metric and group: a second add is summed, so a record stays small.
    const existing = group.values.find(([n]) => n === name);
    if (existing) existing[2] += value;
    else group.values.push([name, unit, value]);
  }
}
