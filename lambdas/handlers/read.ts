/**
 * Lambda entry of the read function: index pages, downloads, health. Read-only grants; on
 * the tokens table it may only GetItem.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { S3UrlSigner } from '../adapters/s3-url-signer.ts';
import { loadConfig } from '../config.ts';
import { createReadFunction } from '../read-function.ts';

const config = loadConfig(process.env);
const dynamodb = new DynamoDBClient({});

export const handler = createReadFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, config.tableName),
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  // Lambda puts the role's credentials in the environment; that is all signing needs.
  signer: new S3UrlSigner({
    bucketName: config.bucketName,
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    credentials: fromEnv(),
  }),
  config,
  logger: new Logger({ serviceName: 'wharf-read' }),
});
