/** The functions of lambdas/config/functions.ts, built against local stores for `wharf serve`. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createAdminFunction } from '../functions/admin-function.ts';
import type { FunctionName } from '../config/functions.ts';
import type { WharfLambdaHandler } from '../http/lambda-handler.ts';
import { createReadFunction } from '../functions/read-function.ts';
import { createWriteFunction } from '../functions/write-function.ts';
import type { UpstreamIndex } from '../app/upstream-index.ts';
import { FetchObjectReader } from '../adapters/presigned-object-reader.ts';
import type { BlobStore, DownloadSigner, MetadataStore, PublisherStore, TokenStore, UploadSessionStore, UploadStaging } from '../app/ports.ts';
import { OIDC_DEFAULTS, type OidcConfig, type WharfConfig } from '../config/wharf-config.ts';
import { createVerifierFunction } from '../functions/verifier-function.ts';
import { type UploadSessionsConfig } from '../config/upload-config.ts';
import { PUBLISH_CLIENT_FILE } from '../config/functions.ts';
import { publishClientReader } from '../functions/client-file.ts';
import path from 'node:path';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export interface LocalFunctionDeps {
  readonly metadata: MetadataStore;
  readonly signer: DownloadSigner;
  readonly blobs: BlobStore;
  readonly tokens: TokenStore;
  readonly publishers: PublisherStore;
  readonly oidc?: OidcConfig;
  /** A parsed Sigstore trusted_root.json for attestations; absent: the pinned public-good root. */
  readonly sigstoreTrustedRoot?: unknown;
  readonly config: Omit<WharfConfig, 'tableName' | 'bucketName' | 'tokensTableName'>;
  readonly logLevel?: LogLevel;
  readonly upstream?: UpstreamIndex;
  readonly uploads: {
    readonly sessions: UploadSessionStore;
    readonly staging: UploadStaging;
    readonly config: UploadSessionsConfig;
  };
}

export function buildLocalFunctions(deps: LocalFunctionDeps): Record<FunctionName, WharfLambdaHandler> {
  const logger = (serviceName: string) => new Logger({ serviceName, logLevel: deps.logLevel ?? 'WARN' });
  // The verifier as on AWS, invoked the way an async Lambda invoke behaves: the caller
  // gets on without waiting, and the verifier runs on its own.
  const verifier = createVerifierFunction({
    metadata: deps.metadata,
    blobs: deps.blobs,
    sessions: deps.uploads.sessions,
    staging: deps.uploads.staging,
    logger: logger('wharf-verifier'),
  });
  const verifierLogger = logger('wharf-verifier');
  const startVerification = async (sessionId: string) => {
    setImmediate(() => {
      verifier({ sessionId }).catch((err: unknown) => verifierLogger.error('Verifier failed', err as Error));
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
      uploads: { ...deps.uploads, startVerification },
      attestations: {
        publishers: deps.publishers,
        githubIssuer: (deps.oidc ?? OIDC_DEFAULTS).githubIssuer,
        ...(deps.sigstoreTrustedRoot !== undefined ? { trustedRoot: deps.sigstoreTrustedRoot } : {}),
      },
    }),
    admin: createAdminFunction({
      tokens: deps.tokens,
      publishers: deps.publishers,
      config: deps.config,
      ...(deps.oidc ? { oidc: deps.oidc } : {}),
      logger: logger('wharf-admin'),
    }),
  };
}
