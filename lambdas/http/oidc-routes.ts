/**
 * The trusted-publishing exchange, where pypa/gh-action-pypi-publish looks for it (at the
 * root of the index's domain, whatever `repository-url` says):
 *
 *   GET  /_/oidc/audience             {"audience": "..."}
 *   POST /_/oidc/mint-token           {"token": "<OIDC JWT>"} → {"success": true, "token": "..."}
 *   POST /_/oidc/github/mint-token    the same, GitHub's issuer only (older action versions);
 *                                     /_/oidc/gitlab/... and /_/oidc/google/... likewise
 *
 * Errors are Warehouse's shape, which the action prints line by line:
 * `{"message": "Token request failed", "errors": [{"code": ..., "description": ...}]}`,
 * 422 for a refused token, 503 when the issuer cannot be reached.
 */
import { ServiceUnavailableError } from '../core/errors.ts';
import type { TrustedPublishing } from '../app/trusted-publishing.ts';
import { isPublisherProvider, TrustedPublishingError, type PublisherProvider } from '../core/trusted-publishing.ts';
import type { ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export const OIDC_PREFIX = '/_/oidc/';
const MAX_BODY_BYTES = 64 * 1024;
const NO_STORE = { 'cache-control': 'no-store' };

function failure(status: number, code: string, description: string, headers: Record<string, string> = {}): HttpResponse {
  return jsonResponse(status, { message: 'Token request failed', errors: [{ code, description }] }, { ...NO_STORE, ...headers });
}

function readToken(request: HttpRequest): string {
  const body = request.body ?? new Uint8Array();
  const invalid = (why: string) =>
    new TrustedPublishingError('invalid-payload', `${why}: send {"token": "<OIDC identity token>"} as JSON.`);
  if (body.byteLength > MAX_BODY_BYTES) throw invalid(`The body is larger than ${MAX_BODY_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw invalid('The body is not JSON');
  }
  const token = (value as { token?: unknown } | null)?.token;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof token !== 'string' || token === '') {
    throw invalid('The body has no "token" string');
  }
  return token;
}

export function createOidcRoutes(publishing: TrustedPublishing, logger: ErrorLogger): RouteHandler {
  return async (request) => {
    const path = request.path;
    if (path === '/_/oidc/audience') {
      if (request.method !== 'GET') return failure(405, 'method-not-allowed', 'Use GET.', { allow: 'GET' });
      return jsonResponse(200, { audience: publishing.audience }, NO_STORE);
    }
    const named = /^\/_\/oidc\/([a-z]+)\/mint-token$/.exec(path)?.[1];
    const provider: PublisherProvider | undefined | null =
      path === '/_/oidc/mint-token' ? undefined : isPublisherProvider(named) ? named : null;
    if (provider === null) {
      return failure(404, 'not-found', `No such endpoint: ${path}. Trusted publishing uses /_/oidc/audience and /_/oidc/mint-token.`);
    }
    if (request.method !== 'POST') return failure(405, 'method-not-allowed', 'Use POST.', { allow: 'POST' });
    try {
      const minted = await publishing.exchange(readToken(request), provider);
      return jsonResponse(200, { success: true, token: minted.token, expires: minted.expiresAt, projects: minted.projects }, NO_STORE);
    } catch (err) {
      if (err instanceof TrustedPublishingError) return failure(422, err.code, err.message);
      if (err instanceof ServiceUnavailableError) {
        logger.error('OIDC issuer unavailable', err);
        return failure(503, 'issuer-unavailable', `${err.message} Retry in a minute.`);
      }
      logger.error('Unhandled error', err as Error);
      return failure(500, 'server-error', 'Internal server error: the exchange failed on our side; retry it later.');
    }
  };
}
