/**
 * Lambda entry of the verifier function (no route): the write function invokes it
 * asynchronously with {"sessionId"} to verify and ingest a large upload session.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbUploadSessionStore } from '../adapters/dynamodb-upload-session-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { S3UploadStaging } from '../adapters/s3-upload-staging.ts';
import { S3UrlSigner } from '../adapters/s3-url-signer.ts';
import { ConfigError } from '../config/wharf-config.ts';
import { ENV } from '../config/functions.ts';
import { loadUploadSessionsConfig } from '../config/upload-config.ts';
import { createVerifierFunction } from './verifier-function.ts';

const tableName = process.env[ENV.tableName];
const bucketName = process.env[ENV.bucketName];
if (!tableName || !bucketName) throw new ConfigError(`${ENV.tableName} and ${ENV.bucketName} must be set: the verifier cannot start without them.`);
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});

export const handler = createVerifierFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, tableName),
  blobs: new S3BlobStore(s3, bucketName),
  sessions: new DynamoDbUploadSessionStore(dynamodb, tableName),
  staging: new S3UploadStaging(
    s3,
    bucketName,
    new S3UrlSigner({ bucketName, region: process.env['AWS_REGION'] ?? 'us-east-1', credentials: fromEnv() }),
  ),
  config: loadUploadSessionsConfig(process.env),
  logger: new Logger({ serviceName: 'wharf-verifier' }),
});
