/**
 * PublisherStore on the tokens table, next to the tokens: a publisher grants upload rights
 * as a token does, so it lives where only the admin function may write.
 *
 *   pk                   sk                                    what
 *   PUBLISHERS           PUBLISHER#{provider}#{repoId}#{id}    one trusted publisher
 *   OIDC_JTI#{sha256}    JTI                                   an exchanged OIDC token (ttl = its exp)
 *
 * Removing a publisher marks it (`removedAt`, `removedBy`) rather than deleting it: the
 * admin function needs no DeleteItem on the security table, and the trail stays for audits.
 * Adding the same publisher again overwrites a removed one.
 *
 * An exchange reads the publishers of one repository id: one Query with begins_with on the
 * sort key, never a Scan. All publishers share one partition (a team has dozens), so the
 * list is one Query too. Used token ids get a partition each (they are many and only ever
 * written once) and carry `ttl`, so DynamoDB removes them after the token expired;
 * dynalite has no TTL, so the condition also lets an expired record be overwritten.
 */
import { createHash } from 'node:crypto';
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { putIf, queryAll, updateIf } from './dynamodb-operations.ts';
import type { PublisherRecord } from '../core/trusted-publishing.ts';
import type { PublisherStore } from '../app/ports.ts';
import { TTL_ATTRIBUTE } from '../config/tables.ts';

const PUBLISHERS_PK = 'PUBLISHERS';
const repositoryPrefix = (provider: string, repositoryId: string) => `PUBLISHER#${provider}#${repositoryId}#`;
const publisherSk = (p: PublisherRecord) => `${repositoryPrefix(p.provider, p.repositoryId)}${p.id}`;
const jtiPk = (issuer: string, jti: string) =>
  `OIDC_JTI#${createHash('sha256').update(`${issuer}\n${jti}`, 'utf8').digest('hex')}`;

const FIELDS = [
  'id',
  'project',
  'provider',
  'owner',
  'ownerId',
  'repository',
  'repositoryId',
  'workflow',
  'environment',
  'createdBy',
  'createdAt',
] as const;

function fromItem(item: Record<string, unknown>): PublisherRecord {
  const record: Record<string, string> = {};
  for (const field of FIELDS) record[field] = typeof item[field] === 'string' ? (item[field] as string) : '';
  return record as unknown as PublisherRecord;
}

export class DynamoDbPublisherStore implements PublisherStore {
  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
  ) {}

  async putPublisher(publisher: PublisherRecord): Promise<{ publisher: PublisherRecord; created: boolean }> {
    const key = { pk: PUBLISHERS_PK, sk: publisherSk(publisher) };
    const created = await putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...key, ...Object.fromEntries(FIELDS.map((f) => [f, publisher[f]])) },
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(removedAt)',
    });
    if (created) return { publisher, created: true };
    const out = await this.doc.get({ TableName: this.tableName, Key: key, ConsistentRead: true });
    // Deleted between the two calls: the caller may simply retry.
    if (!out.Item) throw new Error(`The publisher ${publisher.id} changed while it was being added; add it again.`);
    return { publisher: fromItem(out.Item), created: false };
  }

  publishersForRepository(provider: string, repositoryId: string): Promise<PublisherRecord[]> {
    return this.query(repositoryPrefix(provider, repositoryId));
  }

  listPublishers(): Promise<PublisherRecord[]> {
    return this.query('PUBLISHER#');
  }

  async deletePublisher(id: string, removedBy: string, removedAt: string): Promise<PublisherRecord | undefined> {
    const found = (await this.listPublishers()).find((p) => p.id === id);
    if (!found) return undefined;
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: PUBLISHERS_PK, sk: publisherSk(found) },
      UpdateExpression: 'SET removedAt = :at, removedBy = :by',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(removedAt)',
      ExpressionAttributeValues: { ':at': removedAt, ':by': removedBy },
    });
    return updated ? fromItem(updated) : undefined;
  }

  markTokenUsed(issuer: string, jti: string, expiresAt: number, nowSeconds: number): Promise<boolean> {
    return putIf(this.doc, {
      TableName: this.tableName,
      Item: { pk: jtiPk(issuer, jti), sk: 'JTI', issuer, usedAt: new Date(nowSeconds * 1000).toISOString(), [TTL_ATTRIBUTE]: expiresAt },
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':now': nowSeconds },
    });
  }

  private async query(prefix: string): Promise<PublisherRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': PUBLISHERS_PK, ':prefix': prefix },
      ConsistentRead: true,
    });
    // AWS publishers share the partition and have a store of their own (dynamodb-aws-publisher-store.ts).
    const publishers = items.filter((item) => item['removedAt'] === undefined && item['provider'] !== 'aws').map(fromItem);
    return publishers.sort((a, b) => a.project.localeCompare(b.project) || a.createdAt.localeCompare(b.createdAt));
  }
}
