/**
 * How an index tells its operators it is unwell: alarms with defaults that need no tuning
 * to be useful, an optional SNS topic they notify (on ALARM and back to OK), and one
 * CloudWatch dashboard. The custom metrics are the functions' EMF
 * (lambdas/config/metrics.ts); the rest are the services' own (API Gateway, Lambda, DynamoDB).
 *
 * Plain aws-cloudwatch rather than cdk-monitoring-constructs: the alarms that matter here
 * are on Wharf's own metrics with its own dimensions and on metric math (a 5xx rate, a
 * failure share, a verifier that is stuck), which that library would take as custom
 * metrics anyway; what it adds (its own alarm naming, a summary and an alarm dashboard per
 * facade, widgets for every metric of a function) is more than one page for one index needs.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { COLD_START_METRIC, METRICS_NAMESPACE, type MetricName } from '../lambdas/config/metrics.ts';
import { VERIFY_DEADLINE_SECONDS } from '../lambdas/core/upload-session.ts';
import type { WharfFunction } from './wharf-function.ts';

export interface MonitoringProps {
  /**
   * The topic every alarm notifies, when it goes off and when it is back to OK (email, chat,
   * paging: subscribe what you use). Not together with `alarmEmail`.
   * @default - the topic made for `alarmEmail`; without either, alarms notify nobody and show
   *   in the CloudWatch console and on the dashboard only
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * An address to subscribe to a topic made for the alarms (AWS mails it a confirmation
   * link first). Not together with `alarmTopic`.
   * @default - none
   */
  readonly alarmEmail?: string;
  /**
   * The share of API requests answered 5xx, over two 5-minute periods in a row, at which the
   * server-error alarm goes off (0 to 1).
   * @default 0.05
   */
  readonly serverErrorRate?: number;
}

export interface IndexMonitoringProps extends MonitoringProps {
  /** The `service` dimension the functions' metrics carry (WHARF_METRICS_SERVICE). */
  readonly service: string;
  readonly api: HttpApi;
  /** The functions, by the name their alarms and widgets carry. */
  readonly functions: Readonly<Record<string, WharfFunction>>;
  readonly verifier: WharfFunction;
  readonly tables: Readonly<Record<string, ITable>>;
  /** Whether the read function proxies or caches an upstream (its alarm and widgets). */
  readonly upstream: boolean;
  /** Alarms made elsewhere that notify the same topic (the signing key's RotationFailed). */
  readonly otherAlarms?: readonly cloudwatch.IAlarm[];
}

const FIVE_MINUTES = Duration.minutes(5);
/** Fewer requests than this in 5 minutes say nothing about a rate. */
const MIN_REQUESTS_FOR_RATE = 20;
/** Fewer upstream failures than this in 5 minutes are a blip, not an outage. */
const MIN_UPSTREAM_FAILURES = 3;

export class IndexMonitoring extends Construct {
  /** The topic the alarms notify, if any. */
  public readonly alarmTopic?: sns.ITopic;
  /** Every alarm made here, by id. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  public readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard in the CloudWatch console. */
  public readonly dashboardUrl: string;

  private readonly service: string;

