/**
 * What the orphan sweep asks of the metadata table: the (filename, sha256) of every index
 * entry of a project, tombstoned or not, as one paged Query of its FILE# items. On its own,
 * so the sweeper function does not load the whole metadata store (pages, listings, uploads,
 * filename and PEP 440 rules) for one Query; the metadata store answers `indexedFiles` with it.
 */
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';
import { queryAll } from './dynamodb-operations.ts';
import { projectPk } from './dynamodb-project-lookup.ts';
import type { SweepIndex } from '../app/orphan-sweep-ports.ts';
import type { IndexedPair } from '../core/orphans.ts';

/** The sort key prefix of a file's index entry (the metadata store's, defined here). */
export const FILE_SK_PREFIX = 'FILE#';

export class DynamoDbSweepIndex implements SweepIndex {
  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
  ) {}

  async indexedFiles(project: string): Promise<IndexedPair[]> {
    const items = await queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': projectPk(project), ':prefix': FILE_SK_PREFIX },
      ProjectionExpression: 'filename, sha256',
      // An entry written a moment ago must keep its bytes.
      ConsistentRead: true,
    });
    return items.map((item) => ({ filename: String(item.filename), sha256: String(item.sha256) }));
  }
}
