/**
 * AwsPublisherStore on the tokens table, in the partition of the other trusted publishers
 * (lambdas/adapters/dynamodb-publisher-store.ts) and with its key scheme, the account in
 * place of the repository id:
 *
 *   pk           sk                                  what
 *   PUBLISHERS   PUBLISHER#aws#{account}#{id}        one AWS publisher
 *
 * An exchange reads the publishers of one account: one Query with begins_with on the sort
 * key, never a Scan. Removing marks the item (`removedAt`, `removedBy`), as for GitHub
 * publishers; adding the same publisher again overwrites a removed one. Pinning a role id
 * on first use is one conditional Update: only while the item has none, so two first uses
 * by different roles of the same name cannot both pin.
 */
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { putIf, queryAll, updateIf } from './dynamodb-operations.ts';
import { AWS_PROVIDER, type AwsPublisherRecord } from '../core/aws-publisher.ts';
import type { AwsPublisherStore } from '../app/aws-identity-ports.ts';

const PUBLISHERS_PK = 'PUBLISHERS';
const accountPrefix = (account: string) => `PUBLISHER#${AWS_PROVIDER}#${account}#`;
const publisherSk = (p: Pick<AwsPublisherRecord, 'account' | 'id'>) => `${accountPrefix(p.account)}${p.id}`;

const FIELDS = ['id', 'project', 'provider', 'partition', 'account', 'roleName', 'rolePath', 'roleId', 'createdBy', 'createdAt'] as const;

function fromItem(item: Record<string, unknown>): AwsPublisherRecord {
  const record: Record<string, string> = {};
  for (const field of FIELDS) record[field] = typeof item[field] === 'string' ? (item[field] as string) : '';
  return record as unknown as AwsPublisherRecord;
}

export class DynamoDbAwsPublisherStore implements AwsPublisherStore {
  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
  ) {}

  async putAwsPublisher(publisher: AwsPublisherRecord): Promise<{ publisher: AwsPublisherRecord; created: boolean }> {
    const key = { pk: PUBLISHERS_PK, sk: publisherSk(publisher) };
    const created = await putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...key, ...Object.fromEntries(FIELDS.map((f) => [f, publisher[f]])) },
      ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(removedAt)',
    });
    if (created) return { publisher, created: true };
    const out = await this.doc.get({ TableName: this.tableName, Key: key, ConsistentRead: true });
    if (!out.Item) throw new Error(`The publisher ${publisher.id} changed while it was being added; add it again.`);
    return { publisher: fromItem(out.Item), created: false };
  }

  awsPublishersForAccount(account: string): Promise<AwsPublisherRecord[]> {
    return this.query(accountPrefix(account));
  }

  listAwsPublishers(): Promise<AwsPublisherRecord[]> {
    return this.query(`PUBLISHER#${AWS_PROVIDER}#`);
  }

  async deleteAwsPublisher(id: string, removedBy: string, removedAt: string): Promise<AwsPublisherRecord | undefined> {
    const found = (await this.listAwsPublishers()).find((p) => p.id === id);
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

  async pinRoleId(publisher: AwsPublisherRecord, roleId: string): Promise<AwsPublisherRecord | undefined> {
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: PUBLISHERS_PK, sk: publisherSk(publisher) },
      UpdateExpression: 'SET roleId = :id, roleIdPinnedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(removedAt) AND roleId = :none AND createdAt = :created',
      ExpressionAttributeValues: { ':id': roleId, ':none': '', ':at': new Date().toISOString(), ':created': publisher.createdAt },
    });
    return updated ? fromItem(updated) : undefined;
  }

  private async query(prefix: string): Promise<AwsPublisherRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': PUBLISHERS_PK, ':prefix': prefix },
      ConsistentRead: true,
    });
    const publishers = items.filter((item) => item['removedAt'] === undefined && item['provider'] === AWS_PROVIDER).map(fromItem);
    return publishers.sort((a, b) => a.project.localeCompare(b.project) || a.createdAt.localeCompare(b.createdAt));
  }
}
