/**
 * Publishing from AWS with an IAM role, end to end: a local Wharf that sends GetCallerIdentity
 * requests to a fake STS on loopback (test/support/fake-sts.ts, which checks SigV4 as STS
 * does), the real CLI signing with credentials from the environment as a CodeBuild job has
 * them, and every way a request can be wrong, each refused with its reason and no token
 * minted. Projects: wharf-awsp-* (no other test uses them).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { fetchAwsSigningInfo, signCallerIdentityRequest, type AwsSigningInfo } from '../../lambdas/cli/aws-exchange.ts';
import { checkStsRequest, type StsRequestInput } from '../../lambdas/core/aws-sts-request.ts';
import { StsCallerIdentity, StsUnavailableError } from '../../lambdas/adapters/sts-caller-identity.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeBigWheel } from '../support/big-wheel.ts';
import { startFakeSts, type FakeSession, type FakeSts } from '../support/fake-sts.ts';
import { cleanEnv, describeRun, run, type RunResult } from '../support/processes.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(REPO, 'lambdas/cli/main.ts');
const AUDIENCE = 'wharf:111122223333:eu-west-1:aws-publishers-test';
const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const PROJECT = 'wharf-awsp-app';
const RELEASE_ROLE = { account: ACCOUNT, roleName: 'release', roleId: 'AROAQWERTYUIOPASDFGHJ' };

let sts: FakeSts;
let wharf: LocalWharf;
let dir: string;
let info: AwsSigningInfo;

before(async () => {
  sts = await startFakeSts();
  wharf = await startLocalWharf({
    port: 0,
    logLevel: 'SILENT',
    oidcAudience: AUDIENCE,
    authCacheSeconds: 0,
    awsStsRegions: ['eu-west-1'],
    awsStsConnectTo: sts.url,
  });
  dir = await mkdtemp(path.join(tmpdir(), 'wharf-publish-aws-'));
  info = await fetchAwsSigningInfo(wharf.url);
});
after(async () => {
  await wharf?.close();
  await sts?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function api(method: string, pathname: string, body?: unknown, token = wharf.admin.token): Promise<{ status: number; body: any }> {
  const response = await fetch(`${wharf.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

async function listed(project: string): Promise<string[]> {
  const response = await fetch(`${wharf.url}/simple/${project}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
  if (response.status === 404) return [];
  return ((await response.json()) as { files: { filename: string }[] }).files.map((f) => f.filename);
}

function wharf_(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  const base = cleanEnv(env);
  for (const k of ['WHARF_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) if (!(k in env)) delete base[k];
  return run('npx', ['tsx', CLI, ...args], { env: base, cwd: REPO, timeoutMs: 120_000 });
}

/** The environment a CodeBuild job (or any job with a role's session) has. */
function awsEnv(session: FakeSession, region = 'eu-west-1'): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: session.accessKeyId,
    AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
    AWS_SESSION_TOKEN: session.sessionToken,
    AWS_REGION: region,
    // No shared files: only the environment's credentials.
    AWS_CONFIG_FILE: path.join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function tokenCount(): Promise<number> {
  const r = await api('GET', '/api/tokens');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.tokens as unknown[]).length;
}

