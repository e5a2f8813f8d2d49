/**
 * A private index as pip meets it: credentials in the index URL, credentials in .netrc,
 * and none at all. The presigned redirect must work for an authenticated pip: pip drops
 * the Authorization header on the hop to S3 (another host:port), and the local S3 front
 * refuses, as S3 does, any presigned request that still carries one.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { importDistributions } from '../../lambdas/cli/import-command.ts';
import { s3FileUploader } from '../../lambdas/cli/import-target.ts';
import { createDynamoDbClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildFixtures } from '../fixtures/build-fixtures.ts';
import { checkPip, describeRun, missingTool, pip } from '../support/processes.ts';

const FIXTURE_DIR = path.resolve('test/fixtures/dist');

await buildFixtures(FIXTURE_DIR);
const skip = await missingTool(checkPip, 'python3 -m pip');

describe('pip against a private local Wharf', { skip: skip ?? false }, () => {
  let wharf: LocalWharf;
  let work: string;
  let readToken: string;
  let otherToken: string;
  const requests: string[] = [];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wharf-private-'));
    wharf = await startLocalWharf({ port: 0, publicRead: false, onRequest: ({ method, url, status }) => requests.push(`${method} ${url} ${status}`) });
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
    assert.deepEqual([...summary.refused, ...summary.failed], []);
    const admin = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
    readToken = (await admin.create({ scopes: ['read:wharf-demo-*'], createdBy: 'test' })).token;
    otherToken = (await admin.create({ scopes: ['read:wharf-demo-core'], createdBy: 'test' })).token;
    dynamodb.destroy();
    s3.destroy();
  });

  after(async () => {
    await wharf?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const withCredentials = (token: string) => wharf.indexUrl.replace('://', `://__token__:${token}@`);

  test('with the token in the index URL, pip installs and follows the presigned redirects', async () => {
    requests.length = 0;
    const target = path.join(work, 'url');
    const r = await pip(['install', '--no-cache-dir', '--no-input', '--index-url', withCredentials(readToken), '--target', target, 'wharf-demo-app']);
    assert.equal(r.code, 0, describeRun(r));
    const installed = await readdir(target);
    assert.ok(installed.some((n) => n.startsWith('wharf_demo_app-1.2.0')), installed.join(' '));
    assert.ok(installed.some((n) => n.startsWith('wharf_demo_core-1.0.0')), installed.join(' '));
    assert.ok(requests.some((l) => /^GET \/files\/wharf-demo-app\/.*\.whl 302$/.test(l)), requests.join('\n'));
  });

  test('.metadata of a private index: 401 without a token, 403 with a token for another project, the bytes with one (cached privately)', async () => {
    const page = await fetch(`${wharf.indexUrl}wharf-demo-app/`, {
      headers: { accept: 'application/vnd.pypi.simple.v1+json', authorization: `Basic ${Buffer.from(`__token__:${readToken}`).toString('base64')}` },
    });
    const files = ((await page.json()) as { files: { url: string; filename: string }[] }).files;
    const wheel = files.find((f) => f.filename.endsWith('.whl'))!;
    const url = new URL(`${wheel.url}.metadata`, page.url).href;
    const auth = (token: string) => ({ authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` });
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 401);
    assert.equal((await fetch(url, { redirect: 'manual', headers: auth(otherToken) })).status, 403);
    const ok = await fetch(url, { redirect: 'manual', headers: auth(readToken) });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'private, max-age=31536000, immutable');
    assert.match(await ok.text(), /^Metadata-Version: /);
  });

  test('with the token in .netrc, pip installs', async () => {
    const home = path.join(work, 'home');
    await rm(home, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(home));
    const netrc = path.join(home, '.netrc');
    await writeFile(netrc, `machine 127.0.0.1\nlogin __token__\npassword ${readToken}\n`);
    await chmod(netrc, 0o600);
    const target = path.join(work, 'netrc');
    const r = await pip(['install', '--no-cache-dir', '--no-input', '--index-url', wharf.indexUrl, '--target', target, 'wharf-demo-app'], {
      env: { HOME: home, NETRC: netrc },
    });
    assert.equal(r.code, 0, describeRun(r));
    assert.ok((await readdir(target)).some((n) => n.startsWith('wharf_demo_app-1.2.0')));
  });

  test('without credentials pip fails cleanly with 401', async () => {
    requests.length = 0;
    const r = await pip(['install', '--no-cache-dir', '--no-input', '--index-url', wharf.indexUrl, '--target', path.join(work, 'none'), 'wharf-demo-app'], {
      env: { HOME: path.join(work, 'nohome') },
    });
    assert.notEqual(r.code, 0);
    // pip shows an index page it could not fetch only with -vv; the server saw the 401.
    assert.ok(requests.includes('GET /simple/wharf-demo-app/ 401'), requests.join('\n'));
    assert.match(r.stdout + r.stderr, /No matching distribution found for wharf-demo-app/);
    assert.doesNotMatch(r.stdout + r.stderr, /Traceback/);
    const res = await fetch(`${wharf.indexUrl}wharf-demo-app/`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="Wharf"');
    assert.match(await res.text(), /^Authentication required\. Send a Wharf token as the password of username __token__/);
  });

  test('a token that may read only the dependency gets 403 for the app, and pip stops there', async () => {
    requests.length = 0;
    const r = await pip(['install', '--no-cache-dir', '--no-input', '--index-url', withCredentials(otherToken), '--target', path.join(work, 'other'), 'wharf-demo-app']);
    assert.notEqual(r.code, 0);
    assert.ok(requests.includes('GET /simple/wharf-demo-app/ 403'), requests.join('\n'));
    assert.match(r.stdout + r.stderr, /No matching distribution found for wharf-demo-app/);
    assert.doesNotMatch(r.stdout + r.stderr, /Traceback/);
  });

  test('the local S3 front refuses a presigned request that also carries Authorization, as S3 does', async () => {
    const redirect = await fetch(`${wharf.url}/simple/wharf-demo-core/`, {
      headers: { authorization: `Bearer ${readToken}`, accept: 'application/vnd.pypi.simple.v1+json' },
    });
    const file = ((await redirect.json()) as { files: Array<{ url: string }> }).files[0]!;
    const download = await fetch(new URL(file.url, `${wharf.url}/simple/wharf-demo-core/`), {
      headers: { authorization: `Bearer ${readToken}` },
      redirect: 'manual',
    });
    assert.equal(download.status, 302);
    const presigned = download.headers.get('location')!;
    assert.notEqual(new URL(presigned).host, new URL(wharf.url).host, 'S3 is another host:port, so pip drops the header');
    const leaked = await fetch(presigned, { headers: { authorization: `Bearer ${readToken}` } });
    assert.equal(leaked.status, 400);
    assert.match(await leaked.text(), /Only one auth mechanism allowed/);
    const clean = await fetch(presigned);
    assert.equal(clean.status, 200);
  });
});
