/**
 * kill -9 at each step of an upload, then start again: after the sweep at start no orphan
 * remains under files/, the file published before the crash keeps its bytes and its
 * .metadata, and every file a page lists can be downloaded with the sha256 it lists.
 *
 * The crashing process is test/support/crash-ingest-child.ts: Wharf's own Ingest, with a
 * fault that stops it at a step and says so on stdout; the test then sends SIGKILL. It runs
 * as `wharf import` on the data directory and as a local server holding the directory's lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Objects } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { CRASH_STEPS, type CrashStep } from '../support/crash-steps.ts';
import { localStoreClients } from '../support/local-store-clients.ts';

const CHILD = fileURLToPath(new URL('../support/crash-ingest-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the child until it reports `step`, then kills it with SIGKILL. */
async function crashAt(dataDir: string, mode: 'import' | 'serve', step: CrashStep): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, mode, step], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child never reached ${step}: ${out}\n${err}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(`STEP ${step}\n`)) {
        clearTimeout(timer);
        resolve();
      } else if (out.includes('STEP never')) reject(new Error(`the child finished without stopping at ${step}`));
    });
    void exited.then((how) => reject(new Error(`the child ended (${String(how)}) before ${step}: ${err}`)));
  });
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
}

async function keysUnderFiles(wharf: LocalWharf): Promise<string[]> {
  const clients = localStoreClients(wharf.stores);
  try {
    const out = await clients.s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: 'files/' }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    clients.destroy();
  }
}

interface PageFile {
  filename: string;
  url: string;
  hashes: { sha256: string };
  'core-metadata'?: { sha256: string } | false;
}

/** Every file the page lists, downloaded, and each advertised .metadata with it. */
async function checkEveryListedFileHasItsBytes(wharf: LocalWharf): Promise<PageFile[]> {
  const page = await fetch(`${wharf.url}/simple/demo/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  assert.equal(page.status, 200);
  const { files } = (await page.json()) as { files: PageFile[] };
  for (const file of files) {
    const url = new URL(file.url, `${wharf.url}/simple/demo/`);
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    assert.equal(createHash('sha256').update(bytes).digest('hex'), file.hashes.sha256, `${file.filename} lacks its bytes`);
    if (file['core-metadata']) {
      const metadata = await fetch(`${url.href.split('#')[0]}.metadata`);
      assert.equal(metadata.status, 200, `${file.filename}.metadata is advertised but missing`);
      await metadata.arrayBuffer();
    }
  }
  return files;
}

const GOOD = 'demo-0.9-py3-none-any.whl';
const CRASHED = 'demo-1.0-py3-none-any.whl';

for (const mode of ['import', 'serve'] as const) {
  describe(`kill -9 of ${mode === 'import' ? '`wharf import`' : 'a local server'} during an upload, then a restart`, () => {
    for (const step of CRASH_STEPS) {
      test(`killed ${step}: the sweep leaves no orphan, and nothing listed lacks its bytes`, async () => {
        const dataDir = await mkdtemp(path.join(tmpdir(), 'wharf-crash-'));
        try {
          await crashAt(dataDir, mode, step);
          const wharf = await startLocalWharf({ dataDir, port: 0, logLevel: 'SILENT', orphanGraceSeconds: 0 });
          try {
            const sweep = wharf.orphanSweep!;
            const indexed = step === 'after-index';
            const expectRemoved = indexed ? [] : step === 'after-blob' ? [CRASHED] : [CRASHED, `${CRASHED}.metadata`];
            assert.deepEqual(sweep.removed.map((k) => k.split('/').pop()).sort(), expectRemoved.sort());
            assert.deepEqual(sweep.unknown, []);
            const files = await checkEveryListedFileHasItsBytes(wharf);
            assert.deepEqual(files.map((f) => f.filename).sort(), indexed ? [GOOD, CRASHED] : [GOOD]);
            // What remains under files/ is exactly the listed files and their .metadata.
            const keys = (await keysUnderFiles(wharf)).map((k) => k.split('/').pop());
            assert.deepEqual(keys.sort(), files.flatMap((f) => [f.filename, `${f.filename}.metadata`]).sort());
          } finally {
            await wharf.close();
          }
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      });
    }
  });
}

describe('the local grace period', () => {
  test('an orphan younger than the grace period survives a restart; it goes once it is older', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wharf-crash-'));
    try {
      await crashAt(dataDir, 'import', 'after-metadata');
      let wharf = await startLocalWharf({ dataDir, port: 0, logLevel: 'SILENT' });
      assert.deepEqual(wharf.orphanSweep!.removed, []);
      // The crashed file and its .metadata, and the file published before it with its own.
      assert.equal(wharf.orphanSweep!.young, 4);
      await wharf.close();
      // As if the grace period had passed.
      wharf = await startLocalWharf({ dataDir, port: 0, logLevel: 'SILENT', orphanGraceSeconds: 0 });
      assert.equal(wharf.orphanSweep!.removed.length, 2);
      await checkEveryListedFileHasItsBytes(wharf);
      await wharf.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the sweep at start of a data directory with more than a listing page of objects', () => {
  test('a local server starts on 1,005 objects under files/, sweeps the orphans among them and keeps what is young', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'wharf-many-'));
    try {
      let wharf = await startLocalWharf({ dataDir, port: 0, logLevel: 'SILENT' });
      const objects = createS3Objects(wharf.stores);
      const keys = Array.from({ length: 1005 }, (_, i) => `files/orphans/${'b'.repeat(64)}/orphans-1.0.${i}.tar.gz`);
      try {
        for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => objects.put(k, Buffer.from('x'), { contentType: 'application/octet-stream' })));
      } finally {
        objects.destroy();
      }
      await wharf.close();
      // Before the store's front paged listings itself, this start failed: s3rver's
      // continuation token needs DES, which OpenSSL 3 refuses ("internal error").
      wharf = await startLocalWharf({ dataDir, port: 0, logLevel: 'SILENT' });
      assert.equal(wharf.orphanSweep?.listed, 1005);
      assert.equal(wharf.orphanSweep?.young, 1005);
      await wharf.close();
      wharf = await startLocalWharf({ dataDir, port: 0, logLevel: 'SILENT', orphanGraceSeconds: 0 });
      try {
        assert.equal(wharf.orphanSweep?.removed.length, 1005);
        assert.deepEqual(await keysUnderFiles(wharf), []);
      } finally {
        await wharf.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
