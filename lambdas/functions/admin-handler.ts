/**
 * Lambda entry of the admin function: the `/api/` routes (tokens, trusted publishers) and
 * the trusted-publishing exchange under `/_/oidc/`. Of all functions only this one may
 * write the tokens table; of the packages it may only see whether a project exists.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbPublisherStore } from '../adapters/dynamodb-publisher-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { createAdminFunction } from './admin-function.ts';
import { FUNCTION_ENVIRONMENTS } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';

const { config, oidc, tableName } = FUNCTION_ENVIRONMENTS.admin(process.env);
const dynamodb = lambdaDynamoDb(process.env);
const metadata = new DynamoDbMetadataStore(dynamodb, tableName);

export const handler = createAdminFunction({
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  publishers: new DynamoDbPublisherStore(dynamodb, config.tokensTableName),
  projects: { projectExists: async (project) => (await metadata.getProject(project)) !== undefined },
  config,
  oidc,
  logger: new Logger({ serviceName: 'wharf-admin' }),
});
