/**
 * Lambda entry of the write function: uploads (`POST /legacy/`) and yank, un-yank and
 * delete (`/api/projects/...`). It may write package data; on the tokens table it may
 * only GetItem (tokens) and Query (the trusted publishers that PEP 740 attestations are
 * checked against).
 *
 * The S3 client (with the blob store and upload staging on it) and the Lambda client that
 * starts the verifier load on first use (lambdas/functions/deferred.ts): a cold start
 * evaluates only DynamoDB, the token check and the upload rules.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbUploadSessionStore } from '../adapters/dynamodb-upload-session-store.ts';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { DynamoDbPublisherStore } from '../adapters/dynamodb-publisher-store.ts';
import { DynamoDbRetentionStore } from '../adapters/dynamodb-retention-store.ts';
import { readTrustedRoot } from '../config/trusted-root-file.ts';
import { writeEnvironment } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { deferredBlobStore, deferredUploadStaging, once } from './deferred.ts';
import { createWriteFunction } from './write-function.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { config, attestations, uploadSessions, verifierFunctionName } = writeEnvironment(process.env);
// Read at start-up, so a bad file fails the cold start with its name, not the first attestation.
const trustedRoot = attestations.trustedRootFile !== undefined ? readTrustedRoot(attestations.trustedRootFile) : undefined;
const dynamodb = lambdaDynamoDb(process.env);
const s3 = once(async () => (await import('./s3-stores.ts')).createS3Stores(process.env, config.bucketName));
const startVerification = once(async () => (await import('../adapters/lambda-verification.ts')).createLambdaVerification(verifierFunctionName));

const publishers = new DynamoDbPublisherStore(dynamodb, config.tokensTableName);

export const handler = createWriteFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, config.tableName),
  blobs: deferredBlobStore(async () => (await s3()).blobs),
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  retention: new DynamoDbRetentionStore(dynamodb, config.tableName),
  config,
  logger: new Logger({ serviceName: 'wharf-write' }),
  reservations: publishers,
  metrics: lambdaMetrics('write'),
  attestations: {
    publishers,
    githubIssuer: attestations.githubIssuer,
    gitlabIssuers: attestations.gitlabIssuers,
    googleIssuers: attestations.googleIssuers,
    ...(trustedRoot !== undefined ? { trustedRoot } : {}),
  },
  uploads: {
    sessions: new DynamoDbUploadSessionStore(dynamodb, config.tableName),
    staging: deferredUploadStaging(async () => (await s3()).staging),
    config: uploadSessions,
    startVerification: async (sessionId) => (await startVerification()).verify(sessionId),
    startPublish: async (publishingSessionId) => (await startVerification()).publish(publishingSessionId),
  },
});
