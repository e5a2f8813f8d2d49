/** The orphan sweep's rules, on an in-memory bucket and index: no network. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OrphanSweeper, type ListedObject, type ObjectVersion, type SweepBucket, type SweepIndex } from '../../lambdas/app/orphan-sweeper.ts';
import { judgeStoredObject, parseStoredFileKey } from '../../lambdas/core/orphans.ts';
import { distributionKey, metadataKey } from '../../lambdas/core/storage-keys.ts';
import type { IndexedPair } from '../../lambdas/core/orphans.ts';

const NOW = Date.UTC(2026, 11, 1, 12);
const HOUR = 3600_000;
const sha = (n: number) => n.toString(16).padStart(64, '0');
const wheel = (project: string, v: string) => `${project.replace(/-/g, '_')}-${v}-py3-none-any.whl`;

class MemoryBucket implements SweepBucket {
  readonly objects = new Map<string, { lastModified: Date; versionId: string }>();
  readonly removals: { key: string; versionId?: string }[] = [];
  /** Called on each head, to let a test rewrite an object between listing and removal. */
  onHead?: (key: string) => void;
  constructor(private readonly pageSize = 1000) {}

  put(key: string, ageMs: number, versionId = 'v1'): this {
    this.objects.set(key, { lastModified: new Date(NOW - ageMs), versionId });
    return this;
  }
  async *list(prefix: string): AsyncIterable<readonly ListedObject[]> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (let i = 0; i < keys.length; i += this.pageSize) {
      yield keys.slice(i, i + this.pageSize).map((key) => ({ key, lastModified: this.objects.get(key)!.lastModified }));
    }
  }
  async head(key: string): Promise<ObjectVersion | undefined> {
    this.onHead?.(key);
    const o = this.objects.get(key);
    return o ? { lastModified: o.lastModified, versionId: o.versionId } : undefined;
  }
  async remove(key: string, version: ObjectVersion): Promise<void> {
    this.removals.push({ key, ...(version.versionId ? { versionId: version.versionId } : {}) });
    if (this.objects.get(key)?.versionId === version.versionId) this.objects.delete(key);
  }
}

class MemoryIndex implements SweepIndex {
  readonly files = new Map<string, IndexedPair[]>();
  readonly reads: string[] = [];
  add(project: string, filename: string, sha256: string): this {
    this.files.set(project, [...(this.files.get(project) ?? []), { filename, sha256 }]);
    return this;
  }
  async indexedFiles(project: string): Promise<readonly IndexedPair[]> {
    this.reads.push(project);
    return this.files.get(project) ?? [];
  }
}

const sweep = (bucket: SweepBucket, index: SweepIndex, graceSeconds = 24 * 3600) =>
  new OrphanSweeper(bucket, index, { graceSeconds, now: () => NOW }).sweep();

