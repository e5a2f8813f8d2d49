/**
 * Lambda entry of the verifier function (no route): the write function invokes it
 * asynchronously with {"sessionId"} to verify and ingest a large upload session.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbUploadSessionStore } from '../adapters/dynamodb-upload-session-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { S3UploadStaging } from '../adapters/s3-upload-staging.ts';
import { roleUrlSigner } from '../adapters/s3-url-signer.ts';
import { roleCredentials } from '../config/environment.ts';
import { verifierEnvironment } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { createVerifierFunction } from './verifier-function.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { stores, region } = verifierEnvironment(process.env);
/** The role's credentials, which the runtime puts in the environment. */
const role = roleCredentials(process.env);
const { tableName, bucketName } = stores;
const dynamodb = lambdaDynamoDb(process.env);
const s3 = new S3Client({});

export const handler = createVerifierFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, tableName),
  blobs: new S3BlobStore(s3, bucketName),
  sessions: new DynamoDbUploadSessionStore(dynamodb, tableName),
  staging: new S3UploadStaging(
    s3,
    bucketName,
    roleUrlSigner(bucketName, region, role),
  ),
  logger: new Logger({ serviceName: 'wharf-verifier' }),
  metrics: lambdaMetrics('verifier'),
});
