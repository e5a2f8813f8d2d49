/**
 * Trusted publishers in the admin API (JSON, errors as `{"error": "..."}`):
 *
 *   GET    /api/publishers[?project=P]   the publishers the calling token may manage
 *   POST   /api/publishers               add one (admin, or upload scope on the project)
 *   DELETE /api/publishers/{id}          remove one (same)
 *
 * Body of POST: {"project", "provider"?, "pending"?, ...the provider's fields}:
 *   github (the default): "owner"?, "ownerId", "repository", "repositoryId", "workflow", "environment"?
 *   gitlab: "issuer"?, "projectPath", "projectId", "namespaceId", "ciConfigPath"?, "environment"?
 *   google: "email", "subject"?
 * Ids may be strings or numbers (GitHub's and GitLab's APIs give numbers). `"pending": true`
 * (admin only) registers a pending publisher for a project that does not exist yet.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { TrustedPublishing } from '../app/trusted-publishing.ts';
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import { isValidName, normalizeName } from '../core/names.ts';
import {
  isPublisherProvider,
  PUBLISHER_PROVIDERS,
  rulesFor,
  type PublisherInput,
  type PublisherRecord,
} from '../core/trusted-publishing.ts';
import { readJson } from './admin-routes.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export const PUBLISHERS_PREFIX = '/api/publishers';
const NO_STORE = { 'cache-control': 'no-store' };
/** Fields that are numbers in the providers' own APIs. */
const NUMERIC_FIELDS = new Set(['ownerId', 'repositoryId', 'projectId', 'namespaceId', 'subject']);
/** Optional fields stored as '' for "none", shown as null. */
const OPTIONAL_FIELDS = ['environment', 'subject'] as const;

function methodNotAllowed(allowed: string): HttpResponse {
  return jsonResponse(405, { error: `Method not allowed here; use ${allowed}.` }, { allow: allowed, ...NO_STORE });
}

function parsePublisher(body: Record<string, unknown>): { input: PublisherInput; pending: boolean } {
  const provider = body['provider'] ?? 'github';
  if (!isPublisherProvider(provider)) {
    throw new InvalidInputError(`"provider" must be one of ${PUBLISHER_PROVIDERS.join(', ')}, not ${JSON.stringify(provider)}.`);
  }
  const rules = rulesFor(provider);
  const fields = ['project', 'provider', 'pending', ...rules.fields];
  const unknown = Object.keys(body).filter((k) => !fields.includes(k));
  if (unknown.length > 0) {
    throw new InvalidInputError(`Unknown field(s) ${unknown.join(', ')}: a ${provider} publisher takes ${fields.join(', ')}.`);
  }
  const pending = body['pending'] ?? false;
  if (typeof pending !== 'boolean') throw new InvalidInputError('"pending" must be true or false.');
  const out: Record<string, string> = { provider };
  for (const field of ['project', ...rules.fields]) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number' && Number.isSafeInteger(value) && NUMERIC_FIELDS.has(field)) {
      out[field] = String(value);
    } else if (typeof value === 'string') {
      out[field] = value;
    } else {
      throw new InvalidInputError(`"${field}" must be a string.`);
    }
  }
  for (const field of ['project', ...rules.requiredFields]) {
    if (out[field] === undefined) {
      throw new InvalidInputError(`"${field}" is missing: a ${provider} publisher takes ${fields.join(', ')} (required: project, ${rules.requiredFields.join(', ')}).`);
    }
  }
  return { input: out as unknown as PublisherInput, pending };
}

export function publisherView(p: PublisherRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { ...p, pending: p.pending === true };
  for (const field of OPTIONAL_FIELDS) if (view[field] === '') view[field] = null;
  return view;
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
        return jsonResponse(200, { publishers: publishers.map(publisherView) }, NO_STORE);
      }
      if (request.method === 'POST') {
        const principal = await guard.check(authorization, { kind: 'whoami' });
        const { input, pending } = parsePublisher(readJson(request));
        const { publisher, created } = await publishing.add(principal, input, { pending });
        return jsonResponse(created ? 201 : 200, { ...publisherView(publisher), created }, NO_STORE);
      }
      return methodNotAllowed('GET, POST');
    }
    const id = decodeURIComponent(rest.slice(1));
    if (rest.startsWith('/') && id !== '' && !id.includes('/')) {
      if (request.method !== 'DELETE') return methodNotAllowed('DELETE');
      const principal = await guard.check(authorization, { kind: 'whoami' });
      return jsonResponse(200, publisherView(await publishing.remove(principal, id)), NO_STORE);
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
