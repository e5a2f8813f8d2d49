/**
 * A whole Wharf on one machine: embedded stores, the functions of lambdas/config/functions.ts and
 * the local gateway in front of them. `wharf serve` and the integration tests start this.
 */
import type { ImagePolicy } from '../core/description.ts';
import { readTrustedRoot } from '../config/trusted-root-file.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbRetentionStore } from '../adapters/dynamodb-retention-store.ts';
import { DynamoDbPublisherStore } from '../adapters/dynamodb-publisher-store.ts';
import { DynamoDbAwsPublisherStore } from '../adapters/dynamodb-aws-publisher-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { checkAudience, checkIssuerUrl, DEFAULTS, OIDC_DEFAULTS } from '../config/wharf-config.ts';
import {
  createDynamoDbClient,
  createLocalUrlSigner,
  createS3Objects,
  startEmbeddedStores,
  type StoreEndpoints,
} from './embedded-stores.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { answerClientError, createGateway, sendText } from './gateway.ts';
import { ensureLocalAdminToken, type LocalAdminToken } from './admin-bootstrap.ts';
import { buildLocalFunctions, localMetrics, type LogLevel } from './local-functions.ts';
import type { Metrics } from '../app/metrics-ports.ts';
import { HttpUpstream } from '../adapters/http-upstream.ts';
import { S3UpstreamStore } from '../adapters/s3-upstream-store.ts';
import { UpstreamIndex } from '../app/upstream-index.ts';
import type { UpstreamMode } from '../core/upstream.ts';
import { upstreamSettings, type UpstreamOptions } from '../config/upstream-config.ts';
import { createCopierFunction } from '../functions/upstream-copier-function.ts';
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Objects } from '../adapters/s3-objects.ts';
import { DynamoDbUploadSessionStore } from '../adapters/dynamodb-upload-session-store.ts';
import { S3UploadStaging } from '../adapters/s3-upload-staging.ts';
import { SESSION_DEFAULTS, type UploadSessionsConfig } from '../config/upload-config.ts';
import { sweepOrphansAtStart } from './orphan-sweep-at-start.ts';
import type { SweepReport } from '../app/orphan-sweeper.ts';
import { parseNetworks } from '../core/networks.ts';

export interface LocalWharfOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Persistent data directory; undefined for a throwaway in-memory index. */
  readonly dataDir?: string;
  readonly pageCacheControl?: string;
  readonly signingWindowSeconds?: number;
  /**
   * Whether reads need no token. Writes always need one.
   * @default true on a loopback address, false on any other
   */
  readonly publicRead?: boolean;
  /** Images in descriptions on the web pages. @default 'https' */
  readonly descriptionImages?: ImagePolicy;
  /** Seconds a looked-up token is trusted (0 to 60). @default 30 */
  readonly authCacheSeconds?: number;
  /** Largest file the upload API takes. @default 4 MiB, as deployed */
  readonly maxUploadBytes?: number;
  /**
   * The IP allowlist, as `WHARF_ALLOWED_NETWORKS` on AWS: CIDR blocks whose callers get
   * answers; from elsewhere only trusted publishing works. Checked against the socket's peer.
   * @default every network
   */
  readonly allowedNetworks?: readonly string[];
  /** Called once per request, after the response is written. */
  readonly onRequest?: (line: { method: string; url: string; status: number; ms: number }) => void;
  readonly logLevel?: LogLevel;
  /**
   * What to answer for projects this index does not host (`wharf serve --upstream`).
   * @default { mode: 'none' }
   */
  readonly upstream?: UpstreamOptions;
  /** The audience trusted publishing asks CI jobs for. @default "wharf" */
  readonly oidcAudience?: string;
  /** GitHub Actions' OIDC issuer; a fake one on loopback for tests. @default GitHub's */
  readonly oidcGithubIssuer?: string;
  /** GitLab issuers trusted (gitlab.com, self-managed ones, fake ones in tests). @default ['https://gitlab.com'] */
  readonly oidcGitlabIssuers?: readonly string[];
  /** Google's issuer, or a fake one in tests. @default ['https://accounts.google.com'] */
  readonly oidcGoogleIssuers?: readonly string[];
  /**
   * A Sigstore trusted_root.json file to verify PEP 740 attestations against (a private
   * Sigstore, or a test's). @default Sigstore's public-good root, pinned in the repository
   */
  readonly sigstoreTrustedRoot?: string;
  /**
   * Regions whose regional STS endpoint publishing from AWS accepts besides the global one.
   * @default none
   */
  readonly awsStsRegions?: readonly string[];
  /**
   * Tests only: the origin of a fake STS (http://127.0.0.1:PORT) that GetCallerIdentity
   * requests are sent to, their Host header kept. No command-line option sets it, and no
   * request can.
   */
  readonly awsStsConnectTo?: string;
  /** Upload session settings (tests shorten the lifetime). @default SESSION_DEFAULTS */
  readonly uploadSessions?: Partial<UploadSessionsConfig>;
  /** Seconds the sweep at start leaves an unindexed object alone. @default LOCAL_GRACE_SECONDS */
  readonly orphanGraceSeconds?: number;
}

