/**
 * Faults in the middle of an upload. The write and read functions run in-process on the
 * real adapters (dynalite, s3rver); the stores the write function gets fail one chosen call
 * once. For each fault: the client gets a generic 500, nothing half written is visible
 * (a listed file always has its bytes and its `.metadata`), and sending the same request
 * again, as twine does after a 5xx, publishes the file for good and repairs the page and
 * the root listing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { blake2b } from '@noble/hashes/blake2.js';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';
import { type Zippable, strToU8, zipSync } from 'fflate';

import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { DEFAULTS } from '../../lambdas/config/wharf-config.ts';
import type { WharfLambdaHandler } from '../../lambdas/http/lambda-handler.ts';
import { createLocalUrlSigner } from '../../lambdas/local/embedded-stores.ts';
import type { BlobStore, MetadataStore } from '../../lambdas/app/ports.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import { createWriteFunction } from '../../lambdas/functions/write-function.ts';
import { type TestStores, startTestStores } from '../support/embedded.ts';

// ---------------------------------------------------------------------------------------
// Faults

/** What the injected error says; it must never reach the client. */
const SECRET = 'injected-fault-7f3a: arn:aws:dynamodb:eu-west-1:123456789012:table/wharf';

class InjectedFault extends Error {
  constructor(call: string) {
    super(`${call} failed (${SECRET})`);
    this.name = 'InternalServerError';
  }
}

interface Fault {
  readonly store: 'metadata' | 'blobs';
  readonly method: string;
  /** Which call of `method` fails; any when absent. */
  readonly when?: (args: readonly unknown[]) => boolean;
  /**
   * `fail`: the call throws and does nothing. `lost-answer`: the call does its work, then
   * throws, as when the store commits and the answer is lost on the way back.
   */
  readonly mode: 'fail' | 'lost-answer';
}

/** Wraps stores so that the armed fault happens once, on the first call it matches. */
class FaultInjector {
  private armed: Fault | undefined;
  fired = 0;

  arm(fault: Fault): void {
    this.armed = fault;
    this.fired = 0;
  }

  disarm(): void {
    this.armed = undefined;
  }

