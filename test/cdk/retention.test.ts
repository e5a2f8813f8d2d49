/**
 * The retention function in the synthesized stack: started by a daily schedule, no route,
 * a role that may do the tombstoned delete on the table and remove objects under files/
 * only, its bound in its environment, and a clean cdk-nag run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV } from '../../lambdas/config/environment.ts';
import { FUNCTION_ENVIRONMENTS } from '../../lambdas/config/function-environments.ts';
import { logicalId as id, synthWharf as synth } from '../support/cdk-synth.ts';

const { app, stack, template } = synth();
const retention = stack.index.retention;

function statements(roleId: string): { Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => ((p.Properties.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('retention function', () => {
  test('a daily schedule invokes it, without retries, and nothing routes to it', () => {
    const rule = template.toJSON().Resources[id(retention.rule)];
    assert.equal(rule.Properties.ScheduleExpression, 'cron(17 3 * * ? *)');
    assert.equal(rule.Properties.State, 'ENABLED');
    assert.deepEqual(rule.Properties.Targets[0].Arn, { 'Fn::GetAtt': [id(retention.fn.function), 'Arn'] });
    assert.equal(rule.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts, 0);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [id(retention.fn.function), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [id(retention.rule), 'Arn'] },
    });
    const integrations = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Integration'));
    assert.ok(!integrations.includes(id(retention.fn.function)), 'the retention function has no route');
  });

  test('15 minutes, the table, the bucket and the per-run bound in its environment, no tokens table', () => {
    const fn = template.toJSON().Resources[id(retention.fn.function)];
    assert.equal(fn.Properties.Timeout, 900);
    assert.equal(fn.Properties.Runtime, 'nodejs22.x');
    assert.deepEqual(fn.Properties.Architectures, ['arm64']);
    const variables = fn.Properties.Environment.Variables;
    assert.deepEqual(variables[ENV.tableName], { Ref: id(stack.index.table) });
    assert.deepEqual(variables[ENV.bucketName], { Ref: id(stack.index.bucket) });
    assert.equal(variables[ENV.retentionMaxReleases], '2000');
    assert.equal(variables[ENV.tokensTableName], undefined);
    const loaded = FUNCTION_ENVIRONMENTS.retention({ ...variables, [ENV.tableName]: 't', [ENV.bucketName]: 'b' });
    assert.equal(loaded.retention.maxReleasesPerRun, 2000);
  });

  test('least privilege: the tombstoned delete on the table (no Scan, no BatchWrite), DeleteObject on files/* only', () => {
    const data = statements(id(retention.fn.role)).filter((s) => !JSON.stringify(s.Action).includes('logs:') && !JSON.stringify(s.Action).includes('xray:'));
    const byResource = data.map((s) => ({ actions: [s.Action].flat().sort(), resource: s.Resource, condition: s.Condition }));
    assert.deepEqual(byResource, [
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        resource: { 'Fn::GetAtt': [id(stack.index.table), 'Arn'] },
        condition: undefined,
      },
      { actions: ['s3:DeleteObject'], resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(stack.index.bucket), 'Arn'] }, '/files/*']] }, condition: undefined },
    ]);
  });

  test('the schedule, the bound and whether it runs are props; a bad bound is refused at synth and at start-up', () => {
    const custom = synth({ index: { retention: { schedule: Schedule.cron({ hour: '1', minute: '0', weekDay: 'SUN' }), maxReleasesPerRun: 50, enabled: false } } });
    const resources = custom.template.toJSON().Resources;
    const rule = resources[id(custom.stack.index.retention.rule)];
    assert.equal(rule.Properties.ScheduleExpression, 'cron(0 1 ? * SUN *)');
    assert.equal(rule.Properties.State, 'DISABLED');
    assert.equal(resources[id(custom.stack.index.retention.fn.function)].Properties.Environment.Variables[ENV.retentionMaxReleases], '50');
    assert.throws(() => synth({ index: { retention: { maxReleasesPerRun: 0 } } }), /retention.maxReleasesPerRun must be a whole number from 1 to 20000/);
    assert.throws(() => FUNCTION_ENVIRONMENTS.retention({ [ENV.tableName]: 't', [ENV.bucketName]: 'b', [ENV.retentionMaxReleases]: '99999' }), /WHARF_RETENTION_MAX_RELEASES must be a whole number from 1 to 20000/);
  });

  test('cdk-nag finds nothing unacknowledged on the retention resources', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
    const findings = report.violations
      .filter((v) => v.violatingResources.some((r) => r.constructPath?.includes('/Retention/')))
      .map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    assert.deepEqual(findings, []);
  });
});
