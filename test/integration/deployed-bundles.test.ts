/**
 * What deploys is what is tested: the stack is synthesized (bundling every function with
 * the esbuild settings of lib/wharf-function.ts), and each function's asset,
 * cdk.out/asset.<hash>/index.mjs, is imported as the Lambda runtime imports it, with the
 * environment the template gives that function. Table and bucket names are mapped to the
 * embedded stores, and the SDK clients inside the bundles reach them through the standard
 * AWS_ENDPOINT_URL_* variables.
 *
 * Driven with API Gateway v2 events: a token call, a legacy upload, a page, a download, an
 * upload session; then a verifier run (the event the write function sends), a
 * scheduled sweep, and retention rules set through the write bundle and applied by the
 * scheduled retention bundle.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';
import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { WharfStack } from '../../lib/wharf-stack.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { DynamoDbUploadSessionStore } from '../../lambdas/adapters/dynamodb-upload-session-store.ts';
import { ensureLocalAdminToken } from '../../lambdas/local/admin-bootstrap.ts';
import { startEmbeddedStores, type EmbeddedStores } from '../../lambdas/local/embedded-stores.ts';
import { stagingKey } from '../../lambdas/core/upload-session.ts';
import { distributionKey } from '../../lambdas/core/storage-keys.ts';
import { localStoreClients, type LocalStoreClients } from '../support/local-store-clients.ts';
import { buildWheel, wheelFilename } from '../support/dist-builder.ts';
import { emfOf } from '../support/emf-capture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function context(name: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function event(method: string, rawPath: string, options: { headers?: Record<string, string>; body?: Uint8Array | string } = {}): APIGatewayProxyEventV2 {
  const domainName = 'abc123.execute-api.us-east-1.amazonaws.com';
  return apiGatewayEvent(rawPath, {
    method,
    domainName,
    sourceIp: '203.0.113.9',
    headers: { host: domainName, ...options.headers },
    // As API Gateway hands a Lambda every body it does not know to be text: base64.
    ...(options.body !== undefined ? { body: Buffer.from(options.body) } : {}),
  });
}

function bodyOf(result: APIGatewayProxyStructuredResultV2): string {
  return Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
}

describe('the synthesized bundles, run as Lambda runs them, against the embedded stores', () => {
  let stores: EmbeddedStores;
  let clients: LocalStoreClients;
  let outdir: string;
  const handlers: Record<string, Handler> = {};
  let adminToken: string;
  const saved = { ...process.env };

  before(async () => {
    stores = await startEmbeddedStores({});
    clients = localStoreClients(stores);
    adminToken = (await ensureLocalAdminToken(new DynamoDbTokenStore(clients.dynamodb, stores.tokensTableName), undefined)).token;

    outdir = mkdtempSync(path.join(tmpdir(), 'wharf-cdk-out-'));
    const app = new App({ context: cdkJson.context, outdir });
    const stack = new WharfStack(app, 'Wharf', { env: { account: '123456789012', region: 'us-east-1' } });
    app.synth();
    const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }> };
    const id = (c: IConstruct) => Stack.of(c).resolve((c.node.defaultChild as CfnResource).logicalId) as string;
    // What each CloudFormation reference in an environment stands for here.
    const refs: Record<string, string> = {
      [id(stack.index.table)]: stores.tableName,
      [id(stack.index.tokensTable)]: stores.tokensTableName,
      [id(stack.index.bucket)]: stores.bucketName,
      [id(stack.index.verifier.function)]: 'verifier-function',
    };
    // References to what has no emulator here: the variable is left unset, as before the
    // first signing key exists (download URLs are then signed with the role's credentials).
    const unmapped = new Set([id(stack.index.downloadSigning.secret)]);
    const functions: Record<string, IConstruct> = {
      ...Object.fromEntries(Object.entries(stack.index.functions).map(([name, fn]) => [name, fn.function])),
      verifier: stack.index.verifier.function,
      sweeper: stack.index.sweeper.fn.function,
      retention: stack.index.retention.fn.function,
    };

    const s3Endpoint = stores.s3Endpoint.replace('localhost', '127.0.0.1');
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      // The keys only these embedded stores accept; the bundles' default credential chain reads them.
      AWS_ACCESS_KEY_ID: stores.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stores.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: stores.dynamodbEndpoint,
      // An IP address: the SDK then addresses the bucket by path, as s3rver needs.
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      // s3rver corrupts streamed uploads that carry the SDK's default trailing checksums.
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_LAMBDA_FUNCTION_NAME: 'wharf-test',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    for (const [name, construct] of Object.entries(functions)) {
      const resource = template.Resources[id(construct)]!;
      assert.equal(resource.Properties.Handler, 'index.handler');
      const assetPath = resource.Metadata?.['aws:asset:path'] ?? `asset.${String(resource.Properties.Code.S3Key).replace(/\.zip$/, '')}`;
      const entry = path.join(outdir, assetPath, 'index.mjs');
      assert.ok(existsSync(entry), `${name}: no bundle at ${entry}`);
      const variables = resource.Properties.Environment.Variables as Record<string, unknown>;
      const environment: Record<string, string> = {};
      for (const [key, value] of Object.entries(variables)) {
        if (typeof value === 'string') environment[key] = value;
        else if (value && typeof value === 'object' && 'Ref' in value) {
          if (unmapped.has(String((value as { Ref: string }).Ref))) continue;
          const mapped = refs[String((value as { Ref: string }).Ref)];
          assert.ok(mapped, `${name}: ${key} refers to ${JSON.stringify(value)}, which this test does not map`);
          environment[key] = mapped;
        } else environment[key] = `resolved-${key.toLowerCase()}`; // e.g. the audience, joined from the stack name
      }
      // The runtime's own NODE_OPTIONS (source maps) would not change what runs: leave ours.
      delete environment['NODE_OPTIONS'];
      // Module initialisation reads the environment once; each bundle gets its own.
      Object.assign(process.env, environment);
      handlers[name] = ((await import(pathToFileURL(entry).href)) as { handler: Handler }).handler;
      for (const key of Object.keys(environment)) delete process.env[key];
    }
  });

  after(async () => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    clients?.destroy();
    await stores?.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  const http = (name: string) => handlers[name] as unknown as HttpHandler;
  let uploadToken: string;
  const wheel = { filename: wheelFilename({ name: 'bundled', version: '1.0' }), bytes: buildWheel({ name: 'bundled', version: '1.0' }) };

  test('a token call: the admin bundle creates an upload token', async () => {
    const res = await http('admin')(
      event('POST', '/api/tokens', {
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scopes: ['upload:*', 'read:*'], description: 'deployed-bundles test' }),
      }),
      context('admin'),
    );
    assert.equal(res.statusCode, 201, bodyOf(res));
    uploadToken = (JSON.parse(bodyOf(res)) as { token: string }).token;
    assert.ok(uploadToken);
  });

  test('publishing from AWS: the admin bundle loads it on first use, keeps a publisher, and never forwards a request aimed elsewhere', async () => {
    const info = await http('admin')(event('GET', '/_/aws/server-id'), context('admin'));
    assert.equal(info.statusCode, 200, bodyOf(info));
    const signing = JSON.parse(bodyOf(info)) as { serverId: string; endpoints: string[] };
    // The global endpoint and the region the function runs in (AWS_REGION).
    assert.deepEqual(signing.endpoints, ['https://sts.amazonaws.com/', 'https://sts.us-east-1.amazonaws.com/']);
    const added = await http('admin')(
      event('POST', '/api/publishers/aws', {
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project: 'bundled', roleArn: 'arn:aws:iam::111122223333:role/release' }),
      }),
      context('admin'),
    );
    assert.equal(added.statusCode, 201, bodyOf(added));
    const aimed = await http('admin')(
      event('POST', '/_/aws/mint-token', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'POST', url: 'https://evil.example.com/', headers: { host: 'evil.example.com' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' }),
      }),
      context('admin'),
    );
    assert.equal(aimed.statusCode, 422, bodyOf(aimed));
    assert.match(bodyOf(aimed), /only to https:\/\/sts.amazonaws.com\//);
  });

  test('an upload: twine\'s legacy form to the write bundle, counted in the EMF it writes under the stack\'s name', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      ':action': 'file_upload', protocol_version: '1', name: 'bundled', version: '1.0', filetype: 'bdist_wheel',
      pyversion: 'py3', metadata_version: '2.1', sha256_digest: sha256(wheel.bytes),
    })) form.append(k, v);
    form.append('content', new Blob([wheel.bytes]), wheel.filename);
    const request = new Request('http://x/', { method: 'POST', body: form });
    const body = new Uint8Array(await request.arrayBuffer());
    const { result: res, records } = await emfOf(() =>
      http('write')(
        event('POST', '/legacy/', {
          headers: { authorization: `Basic ${Buffer.from(`__token__:${uploadToken}`).toString('base64')}`, 'content-type': request.headers.get('content-type')! },
          body,
        }),
        context('write'),
      ),
    );
    assert.equal(res.statusCode, 200, bodyOf(res));
    assert.deepEqual(records.find((r) => 'Uploads' in r.metrics), {
      dimensions: { service: 'Wharf' },
      metrics: { Uploads: { unit: 'Count', value: 1 }, BytesPublished: { unit: 'Bytes', value: wheel.bytes.byteLength } },
    });
    assert.deepEqual(records.find((r) => 'Requests' in r.metrics)?.dimensions, { service: 'Wharf', Route: 'upload', StatusClass: '2xx' });
    assert.deepEqual(records.find((r) => 'ColdStart' in r.metrics)?.dimensions, { service: 'Wharf', function_name: 'write' });
  });

  test('a page and a download: the read bundle lists the file and redirects to its presigned S3 URL', async () => {
    const auth = { authorization: `Bearer ${uploadToken}` };
    const page = await http('read')(event('GET', '/simple/bundled/', { headers: { ...auth, accept: 'application/vnd.pypi.simple.v1+json' } }), context('read'));
    assert.equal(page.statusCode, 200, bodyOf(page));
    const file = (JSON.parse(bodyOf(page)) as { files: { filename: string; url: string; hashes: { sha256: string } }[] }).files[0]!;
    assert.equal(file.filename, wheel.filename);
    assert.equal(file.hashes.sha256, sha256(wheel.bytes));
    const download = await http('read')(event('GET', new URL(file.url, 'https://x/simple/bundled/').pathname, { headers: auth }), context('read'));
    assert.equal(download.statusCode, 302, bodyOf(download));
    const location = new URL(String(download.headers?.['location'] ?? download.headers?.['Location']));
    assert.ok(location.searchParams.has('X-Amz-Signature'));
    assert.match(location.href, new RegExp(`${stores.bucketName}.*${sha256(wheel.bytes)}`));
    // The presigned URL names the real S3 host; the object it names is in the bucket.
    await clients.s3.send(new HeadObjectCommand({ Bucket: stores.bucketName, Key: distributionKey('bundled', sha256(wheel.bytes), wheel.filename) }));
  });

  test('the publish client: the read bundle serves the checked-in wharf.mjs from beside its index.mjs, with no token', async () => {
    const res = await http('read')(event('GET', '/client/wharf.mjs'), context('read'));
    assert.equal(res.statusCode, 200, bodyOf(res));
    assert.equal(res.headers?.['content-type'], 'text/javascript; charset=utf-8');
    assert.match(String(res.headers?.['etag']), /^W\/".+"$/);
    assert.equal(bodyOf(res), readFileSync(path.join(ROOT, 'client/dist/wharf.mjs'), 'utf8'));
  });

  test("the JSON API and search: the read bundle serves /pypi/NAME/json with https URLs, and finds the summary the write bundle's upload stored", async () => {
    const headers = { authorization: `Bearer ${uploadToken}`, 'x-forwarded-proto': 'https' };
    const doc = await http('read')(event('GET', '/pypi/bundled/json', { headers }), context('read'));
    assert.equal(doc.statusCode, 200, bodyOf(doc));
    const json = JSON.parse(bodyOf(doc)) as { info: { version: string }; urls: { filename: string; url: string; digests: { sha256: string } }[] };
    assert.equal(json.info.version, '1.0');
    assert.equal(json.urls[0]!.digests.sha256, sha256(wheel.bytes));
    assert.ok(json.urls[0]!.url.startsWith('https://abc123.execute-api.us-east-1.amazonaws.com/files/bundled/'), json.urls[0]!.url);
    const search = await http('read')(event('GET', '/pypi/-/search?q=bundled', { headers }), context('read'));
    assert.equal(search.statusCode, 200, bodyOf(search));
    assert.deepEqual((JSON.parse(bodyOf(search)) as { results: { name: string }[] }).results.map((r) => r.name), ['bundled']);
  });

  /** Declares a session through the write bundle and stages its bytes as the client's PUT would. */
  async function stagedSession(version: string): Promise<{ id: string; links: { complete: string; self: string }; filename: string }> {
    const dist = { filename: wheelFilename({ name: 'bundled', version }), bytes: buildWheel({ name: 'bundled', version }) };
    const created = await http('write')(
      event('POST', '/upload/sessions', { headers: jsonAuth(), body: JSON.stringify({ filename: dist.filename, size: dist.bytes.byteLength, sha256: sha256(dist.bytes), filetype: 'bdist_wheel' }) }),
      context('write'),
    );
    assert.equal(created.statusCode, 201, bodyOf(created));
    const session = JSON.parse(bodyOf(created)) as { id: string; mechanism: string; links: { complete: string; self: string } };
    assert.equal(session.mechanism, 's3-presigned-put');
    // The presigned URL names the real S3 host: the bytes go straight to the bucket instead.
    await clients.s3.send(new PutObjectCommand({ Bucket: stores.bucketName, Key: stagingKey(session.id, dist.filename), Body: dist.bytes }));
    return { ...session, filename: dist.filename };
  }
  const jsonAuth = () => ({ authorization: `Bearer ${uploadToken}`, 'content-type': 'application/json' });
  const statusOf = async (self: string) =>
    (JSON.parse(bodyOf(await http('write')(event('GET', new URL(self, 'https://x/').pathname, { headers: jsonAuth() }), context('write')))) as { status: string }).status;

  test('an upload session: the write bundle completes a small one and verifies it at once', async () => {
    const session = await stagedSession('1.5');
    const completed = await http('write')(event('POST', new URL(session.links.complete, 'https://x/').pathname, { headers: jsonAuth(), body: '{}' }), context('write'));
    assert.equal(completed.statusCode, 200, bodyOf(completed));
    assert.equal(await statusOf(session.links.self), 'published');
  });

  test('a verifier run: the verifier bundle verifies and publishes a session left verifying', async () => {
    const session = await stagedSession('2.0');
    // What complete() does before it invokes the verifier for a file above the inline limit (64 MiB).
    const moved = await new DynamoDbUploadSessionStore(clients.dynamodb, stores.tableName).transitionSession(session.id, 'pending', 'verifying', { verifyingSince: new Date().toISOString() });
    assert.equal(moved?.status, 'verifying');
    assert.deepEqual(await handlers['verifier']!({ sessionId: session.id }, context('verifier')), { sessionId: session.id, status: 'published' });
    assert.equal(await statusOf(session.links.self), 'published');
    const page = await http('read')(event('GET', '/simple/bundled/', { headers: { authorization: `Bearer ${uploadToken}`, accept: 'application/vnd.pypi.simple.v1+json' } }), context('read'));
    const names = (JSON.parse(bodyOf(page)) as { files: { filename: string }[] }).files.map((f) => f.filename);
    assert.ok(names.includes(session.filename), `${session.filename} is not on the page: ${names.join(', ')}`);
  });

  test('Upload 2.0 (PEP 694): the write bundle stages a file by http-post-bytes, the verifier bundle publishes the session', async () => {
    const v2 = { authorization: `Bearer ${uploadToken}`, 'content-type': 'application/vnd.pypi.upload.v2+json' };
    const meta = { 'api-version': '2.0' };
    const call = async (method: string, url: string, body: unknown, headers: Record<string, string> = v2) =>
      http('write')(event(method, new URL(url, 'https://x/').pathname, { headers, body: body instanceof Uint8Array ? body : JSON.stringify(body) }), context('write'));
    const created = await call('POST', '/upload/2.0/', { meta, name: 'bundled', version: '4.0' });
    assert.equal(created.statusCode, 201, bodyOf(created));
    const session = JSON.parse(bodyOf(created)) as { 'session-token': string; links: Record<string, string> };
    const dist = { filename: wheelFilename({ name: 'bundled', version: '4.0' }), bytes: buildWheel({ name: 'bundled', version: '4.0' }) };
    const opened = await call('POST', session.links['upload']!, { meta, filename: dist.filename, size: dist.bytes.byteLength, hashes: { sha256: sha256(dist.bytes) }, mechanism: 'http-post-bytes' });
    assert.equal(opened.statusCode, 202, bodyOf(opened));
    const file = JSON.parse(bodyOf(opened)) as { links: Record<string, string>; mechanism: { file_url: string } };
    const posted = await call('POST', file.mechanism.file_url, dist.bytes, { authorization: v2.authorization, 'content-type': 'application/octet-stream' });
    assert.equal(posted.statusCode, 200, bodyOf(posted));
    const completed = await call('POST', file.links['complete']!, { meta });
    assert.equal(completed.statusCode, 201, bodyOf(completed));
    // What publish() does before it invokes the verifier for a session above the inline limit (64 MiB).
    const id = session['session-token'];
    const moved = await new DynamoDbUploadSessionStore(clients.dynamodb, stores.tableName).transitionPublishingSession(id, ['open'], 'processing', { processingSince: new Date().toISOString() });
    assert.equal(moved?.status, 'processing');
    assert.deepEqual(await handlers['verifier']!({ publishingSessionId: id }, context('verifier')), { sessionId: id, status: 'published' });
    const page = await http('read')(event('GET', '/simple/bundled/', { headers: { authorization: `Bearer ${uploadToken}`, accept: 'application/vnd.pypi.simple.v1+json' } }), context('read'));
    const names = (JSON.parse(bodyOf(page)) as { files: { filename: string }[] }).files.map((f) => f.filename);
    assert.ok(names.includes(dist.filename), `${dist.filename} is not on the page: ${names.join(', ')}`);
  });

  test('the sweeper bundle sweeps with the grace period of its template, and keeps what is indexed', async () => {
    const orphan = distributionKey('bundled', 'f'.repeat(64), 'bundled-3.0-py3-none-any.whl');
    await clients.s3.send(new PutObjectCommand({ Bucket: stores.bucketName, Key: orphan, Body: new Uint8Array(10) }));
    const report = (await handlers['sweeper']!({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context('sweeper'))) as { listed: number; removed: string[]; young: number };
    // A day's grace: the orphan made a moment ago stays, like everything else.
    assert.deepEqual(report.removed, []);
    assert.equal(report.young, report.listed);
    assert.ok(report.listed >= 3);
  });

  test('retention: the write bundle stores rules and plans; the scheduled retention bundle removes the dev build and counts it', async () => {
    const dev = { filename: wheelFilename({ name: 'bundled', version: '1.1.dev1' }), bytes: buildWheel({ name: 'bundled', version: '1.1.dev1' }) };
    const form = new FormData();
    for (const [k, v] of Object.entries({
      ':action': 'file_upload', protocol_version: '1', name: 'bundled', version: '1.1.dev1', filetype: 'bdist_wheel',
      pyversion: 'py3', metadata_version: '2.1', sha256_digest: sha256(dev.bytes),
    })) form.append(k, v);
    form.append('content', new Blob([dev.bytes]), dev.filename);
    const request = new Request('http://x/', { method: 'POST', body: form });
    const uploaded = await http('write')(
      event('POST', '/legacy/', {
        headers: { authorization: `Bearer ${uploadToken}`, 'content-type': request.headers.get('content-type')! },
        body: new Uint8Array(await request.arrayBuffer()),
      }),
      context('write'),
    );
    assert.equal(uploaded.statusCode, 200, bodyOf(uploaded));
    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const set = await http('write')(event('PUT', '/api/retention/rules', { headers: admin, body: JSON.stringify({ rules: [{ pattern: 'bundled', keepLast: 0 }] }) }), context('write'));
    assert.equal(set.statusCode, 200, bodyOf(set));
    const plan = await http('write')(event('POST', '/api/retention/plan', { headers: admin, body: '{}' }), context('write'));
    assert.equal(plan.statusCode, 200, bodyOf(plan));
    assert.deepEqual((JSON.parse(bodyOf(plan)) as { totals: unknown }).totals, { releases: 1, files: 1, bytes: dev.bytes.byteLength });

    const summary = (await handlers['retention']!({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, context('retention'))) as { releases: number; files: number; next: string | null };
    assert.equal(summary.releases, 1);
    assert.equal(summary.files, 1);
    assert.equal(summary.next, null);
    const page = await http('read')(event('GET', '/simple/bundled/', { headers: { authorization: `Bearer ${uploadToken}`, accept: 'application/vnd.pypi.simple.v1+json' } }), context('read'));
    const names = (JSON.parse(bodyOf(page)) as { files: { filename: string }[] }).files.map((f) => f.filename);
    assert.ok(!names.includes(dev.filename), `${dev.filename} is still listed`);
    assert.ok(names.includes(wheel.filename), 'the final release stays');
    await assert.rejects(clients.s3.send(new HeadObjectCommand({ Bucket: stores.bucketName, Key: distributionKey('bundled', sha256(dev.bytes), dev.filename) })));
  });
});
