/**
 * Publishing from AWS in the deployed stack: the exchange reaches the admin function (the
 * only one that may mint tokens), which needs no IAM permission for it (STS answers
 * GetCallerIdentity for the signer's credentials, not the function's) and reaches STS over
 * Lambda's own internet egress (it runs in no VPC). Nothing in its environment can point
 * it at another STS.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logicalId, synthWharf } from '../support/cdk-synth.ts';

const { stack, template } = synthWharf();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const admin = stack.index.functions.admin;

function actionsOf(roleId: string): string[] {
  const documents: { Statement: { Action: string | string[] }[] }[] = [...(resources[roleId]!.Properties['Policies'] ?? []).map((p: any) => p.PolicyDocument)];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    if ((policy.Properties.Roles ?? []).some((r: unknown) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) documents.push(policy.Properties.PolicyDocument);
  }
  return documents.flatMap((d) => d.Statement).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

describe('publishing from AWS in the stack', () => {
  test('GET and POST /_/aws/{proxy+} reach the admin function', () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    for (const key of ['GET /_/aws/{proxy+}', 'POST /_/aws/{proxy+}']) {
      const route = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).find((r) => r.Properties.RouteKey === key);
      assert.ok(route, `route ${key}`);
      const target = JSON.stringify(route.Properties.Target);
      const integrationId = Object.keys(integrations).find((k) => target.includes(k))!;
      assert.deepEqual(integrations[integrationId]!.Properties.IntegrationUri, { 'Fn::GetAtt': [logicalId(admin.function), 'Arn'] });
    }
  });

  test('the admin function holds no STS permission and runs in no VPC (Lambda egress reaches STS)', () => {
    const fn = resources[logicalId(admin.function)]!;
    assert.equal(fn.Properties['VpcConfig'], undefined, 'outside a VPC a function reaches sts.amazonaws.com without a NAT or endpoint');
    const actions = actionsOf(logicalId(admin.role));
    assert.ok(actions.length > 0);
    assert.deepEqual(actions.filter((a) => a.startsWith('sts:') || a === '*'), [], 'GetCallerIdentity needs no permission');
  });

  test('no variable of the admin function names an STS endpoint', () => {
    const variables = resources[logicalId(admin.function)]!.Properties['Environment']?.Variables ?? {};
    assert.deepEqual(Object.keys(variables).filter((k) => /STS/i.test(k) || /sts\./i.test(JSON.stringify(variables[k]))), []);
  });
});