describe('orphan sweep rules', () => {
  test('an unindexed file and its .metadata older than the grace period are removed; younger ones stay', async () => {
    const old = wheel('demo', '1.0'), fresh = wheel('demo', '2.0');
    const bucket = new MemoryBucket()
      .put(distributionKey('demo', sha(1), old), 25 * HOUR)
      .put(metadataKey('demo', sha(1), old), 25 * HOUR)
      .put(distributionKey('demo', sha(2), fresh), 23 * HOUR)
      .put(metadataKey('demo', sha(2), fresh), 23 * HOUR);
    const report = await sweep(bucket, new MemoryIndex());
    assert.deepEqual([...report.removed].sort(), [distributionKey('demo', sha(1), old), metadataKey('demo', sha(1), old)].sort());
    assert.equal(report.young, 2);
    assert.deepEqual([...bucket.objects.keys()].sort(), [distributionKey('demo', sha(2), fresh), metadataKey('demo', sha(2), fresh)].sort());
  });

  test('an indexed file keeps its bytes and its .metadata, however old', async () => {
    const f = wheel('demo', '1.0');
    const bucket = new MemoryBucket().put(distributionKey('demo', sha(1), f), 900 * HOUR).put(metadataKey('demo', sha(1), f), 900 * HOUR);
    const report = await sweep(bucket, new MemoryIndex().add('demo', f, sha(1)));
    assert.deepEqual(report.removed, []);
    assert.equal(bucket.objects.size, 2);
  });

  test('the pair decides: other bytes under an indexed filename, or the same bytes under another spelling, are orphans', async () => {
    const f = wheel('demo', '1.0');
    const bucket = new MemoryBucket()
      .put(distributionKey('demo', sha(1), f), 48 * HOUR)
      .put(distributionKey('demo', sha(2), f), 48 * HOUR) // a losing racer killed before it cleaned up
      .put(distributionKey('demo', sha(1), 'Demo-1.0.0-py3-none-any.whl'), 48 * HOUR);
    const report = await sweep(bucket, new MemoryIndex().add('demo', f, sha(1)));
    assert.deepEqual([...report.removed].sort(), [distributionKey('demo', sha(2), f), distributionKey('demo', sha(1), 'Demo-1.0.0-py3-none-any.whl')].sort());
  });

  test('a tombstoned file: bytes a crashed delete left behind go once its entry is gone; with the entry still there they stay for the delete to finish', async () => {
    const gone = wheel('demo', '1.0'), half = wheel('demo', '2.0');
    const bucket = new MemoryBucket().put(distributionKey('demo', sha(1), gone), 48 * HOUR).put(distributionKey('demo', sha(2), half), 48 * HOUR);
    // The index of `demo` still holds the entry of `half` (tombstone written, entry not yet removed).
    const report = await sweep(bucket, new MemoryIndex().add('demo', half, sha(2)));
    assert.deepEqual(report.removed, [distributionKey('demo', sha(1), gone)]);
  });

  test('keys Wharf does not write are reported and left in place, and need no index read', async () => {
    const keys = [
      'files/README.txt',
      'files/demo',
      `files/Demo/${sha(1)}/demo-1.0-py3-none-any.whl`,
      'files/demo/not-a-sha/demo-1.0-py3-none-any.whl',
      `files/demo/${sha(1)}/notes.txt`,
      `files/demo/${sha(1)}/sub/demo-1.0-py3-none-any.whl`,
      `files/demo/${sha(1)}/demo-1.0-py3-none-any.whl.metadata.metadata`,
      `files/demo/${sha(1)}/.metadata`,
    ];
    const bucket = new MemoryBucket();
    for (const k of keys) bucket.put(k, 1000 * HOUR);
    const index = new MemoryIndex();
    const report = await sweep(bucket, index);
    assert.deepEqual([...report.unknown].sort(), [...keys].sort());
    assert.deepEqual(report.removed, []);
    assert.equal(bucket.objects.size, keys.length);
  });

  test('an object rewritten after the listing (a retry of the same bytes) is young again and stays', async () => {
    const f = wheel('demo', '1.0');
    const key = distributionKey('demo', sha(1), f);
    const bucket = new MemoryBucket().put(key, 48 * HOUR);
    bucket.onHead = (k) => bucket.put(k, 0, 'v2');
    const report = await sweep(bucket, new MemoryIndex());
    assert.deepEqual(report.removed, []);
    assert.deepEqual(bucket.removals, []);
    assert.ok(bucket.objects.has(key));
  });

  test('the removal names the version that was judged, so a rewrite after the look is not what goes', async () => {
    const key = distributionKey('demo', sha(1), wheel('demo', '1.0'));
    const bucket = new MemoryBucket().put(key, 48 * HOUR, 'judged');
    await sweep(bucket, new MemoryIndex());
    assert.deepEqual(bucket.removals, [{ key, versionId: 'judged' }]);
  });

  test('one index read per project with old objects, across pages; none for a project with only young ones', async () => {
    const bucket = new MemoryBucket(1);
    for (let n = 1; n <= 3; n++) bucket.put(distributionKey('alpha', sha(n), wheel('alpha', `1.${n}`)), 48 * HOUR);
    bucket.put(distributionKey('beta', sha(9), wheel('beta', '1.0')), 1 * HOUR);
    bucket.put(distributionKey('gamma', sha(8), wheel('gamma', '1.0')), 48 * HOUR);
    const index = new MemoryIndex().add('alpha', wheel('alpha', '1.2'), sha(2)).add('gamma', wheel('gamma', '1.0'), sha(8));
    const report = await sweep(bucket, index);
    assert.deepEqual(index.reads, ['alpha', 'gamma']);
    assert.equal(report.projectsRead, 2);
    assert.equal(report.listed, 5);
    assert.equal(report.removed.length, 2);
  });

  test('grace 0 removes every unindexed object; a negative grace period is refused', async () => {
    const bucket = new MemoryBucket().put(distributionKey('demo', sha(1), wheel('demo', '1.0')), 1);
    assert.equal((await sweep(bucket, new MemoryIndex(), 0)).removed.length, 1);
    assert.throws(() => new OrphanSweeper(bucket, new MemoryIndex(), { graceSeconds: -1 }), /0 or more seconds/);
  });

  test('parseStoredFileKey reads what distributionKey and metadataKey write', () => {
    const f = 'torch-2.13.0+cpu-cp312-cp312-manylinux_2_28_x86_64.whl';
    assert.deepEqual(parseStoredFileKey(distributionKey('torch', sha(3), f)), { project: 'torch', sha256: sha(3), filename: f, metadata: false });
    assert.deepEqual(parseStoredFileKey(metadataKey('torch', sha(3), f)), { project: 'torch', sha256: sha(3), filename: f, metadata: true });
    assert.equal(parseStoredFileKey(`uploads/x/${f}`), undefined);
    assert.equal(judgeStoredObject('files/odd', new Date(0), undefined, { now: new Date(NOW), graceSeconds: 0 }), 'unknown');
  });
});
