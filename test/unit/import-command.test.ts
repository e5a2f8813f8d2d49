/**
 * The import pool without a server: files go several at a time but never more than the
 * count allows, never more bytes in memory than the bound (a file over it goes alone), big
 * files take the streamed path, and project records are written once per project.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { importDistributions, writingOnce } from '../../lambdas/cli/import-command.ts';
import type { ImportTarget } from '../../lambdas/cli/import-target.ts';
import type { PutBlobOptions } from '../../lambdas/app/ports.ts';
import { MemoryBlobStore, MemoryMetadataStore } from '../support/memory-stores.ts';

function wheel(name: string, version: string): { filename: string; bytes: Uint8Array } {
  const escaped = name.replace(/-/g, '_');
  const di = `${escaped}-${version}.dist-info`;
  return {
    filename: `${escaped}-${version}-py3-none-any.whl`,
    bytes: zipSync({
      [`${di}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n\n`),
      [`${di}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
      [`${di}/RECORD`]: strToU8(''),
    }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A memory target whose distribution PUTs take a while, counting how many run at once. */
function slowTarget() {
  const metadata = new MemoryMetadataStore();
  const blobs = new MemoryBlobStore();
  const seen = { running: 0, most: 0, streamed: [] as string[], putProject: 0 };
  const put = blobs.put.bind(blobs);
  blobs.put = async (key: string, body: Uint8Array, options: PutBlobOptions) => {
    if (key.endsWith('.metadata')) return put(key, body, options);
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    await sleep(15);
    seen.running--;
    return put(key, body, options);
  };
  const putProject = metadata.putProject.bind(metadata);
  metadata.putProject = async (project) => {
    seen.putProject++;
    return putProject(project);
  };
  const target: ImportTarget = {
    description: 'memory',
    metadata,
    blobs,
    files: {
      async putFile(key, filePath, _sha256, options) {
        seen.streamed.push(path.basename(filePath));
        await put(key, new Uint8Array(await readFile(filePath)), options);
      },
    },
    close: async () => undefined,
  };
  return { target, seen, metadata, blobs };
}

describe('the import pool', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-import-pool-'));
    // 12 wheels of 3 projects.
    for (let i = 0; i < 12; i++) {
      const w = wheel(`pool-pkg${i % 3}`, `1.${Math.floor(i / 3)}`);
      await writeFile(path.join(dir, w.filename), w.bytes);
    }
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('files go several at a time, never more than the concurrency', async () => {
    const { target, seen } = slowTarget();
    const summary = await importDistributions(target, [dir], {}, { concurrency: 3 });
    assert.equal(summary.created, 12);
    assert.equal(seen.most, 3);
  });

  test('never more bytes in memory than the bound: files that do not fit together go one by one', async () => {
    const { target, seen } = slowTarget();
    const size = wheel('pool-pkg0', '1.0').bytes.byteLength;
    const two = await importDistributions(target, [dir], {}, { concurrency: 8, maxBytesInMemory: 2 * size + 10 });
    assert.equal(two.created, 12);
    assert.equal(seen.most, 2);

    const alone = slowTarget();
    const one = await importDistributions(alone.target, [dir], {}, { concurrency: 8, maxBytesInMemory: 1 });
    assert.equal(one.created, 12, 'a file larger than the bound is still imported, alone');
    assert.equal(alone.seen.most, 1);
  });

  test('files over the streaming limit are hashed and inspected on disk and handed to the file uploader', async () => {
    const { target, seen, metadata, blobs } = slowTarget();
    const summary = await importDistributions(target, [dir], {}, { streamAbove: 0 });
    assert.equal(summary.created, 12);
    assert.equal(seen.streamed.length, 12);
    const file = await metadata.getFile('pool-pkg1', 'pool_pkg1-1.2-py3-none-any.whl');
    assert.ok(file?.metadataSha256, 'the METADATA read from disk is stored as the .metadata file');
    const stored = [...blobs.objects.keys()].find((k) => k.endsWith('pool_pkg1-1.2-py3-none-any.whl'));
    assert.deepEqual(blobs.objects.get(stored!)!.body, new Uint8Array(await readFile(path.join(dir, 'pool_pkg1-1.2-py3-none-any.whl'))));
  });

  test('project records are written once per project in a run; a failed write is tried again', async () => {
    const { target, seen } = slowTarget();
    await importDistributions(target, [dir]);
    assert.equal(seen.putProject, 3);

    const store = new MemoryMetadataStore();
    let calls = 0;
    const putProject = store.putProject.bind(store);
    store.putProject = async (project) => {
      calls++;
      if (calls === 1) throw new Error('throttled');
      return putProject(project);
    };
    const once = writingOnce(store);
    const record = { name: 'x', displayName: 'x', createdAt: '2026-01-01T00:00:00.000Z' };
    await assert.rejects(once.putProject(record), /throttled/);
    await once.putProject(record);
    await once.putProject(record);
    assert.equal(calls, 2);
    assert.equal((await once.getProject('x'))?.name, 'x', 'reads go to the store');
  });
});
