/**
 * Lambda entry of the read function: index pages, downloads, health. Read-only grants; on
 * the tokens table it may only GetItem. With an upstream in `proxy` or `cache` mode it may
 * also write under `upstream/` in the bucket (kept pages, copied files) and, in `cache`
 * mode, start the copier function.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { HttpUpstream } from '../adapters/http-upstream.ts';
import { LambdaCopier } from '../adapters/lambda-copier.ts';
import { S3UpstreamStore } from '../adapters/s3-upstream-store.ts';
import { S3UrlSigner } from '../adapters/s3-url-signer.ts';
import { UpstreamIndex } from '../app/upstream-index.ts';
import { loadConfig } from '../config.ts';
import { createReadFunction } from '../read-function.ts';
import { loadUpstreamConfig } from '../upstream-config.ts';

const config = loadConfig(process.env);
const upstreamConfig = loadUpstreamConfig(process.env);
const dynamodb = new DynamoDBClient({});
const logger = new Logger({ serviceName: 'wharf-read' });

function upstream(): UpstreamIndex | undefined {
  if (upstreamConfig.mode === 'none') return undefined;
  const s3 = new S3Client({});
  return new UpstreamIndex(
    upstreamConfig,
    new HttpUpstream({ timeoutMs: upstreamConfig.timeoutMs }),
    new S3UpstreamStore(s3, config.bucketName),
    upstreamConfig.copierFunction ? new LambdaCopier(new LambdaClient({}), upstreamConfig.copierFunction) : undefined,
    Date.now,
    (message, extra) => logger.info(message, extra),
  );
}

const upstreamIndex = upstream();

export const handler = createReadFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, config.tableName),
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  // Lambda puts the role's credentials in the environment; that is all signing needs.
  signer: new S3UrlSigner({
    bucketName: config.bucketName,
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    credentials: fromEnv(),
  }),
  config,
  logger,
  ...(upstreamIndex ? { upstream: upstreamIndex } : {}),
});
