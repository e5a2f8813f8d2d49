/**
 * Where `wharf import` writes: a running local server's stores, the local data directory
 * (starting the embedded stores for the duration), or a deployed stack's table and bucket.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbRetentionStore } from '../adapters/dynamodb-retention-store.ts';
import type { RetentionStore } from '../app/retention-ports.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../adapters/s3-sdk-objects.ts';
import {
  createDynamoDbClient,
  createS3Client,
  createS3Objects,
  startEmbeddedStores,
  type StoreEndpoints,
} from '../local/embedded-stores.ts';
import type { BlobStore, MetadataStore } from '../app/ports.ts';
import type { ImportBatching } from './import-batching.ts';

/** The batching a DynamoDB metadata store offers an import. */
function dynamoDbBatching(store: DynamoDbMetadataStore): ImportBatching {
  return { lookups: store, deferRaises: (raises) => store.withSerialRaisesTo(raises), raiseSerials: (pks) => store.raiseSerials(pks) };
}

export interface ImportTarget {
  readonly description: string;
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  /** The retention rules and the walk over projects, in the same table. */
  readonly retention?: RetentionStore;
  /** Stores a file from disk at `key` without holding it in memory. */
  readonly files: FileUploader;
  /** Batched reads and gathered serial raises (import-batching.ts); without, one call each. */
  readonly batching?: ImportBatching;
  close(): Promise<void>;
}

export interface FileUploader {
  /**
   * Streams the file at `filePath` to `key` (multipart when large), hashing what it sends;
   * when that is not `sha256` (the file changed since it was hashed) the object is removed
   * and the upload fails, so a content-addressed key never holds other bytes.
   */
  putFile(key: string, filePath: string, sha256: string, options: { contentType: string; cacheControl: string }): Promise<void>;
}

/** Parts of a streamed upload, and how many go at once: what one big file holds in memory. */
export const STREAM_PART_BYTES = 8 * 1024 * 1024;
export const STREAM_QUEUE = 2;

export function s3FileUploader(client: S3Client, bucketName: string): FileUploader {
  return {
    async putFile(key, filePath, sha256, options) {
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const body = createReadStream(filePath, { highWaterMark: 1024 * 1024 }).pipe(hashing);
      // Loaded for big files only, like the AWS-only modules below: what the command loads
      // at start is paid once per import, before the first file.
      const { Upload } = await import('@aws-sdk/lib-storage');
      const upload = new Upload({
        client,
        params: { Bucket: bucketName, Key: key, Body: body, ContentType: options.contentType, CacheControl: options.cacheControl },
        partSize: STREAM_PART_BYTES,
        queueSize: STREAM_QUEUE,
      });
      await upload.done();
      const sent = hash.digest('hex');
      if (sent !== sha256) {
        await client.send(new DeleteObjectCommand({ Bucket: bucketName, Key: key }));
        throw new Error(`${filePath} changed while it was being imported (sha256 ${sha256} when read, ${sent} when sent); nothing was stored. Import it again once it is no longer being written.`);
      }
    },
  };
}

export const SERVER_STATE_FILE = 'server.json';

export interface ServerState extends StoreEndpoints {
  readonly pid: number;
  readonly url: string;
}

export async function readServerState(dataDir: string): Promise<ServerState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dataDir, SERVER_STATE_FILE), 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stores at these endpoints (a running local server's, or embedded ones), with clients of its own. */
export function localTarget(endpoints: StoreEndpoints, description: string, onClose: () => Promise<void>): ImportTarget {
  const dynamodb = createDynamoDbClient(endpoints);
  const s3 = createS3Client(endpoints);
  // The small objects (most files, every .metadata) by Wharf's own S3 client: the SDK's cost
  // the import more CPU per file than the rest of it (s3-rest-client.ts). Files too big to
  // read into memory still stream through the SDK's multipart upload.
  const objects = createS3Objects(endpoints);
  const metadata = new DynamoDbMetadataStore(dynamodb, endpoints.tableName);
  return {
    description,
    metadata,
    batching: dynamoDbBatching(metadata),
    retention: new DynamoDbRetentionStore(dynamodb, endpoints.tableName),
    blobs: new S3BlobStore(objects),
    files: s3FileUploader(s3, endpoints.bucketName),
    async close() {
      dynamodb.destroy();
      s3.destroy();
      objects.destroy();
      await onClose();
    },
  };
}

export async function openLocalTarget(dataDir: string): Promise<ImportTarget> {
  const state = await readServerState(dataDir);
  if (state && processAlive(state.pid)) {
    return localTarget(state, `the running local server at ${state.url}`, async () => undefined);
  }
  const stores = await startEmbeddedStores({ dataDir });
  return localTarget(stores, `the local data directory ${dataDir}`, () => stores.close());
}

export interface AwsTargetOptions {
  readonly stackName?: string;
  readonly tableName?: string;
  readonly bucketName?: string;
  readonly region?: string;
}

/** The index the command-line options name: a deployed one (--stack, --table/--bucket) or the local data directory. */
export async function openTargetFromOptions(options: {
  readonly stack?: string;
  readonly table?: string;
  readonly bucket?: string;
  readonly region?: string;
  readonly dataDir: string;
}): Promise<ImportTarget> {
  if (!(options.stack || options.table || options.bucket)) return openLocalTarget(options.dataDir);
  return openAwsTarget({
    ...(options.stack ? { stackName: options.stack } : {}),
    ...(options.table ? { tableName: options.table } : {}),
    ...(options.bucket ? { bucketName: options.bucket } : {}),
    ...(options.region ? { region: options.region } : {}),
  });
}

/** A deployed stack, by its outputs (TableName, BucketName) or by explicit names. */
export async function openAwsTarget(options: AwsTargetOptions): Promise<ImportTarget> {
  const region = options.region ? { region: options.region } : {};
  let tableName = options.tableName;
  let bucketName = options.bucketName;
  if (options.stackName) {
    const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const cfn = new CloudFormationClient(region);
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: options.stackName }));
    cfn.destroy();
    const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    tableName ??= outputs['TableName'];
    bucketName ??= outputs['BucketName'];
    if (!tableName || !bucketName) {
      throw new Error(`Stack ${options.stackName} has no TableName/BucketName outputs: is it a Wharf stack?`);
    }
  }
  if (!tableName || !bucketName) {
    throw new Error('Name the deployed index with --stack NAME, or with both --table and --bucket.');
  }
  const { awsDynamoDb } = await import('./aws-caller.ts');
  const dynamodb = await awsDynamoDb(options.region);
  const s3 = new S3Client(region);
  const metadata = new DynamoDbMetadataStore(dynamodb, tableName);
  return {
    description: `table ${tableName} and bucket ${bucketName}`,
    metadata,
    batching: dynamoDbBatching(metadata),
    retention: new DynamoDbRetentionStore(dynamodb, tableName),
    blobs: new S3BlobStore(sdkS3Objects(s3, bucketName)),
    files: s3FileUploader(s3, bucketName),
    async close() {
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
