/**
 * Upload sessions in the synthesized stack: the status/cancel routes reach the write
 * function, the verifier exists with least privilege, the write role may invoke it (and
 * only it), the staging prefix has its lifecycle rule, and the new props are validated.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { VERIFY_DEADLINE_SECONDS } from '../../lambdas/core/upload-session.ts';
import { ENV } from '../../lambdas/config/environment.ts';
import { logicalId, synthWharf } from '../support/cdk-synth.ts';

const synth = synthWharf;

const { stack, template } = synth();
const id = logicalId;

function statementsOf(roleId: string): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => ((p.Properties.Roles ?? []) as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function actionsOn(roleId: string, suffix: string): string[] {
  const bucketArn = { 'Fn::GetAtt': [id(stack.index.bucket), 'Arn'] };
  return statementsOf(roleId)
    .filter((s) =>
      (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ 'Fn::Join': ['', [bucketArn, suffix]] }),
      ),
    )
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}

describe('upload sessions in the stack', () => {
  test('GET and DELETE /upload/{proxy+} reach the write function, not the read function', () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    for (const key of ['GET /upload/{proxy+}', 'DELETE /upload/{proxy+}']) {
      const route = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find((r) => r.Properties.RouteKey === key);
      assert.ok(route, `route ${key}`);
      const target = JSON.stringify(route.Properties.Target);
      const integrationId = Object.keys(integrations).find((k) => target.includes(k))!;
      const uri = JSON.stringify(integrations[integrationId]!.Properties.IntegrationUri);
      assert.ok(uri.includes(id(stack.index.functions.write.function)), `${key} goes to the write function`);
    }
  });

  test('the staging prefix: incomplete multipart uploads aborted after 1 day, leftovers expire after 2', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-upload-staging', Prefix: 'uploads/', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, ExpirationInDays: 2 }),
        ]),
      },
    });
  });

  test('the verifier: 15 minutes, its own role, staging read/delete only, files write, no tokens table', () => {
    const verifier = template.toJSON().Resources[id(stack.index.verifier.function)];
    assert.equal(verifier.Properties.Timeout, 900);
    assert.equal(verifier.Properties.MemorySize, 1769);
    assert.equal(verifier.Properties.Environment.Variables[ENV.tokensTableName], undefined);
    const role = id(stack.index.verifier.role);
    assert.deepEqual(actionsOn(role, '/uploads/*'), ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject']);
    assert.ok(actionsOn(role, '/files/*').includes('s3:PutObject'));
    const routes = JSON.stringify(template.findResources('AWS::ApiGatewayV2::Integration'));
    assert.ok(!routes.includes(id(stack.index.verifier.function)), 'the verifier has no route');
  });

  test('the verifier starts within 15 minutes or never, so a session left verifying can be declared failed', () => {
    // With the 15-minute timeout, no verifier runs past 30 minutes after completion: the
    // server's VERIFY_DEADLINE_SECONDS must leave room for both.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(stack.index.verifier.function) },
      MaximumEventAgeInSeconds: 900,
      MaximumRetryAttempts: 2,
    });
    assert.ok(VERIFY_DEADLINE_SECONDS >= 900 + 900 + 60);
  });

  test('the write function may presign and complete under uploads/ and invoke the verifier, by name in its environment', () => {
    const role = id(stack.index.functions.write.role);
    assert.deepEqual(actionsOn(role, '/uploads/*'), ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    const invoke = statementsOf(role).filter((s) => JSON.stringify(s.Action) === '"lambda:InvokeFunction"');
    assert.deepEqual(invoke.map((s) => s.Resource), [{ 'Fn::GetAtt': [id(stack.index.verifier.function), 'Arn'] }]);
    const write = template.toJSON().Resources[id(stack.index.functions.write.function)];
    assert.deepEqual(write.Properties.Environment.Variables[ENV.verifierFunctionName], { Ref: id(stack.index.verifier.function) });
    for (const name of ['read', 'admin'] as const) {
      const other = id(stack.index.functions[name].role);
      assert.deepEqual(actionsOn(other, '/uploads/*'), [], `${name} has nothing on uploads/`);
      assert.ok(!statementsOf(other).some((s) => JSON.stringify(s.Action).includes('lambda:')));
    }
  });

  test('maxSessionBytes and sessionLifetime reach the functions and are validated', () => {
    const custom = synth({ index: { maxSessionBytes: 1024 ** 3, sessionLifetime: Duration.hours(2) } });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.maxSessionBytes]: String(1024 ** 3), [ENV.sessionLifetimeSeconds]: '7200' }) },
    });
    assert.throws(() => synth({ index: { maxSessionBytes: 6 * 1024 ** 3 } }), /maxSessionBytes must be a whole number from 1 to 5368709120/);
    assert.throws(() => synth({ index: { sessionLifetime: Duration.days(3) } }), /sessionLifetime must be from 1 minute to 1 day/);
  });
});
