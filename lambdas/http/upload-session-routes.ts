/**
 * The upload session API (`/upload/sessions...`), JSON in and out, for files of any size
 * up to the configured maximum (5 GiB):
 *
 *   POST   /upload/sessions                 declare {filename, size, sha256, filetype}
 *   GET    /upload/sessions/{id}            status (poll while `verifying`)
 *   POST   /upload/sessions/{id}/parts      fresh URLs for {partNumbers: [...]}
 *   POST   /upload/sessions/{id}/complete   {parts: [{partNumber, etag}]} for multipart
 *   DELETE /upload/sessions/{id}            cancel
 *
 * Every call needs a token with upload scope for the session's project (and, for a new
 * project, the scope to create it), exactly as the legacy upload does.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import { MAX_PART_URLS, type PartUrl, type UploadSessions } from '../app/upload-sessions.ts';
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import type { Principal } from '../core/access.ts';
import {
  parseCompletedParts,
  parsePartNumbers,
  parseSessionRequest,
  type UploadSession,
  VERIFY_DEADLINE_SECONDS,
  verifyDeadline,
} from '../core/upload-session.ts';
import type { UploadRights } from '../app/upload-rights.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export const UPLOAD_SESSIONS_PATH = '/upload/sessions';

export interface UploadSessionRouteDeps {
  readonly guard: AccessGuard;
  readonly sessions: UploadSessions;
  readonly rights: UploadRights;
  readonly maxSessionBytes: number;
  readonly logger: ErrorLogger;
}

const NO_STORE = { 'cache-control': 'no-store' };

function jsonBody(request: HttpRequest): unknown {
  const text = Buffer.from(request.body ?? new Uint8Array()).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('The request body is not valid JSON: send a JSON object (Content-Type: application/json).');
  }
}

export function sessionView(
  request: HttpRequest,
  session: UploadSession,
  parts?: readonly PartUrl[],
  verifyDeadlineSeconds = VERIFY_DEADLINE_SECONDS,
): Record<string, unknown> {
  const self = `${request.basePath}${UPLOAD_SESSIONS_PATH}/${session.id}`;
  return {
    id: session.id,
    status: session.status,
    project: session.project,
    filename: session.filename,
    size: session.size,
    sha256: session.sha256,
    mechanism: session.mechanism,
    partSize: session.partSize,
    partCount: session.partCount,
    expiresAt: session.expiresAt,
    // While verifying: when the session reads as failed if the verifier never reports, so a
    // client knows how long to poll.
    ...(session.status === 'verifying' ? { verifyDeadline: verifyDeadline(session, verifyDeadlineSeconds).toISOString() } : {}),
    ...(session.error !== undefined ? { error: session.error } : {}),
    ...(session.outcome !== undefined ? { outcome: session.outcome } : {}),
    ...(parts ? { parts } : {}),
    links: { self, parts: `${self}/parts`, complete: `${self}/complete` },
  };
}

export function createUploadSessionRoutes(deps: UploadSessionRouteDeps): RouteHandler {
  const view = (request: HttpRequest, session: UploadSession, parts?: readonly PartUrl[]) =>
    sessionView(request, session, parts, deps.sessions.verifyDeadlineSeconds);
  async function authorize(request: HttpRequest, project: string): Promise<Principal> {
    const principal = await deps.guard.authenticate(request.headers['authorization'], { kind: 'upload', project: '*' });
    deps.guard.require(principal, { kind: 'upload', project });
    return principal;
  }

  /** The session, once the caller has shown upload scope for its project. */
  async function owned(request: HttpRequest, id: string): Promise<UploadSession> {
    // Authenticate before saying whether the session exists.
    const principal = await deps.guard.authenticate(request.headers['authorization'], { kind: 'upload', project: '*' });
    const session = await deps.sessions.get(id);
    deps.guard.require(principal, { kind: 'upload', project: session.project });
    return session;
  }

  async function route(request: HttpRequest): Promise<HttpResponse> {
    const rest = request.path.slice(UPLOAD_SESSIONS_PATH.length).replace(/\/$/, '');
    const match = /^(?:\/([0-9a-f]{32})(\/parts|\/complete)?)?$/.exec(rest);
    if (!match) throw new NotFoundError(`Nothing is at ${request.path}. Start an upload session with POST ${request.basePath}${UPLOAD_SESSIONS_PATH}.`);
    const [, id, action] = match;
    const method = request.method;

    if (id === undefined) {
      if (method !== 'POST') throw new NotFoundError(`Start an upload session with POST ${request.basePath}${UPLOAD_SESSIONS_PATH}.`);
      // Who is asking, before the body is even read.
      await deps.guard.authenticate(request.headers['authorization'], { kind: 'upload', project: '*' });
      const declared = parseSessionRequest(jsonBody(request), deps.maxSessionBytes);
      const principal = await authorize(request, declared.project);
      await deps.rights.requireCreateIfNew(principal, declared.project);
      const created = await deps.sessions.create(declared, principal.tokenId);
      if ('existing' in created) {
        return jsonResponse(
          200,
          {
            status: 'published',
            outcome: 'unchanged',
            filename: created.filename,
            sha256: created.sha256,
            message: `${created.filename} was already published with these exact bytes; nothing to upload.`,
          },
          NO_STORE,
        );
      }
      return jsonResponse(201, view(request, created.session, created.parts), NO_STORE);
    }

    if (action === undefined && method === 'GET') {
      return jsonResponse(200, view(request, await owned(request, id)), NO_STORE);
    }
    if (action === undefined && method === 'DELETE') {
      await owned(request, id);
      return jsonResponse(200, view(request, await deps.sessions.cancel(id)), NO_STORE);
    }
    if (action === '/parts' && method === 'POST') {
      await owned(request, id);
      const session = await deps.sessions.pending(id);
      const numbers = parsePartNumbers((jsonBody(request) as { partNumbers?: unknown }).partNumbers, session.partCount, MAX_PART_URLS);
      return jsonResponse(200, view(request, session, await deps.sessions.partUrls(session, numbers)), NO_STORE);
    }
    if (action === '/complete' && method === 'POST') {
      const session = await owned(request, id);
      const parts =
        session.mechanism === 's3-multipart'
          ? parseCompletedParts((jsonBody(request) as { parts?: unknown }).parts, session.partCount)
          : [];
      const after = await deps.sessions.complete(id, parts);
      if (after.status === 'failed' || after.status === 'expired' || after.status === 'cancelled') {
        return jsonResponse(400, { ...view(request, after), error: after.error ?? `The upload session is ${after.status}.` }, NO_STORE);
      }
      return jsonResponse(after.status === 'verifying' ? 202 : 200, view(request, after), NO_STORE);
    }
    throw new NotFoundError(`Nothing takes a ${method} at ${request.path}.`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      return errorResponse(err, deps.logger, 'json');
    }
  };
}
