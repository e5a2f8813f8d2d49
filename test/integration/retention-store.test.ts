/**
 * DynamoDbRetentionStore on the embedded dynalite: the rules round-trip exactly, the walk
 * pages through every project's summary shard by shard with a Limit and no Scan, and the
 * scheduled run's position is kept and cleared.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DynamoDbMetadataStore, LISTING_SHARDS, listingShard } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { DynamoDbRetentionStore } from '../../lambdas/adapters/dynamodb-retention-store.ts';
import type { WalkPosition, WalkedProject } from '../../lambdas/app/retention-ports.ts';
import { parseRules } from '../../lambdas/core/retention.ts';
import { startTestStores, type TestStores } from '../support/embedded.ts';

describe('DynamoDbRetentionStore on dynalite', () => {
  let t: TestStores;
  let store: DynamoDbRetentionStore;
  const names = Array.from({ length: 45 }, (_, i) => `proj-${String(i).padStart(2, '0')}`);

  before(async () => {
    t = await startTestStores();
    store = new DynamoDbRetentionStore(t.dynamodb, t.stores.tableName);
    const metadata = new DynamoDbMetadataStore(t.dynamodb, t.stores.tableName);
    for (const name of names) await metadata.putProjectSummary({ name, displayName: name, serial: 1 });
  });
  after(() => t.close());

  test('rules come back as stored, with who set them; none before', async () => {
    assert.deepEqual(await store.getRules(), { rules: [] });
    const rules = parseRules([{ pattern: 'acme-*', keepLast: 3, maxAgeDays: 10, kinds: ['dev'], finals: { keepLast: 2 } }, { pattern: '*', maxAgeDays: 90 }]);
    await store.putRules(rules, '2026-12-01T00:00:00.000Z', 'token:abc');
    assert.deepEqual(await store.getRules(), { rules, updatedAt: '2026-12-01T00:00:00.000Z', updatedBy: 'token:abc' });
  });

  test('the walk lists every project once, in shard then name order, a page at a time, with Queries only', async () => {
    t.calls.clear();
    const seen: WalkedProject[] = [];
    let from: WalkPosition | undefined = { shard: 0, after: '' };
    let pages = 0;
    while (from) {
      const page: { projects: readonly WalkedProject[]; next?: WalkPosition } = await store.listProjects(from, 7);
      assert.ok(page.projects.length <= 7);
      seen.push(...page.projects);
      from = page.next;
      assert.ok(++pages < 50);
    }
    assert.deepEqual(seen.map((p) => p.name).sort(), names);
    for (const p of seen) assert.equal(p.shard, listingShard(p.name));
    const order = [...seen].sort((a, b) => a.shard - b.shard || (a.name < b.name ? -1 : 1));
    assert.deepEqual(seen, order);
    assert.deepEqual([...t.calls.keys()], ['Query']);
    assert.ok(pages >= Math.ceil(names.length / 7));
    // The last shard: no next once it is done.
    const last = await store.listProjects({ shard: LISTING_SHARDS - 1, after: 'zzz' }, 7);
    assert.deepEqual(last, { projects: [] });
  });

  test('the position is kept, and cleared', async () => {
    assert.equal(await store.getPosition(), undefined);
    await store.putPosition({ shard: 3, after: 'proj-07' });
    assert.deepEqual(await store.getPosition(), { shard: 3, after: 'proj-07' });
    await store.putPosition(undefined);
    assert.equal(await store.getPosition(), undefined);
  });
});
