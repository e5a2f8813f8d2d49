/**
 * The pure rules of publishing from AWS: role ARNs, role sessions, matching, and the checks
 * on a signed GetCallerIdentity request before Wharf sends it anywhere. Also STS's XML read
 * by the adapter. No network.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AwsIdentityError,
  matchAwsPublishers,
  parseRoleArn,
  roleArnOf,
  roleSessionOf,
  validateAwsPublisher,
} from '../../lambdas/core/aws-publisher.ts';
import { checkStsRequest, GET_CALLER_IDENTITY_BODY, parseStsRequestJson, type StsRequestInput } from '../../lambdas/core/aws-sts-request.ts';
import { parseCallerIdentity, parseStsError } from '../../lambdas/adapters/sts-caller-identity.ts';
import { signCallerIdentityRequest } from '../../lambdas/cli/aws-exchange.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const SERVER_ID = 'wharf:111122223333:eu-west-1:Wharf';
const INFO = { serverId: SERVER_ID, header: 'x-wharf-server-id', endpoints: ['https://sts.amazonaws.com/', 'https://sts.eu-west-1.amazonaws.com/'] };
const CREDS = { accessKeyId: 'ASIAEXAMPLEEXAMPLE12', secretAccessKey: 'secret', sessionToken: 'token' };
const ENDPOINTS = { regions: ['eu-west-1'] };

function session(arn = 'arn:aws:sts::111122223333:assumed-role/release/build-1', userId = 'AROAQWERTYUIOPASDFGHJ:build-1', account = '111122223333') {
  return roleSessionOf({ arn, userId, account });
}

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof AwsIdentityError && err.code === code && message.test(err.message));
}

describe('AWS publishers', () => {
  test('a role ARN with or without a path; the path is kept for display', () => {
    assert.deepEqual(parseRoleArn('arn:aws:iam::111122223333:role/release'), { partition: 'aws', account: '111122223333', rolePath: '/', roleName: 'release' });
    const p = validateAwsPublisher({ project: 'Acme_App', roleArn: 'arn:aws:iam::111122223333:role/ci/builds/release' }, 'token:x', NOW);
    assert.equal(p.project, 'acme-app');
    assert.equal(p.rolePath, '/ci/builds/');
    assert.equal(p.roleId, '');
    assert.equal(roleArnOf(p), 'arn:aws:iam::111122223333:role/ci/builds/release');
    assert.equal(p.provider, 'aws');
  });

  test('the same role for the same project is one publisher, whatever the case of its name', () => {
    const a = validateAwsPublisher({ project: 'app', roleArn: 'arn:aws:iam::111122223333:role/Release' }, 'x', NOW);
    const b = validateAwsPublisher({ project: 'app', roleArn: 'arn:aws:iam::111122223333:role/ci/release', roleId: 'AROAQWERTYUIOPASDFGHJ' }, 'y', NOW);
    const c = validateAwsPublisher({ project: 'other', roleArn: 'arn:aws:iam::111122223333:role/release' }, 'x', NOW);
    assert.equal(a.id, b.id);
    assert.notEqual(a.id, c.id);
  });

  test('what is not a role is refused with what to give instead', () => {
    const bad = (roleArn: string, roleId?: string) => () => validateAwsPublisher({ project: 'app', roleArn, ...(roleId ? { roleId } : {}) }, 'x', NOW);
    assert.throws(bad('arn:aws:iam::111122223333:user/ci-bot'), /is an IAM user: Wharf trusts IAM roles only/);
    assert.throws(bad('arn:aws:sts::111122223333:assumed-role/release/s1'), /role session, not the role: give the role's ARN, arn:aws:iam::111122223333:role\/release/);
    assert.throws(bad('arn:aws:iam::1111:role/release'), /an account id is 12 digits/);
    assert.throws(bad('arn:aws-cn:iam::111122223333:role/release'), /partition "aws-cn"/);
    assert.throws(bad('arn:aws:s3:::bucket'), /not an IAM role ARN/);
    assert.throws(bad('release'), /not a role ARN/);
    assert.throws(bad('arn:aws:iam::111122223333:role/bad name'), /not an IAM role name/);
    assert.throws(bad('arn:aws:iam::111122223333:role/release', 'AIDAUSERUSERUSERUSERU'), /not a role's unique id.*aws iam get-role --role-name release/);
    assert.throws(() => validateAwsPublisher({ project: 'not a name!', roleArn: 'arn:aws:iam::111122223333:role/r' }, 'x', NOW), /not a valid project name/);
  });

  test('a role session is read from GetCallerIdentity; users, root and federated users are refused', () => {
    assert.deepEqual(session(), {
      partition: 'aws',
      account: '111122223333',
      roleName: 'release',
      roleId: 'AROAQWERTYUIOPASDFGHJ',
      sessionName: 'build-1',
      arn: 'arn:aws:sts::111122223333:assumed-role/release/build-1',
    });
    rejects(() => session('arn:aws:iam::111122223333:user/ci-bot', 'AIDAXXXXXXXXXXXXXXXXX'), 'invalid-identity', /an IAM user/);
    rejects(() => session('arn:aws:iam::111122223333:root', '111122223333'), 'invalid-identity', /root user/);
    rejects(() => session('arn:aws:sts::111122223333:federated-user/bob', '111122223333:bob'), 'invalid-identity', /federated user/);
    rejects(() => session(undefined, 'AROAQWERTYUIOPASDFGHJ:other-session'), 'invalid-identity', /inconsistent/);
    rejects(() => session(undefined, undefined, '444455556666'), 'invalid-identity', /inconsistent/);
  });

  test('matching: account, role name (without case), and the role id once pinned', () => {
    const unpinned = validateAwsPublisher({ project: 'app', roleArn: 'arn:aws:iam::111122223333:role/ci/Release' }, 'x', NOW);
    const pinned = validateAwsPublisher({ project: 'pinned', roleArn: 'arn:aws:iam::111122223333:role/release', roleId: 'AROAQWERTYUIOPASDFGHJ' }, 'x', NOW);
    assert.deepEqual(matchAwsPublishers([unpinned, pinned], session()).map((p) => p.project), ['app', 'pinned']);
    const recreated = session(undefined, 'AROANEWNEWNEWNEWNEWNE:build-1');
    assert.deepEqual(matchAwsPublishers([unpinned, pinned], recreated).map((p) => p.project), ['app']);
    rejects(() => matchAwsPublishers([pinned], recreated), 'invalid-publisher', /role id AROANEWNEWNEWNEWNEWNE is not AROAQWERTYUIOPASDFGHJ: the role release was deleted and created again/);
    rejects(() => matchAwsPublishers([pinned], session('arn:aws:sts::111122223333:assumed-role/deploy/s', 'AROAQWERTYUIOPASDFGHJ:s')), 'invalid-publisher', /role deploy is not release/);
    rejects(() => matchAwsPublishers([], session()), 'invalid-publisher', /no project trusts role release of account 111122223333.*wharf publisher add --provider aws/);
  });
});

describe('the signed GetCallerIdentity request', () => {
  async function good(overrides: { region?: string; date?: Date } = {}): Promise<StsRequestInput> {
    return signCallerIdentityRequest(INFO, CREDS, overrides.region, overrides.date ?? NOW);
  }
  const check = (input: StsRequestInput, now = NOW.getTime()) => checkStsRequest(input, ENDPOINTS, SERVER_ID, now);

  test('a request the client signed passes, and only its signed headers, Authorization and the token go on', async () => {
    const input = await good();
    const checked = check({ ...input, headers: { ...input.headers, 'user-agent': 'curl', 'x-forwarded-for': '10.0.0.1' } });
    assert.equal(checked.url, 'https://sts.amazonaws.com/');
    assert.equal(checked.region, 'us-east-1');
    assert.equal(checked.body, GET_CALLER_IDENTITY_BODY);
    assert.deepEqual(Object.keys(checked.headers).sort(), ['authorization', 'content-length', 'content-type', 'host', 'x-amz-date', 'x-amz-security-token', 'x-wharf-server-id']);
    assert.match(checked.signatureHash, /^[0-9a-f]{64}$/);
    const regional = check(await good({ region: 'eu-west-1' }));
    assert.equal(regional.host, 'sts.eu-west-1.amazonaws.com');
  });

  test('freshness: up to five minutes either way', async () => {
    const input = await good();
    check(input, NOW.getTime() + 299_000);
    rejects(() => check(input, NOW.getTime() + 301_000), 'invalid-request', /signature expired: signed 301 s ago/);
    rejects(() => check(input, NOW.getTime() - 301_000), 'invalid-request', /301 s in the future/);
  });

  test('every header rule', async () => {
    const input = await good();
    const h = input.headers;
    const withHeaders = (headers: Record<string, string>) => ({ ...input, headers });
    rejects(() => check(withHeaders({ ...h, Host: 'sts.amazonaws.com' })), 'invalid-request', /host is given twice/);
    rejects(() => check(withHeaders({ ...h, 'content-type': 'application/json' })), 'invalid-request', /Content-Type must be/);
    rejects(() => check(withHeaders({ ...h, 'content-length': '999' })), 'invalid-request', /Content-Length 999/);
    rejects(() => check(withHeaders({ ...h, authorization: 'AWS4-HMAC-SHA256 Credential=x' })), 'invalid-request', /needs Credential/);
    rejects(() => check(withHeaders({ ...h, authorization: 'Bearer x' })), 'invalid-request', /not an AWS4-HMAC-SHA256 signature/);
    rejects(() => check(withHeaders({ ...h, 'x-wharf-server-id': 'a\r\nb' })), 'invalid-request', /other than printable ASCII/);
    rejects(() => check(withHeaders({ ...h, 'x-amz-security-token': 'tok\u00e9n' })), 'invalid-request', /x-amz-security-token .*other than printable ASCII/);
    const { 'x-amz-date': _d, ...noDate } = h;
    rejects(() => check(withHeaders(noDate)), 'invalid-request', /signed header x-amz-date is missing/);
    const hop = h['authorization']!.replace('SignedHeaders=', 'SignedHeaders=connection;');
    rejects(() => check(withHeaders({ ...h, connection: 'close', authorization: hop })), 'invalid-request', /connection cannot be signed/);
    rejects(() => check(withHeaders({ ...h, authorization: h['authorization']!.replace('/sts/', '/iam/') })), 'invalid-request', /scoped to us-east-1\/iam/);
  });

  test('the JSON shape', () => {
    const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    rejects(() => parseStsRequestJson(json([])), 'invalid-payload', /not a JSON object/);
    rejects(() => parseStsRequestJson(json({ method: 'POST', url: 'x', body: 'b', headers: { a: 1 } })), 'invalid-payload', /Header "a" must be a string/);
    rejects(() => parseStsRequestJson(json({ method: 'POST', url: 'x', body: 'b' })), 'invalid-payload', /"headers" must be an object/);
    rejects(() => parseStsRequestJson(json({ method: 'POST', url: 'x', body: 'b', headers: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`h${i}`, 'v'])) })), 'invalid-payload', /More than 32 headers/);
    rejects(() => parseStsRequestJson(new Uint8Array([0xff, 0xfe])), 'invalid-payload', /not JSON/);
  });
});

describe("STS's answers", () => {
  test('GetCallerIdentity XML, with entities', () => {
    const xml = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::111122223333:assumed-role/release/a&amp;b</Arn>
    <UserId>AROAQWERTYUIOPASDFGHJ:a&amp;b</UserId>
    <Account>111122223333</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;
    assert.deepEqual(parseCallerIdentity(xml), { arn: 'arn:aws:sts::111122223333:assumed-role/release/a&b', userId: 'AROAQWERTYUIOPASDFGHJ:a&b', account: '111122223333' });
    assert.equal(parseCallerIdentity('<ErrorResponse/>'), undefined);
    assert.equal(parseCallerIdentity(xml.replace('<Arn>', '<Arn>x</Arn><Arn>')), undefined, 'two Arns: not an answer to trust');
    assert.deepEqual(parseStsError('<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>expired</Message></Error></ErrorResponse>'), {
      code: 'ExpiredToken',
      message: 'expired',
    });
  });
});
