/** Lambda entry of the read function: index pages, downloads, health. Read-only grants. */
import { Logger } from '@aws-lambda-powertools/logger';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { S3UrlSigner } from '../adapters/s3-url-signer.ts';
import { loadConfig } from '../config.ts';
import { createReadFunction } from '../read-function.ts';

const config = loadConfig(process.env);

export const handler = createReadFunction({
  metadata: new DynamoDbMetadataStore(new DynamoDBClient({}), config.tableName),
  // Lambda puts the role's credentials in the environment; that is all signing needs.
  signer: new S3UrlSigner({
    bucketName: config.bucketName,
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    credentials: fromEnv(),
  }),
  config,
  logger: new Logger({ serviceName: 'wharf-read' }),
});
