/**
 * Lambda entry of the retention function (no route): a daily schedule invokes it to apply
 * the stored retention rules (lambdas/app/retention.ts). It may read and delete package
 * data, and remove files under `files/`; it cannot write files or touch tokens.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbRetentionStore } from '../adapters/dynamodb-retention-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { FUNCTION_ENVIRONMENTS } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { lambdaMetrics } from './lambda-metrics.ts';
import { createRetentionFunction } from './retention-function.ts';

const { stores, retention } = FUNCTION_ENVIRONMENTS.retention(process.env);
const dynamodb = lambdaDynamoDb(process.env);

export const handler = createRetentionFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, stores.tableName),
  blobs: new S3BlobStore(new S3Client({}), stores.bucketName),
  store: new DynamoDbRetentionStore(dynamodb, stores.tableName),
  config: retention,
  logger: new Logger({ serviceName: 'wharf-retention' }),
  metrics: lambdaMetrics('retention'),
});
