/** Yank, un-yank and delete against in-memory stores, crashes and retries included. */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { type Zippable, strToU8, zipSync } from 'fflate';

import { Ingest } from '../../lambdas/app/ingest.ts';
import { MAX_YANK_REASON_LENGTH, ProjectAdmin } from '../../lambdas/app/project-admin.ts';
import { InvalidInputError, NotFoundError } from '../../lambdas/core/errors.ts';
import type { DistributionFile, Tombstone } from '../../lambdas/core/model.ts';
import { distributionKey, metadataKey } from '../../lambdas/core/storage-keys.ts';
import { MemoryBlobStore, MemoryMetadataStore } from '../support/memory-stores.ts';

const WHEEL_FILE = 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n';

/** A wheel of demo-pkg: `{version}` as spelled, with the given tags. */
function makeWheel(version: string, tags = 'py3-none-any'): { filename: string; bytes: Uint8Array } {
  const distInfo = `demo_pkg-${version}.dist-info`;
  const files: Record<string, string> = {
    'demo_pkg/__init__.py': `VERSION = ${JSON.stringify(version + tags)}\n`,
    [`${distInfo}/METADATA`]: `Metadata-Version: 2.1\nName: demo-pkg\nVersion: ${version}\nSummary: Demo\n\nREADME\n`,
    [`${distInfo}/WHEEL`]: WHEEL_FILE,
    [`${distInfo}/RECORD`]: 'demo_pkg/__init__.py,,\n',
  };
  const zippable: Zippable = {};
  for (const [path, content] of Object.entries(files)) zippable[path] = strToU8(content);
  return { filename: `demo_pkg-${version}-${tags}.whl`, bytes: zipSync(zippable) };
}

const ANY_10 = 'demo_pkg-1.0-py3-none-any.whl';
const LINUX_10 = 'demo_pkg-1.0.0-cp312-cp312-linux_x86_64.whl';
const ANY_11 = 'demo_pkg-1.1-py3-none-any.whl';
const DELETED_AT = '2026-05-06T07:08:09.000Z';

/** Stores whose named methods throw once, as a crash at that step would. */
class CrashingMetadataStore extends MemoryMetadataStore {
  readonly failOnce = new Set<'deleteFile' | 'putTombstone'>();
  private puts = 0;
  /** putTombstone fails on this call (1-based) when 'putTombstone' is armed. */
  failOnTombstone = 1;
  override async deleteFile(project: string, filename: string) {
    if (this.failOnce.delete('deleteFile')) throw new Error('injected crash in deleteFile');
    return super.deleteFile(project, filename);
  }
  override async putTombstone(tombstone: Tombstone) {
    this.puts++;
    if (this.puts >= this.failOnTombstone && this.failOnce.delete('putTombstone')) throw new Error('injected crash in putTombstone');
    return super.putTombstone(tombstone);
  }
}

class CrashingBlobStore extends MemoryBlobStore {
  failDeletes = 0;
  override async delete(key: string) {
    if (this.failDeletes > 0) {
      this.failDeletes--;
      throw new Error('injected crash in blob delete');
    }
    return super.delete(key);
  }
}

