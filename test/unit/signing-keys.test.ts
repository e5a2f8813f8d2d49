/**
 * The signing key of download URLs: its rotation (create, store pending, promote, and delete
 * a replaced key only once every URL it signed has expired), and the read function's
 * credentials over a fake secret store (read once, re-read on refresh, fall back to the role).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SigningCredentials } from '../../lambdas/adapters/signing-credentials.ts';
import { S3UrlSigner } from '../../lambdas/adapters/s3-url-signer.ts';
import { Downloads } from '../../lambdas/app/downloads.ts';
import type { AccessKeySummary, AccessKeys, SecretStage, SigningSecret } from '../../lambdas/app/signing-key-ports.ts';
import { retireSigningKeys, RotationTooSoonError, SigningKeyRotation } from '../../lambdas/app/signing-key-rotation.ts';
import { answerCloudFormation } from '../../lambdas/adapters/cloudformation-response.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { formatSigningKey, parseSigningKey, type SigningKey } from '../../lambdas/core/signing-key.ts';

const DAY = 86_400_000;
const GRACE_SECONDS = 2 * 86_400 + 3600;

class FakeIam implements AccessKeys {
  keys: (AccessKeySummary & { secret: string })[] = [];
  private n = 0;
  constructor(private readonly now: () => number) {}
  async list(): Promise<AccessKeySummary[]> {
    return this.keys.map(({ accessKeyId, createdAt }) => ({ accessKeyId, createdAt }));
  }
  async create(): Promise<SigningKey> {
    if (this.keys.length >= 2) throw new Error('LimitExceeded: two access keys per user');
    const key = { accessKeyId: `AKIA${++this.n}`, secret: `secret-${this.n}`, createdAt: new Date(this.now()) };
    this.keys.push(key);
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secret, createdAt: key.createdAt.toISOString() };
  }
  async delete(id: string): Promise<void> {
    this.keys = this.keys.filter((k) => k.accessKeyId !== id);
  }
}

class FakeSecret implements SigningSecret {
  readonly texts = new Map<string, string>([['v0', '{}']]);
  readonly stages = new Map<string, string[]>([['v0', ['AWSCURRENT']]]);
  async get(stage: SecretStage, versionId?: string): Promise<string | undefined> {
    const id = versionId ?? [...this.stages].find(([, s]) => s.includes(stage))?.[0];
    return id && this.stages.get(id)?.includes(stage) ? this.texts.get(id) : undefined;
  }
  async versions(): Promise<Record<string, readonly string[]>> {
    return Object.fromEntries(this.stages);
  }
  async putPending(versionId: string, text: string): Promise<void> {
    for (const s of this.stages.values()) if (s.includes('AWSPENDING')) s.splice(s.indexOf('AWSPENDING'), 1);
    this.texts.set(versionId, text);
    this.stages.set(versionId, ['AWSPENDING']);
  }
  async promote(versionId: string, from: string | undefined): Promise<void> {
    if (from) this.stages.set(from, ['AWSPREVIOUS']);
    this.stages.set(versionId, ['AWSCURRENT']);
  }
  current(): SigningKey | undefined {
    return parseSigningKey([...this.stages].filter(([, s]) => s.includes('AWSCURRENT')).map(([id]) => this.texts.get(id))[0]);
  }
}

function setup() {
  let now = Date.UTC(2026, 11, 1);
  const iam = new FakeIam(() => now);
  const secret = new FakeSecret();
  const rotation = new SigningKeyRotation(iam, secret, GRACE_SECONDS, () => now);
  const rotate = async (versionId: string) => {
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await rotation.run(step, versionId);
  };
  return { iam, secret, rotation, rotate, advance: (ms: number) => (now += ms) };
}

describe('signing key rotation', () => {
  test('the first rotation creates a key, stores it pending, then promotes it to current', async () => {
    const { iam, secret, rotation } = setup();
    await rotation.run('createSecret', 'v1');
    assert.equal(iam.keys.length, 1);
    assert.deepEqual(secret.stages.get('v1'), ['AWSPENDING']);
    assert.equal(secret.current(), undefined, 'not current before finishSecret');
    await rotation.run('setSecret', 'v1');
    await rotation.run('testSecret', 'v1');
    await rotation.run('finishSecret', 'v1');
    assert.equal(secret.current()?.accessKeyId, iam.keys[0]!.accessKeyId);
  });

  test('every step is idempotent: a retried createSecret makes no second key', async () => {
    const { iam, rotation, rotate } = setup();
    await rotation.run('createSecret', 'v1');
    await rotation.run('createSecret', 'v1');
    assert.equal(iam.keys.length, 1);
    await rotate('v1');
    await rotation.run('finishSecret', 'v1');
    assert.equal(iam.keys.length, 1);
  });

  test('the replaced key survives the next rotation: both keys live while its URLs may', async () => {
    const { iam, secret, rotate, advance } = setup();
    await rotate('v1');
    const first = secret.current()!.accessKeyId;
    advance(30 * DAY);
    await rotate('v2');
    assert.deepEqual(iam.keys.map((k) => k.accessKeyId).sort(), [first, secret.current()!.accessKeyId].sort());
    assert.notEqual(secret.current()!.accessKeyId, first);
  });

  test('the oldest key is deleted only once its successor is older than the URL lifetime (plus refresh)', async () => {
    const { iam, secret, rotate, advance } = setup();
    await rotate('v1');
    const first = secret.current()!.accessKeyId;
    advance(30 * DAY);
    await rotate('v2');
    const second = secret.current()!.accessKeyId;
    // Too soon: URLs signed with the first key just before v2 became current live 2 days.
    advance(2 * DAY);
    await assert.rejects(rotate('v3'), RotationTooSoonError);
    assert.ok(iam.keys.some((k) => k.accessKeyId === first), 'the first key was kept');
    assert.equal(secret.current()!.accessKeyId, second, 'the failed rotation changed nothing');
    advance(3600_000 + 1000);
    await rotate('v3');
    assert.ok(!iam.keys.some((k) => k.accessKeyId === first), 'the first key is gone');
    assert.ok(iam.keys.some((k) => k.accessKeyId === second), 'the second key stays: its URLs are live');
    assert.equal(iam.keys.length, 2);
  });

  test('a key left behind by a rotation that failed before storing it is deleted at once', async () => {
    const { iam, secret, rotate } = setup();
    await iam.create(); // created, never stored: nothing ever signed with it
    await rotate('v1');
    assert.equal(iam.keys.length, 1);
    assert.equal(iam.keys[0]!.accessKeyId, secret.current()!.accessKeyId);
  });
});

describe('signing keys when the stack is deleted', () => {
  test('every key of the signing user is deleted, current and replaced alike', async () => {
    const { iam, rotate, advance } = setup();
    await rotate('v1');
    advance(31 * DAY);
    await rotate('v2');
    assert.equal(iam.keys.length, 2);
    const logged: string[] = [];
    assert.equal(await retireSigningKeys(iam, (message) => logged.push(message)), 2);
    assert.deepEqual(iam.keys, []);
    assert.equal(logged.length, 2);
    assert.equal(await retireSigningKeys(iam), 0, 'a retried delete finds nothing left');
  });

  test('the custom resource answers CloudFormation at its response URL, with no content type', async () => {
    const received: { method?: string; contentType?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ ...(req.method ? { method: req.method } : {}), ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}), body });
        res.writeHead(received.length === 1 ? 200 : 403).end('denied');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const event = {
        RequestType: 'Delete',
        ResponseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/presigned?X-Amz-Signature=x`,
        StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/wharf/1',
        RequestId: 'req-1',
        LogicalResourceId: 'KeysCleanup',
        PhysicalResourceId: 'user-access-keys',
        ResourceType: 'Custom::WharfSigningKeys',
        ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:rotation',
        ResourceProperties: { ServiceToken: 'x' },
      } as CloudFormationCustomResourceEvent;
      await answerCloudFormation(event, { status: 'SUCCESS', reason: 'Deleted 2 access key(s).', physicalResourceId: 'user-access-keys' });
      assert.equal(received[0]!.method, 'PUT');
      assert.ok(!received[0]!.contentType, `no content type, got ${received[0]!.contentType}`);
      assert.deepEqual(JSON.parse(received[0]!.body), {
        Status: 'SUCCESS',
        Reason: 'Deleted 2 access key(s).',
        PhysicalResourceId: 'user-access-keys',
        StackId: event.StackId,
        RequestId: 'req-1',
        LogicalResourceId: 'KeysCleanup',
      });
      await assert.rejects(answerCloudFormation(event, { status: 'FAILED', reason: 'x', physicalResourceId: 'p' }), /answered 403/);
    } finally {
      server.close();
    }
  });
});

describe('signing credentials (read function)', () => {
  const key = (id: string): string => formatSigningKey({ accessKeyId: id, secretAccessKey: `s-${id}`, createdAt: '2026-12-01T00:00:00Z' });
  const role = async () => ({ accessKeyId: 'ASIAROLE', secretAccessKey: 'role', sessionToken: 'token' });

  test('reads the secret once, serves from memory, re-reads after the refresh interval', async () => {
    let text: string | undefined = key('AKIA1');
    let reads = 0;
    let now = Date.parse('2026-12-02T00:00:00Z');
    const credentials = new SigningCredentials({ secret: { currentText: async () => (reads++, text) }, fallback: role, refreshSeconds: 3600, now: () => now });
    assert.equal((await credentials.provider()).accessKeyId, 'AKIA1');
    await Promise.all([credentials.provider(), credentials.provider()]);
    assert.equal(reads, 1);
    text = key('AKIA2');
    now += 3599_000;
    assert.equal((await credentials.provider()).accessKeyId, 'AKIA1');
    now += 1000;
    assert.equal((await credentials.provider()).accessKeyId, 'AKIA2');
    assert.equal(reads, 2);
  });

  test('with no key in the secret yet, the role credentials; a failed read keeps the key read before', async () => {
    let text: string | undefined = '{}';
    let fail = false;
    let now = Date.parse('2026-12-02T00:00:00Z');
    const credentials = new SigningCredentials({
      secret: { currentText: async () => { if (fail) throw new Error('throttled'); return text; } },
      fallback: role,
      refreshSeconds: 60,
      now: () => now,
    });
    assert.equal((await credentials.provider()).accessKeyId, 'ASIAROLE');
    text = key('AKIA1');
    now += 60_000;
    assert.equal((await credentials.provider()).accessKeyId, 'AKIA1');
    fail = true;
    now += 60_000;
    assert.equal((await credentials.provider()).accessKeyId, 'AKIA1');
  });

  test('a key IAM made seconds ago is not used yet: the one before signs until it settles', async () => {
    let now = Date.parse('2026-12-01T00:00:00Z') + 3 * 86_400_000;
    let text = key('AKIAOLD');
    const credentials = new SigningCredentials({ secret: { currentText: async () => text }, fallback: role, refreshSeconds: 3600, now: () => now });
    assert.equal((await credentials.provider()).accessKeyId, 'AKIAOLD');
    text = formatSigningKey({ accessKeyId: 'AKIANEW', secretAccessKey: 's', createdAt: new Date(now + 3600_000 - 5000).toISOString() });
    now += 3600_000;
    assert.equal((await credentials.provider()).accessKeyId, 'AKIAOLD', '5 s old: not yet');
    now += 60_000;
    assert.equal((await credentials.provider()).accessKeyId, 'AKIANEW', 'read again a minute later, not an hour');
  });

  test('URLs signed with the key carry no session token and live two signing windows', async () => {
    const credentials = new SigningCredentials({ secret: { currentText: async () => key('AKIAUSER') }, fallback: role, refreshSeconds: 3600 });
    const signer = new S3UrlSigner({ bucketName: 'files', region: 'eu-west-1', credentials: credentials.provider });
    const url = new URL(await new Downloads(signer, { signingWindowSeconds: 86_400 }, () => Date.UTC(2026, 11, 1, 15)).presignedKey('files/p/x/p-1.whl'));
    assert.match(url.searchParams.get('X-Amz-Credential') ?? '', /^AKIAUSER\//);
    assert.equal(url.searchParams.get('X-Amz-Security-Token'), null);
    assert.equal(url.searchParams.get('X-Amz-Expires'), '172800');
    assert.equal(url.searchParams.get('X-Amz-Date'), '20261201T000000Z');
  });
});
