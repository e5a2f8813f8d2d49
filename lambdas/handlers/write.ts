/**
 * Lambda entry of the write function: uploads (`POST /legacy/`) and yank, un-yank and
 * delete (`/api/projects/...`). It may write package data; on the tokens table it may
 * only GetItem.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { loadConfig } from '../config.ts';
import { createWriteFunction } from '../write-function.ts';

const config = loadConfig(process.env);
const dynamodb = new DynamoDBClient({});

export const handler = createWriteFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, config.tableName),
  blobs: new S3BlobStore(new S3Client({}), config.bucketName),
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  config,
  logger: new Logger({ serviceName: 'wharf-write' }),
});
