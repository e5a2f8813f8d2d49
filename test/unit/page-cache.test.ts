/** Kept pages: one serial read per view, a change visible on the next request, shared reads that are never stale. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { FreshReads, SerialCache } from '../../lambdas/app/page-cache.ts';
import { SimpleIndex } from '../../lambdas/app/simple-index.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import { MEDIA_HTML_V1, MEDIA_JSON_V1 } from '../../lambdas/core/negotiation.ts';
import { MemoryMetadataStore } from '../support/memory-stores.ts';

const sha = (n: number) => n.toString(16).padStart(64, '0');
const wheel = (version: string, n = 1): DistributionFile => ({
  project: 'demo',
  filename: `demo-${version}-py3-none-any.whl`,
  version,
  packagetype: 'bdist_wheel',
  sha256: sha(n),
  size: 100 + n,
  uploadTime: '2026-01-01T00:00:00.000Z',
});

/** A store that counts what it is asked. */
class CountingStore extends MemoryMetadataStore {
  readonly calls: string[] = [];
  override async getProjectPage(project: string) {
    this.calls.push(`query ${project}`);
    return super.getProjectPage(project);
  }
  override async getProjectSerial(project: string) {
    this.calls.push(`serial ${project}`);
    return super.getProjectSerial(project);
  }
  override async listProjects() {
    this.calls.push('list');
    return super.listProjects();
  }
  override async getListingSerial() {
    this.calls.push('listing serial');
    return super.getListingSerial();
  }
}

async function seeded(): Promise<CountingStore> {
  const store = new CountingStore();
  await store.putFile(wheel('1.0'));
  await store.putProject({ name: 'demo', displayName: 'Demo', createdAt: '2026-01-01T00:00:00.000Z' });
  store.calls.length = 0;
  return store;
}

describe('SimpleIndex keeps pages by serial', () => {
  test('a second view costs one serial read and no Query, and gives the same render', async () => {
    const store = await seeded();
    const index = new SimpleIndex(store);
    const first = await index.keptProject('demo');
    const html = first!.render(MEDIA_HTML_V1);
    assert.deepEqual(store.calls, ['serial demo', 'query demo']);
    store.calls.length = 0;
    const second = await index.keptProject('Demo');
    assert.deepEqual(store.calls, ['serial demo']);
    assert.equal(second, first);
    assert.equal(second!.render(MEDIA_HTML_V1), html, 'rendered once per serial');
  });

  test('an upload, a yank and a delete each show on the very next view', async () => {
    const store = await seeded();
    const index = new SimpleIndex(store);
    const files = async () => (await index.keptProject('demo'))!.hosted.files.map((f) => `${f.filename}${f.yanked ? ' (yanked)' : ''}`);
    assert.deepEqual(await files(), ['demo-1.0-py3-none-any.whl']);

    await store.putFile(wheel('2.0', 2));
    assert.deepEqual((await files()).sort(), ['demo-1.0-py3-none-any.whl', 'demo-2.0-py3-none-any.whl']);

    await store.setYanked('demo', 'demo-1.0-py3-none-any.whl', { reason: 'broken' });
    assert.deepEqual((await files()).sort(), ['demo-1.0-py3-none-any.whl (yanked)', 'demo-2.0-py3-none-any.whl']);

    await store.putTombstone({ project: 'demo', filename: 'demo-2.0-py3-none-any.whl', sha256: sha(2), version: '2.0', deletedAt: 'x', deletedBy: 'y' });
    assert.deepEqual(await files(), ['demo-1.0-py3-none-any.whl (yanked)']);
  });

  test('a project the store has no serial for is read afresh every time', async () => {
    const store = await seeded();
    store.serials.clear();
    const index = new SimpleIndex(store);
    await index.keptProject('demo');
    await index.keptProject('demo');
    assert.deepEqual(store.calls, ['serial demo', 'query demo', 'serial demo', 'query demo']);
    assert.equal(await index.keptProject('nothing-here'), undefined);
  });

  test('the root listing is kept by the listing serial; a new project shows on the next request', async () => {
    const store = await seeded();
    const index = new SimpleIndex(store);
    const names = async () => JSON.parse((await index.rootPage(MEDIA_JSON_V1)).body).projects.map((p: { name: string }) => p.name);
    assert.deepEqual(await names(), ['Demo']);
    store.calls.length = 0;
    assert.deepEqual(await names(), ['Demo']);
    assert.deepEqual(store.calls, ['listing serial']);
    await store.putProject({ name: 'other', displayName: 'Other', createdAt: 'x' });
    assert.deepEqual(await names(), ['Demo', 'Other']);
    // A filtered listing is the caller's own: filtered from the kept one, never kept itself.
    const only = JSON.parse((await index.rootPage(MEDIA_JSON_V1, (p) => p === 'other')).body).projects.map((p: { name: string }) => p.name);
    assert.deepEqual(only, ['Other']);
    assert.deepEqual(await names(), ['Demo', 'Other']);
  });

  test('kept pages are bounded by count and by weight', async () => {
    const store = new CountingStore();
    for (let i = 0; i < 5; i++) {
      await store.putFile({ ...wheel('1.0', i), project: `p${i}`, filename: `p${i}-1.0-py3-none-any.whl` });
    }
    const index = new SimpleIndex(store, { maxProjects: 2 });
    for (let i = 0; i < 5; i++) await index.keptProject(`p${i}`);
    store.calls.length = 0;
    await index.keptProject('p4');
    await index.keptProject('p0');
    assert.deepEqual(store.calls, ['serial p4', 'serial p0', 'query p0'], 'p4 kept, p0 dropped');
  });
});

