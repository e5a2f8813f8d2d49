/**
 * Lambda entry of the read function: index pages, downloads, health. Read-only grants; on
 * the tokens table it may only GetItem. With an upstream in `proxy` or `cache` mode it may
 * also write under `upstream/` in the bucket (kept pages, copied files) and, in `cache`
 * mode, start the copier function.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { roleUrlSigner, S3UrlSigner } from '../adapters/s3-url-signer.ts';
import { FetchObjectReader } from '../adapters/presigned-object-reader.ts';
import { SigningCredentials, type SecretReader } from '../adapters/signing-credentials.ts';
import { UpstreamIndex } from '../app/upstream-index.ts';
import { createReadFunction } from './read-function.ts';
import { roleCredentials } from '../config/environment.ts';
import { readEnvironment } from '../config/function-environments.ts';
import { lambdaDynamoDb } from './dynamodb.ts';
import { lambdaMetrics } from './lambda-metrics.ts';
import { PUBLISH_CLIENT_FILE } from '../config/functions.ts';
import { publishClientReader } from './client-file.ts';
import { deferredCopier, deferredUpstreamFetcher, deferredUpstreamStore, once } from './deferred.ts';

const { config, upstream: upstreamConfig, region, signingKey } = readEnvironment(process.env);
/** The role's credentials, which the runtime puts in the environment. */
const role = roleCredentials(process.env);
const dynamodb = lambdaDynamoDb(process.env);
const logger = new Logger({ serviceName: 'wharf-read' });
const metrics = lambdaMetrics('read');

function upstream(): UpstreamIndex | undefined {
  if (upstreamConfig.mode === 'none') return undefined;
  const { copierFunction } = upstreamConfig;
  return new UpstreamIndex(
    upstreamConfig,
    // The upstream's fetcher, S3 store and copier load on first use (deferred.ts): a cold
    // start that serves only hosted projects never evaluates them nor the S3 and Lambda clients.
    deferredUpstreamFetcher(once(async () => {
      const { HttpUpstream } = await import('../adapters/http-upstream.ts');
      return new HttpUpstream({ timeoutMs: upstreamConfig.timeoutMs });
    })),
    deferredUpstreamStore(once(async () => (await import('./s3-stores.ts')).createS3UpstreamStore(process.env, config.bucketName))),
    copierFunction
      ? deferredCopier(once(async () => (await import('../adapters/lambda-copier.ts')).createLambdaCopier(copierFunction)))
      : undefined,
    Date.now,
    (message, extra) => logger.info(message, extra),
    metrics,
  );
}

const upstreamIndex = upstream();

/**
 * Download URLs signed with the rotated key of the signing secret (lib/download-signing.ts),
 * so they live two signing windows whatever the role's credentials do; without a secret,
 * with the role's own credentials.
 */
function downloadSigner(): S3UrlSigner {
  const { secretArn, refreshSeconds } = signingKey;
  if (!secretArn) return roleUrlSigner(config.bucketName, region, role);
  const reader = once(async () => (await import('../adapters/secrets-manager-signing-secret.ts')).createSigningSecretReader(secretArn));
  const secret: SecretReader = { currentText: async () => (await reader()).currentText() };
  const credentials = new SigningCredentials({ secret, fallback: role, refreshSeconds, log: (message, extra) => logger.info(message, extra ?? {}) });
  // Read the key during the cold start, not on the first download.
  void credentials.provider().catch(() => undefined);
  return new S3UrlSigner({ bucketName: config.bucketName, region, credentials: credentials.provider });
}

export const handler = createReadFunction({
  metadata: new DynamoDbMetadataStore(dynamodb, config.tableName),
  tokens: new DynamoDbTokenStore(dynamodb, config.tokensTableName),
  signer: downloadSigner(),
  objects: new FetchObjectReader(),
  config,
  logger,
  metrics,
  ...(upstreamIndex ? { upstream: upstreamIndex } : {}),
  // Beside index.mjs in the bundle (lib/package-index.ts copies it there).
  publishClient: publishClientReader(new URL(`./${PUBLISH_CLIENT_FILE.inBundle}`, import.meta.url)),
});
