/** Ingest against in-memory stores: order of writes, duplicates, deleted filenames, crashes and retries. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { beforeEach, describe, test } from 'node:test';

import { type Zippable, strToU8, zipSync } from 'fflate';

import { Ingest } from '../../lambdas/app/ingest.ts';
import { inspectDistribution } from '../../lambdas/core/distribution.ts';
import { FileExistsError, InvalidInputError } from '../../lambdas/core/errors.ts';
import type { DistributionFile, ReleaseRecord, Tombstone } from '../../lambdas/core/model.ts';
import { releaseMetadataOf } from '../../lambdas/core/release-metadata.ts';
import { distributionKey, metadataKey } from '../../lambdas/core/storage-keys.ts';
import type { PutBlobOptions } from '../../lambdas/app/ports.ts';
import { buildSdist } from '../support/dist-builder.ts';
import { MemoryBlobStore, MemoryMetadataStore } from '../support/memory-stores.ts';

// ---------------------------------------------------------------------------------------
// Wheels, built in memory

const WHEEL_FILE = 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n';

function metadataText(version: string, extra: readonly string[] = []): string {
  return [
    'Metadata-Version: 2.1',
    'Name: Demo_Pkg',
    `Version: ${version}`,
    'Summary: A demo package',
    'Requires-Python: >=3.9',
    'Requires-Dist: requests>=2',
    'License: MIT',
    'Classifier: Programming Language :: Python :: 3',
    'Project-URL: Source, https://example.org/src',
    'Description-Content-Type: text/markdown',
    ...extra,
    '',
    '# Demo\n\nThe README.',
  ].join('\n');
}

/** A wheel of Demo_Pkg; `marker` changes its bytes, not its filename. */
function makeWheel(version = '1.0', { marker = '', extra = [] as readonly string[] } = {}): { filename: string; bytes: Uint8Array } {
  const distInfo = `demo_pkg-${version}.dist-info`;
  const files: Record<string, string> = {
    'demo_pkg/__init__.py': `VALUE = 1${marker}\n`,
    [`${distInfo}/METADATA`]: metadataText(version, extra),
    [`${distInfo}/WHEEL`]: WHEEL_FILE,
    [`${distInfo}/RECORD`]: 'demo_pkg/__init__.py,,\n',
  };
  const zippable: Zippable = {};
  for (const [path, content] of Object.entries(files)) zippable[path] = strToU8(content);
  return { filename: `demo_pkg-${version}-py3-none-any.whl`, bytes: zipSync(zippable) };
}

