/**
 * The whole read path as a user meets it: real wheels and sdists built by the test,
 * imported through the ingest path, served by the local server (embedded dynalite and
 * s3rver), installed and downloaded by real pip.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { importDistributions } from '../../lambdas/cli/import-command.ts';
import { s3FileUploader } from '../../lambdas/cli/import-target.ts';
import { createDynamoDbClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildFixtures } from '../fixtures/build-fixtures.ts';
import { checkDebianPip, checkPip, debianPip, describeRun, missingTool, pip } from '../support/processes.ts';
import { unzipSync, zipSync } from 'fflate';
import { FileExistsError } from '../../lambdas/core/errors.ts';
import { Ingest } from '../../lambdas/app/ingest.ts';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';

const FIXTURE_DIR = path.resolve('test/fixtures/dist');
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const fixtures = await buildFixtures(FIXTURE_DIR);
const skip = await missingTool(
  async () => {
    await checkPip();
    await checkDebianPip();
  },
  "python3 -m pip, and Debian's python3 with pip, setuptools and wheel (it prepares the sdist's metadata)",
);

describe('pip against a local Wharf', { skip: skip ?? false }, () => {
  let wharf: LocalWharf;
  let work: string;
  const requests: string[] = [];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wharf-pip-'));
    wharf = await startLocalWharf({ port: 0, onRequest: ({ method, url, status }) => requests.push(`${method} ${url} ${status}`) });
    const dynamodb = createDynamoDbClient(wharf.stores);
    const s3 = createS3Client(wharf.stores);
    const summary = await importDistributions(
      {
        description: 'test',
        metadata: new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName),
        blobs: new S3BlobStore(sdkS3Objects(s3, wharf.stores.bucketName)),
        files: s3FileUploader(s3, wharf.stores.bucketName),
        close: async () => undefined,
      },
      [FIXTURE_DIR],
    );
    dynamodb.destroy();
    s3.destroy();
    assert.deepEqual([...summary.refused, ...summary.failed], []);
    assert.equal(summary.created, fixtures.all.length);
  });

  after(async () => {
    await wharf?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('pip installs a package and its dependency from Wharf alone, using PEP 658 metadata', async () => {
    requests.length = 0;
    const target = path.join(work, 'site');
    const r = await pip(['install', '--no-cache-dir', '--index-url', wharf.indexUrl, '--target', target, 'wharf-demo-app']);
    assert.equal(r.code, 0, describeRun(r));
    const installed = await readdir(target);
    assert.ok(installed.some((n) => /^wharf_demo_app-1\.2\.0\.dist-info$/.test(n)), installed.join(' '));
    assert.ok(installed.some((n) => /^wharf_demo_core-1\.0\.0\.dist-info$/.test(n)), installed.join(' '));
    // pip asked for the JSON pages, and read core metadata before downloading wheels.
    assert.ok(requests.some((l) => l.startsWith('GET /simple/wharf-demo-app/ 200')), requests.join('\n'));
    assert.ok(requests.some((l) => l.startsWith('GET /simple/wharf-demo-core/ 200')), requests.join('\n'));
    // .metadata is served by the read function itself: one request, no hop to S3.
    assert.ok(requests.some((l) => /\.whl\.metadata 200$/.test(l)), requests.join('\n'));
    assert.ok(!requests.some((l) => /\.metadata 302$/.test(l)), requests.join('\n'));
  });

  test("older pip (Debian's 23.0, before PEP 714) installs too", async () => {
    const target = path.join(work, 'site-debian');
    const r = await debianPip(['install', '--no-cache-dir', '--index-url', wharf.indexUrl, '--target', target, 'wharf-demo-app']);
    assert.equal(r.code, 0, describeRun(r));
    const installed = await readdir(target);
    assert.ok(installed.some((n) => /^wharf_demo_core-1\.0\.0\.dist-info$/.test(n)), installed.join(' '));
  });

  test('pip download checks hashes against the index and gets the exact bytes', async () => {
    const wheel = fixtures.wheels[0]!;
    const bytes = await readFile(wheel);
    const dest = path.join(work, 'download');
    const requirements = path.join(work, 'requirements.txt');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(requirements, `wharf-demo-core==1.0.0 --hash=sha256:${sha256(bytes)}\n`),
    );
    const r = await pip([
      'download', '--no-cache-dir', '--no-deps', '--only-binary', ':all:', '--require-hashes',
      '--index-url', wharf.indexUrl, '-d', dest, '-r', requirements,
    ]);
    assert.equal(r.code, 0, describeRun(r));
    const got = await readFile(path.join(dest, path.basename(wheel)));
    assert.equal(sha256(got), sha256(bytes));

    const wrong = path.join(work, 'wrong.txt');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(wrong, `wharf-demo-core==1.0.0 --hash=sha256:${'0'.repeat(64)}\n`),
    );
    const refused = await pip([
      'download', '--no-cache-dir', '--no-deps', '--only-binary', ':all:', '--require-hashes',
      '--index-url', wharf.indexUrl, '-d', path.join(work, 'wrong'), '-r', wrong,
    ]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /HASHES|hash/i);
  });

  test("a second download within the signing window is served from pip's HTTP cache", async () => {
    const cache = path.join(work, 'pip-cache');
    // pip caches HTTP responses only over https or from a --trusted-host; on AWS the index
    // and S3 are https, locally both are http, the index on 127.0.0.1 and S3 on localhost.
    const args = (dest: string) => [
      'download', '--trusted-host', '127.0.0.1', '--trusted-host', 'localhost', '--cache-dir', cache, '--no-deps', '--only-binary', ':all:',
      '--index-url', wharf.indexUrl, '-d', path.join(work, dest), 'wharf-demo-core==1.0.0',
    ];
    const first = await pip(args('cached-1'));
    assert.equal(first.code, 0, describeRun(first));
    assert.doesNotMatch(first.stdout, /Using cached/);
    const second = await pip(args('cached-2'));
    assert.equal(second.code, 0, describeRun(second));
    // The same presigned URL again, and S3's immutable Cache-Control: pip does not refetch.
    assert.match(second.stdout, /Using cached \S+\/wharf_demo_core-1\.0\.0-py3-none-any\.whl /);
  });

  test('pip downloads the sdist too', async () => {
    const sdist = fixtures.sdists[0]!;
    const dest = path.join(work, 'sdist');
    // Debian's python: preparing an sdist's metadata needs setuptools and wheel at hand.
    const r = await debianPip([
      'download', '--no-cache-dir', '--no-deps', '--no-binary', ':all:', '--no-build-isolation',
      '--index-url', wharf.indexUrl, '-d', dest, 'wharf-demo-core==1.0.0',
    ]);
    assert.equal(r.code, 0, describeRun(r));
    const got = await readFile(path.join(dest, path.basename(sdist)));
    assert.equal(sha256(got), sha256(await readFile(sdist)));
  });

  test('the JSON pages carry the PEP 691/700 fields, and every advertised .metadata exists', async () => {
    const root = await fetch(wharf.indexUrl, { headers: { accept: JSON_V1 } });
    assert.equal(root.headers.get('content-type'), JSON_V1);
    const rootJson = (await root.json()) as { meta: Record<string, string>; projects: { name: string }[] };
    assert.equal(rootJson.meta['api-version'], '1.1');
    // wharf-demo-app's wheel and sdist spell its name two ways (wharf-demo-app, wharf_demo_app);
    // the import sends them at once, and the first to write the project record names it.
    const names = rootJson.projects.map((p) => p.name).sort();
    assert.equal(names.length, 2, names.join(', '));
    assert.ok(['wharf-demo-app', 'wharf_demo_app'].includes(names[0]!), names.join(', '));
    assert.equal(names[1], 'wharf-demo-core');

    for (const project of ['wharf-demo-app', 'wharf-demo-core']) {
      const pageUrl = `${wharf.indexUrl}${project}/`;
      const res = await fetch(pageUrl, { headers: { accept: JSON_V1 } });
      assert.equal(res.status, 200);
      const page = (await res.json()) as {
        name: string;
        versions: string[];
        files: Array<Record<string, unknown> & { url: string; hashes: { sha256: string } }>;
      };
      assert.equal(page.name, project);
      assert.equal(page.files.length, 2);
      assert.equal(page.versions.length, 1);
      for (const f of page.files) {
        for (const key of ['filename', 'url', 'hashes', 'requires-python', 'yanked', 'size', 'upload-time']) {
          assert.ok(key in f, `${project} ${String(f['filename'])} has ${key}`);
        }
        assert.equal('dist-info-metadata' in f, false, 'PEP 714: JSON uses core-metadata only');
        const fileUrl = new URL(f.url, pageUrl);
        const download = await fetch(fileUrl);
        assert.equal(download.status, 200);
        assert.equal(download.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        const body = new Uint8Array(await download.arrayBuffer());
        assert.equal(sha256(body), f.hashes.sha256);
        assert.equal(body.byteLength, f['size']);
        const meta = f['core-metadata'];
        if (meta !== undefined) {
          const m = await fetch(new URL(`${f.url}.metadata`, pageUrl));
          assert.equal(m.status, 200, `${String(f['filename'])}.metadata exists`);
          assert.equal(sha256(new Uint8Array(await m.arrayBuffer())), (meta as { sha256: string }).sha256);
        }
      }
      const wheelEntry = page.files.find((f) => String(f['filename']).endsWith('.whl'))!;
      assert.ok(wheelEntry['core-metadata'], 'wheels always have core metadata');
    }
  });

  test('.metadata comes straight from Wharf: the METADATA of the wheel, byte for byte, cached as immutable', async () => {
    for (const wheel of fixtures.wheels) {
      const bytes = new Uint8Array(await readFile(wheel));
      const entries = unzipSync(bytes, { filter: (f) => /^[^/]+\.dist-info\/METADATA$/.test(f.name) });
      const stored = Object.values(entries)[0]!;
      const project = path.basename(wheel).split('-')[0]!.replace(/_/g, '-');
      const url = `${wharf.indexUrl.replace(/\/simple\/$/, '')}/files/${project}/${sha256(bytes)}/${path.basename(wheel)}.metadata`;
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), stored);
    }
  });

  test('a file asked twice gets the same redirect (a 1-day signing window), and the URL passes the SigV4 check of the local S3', async () => {
    const [wheel] = fixtures.wheels;
    const bytes = new Uint8Array(await readFile(wheel!));
    const project = path.basename(wheel!).split('-')[0]!.replace(/_/g, '-');
    const url = `${wharf.indexUrl.replace(/\/simple\/$/, '')}/files/${project}/${sha256(bytes)}/${path.basename(wheel!)}`;
    const ask = async () => (await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '';
    const day = () => Math.floor(Date.now() / 86_400_000);
    let first: string;
    let second: string;
    do {
      const before = day();
      first = await ask();
      await new Promise((done) => setTimeout(done, 1100));
      second = await ask();
      if (day() === before) break; // the two asks fell in one window (not across midnight UTC)
    } while (true);
    assert.equal(second, first);
    const signed = new URL(first);
    assert.match(signed.searchParams.get('X-Amz-Date') ?? '', /T000000Z$/);
    assert.equal(signed.searchParams.get('X-Amz-Expires'), '172800');
    const download = await fetch(first);
    assert.equal(download.status, 200, await download.clone().text());
    assert.equal(sha256(new Uint8Array(await download.arrayBuffer())), sha256(bytes));
  });

  test('the HTML page for pip-less clients, and a 304 for a repeat', async () => {
    const res = await fetch(`${wharf.indexUrl}wharf-demo-core/`, { headers: { accept: '*/*' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    const html = await res.text();
    // A hosted page carries its project status (PEP 792): api-version 1.4.
    assert.match(html, /<meta name="pypi:repository-version" content="1\.4">\n\s*<meta name="pypi:project-status" content="active">/);
    assert.match(html, /data-requires-python="&gt;=3\.8"/);
    assert.match(html, /data-core-metadata="sha256=[0-9a-f]{64}"/);
    const again = await fetch(`${wharf.indexUrl}wharf-demo-core/`, {
      headers: { accept: '*/*', 'if-none-match': res.headers.get('etag')! },
    });
    assert.equal(again.status, 304);
    const redirect = await fetch(`${wharf.indexUrl}Wharf_Demo.Core`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/simple/wharf-demo-core/');
    assert.equal((await fetch(`${wharf.indexUrl}not-here/`)).status, 404);
  });

  test('re-importing is idempotent; a same-named file with other bytes is refused and not stored', async () => {
    const dynamodb = createDynamoDbClient(wharf.stores);
    const s3 = createS3Client(wharf.stores);
    const target = {
      description: 'test',
      metadata: new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName),
      blobs: new S3BlobStore(sdkS3Objects(s3, wharf.stores.bucketName)),
      files: s3FileUploader(s3, wharf.stores.bucketName),
      close: async () => undefined,
    };
    const objectKeys = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: wharf.stores.bucketName }))).Contents ?? [])
        .map((o) => o.Key)
        .sort();
    try {
      const again = await importDistributions(target, [FIXTURE_DIR]);
      assert.equal(again.created, 0);
      assert.equal(again.unchanged, fixtures.all.length);

      // The same wheel name with one more file inside: other bytes, same filename.
      const wheel = fixtures.wheels[0]!;
      const entries = unzipSync(new Uint8Array(await readFile(wheel)));
      entries['wharf_demo_core/extra.py'] = new TextEncoder().encode('TAMPERED = True\n');
      const tampered = zipSync(entries);
      const keysBefore = await objectKeys();
      const pageBefore = await (await fetch(`${wharf.indexUrl}wharf-demo-core/`, { headers: { accept: JSON_V1 } })).text();
      await assert.rejects(
        new Ingest(target.metadata, target.blobs).ingest(path.basename(wheel), tampered),
        (err: unknown) => err instanceof FileExistsError && /^File already exists/.test(err.message),
      );
      assert.deepEqual(await objectKeys(), keysBefore);
      const pageAfter = await (await fetch(`${wharf.indexUrl}wharf-demo-core/`, { headers: { accept: JSON_V1 } })).text();
      assert.equal(pageAfter, pageBefore);
    } finally {
      dynamodb.destroy();
      s3.destroy();
    }
  });
});
