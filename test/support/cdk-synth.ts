/**
 * The stack as `cdk synth` builds it, for the CDK assertion tests: the same feature flags
 * (cdk.json's context), one account and region, and the logical id of a construct.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { WharfStack, type WharfStackProps } from '../../lib/wharf-stack.ts';

/** cdk.json's context: the feature flags a real synth runs with. */
export const CDK_CONTEXT = (JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

export const TEST_ENVIRONMENT = { account: '123456789012', region: 'eu-west-1' };

export function synthWharf(props: WharfStackProps = {}): { app: App; stack: WharfStack; template: Template } {
  const app = new App({ context: CDK_CONTEXT });
  const stack = new WharfStack(app, 'Wharf', { env: TEST_ENVIRONMENT, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The CloudFormation logical id of a construct's resource. */
export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  assert.ok(resource instanceof CfnResource, `${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).resolve(resource.logicalId) as string;
}
