/**
 * Lambda entry of the admin function: the `/api/` routes (tokens, trusted publishers) and
 * the trusted-publishing exchange under `/_/oidc/`. Of all functions only this one may
 * write the tokens table; it cannot touch packages.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbPublisherStore } from '../adapters/dynamodb-publisher-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { createAdminFunction } from './admin-function.ts';
import { FUNCTION_ENVIRONMENTS } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { config, oidc } = FUNCTION_ENVIRONMENTS.admin(process.env);
const dynamodb = lambdaDynamoDb(process.env);

export const handler = createAdminFunction({
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  publishers: new DynamoDbPublisherStore(dynamodb, config.tokensTableName),
  config,
  oidc,
  logger: new Logger({ serviceName: 'wharf-admin' }),
  metrics: lambdaMetrics('admin'),
});
