/**
 * Yank, un-yank and delete (PEP 592; deletion leaves a tombstone), under `/api/projects/`:
 *
 *   POST   /api/projects/{project}/releases/{version}/yank     {"reason": "..."} (optional)
 *   POST   /api/projects/{project}/releases/{version}/unyank
 *   DELETE /api/projects/{project}/releases/{version}
 *   POST   /api/projects/{project}/files/{filename}/yank       {"reason": "..."} (optional)
 *   POST   /api/projects/{project}/files/{filename}/unyank
 *   DELETE /api/projects/{project}/files/{filename}
 *   GET    /api/projects/{project}/status                     the project's status (PEP 792)
 *   PUT    /api/projects/{project}/status                     {"status": "archived", "reason": "..."}
 *
 * Allowed to tokens with upload scope for the project, and to admins; quarantine (into it
 * or out of it) to admins only. JSON in and out.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { AdminTarget, ProjectAdmin, ProjectStatusView } from '../app/project-admin.ts';
import { parseStatusMarker } from '../core/project-status.ts';
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../core/errors.ts';
import type { DistributionFile, Tombstone } from '../core/model.ts';
import { isValidName, normalizeName } from '../core/names.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export interface ProjectRoutesDeps {
  readonly guard: AccessGuard;
  readonly projectAdmin: ProjectAdmin;
  readonly logger: ErrorLogger & { info(message: string, extra: Record<string, unknown>): void };
}

const NO_STORE = { 'cache-control': 'no-store' };
const MAX_BODY_BYTES = 16 * 1024;
const USAGE =
  'Use POST /api/projects/{project}/releases/{version}/yank or /unyank, DELETE /api/projects/{project}/releases/{version}, ' +
  'or the same with files/{filename} instead of releases/{version}; GET or PUT /api/projects/{project}/status.';

function jsonObject(request: HttpRequest, shape: string): Record<string, unknown> {
  const body = request.body;
  if (!body || body.byteLength === 0) throw new InvalidInputError(`Send a JSON body: ${shape}.`);
  if (body.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(`The JSON body may be at most ${MAX_BODY_BYTES} bytes.`);
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidInputError(`Send the body as JSON, with Content-Type: application/json: ${shape}.`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new InvalidInputError(`The request body is not valid JSON: send ${shape}.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError(`The body must be a JSON object: ${shape}.`);
  return value as Record<string, unknown>;
}

const STATUS_SHAPE = '{"status": "active" | "archived" | "quarantined" | "deprecated", "reason": "..."}';

function statusBody(request: HttpRequest) {
  const { status, reason, ...rest } = jsonObject(request, STATUS_SHAPE);
  if (Object.keys(rest).length > 0) throw new InvalidInputError(`Unknown field(s) ${Object.keys(rest).join(', ')}: a status takes "status" and "reason".`);
  return parseStatusMarker(status, reason);
}

const statusView = (v: ProjectStatusView) => ({
  project: v.project,
  displayName: v.displayName,
  status: v.status.status,
  ...(v.status.reason !== undefined ? { reason: v.status.reason } : {}),
});

function optionalReason(request: HttpRequest): string {
  const body = request.body;
  if (!body || body.byteLength === 0) return '';
  if (body.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(`The JSON body may be at most ${MAX_BODY_BYTES} bytes.`);
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidInputError('Send the body as JSON, with Content-Type: application/json: {"reason": "..."}.');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new InvalidInputError('The request body is not valid JSON: send {"reason": "..."}.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidInputError('The body must be a JSON object: {"reason": "..."}.');
  const { reason, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new InvalidInputError(`Unknown field(s) ${Object.keys(rest).join(', ')}: a yank takes only "reason".`);
  if (reason !== undefined && typeof reason !== 'string') throw new InvalidInputError('"reason" must be a string.');
  return reason ?? '';
}

const fileView = (f: DistributionFile) => ({
  filename: f.filename,
  version: f.version,
  yanked: f.yanked !== undefined,
  ...(f.yanked !== undefined ? { yankedReason: f.yanked.reason } : {}),
});
const tombstoneView = (t: Tombstone) => ({ filename: t.filename, version: t.version, deletedAt: t.deletedAt, deletedBy: t.deletedBy });

export function createProjectRoutes(deps: ProjectRoutesDeps): RouteHandler {
  async function route(request: HttpRequest): Promise<HttpResponse> {
    let segments: string[];
    try {
      segments = request.path.split('/').slice(3).map(decodeURIComponent);
    } catch {
      throw new InvalidInputError('The URL path is not valid percent-encoded UTF-8.');
    }
    const [rawProject = '', kind, value, verb, ...extra] = segments;
    const authorization = request.headers['authorization'];
    if (!isValidName(rawProject)) {
      await deps.guard.authenticate(authorization, { kind: 'whoami' });
      throw new NotFoundError(`"${rawProject}" is not a valid project name. ${USAGE}`);
    }
    const project = normalizeName(rawProject);
    const principal = await deps.guard.authenticate(authorization, { kind: 'manage', project });
    deps.guard.require(principal, { kind: 'manage', project });

    if (kind === 'status' && value === undefined) {
      if (request.method === 'GET') return jsonResponse(200, statusView(await deps.projectAdmin.status(project)), NO_STORE);
      if (request.method === 'PUT') {
        const marker = statusBody(request);
        const view = await deps.projectAdmin.setStatus(project, marker, { admin: principal.permissions.isAdmin });
        deps.logger.info('project-admin', { projectAdmin: { tokenId: principal.tokenId, action: 'status', project, ...marker } });
        return jsonResponse(200, statusView(view), NO_STORE);
      }
      throw new NotFoundError(`No such endpoint: ${request.method} ${request.path}. Read the status with GET, set it with PUT ${STATUS_SHAPE}.`);
    }
    if ((kind !== 'releases' && kind !== 'files') || !value || extra.length > 0) throw new NotFoundError(`No such endpoint. ${USAGE}`);
    const target: AdminTarget = kind === 'releases' ? { version: value } : { filename: value };
    const by = `token:${principal.tokenId}`;
    const audit = (action: string) =>
      deps.logger.info('project-admin', { projectAdmin: { tokenId: principal.tokenId, action, project, ...target } });

    if (request.method === 'DELETE' && verb === undefined) {
      const deleted = await deps.projectAdmin.delete(project, target, by);
      audit('delete');
      return jsonResponse(200, { project, deleted: deleted.map(tombstoneView) }, NO_STORE);
    }
    if (request.method === 'POST' && verb === 'yank') {
      const files = await deps.projectAdmin.yank(project, target, optionalReason(request));
      audit('yank');
      return jsonResponse(200, { project, files: files.map(fileView) }, NO_STORE);
    }
    if (request.method === 'POST' && verb === 'unyank') {
      const files = await deps.projectAdmin.unyank(project, target);
      audit('unyank');
      return jsonResponse(200, { project, files: files.map(fileView) }, NO_STORE);
    }
    throw new NotFoundError(`No such endpoint: ${request.method} ${request.path}. ${USAGE}`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      return errorResponse(err, deps.logger, 'json');
    }
  };
}