export interface LocalWharf {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly indexUrl: string;
  readonly stores: StoreEndpoints;
  readonly publicRead: boolean;
  /** The local admin token (kept in the data directory, or made afresh for --memory). */
  readonly admin: LocalAdminToken;
  readonly upstreamMode: UpstreamMode;
  /** What the orphan sweep at start found and removed (on a data directory; none in memory). */
  readonly orphanSweep?: SweepReport;
  /** Resolves when every background copy of an upstream file started so far has ended. */
  backgroundCopies(): Promise<void>;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Starts a local Wharf. On a data directory, it first takes the directory's lock, so a
 * second server on it is refused (DataDirInUseError) instead of breaking the first.
 */
export async function startLocalWharf(options: LocalWharfOptions = {}): Promise<LocalWharf> {
  const lock = options.dataDir ? await lockDataDir(options.dataDir) : undefined;
  let wharf: LocalWharf;
  try {
    wharf = await startUnlocked(options);
  } catch (err) {
    await lock?.release();
    throw err;
  }
  return {
    ...wharf,
    async close() {
      await wharf.close();
      await lock?.release();
    },
  };
}

async function startUnlocked(options: LocalWharfOptions): Promise<LocalWharf> {
  const host = options.host ?? '127.0.0.1';
  const oidc = {
    audience: options.oidcAudience !== undefined ? checkAudience(options.oidcAudience, '--oidc-audience') : OIDC_DEFAULTS.audience,
    githubIssuer:
      options.oidcGithubIssuer !== undefined ? checkIssuerUrl(options.oidcGithubIssuer, '--oidc-github-issuer') : OIDC_DEFAULTS.githubIssuer,
    gitlabIssuers:
      options.oidcGitlabIssuers !== undefined
        ? options.oidcGitlabIssuers.map((i) => checkIssuerUrl(i, '--oidc-gitlab-issuers'))
        : OIDC_DEFAULTS.gitlabIssuers,
    googleIssuers:
      options.oidcGoogleIssuers !== undefined
        ? options.oidcGoogleIssuers.map((i) => checkIssuerUrl(i, '--oidc-google-issuers'))
        : OIDC_DEFAULTS.googleIssuers,
  };
  // Parsed before anything starts: a mistyped block fails `wharf serve` at once, named.
  const allowedNetworks = options.allowedNetworks?.length ? parseNetworks(options.allowedNetworks) : undefined;
  const stores = await startEmbeddedStores({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const dynamodb = createDynamoDbClient(stores);
  // The functions' own S3 client (adapters/s3-rest-client.ts), as on Lambda.
  const objects = createS3Objects(stores);
  const tokens = new DynamoDbTokenStore(dynamodb, stores.tokensTableName);
  const publicRead = options.publicRead ?? isLoopback(host);
  let admin: LocalAdminToken;
  try {
    admin = await ensureLocalAdminToken(tokens, options.dataDir);
  } catch (err) {
    dynamodb.destroy();
    objects.destroy();
    await stores.close();
    throw err;
  }
  let orphanSweep: SweepReport | undefined;
  try {
    if (options.dataDir) {
      orphanSweep = await sweepOrphansAtStart({ dynamodb, objects, tableName: stores.tableName, ...(options.orphanGraceSeconds !== undefined ? { graceSeconds: options.orphanGraceSeconds } : {}), ...(options.logLevel ? { logLevel: options.logLevel } : {}) });
    }
  } catch (err) {
    dynamodb.destroy();
    objects.destroy();
    await stores.close();
    throw err;
  }
  const background = new Set<Promise<unknown>>();
  // The read function's metrics count its upstream's hits and misses too, as on Lambda.
  const metrics = localMetrics(options.logLevel);
  let upstream: UpstreamIndex | undefined;
  try {
    upstream = localUpstream(options, objects, background, metrics.read);
  } catch (err) {
    dynamodb.destroy();
    objects.destroy();
    await stores.close();
    throw err;
  }
  const handlers = buildLocalFunctions({
    metadata: new DynamoDbMetadataStore(dynamodb, stores.tableName),
    retention: new DynamoDbRetentionStore(dynamodb, stores.tableName),
    signer: createLocalUrlSigner(stores),
    blobs: new S3BlobStore(objects),
    tokens,
    publishers: new DynamoDbPublisherStore(dynamodb, stores.tokensTableName),
    oidc,
    aws: {
      publishers: async () => new DynamoDbAwsPublisherStore(dynamodb, stores.tokensTableName),
      ...(options.awsStsRegions ? { stsRegions: options.awsStsRegions } : {}),
      ...(options.awsStsConnectTo !== undefined ? { stsConnectTo: options.awsStsConnectTo } : {}),
    },
    ...(options.sigstoreTrustedRoot !== undefined ? { sigstoreTrustedRoot: readTrustedRoot(options.sigstoreTrustedRoot) } : {}),
    config: {
      pageCacheControl: options.pageCacheControl ?? DEFAULTS.pageCacheControl,
      signingWindowSeconds: options.signingWindowSeconds ?? DEFAULTS.signingWindowSeconds,
      publicRead,
      descriptionImages: options.descriptionImages ?? DEFAULTS.descriptionImages,
      authCacheSeconds: options.authCacheSeconds ?? DEFAULTS.authCacheSeconds,
      maxUploadBytes: options.maxUploadBytes ?? DEFAULTS.maxUploadBytes,
      ...(allowedNetworks ? { allowedNetworks } : {}),
    },
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    metrics,
    ...(upstream ? { upstream } : {}),
    uploads: {
      sessions: new DynamoDbUploadSessionStore(dynamodb, stores.tableName),
      staging: new S3UploadStaging(objects, createLocalUrlSigner(stores)),
      config: { ...SESSION_DEFAULTS, ...options.uploadSessions },
    },
  });
  const gateway = createGateway(handlers);
  const server: Server = createServer((req, res) => {
    const started = performance.now();
    res.on('finish', () =>
      options.onRequest?.({
        method: req.method ?? '',
        url: req.url ?? '',
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      }),
    );
    gateway(req, res).catch((err: unknown) => {
      console.error(err);
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  // A client that sends its request and then shuts its side (curl's --no-keepalive
  // scripts, `printf ... | nc -N`) still gets the answer: by default Node drops the
  // request when the read side ends. Node has the switch (httpAllowHalfOpen, the one
  // `http.Server` sets from allowHalfOpen) but does not type it.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.on('clientError', answerClientError);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => resolve());
    });
  } catch (err) {
    await stores.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    url,
    indexUrl: `${url}/simple/`,
    stores,
    publicRead,
    admin,
    upstreamMode: upstream?.mode ?? 'none',
    ...(orphanSweep ? { orphanSweep } : {}),
    async backgroundCopies() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
    async close() {
      await Promise.allSettled([...background]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      dynamodb.destroy();
      objects.destroy();
      await stores.close();
    },
  };
}

/**
 * The upstream of a local index. Its background copier runs the copier function's own
 * code in this process, asynchronously, as the Lambda invoke would.
 */
function localUpstream(
  options: LocalWharfOptions,
  objects: S3Objects,
  background: Set<Promise<unknown>>,
  metrics: Metrics,
): UpstreamIndex | undefined {
  const settings = upstreamSettings(options.upstream ?? {});
  if (settings.mode === 'none') return undefined;
  const logger = new Logger({ serviceName: 'wharf-upstream', logLevel: options.logLevel ?? 'WARN' });
  const log = (message: string, extra: Record<string, unknown>) => logger.info(message, extra);
  const fetcher = new HttpUpstream({ timeoutMs: settings.timeoutMs });
  const store = new S3UpstreamStore(objects);
  const copier = createCopierFunction({ upstream: new UpstreamIndex(settings, fetcher, store, undefined, Date.now, log), logger });
  return new UpstreamIndex(
    settings,
    fetcher,
    store,
    {
      async start(job) {
        const run = copier(job).catch((err: unknown) => logger.error('upstream copy failed', { ...job, error: String(err) }));
        background.add(run);
        void run.finally(() => background.delete(run));
      },
    },
    Date.now,
    log,
    metrics,
  );
}
