/**
 * Whether a project exists, as one GetItem on the metadata table: all the admin function
 * needs of the package data (pending trusted publishers), without loading the whole
 * metadata store (its page and listing code) into that function's cold start. The keys are
 * the metadata store's, defined here and imported there.
 */
import type { DynamoDbDocuments } from './dynamodb-json-client.ts';

export const PROJECT_SK = '#PROJECT';
export const projectPk = (name: string) => `PROJECT#${name}`;

export class DynamoDbProjectLookup {
  constructor(
    private readonly doc: DynamoDbDocuments,
    private readonly tableName: string,
  ) {}

  async projectExists(project: string): Promise<boolean> {
    const { Item } = await this.doc.get({ TableName: this.tableName, Key: { pk: projectPk(project), sk: PROJECT_SK }, ConsistentRead: true });
    return Item !== undefined;
  }
}
