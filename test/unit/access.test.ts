/**
 * Access control, pure parts: token format, scopes, decisions, the guard's cache and
 * logging, and the token use case. The matrix against the running server is in
 * test/integration/access-matrix.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorize, parseAuthorization, type Principal } from '../../lambdas/core/access.ts';
import { AuthenticationError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lambdas/core/errors.ts';
import { normalizeScopes, parseScope, patternMatches, Permissions } from '../../lambdas/core/scopes.ts';
import { generateToken, hashToken, tokenIdOf, tokenMatches } from '../../lambdas/core/tokens.ts';
import { AccessGuard } from '../../lambdas/app/access-guard.ts';
import { parseExpiry, TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { MemoryTokenStore } from '../support/memory-stores.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const principal = (...scopes: string[]): Principal => ({
  tokenId: 'abcdefghijklmnop',
  scopes,
  permissions: new Permissions(scopes),
});

describe('token format', () => {
  test('wharf_ prefix, 16-char id, and only the SHA-256 of the whole token is kept', () => {
    const { token, id, secretHash } = generateToken();
    assert.match(token, /^wharf_[0-9a-z]{16}_[0-9A-Za-z]{46}$/);
    assert.equal(token.slice(6, 22), id);
    assert.equal(secretHash, hashToken(token));
    assert.ok(!secretHash.includes(token.slice(23)));
    assert.equal(tokenIdOf(token), id);
  });

  test('two tokens never share an id or a secret', () => {
    const tokens = Array.from({ length: 200 }, () => generateToken());
    assert.equal(new Set(tokens.map((t) => t.id)).size, 200);
    assert.equal(new Set(tokens.map((t) => t.token)).size, 200);
  });

  test('the checksum refuses a token with any one character changed, without a lookup', () => {
    const { token } = generateToken();
    for (const i of [6, 15, 23, 40, token.length - 1]) {
      const c = token[i]!;
      const changed = token.slice(0, i) + (c === 'a' ? 'b' : 'a') + token.slice(i + 1);
      assert.equal(tokenIdOf(changed), undefined, `changed at ${i}`);
    }
    assert.equal(tokenIdOf(token.slice(0, -1)), undefined);
    assert.equal(tokenIdOf(`${token}x`), undefined);
    assert.equal(tokenIdOf(`pypi-${token.slice(6)}`), undefined);
    assert.equal(tokenIdOf(''), undefined);
  });

  test('tokenMatches compares hashes: the right token matches, another does not', () => {
    const a = generateToken();
    const b = generateToken();
    assert.equal(tokenMatches(a.token, a.secretHash), true);
    assert.equal(tokenMatches(b.token, a.secretHash), false);
    assert.equal(tokenMatches(a.token, 'not-hex'), false);
  });

  test('ids are drawn without bias from an injected random source', () => {
    // A source of all 0xff bytes is rejected (>= 252 for base36/base62), then 0x00 accepted.
    let calls = 0;
    const random = (n: number) => new Uint8Array(n).fill(calls++ % 2 === 0 ? 0xff : 0x00);
    const { id } = generateToken(random);
    assert.equal(id, '0'.repeat(16));
  });
});

describe('scopes', () => {
  test('read/upload take a name, a prefix* or *; admin stands alone; patterns are PEP 503 normalized', () => {
    assert.deepEqual(parseScope('read:Acme_Tools'), { kind: 'read', pattern: 'acme-tools' });
    assert.deepEqual(parseScope('upload:ACME.*'), { kind: 'upload', pattern: 'acme-*' });
    assert.deepEqual(parseScope('read:*'), { kind: 'read', pattern: '*' });
    assert.deepEqual(parseScope(' admin '), { kind: 'admin' });
  });

  for (const bad of ['write:*', 'read', 'read:', 'read:-x', 'read:a b', 'read:*x', 'read:a*b', 'admin:*', '', 'upload:../x', 'read:' + 'a'.repeat(201)]) {
    test(`refuses ${JSON.stringify(bad.slice(0, 30))} with a message that shows the forms`, () => {
      assert.throws(() => parseScope(bad), (err: unknown) => err instanceof InvalidInputError && /read:|upload:|admin/.test(err.message));
    });
  }

  test('normalizeScopes de-duplicates and sorts; an empty list is refused', () => {
    assert.deepEqual(normalizeScopes(['read:B', 'admin', 'read:b']), ['admin', 'read:b']);
    assert.throws(() => normalizeScopes([]), /at least one scope/);
  });

  test('a prefix keeps its separator: acme-* covers acme-app but not acmeville', () => {
    assert.equal(patternMatches('acme-*', 'acme-app'), true);
    assert.equal(patternMatches('acme-*', 'acmeville'), false);
    assert.equal(patternMatches('acme*', 'acmeville'), true);
    assert.equal(patternMatches('acme-app', 'acme-app-extra'), false);
  });

  test('upload implies read of the same projects; only upload:* or admin creates projects', () => {
    const p = new Permissions(['upload:acme-*', 'read:shared']);
    assert.equal(p.canRead('acme-app'), true);
    assert.equal(p.canRead('shared'), true);
    assert.equal(p.canUpload('shared'), false);
    assert.equal(p.canUpload('acme-app'), true);
    assert.equal(p.canCreateProject(), false);
    assert.equal(new Permissions(['upload:*']).canCreateProject(), true);
    assert.equal(new Permissions(['admin']).canCreateProject(), true);
    assert.equal(new Permissions(['admin']).canRead('anything'), true);
    assert.equal(p.canReadAll(), false);
    assert.equal(new Permissions(['read:*']).canReadAll(), true);
  });
});

describe('Authorization header', () => {
  test('Basic with __token__, and Bearer, carry the token', () => {
    assert.deepEqual(parseAuthorization(basic('__token__', 'wharf_x')), { kind: 'token', token: 'wharf_x' });
    assert.deepEqual(parseAuthorization('Bearer wharf_y'), { kind: 'token', token: 'wharf_y' });
    assert.deepEqual(parseAuthorization('bearer  wharf_y '), { kind: 'token', token: 'wharf_y' });
    assert.deepEqual(parseAuthorization(undefined), { kind: 'none' });
    assert.deepEqual(parseAuthorization(''), { kind: 'none' });
  });

  test('another username, another scheme, or a malformed value is unusable and says what to send', () => {
    const user = parseAuthorization(basic('alice', 'secret'));
    assert.equal(user.kind, 'unusable');
    assert.match(user.kind === 'unusable' ? user.message : '', /__token__/);
    assert.equal(parseAuthorization('Digest abc').kind, 'unusable');
    assert.equal(parseAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`).kind, 'unusable');
    assert.equal(parseAuthorization('Basic').kind, 'unusable');
  });
});

describe('authorize', () => {
  const priv = { publicRead: false };
  const pub = { publicRead: true };

  test('anonymous: 401 on a private index; reads pass on a public one, writes never', () => {
    assert.deepEqual(authorize(undefined, { kind: 'read', project: 'a' }, priv).allowed, false);
    const d = authorize(undefined, { kind: 'list' }, priv);
    assert.equal(d.allowed === false && d.status, 401);
    assert.equal(authorize(undefined, { kind: 'read', project: 'a' }, pub).allowed, true);
    assert.equal(authorize(undefined, { kind: 'list' }, pub).allowed, true);
    for (const kind of ['upload', 'manage', 'create-project'] as const) {
      const w = authorize(undefined, { kind, project: 'a' }, pub);
      assert.equal(w.allowed === false && w.status, 401, kind);
    }
    const admin = authorize(undefined, { kind: 'admin' }, pub);
    assert.equal(admin.allowed === false && admin.status, 401);
  });

  test('a token without the scope gets 403 naming the scope it needs', () => {
    const d = authorize(principal('read:other'), { kind: 'read', project: 'acme-app' }, priv);
    assert.equal(d.allowed, false);
    assert.equal(d.allowed === false && d.status, 403);
    assert.match(d.allowed === false ? d.message : '', /read:acme-app.*This token has: read:other/);
    const u = authorize(principal('read:acme-app'), { kind: 'upload', project: 'acme-app' }, priv);
    assert.match(u.allowed === false ? u.message : '', /upload:acme-app/);
    const c = authorize(principal('upload:acme-app'), { kind: 'create-project', project: 'acme-new' }, priv);
    assert.match(c.allowed === false ? c.message : '', /upload:\*/);
    const a = authorize(principal('upload:*'), { kind: 'admin' }, priv);
    assert.match(a.allowed === false ? a.message : '', /admin scope/);
  });

  test('the answer for a project the caller may not read does not depend on the project', () => {
    const p = principal('read:mine');
    const one = authorize(p, { kind: 'read', project: 'exists' }, priv);
    const two = authorize(p, { kind: 'read', project: 'exists' }, priv);
    assert.deepEqual(one, two);
  });
});

