/**
 * The index's alarms, their topic and the dashboard (lib/monitoring.ts), as synthesized:
 * every alarm with its metric and threshold, no action without a topic, ALARM and OK
 * actions on every alarm (RotationFailed too) with one, the metrics' `service` dimension
 * on every function, and a cdk-nag run of the stack that makes a topic.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV } from '../../lambdas/config/environment.ts';
import { VERIFY_DEADLINE_SECONDS } from '../../lambdas/core/upload-session.ts';
import { PackageIndex } from '../../lib/package-index.ts';
import { CDK_CONTEXT, logicalId, synthWharf, TEST_ENVIRONMENT } from '../support/cdk-synth.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
interface AlarmMetric {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string; Period: number };
}

const defaults = synthWharf();
const withEmail = synthWharf({ index: { monitoring: { alarmEmail: 'ops@example.com', serverErrorRate: 0.1 }, upstream: { mode: 'cache' } } });

function resources(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

function alarmsOf(template: Template): Record<string, Resource> {
  return resources(template, 'AWS::CloudWatch::Alarm');
}

function alarmOf(synth: ReturnType<typeof synthWharf>, id: string): Resource {
  const alarm = synth.stack.index.monitoring.alarms[id];
  assert.ok(alarm, `no alarm ${id}; there are ${Object.keys(synth.stack.index.monitoring.alarms).join(', ')}`);
  return synth.template.toJSON().Resources[logicalId(alarm)] as Resource;
}

/** The metrics of a metric-math alarm, by id. */
function mathOf(alarm: Resource): Record<string, AlarmMetric> {
  const metrics = alarm.Properties['Metrics'] as AlarmMetric[] | undefined;
  assert.ok(metrics, 'a metric-math alarm');
  return Object.fromEntries(metrics.map((m) => [m.MetricStat ? m.MetricStat.Metric.MetricName : 'expression', m]));
}

/** The dashboard's body as CloudWatch reads it, each CloudFormation reference as `<LogicalId>`. */
function dashboardOf(template: Template): { widgets: { type: string; properties: { title?: string; alarms?: string[]; metrics?: unknown[][] } }[] } {
  const [dashboard] = Object.values(resources(template, 'AWS::CloudWatch::Dashboard'));
  const body = dashboard!.Properties['DashboardBody'] as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return `<${ref.Ref ?? ref['Fn::GetAtt']![0]}>`;
    })
    .join('');
  return JSON.parse(text);
}

/** Every SEARCH expression of the dashboard's graphs, with its label. */
function searchesOf(template: Template): { expression: string; label: string }[] {
  return dashboardOf(template).widgets.flatMap((w) =>
    (w.properties.metrics ?? []).flatMap((m) => m.filter((x): x is { expression: string; label: string } => typeof x === 'object' && x !== null && 'expression' in x)),
  );
}

const dims = (m: AlarmMetric | undefined) => Object.fromEntries((m?.MetricStat?.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));

