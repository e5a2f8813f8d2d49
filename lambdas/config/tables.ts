/**
 * The shape of Wharf's two DynamoDB tables, which the CDK construct and the local server
 * create and the adapters read: string partition and sort keys, and a TTL attribute that
 * DynamoDB uses to drop expired tokens, spent OIDC token ids and old upload sessions.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** Epoch seconds after which DynamoDB may delete the item (the table's TTL attribute). */
export const TTL_ATTRIBUTE = 'ttl';
