/**
 * UploadSessionStore on the metadata table: one item per session, `pk = UPLOAD#{id}`,
 * `sk = #SESSION`, with a `ttl` attribute (epoch seconds) so DynamoDB removes it a day
 * after it expires. DynamoDB's TTL deletes late and the embedded emulator has none, so
 * expiry is always decided on read by comparing `expiresAt` with the clock.
 */
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { updateIf } from './dynamodb-operations.ts';
import { TTL_ATTRIBUTE } from '../config/tables.ts';
import type { SessionStatus, UploadSession } from '../core/upload-session.ts';
import type { UploadSessionStore } from '../app/ports.ts';

export const SESSION_TTL_ATTRIBUTE = TTL_ATTRIBUTE;
const SESSION_SK = '#SESSION';
const pk = (id: string) => `UPLOAD#${id}`;
/** How long an ended session's record stays readable (for the client's last poll). */
const KEEP_AFTER_EXPIRY_SECONDS = 24 * 3600;

export class DynamoDbUploadSessionStore implements UploadSessionStore {
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
    fields: Partial<Pick<UploadSession, 'error' | 'outcome' | 'verifyingSince'>> = {},
  ): Promise<UploadSession | undefined> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':from': from, ':to': to };
    const sets = ['#status = :to'];
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    const updated = await updateIf(this.doc, {
      TableName: this.tableName,
      Key: { pk: pk(id), sk: SESSION_SK },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(pk) AND #status = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return updated ? toSession(updated) : undefined;
  }
}

function toSession(item: Record<string, unknown>): UploadSession {
  const { pk: _pk, sk: _sk, [SESSION_TTL_ATTRIBUTE]: _ttl, ...session } = item;
  return session as unknown as UploadSession;
}