describe('AccessGuard', () => {
  async function setup(cacheSeconds = 30) {
    const store = new MemoryTokenStore();
    let now = Date.UTC(2026, 10, 22, 12, 0, 0);
    const lines: Array<Record<string, unknown>> = [];
    const guard = new AccessGuard(store, {
      policy: { publicRead: false },
      cacheSeconds,
      logger: { info: (_m, extra) => lines.push(extra['auth'] as Record<string, unknown>) },
      now: () => now,
    });
    const admin = new TokenAdmin(store, () => new Date(now));
    return { store, guard, admin, lines, advance: (s: number) => (now += s * 1000), now: () => now };
  }

  test('a valid token passes; its id, action, project and the decision are logged, never the secret', async () => {
    const { guard, admin, lines } = await setup();
    const { token, view } = await admin.create({ scopes: ['read:acme-*'], createdBy: 'test' });
    const p = await guard.check(basic('__token__', token), { kind: 'read', project: 'acme-app' });
    assert.equal(p?.tokenId, view.id);
    assert.deepEqual(lines.at(-1), { tokenId: view.id, action: 'read', project: 'acme-app', allowed: true, reason: 'allowed' });
    await assert.rejects(guard.check(`Bearer ${token}`, { kind: 'read', project: 'other' }), ForbiddenError);
    assert.deepEqual(lines.at(-1), { tokenId: view.id, action: 'read', project: 'other', allowed: false, reason: 'missing-read-scope' });
    assert.ok(!JSON.stringify(lines).includes(token.slice(23)));
  });

  test('unknown, mistyped, revoked and expired tokens are 401 with a reason in the log', async () => {
    const { guard, admin, lines, store, advance } = await setup(0);
    const read = { kind: 'read', project: 'a' } as const;
    await assert.rejects(guard.check(undefined, read), (e: unknown) => e instanceof AuthenticationError && /__token__/.test(e.message));
    assert.equal(lines.at(-1)?.['reason'], 'no-credentials');

    const forged = generateToken();
    await assert.rejects(guard.check(`Bearer ${forged.token}`, read), /not valid/);
    assert.equal(lines.at(-1)?.['reason'], 'unknown-token');

    await assert.rejects(guard.check('Bearer wharf_nonsense', read), /not valid/);
    assert.equal(lines.at(-1)?.['reason'], 'malformed-token');
    const gets = store.gets;
    await guard.check('Bearer wharf_nonsense', read).catch(() => undefined);
    assert.equal(store.gets, gets, 'a malformed token costs no lookup');

    const revoked = await admin.create({ scopes: ['read:*'], createdBy: 't' });
    await admin.revoke(revoked.view.id, 't');
    await assert.rejects(guard.check(`Bearer ${revoked.token}`, read), /revoked/);
    assert.equal(lines.at(-1)?.['reason'], 'revoked');

    const expiring = await admin.create({ scopes: ['read:*'], createdBy: 't', expiresAt: new Date(Date.UTC(2026, 10, 22, 12, 0, 10)) });
    await guard.check(`Bearer ${expiring.token}`, read);
    advance(10);
    await assert.rejects(guard.check(`Bearer ${expiring.token}`, read), /expired/);
    assert.equal(lines.at(-1)?.['reason'], 'expired');
  });

  test('a stored hash that does not match the presented secret is refused (same id, other secret)', async () => {
    const { guard, store } = await setup();
    const real = generateToken();
    const other = generateToken();
    await store.putToken({ id: real.id, secretHash: other.secretHash, description: '', createdBy: 't', createdAt: '2026-01-01T00:00:00Z', scopes: ['admin'] });
    await assert.rejects(guard.check(`Bearer ${real.token}`, { kind: 'admin' }), AuthenticationError);
  });

  test('revocation takes effect once the cache time has passed, and at once with forget()', async () => {
    const { guard, admin, store, advance } = await setup(30);
    const { token, view } = await admin.create({ scopes: ['read:*'], createdBy: 't' });
    const read = { kind: 'read', project: 'a' } as const;
    await guard.check(`Bearer ${token}`, read);
    const gets = store.gets;
    await admin.revoke(view.id, 't');
    advance(29);
    await guard.check(`Bearer ${token}`, read); // still cached: the documented bound
    assert.equal(store.gets, gets, 'served from the cache');
    advance(1);
    await assert.rejects(guard.check(`Bearer ${token}`, read), /revoked/);

    const second = await admin.create({ scopes: ['read:*'], createdBy: 't' });
    await guard.check(`Bearer ${second.token}`, read);
    await admin.revoke(second.view.id, 't');
    guard.forget(second.view.id);
    await assert.rejects(guard.check(`Bearer ${second.token}`, read), /revoked/);
  });

  test('a cache longer than 60 s is refused', () => {
    assert.throws(() => new AccessGuard(new MemoryTokenStore(), { policy: { publicRead: false }, cacheSeconds: 61, logger: { info() {} } }), RangeError);
  });

  test('the cache is bounded', async () => {
    const store = new MemoryTokenStore();
    const guard = new AccessGuard(store, { policy: { publicRead: false }, cacheSeconds: 30, logger: { info() {} }, maxCacheEntries: 3 });
    for (let i = 0; i < 10; i++) {
      await guard.check(`Bearer ${generateToken().token}`, { kind: 'list' }).catch(() => undefined);
    }
    assert.ok((guard as unknown as { cache: Map<string, unknown> }).cache.size <= 3);
  });
});

