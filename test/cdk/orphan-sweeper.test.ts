/**
 * The orphan sweeper in the synthesized stack: started by a schedule, no route, a role that
 * may Query the table and list, look at and remove object versions under files/ only, and
 * the grace period in its environment.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { ENV } from '../../lambdas/config/environment.ts';
import { logicalId, synthWharf } from '../support/cdk-synth.ts';
import { FUNCTION_ENVIRONMENTS } from '../../lambdas/config/function-environments.ts';

const synth = synthWharf;

const { stack, template } = synth();
const id = logicalId;
const sweeper = stack.index.sweeper;

function statements(roleId: string): { Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => ((p.Properties.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('orphan sweeper', () => {
  test('a daily schedule invokes the sweeper, and nothing routes to it', () => {
    const rule = template.toJSON().Resources[id(sweeper.rule)];
    assert.equal(rule.Properties.ScheduleExpression, 'rate(1 day)');
    assert.equal(rule.Properties.State, 'ENABLED');
    assert.deepEqual(rule.Properties.Targets[0].Arn, { 'Fn::GetAtt': [id(sweeper.fn.function), 'Arn'] });
    assert.equal(rule.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts, 0);
    const integrations = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Integration'));
    assert.ok(!integrations.includes(id(sweeper.fn.function)), 'the sweeper has no route');
  });

  test('15 minutes, table and bucket names and a one-day grace in its environment, no tokens table', () => {
    const fn = template.toJSON().Resources[id(sweeper.fn.function)];
    assert.equal(fn.Properties.Timeout, 900);
    const variables = fn.Properties.Environment.Variables;
    assert.deepEqual(variables[ENV.tableName], { Ref: id(stack.index.table) });
    assert.deepEqual(variables[ENV.bucketName], { Ref: id(stack.index.bucket) });
    assert.equal(variables[ENV.orphanGraceSeconds], '86400');
    assert.equal(variables[ENV.tokensTableName], undefined);
    // The function's own loader accepts what the template gives it.
    const loaded = FUNCTION_ENVIRONMENTS.sweeper({ ...variables, [ENV.tableName]: 't', [ENV.bucketName]: 'b' });
    assert.equal(loaded.sweeper.graceSeconds, 86400);
  });

  test('least privilege: Query on the table; GetObject and DeleteObjectVersion on files/*; ListBucket under files/ only', () => {
    const bucketArn = { 'Fn::GetAtt': [id(stack.index.bucket), 'Arn'] };
    const data = statements(id(sweeper.fn.role)).filter((s) => !JSON.stringify(s.Action).includes('logs:') && !JSON.stringify(s.Action).includes('xray:'));
    const byResource = data.map((s) => ({ actions: [s.Action].flat().sort(), resource: s.Resource, condition: s.Condition }));
    assert.deepEqual(byResource, [
      { actions: ['dynamodb:Query'], resource: { 'Fn::GetAtt': [id(stack.index.table), 'Arn'] }, condition: undefined },
      { actions: ['s3:DeleteObjectVersion', 's3:GetObject'], resource: { 'Fn::Join': ['', [bucketArn, '/files/*']] }, condition: undefined },
      { actions: ['s3:ListBucket'], resource: bucketArn, condition: { StringLike: { 's3:prefix': ['files/*'] } } },
    ]);
  });

  test('the grace period is a prop, and less than an hour is refused', () => {
    const custom = synth({ index: { orphanGracePeriod: Duration.hours(6) } });
    const fn = custom.template.toJSON().Resources[id(custom.stack.index.sweeper.fn.function)];
    assert.equal(fn.Properties.Environment.Variables[ENV.orphanGraceSeconds], '21600');
    assert.throws(() => synth({ index: { orphanGracePeriod: Duration.minutes(10) } }), /at least 3600/);
    assert.throws(() => FUNCTION_ENVIRONMENTS.sweeper({ [ENV.tableName]: 't', [ENV.bucketName]: 'b', [ENV.orphanGraceSeconds]: '60' }), /WHARF_ORPHAN_GRACE_SECONDS must be .* at least 3600/);
  });
});
