/**
 * SDK clients for the local stores a test started (startLocalWharf, startEmbeddedStores),
 * made the way the local server makes its own, so a change to how the local stores
 * authenticate reaches the tests through this one file.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDbJsonClient } from '../../lambdas/adapters/dynamodb-json-client.ts';
import { createDynamoDbClient, createDynamoDbSdkClient, createS3Client, type StoreEndpoints } from '../../lambdas/local/embedded-stores.ts';

export interface LocalStoreClients {
  /** Wharf's own client, what the stores get. */
  readonly dynamodb: DynamoDbJsonClient;
  /** An AWS SDK client, for raw calls around the stores (Scan, a hand-written item). */
  readonly sdk: DynamoDBClient;
  readonly s3: S3Client;
  destroy(): void;
}

export function localStoreClients(stores: StoreEndpoints): LocalStoreClients {
  const dynamodb = createDynamoDbClient(stores);
  const sdk = createDynamoDbSdkClient(stores);
  const s3 = createS3Client(stores);
  return {
    dynamodb,
    sdk,
    s3,
    destroy() {
      dynamodb.destroy();
      sdk.destroy();
      s3.destroy();
    },
  };
}
