/** The functions of lambdas/config/functions.ts, built against local stores for `wharf serve`. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createAdminFunction } from '../functions/admin-function.ts';
import type { FunctionName } from '../config/functions.ts';
import type { WharfLambdaHandler } from '../http/lambda-handler.ts';
import { createReadFunction } from '../functions/read-function.ts';
import { createWriteFunction } from '../functions/write-function.ts';
import type { UpstreamIndex } from '../app/upstream-index.ts';
import { FetchObjectReader } from '../adapters/presigned-object-reader.ts';
import type { RetentionStore } from '../app/retention-ports.ts';
import type { BlobStore, DownloadSigner, MetadataStore, PublisherStore, TokenStore, PublishingSessionStore, UploadSessionStore, UploadStaging } from '../app/ports.ts';
import { OIDC_DEFAULTS, type OidcConfig, type WharfConfig } from '../config/wharf-config.ts';
import { createVerifierFunction } from '../functions/verifier-function.ts';
import { type UploadSessionsConfig } from '../config/upload-config.ts';
import type { AwsPublishingDeps } from '../functions/aws-publishing.ts';
import { PowertoolsMetrics } from '../adapters/powertools-metrics.ts';
import { DEFAULT_METRICS_SERVICE } from '../config/metrics.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';
import { PUBLISH_CLIENT_FILE } from '../config/functions.ts';
import { publishClientReader } from '../functions/client-file.ts';
import path from 'node:path';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** The functions whose metrics the local server keeps apart, as Lambda does. */
export type LocalMetrics = Readonly<Record<FunctionName | 'verifier', Metrics>>;

/**
 * The functions' metrics, locally: the same EMF records as on Lambda, written to the log at
 * debug level (`--log-level debug`) instead of stdout, where they would drown the console
 * and nothing reads them. At any other level nobody would see them, so none are made: a
 * record costs more than a kept page (the same handlers count into NO_METRICS).
 */
export function localMetrics(logLevel: LogLevel = 'WARN'): LocalMetrics {
  if (logLevel !== 'DEBUG') return { read: NO_METRICS, write: NO_METRICS, admin: NO_METRICS, verifier: NO_METRICS };
  const logger = new Logger({ serviceName: 'wharf-metrics', logLevel });
  const make = (functionName: string) =>
    new PowertoolsMetrics({ service: DEFAULT_METRICS_SERVICE, functionName, write: (record) => logger.debug('metrics', { emf: record }) });
  return { read: make('read'), write: make('write'), admin: make('admin'), verifier: make('verifier') };
}

export interface LocalFunctionDeps {
  readonly metadata: MetadataStore;
  readonly signer: DownloadSigner;
  readonly blobs: BlobStore;
  readonly tokens: TokenStore;
  readonly publishers: PublisherStore;
  readonly oidc?: OidcConfig;
  /** Publishing from AWS: the AWS publishers, and where STS is (tests). */
  readonly aws: AwsPublishingDeps;
  /** A parsed Sigstore trusted_root.json for attestations; absent: the pinned public-good root. */
  readonly sigstoreTrustedRoot?: unknown;
  readonly config: Omit<WharfConfig, 'tableName' | 'bucketName' | 'tokensTableName'>;
  readonly logLevel?: LogLevel;
  /** @default localMetrics(logLevel): to the log at debug level */
  readonly metrics?: LocalMetrics;
  readonly upstream?: UpstreamIndex;
  /** Retention rules and the walk over projects (`/api/retention/`). */
  readonly retention?: RetentionStore;
  readonly uploads: {
    readonly sessions: UploadSessionStore & PublishingSessionStore;
    readonly staging: UploadStaging;
    readonly config: UploadSessionsConfig;
  };
}

export function buildLocalFunctions(deps: LocalFunctionDeps): Record<FunctionName, WharfLambdaHandler> {
  const logger = (serviceName: string) => new Logger({ serviceName, logLevel: deps.logLevel ?? 'WARN' });
  const metrics = deps.metrics ?? localMetrics(deps.logLevel);
  // The verifier as on AWS, invoked the way an async Lambda invoke behaves: the caller
  // gets on without waiting, and the verifier runs on its own.
  const verifier = createVerifierFunction({
    metadata: deps.metadata,
    blobs: deps.blobs,
    sessions: deps.uploads.sessions,
    staging: deps.uploads.staging,
    logger: logger('wharf-verifier'),
    metrics: metrics.verifier,
  });
  const verifierLogger = logger('wharf-verifier');
  const startVerification = async (sessionId: string) => {
    setImmediate(() => {
      verifier({ sessionId }).catch((err: unknown) => verifierLogger.error('Verifier failed', err as Error));
    });
  };
  const startPublish = async (publishingSessionId: string) => {
    setImmediate(() => {
      verifier({ publishingSessionId }).catch((err: unknown) => verifierLogger.error('Verifier failed', err as Error));
    });
  };
  return {
    // Each function gets only the port it has in AWS: the read function cannot write tokens.
    read: createReadFunction({
      metadata: deps.metadata,
      signer: deps.signer,
      // `.metadata` read through its presigned URL, as the Lambda function does.
      objects: new FetchObjectReader(),
      tokens: { getToken: (id) => deps.tokens.getToken(id) },
      config: deps.config,
      logger: logger('wharf-read'),
      metrics: metrics.read,
      ...(deps.upstream ? { upstream: deps.upstream } : {}),
      // The checked-in build, as the stack copies it into the read function's bundle.
      publishClient: publishClientReader(path.resolve(import.meta.dirname, '../..', PUBLISH_CLIENT_FILE.source)),
    }),
    write: createWriteFunction({
      metadata: deps.metadata,
      blobs: deps.blobs,
      tokens: { getToken: (id) => deps.tokens.getToken(id) },
      config: deps.config,
      logger: logger('wharf-write'),
      ...(deps.retention ? { retention: deps.retention } : {}),
      metrics: metrics.write,
      uploads: { ...deps.uploads, startVerification, startPublish },
      reservations: deps.publishers,
      attestations: {
        publishers: deps.publishers,
        githubIssuer: (deps.oidc ?? OIDC_DEFAULTS).githubIssuer,
        gitlabIssuers: (deps.oidc ?? OIDC_DEFAULTS).gitlabIssuers,
        googleIssuers: (deps.oidc ?? OIDC_DEFAULTS).googleIssuers,
        ...(deps.sigstoreTrustedRoot !== undefined ? { trustedRoot: deps.sigstoreTrustedRoot } : {}),
      },
    }),
    admin: createAdminFunction({
      tokens: deps.tokens,
      publishers: deps.publishers,
      projects: { projectExists: async (project) => (await deps.metadata.getProject(project)) !== undefined },
      config: deps.config,
      ...(deps.oidc ? { oidc: deps.oidc } : {}),
      aws: deps.aws,
      logger: logger('wharf-admin'),
      metrics: metrics.admin,
    }),
  };
}