describe('TokenAdmin', () => {
  const now = new Date(Date.UTC(2026, 10, 22));

  test('create stores the hash and normalized scopes, never the secret; list and get hide the hash', async () => {
    const store = new MemoryTokenStore();
    const admin = new TokenAdmin(store, () => now);
    const { token, view } = await admin.create({ scopes: ['upload:Acme_App', 'read:*'], description: ' CI ', createdBy: 'arn:aws:iam::1:user/x' });
    const stored = store.tokens.get(view.id)!;
    assert.equal(stored.secretHash, hashToken(token));
    assert.ok(!JSON.stringify(stored).includes(token));
    assert.deepEqual(stored.scopes, ['read:*', 'upload:acme-app']);
    assert.equal(view.description, 'CI');
    assert.equal(view.status, 'active');
    const [listed] = await admin.list();
    assert.ok(listed && !('secretHash' in listed));
    assert.deepEqual(await admin.get(view.id), listed);
  });

  test('bad input is refused before anything is stored', async () => {
    const store = new MemoryTokenStore();
    const admin = new TokenAdmin(store, () => now);
    const cases: Array<[Parameters<TokenAdmin['create']>[0], RegExp]> = [
      [{ scopes: [], createdBy: 't' }, /at least one scope/],
      [{ scopes: ['write:*'], createdBy: 't' }, /Unknown scope/],
      [{ scopes: ['read:*'], createdBy: 't', description: 'x'.repeat(201) }, /200 characters/],
      [{ scopes: ['read:*'], createdBy: 't', description: 'two\nlines' }, /one line/],
      [{ scopes: ['read:*'], createdBy: 't', expiresAt: new Date(now.getTime() - 1) }, /in the past/],
      [{ scopes: ['read:*'], createdBy: 't', expiresAt: new Date('nope') }, /not a valid date/],
      [{ scopes: ['read:*'], createdBy: 't', expiresAt: new Date(Date.UTC(2040, 0, 1)) }, /ten years/],
    ];
    for (const [input, message] of cases) {
      await assert.rejects(admin.create(input), (e: unknown) => e instanceof InvalidInputError && message.test(e.message));
    }
    assert.equal(store.tokens.size, 0);
  });

  test('revoke is idempotent and keeps the first revocation; an unknown id is NotFound', async () => {
    let clock = now.getTime();
    const admin = new TokenAdmin(new MemoryTokenStore(), () => new Date(clock));
    const { view } = await admin.create({ scopes: ['admin'], createdBy: 't' });
    const first = await admin.revoke(view.id, 'alice');
    clock += 1000;
    const second = await admin.revoke(view.id, 'bob');
    assert.equal(second.status, 'revoked');
    assert.equal(second.revokedAt, first.revokedAt);
    assert.equal(second.revokedBy, 'alice');
    await assert.rejects(admin.revoke('zzzzzzzzzzzzzzzz', 't'), NotFoundError);
    await assert.rejects(admin.get('../etc'), NotFoundError);
  });

  test('expired tokens list as expired', async () => {
    let clock = now.getTime();
    const admin = new TokenAdmin(new MemoryTokenStore(), () => new Date(clock));
    await admin.create({ scopes: ['read:*'], createdBy: 't', expiresAt: new Date(clock + 1000) });
    clock += 1000;
    assert.equal((await admin.list())[0]?.status, 'expired');
  });

  test('parseExpiry takes durations and dates', () => {
    assert.equal(parseExpiry('30d', now).toISOString(), '2026-12-22T00:00:00.000Z');
    assert.equal(parseExpiry('12h', now).toISOString(), '2026-11-22T12:00:00.000Z');
    assert.equal(parseExpiry('2027-06-30', now).toISOString(), '2027-06-30T00:00:00.000Z');
    assert.throws(() => parseExpiry('soon', now), /30d/);
  });
});
