#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 * cdk-nag's AWS Solutions rules run as a validation plugin, so any unacknowledged
 * finding fails the synth with its report.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WharfStack } from '../lib/wharf-stack.ts';

const app = new App();
const stackName = app.node.tryGetContext('stackName') ?? 'Wharf';
if (typeof stackName !== 'string' || !/^[A-Za-z][A-Za-z0-9-]*$/.test(stackName)) {
  throw new Error(`Context "stackName" must be a CloudFormation stack name, got ${JSON.stringify(stackName)}`);
}

new WharfStack(app, stackName, {
  // Account and region come from the CLI's credentials at deploy time.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
