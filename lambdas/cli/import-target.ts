/**
 * Where `wharf import` writes: a running local server's stores, the local data directory
 * (starting the embedded stores for the duration), or a deployed stack's table and bucket.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import {
  createDynamoDbClient,
  createS3Client,
  startEmbeddedStores,
  type StoreEndpoints,
} from '../local/embedded-stores.ts';
import type { BlobStore, MetadataStore } from '../app/ports.ts';

export interface ImportTarget {
  readonly description: string;
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  close(): Promise<void>;
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

function localTarget(endpoints: StoreEndpoints, description: string, onClose: () => Promise<void>): ImportTarget {
  const dynamodb = createDynamoDbClient(endpoints);
  const s3 = createS3Client(endpoints);
  return {
    description,
    metadata: new DynamoDbMetadataStore(dynamodb, endpoints.tableName),
    blobs: new S3BlobStore(s3, endpoints.bucketName),
    async close() {
      dynamodb.destroy();
      s3.destroy();
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

/** A deployed stack, by its outputs (TableName, BucketName) or by explicit names. */
export async function openAwsTarget(options: AwsTargetOptions): Promise<ImportTarget> {
  const region = options.region ? { region: options.region } : {};
  let tableName = options.tableName;
  let bucketName = options.bucketName;
  if (options.stackName) {
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
  const dynamodb = new DynamoDBClient(region);
  const s3 = new S3Client(region);
  return {
    description: `table ${tableName} and bucket ${bucketName}`,
    metadata: new DynamoDbMetadataStore(dynamodb, tableName),
    blobs: new S3BlobStore(s3, bucketName),
    async close() {
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
