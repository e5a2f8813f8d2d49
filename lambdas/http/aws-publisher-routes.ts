/**
 * AWS publishers in the admin API (JSON, errors as `{"error": "..."}`), beside the GitHub
 * ones at /api/publishers (lambdas/http/publisher-routes.ts):
 *
 *   GET    /api/publishers/aws[?project=P]   the AWS publishers the calling token may manage
 *   POST   /api/publishers/aws               {"project", "roleArn", "roleId"?}: add one
 *   DELETE /api/publishers/aws/{id}          remove one
 *
 * Who may: an admin, or a token with upload scope on the project.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { AwsIdentity } from '../app/aws-identity.ts';
import { roleArnOf, type AwsPublisherInput, type AwsPublisherRecord } from '../core/aws-publisher.ts';
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import { isValidName, normalizeName } from '../core/names.ts';
import { readJson } from './admin-routes.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export const AWS_PUBLISHERS_PREFIX = '/api/publishers/aws';
const NO_STORE = { 'cache-control': 'no-store' };
const FIELDS = ['project', 'provider', 'roleArn', 'roleId'] as const;

function parse(body: Record<string, unknown>): AwsPublisherInput {
  const unknown = Object.keys(body).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new InvalidInputError(`Unknown field(s) ${unknown.join(', ')}: an AWS publisher takes project, roleArn and roleId (optional).`);
  for (const field of FIELDS) {
    if (body[field] !== undefined && body[field] !== null && typeof body[field] !== 'string') throw new InvalidInputError(`"${field}" must be a string.`);
  }
  if (body['provider'] !== undefined && body['provider'] !== null && body['provider'] !== 'aws') {
    throw new InvalidInputError(`"provider" is "${String(body['provider'])}" here: /api/publishers/aws takes AWS publishers only.`);
  }
  for (const field of ['project', 'roleArn'] as const) {
    if (typeof body[field] !== 'string') throw new InvalidInputError(`"${field}" is missing: an AWS publisher takes project, roleArn and roleId (optional).`);
  }
  return {
    project: body['project'] as string,
    roleArn: body['roleArn'] as string,
    ...(typeof body['roleId'] === 'string' ? { roleId: body['roleId'] } : {}),
  };
}

/** A publisher as the API shows it: with its role ARN, and `roleId: null` until pinned. */
export function awsPublisherView(p: AwsPublisherRecord): Record<string, unknown> {
  return { ...p, roleArn: roleArnOf(p), roleId: p.roleId === '' ? null : p.roleId };
}

export function createAwsPublisherRoutes(identity: AwsIdentity, guard: AccessGuard, logger: ErrorLogger): RouteHandler {
  async function route(request: HttpRequest): Promise<HttpResponse> {
    const authorization = request.headers['authorization'];
    const rest = request.path.slice(AWS_PUBLISHERS_PREFIX.length);
    const principal = await guard.check(authorization, { kind: 'whoami' });
    if (rest === '' || rest === '/') {
      if (request.method === 'GET') {
        const project = request.query.get('project') ?? undefined;
        if (project !== undefined && !isValidName(project)) throw new InvalidInputError(`"${project}" is not a valid project name.`);
        const publishers = await identity.list(principal, project === undefined ? undefined : normalizeName(project));
        return jsonResponse(200, { publishers: publishers.map(awsPublisherView) }, NO_STORE);
      }
      if (request.method === 'POST') {
        const { publisher, created } = await identity.add(principal, parse(readJson(request)));
        return jsonResponse(created ? 201 : 200, { ...awsPublisherView(publisher), created }, NO_STORE);
      }
      return jsonResponse(405, { error: 'Method not allowed here; use GET, POST.' }, { allow: 'GET, POST', ...NO_STORE });
    }
    const id = decodeURIComponent(rest.slice(1));
    if (rest.startsWith('/') && id !== '' && !id.includes('/')) {
      if (request.method !== 'DELETE') return jsonResponse(405, { error: 'Method not allowed here; use DELETE.' }, { allow: 'DELETE', ...NO_STORE });
      return jsonResponse(200, awsPublisherView(await identity.remove(principal, id)), NO_STORE);
    }
    throw new NotFoundError(`No such API endpoint: ${request.method} ${request.path}. See /api/publishers/aws.`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      return errorResponse(err, logger, 'json');
    }
  };
}