describe('alarms with their defaults', () => {
  const { stack, template } = defaults;
  const index = stack.index;

  test('the 5xx rate of the API: API Gateway 5xx over Count, at least 20 requests, above 5% for two 5-minute periods', () => {
    const alarm = alarmOf(defaults, 'ApiServerErrorRate');
    const math = mathOf(alarm);
    assert.equal(math['expression']!.Expression, 'IF(requests >= 20, errors / requests, 0)');
    assert.equal(math['5xx']!.MetricStat!.Metric.Namespace, 'AWS/ApiGateway');
    assert.equal(math['Count']!.MetricStat!.Stat, 'Sum');
    assert.deepEqual(dims(math['5xx']), { ApiId: { Ref: logicalId(index.api) } });
    assert.equal(alarm.Properties['Threshold'], 0.05);
    assert.equal(alarm.Properties['ComparisonOperator'], 'GreaterThanThreshold');
    assert.equal(alarm.Properties['EvaluationPeriods'], 2);
    assert.equal(alarm.Properties['DatapointsToAlarm'], 2);
    assert.equal(alarm.Properties['TreatMissingData'], 'notBreaching');
  });

  test('errors and throttles of every function, one alarm each, on its own function', () => {
    const fns = { Read: index.functions.read, Write: index.functions.write, Admin: index.functions.admin, Verifier: index.verifier, Sweeper: index.sweeper.fn, Retention: index.retention.fn };
    for (const [label, fn] of Object.entries(fns)) {
      for (const [kind, metricName] of [['Errors', 'Errors'], ['Throttles', 'Throttles']] as const) {
        const alarm = alarmOf(defaults, `${label}Function${kind}`);
        assert.equal(alarm.Properties['Namespace'], 'AWS/Lambda');
        assert.equal(alarm.Properties['MetricName'], metricName);
        assert.deepEqual(alarm.Properties['Dimensions'], [{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }]);
        assert.equal(alarm.Properties['Statistic'], 'Sum');
        assert.equal(alarm.Properties['Period'], 300);
        assert.equal(alarm.Properties['Threshold'], 1);
        assert.equal(alarm.Properties['ComparisonOperator'], 'GreaterThanOrEqualToThreshold');
      }
    }
    assert.equal(index.upstreamCopier, undefined);
    assert.ok(!('UpstreamCopierFunctionErrors' in index.monitoring.alarms), 'no copier, no copier alarm');
  });

  test('DynamoDB throttles of both tables: read plus write throttle events', () => {
    for (const [label, table] of [['Metadata', index.table], ['Tokens', index.tokensTable]] as const) {
      const math = mathOf(alarmOf(defaults, `${label}Throttles`));
      assert.equal(math['expression']!.Expression, 'reads + writes');
      for (const name of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
        assert.equal(math[name]!.MetricStat!.Metric.Namespace, 'AWS/DynamoDB');
        assert.deepEqual(dims(math[name]), { TableName: { Ref: logicalId(table) } });
      }
    }
  });

  test('upstream unavailable (the default proxy mode): most fetches failed, at least 3 failures, for 10 minutes', () => {
    const alarm = alarmOf(defaults, 'UpstreamUnavailable');
    const math = mathOf(alarm);
    assert.equal(math['expression']!.Expression, 'IF(failures >= 3, failures / (failures + misses), 0)');
    for (const name of ['UpstreamFailures', 'UpstreamMisses']) {
      assert.equal(math[name]!.MetricStat!.Metric.Namespace, 'Wharf');
      assert.deepEqual(dims(math[name]), { service: 'Wharf' });
    }
    assert.equal(alarm.Properties['Threshold'], 0.5);
    assert.equal(alarm.Properties['EvaluationPeriods'], 2);
  });

  test('a stuck upload verifier: dropped events, failed verifications, or an event older than the verify deadline', () => {
    const math = mathOf(alarmOf(defaults, 'UploadVerifierStuck'));
    assert.equal(math['expression']!.Expression, `dropped + failed + IF(age > ${VERIFY_DEADLINE_SECONDS * 1000}, 1, 0)`);
    const verifier = { FunctionName: { Ref: logicalId(index.verifier.function) } };
    assert.deepEqual(dims(math['AsyncEventsDropped']), verifier);
    assert.deepEqual(dims(math['AsyncEventAge']), verifier);
    assert.equal(math['AsyncEventAge']!.MetricStat!.Stat, 'Maximum');
    assert.deepEqual(dims(math['VerifierOutcomes']), { service: 'Wharf', Outcome: 'failed' });
  });

  test('every alarm of the stack is one of these or RotationFailed; none notifies anyone without a topic', () => {
    const all = alarmsOf(template);
    const known = new Set([...Object.values(index.monitoring.alarms), index.downloadSigning.rotationAlarm].map(logicalId));
    assert.deepEqual(Object.keys(all).filter((id) => !known.has(id)), []);
    // Errors and throttles of read, write, admin, verifier, sweeper and retention; five others; RotationFailed.
    assert.equal(Object.keys(all).length, 6 * 2 + 5 + 1);
    for (const [id, alarm] of Object.entries(all)) {
      assert.equal(alarm.Properties['AlarmActions'], undefined, id);
      assert.equal(alarm.Properties['OKActions'], undefined, id);
      assert.ok(String(alarm.Properties['AlarmDescription']).length > 60, `${id} says what it means and what to do`);
    }
    assert.deepEqual(Object.keys(resources(template, 'AWS::SNS::Topic')), []);
  });

  test('every function carries the index name as its metrics\' service dimension', () => {
    const functions = resources(template, 'AWS::Lambda::Function');
    const wharf = Object.entries(functions).filter(([, f]) => JSON.stringify(f.Properties['Environment'] ?? {}).includes('WHARF_'));
    assert.ok(wharf.length >= 6);
    for (const [id, fn] of wharf) {
      const variables = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
      assert.equal(variables[ENV.metricsService], 'Wharf', id);
    }
  });
});

