/**
 * Lambda entry of the verifier function (no route): the write function invokes it
 * asynchronously with {"sessionId"} to verify and ingest a large upload session.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbUploadSessionStore } from '../adapters/dynamodb-upload-session-store.ts';
import { verifierEnvironment } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { createS3Stores } from './s3-stores.ts';
import { createVerifierFunction } from './verifier-function.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { stores } = verifierEnvironment(process.env);
const { tableName, bucketName } = stores;
const dynamodb = lambdaDynamoDb(process.env);
// Every event reads the bucket: Wharf's S3 REST client, not the SDK's (adapters/s3-rest-client.ts says why).
const { blobs, staging } = createS3Stores(process.env, bucketName);

export const handler = createVerifierFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, tableName),
  blobs,
  sessions: new DynamoDbUploadSessionStore(dynamodb, tableName),
  staging,
  logger: new Logger({ serviceName: 'wharf-verifier' }),
  metrics: lambdaMetrics('verifier'),
});
