/**
 * UploadSessionStore on the metadata table: one item per session, `pk = UPLOAD#{id}`,
 * `sk = #SESSION`, with a `ttl` attribute (epoch seconds) so DynamoDB removes it a day
 * after it expires. DynamoDB's TTL deletes late and the embedded emulator has none, so
 * expiry is always decided on read by comparing `expiresAt` with the clock.
 */
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { isConditionFailure } from './dynamodb-json-client.ts';
import { putIf, updateIf } from './dynamodb-operations.ts';
import { TTL_ATTRIBUTE } from '../config/tables.ts';
import type { SessionStatus, UploadSession } from '../core/upload-session.ts';
import type { PublishingSession, PublishingStatus } from '../core/publishing-session.ts';
import type { PublishingSessionStore, UploadSessionStore } from '../app/ports.ts';

export const SESSION_TTL_ATTRIBUTE = TTL_ATTRIBUTE;
const SESSION_SK = '#SESSION';
/** A PEP 694 publishing session: the same partition as a file session's id space, its own sort key. */
const PUBLISHING_SK = '#PUBLISHING';
const CLAIM_SK = '#CLAIM';
const claimPk = (key: string) => `UPLOAD#CLAIM#${key}`;
const pk = (id: string) => `UPLOAD#${id}`;
/** How long an ended session's record stays readable (for the client's last poll). */
const KEEP_AFTER_EXPIRY_SECONDS = 24 * 3600;

export class DynamoDbUploadSessionStore implements UploadSessionStore, PublishingSessionStore {
  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
  ) {}

  async createSession(session: UploadSession): Promise<void> {
    await this.doc.put({
        TableName: this.tableName,
        Item: {
          pk: pk(session.id),
          sk: SESSION_SK,
          ...session,
          [SESSION_TTL_ATTRIBUTE]: Math.ceil(Date.parse(session.expiresAt) / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
  }

  async getSession(id: string): Promise<UploadSession | undefined> {
    const answer = await this.doc.get({ TableName: this.tableName, Key: { pk: pk(id), sk: SESSION_SK }, ConsistentRead: true });
    return answer.Item ? toSession(answer.Item) : undefined;
  }

  async transitionSession(
    id: string,
    from: SessionStatus,
    to: SessionStatus,
    fields: Partial<Pick<UploadSession, 'error' | 'outcome' | 'verifyingSince' | 'stagedEtag' | 'provenance'>> = {},
  ): Promise<UploadSession | undefined> {
    const updated = await this.transition(pk(id), SESSION_SK, [from], to, fields);
    return updated ? toSession(updated) : undefined;
  }

  private transition(
    partition: string,
    sort: string,
    from: readonly string[],
    to: string,
    fields: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':to': to };
    from.forEach((status, i) => (values[`:from${i}`] = status));
    const sets = ['#status = :to'];
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    return updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: partition, sk: sort },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  async createPublishingSession(session: PublishingSession): Promise<void> {
    await this.doc.put({
      TableName: this.tableName,
      Item: { pk: pk(session.id), sk: PUBLISHING_SK, ...session, [SESSION_TTL_ATTRIBUTE]: ttlOf(session.expiresAt) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  async getPublishingSession(id: string): Promise<PublishingSession | undefined> {
    const answer = await this.doc.get({ TableName: this.tableName, Key: { pk: pk(id), sk: PUBLISHING_SK }, ConsistentRead: true });
    return answer.Item ? (strip(answer.Item) as unknown as PublishingSession) : undefined;
  }

  async transitionPublishingSession(
    id: string,
    from: readonly PublishingStatus[],
    to: PublishingStatus,
    fields: Partial<Pick<PublishingSession, 'expiresAt' | 'notices' | 'processingSince'>> = {},
  ): Promise<PublishingSession | undefined> {
    // An extension moves the record's TTL with it, so DynamoDB never drops a live session.
    const all = fields.expiresAt ? { ...fields, [SESSION_TTL_ATTRIBUTE]: ttlOf(fields.expiresAt) } : fields;
    const updated = await this.transition(pk(id), PUBLISHING_SK, from, to, all);
    return updated ? (strip(updated) as unknown as PublishingSession) : undefined;
  }

  async addPublishingFile(id: string, filename: string, fileSessionId: string, replacing?: string): Promise<boolean> {
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: pk(id), sk: PUBLISHING_SK },
      UpdateExpression: 'SET #files.#name = :id',
      ConditionExpression:
        `#status IN (:open, :error) AND ` + (replacing === undefined ? 'attribute_not_exists(#files.#name)' : '#files.#name = :replacing'),
      ExpressionAttributeNames: { '#files': 'files', '#name': filename, '#status': 'status' },
      ExpressionAttributeValues: { ':id': fileSessionId, ':open': 'open', ':error': 'error', ...(replacing !== undefined ? { ':replacing': replacing } : {}) },
    });
    return updated !== undefined;
  }

  async removePublishingFile(id: string, filename: string, fileSessionId: string): Promise<void> {
    await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: pk(id), sk: PUBLISHING_SK },
      UpdateExpression: 'REMOVE #files.#name',
      ConditionExpression: '#files.#name = :id',
      ExpressionAttributeNames: { '#files': 'files', '#name': filename },
      ExpressionAttributeValues: { ':id': fileSessionId },
    });
  }

  async claim(key: string, holder: string, stale?: string): Promise<string> {
    const item = { pk: claimPk(key), sk: CLAIM_SK, holder };
    const won = await putIf(this.doc, {
      TableName: this.tableName,
      Item: item,
      ...(stale !== undefined
        ? {
            ConditionExpression: 'attribute_not_exists(pk) OR holder = :stale',
            ExpressionAttributeValues: { ':stale': stale },
          }
        : {}),
    });
    if (won) return holder;
    return (await this.claimHolder(key)) ?? (await this.claim(key, holder));
  }

  async claimHolder(key: string): Promise<string | undefined> {
    const answer = await this.doc.get({ TableName: this.tableName, Key: { pk: claimPk(key), sk: CLAIM_SK }, ConsistentRead: true });
    return answer.Item?.['holder'] as string | undefined;
  }

  async releaseClaim(key: string, holder: string): Promise<void> {
    try {
      await this.doc.delete({
        TableName: this.tableName,
        Key: { pk: claimPk(key), sk: CLAIM_SK },
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': holder },
      });
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}

function ttlOf(expiresAt: string): number {
  return Math.ceil(Date.parse(expiresAt) / 1000) + KEEP_AFTER_EXPIRY_SECONDS;
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, [SESSION_TTL_ATTRIBUTE]: _ttl, ...rest } = item;
  return rest;
}

function toSession(item: Record<string, unknown>): UploadSession {
  const { pk: _pk, sk: _sk, [SESSION_TTL_ATTRIBUTE]: _ttl, ...session } = item;
  return session as unknown as UploadSession;
}