describe('the alarm topic', () => {
  test('alarmEmail: a topic that takes only TLS, the address subscribed, ALARM and OK actions on every alarm and RotationFailed', () => {
    const { stack, template } = withEmail;
    const topics = resources(template, 'AWS::SNS::Topic');
    assert.equal(Object.keys(topics).length, 1);
    const topicId = Object.keys(topics)[0]!;
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });
    const policy = Object.values(resources(template, 'AWS::SNS::TopicPolicy'))[0];
    assert.match(JSON.stringify(policy?.Properties['PolicyDocument']), /"aws:SecureTransport":"false"/);
    const all = alarmsOf(template);
    assert.ok(logicalId(stack.index.downloadSigning.rotationAlarm) in all);
    for (const [id, alarm] of Object.entries(all)) {
      assert.deepEqual(alarm.Properties['AlarmActions'], [{ Ref: topicId }], id);
      assert.deepEqual(alarm.Properties['OKActions'], [{ Ref: topicId }], id);
    }
  });

  test('cache mode adds the copier\'s alarms; serverErrorRate sets the 5xx threshold', () => {
    assert.ok(withEmail.stack.index.upstreamCopier);
    for (const id of ['UpstreamCopierFunctionErrors', 'UpstreamCopierFunctionThrottles', 'UpstreamUnavailable']) alarmOf(withEmail, id);
    assert.equal(alarmOf(withEmail, 'ApiServerErrorRate').Properties['Threshold'], 0.1);
  });

  test('alarmTopic: the given topic is notified and none is made; upstream none: no upstream alarm', () => {
    const app = new App({ context: CDK_CONTEXT });
    const stack = new Stack(app, 'Ops', { env: TEST_ENVIRONMENT });
    const topic = sns.Topic.fromTopicArn(stack, 'Pager', 'arn:aws:sns:eu-west-1:123456789012:pager');
    const index = new PackageIndex(stack, 'Index', { monitoring: { alarmTopic: topic }, upstream: { mode: 'none' } });
    const template = Template.fromStack(stack);
    assert.deepEqual(Object.keys(resources(template, 'AWS::SNS::Topic')), []);
    assert.ok(!('UpstreamUnavailable' in index.monitoring.alarms));
    for (const [id, alarm] of Object.entries(alarmsOf(template))) {
      assert.deepEqual(alarm.Properties['AlarmActions'], ['arn:aws:sns:eu-west-1:123456789012:pager'], id);
      assert.deepEqual(alarm.Properties['OKActions'], ['arn:aws:sns:eu-west-1:123456789012:pager'], id);
    }
    // The dashboard has no upstream widget either.
    assert.ok(!dashboardOf(template).widgets.some((w) => w.properties.title?.startsWith('Upstream')));
    const searches = searchesOf(template);
    assert.ok(searches.length >= 5 && searches.every((s) => s.expression.includes('service="Ops"')), 'the service dimension is the stack name');
  });

  test('bad monitoring props fail the synth with every problem named', () => {
    const stack = new Stack(new App({ context: CDK_CONTEXT }), 'Bad', { env: TEST_ENVIRONMENT });
    const topic = sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:eu-west-1:123456789012:t');
    assert.throws(
      () => new PackageIndex(stack, 'Index', { monitoring: { alarmTopic: topic, alarmEmail: 'not-an-address', serverErrorRate: 5 } }),
      (err: Error) =>
        /serverErrorRate must be a share above 0 and at most 1/.test(err.message) &&
        /alarmTopic or alarmEmail, not both/.test(err.message) &&
        /alarmEmail must be an email address, not "not-an-address"/.test(err.message),
    );
  });

  test('cdk-nag AwsSolutions: the stack with a topic has no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(withEmail.app);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    assert.deepEqual(findings, []);
  });
});

describe('the dashboard', () => {
  const { stack, template } = defaults;

  test('one dashboard: the alarms, the API, the EMF metrics by their dimensions, the functions and the tables', () => {
    assert.equal(Object.keys(resources(template, 'AWS::CloudWatch::Dashboard')).length, 1);
    const { widgets } = dashboardOf(template);
    const titles = widgets.map((w) => w.properties.title ?? '');
    for (const title of [
      'Alarms',
      'API requests and 5xx',
      'Requests by route and status class',
      'Pages served, downloads redirected',
      'Uploads (left), bytes published (right)',
      'Refusals and auth failures by reason',
      'Upload verifier: outcomes',
      'Upstream: hits, misses, failures',
      'Cold starts by function',
      'Function errors and throttles',
      'DynamoDB: consumed capacity',
    ]) {
      assert.ok(titles.some((t) => t.startsWith(title)), `a widget "${title}"`);
    }
    assert.deepEqual(
      searchesOf(template).map((s) => [s.expression, s.label]).sort(),
      [
        [`SEARCH('{Wharf,service,function_name} MetricName="ColdStart" service="Wharf"', 'Sum', 300)`, "ColdStart ${PROP('Dim.function_name')}"],
        [`SEARCH('{Wharf,service,Outcome} MetricName="VerifierOutcomes" service="Wharf"', 'Sum', 300)`, "VerifierOutcomes ${PROP('Dim.Outcome')}"],
        [`SEARCH('{Wharf,service,Reason} MetricName="AuthFailures" service="Wharf"', 'Sum', 300)`, "AuthFailures ${PROP('Dim.Reason')}"],
        [`SEARCH('{Wharf,service,Reason} MetricName="Refusals" service="Wharf"', 'Sum', 300)`, "Refusals ${PROP('Dim.Reason')}"],
        [`SEARCH('{Wharf,service,Route,StatusClass} MetricName="Requests" service="Wharf"', 'Sum', 300)`, "Requests ${PROP('Dim.Route')} ${PROP('Dim.StatusClass')}"],
      ].sort(),
    );
    // The alarm widget lists every alarm, RotationFailed included.
    const alarmWidget = widgets.find((w) => w.type === 'alarm');
    assert.deepEqual(
      [...(alarmWidget?.properties.alarms ?? [])].sort(),
      [...Object.values(stack.index.monitoring.alarms), stack.index.downloadSigning.rotationAlarm].map((a) => `<${logicalId(a)}>`).sort(),
    );
  });

  test('its URL is a stack output', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.match(JSON.stringify(outputs['DashboardUrl']?.Value), /console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#dashboards\/dashboard\//);
  });
});
