/**
 * The three DynamoDB operations every store here is built from: a Put that only creates, an
 * Update that only changes what is there (its condition decides), and a Query read to its
 * end. Each store keeps its own keys and items; these keep the paging and the handling of
 * a failed condition in one place.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

/** The document client every store uses: undefined attributes are left out, not refused. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * Put `input.Item` if its condition holds (by default: no item with its key yet). Whether
 * it was written; any other failure is thrown.
 */
export async function putIf(doc: DynamoDBDocumentClient, input: PutCommandInput): Promise<boolean> {
  try {
    await doc.send(new PutCommand({ ConditionExpression: 'attribute_not_exists(pk)', ...input }));
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/**
 * A conditional Update that returns the item as now stored, or undefined when its condition
 * failed (no such item, or not in the state the condition asks for).
 */
export async function updateIf(doc: DynamoDBDocumentClient, input: Omit<UpdateCommandInput, 'ReturnValues'>): Promise<Item | undefined> {
  try {
    const { Attributes } = await doc.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
    return Attributes;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw err;
  }
}

/** Every item a Query matches, paged past DynamoDB's 1 MB per answer. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
    if (page.Items) items.push(...page.Items);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