  wrap<T extends object>(store: Fault['store'], target: T): T {
    return new Proxy(target, {
      get: (t, prop, receiver) => {
        const value: unknown = Reflect.get(t, prop, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const fault = this.armed;
          if (!fault || fault.store !== store || fault.method !== prop || !(fault.when?.(args) ?? true)) {
            return (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          }
          this.armed = undefined;
          this.fired++;
          const call = `${store}.${String(prop)}`;
          if (fault.mode === 'fail') throw new InjectedFault(call);
          await (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          throw new InjectedFault(call);
        };
      },
    });
  }
}

const isMetadataKey = (args: readonly unknown[]) => String(args[0]).endsWith('.metadata');

interface FaultCase {
  readonly name: string;
  readonly fault: Fault;
  /** Whether the file's index entry exists once the fault has happened. */
  readonly afterPutFile: boolean;
}

const FAULTS: readonly FaultCase[] = [
  {
    name: 'BlobStore.put of the distribution fails',
    fault: { store: 'blobs', method: 'put', when: (args) => !isMetadataKey(args), mode: 'fail' },
    afterPutFile: false,
  },
  {
    name: 'BlobStore.put of the distribution lands, its answer is lost',
    fault: { store: 'blobs', method: 'put', when: (args) => !isMetadataKey(args), mode: 'lost-answer' },
    afterPutFile: false,
  },
  {
    name: 'BlobStore.put of the .metadata fails',
    fault: { store: 'blobs', method: 'put', when: isMetadataKey, mode: 'fail' },
    afterPutFile: false,
  },
  {
    name: 'BlobStore.put of the .metadata lands, its answer is lost',
    fault: { store: 'blobs', method: 'put', when: isMetadataKey, mode: 'lost-answer' },
    afterPutFile: false,
  },
  { name: 'MetadataStore.getProject fails', fault: { store: 'metadata', method: 'getProject', mode: 'fail' }, afterPutFile: false },
  { name: 'MetadataStore.getFile fails', fault: { store: 'metadata', method: 'getFile', mode: 'fail' }, afterPutFile: false },
  { name: 'MetadataStore.getTombstone fails', fault: { store: 'metadata', method: 'getTombstone', mode: 'fail' }, afterPutFile: false },
  { name: 'MetadataStore.putFile fails', fault: { store: 'metadata', method: 'putFile', mode: 'fail' }, afterPutFile: false },
  {
    name: 'MetadataStore.putFile lands, its answer is lost',
    fault: { store: 'metadata', method: 'putFile', mode: 'lost-answer' },
    afterPutFile: true,
  },
  { name: 'MetadataStore.putRelease fails', fault: { store: 'metadata', method: 'putRelease', mode: 'fail' }, afterPutFile: true },
  {
    name: 'MetadataStore.putRelease lands, its answer is lost',
    fault: { store: 'metadata', method: 'putRelease', mode: 'lost-answer' },
    afterPutFile: true,
  },
  { name: 'MetadataStore.putProject fails', fault: { store: 'metadata', method: 'putProject', mode: 'fail' }, afterPutFile: true },
  {
    name: 'MetadataStore.putProject lands, its answer is lost',
    fault: { store: 'metadata', method: 'putProject', mode: 'lost-answer' },
    afterPutFile: true,
  },
];

// ---------------------------------------------------------------------------------------
// Wheels, forms and events

function wheel(name: string, version: string): { filename: string; bytes: Uint8Array; metadata: string } {
  const module = name.replace(/-/g, '_');
  const distInfo = `${module}-${version}.dist-info`;
  const metadata = `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nRequires-Python: >=3.9\nSummary: fault test\n\n`;
  const files: Zippable = {
    [`${module}/__init__.py`]: strToU8(`VERSION = ${JSON.stringify(version)}\n`),
    [`${distInfo}/METADATA`]: strToU8(metadata),
    [`${distInfo}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    [`${distInfo}/RECORD`]: strToU8(`${module}/__init__.py,,\n`),
  };
  return { filename: `${module}-${version}-py3-none-any.whl`, bytes: zipSync(files), metadata };
}

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const blake2 = (bytes: Uint8Array): string => Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex');

const BOUNDARY = '----wharf-fault-0c4e2b9d';

/** The multipart body twine 4 sends for a wheel. */
function twineBody(name: string, version: string, file: { filename: string; bytes: Uint8Array }): Buffer {
  const fields: [string, string][] = [
    [':action', 'file_upload'],
    ['protocol_version', '1'],
    ['name', name],
    ['version', version],
    ['filetype', 'bdist_wheel'],
    ['pyversion', 'py3'],
    ['metadata_version', '2.1'],
    ['summary', 'fault test'],
    ['requires_python', '>=3.9'],
    ['sha256_digest', sha256(file.bytes)],
    ['blake2_256_digest', blake2(file.bytes)],
  ];
  const chunks: Buffer[] = [];
  for (const [field, value] of fields) {
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n${value}\r\n`));
  }
  chunks.push(
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="content"; filename="${file.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.from(file.bytes),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  );
  return Buffer.concat(chunks);
}

function event(method: string, path: string, init: { headers?: Record<string, string>; body?: Buffer } = {}): APIGatewayProxyEventV2 {
  return apiGatewayEvent(path, { method, userAgent: 'twine/4.0.2', ...init });
}

const context = { functionName: 'wharf', awsRequestId: 'r', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';

interface PageFile {
  readonly filename: string;
  readonly url: string;
  readonly hashes: { readonly sha256: string };
  readonly 'core-metadata'?: { readonly sha256: string };
}

function bodyText(result: APIGatewayProxyStructuredResultV2): string {
  return Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
}

// ---------------------------------------------------------------------------------------

describe('upload faults: a 500, nothing half written visible, and the retry repairs', () => {
  let t: TestStores;
  let injector: FaultInjector;
  let write: WharfLambdaHandler;
  let read: WharfLambdaHandler;
  let metadata: DynamoDbMetadataStore;
  let blobs: S3BlobStore;
  let authorization: string;

  before(async () => {
    t = await startTestStores();
    metadata = new DynamoDbMetadataStore(t.dynamodb, t.stores.tableName);
    blobs = new S3BlobStore(sdkS3Objects(t.s3, t.stores.bucketName));
    const tokens = new DynamoDbTokenStore(t.dynamodb, t.stores.tokensTableName);
    const { token } = await new TokenAdmin(tokens).create({ scopes: ['upload:*'], createdBy: 'test' });
    authorization = `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}`;
    injector = new FaultInjector();
    const logger = new Logger({ logLevel: 'SILENT' });
    write = createWriteFunction({
      metadata: injector.wrap<MetadataStore>('metadata', metadata),
      blobs: injector.wrap<BlobStore>('blobs', blobs),
      tokens,
      config: { publicRead: true, authCacheSeconds: DEFAULTS.authCacheSeconds, maxUploadBytes: DEFAULTS.maxUploadBytes },
      logger,
    });
    read = createReadFunction({
      metadata,
      signer: createLocalUrlSigner(t.stores),
      tokens,
      config: { pageCacheControl: 'no-store', signingWindowSeconds: DEFAULTS.signingWindowSeconds, publicRead: true, authCacheSeconds: 0 },
      logger,
    });
  });

  after(async () => t?.close());

  const upload = (name: string, version: string, file: { filename: string; bytes: Uint8Array }) =>
    write(
      event('POST', '/legacy/', {
        headers: { authorization, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: twineBody(name, version, file),
      }),
      context,
    );

  async function page(project: string): Promise<{ status: number; files: PageFile[] }> {
    const result = await read(event('GET', `/simple/${project}/`, { headers: { accept: JSON_V1 } }), context);
    if (result.statusCode === 404) return { status: 404, files: [] };
    assert.equal(result.statusCode, 200, bodyText(result));
    return { status: 200, files: (JSON.parse(bodyText(result)) as { files: PageFile[] }).files };
  }

  async function rootListing(): Promise<string[]> {
    const result = await read(event('GET', '/simple/', { headers: { accept: JSON_V1 } }), context);
    assert.equal(result.statusCode, 200);
    return (JSON.parse(bodyText(result)) as { projects: { name: string }[] }).projects.map((p) => p.name);
  }

  async function objectBytes(key: string): Promise<Uint8Array> {
    const object = await t.s3.send(new GetObjectCommand({ Bucket: t.stores.bucketName, Key: key }));
    return object.Body!.transformToByteArray();
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const listed = await t.s3.send(new ListObjectsV2Command({ Bucket: t.stores.bucketName, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key!).sort();
  }

  /** S3 key of a file the page links to (`../../files/{project}/{sha256}/{filename}`). */
  const keyOf = (project: string, file: PageFile) => decodeURIComponent(new URL(file.url, `http://x/simple/${project}/`).pathname.slice(1));

  /** Every file the page and the root listing show is whole: its bytes and its `.metadata` are stored. */
  async function assertNothingBrokenVisible(project: string): Promise<void> {
    const { files } = await page(project);
    for (const file of files) {
      const key = keyOf(project, file);
      assert.ok(await blobs.exists(key), `${file.filename} is listed but ${key} is not stored`);
      assert.equal(sha256(await objectBytes(key)), file.hashes.sha256, `${file.filename}: stored bytes differ from the listed sha256`);
      if (file['core-metadata']) {
        assert.ok(await blobs.exists(`${key}.metadata`), `${file.filename} advertises core metadata but ${key}.metadata is not stored`);
        assert.equal(sha256(await objectBytes(`${key}.metadata`)), file['core-metadata'].sha256);
      }
    }
    for (const listed of await rootListing()) {
      assert.equal((await page(listed)).status, 200, `the root listing shows ${listed}, whose page is missing`);
    }
  }

  async function assertPublished(project: string, version: string, file: ReturnType<typeof wheel>): Promise<void> {
    const { status, files } = await page(project);
    assert.equal(status, 200);
    const listed = files.find((f) => f.filename === file.filename);
    assert.ok(listed, `${file.filename} is on the page of ${project}`);
    assert.equal(listed.hashes.sha256, sha256(file.bytes));
    assert.equal(listed['core-metadata']?.sha256, sha256(file.metadata), 'the page advertises the .metadata');
    const key = keyOf(project, listed);
    assert.deepEqual(Buffer.from(await objectBytes(key)), Buffer.from(file.bytes), 'S3 holds the uploaded bytes');
    assert.equal(Buffer.from(await objectBytes(`${key}.metadata`)).toString('utf8'), file.metadata);

    // Downloadable the way pip gets it: the read function's 302, then S3.
    const redirect = await read(event('GET', new URL(listed.url, `http://x/simple/${project}/`).pathname), context);
    assert.equal(redirect.statusCode, 302);
    const location = String(redirect.headers?.['location']);
    const download = await fetch(location);
    assert.equal(download.status, 200, `GET ${location}`);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), Buffer.from(file.bytes), 'the download is the uploaded bytes');

    assert.ok(await metadata.getRelease(project, version), `release ${project} ${version} is recorded`);
    assert.ok(await metadata.getProject(project), `project ${project} is recorded`);
    assert.ok((await rootListing()).includes(project), `the root listing shows ${project}`);
  }

  function assertGeneric500(result: APIGatewayProxyStructuredResultV2): void {
    const body = bodyText(result);
    assert.equal(result.statusCode, 500, body);
    assert.match(body, /^Internal server error/);
    assert.doesNotMatch(body, /injected-fault|arn:aws|InternalServerError|\bat .*:\d+:\d+/, 'no detail or stack reaches the client');
  }

  FAULTS.forEach((c, i) => {
    for (const situation of ['first file of a new project', 'new version of an existing project'] as const) {
      test(`${c.name} (${situation})`, async () => {
        const project = `fault-${i}-${situation.startsWith('first') ? 'new' : 'old'}`;
        const version = situation.startsWith('first') ? '1.0' : '2.0';
        const seed = situation === 'first file of a new project' ? undefined : wheel(project, '1.0');
        if (seed) {
          const seeded = await upload(project, '1.0', seed);
          assert.equal(seeded.statusCode, 200, bodyText(seeded));
        }
        const file = wheel(project, version);
        const keysBefore = await keysUnder(`files/${project}/`);

        injector.arm(c.fault);
        const failed = await upload(project, version, file);
        injector.disarm();
        assert.equal(injector.fired, 1, 'the fault happened');
        assertGeneric500(failed);

        await assertNothingBrokenVisible(project);
        const after = await page(project);
        if (!c.afterPutFile) {
          assert.ok(!after.files.some((f) => f.filename === file.filename), `${file.filename} is not listed before the retry`);
          if (situation === 'first file of a new project') {
            assert.equal(after.status, 404, 'a project whose first upload failed has no page');
            assert.ok(!(await rootListing()).includes(project), 'nor a place in the root listing');
          }
        }

        // twine retries a 5xx with the very same request.
        const retried = await upload(project, version, file);
        assert.equal(retried.statusCode, 200, bodyText(retried));
        assert.match(bodyText(retried), new RegExp(`^OK: ${file.filename.replace(/\./g, '\\.')} (is|was already) published`));

        await assertPublished(project, version, file);
        await assertNothingBrokenVisible(project);
        // Nothing stray left in S3: the earlier files and this one, with its .metadata.
        const key = `files/${project}/${sha256(file.bytes)}/${file.filename}`;
        assert.deepEqual(await keysUnder(`files/${project}/`), [...keysBefore, key, `${key}.metadata`].sort());
        // The release before it is still whole.
        if (seed) await assertPublished(project, '1.0', seed);
      });
    }
  });
});
