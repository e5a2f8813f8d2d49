/**
 * A whole Wharf on one machine: embedded stores, the functions of lambdas/functions.ts and
 * the local gateway in front of them. `wharf serve` and the integration tests start this.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { DEFAULTS } from '../config.ts';
import {
  createDynamoDbClient,
  createLocalUrlSigner,
  createS3Client,
  downloadEndpoint,
  startEmbeddedStores,
  type StoreEndpoints,
} from './embedded-stores.ts';
import { createGateway } from './gateway.ts';
import { ensureLocalAdminToken, type LocalAdminToken } from './admin-bootstrap.ts';
import { buildLocalFunctions, type LogLevel } from './local-functions.ts';
import { DynamoDbUploadSessionStore } from '../adapters/dynamodb-upload-session-store.ts';
import { S3UploadStaging } from '../adapters/s3-upload-staging.ts';
import { SESSION_DEFAULTS, type UploadSessionsConfig } from '../app/upload-sessions.ts';

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
  /** Seconds a looked-up token is trusted (0 to 60). @default 30 */
  readonly authCacheSeconds?: number;
  /** Largest file the upload API takes. @default 4 MiB, as deployed */
  readonly maxUploadBytes?: number;
  /** Called once per request, after the response is written. */
  readonly onRequest?: (line: { method: string; url: string; status: number; ms: number }) => void;
  readonly logLevel?: LogLevel;
  /** Upload session settings (tests shorten the lifetime). @default SESSION_DEFAULTS */
  readonly uploadSessions?: Partial<UploadSessionsConfig>;
}

export interface LocalWharf {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly indexUrl: string;
  readonly stores: StoreEndpoints;
  readonly publicRead: boolean;
  /** The local admin token (kept in the data directory, or made afresh for --memory). */
  readonly admin: LocalAdminToken;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startLocalWharf(options: LocalWharfOptions = {}): Promise<LocalWharf> {
  const host = options.host ?? '127.0.0.1';
  const stores = await startEmbeddedStores({
    host,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const dynamodb = createDynamoDbClient(stores.dynamodbEndpoint);
  const s3 = createS3Client(stores.s3Endpoint);
  const tokens = new DynamoDbTokenStore(dynamodb, stores.tokensTableName);
  const publicRead = options.publicRead ?? isLoopback(host);
  let admin: LocalAdminToken;
  try {
    admin = await ensureLocalAdminToken(tokens, options.dataDir);
  } catch (err) {
    dynamodb.destroy();
    s3.destroy();
    await stores.close();
    throw err;
  }
  const handlers = buildLocalFunctions({
    metadata: new DynamoDbMetadataStore(dynamodb, stores.tableName),
    signer: createLocalUrlSigner(downloadEndpoint(stores.s3Endpoint), stores.bucketName),
    blobs: new S3BlobStore(s3, stores.bucketName),
    tokens,
    config: {
      pageCacheControl: options.pageCacheControl ?? DEFAULTS.pageCacheControl,
      signingWindowSeconds: options.signingWindowSeconds ?? DEFAULTS.signingWindowSeconds,
      publicRead,
      authCacheSeconds: options.authCacheSeconds ?? DEFAULTS.authCacheSeconds,
      maxUploadBytes: options.maxUploadBytes ?? DEFAULTS.maxUploadBytes,
    },
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    uploads: {
      sessions: new DynamoDbUploadSessionStore(dynamodb, stores.tableName),
      staging: new S3UploadStaging(s3, stores.bucketName, createLocalUrlSigner(downloadEndpoint(stores.s3Endpoint), stores.bucketName)),
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
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 5_000;
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
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      dynamodb.destroy();
      s3.destroy();
      await stores.close();
    },
  };
}
