/**
 * The local server's DynamoDB in this process answers at the end of the event-loop turn, as
 * a store across a network does, not within the microtasks of the request that asked. So
 * requests that arrive in one turn (one poll of the sockets) share one serial read through
 * FreshReads, as a function serving many requests at once would over the network, and no
 * answer is older than its request: a write that finished before a request is seen by it.
 * (Answering at once made every request read alone: each read finished before the next
 * socket's request was even parsed, and the serial reads were half of a kept page's CPU.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DynamoDbJsonClient } from '../../lambdas/adapters/dynamodb-json-client.ts';
import { FreshReads } from '../../lambdas/app/page-cache.ts';
import { createDynamoDbClient, startEmbeddedStores, type EmbeddedStores } from '../../lambdas/local/embedded-stores.ts';

describe('the in-process DynamoDB of the local server', () => {
  let stores: EmbeddedStores;
  let client: DynamoDbJsonClient;
  let getItems = 0;
  const key = { pk: 'PROJECT#shared-read', sk: 'SERIAL' };

  before(async () => {
    stores = await startEmbeddedStores({});
    client = createDynamoDbClient(stores);
    client.use((operation, input, next) => {
      if (operation === 'GetItem') getItems++;
      return next(input);
    });
    // The store's read memo keeps nothing for a second after a table change (the tables
    // were just created): wait, so the reads below are the ones a warm page makes.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });
  after(async () => {
    client.destroy();
    await stores.close();
  });

  const put = (n: number) => client.put({ TableName: stores.tableName, Item: { ...key, n } });
  const reads = () =>
    new FreshReads(async () => (await client.get({ TableName: stores.tableName, Key: key, ConsistentRead: true })).Item?.['n'] as number | undefined);
  /** Each in a macrotask of its own, all in one turn of the loop: requests from 16 sockets. */
  const inOneTurn = <T>(count: number, ask: () => Promise<T>): Promise<T[]> =>
    Promise.all(Array.from({ length: count }, () => new Promise<T>((resolve, reject) => setImmediate(() => ask().then(resolve, reject)))));

  test('requests of one turn share a read, and each sees every write finished before it', async () => {
    await put(1);
    const serials = reads();
    // Read once first: the answer is then kept by the store's read memo (a miss waits on
    // LevelDB for turns anyway).
    await serials.get('p');
    getItems = 0;
    const first = await inOneTurn(16, () => serials.get('p'));
    assert.deepEqual(first, Array(16).fill(1));
    assert.ok(getItems <= 2, `16 requests of one turn made ${getItems} GetItems; at most 2 (one in flight, one after) were expected`);

    await put(2);
    await serials.get('p');
    getItems = 0;
    const second = await inOneTurn(16, () => serials.get('p'));
    assert.deepEqual(second, Array(16).fill(2), 'a write that finished before the requests is seen by all of them');
    assert.ok(getItems <= 2, `${getItems} GetItems`);
  });

  test('a write made while a read is in flight is seen by a request that arrives after it', async () => {
    await put(10);
    const serials = reads();
    const early = serials.get('p');
    await put(11);
    const late = await serials.get('p');
    assert.equal(await early, 10);
    assert.equal(late, 11);
  });
});
