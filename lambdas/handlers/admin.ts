/**
 * Lambda entry of the admin function: the `/api/` routes (tokens). Of all functions only
 * this one may write the tokens table; it cannot touch packages.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { createAdminFunction } from '../admin-function.ts';
import { loadAccessConfig } from '../config.ts';

const config = loadAccessConfig(process.env);

export const handler = createAdminFunction({
  tokens: new DynamoDbTokenStore(new DynamoDBClient({}), config.tokensTableName),
  config,
  logger: new Logger({ serviceName: 'wharf-admin' }),
});
