/**
 * Trusted publishers in the admin API (JSON, errors as `{"error": "..."}`):
 *
 *   GET    /api/publishers[?project=P]   the publishers the calling token may manage
 *   POST   /api/publishers               add one (admin, or upload scope on the project)
 *   DELETE /api/publishers/{id}          remove one (same)
 *
 * Body of POST: {"project", "owner", "ownerId", "repository", "repositoryId", "workflow",
 * "environment"?}; the ids are GitHub's numeric ids (strings or numbers).
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { TrustedPublishing } from '../app/trusted-publishing.ts';
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import { isValidName, normalizeName } from '../core/names.ts';
import type { PublisherInput, PublisherRecord } from '../core/trusted-publishing.ts';
import { readJson } from './admin-routes.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export const PUBLISHERS_PREFIX = '/api/publishers';
const NO_STORE = { 'cache-control': 'no-store' };
const FIELDS = ['project', 'provider', 'owner', 'ownerId', 'repository', 'repositoryId', 'workflow', 'environment'] as const;

function methodNotAllowed(allowed: string): HttpResponse {
  return jsonResponse(405, { error: `Method not allowed here; use ${allowed}.` }, { allow: allowed, ...NO_STORE });
}

function parsePublisher(body: Record<string, unknown>): PublisherInput {
  const unknown = Object.keys(body).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new InvalidInputError(`Unknown field(s) ${unknown.join(', ')}: a publisher takes ${FIELDS.join(', ')}.`);
  }
  const out: Record<string, string> = {};
  for (const field of FIELDS) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    // GitHub's API gives ids as numbers; accept them as such.
    if (typeof value === 'number' && Number.isSafeInteger(value) && (field === 'ownerId' || field === 'repositoryId')) {
      out[field] = String(value);
    } else if (typeof value === 'string') {
      out[field] = value;
    } else {
      throw new InvalidInputError(`"${field}" must be a string.`);
    }
  }
  for (const field of ['project', 'ownerId', 'repository', 'repositoryId', 'workflow'] as const) {
    if (out[field] === undefined) throw new InvalidInputError(`"${field}" is missing: a publisher takes ${FIELDS.join(', ')} (owner may be given as repository "OWNER/NAME"; environment and provider are optional).`);
  }
  return out as unknown as PublisherInput;
}

function view(p: PublisherRecord): Record<string, unknown> {
  return { ...p, environment: p.environment === '' ? null : p.environment };
}

export function createPublisherRoutes(publishing: TrustedPublishing, guard: AccessGuard, logger: ErrorLogger): RouteHandler {
  async function route(request: HttpRequest): Promise<HttpResponse> {
    const authorization = request.headers['authorization'];
    const rest = request.path.slice(PUBLISHERS_PREFIX.length);
    if (rest === '' || rest === '/') {
      if (request.method === 'GET') {
        const principal = await guard.check(authorization, { kind: 'whoami' });
        const project = request.query.get('project') ?? undefined;
        if (project !== undefined && !isValidName(project)) throw new InvalidInputError(`"${project}" is not a valid project name.`);
        const publishers = await publishing.list(principal, project === undefined ? undefined : normalizeName(project));
        return jsonResponse(200, { publishers: publishers.map(view) }, NO_STORE);
      }
      if (request.method === 'POST') {
        const principal = await guard.check(authorization, { kind: 'whoami' });
        const input = parsePublisher(readJson(request));
        const { publisher, created } = await publishing.add(principal, input);
        return jsonResponse(created ? 201 : 200, { ...view(publisher), created }, NO_STORE);
      }
      return methodNotAllowed('GET, POST');
    }
    const id = decodeURIComponent(rest.slice(1));
    if (rest.startsWith('/') && id !== '' && !id.includes('/')) {
      if (request.method !== 'DELETE') return methodNotAllowed('DELETE');
      const principal = await guard.check(authorization, { kind: 'whoami' });
      return jsonResponse(200, view(await publishing.remove(principal, id)), NO_STORE);
    }
    await guard.check(authorization, { kind: 'whoami' });
    throw new NotFoundError(`No such API endpoint: ${request.method} ${request.path}. See /api/publishers.`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      return errorResponse(err, logger, 'json');
    }
  };
}
