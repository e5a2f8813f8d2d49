/**
 * Lambda entry of the admin function: the `/api/` routes (tokens, trusted publishers) and
 * the trusted-publishing exchanges under `/_/oidc/` and `/_/aws/`. Of all functions only
 * this one may write the tokens table; of the packages it may only see whether a project
 * exists.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbProjectLookup } from '../adapters/dynamodb-project-lookup.ts';
import { DynamoDbPublisherStore } from '../adapters/dynamodb-publisher-store.ts';
import { awsRegion } from '../config/environment.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { createAdminFunction } from './admin-function.ts';
import { adminEnvironment } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { config, oidc, tableName } = adminEnvironment(process.env);
const dynamodb = lambdaDynamoDb(process.env);

export const handler = createAdminFunction({
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  publishers: new DynamoDbPublisherStore(dynamodb, config.tokensTableName),
  projects: new DynamoDbProjectLookup(dynamodb, tableName),
  config,
  oidc,
  // The global STS endpoint, and the regional one of the region the index runs in.
  aws: {
    publishers: async () => new (await import('../adapters/dynamodb-aws-publisher-store.ts')).DynamoDbAwsPublisherStore(dynamodb, config.tokensTableName),
    stsRegions: [awsRegion(process.env)],
  },
  logger: new Logger({ serviceName: 'wharf-admin' }),
  metrics: lambdaMetrics('admin'),
});
