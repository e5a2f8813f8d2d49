/**
 * The embedded DynamoDB-compatible (dynalite) and S3-compatible (s3rver) servers behind
 * `wharf serve`. Data lives under the data directory, or in memory and a temporary
 * directory for `--memory`.
 *
 * Neither emulator checks who is asking, so each sits behind a front on loopback that
 * checks AWS Signature Version 4 against a key pair made afresh for this process, which
 * only Wharf's own clients and signers hold: without it, anyone on the machine could list
 * and fetch private files or write themselves an admin token.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import { DynamoDbJsonClient, type DynamoDbTransport } from '../adapters/dynamodb-json-client.ts';
import type { HttpRequest } from '@smithy/types';
import { S3UrlSigner } from '../adapters/s3-url-signer.ts';
import { S3RestClient } from '../adapters/s3-rest-client.ts';
import { TABLE_KEYS } from '../config/tables.ts';
import { closeDynaliteIterators } from './dynalite-iterators.ts';
import { DynamoDbReadMemo } from './dynamodb-read-memo.ts';
import { makePrivateDir, privateUmask, restrictOwnEntries } from './private-files.ts';
import { DirectPutObject } from './s3rver-put-object.ts';
import { generateStoreCredentials, SigV4Verifier, type Refusal, type StoreCredentials } from './sigv4-verifier.ts';

export type { StoreCredentials } from './sigv4-verifier.ts';

export const LOCAL_TABLE_NAME = 'wharf';
export const LOCAL_TOKENS_TABLE_NAME = 'wharf-tokens';
export const LOCAL_BUCKET_NAME = 'wharf-local';
export const LOCAL_REGION = 'us-east-1';

export interface StoreEndpoints {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly tableName: string;
  readonly tokensTableName: string;
  readonly bucketName: string;
  /** The only key pair the stores accept: every client of them must sign with it. */
  readonly credentials: StoreCredentials;
}

export interface EmbeddedStores extends StoreEndpoints {
  /** The SDK transport for a DynamoDB client in this process (createDynamoDbClient uses it). */
  readonly dynamodbHandler: InProcessDynamoDbHandler;
  close(): Promise<void>;
}

/**
 * The client the handlers, the CLI and the tests' stores use, the same as on Lambda: in this
 * process, through the stores' in-process transport (straight to dynalite,
 * without two HTTP hops on loopback); from their endpoints alone (another process), through
 * the loopback front.
 */
export function createDynamoDbClient(stores: StoreEndpoints | EmbeddedStores): DynamoDbJsonClient {
  // Only stores started in this process have it; a server.json read from disk names endpoints alone.
  const handler = 'dynamodbHandler' in stores && stores.dynamodbHandler instanceof InProcessDynamoDbHandler ? stores.dynamodbHandler : undefined;
  return new DynamoDbJsonClient({
    endpoint: stores.dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: stores.credentials,
    ...(handler
      ? {
          transport: (request) => handler.handleJson(request),
        }
      : {}),
  });
}

/** An AWS SDK client of the stores: for creating tables, and for tests that inspect them (Scan). */
export function createDynamoDbSdkClient(stores: StoreEndpoints | EmbeddedStores): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: stores.dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: stores.credentials,
    ...('dynamodbHandler' in stores && stores.dynamodbHandler instanceof InProcessDynamoDbHandler ? { requestHandler: stores.dynamodbHandler } : {}),
  });
}

/**
 * The S3 endpoint that download URLs name: the same server, under the other loopback
 * name (127.0.0.1 and localhost). On AWS, S3 is another host than the API; here both
 * are on one machine, and a client would otherwise send its index credentials to S3:
 * requests (pip) re-applies .netrc credentials after a redirect by host name alone,
 * ignoring the port, and S3 refuses a presigned request that carries them.
 */
export function downloadEndpoint(s3Endpoint: string): string {
  const url = new URL(s3Endpoint);
  if (url.hostname === '127.0.0.1') url.hostname = 'localhost';
  else if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  return url.origin;
}

