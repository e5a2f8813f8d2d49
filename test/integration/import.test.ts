/**
 * `wharf import` as a user runs it (the real CLI, off a terminal, into a data directory):
 * symlinks followed, broken ones and loops named, an empty directory reported with a
 * non-zero exit, refusals named with their reasons and exit 1; and, in process against the
 * embedded stores, a big wheel streamed from disk in parts and stored byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { strToU8, zipSync } from 'fflate';
import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { SimpleIndex } from '../../lambdas/app/simple-index.ts';
import { importDistributions } from '../../lambdas/cli/import-command.ts';
import { localTarget, s3FileUploader, type ImportTarget } from '../../lambdas/cli/import-target.ts';
import { distributionKey } from '../../lambdas/core/storage-keys.ts';
import { createDynamoDbClient, createS3Client, startEmbeddedStores } from '../../lambdas/local/embedded-stores.ts';
import { countDynamoDbCalls } from '../support/embedded.ts';
import { writeBigWheel } from '../support/big-wheel.ts';
import { run } from '../support/processes.ts';

const CLI = ['--import', 'tsx', path.resolve('lambdas/cli/main.ts')];

function wharf(args: string[]) {
  return run(process.execPath, [...CLI, ...args], { env: { ...process.env, WHARF_DATA_DIR: '' } });
}

/** A small valid wheel; `metadataName` lets the metadata disagree with the filename. */
function wheel(name: string, version: string, metadataName = name): { filename: string; bytes: Uint8Array } {
  const escaped = name.replace(/[-_.]+/g, '_');
  const di = `${escaped}-${version}.dist-info`;
  return {
    filename: `${escaped}-${version}-py3-none-any.whl`,
    bytes: zipSync({
      [`${escaped}/__init__.py`]: strToU8(''),
      [`${di}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: ${metadataName}\nVersion: ${version}\n\n`),
      [`${di}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
      [`${di}/RECORD`]: strToU8(''),
    }),
  };
}

async function put(dir: string, w: { filename: string; bytes: Uint8Array }): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, w.filename);
  await writeFile(file, w.bytes);
  return file;
}

describe('wharf import reports what it imports, skips and refuses', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-import-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a symlinked wheel is imported; a broken symlink and a symlink loop are named with why; the summary is plain off a terminal', async () => {
    const mirror = path.join(dir, 'mirror');
    const elsewhere = path.join(dir, 'elsewhere');
    const target = await put(elsewhere, wheel('linked-pkg', '1.0'));
    await put(mirror, wheel('plain-pkg', '2.0'));
    await symlink(target, path.join(mirror, path.basename(target)));
    await symlink(path.join(dir, 'gone', 'gone_pkg-1.0-py3-none-any.whl'), path.join(mirror, 'gone_pkg-1.0-py3-none-any.whl'));
    await symlink('loop_b-1.0-py3-none-any.whl', path.join(mirror, 'loop_a-1.0-py3-none-any.whl'));
    await symlink('loop_a-1.0-py3-none-any.whl', path.join(mirror, 'loop_b-1.0-py3-none-any.whl'));
    await writeFile(path.join(mirror, 'index.html'), '<html></html>');
    const dataDir = path.join(dir, 'data-links');

    const first = await wharf(['import', '--data-dir', dataDir, mirror]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /^Found 2 wheels and sdists \(.* kB\); skipping 4 other entries, listed at the end\./m);
    assert.match(first.stdout, /^Imported 2, already there 0, refused 0, skipped 4 in \d+\.\d s \(.* files\/s, .*\/s\)\.$/m);
    assert.ok(first.stdout.includes(`  ${path.join(mirror, 'gone_pkg-1.0-py3-none-any.whl')}: broken symlink: what it points to does not exist\n`), first.stdout);
    assert.ok(first.stdout.includes(`  ${path.join(mirror, 'loop_a-1.0-py3-none-any.whl')}: symlink loop`), first.stdout);
    assert.ok(first.stdout.includes(`  ${path.join(mirror, 'loop_b-1.0-py3-none-any.whl')}: symlink loop`), first.stdout);
    assert.match(first.stdout, /1 other file \(not a wheel \(\.whl\) or sdist \(\.tar\.gz, \.zip\)\):\n {4}.*index\.html\n/);
    // Off a terminal: no redrawing, and a short import writes no progress lines at all.
    assert.doesNotMatch(first.stdout, /[\r\x1b]/);
    assert.doesNotMatch(first.stdout, /files \(\d+%\)/);

    // The linked file is in the index: importing the target itself finds it there.
    const again = await wharf(['import', '--data-dir', dataDir, target]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /^Imported 0, already there 1, refused 0, skipped 0 in /m);
  });

  test('a directory linked into itself is searched once, and the loop is named', async () => {
    const tree = path.join(dir, 'tree');
    await put(path.join(tree, 'sub'), wheel('deep-pkg', '1.0'));
    await symlink('..', path.join(tree, 'sub', 'up'));
    const result = await wharf(['import', '--data-dir', path.join(dir, 'data-tree'), tree]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^Imported 1, already there 0, refused 0, skipped 1 in /m);
    assert.ok(result.stdout.includes(`  ${path.join(tree, 'sub', 'up')}: symlink loop: it leads back to `), result.stdout);
  });

  test('a refused file is named with its reason, the others are imported, and the exit code is 1', async () => {
    const mixed = path.join(dir, 'mixed');
    await put(mixed, wheel('good-pkg', '1.0'));
    await put(mixed, wheel('liar-pkg', '1.0', 'someone-else'));
    await writeFile(path.join(mixed, 'broken-1.0.tar.gz'), 'not a tarball');
    const result = await wharf(['import', '--data-dir', path.join(dir, 'data-mixed'), mixed]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^Imported 1, already there 0, refused 2, skipped 0 in /m);
    assert.match(result.stdout, /^Refused \(2\):$/m);
    assert.match(result.stdout, /^ {2}broken-1\.0\.tar\.gz is not a valid tar\.gz archive/m);
    assert.doesNotMatch(result.stdout, /broken-1\.0\.tar\.gz: broken-1\.0\.tar\.gz/, 'the filename once');
    assert.match(
      result.stdout,
      /^ {2}liar_pkg-1\.0-py3-none-any\.whl: the filename names the project "liar-pkg" but its metadata says Name: someone-else\. Rename the file or fix the metadata/m,
    );
  });

  test('an empty directory, or one with no wheels or sdists, is reported by name with a non-zero exit', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    const none = await wharf(['import', '--data-dir', path.join(dir, 'data-empty'), empty]);
    assert.equal(none.code, 1, none.stdout + none.stderr);
    assert.ok(none.stderr.includes(`no wheels or sdists found in ${empty} (it is empty).`), none.stderr);
    assert.match(none.stderr, /Name directories that hold wheels \(\.whl\) or sdists \(\.tar\.gz, \.zip\), or the files themselves\./);

    const docs = path.join(dir, 'docs');
    await mkdir(docs);
    await writeFile(path.join(docs, 'README.md'), '# not a package');
    const other = await wharf(['import', '--data-dir', path.join(dir, 'data-empty'), docs]);
    assert.equal(other.code, 1, other.stdout + other.stderr);
    assert.ok(other.stderr.includes(`no wheels or sdists found in ${docs} (it holds 1 other entry, listed below).`), other.stderr);
    assert.ok(other.stdout.includes(path.join(docs, 'README.md')), other.stdout);

    // Beside a directory that has some, an empty one is still named, but is no failure.
    const some = path.join(dir, 'some');
    await put(some, wheel('some-pkg', '1.0'));
    const mixed = await wharf(['import', '--data-dir', path.join(dir, 'data-empty'), some, empty]);
    assert.equal(mixed.code, 0, mixed.stdout + mixed.stderr);
    assert.ok(mixed.stderr.includes(`no wheels or sdists found in ${empty}`), mixed.stderr);
    assert.match(mixed.stdout, /^Imported 1, /m);
  });

  test('bad --concurrency says what it takes', async () => {
    const result = await wharf(['import', '--data-dir', path.join(dir, 'data-bad'), '--concurrency', '0', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--concurrency must be a whole number from 1 to 64/);
  });
});

describe('wharf import of a big file', () => {
  test('a wheel larger than the in-memory limit is streamed to the bucket in parts and stored byte for byte', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-import-big-'));
    const stores = await startEmbeddedStores({});
    const target = localTarget(stores, 'test', async () => undefined);
    const s3 = createS3Client(stores);
    try {
      // 20 MB: above the 16 MiB limit, and three parts of 8 MiB.
      const big = await writeBigWheel(dir, { name: 'big-model', version: '1.0', payloadBytes: 20_000_000 });
      const small = await put(dir, wheel('small-pkg', '1.0'));
      const summary = await importDistributions(target, [big.path, small]);
      assert.deepEqual([...summary.refused, ...summary.failed], []);
      assert.equal(summary.created, 2);
      const file = await target.metadata.getFile('big-model', big.filename);
      assert.equal(file?.sha256, big.sha256);
      assert.equal(file?.size, big.size);
      assert.ok(file?.metadataSha256, 'its METADATA was read from disk and stored as the .metadata file');
      const object = await s3.send(new GetObjectCommand({ Bucket: stores.bucketName, Key: distributionKey('big-model', big.sha256, big.filename) }));
      const stored = createHash('sha256').update(await object.Body!.transformToByteArray()).digest('hex');
      assert.equal(stored, big.sha256);
    } finally {
      s3.destroy();
      await target.close();
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('many files at once: reads batched, serials raised once per batch and by the end, a deleted filename and a quarantined project refused among good ones, a re-run skips all', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'wharf-import-batch-'));
    const stores = await startEmbeddedStores({});
    const dynamodb = createDynamoDbClient(stores);
    const s3 = createS3Client(stores);
    const calls = new Map<string, number>();
    countDynamoDbCalls(dynamodb, calls);
    // The sort keys single GetItems ask for: files and tombstones must not be among them.
    const gotOne: string[] = [];
    let summaryCounterRaises = 0;
    dynamodb.use(async (operation, input, next) => {
      if (operation === 'GetItem') gotOne.push(String((input['Key'] as { sk: string }).sk));
      if (operation === 'UpdateItem' && (input['Key'] as { pk: string }).pk === 'SUMMARIES#SERIAL') summaryCounterRaises++;
      return next(input);
    });
    const metadata = new DynamoDbMetadataStore(dynamodb, stores.tableName);
    const target: ImportTarget = {
      description: 'test',
      metadata,
      blobs: new S3BlobStore(sdkS3Objects(s3, stores.bucketName)),
      files: s3FileUploader(s3, stores.bucketName),
      batching: { lookups: metadata, deferRaises: (raises) => metadata.withSerialRaisesTo(raises), raiseSerials: (pks) => metadata.raiseSerials(pks) },
      close: async () => undefined,
    };
    // A warm reader, as the read function is: it keeps each page at the serial it read.
    const reader = new SimpleIndex(new DynamoDbMetadataStore(createDynamoDbClient(stores), stores.tableName));
    const projects = ['batch-a', 'batch-b', 'batch-c'];
    try {
      const first = path.join(dir, 'first');
      for (const p of projects) await put(first, wheel(p, '1.0'));
      assert.equal((await importDistributions(target, [first])).created, 3);
      for (const p of projects) assert.deepEqual((await reader.keptProject(p))?.hosted.files.map((f) => f.version), ['1.0']);

      // 10 versions of each project, and one filename that was deleted before.
      const second = path.join(dir, 'second');
      for (const p of projects) for (let v = 1; v <= 10; v++) await put(second, wheel(p, `2.${v}`));
      const deleted = wheel('batch-a', '0.9');
      await metadata.putTombstone({ project: 'batch-a', filename: deleted.filename, sha256: 'f'.repeat(64), version: '0.9', deletedAt: '2026-11-01T00:00:00.000Z', deletedBy: 'test' });
      await put(second, deleted);
      // A project quarantined since the first run: its new file is refused, as an upload would be.
      await put(first, wheel('batch-q', '1.0'));
      assert.equal((await importDistributions(target, [first])).created, 1);
      await metadata.setProjectStatus('batch-q', { status: 'quarantined', reason: 'under review' });
      const quarantined = wheel('batch-q', '2.0');
      await put(second, quarantined);
      calls.clear();
      gotOne.length = 0;
      summaryCounterRaises = 0;
      const summary = await importDistributions(target, [second], {}, { concurrency: 8 });
      const askedOne = [...gotOne];
      const asked = new Map(calls);
      assert.equal(summary.created, 30);
      assert.deepEqual(summary.refused.map((r) => r.file.filename).sort(), [deleted.filename, quarantined.filename].sort());
      const refusal = (filename: string) => summary.refused.find((r) => r.file.filename === filename)!.reason;
      assert.match(refusal(deleted.filename), /deleted/);
      assert.doesNotMatch(refusal(deleted.filename), /already exist/);
      assert.match(refusal(quarantined.filename), /Upload refused: batch-q is quarantined \(reason: under review\)/);
      for (const [project, filename] of [['batch-a', deleted.filename], ['batch-q', quarantined.filename]] as const) {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: stores.bucketName, Prefix: `files/${project}/` }));
        assert.ok(!(listed.Contents ?? []).some((o) => o.Key!.endsWith(filename)), `nothing stored for ${filename}`);
      }
      assert.equal(await metadata.getFile('batch-q', quarantined.filename), undefined);

      // The file and tombstone reads of 31 files, twice each (before and after the Put), went
      // in batches; the page serials went up far fewer times than there were files.
      const single = askedOne.filter((sk) => sk.startsWith('FILE#') || sk.startsWith('TOMBSTONE#') || sk === '#PROJECT');
      assert.deepEqual(single, [], 'files, tombstones and project records are read in batches, not one GetItem each');
      // Each file looks twice (before its Put, and for a late tombstone after it): 62 rounds
      // alone, fewer when files share a BatchGetItem.
      assert.ok((asked.get('BatchGetItem') ?? 0) >= 1 && (asked.get('BatchGetItem') ?? 0) < 62, `${asked.get('BatchGetItem')} BatchGetItems`);
      assert.ok((asked.get('UpdateItem') ?? 0) < 30, `${asked.get('UpdateItem')} serial raises for 30 files`);
      // The summaries of the three projects changed; their shards' counters went up together.
      assert.ok(summaryCounterRaises >= 1 && summaryCounterRaises < 3, `${summaryCounterRaises} raises of the summary counters`);
      const summaries = (await Promise.all(Array.from({ length: 16 }, (_, shard) => metadata.listProjectSummaries(shard)))).flat();
      for (const p of projects) assert.equal(summaries.find((x) => x.name === p)?.version, '2.10', `the summary of ${p} names its newest release`);
      // And by the time the import ended, they were raised: the warm reader sees every file.
      for (const p of projects) assert.equal((await reader.keptProject(p))?.hosted.files.length, 11, p);

      // A re-run finds everything there and stores nothing new.
      const again = await importDistributions(target, [second]);
      assert.equal(again.created, 0);
      assert.equal(again.unchanged, 30);
      assert.equal(again.refused.length, 2);
    } finally {
      dynamodb.destroy();
      s3.destroy();
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
