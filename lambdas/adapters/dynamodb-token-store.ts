/**
 * TokenStore on its own DynamoDB table (partition key `pk`, sort key `sk`), apart from the
 * package metadata so IAM can give each function exactly its share: the page-serving
 * function may GetItem here and nothing else.
 *
 *   pk        sk             what
 *   TOKENS    TOKEN#{id}     one token: hash of the secret, scopes, who made it, when
 *
 * All tokens share one partition: a team has hundreds, not millions, and listing them is
 * then one Query. Expired tokens carry a `ttl` attribute (expiry + 90 days) so DynamoDB
 * removes them eventually, keeping a trail for audits in the meantime.
 */
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { queryAll, updateIf } from './dynamodb-operations.ts';
import type { TokenRecord } from '../core/model.ts';
import type { TokenStore } from '../app/ports.ts';
import { TTL_ATTRIBUTE } from '../config/tables.ts';

const TOKENS_PK = 'TOKENS';
const tokenSk = (id: string) => `TOKEN#${id}`;
/** Attribute DynamoDB's time-to-live reads (the CDK construct enables it). */
const KEEP_EXPIRED_SECONDS = 90 * 24 * 3600;

function toItem(token: TokenRecord): Record<string, unknown> {
  return {
    pk: TOKENS_PK,
    sk: tokenSk(token.id),
    ...token,
    scopes: [...token.scopes],
    ...(token.expiresAt !== undefined
      ? { [TTL_ATTRIBUTE]: Math.floor(Date.parse(token.expiresAt) / 1000) + KEEP_EXPIRED_SECONDS }
      : {}),
  };
}

function fromItem(item: Record<string, unknown>): TokenRecord {
  const optional = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] as string } : {});
  return {
    id: item['id'] as string,
    secretHash: item['secretHash'] as string,
    description: (item['description'] as string | undefined) ?? '',
    createdBy: item['createdBy'] as string,
    createdAt: item['createdAt'] as string,
    scopes: (item['scopes'] as string[] | undefined) ?? [],
    ...optional('expiresAt'),
    ...optional('revokedAt'),
    ...optional('revokedBy'),
  };
}

export class DynamoDbTokenStore implements TokenStore {
  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
  ) {}

  async getToken(id: string): Promise<TokenRecord | undefined> {
    const out = await this.doc.get({ TableName: this.tableName, Key: { pk: TOKENS_PK, sk: tokenSk(id) }, ConsistentRead: true });
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async putToken(token: TokenRecord): Promise<void> {
    await this.doc.put({
        TableName: this.tableName,
        Item: toItem(token),
        ConditionExpression: 'attribute_not_exists(pk)',
      });
  }

  async listTokens(): Promise<TokenRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': TOKENS_PK },
      ConsistentRead: true,
    });
    const tokens = items.map(fromItem);
    return tokens.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  async revokeToken(id: string, revokedAt: string, revokedBy: string): Promise<TokenRecord | undefined> {
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: TOKENS_PK, sk: tokenSk(id) },
      // The first revocation stands: revoking twice must not rewrite the audit trail.
      UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at), revokedBy = if_not_exists(revokedBy, :by)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': revokedAt, ':by': revokedBy },
    });
    return updated ? fromItem(updated) : undefined;
  }
}