/**
 * A signer pointed at the local S3-compatible server, with the stores' key pair.
 * @param endpoint where its URLs point; the download endpoint for URLs given to clients
 */
export function createLocalUrlSigner(stores: StoreEndpoints, endpoint: string = downloadEndpoint(stores.s3Endpoint)): S3UrlSigner {
  return new S3UrlSigner({ endpoint, bucketName: stores.bucketName, region: LOCAL_REGION, credentials: stores.credentials });
}

/** Wharf's S3 REST client on the local bucket: what the local functions store and read with. */
export function createS3Objects(stores: StoreEndpoints): S3RestClient {
  return new S3RestClient({ endpoint: stores.s3Endpoint, bucketName: stores.bucketName, region: LOCAL_REGION, credentials: stores.credentials });
}

export function createS3Client(stores: StoreEndpoints): S3Client {
  return new S3Client({
    endpoint: stores.s3Endpoint,
    region: LOCAL_REGION,
    credentials: stores.credentials,
    forcePathStyle: true,
    // s3rver corrupts streamed uploads that carry the SDK's default trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The table as the CDK construct defines it: string keys `pk` and `sk`, on demand. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
    }),
  );
}

export async function ensureBucket(client: S3Client, bucketName: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucketName }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucketName }));
  }
}

export interface EmbeddedStoresOptions {
  /** Directory for persistent data; undefined keeps everything in memory / a temp dir. */
  readonly dataDir?: string;
  /** Port of the DynamoDB front (0 or undefined picks a free one). Always on loopback. */
  readonly dynamodbPort?: number;
  /** Port of the S3 front (0 or undefined picks a free one). Always on loopback. */
  readonly s3Port?: number;
}

/**
 * The stores listen on loopback whatever address Wharf itself serves on: only Wharf, the
 * CLI beside it and the clients it hands presigned URLs to talk to them.
 */
export const STORE_HOST = '127.0.0.1';