/** An sdist of Demo_Pkg in either format, its PKG-INFO under `{name}-{version}/`. */
function makeSdist(version: string, extension: '.tar.gz' | '.zip'): { filename: string; bytes: Uint8Array } {
  const stem = `demo_pkg-${version}`;
  if (extension === '.tar.gz') {
    return { filename: `${stem}.tar.gz`, bytes: buildSdist({ name: 'Demo_Pkg', version, filenameName: 'demo_pkg' }) };
  }
  const zippable: Zippable = { [`${stem}/PKG-INFO`]: strToU8(metadataText(version)), [`${stem}/demo_pkg/__init__.py`]: strToU8('') };
  return { filename: `${stem}.zip`, bytes: zipSync(zippable) };
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const NOW = new Date('2026-03-04T05:06:07.000Z');

// ---------------------------------------------------------------------------------------
// Stores that record what they are asked to do, and fail when told to

/** Every write, in order, as `store.method key`. */
type Log = string[];

class LoggingMetadataStore extends MemoryMetadataStore {
  readonly failOnce = new Set<string>();
  constructor(readonly log: Log) {
    super();
  }
  private step(name: string, key: string): void {
    this.log.push(`${name} ${key}`);
    if (this.failOnce.delete(name)) throw new Error(`injected crash in ${name}`);
  }
  override async putFile(file: DistributionFile) {
    this.step('putFile', file.filename);
    return super.putFile(file);
  }
  override async putRelease(release: ReleaseRecord) {
    this.step('putRelease', `${release.project} ${release.version}`);
    return super.putRelease(release);
  }
  override async putProject(project: { name: string; displayName: string; createdAt: string }) {
    this.step('putProject', project.name);
    return super.putProject(project);
  }
  override async deleteFile(project: string, filename: string) {
    this.step('deleteFile', filename);
    return super.deleteFile(project, filename);
  }
  override async putTombstone(tombstone: Tombstone) {
    this.step('putTombstone', tombstone.filename);
    return super.putTombstone(tombstone);
  }
}

class LoggingBlobStore extends MemoryBlobStore {
  readonly failOnce = new Set<string>();
  constructor(readonly log: Log) {
    super();
  }
  override async put(key: string, body: Uint8Array, options: PutBlobOptions) {
    this.log.push(`blob.put ${key}`);
    if (this.failOnce.delete('put')) throw new Error('injected crash in blob.put');
    return super.put(key, body, options);
  }
  override async delete(key: string) {
    this.log.push(`blob.delete ${key}`);
    return super.delete(key);
  }
}

describe('Ingest', () => {
  let log: Log;
  let metadata: LoggingMetadataStore;
  let blobs: LoggingBlobStore;
  let ingest: Ingest;
  beforeEach(() => {
    log = [];
    metadata = new LoggingMetadataStore(log);
    blobs = new LoggingBlobStore(log);
    ingest = new Ingest(metadata, blobs, () => NOW);
  });

  test('stores blob, .metadata, file entry, release, project, in that order', async () => {
    const { filename, bytes } = makeWheel();
    const sha = sha256Hex(bytes);
    const result = await ingest.ingest(filename, bytes);

    assert.equal(result.outcome, 'created');
    assert.deepEqual(log, [
      `blob.put ${distributionKey('demo-pkg', sha, filename)}`,
      `blob.put ${metadataKey('demo-pkg', sha, filename)}`,
      `putFile ${filename}`,
      'putRelease demo-pkg 1.0',
      'putProject demo-pkg',
    ]);
    assert.deepEqual(result.file, {
      project: 'demo-pkg',
      filename,
      version: '1.0',
      packagetype: 'bdist_wheel',
      sha256: sha,
      size: bytes.byteLength,
      uploadTime: NOW.toISOString(),
      requiresPython: '>=3.9',
      metadataSha256: sha256Hex(strToU8(metadataText('1.0'))),
    });
    assert.deepEqual(await metadata.getFile('demo-pkg', filename), result.file);
    assert.deepEqual(blobs.objects.get(distributionKey('demo-pkg', sha, filename))?.body, bytes);

    const release = await metadata.getRelease('demo-pkg', '1.0');
    assert.equal(release?.version, '1.0');
    assert.equal(release?.createdAt, NOW.toISOString());
    assert.equal(release?.metadata.summary, 'A demo package');
    assert.equal(release?.metadata.requires_python, '>=3.9');
    assert.deepEqual(release?.metadata.requires_dist, ['requests>=2']);
    assert.equal(release?.metadata.license, 'MIT');
    assert.deepEqual(release?.metadata.classifiers, ['Programming Language :: Python :: 3']);
    assert.deepEqual(release?.metadata.project_urls, [{ label: 'Source', url: 'https://example.org/src' }]);
    assert.equal(release?.metadata.description, '# Demo\n\nThe README.');
    assert.equal(release?.metadata.description_content_type, 'text/markdown');
    assert.deepEqual(metadata.projects.get('demo-pkg'), { name: 'demo-pkg', displayName: 'Demo_Pkg', createdAt: NOW.toISOString() });
  });

  test('uses the inspection, release metadata and sha256 a validated upload already has', async () => {
    const { filename, bytes } = makeWheel();
    const inspected = await inspectDistribution(filename, bytes);
    const release = { ...releaseMetadataOf(inspected.metadata), summary: 'as the caller derived it' };
    // The bytes are not an archive: ingest succeeds only if it does not inspect them again.
    const notAnArchive = new Uint8Array([1, 2, 3]);
    const sha256 = sha256Hex(bytes);
    const result = await ingest.ingest(filename, notAnArchive, { inspected, release, sha256 });

    assert.equal(result.outcome, 'created');
    assert.equal(result.file.sha256, sha256);
    assert.equal(result.file.size, 3);
    assert.ok(blobs.objects.has(distributionKey('demo-pkg', sha256, filename)));
    assert.equal((await metadata.getRelease('demo-pkg', '1.0'))?.metadata.summary, 'as the caller derived it');
  });

  test('the same bytes again are unchanged and write no blob', async () => {
    const { filename, bytes } = makeWheel();
    const first = await ingest.ingest(filename, bytes);
    log.length = 0;
    const again = await new Ingest(metadata, blobs, () => new Date('2027-01-01T00:00:00Z')).ingest(filename, bytes);
    assert.equal(again.outcome, 'unchanged');
    assert.deepEqual(again.file, first.file);
    assert.ok(!log.some((entry) => entry.startsWith('blob.') || entry.startsWith('putFile')), log.join('\n'));
  });

  test('the same filename with other bytes is "File already exists" and stores nothing', async () => {
    const { filename, bytes } = makeWheel();
    await ingest.ingest(filename, bytes);
    const objects = [...blobs.objects.keys()];
    log.length = 0;
    const other = makeWheel('1.0', { marker: ' + 1' });
    await assert.rejects(ingest.ingest(filename, other.bytes), (err: unknown) => {
      assert.ok(err instanceof FileExistsError);
      assert.match(err.message, /^File already exists/);
      return true;
    });
    assert.deepEqual(log, []);
    assert.deepEqual([...blobs.objects.keys()], objects);
  });

  test('another spelling of a published file is refused with any bytes, naming the file, and stores nothing', async () => {
    const { filename, bytes } = makeWheel();
    await ingest.ingest(filename, bytes);
    const objects = [...blobs.objects.keys()];
    log.length = 0;
    for (const spelling of ['Demo_Pkg-1.0-py3-none-any.whl', 'DEMO_PKG-1.0-py3-none-any.whl', 'demo_pkg-1.0.0-py3-none-any.whl']) {
      for (const upload of [bytes, makeWheel('1.0', { marker: ' # other' }).bytes]) {
        await assert.rejects(ingest.ingest(spelling, upload), (err: unknown) => {
          assert.ok(err instanceof InvalidInputError, String(err));
          assert.match(err.message, new RegExp(`^${spelling.replace(/\./g, '\\.')} is the same file as demo_pkg-1\\.0-py3-none-any\\.whl, which this index holds`));
          // twine --skip-existing must report it, not pass over it.
          assert.doesNotMatch(err.message, /already exist/i);
          return true;
        });
      }
    }
    assert.deepEqual(log, []);
    assert.deepEqual([...blobs.objects.keys()], objects);
    assert.equal((await metadata.getProjectPage('demo-pkg'))?.files.length, 1);
  });

  test('a release holds one sdist: a .zip beside its .tar.gz, or 1.00 beside 1.0, is refused', async () => {
    const sdist = makeSdist('1.0', '.tar.gz');
    await ingest.ingest(sdist.filename, sdist.bytes);
    for (const other of [makeSdist('1.0', '.zip'), makeSdist('1.00', '.tar.gz'), makeSdist('1.0.0', '.zip')]) {
      await assert.rejects(ingest.ingest(other.filename, other.bytes), (err: unknown) => {
        assert.ok(err instanceof InvalidInputError, String(err));
        assert.match(err.message, /is the same file as demo_pkg-1\.0\.tar\.gz, which this index holds \(a release has at most one sdist/);
        return true;
      });
    }
    assert.deepEqual((await metadata.getProjectPage('demo-pkg'))?.files.map((f) => f.filename), ['demo_pkg-1.0.tar.gz']);
    // Another release's sdist is another file.
    const next = makeSdist('1.0.1', '.zip');
    assert.equal((await ingest.ingest(next.filename, next.bytes)).outcome, 'created');
  });

  test('another spelling of a deleted file is refused, naming the deleted one', async () => {
    const { filename, bytes } = makeWheel();
    await metadata.putTombstone({
      project: 'demo-pkg',
      filename,
      sha256: sha256Hex(bytes),
      version: '1.0',
      deletedAt: '2026-02-03T10:00:00.000Z',
      deletedBy: 'token:abc',
    });
    log.length = 0;
    await assert.rejects(ingest.ingest('Demo_Pkg-1.0.0-py3-none-any.whl', makeWheel('1.0').bytes), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /^Demo_Pkg-1\.0\.0-py3-none-any\.whl is the same file as demo_pkg-1\.0-py3-none-any\.whl \(.*\), which was deleted on 2026-02-03/);
      assert.doesNotMatch(err.message, /already exist/i);
      return true;
    });
    assert.deepEqual(log, []);
  });

  test('a concurrent upload of another spelling that wins the conditional put leaves none of our bytes', async () => {
    const winner = makeWheel('1.0', { marker: ' # winner' });
    const loser = makeWheel();
    const realGetFile = metadata.getFile.bind(metadata);
    let reads = 0;
    metadata.getFile = async (project, filename) => (reads++ === 0 ? undefined : realGetFile(project, filename));
    await metadata.putFile({
      project: 'demo-pkg',
      filename: 'Demo_Pkg-1.0.0-py3-none-any.whl',
      version: '1.0.0',
      packagetype: 'bdist_wheel',
      sha256: sha256Hex(winner.bytes),
      size: winner.bytes.byteLength,
      uploadTime: NOW.toISOString(),
    });
    await assert.rejects(ingest.ingest(loser.filename, loser.bytes), /is the same file as Demo_Pkg-1\.0\.0-py3-none-any\.whl/);
    assert.deepEqual([...blobs.objects.keys()], []);
  });

  test('a concurrent upload with other bytes that wins the conditional put leaves none of our bytes', async () => {
    const winner = makeWheel('1.0', { marker: ' # winner' });
    const loser = makeWheel();
    // The loser's first read ran before the winner's put.
    const realGetFile = metadata.getFile.bind(metadata);
    let reads = 0;
    metadata.getFile = async (project, filename) => (reads++ === 0 ? undefined : realGetFile(project, filename));
    await metadata.putFile({
      project: 'demo-pkg',
      filename: winner.filename,
      version: '1.0',
      packagetype: 'bdist_wheel',
      sha256: sha256Hex(winner.bytes),
      size: winner.bytes.byteLength,
      uploadTime: NOW.toISOString(),
    });
    await assert.rejects(ingest.ingest(loser.filename, loser.bytes), FileExistsError);
    assert.deepEqual([...blobs.objects.keys()], []);
    assert.equal((await realGetFile('demo-pkg', winner.filename))?.sha256, sha256Hex(winner.bytes));
  });

  test('a deleted filename is refused before any byte is stored, saying when and what to do instead', async () => {
    const { filename, bytes } = makeWheel();
    await metadata.putTombstone({
      project: 'demo-pkg',
      filename,
      sha256: sha256Hex(bytes),
      version: '1.0',
      deletedAt: '2026-02-03T10:00:00.000Z',
      deletedBy: 'token:abc',
    });
    log.length = 0;
    for (const upload of [bytes, makeWheel('1.0', { marker: ' # new' }).bytes]) {
      await assert.rejects(ingest.ingest(filename, upload), (err: unknown) => {
        assert.ok(err instanceof InvalidInputError);
        assert.match(err.message, /was deleted on 2026-02-03/);
        assert.match(err.message, /never reuse a filename/);
        assert.match(err.message, /new version/);
        assert.match(err.message, /1\.0\.post1/);
        // twine --skip-existing would take "already exist" in a 400 for success.
        assert.doesNotMatch(err.message, /already exist/i);
        return true;
      });
    }
    assert.deepEqual(log, []);
    assert.equal(blobs.objects.size, 0);
    assert.equal(await metadata.getRelease('demo-pkg', '1.0'), undefined);
  });

  test('a delete that lands between the first check and the file entry wins: our entry and bytes are removed', async () => {
    const { filename, bytes } = makeWheel();
    const tombstone: Tombstone = {
      project: 'demo-pkg',
      filename,
      sha256: 'f'.repeat(64),
      version: '1.0',
      deletedAt: '2026-02-03T10:00:00.000Z',
      deletedBy: 'token:abc',
    };
    const realPutFile = metadata.putFile.bind(metadata);
    metadata.putFile = async (file) => {
      // The delete's tombstone was written after our first read, before our put.
      await metadata.putTombstone(tombstone);
      return realPutFile(file);
    };
    await assert.rejects(ingest.ingest(filename, bytes), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /was deleted on 2026-02-03/);
      return true;
    });
    assert.equal(await metadata.getFile('demo-pkg', filename), undefined);
    assert.equal(blobs.objects.size, 0);
    assert.equal(await metadata.getRelease('demo-pkg', '1.0'), undefined);
    assert.equal(await metadata.getProjectPage('demo-pkg'), undefined);
  });

  for (const step of ['putRelease', 'putProject'] as const) {
    test(`a crash in ${step} after the file entry is repaired by sending the same file again`, async () => {
      const { filename, bytes } = makeWheel();
      metadata.failOnce.add(step);
      await assert.rejects(ingest.ingest(filename, bytes), /injected crash/);
      // Nothing listed points at missing bytes.
      const listed = await metadata.getFile('demo-pkg', filename);
      assert.ok(listed && blobs.objects.has(distributionKey('demo-pkg', listed.sha256, filename)));

      const retry = await ingest.ingest(filename, bytes);
      assert.equal(retry.outcome, 'unchanged');
      assert.equal((await metadata.getRelease('demo-pkg', '1.0'))?.metadata.summary, 'A demo package');
      assert.equal(metadata.projects.get('demo-pkg')?.displayName, 'Demo_Pkg');
      assert.deepEqual((await metadata.listProjects()).map((p) => p.name), ['demo-pkg']);
    });
  }

  test('a crash before the file entry leaves nothing listed, and a retry creates it', async () => {
    const { filename, bytes } = makeWheel();
    metadata.failOnce.add('putFile');
    await assert.rejects(ingest.ingest(filename, bytes), /injected crash/);
    assert.equal(await metadata.getProjectPage('demo-pkg'), undefined);
    const retry = await ingest.ingest(filename, bytes);
    assert.equal(retry.outcome, 'created');
    assert.equal((await metadata.getProjectPage('demo-pkg'))?.files.length, 1);
  });

  test('a crash storing the bytes leaves no entry; a retry stores both', async () => {
    const { filename, bytes } = makeWheel();
    blobs.failOnce.add('put');
    await assert.rejects(ingest.ingest(filename, bytes), /injected crash/);
    assert.equal(await metadata.getFile('demo-pkg', filename), undefined);
    await ingest.ingest(filename, bytes);
    assert.equal(blobs.objects.size, 2);
  });

  test('metadata too large to keep is refused before anything is stored', async () => {
    const classifiers = Array.from({ length: 4000 }, (_, i) => `Classifier: Private :: Internal :: Team ${i} :: ${'x'.repeat(60)}`);
    const { filename, bytes } = makeWheel('1.0', { extra: classifiers });
    await assert.rejects(ingest.ingest(filename, bytes), (err: unknown) => {
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /classifiers/);
      return true;
    });
    assert.deepEqual(log, []);
  });
});
