/** Embedded DynamoDB and S3 for adapter tests, with clients that count the calls they make. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  createDynamoDbClient,
  createS3Client,
  startEmbeddedStores,
  type EmbeddedStores,
} from '../../lambdas/local/embedded-stores.ts';

export interface TestStores {
  readonly stores: EmbeddedStores;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  /** Commands sent so far, by name (QueryCommand, PutCommand...). */
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

export async function startTestStores(): Promise<TestStores> {
  const stores = await startEmbeddedStores({});
  const dynamodb = createDynamoDbClient(stores);
  const s3 = createS3Client(stores);
  const calls = new Map<string, number>();
  for (const client of [dynamodb, s3] as const) {
    (client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName);
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
  }
  return {
    stores,
    dynamodb,
    s3,
    calls,
    async close() {
      dynamodb.destroy();
      s3.destroy();
      await stores.close();
    },
  };
}