export async function startEmbeddedStores(options: EmbeddedStoresOptions): Promise<EmbeddedStores> {
  const credentials = generateStoreCredentials();
  const restoreUmask = privateUmask();
  const cleanups: (() => Promise<unknown>)[] = [async () => restoreUmask()];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => undefined);
  };
  try {
    let dynamoDir: string | undefined;
    let s3Dir: string;
    if (options.dataDir) {
      await makePrivateDir(options.dataDir);
      await restrictOwnEntries(options.dataDir);
      dynamoDir = path.join(options.dataDir, 'dynamodb');
      s3Dir = path.join(options.dataDir, 's3');
      await makePrivateDir(dynamoDir);
      await makePrivateDir(s3Dir);
    } else {
      const tempDir = await mkdtemp(path.join(tmpdir(), 'wharf-s3-'));
      cleanups.push(() => rm(tempDir, { recursive: true, force: true }));
      s3Dir = tempDir;
    }
    // dynalite is handed its requests in this process, by the signature-checking front and
    // the in-process transport. It still listens (its close() closes LevelDB only after
    // its server), on a Unix socket in a directory only this user can enter, never on a
    // TCP port.
    const socketDir = await mkdtemp(path.join(tmpdir(), 'wharf-ddb-'));
    cleanups.push(() => rm(socketDir, { recursive: true, force: true }));
    const socketPath = path.join(socketDir, 'dynalite.sock');
    closeDynaliteIterators();
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dynamoDir ? { path: dynamoDir } : {}) });
    await new Promise<void>((resolve, reject) => {
      dynamo.once('error', reject);
      dynamo.listen(socketPath, () => resolve());
    });
    cleanups.push(() => new Promise((resolve) => dynamo.close(resolve)));

    // s3rver is not started at all: the front hands it the requests it has checked. Loaded
    // here, not with this module: the CLI's commands against a running server (wharf
    // import) use this module's clients only, and s3rver alone took a quarter second to load.
    const { default: S3rver } = await import('s3rver');
    const s3 = new S3rver({ address: STORE_HOST, port: 0, silent: true, directory: s3Dir });
    const dynaliteHandler = dynamo.listeners('request')[0] as DynaliteHandler;
    // One memo behind both ways in: a write through either forgets what both kept.
    const readMemo = new DynamoDbReadMemo();
    const dynamoService = dynamoDbService(new SigV4Verifier(credentials, LOCAL_REGION, 'dynamodb'), dynaliteHandler, readMemo);
    const dynamoFront = await listenOnLoopback(dynamoDbFront(dynamoService), options.dynamodbPort);
    cleanups.push(() => closeServer(dynamoFront));
    const s3Front = await listenOnLoopback(
      s3FrontHandler(new SigV4Verifier(credentials, LOCAL_REGION, 's3'), s3.callback(), new DirectPutObject(s3Dir, LOCAL_BUCKET_NAME), (s3 as unknown as { store: S3rverStore }).store),
      options.s3Port,
    );
    cleanups.push(() => closeServer(s3Front));

    const endpoints: StoreEndpoints = {
      dynamodbEndpoint: `http://${STORE_HOST}:${(dynamoFront.address() as AddressInfo).port}`,
      s3Endpoint: `http://${STORE_HOST}:${(s3Front.address() as AddressInfo).port}`,
      tableName: LOCAL_TABLE_NAME,
      tokensTableName: LOCAL_TOKENS_TABLE_NAME,
      bucketName: LOCAL_BUCKET_NAME,
      credentials,
    };
    const ddbClient = createDynamoDbSdkClient(endpoints);
    const s3Client = createS3Client(endpoints);
    try {
      await ensureTable(ddbClient, endpoints.tableName);
      await ensureTable(ddbClient, endpoints.tokensTableName);
      await ensureBucket(s3Client, endpoints.bucketName);
    } finally {
      ddbClient.destroy();
      s3Client.destroy();
    }
    // LevelDB and s3rver made their first files before the umask could matter to them on
    // a data directory of an older Wharf; whatever is there now is the owner's alone.
    if (options.dataDir) await restrictOwnEntries(options.dataDir);

    return {
      ...endpoints,
      dynamodbHandler: new InProcessDynamoDbHandler(dynamoDbService(undefined, dynaliteHandler, readMemo)),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function listenOnLoopback(handler: RequestListener, port: number | undefined): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port ?? 0, STORE_HOST, () => resolve());
  });
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * S3 percent-decodes x-amz-copy-source whole, as the SDK and botocore encode it (`+` as
 * `%2B`). s3rver decodes it with decodeURI, which leaves reserved characters such as `%2B`
 * encoded, so a key with `+` (a local version: torch-2.13.0+cpu) is not found. The front
 * hands s3rver the key as S3 reads it, encoded only where decodeURI decodes.
 */
