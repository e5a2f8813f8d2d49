/**
 * PublisherStore on the tokens table, next to the tokens: a publisher grants upload rights
 * as a token does, so it lives where only the admin function may write.
 *
 *   pk                   sk                                        what
 *   PUBLISHERS           PUBLISHER#{provider}#{lookupKey}#{id}     one trusted publisher
 *   OIDC_JTI#{sha256}    JTI                                       an exchanged OIDC token (ttl = its exp)
 *   RESERVED#{project}   PUBLISHER#{id}                            a pending publisher holds the name
 *   RESERVED#{project}   TOKEN#{tokenId}                           a token minted from it may create it (ttl)
 *
 * The lookup key is the provider's (PublisherRules.lookupKey: GitHub's repository id, GitLab's
 * project id and issuer, a Google service account's email), so an exchange reads the
 * publishers of one identity: one Query with begins_with on the sort key, never a Scan. All
 * publishers share one partition (a team has dozens), so the list is one Query too. Records
 * stored before publishers had kinds carry `provider: "github"` and GitHub's fields only,
 * which is what a GitHub record still is.
 *
 * Removing a publisher marks it (`removedAt`, `removedBy`) rather than deleting it: the
 * admin function needs no DeleteItem on the security table, and the trail stays for audits.
 * Adding the same publisher again overwrites a removed one. Reservations are marked the same way.
 *
 * Used token ids get a partition each (they are many and only ever written once) and carry
 * `ttl`, so DynamoDB removes them after the token expired; dynalite has no TTL, so the
 * condition also lets an expired record be overwritten, and readers ignore expired grants.
 */
import { createHash } from 'node:crypto';
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { putIf, queryAll, updateIf } from './dynamodb-operations.ts';
import { isPublisherProvider, rulesFor, rulesOf, type PublisherRecord } from '../core/trusted-publishing.ts';
import type { NameReservation, PublisherStore } from '../app/ports.ts';
import { TTL_ATTRIBUTE } from '../config/tables.ts';

const PUBLISHERS_PK = 'PUBLISHERS';
const lookupPrefix = (provider: string, lookupKey: string) => `PUBLISHER#${provider}#${lookupKey}#`;
const publisherSk = (p: PublisherRecord) => `${lookupPrefix(p.provider, rulesOf(p).lookupKey(p))}${p.id}`;
const jtiPk = (issuer: string, jti: string) =>
  `OIDC_JTI#${createHash('sha256').update(`${issuer}\n${jti}`, 'utf8').digest('hex')}`;
const reservedPk = (project: string) => `RESERVED#${project}`;

const BASE_FIELDS = ['id', 'project', 'provider', 'createdBy', 'createdAt'] as const;

function fieldsOf(provider: string): readonly string[] {
  return [...BASE_FIELDS, ...(isPublisherProvider(provider) ? rulesFor(provider).fields : [])];
}

function fromItem(item: Record<string, unknown>): PublisherRecord {
  const provider = typeof item['provider'] === 'string' && item['provider'] !== '' ? item['provider'] : 'github';
  const record: Record<string, unknown> = {};
  for (const field of fieldsOf(provider)) record[field] = typeof item[field] === 'string' ? item[field] : '';
  record['provider'] = provider;
  if (item['pending'] === true) record['pending'] = true;
  return record as unknown as PublisherRecord;
}

function toItem(publisher: PublisherRecord): Record<string, unknown> {
  const source = publisher as unknown as Record<string, unknown>;
  return {
    ...Object.fromEntries(fieldsOf(publisher.provider).map((f) => [f, source[f] ?? ''])),
    ...(publisher.pending ? { pending: true } : {}),
  };
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
      Item: { ...key, ...toItem(publisher) },
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(removedAt)',
    });
    if (created) return { publisher, created: true };
    const out = await this.doc.get({ TableName: this.tableName, Key: key, ConsistentRead: true });
    // Deleted between the two calls: the caller may simply retry.
    if (!out.Item) throw new Error(`The publisher ${publisher.id} changed while it was being added; add it again.`);
    return { publisher: fromItem(out.Item), created: false };
  }

  publishersForRepository(provider: string, lookupKey: string): Promise<PublisherRecord[]> {
    return this.query(lookupPrefix(provider, lookupKey));
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
    if (!updated) return undefined;
    // Pending or converted from pending: a removed publisher holds no name (a no-op for the others).
    await this.releaseName(found.project, found.id, removedAt);
    return fromItem(updated);
  }

  async convertPending(publisher: PublisherRecord, convertedAt: string): Promise<boolean> {
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: PUBLISHERS_PK, sk: publisherSk(publisher) },
      UpdateExpression: 'REMOVE pending SET convertedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(removedAt) AND pending = :true',
      ExpressionAttributeValues: { ':at': convertedAt, ':true': true },
    });
    return updated !== undefined;
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

  async reserveName(project: string, publisherId: string, at: string): Promise<void> {
    await this.doc.put({ TableName: this.tableName, Item: { pk: reservedPk(project), sk: `PUBLISHER#${publisherId}`, publisherId, reservedAt: at } });
  }

  async releaseName(project: string, publisherId: string, at: string): Promise<void> {
    await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: reservedPk(project), sk: `PUBLISHER#${publisherId}` },
      UpdateExpression: 'SET releasedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(releasedAt)',
      ExpressionAttributeValues: { ':at': at },
    });
  }

  async grantCreate(project: string, tokenId: string, expiresAt: number): Promise<void> {
    await this.doc.put({ TableName: this.tableName, Item: { pk: reservedPk(project), sk: `TOKEN#${tokenId}`, tokenId, [TTL_ATTRIBUTE]: expiresAt } });
  }

  async reservationOf(project: string, nowSeconds: number): Promise<NameReservation> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': reservedPk(project) },
      ConsistentRead: true,
    });
    const publishers: string[] = [];
    const tokens: string[] = [];
    for (const item of items) {
      const sk = String(item['sk']);
      if (sk.startsWith('PUBLISHER#') && item['releasedAt'] === undefined) publishers.push(String(item['publisherId']));
      else if (sk.startsWith('TOKEN#') && Number(item[TTL_ATTRIBUTE]) >= nowSeconds) tokens.push(String(item['tokenId']));
    }
    return { publishers, tokens };
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
