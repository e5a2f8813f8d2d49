/** Small constructors for the responses every route needs. */
import type { HttpResponse } from './types.ts';

const TEXT = 'text/plain; charset=utf-8';

/** A plain-text message; every error a user can hit carries its message in the body. */
export function textResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { 'content-type': TEXT, 'cache-control': 'no-store', ...headers },
    body: message.endsWith('\n') ? message : `${message}\n`,
  };
}

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

export function redirectResponse(
  status: 301 | 302 | 307 | 308,
  location: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { location, 'content-type': TEXT, ...headers },
    body: `Redirecting to ${location}\n`,
  };
}
