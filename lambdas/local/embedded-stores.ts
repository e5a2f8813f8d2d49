/**
 * The embedded DynamoDB-compatible (dynalite) and S3-compatible (s3rver) servers behind
 * `wharf serve`, both on loopback. Data lives under the data directory, or in memory and a
 * temporary directory for `--memory`.
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
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
import { S3UrlSigner } from '../adapters/s3-url-signer.ts';
import S3rver from 's3rver';
import { TABLE_KEYS } from '../config/tables.ts';

export const LOCAL_TABLE_NAME = 'wharf';
export const LOCAL_TOKENS_TABLE_NAME = 'wharf-tokens';
export const LOCAL_BUCKET_NAME = 'wharf-local';
export const LOCAL_REGION = 'us-east-1';
// s3rver checks no signatures but the SDK must sign with something.
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface StoreEndpoints {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly tableName: string;
  readonly tokensTableName: string;
  readonly bucketName: string;
}

export interface EmbeddedStores extends StoreEndpoints {
  close(): Promise<void>;
}

export function createDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
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

/** The signer the read function uses, pointed at the local S3-compatible server. */
export function createLocalUrlSigner(endpoint: string, bucketName: string): S3UrlSigner {
  return new S3UrlSigner({ endpoint, bucketName, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

export function createS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
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
  readonly host?: string;
  readonly dynamodbPort?: number;
  readonly s3Port?: number;
}

export async function startEmbeddedStores(options: EmbeddedStoresOptions): Promise<EmbeddedStores> {
  const host = options.host ?? '127.0.0.1';
  let dynamoDir: string | undefined;
  let s3Dir: string;
  let tempDir: string | undefined;
  if (options.dataDir) {
    dynamoDir = path.join(options.dataDir, 'dynamodb');
    s3Dir = path.join(options.dataDir, 's3');
    await mkdir(dynamoDir, { recursive: true });
    await mkdir(s3Dir, { recursive: true });
  } else {
    tempDir = await mkdtemp(path.join(tmpdir(), 'wharf-s3-'));
    s3Dir = tempDir;
  }

  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dynamoDir ? { path: dynamoDir } : {}) });
  await new Promise<void>((resolve, reject) => {
    dynamo.once('error', reject);
    dynamo.listen(options.dynamodbPort ?? 0, host, () => resolve());
  });
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  const s3 = new S3rver({ address: host, port: options.s3Port ?? 0, silent: true, directory: s3Dir });
  let s3Port: number;
  try {
    s3Port = (await s3.run()).port;
  } catch (err) {
    await new Promise((resolve) => dynamo.close(resolve));
    throw err;
  }

  const front = await startS3Front(host, s3Port);

  const endpoints: StoreEndpoints = {
    dynamodbEndpoint: `http://${host}:${dynamoPort}`,
    s3Endpoint: `http://${host}:${(front.address() as AddressInfo).port}`,
    tableName: LOCAL_TABLE_NAME,
    tokensTableName: LOCAL_TOKENS_TABLE_NAME,
    bucketName: LOCAL_BUCKET_NAME,
  };
  const ddbClient = createDynamoDbClient(endpoints.dynamodbEndpoint);
  const s3Client = createS3Client(endpoints.s3Endpoint);
  await ensureTable(ddbClient, endpoints.tableName);
  await ensureTable(ddbClient, endpoints.tokensTableName);
  await ensureBucket(s3Client, endpoints.bucketName);
  ddbClient.destroy();
  s3Client.destroy();

  return {
    ...endpoints,
    async close() {
      await new Promise((resolve) => {
        front.close(resolve);
        front.closeAllConnections();
      });
      await s3.close();
      await new Promise((resolve) => dynamo.close(resolve));
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
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

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * A thin front for s3rver that enforces what real S3 enforces on presigned URLs and
 * s3rver does not: a request may not carry both a presigned query signature and an
 * Authorization header (so a client that leaks its index credentials to S3 fails here as
 * it would on AWS), and an expired presigned URL is refused.
 */
async function startS3Front(host: string, targetPort: number): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const presigned = url.searchParams.has('X-Amz-Signature');
    const reject = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' }).end(s3Error(code, message));
      req.resume();
    };
    if (presigned && req.headers.authorization !== undefined) {
      return reject(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    if (presigned) {
      const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(url.searchParams.get('X-Amz-Date') ?? '');
      const expires = Number(url.searchParams.get('X-Amz-Expires'));
      if (!date || !Number.isInteger(expires)) return reject(400, 'AuthorizationQueryParametersError', 'X-Amz-Date and X-Amz-Expires are required.');
      const signedAt = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
      if (Date.now() > signedAt + expires * 1000) return reject(403, 'AccessDenied', 'Request has expired');
    }
    const upstream = httpRequest(
      { host, port: targetPort, method: req.method, path: req.url, headers: copySourceForS3rver(req.headers) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return server;
}
