/**
 * The embedded DynamoDB closes what each Query opens: dynalite 4 left one LevelDB iterator
 * open per Query, held by the database for ever, and `npm start` grew by every page it
 * ever read from the store (issue 14). Counts the database's open resources (iterators)
 * through abstract-level's own attach/detach, after many distinct Queries.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbSdkClient, startEmbeddedStores, type EmbeddedStores } from '../../lambdas/local/embedded-stores.ts';

interface Resources {
  attachResource(resource: object): void;
  detachResource(resource: object): void;
}

/** abstract-level's database class as dynalite's `level` loads it. */
function abstractLevel(): { prototype: Resources } {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const fromLevel = createRequire(createRequire(fromDynalite.resolve('level')).resolve('classic-level'));
  return (fromLevel('abstract-level') as { AbstractLevel: { prototype: Resources } }).AbstractLevel;
}

for (const mode of ['on a data directory (LevelDB)', 'in memory (memory-level)'] as const) {
  describe(`the embedded DynamoDB ${mode} closes the iterators of its queries`, () => {
    let stores: EmbeddedStores;
    let client: DynamoDBClient;
    let dataDir: string | undefined;
    const open = new Set<object>();
    const proto = abstractLevel().prototype;
    const { attachResource, detachResource } = proto;

    before(async () => {
      proto.attachResource = function (resource) {
        open.add(resource);
        attachResource.call(this, resource);
      };
      proto.detachResource = function (resource) {
        open.delete(resource);
        detachResource.call(this, resource);
      };
      if (mode.startsWith('on a data')) {
        const { mkdtemp } = await import('node:fs/promises');
        const { tmpdir } = await import('node:os');
        dataDir = await mkdtemp(`${tmpdir()}/wharf-iterators-`);
      }
      stores = await startEmbeddedStores(dataDir ? { dataDir } : {});
      client = createDynamoDbSdkClient(stores);
    });
    after(async () => {
      proto.attachResource = attachResource;
      proto.detachResource = detachResource;
      client?.destroy();
      await stores?.close();
      if (dataDir) await (await import('node:fs/promises')).rm(dataDir, { recursive: true, force: true });
    });

    test('200 queries of distinct partitions leave no iterator open', async () => {
      const queries = 200;
      for (let i = 0; i < queries; i++) {
        const pk = `project#p${i}`;
        await client.send(new PutItemCommand({ TableName: stores.tableName, Item: { pk: { S: pk }, sk: { S: 'file#a' } } }));
        const result = await client.send(
          new QueryCommand({ TableName: stores.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }),
        );
        assert.equal(result.Items?.length, 1);
      }
      // Closing is asynchronous after the answer; give it a turn of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(open.size <= 2, `${open.size} iterators still open after ${queries} queries`);
    });
  });
}
