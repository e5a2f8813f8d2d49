/**
 * The contract of DynamoDbMetadataStore, run on every DynamoDB engine the tests have
 * (test/support/dynamodb-engines.ts): dynalite, what the local server embeds, and AWS's own
 * DynamoDB Local, closer to the service.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDbMetadataStore,
  LISTING_SHARDS,
  listingShard,
  projectPk,
} from '../../../lambdas/adapters/dynamodb-metadata-store.ts';
import { FileExistsError, InvalidInputError } from '../../../lambdas/core/errors.ts';
import { distributionIdentity } from '../../../lambdas/core/filenames.ts';
import type { DistributionFile, Tombstone } from '../../../lambdas/core/model.ts';
import type { ReleaseMetadata } from '../../../lambdas/core/release-metadata.ts';
import type { DynamoEngine, DynamoTestTables } from '../dynamodb-engines.ts';

const sha = (n: number) => n.toString(16).padStart(64, '0');

function file(project: string, n: number, overrides: Partial<DistributionFile> = {}): DistributionFile {
  return {
    project,
    filename: `${project.replace(/-/g, '_')}-1.0.${n}-py3-none-any.whl`,
    version: `1.0.${n}`,
    packagetype: 'bdist_wheel',
    sha256: sha(n),
    size: 1000 + n,
    uploadTime: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    ...overrides,
  };
}

function tombstoneOf(f: DistributionFile, overrides: Partial<Tombstone> = {}): Tombstone {
  return {
    project: f.project,
    filename: f.filename,
    sha256: f.sha256,
    version: f.version,
    deletedAt: '2026-03-01T12:00:00.000Z',
    deletedBy: 'token:admin1',
    ...overrides,
  };
}

function releaseMetadata(overrides: Partial<ReleaseMetadata> = {}): ReleaseMetadata {
  return {
    metadata_version: '2.1',
    summary: 'A demo',
    description_content_type: 'text/markdown',
    requires_python: '>=3.9',
    requires_dist: ['requests>=2', 'rich; extra == "cli"'],
    author: 'Ada',
    license: 'MIT',
    license_files: [],
    classifiers: ['Programming Language :: Python :: 3', 'Private :: Do Not Upload'],
    project_urls: [
      { label: 'Source', url: 'https://example.org/src' },
      { label: 'Empty', url: '' },
    ],
    provides_extra: ['cli'],
    dynamic: [],
    ...overrides,
  };
}

export function metadataStoreContract(engine: DynamoEngine): void {
  describe(`DynamoDbMetadataStore on ${engine.name}`, () => {
    let t: DynamoTestTables;
    let store: DynamoDbMetadataStore;
    before(async () => {
      t = await engine.start();
      store = new DynamoDbMetadataStore(t.dynamodb, t.tableName);
    });
    after(() => t.close());

    test('indexedFiles: the (filename, sha256) of every FILE item, a tombstoned one still stored included, in one Query', async () => {
      const kept = file('swept', 1);
      const hidden = file('swept', 2);
      await store.putFile(kept);
      await store.putFile(hidden);
      await store.putProject({ name: 'swept', displayName: 'swept', createdAt: kept.uploadTime });
      await store.putTombstone(tombstoneOf(hidden));
      const before = t.calls.get('Query') ?? 0;
      const pairs = await store.indexedFiles('swept');
      assert.equal((t.calls.get('Query') ?? 0) - before, 1);
      assert.deepEqual(
        [...pairs].sort((a, b) => a.filename.localeCompare(b.filename)),
        [kept, hidden].map((f) => ({ filename: f.filename, sha256: f.sha256 })),
      );
      assert.deepEqual(await store.indexedFiles('no-such-project'), []);
    });

    test('a file round-trips with every attribute', async () => {
      const f = file('round-trip', 1, { requiresPython: '>=3.9', metadataSha256: sha(99), yanked: { reason: 'oops' } });
      assert.equal(await store.putFile(f), 'created');
      assert.deepEqual(await store.getFile('round-trip', f.filename), f);
      const bare = file('round-trip', 2);
      await store.putFile(bare);
      assert.deepEqual(await store.getFile('round-trip', bare.filename), bare);
      assert.equal(await store.getFile('round-trip', 'nope.whl'), undefined);
    });

    test('same filename: same sha256 is unchanged, other sha256 is "File already exists"', async () => {
      const f = file('dupes', 1);
      assert.equal(await store.putFile(f), 'created');
      assert.equal(await store.putFile(f), 'unchanged');
      await assert.rejects(store.putFile({ ...f, sha256: sha(2) }), (err: unknown) => {
        assert.ok(err instanceof FileExistsError);
        assert.match(err.message, /^File already exists/);
        return true;
      });
      assert.equal((await store.getFile('dupes', f.filename))?.sha256, sha(1));
    });

    test('one item per identity: another spelling is refused by the conditional Put and found by lookups', async () => {
      const f = file('spelled', 1, { filename: 'spelled-1.0-py3-none-any.whl', version: '1.0' });
      assert.equal(await store.putFile(f), 'created');
      for (const filename of ['Spelled-1.0-py3-none-any.whl', 'spelled-1.0.0-py3-none-any.whl']) {
        for (const sha256 of [f.sha256, sha(99)]) {
          await assert.rejects(store.putFile({ ...f, filename, sha256 }), (err: unknown) => {
            assert.ok(err instanceof InvalidInputError, String(err));
            assert.match(err.message, /is the same file as spelled-1\.0-py3-none-any\.whl/);
            return true;
          });
        }
        assert.deepEqual(await store.getFile('spelled', filename), f, 'a lookup by any spelling finds the file as published');
      }
      const sdist = file('spelled', 2, { filename: 'spelled-1.0.tar.gz', version: '1.0', packagetype: 'sdist' });
      assert.equal(await store.putFile(sdist), 'created');
      await assert.rejects(store.putFile({ ...sdist, filename: 'spelled-1.0.zip', sha256: sha(98) }), /at most one sdist/);
      await store.putTombstone(tombstoneOf(f));
      assert.equal((await store.getTombstone('spelled', 'SPELLED-1.0.0-py3-none-any.whl'))?.filename, f.filename);
      assert.deepEqual((await store.getProjectPage('spelled'))?.files.map((x) => x.filename), ['spelled-1.0.tar.gz']);
    });

    test('every change to a page raises its serial, after the change; a new project raises the listing serial', async () => {
      const project = 'serial-demo';
      assert.equal(await store.getProjectSerial(project), undefined);
      const listingBefore = (await store.getListingSerial()) ?? 0;
      const f = file(project, 1);
      const steps: [string, () => Promise<unknown>][] = [
        ['putFile', () => store.putFile(f)],
        ['putProject', () => store.putProject({ name: project, displayName: 'Serial-Demo', createdAt: f.uploadTime })],
        ['setYanked', () => store.setYanked(project, f.filename, { reason: 'r' })],
        ['putTombstone', () => store.putTombstone(tombstoneOf(f))],
        ['deleteFile', () => store.deleteFile(project, f.filename)],
      ];
      let last = 0;
      for (const [step, run] of steps) {
        await run();
        const serial = (await store.getProjectSerial(project)) ?? 0;
        assert.ok(serial > last, `${step} raised the serial (${last} -> ${serial})`);
        last = serial;
      }
      assert.equal((await store.getListingSerial())! > listingBefore, true, 'a new project raised the listing serial');
      const page = await store.getProjectPage(project);
      assert.equal(page?.serial, last, 'the page Query returns the serial with the page');
      // Nothing changed: a put of the same file again and a yank of nothing leave it.
      assert.equal(await store.setYanked(project, 'nothing-1.0-py3-none-any.whl', undefined), undefined);
      assert.equal(await store.getProjectSerial(project), last);
    });

    test('putProject is first-writer-wins and idempotent', async () => {
      await store.putProject({ name: 'first-wins', displayName: 'First_Wins', createdAt: '2026-01-01T00:00:00.000Z' });
      await store.putProject({ name: 'first-wins', displayName: 'FIRST.WINS', createdAt: '2026-02-01T00:00:00.000Z' });
      const page = await store.getProjectPage('first-wins');
      assert.equal(page?.project?.displayName, 'First_Wins');
      assert.deepEqual(await store.getProject('first-wins'), {
        name: 'first-wins',
        displayName: 'First_Wins',
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      assert.equal(await store.getProject('never-published'), undefined);
      assert.equal(page?.files.length, 0);
      assert.equal(await store.getProjectPage('never-published'), undefined);
    });

    test('setProjectStatus (PEP 792) is kept on the record, seen by the page Query, raises the serial, never creates a record', async () => {
      const project = 'status-demo';
      assert.equal(await store.setProjectStatus(project, { status: 'archived' }), undefined, 'no record: nothing to set');
      assert.equal(await store.getProject(project), undefined, 'and none was created');
      await store.putProject({ name: project, displayName: 'Status.Demo', createdAt: '2026-01-01T00:00:00.000Z' });
      let serial = (await store.getProjectSerial(project)) ?? 0;
      for (const marker of [
        { status: 'archived', reason: 'done, use status-demo2' },
        { status: 'quarantined' },
        { status: 'deprecated', reason: 'superseded' },
      ] as const) {
        const stored = await store.setProjectStatus(project, marker);
        assert.deepEqual(stored?.status, marker);
        assert.deepEqual((await store.getProject(project))?.status, marker);
        assert.deepEqual((await store.getProjectPage(project))?.project?.status, marker, 'the page Query reads the status with the record');
        const now = (await store.getProjectSerial(project)) ?? 0;
        assert.ok(now > serial, `setting ${marker.status} raised the serial`);
        serial = now;
      }
      // A reason left out clears the one before; active removes the status altogether.
      assert.deepEqual((await store.setProjectStatus(project, { status: 'deprecated' }))?.status, { status: 'deprecated' });
      const active = await store.setProjectStatus(project, { status: 'active' });
      assert.deepEqual(active, { name: project, displayName: 'Status.Demo', createdAt: '2026-01-01T00:00:00.000Z' });
      // A later putProject (the next upload) keeps the status set before.
      await store.setProjectStatus(project, { status: 'archived', reason: 'r' });
      await store.putProject({ name: project, displayName: 'other', createdAt: '2026-02-01T00:00:00.000Z' });
      assert.deepEqual((await store.getProject(project))?.status, { status: 'archived', reason: 'r' });
    });

    test('a tombstone hides a file whose item is still in the partition, and is first-writer-wins', async () => {
      const project = 'tombstoned';
      const gone = file(project, 1);
      const kept = file(project, 2);
      await store.putFile(gone);
      await store.putFile(kept);
      await store.putProject({ name: project, displayName: project, createdAt: gone.uploadTime });

      const first = tombstoneOf(gone);
      assert.deepEqual(await store.putTombstone(first), first);
      // A second delete (a retry, or a concurrent one) gets the first deletion back.
      assert.deepEqual(await store.putTombstone({ ...first, deletedAt: '2026-04-01T00:00:00.000Z', deletedBy: 'other' }), first);
      assert.deepEqual(await store.getTombstone(project, gone.filename), first);
      assert.equal(await store.getTombstone(project, kept.filename), undefined);

      // The FILE item is still stored (a crash before deleteFile): the page must not show it.
      assert.deepEqual(await store.getFile(project, gone.filename), gone);
      const before = t.calls.get('Query') ?? 0;
      const page = await store.getProjectPage(project);
      assert.equal((t.calls.get('Query') ?? 0) - before, 1);
      assert.deepEqual(page?.files.map((f) => f.filename), [kept.filename]);

      await store.deleteFile(project, gone.filename);
      await store.deleteFile(project, gone.filename);
      assert.equal(await store.getFile(project, gone.filename), undefined);
      assert.deepEqual(await store.listTombstones(project), [first]);
      assert.deepEqual(await store.listTombstones('never-published'), []);
    });

    test('a project whose only file was deleted, and which has no record, has no page', async () => {
      const f = file('only-deleted', 1);
      await store.putFile(f);
      await store.putTombstone(tombstoneOf(f));
      assert.equal(await store.getProjectPage('only-deleted'), undefined);
    });

    test('setYanked sets, changes and clears the reason, and never creates a file', async () => {
      const f = file('yanking', 1, { requiresPython: '>=3.8', metadataSha256: sha(7) });
      await store.putFile(f);
      assert.deepEqual(await store.setYanked('yanking', f.filename, { reason: 'broken' }), { ...f, yanked: { reason: 'broken' } });
      assert.deepEqual(await store.setYanked('yanking', f.filename, { reason: '' }), { ...f, yanked: { reason: '' } });
      assert.deepEqual(await store.getFile('yanking', f.filename), { ...f, yanked: { reason: '' } });
      assert.deepEqual(await store.setYanked('yanking', f.filename, undefined), f);
      assert.deepEqual(await store.setYanked('yanking', f.filename, undefined), f);
      assert.deepEqual(await store.getFile('yanking', f.filename), f);

      assert.equal(await store.setYanked('yanking', 'yanking-9.9-py3-none-any.whl', { reason: 'x' }), undefined);
      assert.equal(await store.setYanked('yanking', 'yanking-9.9-py3-none-any.whl', undefined), undefined);
      assert.equal(await store.getFile('yanking', 'yanking-9.9-py3-none-any.whl'), undefined);
      assert.deepEqual((await store.getProjectPage('yanking'))?.files, [f]);
    });

    test('release metadata: first writer wins, one release per PEP 440 version, a 60 KiB description round-trips', async () => {
      const description = '# Demo\n\n' + 'Ünïcode and emoji 🐍 in a long README. '.repeat(1600);
      assert.ok(new TextEncoder().encode(description).byteLength > 60 * 1024);
      const metadata = releaseMetadata({ description });
      await store.putRelease({ project: 'released', version: '1.0', createdAt: '2026-01-01T00:00:00.000Z', metadata });
      await store.putRelease({
        project: 'released',
        version: '1.0.0',
        createdAt: '2026-02-01T00:00:00.000Z',
        metadata: releaseMetadata({ summary: 'second writer' }),
      });
      const expected = { project: 'released', version: '1.0', createdAt: '2026-01-01T00:00:00.000Z', metadata };
      assert.deepEqual(await store.getRelease('released', '1.0'), expected);
      assert.deepEqual(await store.getRelease('released', '1.0.0'), expected);
      assert.deepEqual(await store.getRelease('released', 'v1'), expected);
      assert.equal(await store.getRelease('released', '1.0.1'), undefined);
      assert.equal(await store.getRelease('never-released', '1.0'), undefined);

      const truncated = releaseMetadata({ description: 'cut', description_truncated: true, description_bytes: 70000 });
      await store.putRelease({ project: 'released', version: '2.0rc1', createdAt: '', metadata: truncated });
      assert.deepEqual((await store.getRelease('released', '2.0.0-RC1'))?.metadata, truncated);
    });

    test('release metadata lives outside the project partition, so the page Query never reads it', async () => {
      const project = 'big-readme';
      const f = file(project, 1);
      await store.putFile(f);
      await store.putProject({ name: project, displayName: project, createdAt: f.uploadTime });
      await store.putRelease({
        project,
        version: f.version,
        createdAt: f.uploadTime,
        metadata: releaseMetadata({ description: 'x'.repeat(60 * 1024) }),
      });
      // What the page Query reads: the whole PROJECT# partition.
      const partition = await t.sdk.send(
        new QueryCommand({
          TableName: t.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: projectPk(project) } },
          ConsistentRead: true,
        }),
      );
      assert.deepEqual(partition.Items?.map((i) => i.sk?.S).sort(), ['#PROJECT', '#SERIAL', `FILE#${distributionIdentity(f.filename, project)}`]);
      assert.ok(JSON.stringify(partition.Items).length < 2000, 'the partition holds no description');
      assert.equal((await store.getRelease(project, f.version))?.metadata.description?.length, 60 * 1024);
      assert.deepEqual((await store.getProjectPage(project))?.files, [f]);
    });

    test('a project page past 1 MB is one paged Query, and returns every file', async () => {
      const project = 'big-project';
      const count = 2500;
      const longReason = 'x'.repeat(400);
      for (let i = 0; i < count; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => store.putFile(file(project, i + j, { yanked: { reason: longReason } }))),
        );
      }
      const before = t.calls.get('Query') ?? 0;
      const page = await store.getProjectPage(project);
      const queries = (t.calls.get('Query') ?? 0) - before;
      assert.equal(page?.files.length, count);
      assert.ok(queries >= 2, `paged past 1 MB (${queries} Query pages)`);
      assert.equal(t.calls.get('Scan') ?? 0, 0);
    });

    test('the root listing spans every shard, is sorted, and never Scans', async () => {
      const names = Array.from({ length: 60 }, (_, i) => `listed-${String(i).padStart(2, '0')}`);
      await Promise.all(names.map((name) => store.putProject({ name, displayName: name.toUpperCase(), createdAt: '' })));
      assert.ok(new Set(names.map(listingShard)).size > LISTING_SHARDS / 2, 'names spread over shards');
      const before = t.calls.get('Query') ?? 0;
      const listed = await store.listProjects();
      assert.equal((t.calls.get('Query') ?? 0) - before, LISTING_SHARDS);
      const ours = listed.filter((p) => p.name.startsWith('listed-'));
      assert.deepEqual(ours.map((p) => p.name), names);
      assert.equal(ours[0]?.displayName, 'LISTED-00');
      const all = listed.map((p) => p.name);
      assert.deepEqual(all, [...all].sort());
      assert.equal(t.calls.get('Scan') ?? 0, 0);
      // Sanity: a Scan would see the same projects (this is the test, not the code path).
      const scan = await t.sdk.send(new ScanCommand({ TableName: t.tableName, Select: 'COUNT' }));
      assert.ok((scan.Count ?? 0) > 0);
    });

    test('project summaries: the highest serial wins, each write raises its own shard counter, a shard is one Query', async () => {
      const base = { displayName: 'Sum-One', version: '1.0', summary: 'first', uploadTime: '2026-01-01T00:00:00.000Z', lastUpload: { version: '1.0', time: '2026-01-01T00:00:00.000Z' } };
      const shard = listingShard('sum-one');
      const before = await store.getSummarySerials();
      assert.equal(before.length, LISTING_SHARDS);
      assert.equal(await store.putProjectSummary({ name: 'sum-one', serial: 5, ...base }), true);
      const after = await store.getSummarySerials();
      assert.deepEqual(after.map((n, i) => n - before[i]!), before.map((_, i) => (i === shard ? 1 : 0)));
      // Older: refused, counter unchanged. Equal (a retry): written. Newer: written.
      assert.equal(await store.putProjectSummary({ name: 'sum-one', serial: 4, ...base, summary: 'stale' }), false);
      assert.deepEqual(await store.getSummarySerials(), after);
      assert.equal(await store.putProjectSummary({ name: 'sum-one', serial: 5, ...base, summary: 'retried' }), true);
      const { summary: _dropped, ...withoutSummary } = base;
      assert.equal(await store.putProjectSummary({ name: 'sum-one', serial: 7, ...withoutSummary, version: '2.0' }), true);
      const queriesBefore = t.calls.get('Query') ?? 0;
      const listed = (await store.listProjectSummaries(shard)).filter((s) => s.name === 'sum-one');
      assert.equal((t.calls.get('Query') ?? 0) - queriesBefore, 1);
      assert.deepEqual(listed, [{ name: 'sum-one', displayName: 'Sum-One', serial: 7, version: '2.0', uploadTime: base.uploadTime, lastUpload: base.lastUpload }]);
      // A summary with no release left keeps only its name and serial.
      assert.equal(await store.putProjectSummary({ name: 'sum-one', displayName: 'Sum-One', serial: 8 }), true);
      assert.deepEqual((await store.listProjectSummaries(shard)).find((s) => s.name === 'sum-one'), { name: 'sum-one', displayName: 'Sum-One', serial: 8 });
      // A PEP 792 status is kept with its reason (search marks or leaves out the project).
      const archived = { name: 'sum-one', serial: 9, ...base, status: { status: 'archived', reason: 'use sum-two' } } as const;
      assert.equal(await store.putProjectSummary(archived), true);
      assert.deepEqual((await store.listProjectSummaries(shard)).find((s) => s.name === 'sum-one'), archived);
      // Summaries are not root-listing entries.
      assert.equal((await store.listProjects()).some((p) => p.name === 'sum-one'), false);
    });
  });
}
