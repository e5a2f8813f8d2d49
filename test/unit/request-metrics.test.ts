/**
 * The dimension values of the request metrics: a closed set (each value is a custom metric),
 * and every path, status, domain error and rejected credential lands on the one it should.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { AccessGuard } from '../../lambdas/app/access-guard.ts';
import type { Metrics } from '../../lambdas/app/metrics-ports.ts';
import { AUTH_FAILURE_REASONS, ROUTES, type DimensionsOf, type MetricName } from '../../lambdas/config/metrics.ts';
import { AttestationError, AuthenticationError, FileExistsError, ForbiddenError, InvalidInputError, NotFoundError, PayloadTooLargeError, ProjectStatusError, ServiceUnavailableError, UpstreamFailure, WharfError } from '../../lambdas/core/errors.ts';
import { errorResponse, refusalOf } from '../../lambdas/http/error-map.ts';
import { createLambdaHandler } from '../../lambdas/http/lambda-handler.ts';
import { routeOf, statusClassOf } from '../../lambdas/http/request-metrics.ts';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';
import { MemoryTokenStore } from '../support/memory-stores.ts';

/** A Metrics port that keeps what was added and how often it was flushed. */
class Recorded implements Metrics {
  readonly added: [string, number, Record<string, string>][] = [];
  flushes = 0;
  add<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void {
    this.added.push([name, value, dimensions as Record<string, string>]);
  }
  flush(): void {
    this.flushes += 1;
  }
}

describe('request metrics: route families and status classes', () => {
  test('every path of the route table lands on its family', () => {
    const cases: [string, string][] = [
      ['/simple/', 'simple'],
      ['/simple/demo/', 'simple'],
      [`/files/demo/${'a'.repeat(64)}/demo-1.0.tar.gz`, 'files'],
      ['/upstream/demo/x/y', 'files'],
      ['/integrity/demo/1.0/f/provenance', 'files'],
      ['/pypi/demo/json', 'json-api'],
      ['/', 'web'],
      ['/project/demo/', 'web'],
      ['/search', 'web'],
      ['/account/sign-in', 'web'],
      ['/health', 'health'],
      ['/legacy/', 'upload'],
      ['/upload/sessions/abc', 'upload'],
      ['/api/projects/demo/status', 'projects'],
      ['/api/tokens', 'admin'],
      ['/api/publishers', 'admin'],
      ['/_/oidc/audience', 'admin'],
      ['/_/other', 'other'],
      ['/favicon.ico', 'other'],
    ];
    for (const [path, route] of cases) assert.equal(routeOf(path), route, path);
    assert.deepEqual([...new Set(cases.map(([, r]) => r))].sort(), [...ROUTES].sort(), 'every family is reachable, and no other');
  });

  test('status classes', () => {
    assert.deepEqual([200, 204, 304, 302, 400, 404, 500, 502, 504].map(statusClassOf), ['2xx', '2xx', '3xx', '3xx', '4xx', '4xx', '5xx', '5xx', '5xx']);
  });

  test('refusals by the domain error behind them; a 404, a 401 and a 5xx are none', () => {
    assert.equal(refusalOf(new AttestationError('x')), 'attestation');
    assert.equal(refusalOf(new InvalidInputError('x')), 'invalid-input');
    assert.equal(refusalOf(FileExistsError.forFile('f', 'a')), 'file-exists');
    assert.equal(refusalOf(new PayloadTooLargeError('x')), 'too-large');
    assert.equal(refusalOf(new ProjectStatusError('x')), 'project-status');
    assert.equal(refusalOf(new ForbiddenError('x')), 'forbidden');
    assert.equal(refusalOf(new WharfError('x')), 'invalid-input');
    for (const none of [new NotFoundError('x'), new AuthenticationError('x'), new ServiceUnavailableError('x'), new UpstreamFailure(502, 'x'), new Error('x')]) {
      assert.equal(refusalOf(none), undefined, none.constructor.name);
    }
    const silent = { error: () => undefined };
    assert.equal(errorResponse(new PayloadTooLargeError('big'), silent).refusal, 'too-large');
    assert.equal(errorResponse(new Error('boom'), silent).refusal, undefined);
  });

  test('the Lambda wrapper counts the request and its refusal, counts a crash as 5xx, and flushes every invocation', async () => {
    const metrics = new Recorded();
    const context = { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
    const handler = createLambdaHandler(async (request) => {
      if (request.path === '/legacy/') return errorResponse(FileExistsError.forFile('f', 'a'), { error: () => undefined });
      throw new Error('a bug');
    }, new Logger({ logLevel: 'SILENT' }), metrics);
    const refused = await handler(apiGatewayEvent('/legacy/', { method: 'POST' }), context);
    assert.equal(refused.statusCode, 400);
    await assert.rejects(handler(apiGatewayEvent('/simple/x/'), context), /a bug/);
    assert.deepEqual(metrics.added, [
      ['Requests', 1, { Route: 'upload', StatusClass: '4xx' }],
      ['Refusals', 1, { Reason: 'file-exists' }],
      ['Requests', 1, { Route: 'simple', StatusClass: '5xx' }],
    ]);
    assert.equal(metrics.flushes, 2);
  });

  test('every rejection the access guard makes is a listed AuthFailures reason; no credentials is none', async () => {
    const metrics = new Recorded();
    const guard = new AccessGuard(new MemoryTokenStore(), { policy: { publicRead: false }, cacheSeconds: 0, logger: { info() {} }, metrics });
    const attempts = [
      'Basic !!!',
      `Basic ${Buffer.from('someone:wharf_x').toString('base64')}`,
      'Digest abc',
      'Bearer not-a-wharf-token',
      `Bearer wharf_${'a'.repeat(16)}_${'b'.repeat(43)}`,
      undefined,
    ];
    for (const authorization of attempts) {
      await assert.rejects(guard.check(authorization, { kind: 'list' }), AuthenticationError);
    }
    const reasons = metrics.added.map(([name, , d]) => (assert.equal(name, 'AuthFailures'), d['Reason']));
    assert.equal(reasons.length, attempts.length - 1, `one failure per presented credential: ${reasons.join(', ')}`);
    for (const reason of reasons) assert.ok((AUTH_FAILURE_REASONS as readonly string[]).includes(reason!), reason);
    assert.ok(reasons.includes('malformed-basic') && reasons.includes('wrong-username') && reasons.includes('unsupported-scheme'), reasons.join(', '));
  });
});
