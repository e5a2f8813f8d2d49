/**
 * Lambda entry of the read function: index pages, downloads, health. Read-only grants; on
 * the tokens table it may only GetItem. With an upstream in `proxy` or `cache` mode it may
 * also write under `upstream/` in the bucket (kept pages, copied files) and, in `cache`
 * mode, start the copier function.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { HttpUpstream } from '../adapters/http-upstream.ts';
import { roleUrlSigner } from '../adapters/s3-url-signer.ts';
import { UpstreamIndex } from '../app/upstream-index.ts';
import { createReadFunction } from './read-function.ts';
import { FUNCTION_ENVIRONMENTS } from '../config/function-environments.ts';
import type { BackgroundCopier, UpstreamStore } from '../app/upstream-ports.ts';

const { config, upstream: upstreamConfig, region } = FUNCTION_ENVIRONMENTS.read(process.env);
const dynamodb = new DynamoDBClient({});
const logger = new Logger({ serviceName: 'wharf-read' });

/** Runs `make` once, on first use: the S3 and Lambda clients load only when the upstream is used. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/**
 * The upstream's S3 store and copier, loaded on first use. A cold start that serves only
 * hosted projects never evaluates the S3 and Lambda SDK clients (about 150 ms of init).
 */
function lazyStore(bucketName: string): UpstreamStore {
  const store = once(async () => {
    // Import the adapter, not the SDK package: a dynamic import of a package keeps all of it.
    const { createS3UpstreamStore } = await import('../adapters/s3-upstream-store.ts');
    return createS3UpstreamStore(bucketName);
  });
  return {
    getPage: async (p) => (await store()).getPage(p),
    putPage: async (p, c) => (await store()).putPage(p, c),
    hasFile: async (p, s, f) => (await store()).hasFile(p, s, f),
    listFiles: async (p) => (await store()).listFiles(p),
    putFile: async (p, s, f, b) => (await store()).putFile(p, s, f, b),
    putStreamVerified: async (p, s, f, b) => (await store()).putStreamVerified(p, s, f, b),
  };
}

function lazyCopier(functionName: string): BackgroundCopier {
  const copier = once(async () => {
    const { createLambdaCopier } = await import('../adapters/lambda-copier.ts');
    return createLambdaCopier(functionName);
  });
  return { start: async (job) => (await copier()).start(job) };
}

function upstream(): UpstreamIndex | undefined {
  if (upstreamConfig.mode === 'none') return undefined;
  return new UpstreamIndex(
    upstreamConfig,
    new HttpUpstream({ timeoutMs: upstreamConfig.timeoutMs }),
    lazyStore(config.bucketName),
    upstreamConfig.copierFunction ? lazyCopier(upstreamConfig.copierFunction) : undefined,
    Date.now,
    (message, extra) => logger.info(message, extra),
  );
}

const upstreamIndex = upstream();

export const handler = createReadFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, config.tableName),
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  // Lambda puts the role's credentials in the environment; that is all signing needs.
  signer: roleUrlSigner(config.bucketName, region),
  config,
  logger,
  ...(upstreamIndex ? { upstream: upstreamIndex } : {}),
});
