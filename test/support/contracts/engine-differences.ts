/**
 * Where the DynamoDB engines of the tests differ, pinned, so an upgrade of either shows up
 * here and the adapters never come to rely on what only one of them does. Found by running
 * the same requests on both (2026-12): dynalite 4.0.0, DynamoDB Local 1.25.1.
 *
 *   request                                      dynalite                 DynamoDB Local (and AWS)
 *   TransactWriteItems                           UnknownOperation         works
 *   UpdateTimeToLive                             UnknownOperation         works
 *   ReturnValuesOnConditionCheckFailure=ALL_OLD  ignored (no Item)        the stored item on the error
 *   `size` (a reserved word) in a projection     refused                  accepted (AWS refuses it)
 *
 * Alike on both: a Query whose Limit is reached exactly at the end still answers with a
 * LastEvaluatedKey (so queryAll pages once more, as on AWS); unused ExpressionAttributeValues,
 * an empty string key and begins_with on a partition key are refused.
 *
 * What Wharf does about it: single-item conditional writes only (DESIGN.md), so the missing
 * transactions do not matter; the ttl attribute is written by the adapter and the TTL setting
 * belongs to the CDK table, not to code; a failed condition is followed by a consistent
 * GetItem instead of reading the item off the error; names in projections are plain words
 * that are not reserved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoEngine, DynamoTestTables } from '../dynamodb-engines.ts';

interface Expected {
  readonly transactions: boolean;
  readonly ttlSetting: boolean;
  readonly itemOnConditionFailure: boolean;
  readonly reservedWordInProjection: boolean;
}

const EXPECTED: Record<string, Expected> = {
  dynalite: { transactions: false, ttlSetting: false, itemOnConditionFailure: false, reservedWordInProjection: false },
  'DynamoDB Local': { transactions: true, ttlSetting: true, itemOnConditionFailure: true, reservedWordInProjection: true },
};

async function works(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    if (['UnknownOperationException', 'ValidationException'].includes((err as Error).name)) return false;
    throw err;
  }
}

export function engineDifferences(engine: DynamoEngine): void {
  describe(`what ${engine.name} does that the other engine does not`, () => {
    let t: DynamoTestTables;
    const expected = EXPECTED[engine.name];
    before(async () => {
      t = await engine.start();
      for (let i = 0; i < 3; i++) await t.sdk.send(new PutItemCommand({ TableName: t.tableName, Item: { pk: { S: 'p' }, sk: { S: `s${i}` } } }));
    });
    after(() => t.close());

    test('transactions, the TTL setting, the item on a failed condition, reserved words: as pinned', async () => {
      assert.ok(expected, `no pinned behaviour for ${engine.name}`);
      const transactions = await works(() =>
        t.sdk.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: t.tableName, Item: { pk: { S: 'tx' }, sk: { S: 'tx' } } } }] })),
      );
      const ttlSetting = await works(() =>
        t.sdk.send(new UpdateTimeToLiveCommand({ TableName: t.tokensTableName, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } })),
      );
      let itemOnConditionFailure = false;
      try {
        await t.sdk.send(
          new PutItemCommand({
            TableName: t.tableName,
            Item: { pk: { S: 'p' }, sk: { S: 's0' } },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        assert.fail('the conditional Put must fail');
      } catch (err) {
        assert.ok(err instanceof ConditionalCheckFailedException);
        itemOnConditionFailure = err.Item !== undefined;
      }
      const reservedWordInProjection = await works(() =>
        t.sdk.send(
          new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, ProjectionExpression: 'sk, size' }),
        ),
      );
      assert.deepEqual({ transactions, ttlSetting, itemOnConditionFailure, reservedWordInProjection }, expected);
    });

    test('alike: a Limit reached exactly at the end still answers with a LastEvaluatedKey', async () => {
      const page = await t.sdk.send(
        new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'p' } }, Limit: 3 }),
      );
      assert.equal(page.Items?.length, 3);
      assert.deepEqual(page.LastEvaluatedKey, { pk: { S: 'p' }, sk: { S: 's2' } });
    });
  });
}
