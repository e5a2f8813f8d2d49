/**
 * The metrics of a Lambda function: Powertools EMF on stdout, under the index's name
 * (`WHARF_METRICS_SERVICE`, set by the stack), its cold starts by the function's role.
 */
import { PowertoolsMetrics } from '../adapters/powertools-metrics.ts';
import { metricsService } from '../config/metrics.ts';

export function lambdaMetrics(functionName: string): PowertoolsMetrics {
  return new PowertoolsMetrics({ service: metricsService(process.env), functionName });
}
