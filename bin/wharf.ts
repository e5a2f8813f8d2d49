#!/usr/bin/env node
/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file with tsx).
 * Options come from the context (`-c domain=pypi.example.com`, ...; lib/wharf-app.ts lists
 * them). cdk-nag's AWS Solutions rules run as a validation plugin, so any unacknowledged
 * finding fails the synth with its report.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { wharfStacks } from '../lib/wharf-app.ts';

const app = new App();
// Account and region come from the CLI's credentials at deploy time.
wharfStacks(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });

Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