async function exchange(request: StsRequestInput | Record<string, unknown>): Promise<{ status: number; body: any }> {
  const response = await fetch(`${wharf.url}/_/aws/mint-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  return { status: response.status, body: await response.json() };
}

function creds(s: FakeSession) {
  return { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken };
}

/** A request signed for this index by `session`, with `info` changed as given before signing. */
function signed(session: FakeSession, options: { region?: string; date?: Date; info?: Partial<AwsSigningInfo> } = {}): Promise<StsRequestInput> {
  return signCallerIdentityRequest({ ...info, ...options.info }, creds(session), options.region, options.date);
}

/** Refused with `code`, a description matching `reason`, no token minted, and (when said) STS never asked. */
async function refused(request: StsRequestInput | Record<string, unknown>, code: string, reason: RegExp, stsAsked?: boolean): Promise<void> {
  const tokens = await tokenCount();
  const asked = sts.received.length;
  const r = await exchange(request);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.errors[0].code, code, JSON.stringify(r.body));
  assert.match(r.body.errors[0].description, reason);
  assert.equal(r.body.token, undefined);
  assert.equal(await tokenCount(), tokens, 'no token was minted');
  if (stsAsked !== undefined) assert.equal(sts.received.length > asked, stsAsked, stsAsked ? 'the request went to STS' : 'the request never left Wharf');
}

describe('wharf publish --aws', () => {
  test('a CodeBuild job with the role in its environment mints a token and publishes; the first use pins the role id', async () => {
    const first = await writeBigWheel(dir, { name: PROJECT, version: '1.0', payloadBytes: 1000 });
    const created = await wharf_(['publish', '--url', wharf.url, first.path], { WHARF_TOKEN: wharf.admin.token });
    assert.equal(created.code, 0, describeRun(created));

    const help = await wharf_(['publisher', 'add', '--help']);
    assert.match(help.stdout, /--role-arn ARN/);
    const added = await wharf_(
      ['publisher', 'add', '--provider', 'aws', '--project', PROJECT, '--role-arn', `arn:aws:iam::${ACCOUNT}:role/ci/release`, '--url', wharf.url, '--token', wharf.admin.token],
    );
    assert.equal(added.code, 0, describeRun(added));
    assert.match(added.stdout, /Added trusted publisher [0-9a-f]{16} for wharf-awsp-app/);
    assert.match(added.stdout, /arn:aws:iam::111122223333:role\/ci\/release, role id pinned on first use/);

    const session = sts.session(RELEASE_ROLE, 'build-42');
    const wheel = await writeBigWheel(dir, { name: PROJECT, version: '2.0', payloadBytes: 2000 });
    const published = await wharf_(['publish', '--aws', '--url', `${wharf.url}/simple/`, wheel.path], awsEnv(session));
    assert.equal(published.code, 0, describeRun(published));
    assert.match(published.stdout, /with trusted publishing \(AWS IAM role\)/);
    assert.match(published.stdout, /1 published, 0 already there, 0 skipped, 0 failed/);
    assert.ok((await listed(PROJECT)).includes(wheel.filename));
    // AWS_REGION=eu-west-1, which the index takes: signed for the regional endpoint.
    assert.equal(sts.received.at(-1)?.host, 'sts.eu-west-1.amazonaws.com');

    const publishers = await api('GET', '/api/publishers/aws');
    assert.equal(publishers.body.publishers.length, 1);
    assert.equal(publishers.body.publishers[0].roleId, RELEASE_ROLE.roleId, 'the first use pinned the role id');
    const tokens = (await api('GET', '/api/tokens')).body.tokens as { description: string; scopes: string[]; createdBy: string }[];
    const minted = tokens.find((t) => t.createdBy === `aws:${session.arn}`);
    assert.ok(minted, 'the minted token names the role session');
    assert.deepEqual(minted.scopes, [`upload:${PROJECT}`]);

    const list = await wharf_(['publisher', 'list', '--url', wharf.url, '--token', wharf.admin.token]);
    assert.equal(list.code, 0, describeRun(list));
    assert.match(list.stdout, new RegExp(`${PROJECT}\\s+arn:aws:iam::${ACCOUNT}:role/ci/release\\s+${RELEASE_ROLE.roleId}`));
  });

  test('in a region the index does not take, the job signs for the global endpoint', async () => {
    const session = sts.session(RELEASE_ROLE);
    const wheel = await writeBigWheel(dir, { name: PROJECT, version: '2.1', payloadBytes: 1000 });
    const published = await wharf_(['publish', '--aws', '--url', wharf.url, wheel.path], awsEnv(session, 'ap-southeast-2'));
    assert.equal(published.code, 0, describeRun(published));
    assert.equal(sts.received.at(-1)?.host, 'sts.amazonaws.com');
  });

  test('a role no publisher names is refused with the reason, and nothing is published', async () => {
    const session = sts.session({ account: ACCOUNT, roleName: 'deploy' });
    const wheel = await writeBigWheel(dir, { name: PROJECT, version: '3.0', payloadBytes: 1000 });
    const published = await wharf_(['publish', '--aws', '--url', wharf.url, wheel.path], awsEnv(session));
    assert.equal(published.code, 1, describeRun(published));
    assert.match(published.stderr, /invalid-publisher: valid identity, but no corresponding publisher: no project trusts role deploy of account 111122223333/);
    assert.match(published.stderr, /role deploy is not release/);
    assert.ok(!(await listed(PROJECT)).includes(wheel.filename));
  });

  test('without AWS credentials it says where they are looked for', async () => {
    const wheel = await writeBigWheel(dir, { name: PROJECT, version: '3.1', payloadBytes: 1000 });
    const published = await wharf_(['publish', '--aws', '--url', wharf.url, wheel.path], {
      AWS_CONFIG_FILE: path.join(dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
    });
    assert.equal(published.code, 1, describeRun(published));
    assert.match(published.stderr, /No AWS credentials found/);
  });
});

describe('the exchange refuses every mismatch with its reason, minting nothing', () => {
  test('a valid request mints once; the same signed request again is a replay', async () => {
    const request = await signed(sts.session(RELEASE_ROLE));
    const tokens = await tokenCount();
    const first = await exchange(request);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.projects, [PROJECT]);
    assert.equal(await tokenCount(), tokens + 1);
    await refused(request, 'invalid-reuse-token', /exchanged before/);
  });

  test('two exchanges of one signed request at once: exactly one mints', async () => {
    const request = await signed(sts.session(RELEASE_ROLE));
    const answers = await Promise.all([exchange(request), exchange(request), exchange(request)]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 422, 422]);
  });

  test('another role, another account, a re-created role (other unique id), an IAM user', async () => {
    await refused(await signed(sts.session({ account: ACCOUNT, roleName: 'deploy' })), 'invalid-publisher', /role deploy is not release/, true);
    await refused(
      await signed(sts.session({ account: OTHER_ACCOUNT, roleName: 'release' })),
      'invalid-publisher',
      /no project trusts role release of account 444455556666/,
      true,
    );
    await refused(
      await signed(sts.session({ account: ACCOUNT, roleName: 'release', roleId: 'AROAZXCVBNMLKJHGFDSAQ' })),
      'invalid-publisher',
      /role id AROAZXCVBNMLKJHGFDSAQ is not AROAQWERTYUIOPASDFGHJ: the role release was deleted and created again/,
      true,
    );
    const user = sts.user(ACCOUNT, 'ci-bot');
    const byUser = await signCallerIdentityRequest(info, { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }, undefined);
    await refused(byUser, 'invalid-identity', /arn:aws:iam::111122223333:user\/ci-bot, an IAM user.*Wharf trusts IAM roles only/, true);
  });

  test('X-Wharf-Server-ID missing, wrong, or added after signing', async () => {
    const session = sts.session(RELEASE_ROLE);
    await refused(await signed(session, { info: { header: 'x-other-header' } }), 'invalid-request', /x-wharf-server-id header is not signed/, false);
    await refused(await signed(session, { info: { serverId: 'wharf:999999999999:us-east-1:other' } }), 'invalid-request', /is "wharf:999999999999:us-east-1:other", not this index's/, false);
    const unsignedHeader = await signed(session, { info: { header: 'x-other-header' } });
    await refused({ ...unsignedHeader, headers: { ...unsignedHeader.headers, 'x-wharf-server-id': AUDIENCE } }, 'invalid-request', /header is not signed/, false);
  });

  test('unsigned, wrongly signed or altered requests: Wharf or STS refuses them', async () => {
    const session = sts.session(RELEASE_ROLE);
    const good = await signed(session);
    const { authorization: _a, ...unsigned } = good.headers;
    await refused({ ...good, headers: unsigned }, 'invalid-request', /not signed: it has no Authorization header/, false);
    const forged = good.headers['authorization']!.replace(/Signature=[0-9a-f]+/, `Signature=${'0'.repeat(64)}`);
    await refused({ ...good, headers: { ...good.headers, authorization: forged } }, 'invalid-identity', /STS refused the signed request \(403 SignatureDoesNotMatch/, true);
    // A signed header changed after signing (the date by a second: still fresh).
    const altered = await signed(session);
    const later = altered.headers['x-amz-date']!.replace(/(\d\d)Z$/, (_, s: string) => `${String((Number(s) + 1) % 60).padStart(2, '0')}Z`);
    await refused({ ...altered, headers: { ...altered.headers, 'x-amz-date': later } }, 'invalid-identity', /SignatureDoesNotMatch/, true);
    // Another role's session token with this key.
    const other = sts.session(RELEASE_ROLE);
    const swapped = await signed(session);
    await refused({ ...swapped, headers: { ...swapped.headers, 'x-amz-security-token': other.sessionToken } }, 'invalid-identity', /InvalidClientTokenId/, true);
  });

  test('expired: signed too long ago (Wharf), or with credentials STS says expired', async () => {
    const session = sts.session(RELEASE_ROLE);
    await refused(await signed(session, { date: new Date(Date.now() - 10 * 60_000) }), 'invalid-request', /The signature expired: signed (59\d|60\d) s ago/, false);
    await refused(await signed(session, { date: new Date(Date.now() + 10 * 60_000) }), 'invalid-request', /signed (59\d|60\d) s in the future/, false);
    const ended = sts.session(RELEASE_ROLE);
    sts.expire(ended);
    await refused(await signed(ended), 'invalid-identity', /ExpiredToken/, true);
  });

  test('aimed at another host, or asking for another action: never forwarded', async () => {
    const session = sts.session(RELEASE_ROLE);
    const good = await signed(session);
    const evil = { ...good, url: 'https://evil.example.com/', headers: { ...good.headers, host: 'evil.example.com' } };
    await refused(evil, 'invalid-request', /only to https:\/\/sts.amazonaws.com\/.*not to https:\/\/evil.example.com\//, false);
    await refused({ ...good, headers: { ...good.headers, host: 'evil.example.com' } }, 'invalid-request', /Host header \(evil.example.com\) must name the host of the URL/, false);
    await refused({ ...good, url: 'http://sts.amazonaws.com/' }, 'invalid-request', /only to https:/, false);
    await refused({ ...good, url: 'https://sts.amazonaws.com:8443/' }, 'invalid-request', /only to https:/, false);
    await refused({ ...good, url: 'https://sts.us-west-2.amazonaws.com/', headers: { ...good.headers, host: 'sts.us-west-2.amazonaws.com' } }, 'invalid-request', /not to https:\/\/sts.us-west-2/, false);
    await refused({ ...good, url: 'https://sts.amazonaws.com/?Action=GetCallerIdentity' }, 'invalid-request', /no path or query/, false);
    await refused({ ...good, body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::111122223333:role/admin' }, 'invalid-request', /exactly "Action=GetCallerIdentity&Version=2011-06-15"/, false);
    await refused({ ...good, method: 'GET' }, 'invalid-request', /GetCallerIdentity is sent as POST/, false);
    // Signed for the global endpoint's region but sent to a regional one.
    const regional = await signed(session, { region: 'eu-west-1' });
    await refused({ ...regional, url: 'https://sts.amazonaws.com/', headers: { ...regional.headers, host: 'sts.amazonaws.com' } }, 'invalid-request', /scoped to eu-west-1\/sts: a request to sts.amazonaws.com is signed for us-east-1/, false);
  });

  test('bad payloads: not JSON, unknown fields, too large', async () => {
    const notJson = await fetch(`${wharf.url}/_/aws/mint-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'nope' });
    assert.equal(notJson.status, 422);
    assert.match(((await notJson.json()) as any).errors[0].description, /not JSON/);
    await refused({ ...(await signed(sts.session(RELEASE_ROLE))), extra: 1 }, 'invalid-payload', /Unknown field\(s\) extra/, false);
    const huge = await signed(sts.session(RELEASE_ROLE));
    await refused({ ...huge, headers: { ...huge.headers, 'x-padding': 'x'.repeat(40_000) } }, 'invalid-payload', /larger than 32768 bytes/, false);
  });

  test('the admin API: adding with another role id is refused; IAM users and role sessions are not publishers', async () => {
    const conflict = await api('POST', '/api/publishers/aws', { project: PROJECT, roleArn: `arn:aws:iam::${ACCOUNT}:role/ci/release`, roleId: 'AROAZXCVBNMLKJHGFDSAQ' });
    assert.equal(conflict.status, 400, JSON.stringify(conflict.body));
    assert.match(conflict.body.error, /exists with role id AROAQWERTYUIOPASDFGHJ, not AROAZXCVBNMLKJHGFDSAQ/);
    const user = await api('POST', '/api/publishers/aws', { project: PROJECT, roleArn: `arn:aws:iam::${ACCOUNT}:user/ci-bot` });
    assert.equal(user.status, 400);
    assert.match(user.body.error, /is an IAM user: Wharf trusts IAM roles only/);
    const session = await api('POST', '/api/publishers/aws', { project: PROJECT, roleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/release/build-1` });
    assert.equal(session.status, 400);
    assert.match(session.body.error, /is a role session, not the role: give the role's ARN, arn:aws:iam::111122223333:role\/release/);
    const gitHubList = await api('GET', '/api/publishers');
    assert.deepEqual(gitHubList.body.publishers, [], 'AWS publishers are not listed as GitHub ones');
  });

  test('a publisher added with its role id refuses any other role id from the first use, and removing it stops it', async () => {
    const project = 'wharf-awsp-pinned';
    const first = await writeBigWheel(dir, { name: project, version: '1.0', payloadBytes: 1000 });
    assert.equal((await wharf_(['publish', '--url', wharf.url, first.path], { WHARF_TOKEN: wharf.admin.token })).code, 0);
    const role = { account: ACCOUNT, roleName: 'Builder', roleId: 'AROAPINNEDPINNEDPINNE' };
    const added = await api('POST', '/api/publishers/aws', { project, roleArn: `arn:aws:iam::${ACCOUNT}:role/builder`, roleId: role.roleId });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    await refused(await signed(sts.session({ ...role, roleId: 'AROAIMPOSTORIMPOSTORI' })), 'invalid-publisher', /role id AROAIMPOSTORIMPOSTORI is not AROAPINNEDPINNEDPINNE/, true);
    // IAM compares role names without case.
    const ok = await exchange(await signed(sts.session(role)));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.projects, [project]);

    const removed = await wharf_(['publisher', 'remove', added.body.id, '--url', wharf.url, '--token', wharf.admin.token]);
    assert.equal(removed.code, 0, describeRun(removed));
    assert.match(removed.stdout, /Removed trusted publisher/);
    await refused(await signed(sts.session(role)), 'invalid-publisher', /no project trusts role Builder/, true);
  });
});

describe('STS that cannot answer', () => {
  test('down, failing or throttling: StsUnavailableError (a 503 to the caller), never a refusal', async () => {
    const checked = checkStsRequest(await signed(sts.session(RELEASE_ROLE)), { regions: [] }, AUDIENCE, Date.now());
    let status = 500;
    let body = '';
    const failing = createServer((_req, res) => res.writeHead(status, { 'content-type': 'text/xml' }).end(body));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
    try {
      await assert.rejects(new StsCallerIdentity({ connectTo: url }).callerIdentity(checked), StsUnavailableError);
      status = 400;
      body = '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>';
      await assert.rejects(new StsCallerIdentity({ connectTo: url }).callerIdentity(checked), /could not answer \(400 Throttling\)/);
      status = 200;
      body = 'not xml';
      await assert.rejects(new StsCallerIdentity({ connectTo: url }).callerIdentity(checked), /answered 200 without a caller identity/);
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
    await assert.rejects(new StsCallerIdentity({ connectTo: url, timeoutMs: 1000 }).callerIdentity(checked), /cannot be reached/);
  });
});
