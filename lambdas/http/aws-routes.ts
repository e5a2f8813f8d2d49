/**
 * Publishing from AWS with an IAM role (lambdas/app/aws-identity.ts):
 *
 *   GET  /_/aws/server-id    {"serverId", "header", "endpoints", "maxAgeSeconds"}: what to sign
 *   POST /_/aws/mint-token   {"method", "url", "headers", "body"} of a signed GetCallerIdentity
 *                            request → {"success": true, "token", "expires", "projects", "identity"}
 *
 * Errors as the OIDC exchange answers them (lambdas/http/oidc-routes.ts), which is
 * Warehouse's shape: `{"message": "Token request failed", "errors": [{"code", "description"}]}`,
 * 422 for a refused request, 503 when STS cannot be reached.
 */
import { AwsIdentityError } from '../core/aws-publisher.ts';
import { parseStsRequestJson } from '../core/aws-sts-request.ts';
import { ServiceUnavailableError } from '../core/errors.ts';
import type { AwsIdentity } from '../app/aws-identity.ts';
import type { ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpResponse, RouteHandler } from './types.ts';

export const AWS_PREFIX = '/_/aws/';
const NO_STORE = { 'cache-control': 'no-store' };

function failure(status: number, code: string, description: string, headers: Record<string, string> = {}): HttpResponse {
  return jsonResponse(status, { message: 'Token request failed', errors: [{ code, description }] }, { ...NO_STORE, ...headers });
}

export function createAwsRoutes(identity: AwsIdentity, logger: ErrorLogger): RouteHandler {
  return async (request) => {
    if (request.path === '/_/aws/server-id') {
      if (request.method !== 'GET') return failure(405, 'method-not-allowed', 'Use GET.', { allow: 'GET' });
      return jsonResponse(200, identity.signingInfo, NO_STORE);
    }
    if (request.path !== '/_/aws/mint-token') {
      return failure(404, 'not-found', `No such endpoint: ${request.path}. Publishing from AWS uses /_/aws/server-id and /_/aws/mint-token.`);
    }
    if (request.method !== 'POST') return failure(405, 'method-not-allowed', 'Use POST.', { allow: 'POST' });
    try {
      const minted = await identity.exchange(parseStsRequestJson(request.body ?? new Uint8Array()));
      return jsonResponse(
        200,
        { success: true, token: minted.token, expires: minted.expiresAt, projects: minted.projects, identity: minted.identity },
        NO_STORE,
      );
    } catch (err) {
      if (err instanceof AwsIdentityError) return failure(422, err.code, err.message);
      if (err instanceof ServiceUnavailableError) {
        logger.error('STS unavailable', err);
        return failure(503, 'sts-unavailable', `${err.message} Retry in a minute.`);
      }
      logger.error('Unhandled error', err as Error);
      return failure(500, 'server-error', 'Internal server error: the exchange failed on our side; retry it later.');
    }
  };
}
