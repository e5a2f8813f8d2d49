/**
 * Lambda entry of the write function: uploads (`POST /legacy/`) and yank, un-yank and
 * delete (`/api/projects/...`). It may write package data; on the tokens table it may
 * only GetItem.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDbUploadSessionStore } from '../adapters/dynamodb-upload-session-store.ts';
import { S3UploadStaging } from '../adapters/s3-upload-staging.ts';
import { roleUrlSigner } from '../adapters/s3-url-signer.ts';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { FUNCTION_ENVIRONMENTS } from '../config/function-environments.ts';
import { createWriteFunction } from './write-function.ts';

const { config, uploadSessions, verifierFunctionName, region } = FUNCTION_ENVIRONMENTS.write(process.env);
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({});
const lambda = new LambdaClient({});

export const handler = createWriteFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, config.tableName),
  blobs: new S3BlobStore(s3, config.bucketName),
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  config,
  logger: new Logger({ serviceName: 'wharf-write' }),
  uploads: {
    sessions: new DynamoDbUploadSessionStore(dynamodb, config.tableName),
    // Presigned with the role's own credentials: the URLs live no longer than they do.
    staging: new S3UploadStaging(
      s3,
      config.bucketName,
      roleUrlSigner(config.bucketName, region),
    ),
    config: uploadSessions,
    startVerification: async (sessionId) => {
      await lambda.send(
        new InvokeCommand({ FunctionName: verifierFunctionName, InvocationType: 'Event', Payload: JSON.stringify({ sessionId }) }),
      );
    },
  },
});
