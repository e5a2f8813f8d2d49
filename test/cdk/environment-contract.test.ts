/**
 * The construct and the functions cannot drift apart: for every function of the
 * synthesized stack, the loader that function's handler runs at start-up
 * (lambdas/config/function-environments.ts) accepts the environment the template gives it,
 * and every variable the template sets is one the environment contract names.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CDK_CONTEXT } from '../support/cdk-synth.ts';

import { ENVIRONMENT_NAMES } from '../../lambdas/config/environment.ts';
import { FUNCTION_ENVIRONMENTS, type FunctionEnvironmentName } from '../../lambdas/config/function-environments.ts';
import { WharfStack, type WharfStackProps } from '../../lib/wharf-stack.ts';


/** A deployed value for each CloudFormation reference: what matters is that it is set. */
function resolved(value: unknown): string {
  return typeof value === 'string' ? value : 'resolved-by-cloudformation';
}

function environmentOf(template: Template, construct: IConstruct): Record<string, string> {
  const id = Stack.of(construct).getLogicalId(construct.node.defaultChild as never);
  const resource = template.toJSON().Resources[id] as { Properties: { Environment?: { Variables?: Record<string, unknown> } } };
  const variables = resource.Properties.Environment?.Variables ?? {};
  // The Lambda runtime adds AWS_REGION itself.
  return { AWS_REGION: 'eu-west-1', ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolved(v)])) };
}

function check(props: WharfStackProps): string[] {
  const app = new App({ context: CDK_CONTEXT });
  const stack = new WharfStack(app, 'Wharf', { env: { account: '123456789012', region: 'eu-west-1' }, ...props });
  const template = Template.fromStack(stack);
  const index = stack.index;
  const functions: [FunctionEnvironmentName, IConstruct][] = [
    ['read', index.functions.read.function],
    ['write', index.functions.write.function],
    ['admin', index.functions.admin.function],
    ['verifier', index.verifier.function],
    ['sweeper', index.sweeper.fn.function],
    ['retention', index.retention.fn.function],
    ['signingKeyRotation', index.downloadSigning.rotationFunction.function],
    ...(index.upstreamCopier ? [['upstreamCopier', index.upstreamCopier.function] as [FunctionEnvironmentName, IConstruct]] : []),
  ];
  const checked: string[] = [];
  for (const [name, construct] of functions) {
    const env = environmentOf(template, construct);
    assert.doesNotThrow(() => FUNCTION_ENVIRONMENTS[name](env), `${name} starts with the environment the template gives it`);
    const unknown = Object.keys(env).filter((k) => k !== 'AWS_REGION' && !k.startsWith('AWS_') && !ENVIRONMENT_NAMES.includes(k) && k !== 'NODE_OPTIONS');
    assert.deepEqual(unknown, [], `${name}: variables the contract does not name`);
    checked.push(name);
  }
  return checked;
}

describe('the environment contract', () => {
  test('every function of the default stack loads its configuration from the template', () => {
    assert.deepEqual(check({}), ['read', 'write', 'admin', 'verifier', 'sweeper', 'retention', 'signingKeyRotation']);
  });

  test('and in cache mode with trusted publishing, the copier too', () => {
    const checked = check({ index: { upstream: { mode: 'cache' }, trustedPublishing: { audience: 'wharf-test' } } });
    assert.deepEqual(checked, ['read', 'write', 'admin', 'verifier', 'sweeper', 'retention', 'signingKeyRotation', 'upstreamCopier']);
  });

  test('a loader refuses what a function cannot start without (so the checks above can fail)', () => {
    assert.throws(() => FUNCTION_ENVIRONMENTS.write({ WHARF_TABLE_NAME: 't', WHARF_BUCKET_NAME: 'b', WHARF_TOKENS_TABLE_NAME: 'k' }), /WHARF_VERIFIER_FUNCTION_NAME is not set/);
    assert.throws(() => FUNCTION_ENVIRONMENTS.upstreamCopier({}), /WHARF_BUCKET_NAME is not set/);
  });
});
