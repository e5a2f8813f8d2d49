/**
 * API Gateway HTTP API events (payload format 2.0) for tests that invoke a function's handler
 * directly, shaped as API Gateway sends them: one builder instead of one per test file.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface ApiGatewayEventInit {
  readonly method?: string;
  /** A `cookie` header goes into `cookies`, as API Gateway puts it. */
  readonly headers?: Record<string, string>;
  /** A string is sent as it is; bytes are sent base64-encoded, as API Gateway sends binary bodies. */
  readonly body?: string | Uint8Array;
  /** A named stage prefixes the raw path, as on an API's stage URL. */
  readonly stage?: string;
  readonly domainName?: string;
  readonly userAgent?: string;
  readonly sourceIp?: string;
}

/** The event for `target` (a path, with an optional `?query`). */
export function apiGatewayEvent(target: string, init: ApiGatewayEventInit = {}): APIGatewayProxyEventV2 {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  const stage = init.stage ?? '$default';
  const domainName = init.domainName ?? 'x';
  const body = init.body;
  // API Gateway moves the Cookie header into `cookies`.
  const { cookie, ...headers } = init.headers ?? {};
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: stage === '$default' ? path : `/${stage}${path}`,
    rawQueryString: query,
    headers,
    ...(cookie ? { cookies: cookie.split(/;\s*/) } : {}),
    ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'a',
      domainName,
      domainPrefix: domainName.split('.')[0]!,
      http: { method: init.method ?? 'GET', path, protocol: 'HTTP/1.1', sourceIp: init.sourceIp ?? '127.0.0.1', userAgent: init.userAgent ?? 'test' },
      requestId: 'r',
      routeKey: '$default',
      stage,
      time: '',
      timeEpoch: 0,
    },
    ...(body === undefined
      ? { isBase64Encoded: false }
      : typeof body === 'string'
        ? { body, isBase64Encoded: false }
        : { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }),
  };
}