  constructor(scope: Construct, id: string, props: IndexMonitoringProps) {
    super(scope, id);
    this.service = props.service;
    checkMonitoringProps(props);
    const rate = props.serverErrorRate ?? 0.05;
    if (props.alarmTopic) {
      this.alarmTopic = props.alarmTopic;
    } else if (props.alarmEmail !== undefined) {
      const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Wharf alarms', enforceSSL: true });
      topic.addSubscription(new EmailSubscription(props.alarmEmail));
      this.alarmTopic = topic;
    }

    const alarms: Record<string, cloudwatch.Alarm> = {};
    const alarm = (alarmId: string, options: cloudwatch.AlarmProps): cloudwatch.Alarm => {
      const made = new cloudwatch.Alarm(this, alarmId, {
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      alarms[alarmId] = made;
      return made;
    };

    // The API: a 5xx rate, from API Gateway's own counts, so a function that never answered
    // (a timeout, a crash) counts too.
    const requests = props.api.metricCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    const serverErrors = props.api.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    alarm('ApiServerErrorRate', {
      alarmDescription:
        `More than ${rate * 100}% of API requests were answered 5xx for 10 minutes. ` +
        'Read the function logs (errors are logged as "Unhandled error") and the functions\' Errors alarms; see README "Operate".',
      metric: new cloudwatch.MathExpression({
        expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, errors / requests, 0)`,
        usingMetrics: { requests, errors: serverErrors },
        period: FIVE_MINUTES,
        label: '5xx share of API requests',
      }),
      threshold: rate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });

    // Every function: errors (Wharf turns its own failures into responses, so a Lambda error
    // is a crash or a timeout) and throttles (the account's concurrency is used up).
    const everyFunction = { ...props.functions, verifier: props.verifier };
    for (const [name, fn] of Object.entries(everyFunction)) {
      const label = pascal(name);
      alarm(`${label}FunctionErrors`, {
        alarmDescription: `The ${name} function failed (crashed or timed out). Read its log group for the error; see README "Operate".`,
        metric: fn.function.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`${label}FunctionThrottles`, {
        alarmDescription: `The ${name} function was throttled: the account's or the function's concurrency is used up. Raise the Lambda concurrency quota or find what floods it.`,
        metric: fn.function.metricThrottles({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // DynamoDB: on-demand tables throttle only past their partitions' limits or the account's.
    for (const [name, table] of Object.entries(props.tables)) {
      alarm(`${pascal(name)}Throttles`, {
        alarmDescription: `DynamoDB throttled reads or writes of the ${name} table. The SDK retries, but requests slow down or fail; see README "Operate".`,
        metric: new cloudwatch.MathExpression({
          expression: 'reads + writes',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
            writes: table.metric('WriteThrottleEvents', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
          },
          period: FIVE_MINUTES,
          label: `${name} throttle events`,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    if (props.upstream) {
      const failures = this.metric('UpstreamFailures');
      alarm('UpstreamUnavailable', {
        alarmDescription:
          `Most upstream requests failed for 10 minutes (at least ${MIN_UPSTREAM_FAILURES} in each 5): projects not hosted here install only from kept pages and copies. ` +
          'Check the upstream\'s status page and the read function\'s "upstream" log lines; see README "Operate".',
        metric: new cloudwatch.MathExpression({
          expression: `IF(failures >= ${MIN_UPSTREAM_FAILURES}, failures / (failures + misses), 0)`,
          usingMetrics: { failures, misses: this.metric('UpstreamMisses') },
          period: FIVE_MINUTES,
          label: 'failed share of upstream fetches',
        }),
        threshold: 0.5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
      });
    }

    // The verifier is invoked asynchronously: a session is stuck when its event waits past the
    // verify deadline (after which the session reads as failed), is dropped, or fails on our side.
    const verifier = props.verifier.function;
    alarm('UploadVerifierStuck', {
      alarmDescription:
        `Upload sessions are not being verified: an invocation waited longer than the ${VERIFY_DEADLINE_SECONDS / 60}-minute verify deadline, was dropped, ` +
        'or failed on our side. Their publishers see "failed" and must publish again; read the verifier\'s log; see README "Operate".',
      metric: new cloudwatch.MathExpression({
        expression: `dropped + failed + IF(age > ${VERIFY_DEADLINE_SECONDS * 1000}, 1, 0)`,
        usingMetrics: {
          dropped: verifier.metric('AsyncEventsDropped', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
          failed: this.metric('VerifierOutcomes', { Outcome: 'failed' }),
          age: verifier.metric('AsyncEventAge', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM }),
        },
        period: FIVE_MINUTES,
        label: 'stuck verifications',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.alarms = alarms;

    if (this.alarmTopic) {
      const action = new SnsAction(this.alarmTopic);
      for (const a of [...Object.values(alarms), ...(props.otherAlarms ?? [])]) {
        if (!(a instanceof cloudwatch.Alarm)) continue;
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
    }

    this.dashboard = this.makeDashboard(props, everyFunction, requests, serverErrors, [...Object.values(alarms), ...(props.otherAlarms ?? [])]);
    const region = Stack.of(this).region;
    this.dashboardUrl = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }

  /** One of the functions' EMF metrics (Sum over 5 minutes) of this index. */
  metric(name: MetricName | typeof COLD_START_METRIC, dimensions: Record<string, string> = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: this.service, ...dimensions },
      period: FIVE_MINUTES,
      statistic: cloudwatch.Stats.SUM,
    });
  }

  /** Every series of a metric with one more dimension than `service`, one line each. */
  private search(name: MetricName | typeof COLD_START_METRIC, dimensions: readonly string[]): cloudwatch.MathExpression {
    const schema = [METRICS_NAMESPACE, 'service', ...dimensions].join(',');
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${schema}} MetricName="${name}" service="${this.service}"', 'Sum', 300)`,
      usingMetrics: {},
      period: FIVE_MINUTES,
      // Each series named by its dimension values (CloudWatch's dynamic labels).
      label: [name, ...dimensions.map((d) => `\${PROP('Dim.${d}')}`)].join(' '),
    });
  }

  private makeDashboard(
    props: IndexMonitoringProps,
    functions: Readonly<Record<string, WharfFunction>>,
    requests: cloudwatch.IMetric,
    serverErrors: cloudwatch.IMetric,
    alarms: readonly cloudwatch.IAlarm[],
  ): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = [], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, right, width, height: 6 });
    const fnMetrics = (pick: (fn: WharfFunction) => cloudwatch.IMetric) => Object.values(functions).map(pick);
    const sum = { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM };

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms (README "Operate" says what each means)', alarms: [...alarms], width: 24, height: 4 }),
    );
    dashboard.addWidgets(
      graph('API requests and 5xx', [requests], [serverErrors, props.api.metricClientError(sum)]),
      graph('Requests by route and status class', [this.search('Requests', ['Route', 'StatusClass'])]),
      graph('API latency (p50, p99)', [
        props.api.metricLatency({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(50) }),
        props.api.metricLatency({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }),
      ]),
    );
    dashboard.addWidgets(
      graph('Pages served, downloads redirected', [this.metric('PagesServed'), this.metric('DownloadsRedirected')]),
      graph('Uploads (left), bytes published (right)', [this.metric('Uploads')], [this.metric('BytesPublished')]),
      graph('Refusals and auth failures by reason', [this.search('Refusals', ['Reason']), this.search('AuthFailures', ['Reason'])]),
    );
    dashboard.addWidgets(
      graph('Upload verifier: outcomes, oldest waiting event (right)', [this.search('VerifierOutcomes', ['Outcome'])], [
        props.verifier.function.metric('AsyncEventAge', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM }),
      ]),
      ...(props.upstream ? [graph('Upstream: hits, misses, failures', [this.metric('UpstreamHits'), this.metric('UpstreamMisses'), this.metric('UpstreamFailures')])] : []),
      graph('Cold starts by function', [this.search(COLD_START_METRIC, ['function_name'])]),
    );
    dashboard.addWidgets(
      graph('Function errors and throttles', fnMetrics((fn) => fn.function.metricErrors(sum)), fnMetrics((fn) => fn.function.metricThrottles(sum))),
      graph('Function duration (p99)', fnMetrics((fn) => fn.function.metricDuration({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.p(99) }))),
      graph(
        'DynamoDB: consumed capacity (left), throttle events (right)',
        Object.values(props.tables).flatMap((t) => [t.metricConsumedReadCapacityUnits(sum), t.metricConsumedWriteCapacityUnits(sum)]),
        Object.values(props.tables).flatMap((t) => [t.metric('ReadThrottleEvents', sum), t.metric('WriteThrottleEvents', sum)]),
      ),
    );
    return dashboard;
  }
}

/** Every bad monitoring prop in one error (PackageIndex checks them before it builds anything). */
export function checkMonitoringProps(props: MonitoringProps = {}): void {
  const problems: string[] = [];
  const rate = props.serverErrorRate;
  if (rate !== undefined && !(rate > 0 && rate <= 1)) problems.push(`serverErrorRate must be a share above 0 and at most 1 (0.05 is 5%), not ${rate}`);
  if (props.alarmTopic && props.alarmEmail !== undefined) problems.push('give alarmTopic or alarmEmail, not both (subscribe the address to your own topic instead)');
  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) problems.push(`alarmEmail must be an email address, not "${props.alarmEmail}"`);
  if (problems.length > 0) throw new Error(`monitoring: ${problems.join('; ')}.`);
}

function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
