/**
 * Lambda entry of the sweeper function (no route): a schedule invokes it to remove orphans
 * under `files/` (lambdas/app/orphan-sweeper.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbSweepIndex } from '../adapters/dynamodb-sweep-index.ts';
import { S3SweepBucket } from '../adapters/s3-sweep-bucket.ts';
import { sweeperEnvironment } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { lambdaS3 } from './s3-stores.ts';
import { createSweeperFunction } from './sweeper-function.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { stores, sweeper } = sweeperEnvironment(process.env);

export const handler = createSweeperFunction({
  index: new DynamoDbSweepIndex(lambdaDynamoDb(process.env), stores.tableName),
  bucket: new S3SweepBucket(lambdaS3(process.env, stores.bucketName)),
  graceSeconds: sweeper.graceSeconds,
  logger: new Logger({ serviceName: 'wharf-sweeper' }),
  metrics: lambdaMetrics('sweeper'),
});
