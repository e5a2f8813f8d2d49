/**
 * SDK clients for the local stores a test started (startLocalWharf, startEmbeddedStores),
 * made the way the local server makes its own, so a change to how the local stores
 * authenticate reaches the tests through this one file.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { createDynamoDbClient, createS3Client, type StoreEndpoints } from '../../lambdas/local/embedded-stores.ts';

export interface LocalStoreClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  destroy(): void;
}

export function localStoreClients(stores: StoreEndpoints): LocalStoreClients {
  const dynamodb = createDynamoDbClient(stores);
  const s3 = createS3Client(stores);
  return {
    dynamodb,
    s3,
    destroy() {
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
