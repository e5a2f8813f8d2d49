/** Lambda entry of the read function: index pages, downloads, health. Read-only grants. */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { loadConfig } from '../config.ts';
import { createReadFunction } from '../read-function.ts';

const config = loadConfig(process.env);

export const handler = createReadFunction({
  metadata: new DynamoDbMetadataStore(new DynamoDBClient({}), config.tableName),
  blobs: new S3BlobStore(new S3Client({}), config.bucketName),
  config,
  logger: new Logger({ serviceName: 'wharf-read' }),
});
