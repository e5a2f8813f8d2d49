/**
 * The admin API under `/api/`: JSON in, JSON out, errors as `{"error": "..."}`.
 *
 *   GET    /api/whoami          the calling token's id and scopes (any valid token)
 *   GET    /api/tokens          every token, without secrets           (admin)
 *   POST   /api/tokens          create one; the answer holds the secret (admin)
 *   GET    /api/tokens/{id}     one token                              (admin)
 *   DELETE /api/tokens/{id}     revoke it (idempotent)                 (admin)
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { TokenAdmin } from '../app/token-admin.ts';
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../core/errors.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export interface AdminRoutesDeps {
  readonly tokenAdmin: TokenAdmin;
  readonly guard: AccessGuard;
  readonly logger: ErrorLogger;
}

const MAX_JSON_BODY_BYTES = 64 * 1024;
const NO_STORE = { 'cache-control': 'no-store' };

class MethodNotAllowedError extends Error {
  constructor(readonly allowed: string) {
    super(`Method not allowed here; use ${allowed}.`);
  }
}

export function readJson(request: HttpRequest): Record<string, unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new InvalidInputError('Send the request body as JSON, with Content-Type: application/json.');
  }
  const body = request.body ?? new Uint8Array();
  if (body.byteLength > MAX_JSON_BODY_BYTES) {
    throw new PayloadTooLargeError(`The JSON body may be at most ${MAX_JSON_BODY_BYTES} bytes.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new InvalidInputError('The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInputError('The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

interface CreateRequest {
  scopes: string[];
  description?: string;
  expiresAt?: Date;
}

/** `{"scopes": [...], "description": "...", "expiresAt": "ISO" | "expiresInSeconds": N}` */
function parseCreate(body: Record<string, unknown>, now: number): CreateRequest {
  const known = new Set(['scopes', 'description', 'expiresAt', 'expiresInSeconds']);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new InvalidInputError(`Unknown field(s) ${unknown.join(', ')}: a token takes scopes, description, and expiresAt or expiresInSeconds.`);
  }
  const { scopes, description, expiresAt, expiresInSeconds } = body;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
    throw new InvalidInputError('"scopes" must be a list of strings such as ["read:*", "upload:acme-app"].');
  }
  if (description !== undefined && typeof description !== 'string') {
    throw new InvalidInputError('"description" must be a string.');
  }
  if (expiresAt !== undefined && expiresInSeconds !== undefined) {
    throw new InvalidInputError('Give either "expiresAt" or "expiresInSeconds", not both.');
  }
  let expiry: Date | undefined;
  if (expiresAt !== undefined) {
    if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) {
      throw new InvalidInputError('"expiresAt" must be an ISO 8601 date-time such as "2027-06-30T00:00:00Z".');
    }
    expiry = new Date(expiresAt);
  }
  if (expiresInSeconds !== undefined) {
    if (typeof expiresInSeconds !== 'number' || !Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0) {
      throw new InvalidInputError('"expiresInSeconds" must be a positive whole number.');
    }
    expiry = new Date(now + expiresInSeconds * 1000);
  }
  return {
    scopes: scopes as string[],
    ...(description !== undefined ? { description } : {}),
    ...(expiry !== undefined ? { expiresAt: expiry } : {}),
  };
}

export function createAdminRoutes(deps: AdminRoutesDeps, now: () => number = Date.now): RouteHandler {
  const { guard, tokenAdmin } = deps;

  async function route(request: HttpRequest): Promise<HttpResponse> {
    const authorization = request.headers['authorization'];
    const segments = request.path.split('/').slice(1);
    const [api, resource, id, ...extra] = segments;
    if (api !== 'api' || extra.length > 0) throw new NotFoundError(`No such API endpoint: ${request.path}.`);

    if (resource === 'whoami' && id === undefined) {
      if (request.method !== 'GET') throw new MethodNotAllowedError('GET');
      const principal = await guard.check(authorization, { kind: 'whoami' });
      return jsonResponse(200, { tokenId: principal?.tokenId ?? null, scopes: principal?.scopes ?? [] }, NO_STORE);
    }
    if (resource === 'tokens' && (id === undefined || id === '')) {
      if (request.method !== 'GET' && request.method !== 'POST') throw new MethodNotAllowedError('GET, POST');
      const principal = await guard.check(authorization, { kind: 'admin' });
      if (request.method === 'GET') return jsonResponse(200, { tokens: await tokenAdmin.list() }, NO_STORE);
      const input = parseCreate(readJson(request), now());
      const created = await tokenAdmin.create({ ...input, createdBy: `token:${principal!.tokenId}` });
      return jsonResponse(201, { token: created.token, ...created.view }, NO_STORE);
    }
    if (resource === 'tokens' && id !== undefined) {
      if (request.method !== 'GET' && request.method !== 'DELETE') throw new MethodNotAllowedError('GET, DELETE');
      const principal = await guard.check(authorization, { kind: 'admin' });
      if (request.method === 'GET') return jsonResponse(200, await tokenAdmin.get(id), NO_STORE);
      const revoked = await tokenAdmin.revoke(id, `token:${principal!.tokenId}`);
      guard.forget(revoked.id);
      return jsonResponse(200, revoked, NO_STORE);
    }
    // Authenticate before saying what does not exist.
    await guard.check(authorization, { kind: 'whoami' });
    throw new NotFoundError(`No such API endpoint: ${request.method} ${request.path}. See /api/tokens and /api/whoami.`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      if (err instanceof MethodNotAllowedError) {
        return jsonResponse(405, { error: err.message }, { allow: err.allowed, ...NO_STORE });
      }
      return errorResponse(err, deps.logger, 'json');
    }
  };
}