describe('SerialCache', () => {
  test('a value is served only at its own serial, and the least recently used goes first', () => {
    const cache = new SerialCache<string>({ maxEntries: 2, maxWeight: 100 }, (v) => v.length);
    cache.set('a', 1, 'A');
    assert.equal(cache.get('a', 1), 'A');
    assert.equal(cache.get('a', 2), undefined);
    cache.set('b', 1, 'B');
    cache.get('a', 1);
    cache.set('c', 1, 'C');
    assert.equal(cache.get('b', 1), undefined, 'b was least recently used');
    assert.equal(cache.get('a', 1), 'A');
    cache.set('big', 1, 'x'.repeat(101));
    assert.equal(cache.get('big', 1), undefined, 'heavier than the whole cache: not kept');
    cache.set('d', 1, 'x'.repeat(100));
    assert.equal(cache.size, 1);
  });
});

describe('FreshReads', () => {
  test('requests that arrive while a read is in flight share the next read, never the one in flight', async () => {
    let value = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const reads = new FreshReads<number>(async () => {
      const seen = value;
      started.push(seen);
      await new Promise<void>((resolve) => releases.push(resolve));
      return seen;
    });
    const first = reads.get('k');
    // A write lands after the first read began; every later request must see it.
    value = 1;
    const second = reads.get('k');
    const third = reads.get('k');
    assert.equal(started.length, 1, 'the second and third wait for a read of their own');
    releases.shift()!();
    assert.equal(await first, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started.length, 2, 'one more read, shared');
    releases.shift()!();
    assert.equal(await second, 1);
    assert.equal(await third, 1);
    // Idle again: the next request starts its own read at once.
    const fourth = reads.get('k');
    assert.equal(started.length, 3);
    releases.shift()!();
    assert.equal(await fourth, 1);
  });

  test('a failed read fails its requests only; the next request reads again', async () => {
    let fail = true;
    const reads = new FreshReads<string>(async () => {
      if (fail) throw new Error('store down');
      return 'ok';
    });
    await assert.rejects(reads.get('k'), /store down/);
    fail = false;
    assert.equal(await reads.get('k'), 'ok');
  });
});
