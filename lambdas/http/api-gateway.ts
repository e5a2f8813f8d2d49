/**
 * API Gateway HTTP API (payload format 2.0) events in, results out. The local server builds
 * the same events, so this is the only translation between the platform and the routes.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { compress } from './caching.ts';
import { textResponse } from './responses.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/**
 * Lambda's synchronous response limit is 6 MB (6,291,456 bytes) for the whole JSON result;
 * keep headroom for headers and JSON framing.
 */
export const MAX_RESPONSE_PAYLOAD_BYTES = 6 * 1024 * 1024 - 64 * 1024;

export function toHttpRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  if (event.cookies?.length) headers['cookie'] = event.cookies.join('; ');
  const stage = event.requestContext.stage;
  const basePath = stage && stage !== '$default' ? `/${stage}` : '';
  let path = event.rawPath || '/';
  if (basePath && (path === basePath || path.startsWith(`${basePath}/`))) {
    path = path.slice(basePath.length) || '/';
  }
  const body =
    event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64')
        : Buffer.from(event.body, 'utf8');
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    basePath,
    ...(body ? { body } : {}),
    ...(event.requestContext.http.sourceIp ? { sourceIp: event.requestContext.http.sourceIp } : {}),
  };
}

/**
 * Bytes as base64, kept for as long as the bytes are: a kept page's gzip is the same array
 * on every request that gets it, and is encoded once.
 */
const BASE64 = new WeakMap<Uint8Array, string>();

function base64(body: Uint8Array): string {
  let text = BASE64.get(body);
  if (text === undefined) {
    text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
    if (body.byteLength >= 1024) BASE64.set(body, text);
  }
  return text;
}

export function toApiGatewayResult(
  request: HttpRequest,
  response: HttpResponse,
): APIGatewayProxyStructuredResultV2 {
  const encoded = withNosniff(compress(request, response));
  const body = encoded.body;
  let result: APIGatewayProxyStructuredResultV2;
  if (body === undefined || request.method === 'HEAD') {
    result = { statusCode: encoded.status, headers: encoded.headers, body: '' };
  } else if (typeof body === 'string') {
    result = { statusCode: encoded.status, headers: encoded.headers, body };
  } else {
    result = {
      statusCode: encoded.status,
      headers: encoded.headers,
      body: base64(body),
      isBase64Encoded: true,
    };
  }
  // A UTF-16 code unit is at most 3 bytes in UTF-8: only a body near the limit is measured.
  const length = result.body?.length ?? 0;
  if (length * 3 > MAX_RESPONSE_PAYLOAD_BYTES && Buffer.byteLength(result.body ?? '') > MAX_RESPONSE_PAYLOAD_BYTES) {
    return tooLarge(request);
  }
  return response.cookies?.length ? { ...result, cookies: [...response.cookies] } : result;
}

/**
 * No answer is to be sniffed into another type: a plain-text error that echoes a name
 * must not become HTML in a browser.
 */
function withNosniff(response: HttpResponse): HttpResponse {
  return { ...response, headers: { 'x-content-type-options': 'nosniff', ...response.headers } };
}

function tooLarge(request: HttpRequest): APIGatewayProxyStructuredResultV2 {
  const gzipHint = /gzip/i.test(request.headers['accept-encoding'] ?? '')
    ? ''
    : ' Ask for it compressed (Accept-Encoding: gzip; curl --compressed), which makes it far smaller.';
  const response = textResponse(
    502,
    `This response is larger than the 6 MB an AWS Lambda function can return.${gzipHint}`,
  );
  return { statusCode: response.status, headers: withNosniff(response).headers, body: String(response.body) };
}
