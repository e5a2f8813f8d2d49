/**
 * The three DynamoDB operations every store here is built from: a Put that only creates, an
 * Update that only changes what is there (its condition decides), and a Query read to its
 * end. Each store keeps its own keys and items; these keep the paging and the handling of
 * a failed condition in one place.
 */
import { type DynamoDbDocuments, isConditionFailure, type Item, type PutInput, type QueryInput, type UpdateInput } from './dynamodb-json-client.ts';

export type { Item };

/**
 * Put `input.Item` if its condition holds (by default: no item with its key yet). Whether
 * it was written; any other failure is thrown.
 */
export async function putIf(doc: DynamoDbDocuments, input: PutInput): Promise<boolean> {
  try {
    await doc.put({ ConditionExpression: 'attribute_not_exists(pk)', ...input });
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * A conditional Update that returns the item as now stored, or undefined when its condition
 * failed (no such item, or not in the state the condition asks for).
 */
export async function updateIf(doc: DynamoDbDocuments, input: Omit<UpdateInput, 'ReturnValues'>): Promise<Item | undefined> {
  try {
    const { Attributes } = await doc.update({ ...input, ReturnValues: 'ALL_NEW' });
    return Attributes;
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

/** Every item a Query matches, paged past DynamoDB's 1 MB per answer. */
export async function queryAll(doc: DynamoDbDocuments, input: QueryInput): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await doc.query({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
    items.push(...page.Items);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