describe('ProjectAdmin', () => {
  let metadata: CrashingMetadataStore;
  let blobs: CrashingBlobStore;
  let admin: ProjectAdmin;
  let ingest: Ingest;
  const stored: Record<string, DistributionFile> = {};

  beforeEach(async () => {
    metadata = new CrashingMetadataStore();
    blobs = new CrashingBlobStore();
    admin = new ProjectAdmin(metadata, blobs, () => new Date(DELETED_AT));
    ingest = new Ingest(metadata, blobs, () => new Date('2026-01-01T00:00:00.000Z'));
    for (const [version, tags] of [
      ['1.0', 'py3-none-any'],
      ['1.0.0', 'cp312-cp312-linux_x86_64'],
      ['1.1', 'py3-none-any'],
    ] as const) {
      const { filename, bytes } = makeWheel(version, tags);
      stored[filename] = (await ingest.ingest(filename, bytes)).file;
    }
  });

  const pageFiles = async () => ((await metadata.getProjectPage('demo-pkg'))?.files ?? []).map((f) => f.filename).sort();
  const blobsOf = (file: DistributionFile) => [
    distributionKey(file.project, file.sha256, file.filename),
    metadataKey(file.project, file.sha256, file.filename),
  ];

  describe('yank and un-yank', () => {
    test('a file, with a reason, shown on the page; again is a no-op; another reason replaces it', async () => {
      const yanked = await admin.yank('demo-pkg', { filename: ANY_10 }, 'broken on Windows, use 1.1');
      assert.deepEqual(yanked, [{ ...stored[ANY_10]!, yanked: { reason: 'broken on Windows, use 1.1' } }]);
      const page = await metadata.getProjectPage('demo-pkg');
      assert.deepEqual(
        page?.files.filter((f) => f.yanked).map((f) => [f.filename, f.yanked?.reason]),
        [[ANY_10, 'broken on Windows, use 1.1']],
      );
      assert.deepEqual(await admin.yank('demo-pkg', { filename: ANY_10 }, 'broken on Windows, use 1.1'), yanked);
      const changed = await admin.yank('Demo_Pkg', { filename: ANY_10 }, '  security fix in 1.1  ');
      assert.deepEqual(changed[0]?.yanked, { reason: 'security fix in 1.1' });
    });

    test('a release: every file whose version equals it under PEP 440, and nothing else', async () => {
      const yanked = await admin.yank('demo-pkg', { version: '1.0.0' }, '');
      assert.deepEqual(yanked.map((f) => [f.filename, f.yanked]), [
        [ANY_10, { reason: '' }],
        [LINUX_10, { reason: '' }],
      ]);
      assert.equal((await metadata.getFile('demo-pkg', ANY_11))?.yanked, undefined);
    });

    test('un-yank clears the flag, and is a no-op on a file that is not yanked', async () => {
      await admin.yank('demo-pkg', { version: '1.0' }, 'oops');
      const unyanked = await admin.unyank('demo-pkg', { version: '1' });
      assert.deepEqual(unyanked, [stored[ANY_10], stored[LINUX_10]]);
      assert.deepEqual(await admin.unyank('demo-pkg', { filename: ANY_11 }), [stored[ANY_11]]);
      assert.ok((await metadata.getProjectPage('demo-pkg'))?.files.every((f) => f.yanked === undefined));
    });

    test('the reason is one line of at most 250 characters', async () => {
      for (const reason of ['line one\nline two', 'a\rb', 'tab\there', 'x'.repeat(MAX_YANK_REASON_LENGTH + 1)]) {
        await assert.rejects(admin.yank('demo-pkg', { filename: ANY_10 }, reason), InvalidInputError);
      }
      assert.equal((await metadata.getFile('demo-pkg', ANY_10))?.yanked, undefined);
      const longest = '🐍'.repeat(MAX_YANK_REASON_LENGTH);
      assert.equal((await admin.yank('demo-pkg', { filename: ANY_10 }, longest))[0]?.yanked?.reason, longest);
    });

    test('a deleted file cannot be yanked, and the error says it was deleted', async () => {
      await admin.delete('demo-pkg', { filename: ANY_11 }, 'token:admin');
      await assert.rejects(admin.yank('demo-pkg', { filename: ANY_11 }, 'x'), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.match(err.message, /was deleted on 2026-05-06/);
        return true;
      });
      await assert.rejects(admin.unyank('demo-pkg', { version: '1.1' }), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.match(err.message, /Every file of demo-pkg 1\.1 was deleted/);
        return true;
      });
    });
  });

  describe('input and not found', () => {
    test('invalid project names, versions and filenames are refused before any read', async () => {
      metadata.getProjectPage = metadata.getFile = async () => assert.fail('read before validating');
      await assert.rejects(admin.yank('-bad-', { filename: ANY_10 }, ''), /not a valid project name/);
      await assert.rejects(admin.yank('demo-pkg', { version: 'one.two' }, ''), /not a valid PEP 440 version/);
      await assert.rejects(admin.delete('demo-pkg', { filename: '../etc/passwd' }, 'x'), /not a distribution filename/);
      await assert.rejects(admin.unyank('demo-pkg', { filename: '.hidden.whl' }), InvalidInputError);
    });

    test('what does not exist is NotFoundError saying how to see what does', async () => {
      await assert.rejects(admin.yank('no-such', { version: '1.0' }, ''), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.match(err.message, /no project no-such.*\/simple\/ lists/);
        return true;
      });
      await assert.rejects(admin.delete('demo-pkg', { filename: 'demo_pkg-9.0.tar.gz' }, 'x'), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.match(err.message, /no file demo_pkg-9\.0\.tar\.gz.*\/simple\/demo-pkg\//);
        return true;
      });
      await assert.rejects(admin.unyank('demo-pkg', { version: '2.0' }), (err: unknown) => {
        assert.ok(err instanceof NotFoundError);
        assert.match(err.message, /no release 2\.0; its releases are 1\.0(\.0)?, 1\.1\./);
        return true;
      });
      assert.equal(metadata.tombstones.size, 0);
    });
  });

  describe('delete', () => {
    test('a file: tombstone, no page entry, no index entry, no bytes; the filename cannot come back', async () => {
      const file = stored[ANY_10]!;
      const tombstones = await admin.delete('demo-pkg', { filename: ANY_10 }, 'token:admin');
      const expected: Tombstone = {
        project: 'demo-pkg',
        filename: ANY_10,
        sha256: file.sha256,
        version: '1.0',
        deletedAt: DELETED_AT,
        deletedBy: 'token:admin',
      };
      assert.deepEqual(tombstones, [expected]);
      assert.deepEqual(await pageFiles(), [LINUX_10, ANY_11].sort());
      assert.equal(await metadata.getFile('demo-pkg', ANY_10), undefined);
      for (const key of blobsOf(file)) assert.equal(blobs.objects.has(key), false, key);
      for (const key of blobsOf(stored[LINUX_10]!)) assert.equal(blobs.objects.has(key), true, key);

      await assert.rejects(ingest.ingest(ANY_10, makeWheel('1.0').bytes), /was deleted on 2026-05-06/);

      // Deleting it again succeeds and returns the first deletion.
      const later = new ProjectAdmin(metadata, blobs, () => new Date('2027-01-01T00:00:00Z'));
      assert.deepEqual(await later.delete('demo-pkg', { filename: ANY_10 }, 'someone-else'), [expected]);
    });

    test('a release: every file of the version, one tombstone each; other releases stay', async () => {
      const tombstones = await admin.delete('demo-pkg', { version: '1.0' }, 'token:admin');
      assert.deepEqual(tombstones.map((t) => [t.filename, t.version]), [
        [ANY_10, '1.0'],
        [LINUX_10, '1.0.0'],
      ]);
      assert.deepEqual(await pageFiles(), [ANY_11]);
      assert.deepEqual([...blobs.objects.keys()].sort(), blobsOf(stored[ANY_11]!).sort());
      // The release stays listed as deleted, not as never having existed.
      assert.deepEqual(await admin.delete('demo-pkg', { version: '1.0.0' }, 'x'), tombstones);
    });

    test('a release that lost one file before: its tombstone comes back with the new ones', async () => {
      const first = await admin.delete('demo-pkg', { filename: LINUX_10 }, 'alice');
      const later = new ProjectAdmin(metadata, blobs, () => new Date('2026-06-01T00:00:00Z'));
      const all = await later.delete('demo-pkg', { version: '1' }, 'bob');
      assert.deepEqual(all[1], first[0]);
      assert.deepEqual([all[0]?.filename, all[0]?.deletedBy, all[0]?.deletedAt], [ANY_10, 'bob', '2026-06-01T00:00:00.000Z']);
    });

    test('a crash after the tombstone hides the file at once; deleting again finishes the job', async () => {
      const file = stored[ANY_10]!;
      metadata.failOnce.add('deleteFile');
      await assert.rejects(admin.delete('demo-pkg', { filename: ANY_10 }, 'token:admin'), /injected crash/);
      assert.ok(await metadata.getFile('demo-pkg', ANY_10), 'the index entry is still stored');
      assert.deepEqual(await pageFiles(), [LINUX_10, ANY_11].sort());
      // The index never points at missing bytes: they go last.
      for (const key of blobsOf(file)) assert.equal(blobs.objects.has(key), true);

      const tombstones = await admin.delete('demo-pkg', { filename: ANY_10 }, 'token:admin');
      assert.equal(tombstones[0]?.sha256, file.sha256);
      assert.equal(await metadata.getFile('demo-pkg', ANY_10), undefined);
      for (const key of blobsOf(file)) assert.equal(blobs.objects.has(key), false);
    });

    test('a crash removing the bytes is finished by deleting again', async () => {
      const file = stored[ANY_10]!;
      blobs.failDeletes = 1;
      await assert.rejects(admin.delete('demo-pkg', { filename: ANY_10 }, 'x'), /injected crash/);
      assert.equal(await metadata.getFile('demo-pkg', ANY_10), undefined);
      assert.equal(blobs.objects.has(blobsOf(file)[0]!), true);
      await admin.delete('demo-pkg', { filename: ANY_10 }, 'x');
      for (const key of blobsOf(file)) assert.equal(blobs.objects.has(key), false);
    });

    test('a crash between the tombstones of a release is finished by deleting the release again', async () => {
      metadata.failOnce.add('putTombstone');
      metadata.failOnTombstone = 2;
      await assert.rejects(admin.delete('demo-pkg', { version: '1.0' }, 'x'), /injected crash/);
      assert.equal(metadata.tombstones.get('demo-pkg')?.size, 1);
      const tombstones = await admin.delete('demo-pkg', { version: '1.0' }, 'x');
      assert.equal(tombstones.length, 2);
      assert.deepEqual(await pageFiles(), [ANY_11]);
      assert.deepEqual([...blobs.objects.keys()].sort(), blobsOf(stored[ANY_11]!).sort());
    });

    test('an entry with other bytes left under a deleted filename (an upload that raced and crashed) goes too', async () => {
      const file = stored[ANY_11]!;
      await admin.delete('demo-pkg', { filename: ANY_11 }, 'x');
      const racer = { ...file, sha256: 'e'.repeat(64) };
      await metadata.putFile(racer);
      for (const key of blobsOf(racer)) await blobs.put(key, new Uint8Array([1]), { contentType: 'application/octet-stream' });
      assert.deepEqual(await pageFiles(), [LINUX_10, ANY_10].sort());

      await admin.delete('demo-pkg', { filename: ANY_11 }, 'x');
      assert.equal(await metadata.getFile('demo-pkg', ANY_11), undefined);
      for (const key of blobsOf(racer)) assert.equal(blobs.objects.has(key), false);
    });
  });
});
