/** Embedded DynamoDB and S3 for adapter tests, with clients that count the calls they make. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDbJsonClient } from '../../lambdas/adapters/dynamodb-json-client.ts';
import {
  createDynamoDbClient,
  createDynamoDbSdkClient,
  createS3Client,
  startEmbeddedStores,
  type EmbeddedStores,
} from '../../lambdas/local/embedded-stores.ts';

export interface TestStores {
  readonly stores: EmbeddedStores;
  /** The client the stores under test get (Wharf's own). */
  readonly dynamodb: DynamoDbJsonClient;
  /** An AWS SDK client of the same stores, for looking at the tables around the stores (Scan). */
  readonly sdk: DynamoDBClient;
  readonly s3: S3Client;
  /** Calls sent so far through `dynamodb` and `s3`, by name (Query, PutItem, PutObjectCommand...). */
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

export async function startTestStores(): Promise<TestStores> {
  const stores = await startEmbeddedStores({});
  const dynamodb = createDynamoDbClient(stores);
  const sdk = createDynamoDbSdkClient(stores);
  const s3 = createS3Client(stores);
  const calls = new Map<string, number>();
  countDynamoDbCalls(dynamodb, calls);
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return {
    stores,
    dynamodb,
    sdk,
    s3,
    calls,
    async close() {
      dynamodb.destroy();
      sdk.destroy();
      s3.destroy();
      await stores.close();
    },
  };
}

/** Counts the calls `client` sends, by operation (Query, GetItem, PutItem...). */
export function countDynamoDbCalls(client: DynamoDbJsonClient, calls: Map<string, number>): void {
  client.use(async (operation, input, next) => {
    calls.set(operation, (calls.get(operation) ?? 0) + 1);
    return next(input);
  });
}