function copySourceForS3rver(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const source = headers['x-amz-copy-source'];
  if (typeof source !== 'string') return headers;
  let decoded: string;
  try {
    decoded = decodeURIComponent(source);
  } catch {
    return headers; // Malformed: let s3rver refuse it as it would.
  }
  return { ...headers, 'x-amz-copy-source': encodeURI(decoded) };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const S3_REFUSALS: Record<Refusal, { status: number; code: string }> = {
  missing: { status: 403, code: 'AccessDenied' },
  both: { status: 400, code: 'InvalidArgument' },
  malformed: { status: 400, code: 'AuthorizationQueryParametersError' },
  'unknown-key': { status: 403, code: 'InvalidAccessKeyId' },
  mismatch: { status: 403, code: 'SignatureDoesNotMatch' },
  expired: { status: 403, code: 'AccessDenied' },
  skewed: { status: 403, code: 'RequestTimeTooSkewed' },
};

/** DynamoDB answers every authentication failure with 400 and one of these types. */
const DYNAMODB_REFUSALS: Record<Refusal, string> = {
  missing: 'MissingAuthenticationTokenException',
  both: 'InvalidSignatureException',
  malformed: 'IncompleteSignatureException',
  'unknown-key': 'UnrecognizedClientException',
  mismatch: 'InvalidSignatureException',
  expired: 'InvalidSignatureException',
  skewed: 'InvalidSignatureException',
};

function answer(res: Pick<ServerResponse, "writeHead" | "end"> | ResponseSink, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/**
 * s3rver looks the access key up in its own registry, which knows only its built-in
 * S3RVER key, and checks no V4 signature. Once the front has checked ours, the request is
 * handed on under that key, so s3rver still treats it as signed (response-* overrides are
 * refused on anonymous requests).
 */
function asS3rverIdentity(req: IncomingMessage, accessKeyId: string): void {
  const authorization = req.headers.authorization;
  if (authorization) req.headers.authorization = authorization.replace(`Credential=${accessKeyId}/`, 'Credential=S3RVER/');
  req.url = (req.url ?? '/').replace(new RegExp(`([?&]X-Amz-Credential=)${accessKeyId}(?=%2F|/)`), '$1S3RVER');
}

/**
 * The front for s3rver: checks the signature (header or presigned query), and enforces
 * what real S3 enforces and s3rver does not (one auth mechanism, expiry), then hands the
 * request to s3rver in this process.
 */
/** What the front asks of s3rver's filesystem store for a listing. */
interface S3rverStore {
  getBucket(name: string): Promise<unknown>;
  listObjects(
    bucket: string,
    options: { prefix: string; startAfter: string; maxKeys: number; delimiter: string },
  ): Promise<{ objects: { key: string; lastModifiedDate: Date; size: number; metadata: Record<string, string> }[]; commonPrefixes: string[]; isTruncated: boolean }>;
}

/**
 * ListObjectsV2, answered by the front from s3rver's own store. s3rver pages with a
 * continuation token it enciphers with DES, which OpenSSL 3 (Node 17 and later) refuses, so
 * any listing longer than a page failed with InternalError: a local data directory with
 * more than 1,000 objects under `files/` (about 500 files with their `.metadata`) could not
 * be swept at start. The token here is the last key, base64url-encoded; S3's tokens are as
 * opaque to clients. Anything else about a listing (`encoding-type`, a missing bucket) still
 * goes to s3rver.
 */
async function answerListObjectsV2(store: S3rverStore, bucket: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const token = query.get('continuation-token');
  const startAfter = token !== null ? Buffer.from(token, 'base64url').toString('utf8') : (query.get('start-after') ?? '');
  const asked = query.get('max-keys');
  const maxKeys = asked === null ? 1000 : Math.min(1000, Math.max(0, Number.parseInt(asked, 10) || 0));
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const result = maxKeys === 0 ? { objects: [], commonPrefixes: [], isTruncated: false } : await store.listObjects(bucket, { prefix, startAfter, maxKeys, delimiter });
  const last = result.objects.at(-1)?.key;
  const contents = result.objects
    .map(
      (o) =>
        `<Contents><Key>${escapeXml(o.key)}</Key><LastModified>${o.lastModifiedDate.toISOString()}</LastModified>` +
        `<ETag>${escapeXml(o.metadata['etag'] ?? '')}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  const prefixes = result.commonPrefixes.map((p) => `<CommonPrefixes><Prefix>${escapeXml(p)}</Prefix></CommonPrefixes>`).join('');
  answer(
    res,
    200,
    'application/xml',
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix>` +
      (token !== null ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : query.has('start-after') ? `<StartAfter>${escapeXml(startAfter)}</StartAfter>` : '') +
      (result.isTruncated && last !== undefined ? `<NextContinuationToken>${Buffer.from(last).toString('base64url')}</NextContinuationToken>` : '') +
      `<KeyCount>${result.objects.length + result.commonPrefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
      (delimiter ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : '') +
      `<IsTruncated>${result.isTruncated}</IsTruncated>${contents}${prefixes}</ListBucketResult>`,
  );
}

/** The bucket a ListObjectsV2 (`GET /{bucket}?list-type=2...`) lists, when the front answers it. */
function listingOf(method: string | undefined, url: string): { bucket: string; query: URLSearchParams } | undefined {
  if (method !== 'GET') return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const path = url.slice(0, q).replace(/\/$/, '');
  if (!/^\/[^/]+$/.test(path)) return undefined;
  const query = new URLSearchParams(url.slice(q + 1));
  if (query.get('list-type') !== '2' || query.has('encoding-type')) return undefined;
  return { bucket: decodeURIComponent(path.slice(1)), query };
}

function s3FrontHandler(verifier: SigV4Verifier, s3rver: RequestListener, direct: DirectPutObject, store: S3rverStore): RequestListener {
  return (req, res) => {
    verifier
      .verify({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers })
      .then((verdict) => {
        if (!verdict.ok) {
          const { status, code } = S3_REFUSALS[verdict.refusal];
          answer(
            res,
            status,
            'application/xml',
            `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(verdict.message)}</Message></Error>`,
          );
          req.resume();
          return;
        }
        // A plain PutObject is written in s3rver's layout here (s3rver-put-object.ts).
        const failed = (err: unknown) => {
          if (!res.headersSent) answer(res, 500, 'text/plain; charset=utf-8', `${String(err)}\n`);
          else res.destroy();
        };
        if (!verdict.presigned && direct.handle(req, res, failed)) return;
        const listing = listingOf(req.method, req.url ?? '/');
        if (listing) {
          req.resume();
          void store
            .getBucket(listing.bucket)
            .then((known) => {
              if (!known) {
                asS3rverIdentity(req, verifier.accessKeyId);
                s3rver(req, res);
                return;
              }
              return answerListObjectsV2(store, listing.bucket, listing.query, res);
            })
            .catch(failed);
          return;
        }
        req.headers = copySourceForS3rver(req.headers);
        asS3rverIdentity(req, verifier.accessKeyId);
        s3rver(req, res);
      })
      .catch((err: unknown) => {
        if (!res.headersSent) answer(res, 500, 'text/plain; charset=utf-8', `${String(err)}\n`);
        else res.destroy();
      });
  };
}

/** DynamoDB's own limit on a request body is 16 MB; nothing Wharf sends comes near. */
const MAX_DYNAMODB_REQUEST_BYTES = 16 * 1024 * 1024;

function readAll(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/** What the DynamoDB service reads of a request: the front's, or one handed over in-process. */
interface DynamoDbRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /** Lower-case names, as Node's IncomingMessage has them. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as text, when the caller has it (the read memo's key). */
  readonly text?: string;
}

/** The little of ServerResponse that the front and dynalite write an answer with. */
interface ResponseSink {
  statusCode: number;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(body?: string | Buffer): unknown;
}

type DynaliteHandler = (req: EventEmitter & DynamoDbRequest, res: ResponseSink) => void;

/**
 * The DynamoDB service behind both ways in: checks the signature over the request and its
 * body (DynamoDB signs the body's hash), then hands the request to dynalite's own request
 * handler in this process, as a request stream of the checked body. The in-process way in
 * has no verifier: the signature guards the loopback port against other users of the
 * machine, and a caller in this process already holds the key it would be checked with.
 */
function dynamoDbService(verifier: SigV4Verifier | undefined, dynalite: DynaliteHandler, memo: DynamoDbReadMemo) {
  return async (request: DynamoDbRequest, res: ResponseSink): Promise<void> => {
    const refuse = (type: string, message: string) =>
      answer(res, 400, 'application/x-amz-json-1.0', JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message }));
    if (verifier) {
      const verdict = await verifier.verify(request);
      if (!verdict.ok) return refuse(DYNAMODB_REFUSALS[verdict.refusal], verdict.message);
    }
    const memoized = memo.handle(request.headers['x-amz-target'], request.text ?? request.body.toString('latin1'), res);
    if (memoized === true) return;
    const stream = Object.assign(new EventEmitter(), {
      method: request.method,
      url: request.url,
      headers: { ...request.headers, 'content-length': String(request.body.length) },
      body: request.body,
    });
    dynalite(stream, memoized.sink as ResponseSink);
    if (request.body.length > 0) stream.emit('data', request.body);
    stream.emit('end');
  };
}

/** The front for dynalite on loopback, for clients in other processes (the CLI's). */
function dynamoDbFront(service: ReturnType<typeof dynamoDbService>): RequestListener {
  return (req, res) => {
    (async () => {
      const body = await readAll(req, MAX_DYNAMODB_REQUEST_BYTES);
      if (!body) {
        return answer(res, 400, 'application/x-amz-json-1.0', JSON.stringify({ __type: 'com.amazon.coral.service#SerializationException', message: 'Request body is larger than 16 MB.' }));
      }
      const { 'transfer-encoding': _chunked, ...headers } = req.headers;
      await service({ method: req.method ?? 'POST', url: req.url ?? '/', headers, body }, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) answer(res, 500, 'text/plain; charset=utf-8', `${String(err)}\n`);
      else res.destroy();
    });
  };
}

/** An answer collected in memory, for the SDK client in this process. */
class CollectedResponse implements ResponseSink {
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  body: Uint8Array = new Uint8Array(0);
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  setHeader(name: string, value: number | string | readonly string[]): void {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }

  writeHead(status: number, headers: Record<string, string | number>): void {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
  }

  end(body?: string | Buffer): void {
    if (body !== undefined) this.body = typeof body === 'string' ? Buffer.from(body) : body;
    this.finish();
  }
}

/**
 * The SDK's transport for a DynamoDB client in this process: the request the client signed
 * goes to dynalite as the loopback front's does (without the signature check the port needs),
 * without two HTTP round trips on loopback. Only the transport differs: the client, its
 * signing and its middleware are the ones Lambda runs.
 */
class InProcessDynamoDbHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly service: ReturnType<typeof dynamoDbService>) {}

  async handle(request: HttpRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    const query = Object.entries(request.query ?? {})
      .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(name)}=${encodeURIComponent(v ?? '')}`))
      .join('&');
    const raw: unknown = request.body;
    // A view of the bytes, never Buffer.from(raw): that asks raw.valueOf() first, which the
    // SDK's JSON body (a Uint8Array that also acts as its string) answers with a warning.
    const body =
      raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : typeof raw === 'string' ? Buffer.from(raw) : Buffer.alloc(0);
    if (body.length > MAX_DYNAMODB_REQUEST_BYTES) throw new Error('DynamoDB request body is larger than 16 MB.');
    const collected = new CollectedResponse();
    await this.service({ method: request.method, url: query ? `${request.path}?${query}` : request.path, headers, body }, collected);
    await collected.done;
    return { response: { statusCode: collected.statusCode, headers: collected.headers, body: collected.body } };
  }

  /**
   * A request of Wharf's DynamoDB client (lambdas/adapters/dynamodb-json-client.ts), whose
   * header names are already lower-case and whose body is its JSON text.
   *
   * It is answered at the end of this turn of the event loop (setImmediate), as a store
   * across a network answers after the turn, not within the microtasks of the request that
   * asked: an answer from the read memo would otherwise come before the next socket's
   * request is even parsed, and every request would read its serial alone. So requests
   * that arrive in one turn share one read through FreshReads (lambdas/app/page-cache.ts),
   * which starts only after they arrived, so no answer is older than its request
   * (test/integration/local-read-sharing.test.ts). Under wrk this halved a kept page's CPU.
   */
  async handleJson(request: Parameters<DynamoDbTransport>[0]): ReturnType<DynamoDbTransport> {
    const body = Buffer.from(request.body);
    if (body.length > MAX_DYNAMODB_REQUEST_BYTES) throw new Error('DynamoDB request body is larger than 16 MB.');
    const collected = new CollectedResponse();
    await new Promise((resolve) => setImmediate(resolve));
    await this.service({ method: request.method, url: request.path, headers: request.headers, body, text: request.body }, collected);
    await collected.done;
    return { status: collected.statusCode, headers: collected.headers, body: Buffer.from(collected.body.buffer, collected.body.byteOffset, collected.body.byteLength).toString('utf8') };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}
