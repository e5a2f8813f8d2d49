/**
 * Lambda entry of the retention function (no route): a daily schedule invokes it to apply
 * the stored retention rules (lambdas/app/retention.ts). It may read and delete package
 * data, and remove files under `files/`; it cannot write files or touch tokens.
 *
 * The S3 client loads when a run first removes a file (lambdas/functions/deferred.ts): a run
 * with no rules, or with nothing past its rules, reads DynamoDB alone.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbRetentionStore } from '../adapters/dynamodb-retention-store.ts';
import { deferredBlobStore, once } from './deferred.ts';
import { retentionEnvironment } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { lambdaMetrics } from './lambda-metrics.ts';
import { createRetentionFunction } from './retention-function.ts';

const { stores, retention } = retentionEnvironment(process.env);
const dynamodb = lambdaDynamoDb(process.env);

export const handler = createRetentionFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, stores.tableName),
  blobs: deferredBlobStore(once(async () => (await import('./s3-stores.ts')).createS3BlobStore(process.env, stores.bucketName))),
  store: new DynamoDbRetentionStore(dynamodb, stores.tableName),
  config: retention,
  logger: new Logger({ serviceName: 'wharf-retention' }),
  metrics: lambdaMetrics('retention'),
});
