/**
 * The IP allowlist's rules (lambdas/core/networks.ts) and its gate in front of a function's
 * routes (lambdas/http/network-allowlist.ts): CIDR parsing and matching, IPv4-mapped IPv6,
 * which requests stay open from outside, and the configuration that reads the list.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mintedByTrustedPublishing, networksContain, outsideRule, parseAddress, parseNetworks } from '../../lambdas/core/networks.ts';
import { withNetworkAllowlist } from '../../lambdas/http/network-allowlist.ts';
import type { HttpRequest, HttpResponse } from '../../lambdas/http/types.ts';
import { loadAccessConfig } from '../../lambdas/config/wharf-config.ts';
import { ConfigError } from '../../lambdas/config/environment.ts';
import { toHttpRequest } from '../../lambdas/http/api-gateway.ts';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';

describe('CIDR blocks', () => {
  test('IPv4 blocks contain what they should, and nothing next to them', () => {
    const networks = parseNetworks('203.0.113.0/24, 198.51.100.7');
    assert.ok(networksContain(networks, '203.0.113.0'));
    assert.ok(networksContain(networks, '203.0.113.255'));
    assert.ok(!networksContain(networks, '203.0.114.0'));
    assert.ok(!networksContain(networks, '203.0.112.255'));
    assert.ok(networksContain(networks, '198.51.100.7'));
    assert.ok(!networksContain(networks, '198.51.100.8'));
  });

  test('a block written with host bits set is the block they are in; /0 is everything of its family', () => {
    assert.ok(networksContain(parseNetworks('10.1.2.3/8'), '10.200.0.1'));
    assert.ok(networksContain(parseNetworks('0.0.0.0/0'), '192.0.2.1'));
    assert.ok(!networksContain(parseNetworks('0.0.0.0/0'), '2001:db8::1'));
  });

  test('IPv6 blocks, with :: in any place, and an embedded IPv4 tail', () => {
    const networks = parseNetworks(['2001:db8::/32', 'fd00:1:2:3::/64', '::1']);
    assert.ok(networksContain(networks, '2001:db8:ffff::1'));
    assert.ok(networksContain(networks, '2001:0DB8:0000:0000:0000:0000:0000:0001'));
    assert.ok(!networksContain(networks, '2001:db9::1'));
    assert.ok(networksContain(networks, 'fd00:1:2:3:aaaa:bbbb:cccc:dddd'));
    assert.ok(!networksContain(networks, 'fd00:1:2:4::'));
    assert.ok(networksContain(networks, '::1'));
    assert.equal(parseAddress('64:ff9b::192.0.2.33')?.value, (0x64ff9bn << 96n) | 0xc0000221n);
  });

  test('an IPv4-mapped IPv6 address (a dual-stack socket) matches as its IPv4 address', () => {
    assert.ok(networksContain(parseNetworks('127.0.0.0/8'), '::ffff:127.0.0.1'));
    assert.ok(!networksContain(parseNetworks('::/0'), '::ffff:127.0.0.1'));
  });

  test('nonsense is refused, every bad entry named at once; an unparsable caller address matches nothing', () => {
    assert.throws(
      () => parseNetworks('10.0.0.0/33, office, 1.2.3.4/08, 300.1.1.1, 2001:db8:::1, 1::2::3, 10.0.0.0/8/1, 1.2.3.4/'),
      (err: Error) =>
        ['"10.0.0.0/33"', '"office"', '"1.2.3.4/08"', '"300.1.1.1"', '"2001:db8:::1"', '"1::2::3"', '"10.0.0.0/8/1"', '"1.2.3.4/"'].every((bad) => err.message.includes(bad)),
    );
    assert.ok(!networksContain(parseNetworks('0.0.0.0/0'), 'not-an-ip'));
    assert.ok(!networksContain(parseNetworks('0.0.0.0/0'), ''));
  });
});

describe('what stays open from outside', () => {
  test('tokens minted by OIDC or AWS trusted publishing count as minted; others do not', () => {
    assert.ok(mintedByTrustedPublishing('oidc:github:acme/app'));
    assert.ok(mintedByTrustedPublishing('oidc:gitlab:acme/app'));
    assert.ok(mintedByTrustedPublishing('aws:arn:aws:sts::111122223333:assumed-role/release/build-7'));
    for (const createdBy of ['token:abc', 'arn:aws:iam::111122223333:user/admin', 'local-admin', '']) assert.ok(!mintedByTrustedPublishing(createdBy), createdBy);
  });

  test('the OIDC exchange is open; uploads need a minted token; everything else is closed', () => {
    assert.equal(outsideRule('GET', '/_/oidc/audience'), 'open');
    assert.equal(outsideRule('POST', '/_/oidc/mint-token'), 'open');
    assert.equal(outsideRule('POST', '/_/oidc/github/mint-token'), 'open');
    assert.equal(outsideRule('GET', '/_/aws/server-id'), 'open');
    assert.equal(outsideRule('POST', '/_/aws/mint-token'), 'open');
    assert.equal(outsideRule('GET', '/health'), 'open');
    assert.equal(outsideRule('GET', '/client/wharf.mjs'), 'open');
    assert.equal(outsideRule('POST', '/client/wharf.mjs'), 'closed');
    assert.equal(outsideRule('POST', '/health'), 'closed');
    assert.equal(outsideRule('POST', '/legacy/'), 'trusted-publishing');
    assert.equal(outsideRule('POST', '/upload/sessions'), 'trusted-publishing');
    assert.equal(outsideRule('GET', '/upload/sessions/abc'), 'trusted-publishing');
    for (const [method, path] of [['GET', '/simple/'], ['GET', '/legacy/'], ['GET', '/files/x'], ['POST', '/api/tokens'], ['DELETE', '/api/projects/x'], ['GET', '/'], ['POST', '/account/sign-in']]) {
      assert.equal(outsideRule(method!, path!), 'closed', `${method} ${path}`);
    }
  });
});

describe('the gate in front of the routes', () => {
  const ok: HttpResponse = { status: 200, headers: {}, body: 'routed' };
  const lines: unknown[] = [];
  const logger = { info: (_m: string, extra: unknown) => lines.push(extra), error: () => undefined };
  const minted = 'Bearer minted';
  const guard = { isTrustedPublishing: async (authorization: string | undefined) => authorization === minted };
  const gate = withNetworkAllowlist(async () => ok, parseNetworks('10.0.0.0/8'), guard, logger);
  const req = (method: string, path: string, sourceIp: string | undefined, authorization?: string): HttpRequest => ({
    method,
    path,
    query: new URLSearchParams(),
    headers: authorization ? { authorization } : {},
    basePath: '',
    ...(sourceIp !== undefined ? { sourceIp } : {}),
  });

  test('inside: every route', async () => {
    assert.equal((await gate(req('GET', '/simple/', '10.9.8.7'))).status, 200);
    assert.equal((await gate(req('POST', '/api/tokens', '10.0.0.1'))).status, 200);
  });

  test('outside: a 403 that names the address and what to do, not the allowed networks; logged', async () => {
    const answer = await gate(req('GET', '/simple/', '192.0.2.1'));
    assert.equal(answer.status, 403);
    const text = String(answer.body);
    assert.match(text, /192\.0\.2\.1 is not in them/);
    assert.match(text, /Connect from an allowed network/);
    assert.ok(!text.includes('10.0.0.0'), text);
    assert.deepEqual(lines.at(-1), { network: { sourceIp: '192.0.2.1', method: 'GET', path: '/simple/', rule: 'closed', allowed: false } });
  });

  test('outside: the OIDC exchange passes; an upload passes with a minted token only', async () => {
    assert.equal((await gate(req('POST', '/_/oidc/mint-token', '192.0.2.1'))).status, 200);
    assert.equal((await gate(req('POST', '/legacy/', '192.0.2.1', minted))).status, 200);
    assert.equal((await gate(req('POST', '/legacy/', '192.0.2.1', 'Bearer ordinary'))).status, 403);
    assert.equal((await gate(req('POST', '/api/tokens', '192.0.2.1', minted))).status, 403);
  });

  test('no address known: outside', async () => {
    assert.equal((await gate(req('GET', '/simple/', undefined))).status, 403);
  });

  test('no allowlist: the routes themselves, untouched', async () => {
    const routes = async () => ok;
    assert.equal(withNetworkAllowlist(routes, undefined, guard, logger), routes);
  });

  test("the caller's address is API Gateway's sourceIp, never X-Forwarded-For", () => {
    const event = apiGatewayEvent('/simple/', { headers: { 'x-forwarded-for': '10.0.0.1' } });
    event.requestContext.http.sourceIp = '192.0.2.9';
    assert.equal(toHttpRequest(event).sourceIp, '192.0.2.9');
  });
});

describe('WHARF_ALLOWED_NETWORKS', () => {
  const base = { WHARF_TOKENS_TABLE_NAME: 'tokens' };
  test('unset or empty: every network', () => {
    assert.equal(loadAccessConfig(base).allowedNetworks, undefined);
    assert.equal(loadAccessConfig({ ...base, WHARF_ALLOWED_NETWORKS: '' }).allowedNetworks, undefined);
  });
  test('a list is parsed; a bad one fails the start, naming the variable and the entry', () => {
    assert.deepEqual(loadAccessConfig({ ...base, WHARF_ALLOWED_NETWORKS: '10.0.0.0/8,2001:db8::/32' }).allowedNetworks?.map((n) => n.text), ['10.0.0.0/8', '2001:db8::/32']);
    assert.throws(() => loadAccessConfig({ ...base, WHARF_ALLOWED_NETWORKS: '10.0.0.0/8,lan' }), (err: Error) => err instanceof ConfigError && /WHARF_ALLOWED_NETWORKS/.test(err.message) && /"lan"/.test(err.message));
    assert.throws(() => loadAccessConfig({ ...base, WHARF_ALLOWED_NETWORKS: ' , ' }), /names no network/);
  });
});
