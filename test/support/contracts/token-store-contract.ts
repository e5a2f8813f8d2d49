/** The contract of DynamoDbTokenStore (what the guard and the admin use case rely on), on every DynamoDB engine of the tests. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbTokenStore } from '../../../lambdas/adapters/dynamodb-token-store.ts';
import type { TokenRecord } from '../../../lambdas/core/model.ts';
import { generateToken } from '../../../lambdas/core/tokens.ts';
import type { DynamoEngine, DynamoTestTables } from '../dynamodb-engines.ts';

function record(createdAt: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  const { id, secretHash } = generateToken();
  return { id, secretHash, description: 'd', createdBy: 'test', createdAt, scopes: ['read:acme-*', 'upload:acme-app'], ...overrides };
}

export function tokenStoreContract(engine: DynamoEngine): void {
  describe(`DynamoDbTokenStore on ${engine.name}`, () => {
    let t: DynamoTestTables;
    let store: DynamoDbTokenStore;
    before(async () => {
      t = await engine.start();
      store = new DynamoDbTokenStore(t.dynamodb, t.tokensTableName);
    });
    after(() => t.close());

    test('a token round-trips, optional fields included; an unknown id is undefined', async () => {
      const full = record('2026-11-01T00:00:00.000Z', { expiresAt: '2027-01-01T00:00:00.000Z' });
      const bare = record('2026-11-02T00:00:00.000Z', { description: '' });
      await store.putToken(full);
      await store.putToken(bare);
      assert.deepEqual(await store.getToken(full.id), full);
      assert.deepEqual(await store.getToken(bare.id), bare);
      assert.equal(await store.getToken('zzzzzzzzzzzzzzzz'), undefined);
    });

    test('an id is never overwritten', async () => {
      const first = record('2026-11-03T00:00:00.000Z');
      await store.putToken(first);
      await assert.rejects(store.putToken({ ...first, scopes: ['admin'] }), /ConditionalCheckFailed|conditional/i);
      assert.deepEqual((await store.getToken(first.id))?.scopes, first.scopes);
    });

    test('an expiring token carries a ttl 90 days after expiry, so DynamoDB removes it in time', async () => {
      const expiring = record('2026-11-04T00:00:00.000Z', { expiresAt: '2027-01-01T00:00:00.000Z' });
      await store.putToken(expiring);
      const doc = DynamoDBDocumentClient.from(t.sdk);
      const item = (await doc.send(new GetCommand({ TableName: t.tokensTableName, Key: { pk: 'TOKENS', sk: `TOKEN#${expiring.id}` } }))).Item;
      assert.equal(item?.['ttl'], Date.UTC(2027, 0, 1) / 1000 + 90 * 24 * 3600);
      assert.ok(!JSON.stringify(item).includes('wharf_'), 'no secret in the item');
    });

    test('revoke keeps the first revocation; an unknown id is undefined and creates nothing', async () => {
      const token = record('2026-11-05T00:00:00.000Z');
      await store.putToken(token);
      const first = await store.revokeToken(token.id, '2026-11-06T00:00:00.000Z', 'alice');
      const second = await store.revokeToken(token.id, '2026-11-07T00:00:00.000Z', 'bob');
      assert.equal(first?.revokedAt, '2026-11-06T00:00:00.000Z');
      assert.equal(second?.revokedAt, '2026-11-06T00:00:00.000Z');
      assert.equal(second?.revokedBy, 'alice');
      assert.equal(await store.revokeToken('yyyyyyyyyyyyyyyy', '2026-11-06T00:00:00.000Z', 'x'), undefined);
      assert.equal(await store.getToken('yyyyyyyyyyyyyyyy'), undefined);
    });

    test('list is newest first, pages past 1 MB in one Query, and never Scans', async () => {
      // ~2.5 KB descriptions make 500 tokens span more than one 1 MB Query page.
      const many = Array.from({ length: 500 }, (_, i) =>
        record(new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(), { description: `${i} ${'x'.repeat(2500)}` }),
      );
      for (const token of many) await store.putToken(token);
      t.calls.clear();
      const listed = await store.listTokens();
      assert.ok(listed.length >= 500);
      for (let i = 1; i < listed.length; i++) assert.ok(listed[i - 1]!.createdAt >= listed[i]!.createdAt);
      assert.ok((t.calls.get('Query') ?? 0) >= 2, 'paged');
      assert.equal(t.calls.get('Scan') ?? 0, 0);
    });
  });
}
