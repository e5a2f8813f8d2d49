/**
 * RetentionStore in the metadata table, beside what it governs:
 *
 *   pk          sk           what
 *   RETENTION   #RULES       the rule list (JSON), who set it and when
 *   RETENTION   #POSITION    where the scheduled run stopped (summary shard and name)
 *
 * The walk over projects reads the search summaries (SUMMARIES#{shard}, one item per
 * project, sorted by name; lambdas/adapters/dynamodb-metadata-store.ts): a Query per shard
 * from a name on, with a Limit and only the key projected, so a run reads as many project
 * names as it gets to and never Scans.
 */
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { LISTING_SHARDS, summaryPk } from './dynamodb-metadata-store.ts';
import type { RetentionRule } from '../core/retention.ts';
import type { RetentionStore, StoredRules, WalkPosition, WalkedProject } from '../app/retention-ports.ts';

const PK = 'RETENTION';
const RULES_SK = '#RULES';
const POSITION_SK = '#POSITION';

export class DynamoDbRetentionStore implements RetentionStore {
  /** How many shards the walk goes over. */
  readonly shards = LISTING_SHARDS;

  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
  ) {}

  async getRules(): Promise<StoredRules> {
    const { Item } = await this.doc.get({ TableName: this.tableName, Key: { pk: PK, sk: RULES_SK }, ConsistentRead: true });
    if (!Item || typeof Item['rules'] !== 'string') return { rules: [] };
    return {
      rules: JSON.parse(Item['rules']) as RetentionRule[],
      ...(typeof Item['updatedAt'] === 'string' ? { updatedAt: Item['updatedAt'] } : {}),
      ...(typeof Item['updatedBy'] === 'string' ? { updatedBy: Item['updatedBy'] } : {}),
    };
  }

  async putRules(rules: readonly RetentionRule[], updatedAt: string, updatedBy: string): Promise<StoredRules> {
    // As JSON text: the rules come back exactly as validated, whatever their shape grows into.
    await this.doc.put({ TableName: this.tableName, Item: { pk: PK, sk: RULES_SK, rules: JSON.stringify(rules), updatedAt, updatedBy } });
    return { rules, updatedAt, updatedBy };
  }

  async listProjects(from: WalkPosition, limit: number): Promise<{ projects: WalkedProject[]; next?: WalkPosition }> {
    const projects: WalkedProject[] = [];
    let position = from;
    while (position.shard < this.shards) {
      const { Items, LastEvaluatedKey } = await this.doc.query({
        TableName: this.tableName,
        KeyConditionExpression: position.after === '' ? 'pk = :pk' : 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: { ':pk': summaryPk(position.shard), ...(position.after === '' ? {} : { ':after': position.after }) },
        ProjectionExpression: 'sk',
        Limit: limit - projects.length,
      });
      for (const item of Items) projects.push({ shard: position.shard, name: String(item['sk']) });
      position = LastEvaluatedKey ? { shard: position.shard, after: String(LastEvaluatedKey['sk']) } : { shard: position.shard + 1, after: '' };
      if (projects.length >= limit) break;
    }
    return position.shard < this.shards ? { projects, next: position } : { projects };
  }

  async getPosition(): Promise<WalkPosition | undefined> {
    const { Item } = await this.doc.get({ TableName: this.tableName, Key: { pk: PK, sk: POSITION_SK }, ConsistentRead: true });
    if (!Item || typeof Item['shard'] !== 'number' || typeof Item['after'] !== 'string') return undefined;
    return { shard: Item['shard'], after: Item['after'] };
  }

  async putPosition(position: WalkPosition | undefined): Promise<void> {
    if (!position) {
      await this.doc.delete({ TableName: this.tableName, Key: { pk: PK, sk: POSITION_SK } });
      return;
    }
    await this.doc.put({ TableName: this.tableName, Item: { pk: PK, sk: POSITION_SK, shard: position.shard, after: position.after } });
  }
}
