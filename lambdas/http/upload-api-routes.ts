/**
 * PEP 694, the Upload 2.0 API (draft of 2026-07-29), at `/upload/2.0/`. JSON in and out as
 * `application/vnd.pypi.upload.v2+json`; every error an RFC 9457 problem
 * (`application/problem+json`) with the draft's `meta` and `errors` members.
 *
 *   GET    /upload/2.0/                                   discovery: version, mechanisms, limits
 *   POST   /upload/2.0/                                   create a publishing session {name, version}
 *   GET    /upload/2.0/sessions/{token}                   status        DELETE  cancel
 *   POST   /upload/2.0/sessions/{token}/publish           publish       POST .../extend {extend-for}
 *   POST   /upload/2.0/sessions/{token}/files             a file upload session {filename, size, hashes, mechanism}
 *   GET    /upload/2.0/sessions/{token}/files/{id}        status        DELETE  cancel / delete the file
 *   POST   /upload/2.0/sessions/{token}/files/{id}/complete
 *   POST   /upload/2.0/sessions/{token}/files/{id}/bytes         http-post-bytes: the file's bytes
 *   POST   /upload/2.0/sessions/{token}/files/{id}/attestations  PEP 740 attestations (a JSON array)
 *   POST   /upload/2.0/sessions/{token}/files/{id}/parts         vnd-wharf-s3multipart-presigned: fresh part URLs
 *   GET    /upload/2.0/stage/{token}/[{project}/]         the stage preview: a simple index of the staged files
 *
 * The session token is the session's id: 128 random bits. Every request but the stage preview
 * needs a token with upload scope for the session's project, checked on each request.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import type { PublishingSessions } from '../app/publishing-sessions.ts';
import type { UploadRights } from '../app/upload-rights.ts';
import { MAX_PART_URLS, type PartUrl, type UploadSessions } from '../app/upload-sessions.ts';
import type { Principal } from '../core/access.ts';
import { checkAttestations } from '../core/attestations.ts';
import {
  FileExistsError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  WharfError,
} from '../core/errors.ts';
import { escapeHtml } from '../core/html.ts';
import {
  asObject,
  fileUploadStatus,
  HTTP_POST_BYTES,
  parseCreateRequest,
  parseExtendRequest,
  parseFileRequest,
  POST_BYTES_MAX,
  PROBLEM_JSON,
  type ProblemItem,
  type PublishingSession,
  S3_MULTIPART_PRESIGNED,
  UnsupportedMechanismError,
  UPLOAD_API_VERSION,
  UPLOAD_V2_JSON,
  UploadConflictError,
} from '../core/publishing-session.ts';
import { parseCompletedParts, parsePartNumbers, type UploadSession, verifyDeadline } from '../core/upload-session.ts';
import { statusOf, WWW_AUTHENTICATE, type ErrorLogger } from './error-map.ts';
import { linksFor } from './json-api-routes.ts';
import { redirectResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export const UPLOAD_API_ROOT = '/upload/2.0';

export interface UploadApiRouteDeps {
  readonly guard: AccessGuard;
  readonly publishing: PublishingSessions;
  readonly uploads: UploadSessions;
  readonly rights: UploadRights;
  readonly maxSessionBytes: number;
  readonly logger: ErrorLogger;
}

const META = { 'api-version': UPLOAD_API_VERSION };
const NO_STORE = { 'cache-control': 'no-store' };
/** Mechanisms in the order this index prefers them: S3 takes any size, http-post-bytes up to POST_BYTES_MAX. */
export const MECHANISMS = [S3_MULTIPART_PRESIGNED, HTTP_POST_BYTES] as const;
/** Seconds a client should wait before polling a file upload session again (the draft's Retry-After). */
const RETRY_AFTER_SECONDS = 1;

function v2(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': UPLOAD_V2_JSON, ...NO_STORE, ...headers }, body: JSON.stringify(value) };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

/** Status codes this API gives beyond the shared error map: the draft's 409 and 422. */
function problemStatus(err: unknown): number {
  if (err instanceof UploadConflictError || err instanceof FileExistsError) return 409;
  if (err instanceof UnsupportedMechanismError) return 422;
  if (err instanceof MediaTypeError) return err.status;
  return statusOf(err);
}

class MediaTypeError extends WharfError {
  constructor(
    readonly status: 406 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An RFC 9457 problem. `detail` is RFC 9457's member; the draft's example spells it `details`,
 * so both carry the message. `errors` always holds at least one entry.
 */
export function problemResponse(err: unknown, logger: ErrorLogger): HttpResponse {
  const status = problemStatus(err);
  const domain = status < 500;
  if (!domain) logger.error('Unhandled error', err as Error);
  const detail = domain ? (err as Error).message : 'Internal server error: the request failed on our side; retry it later.';
  const items: readonly ProblemItem[] = err instanceof UploadConflictError && err.errors.length > 0 ? err.errors : [{ source: 'request', message: detail }];
  const headers: Record<string, string> = { 'content-type': PROBLEM_JSON, ...NO_STORE };
  if (status === 401) headers['www-authenticate'] = WWW_AUTHENTICATE;
  if (err instanceof UploadConflictError && err.location) headers['location'] = err.location;
  return {
    status,
    headers,
    body: JSON.stringify({ type: 'about:blank', status, title: TITLES[status] ?? 'Error', detail, details: detail, meta: META, errors: items }),
  };
}

function jsonBody(request: HttpRequest): unknown {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== '' && type !== UPLOAD_V2_JSON && type !== 'application/json') {
    throw new MediaTypeError(415, `Send Upload 2.0 requests as Content-Type: ${UPLOAD_V2_JSON}, not ${type}.`);
  }
  const text = Buffer.from(request.body ?? new Uint8Array()).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError(`The request body is not valid JSON: send a JSON object (Content-Type: ${UPLOAD_V2_JSON}).`);
  }
}

/** Server-driven negotiation (PEP 691's way): this API answers only v2 JSON. */
function checkAccept(request: HttpRequest): void {
  const accept = request.headers['accept'];
  if (!accept) return;
  const ok = accept
    .split(',')
    .map((part) => part.split(';'))
    .some(([type, ...params]) => {
      const t = type!.trim().toLowerCase();
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      if (q !== undefined && Number(q.slice(2)) === 0) return false;
      return t === '*/*' || t === 'application/*' || t === UPLOAD_V2_JSON || t === 'application/json' || t === PROBLEM_JSON;
    });
  if (!ok) throw new MediaTypeError(406, `This index answers the Upload API as ${UPLOAD_V2_JSON} only (API version ${UPLOAD_API_VERSION}); ask for it in Accept.`);
}

export function createUploadApiRoutes(deps: UploadApiRouteDeps): RouteHandler {
  async function principalOf(request: HttpRequest): Promise<Principal> {
    return deps.guard.authenticate(request.headers['authorization'], { kind: 'upload', project: '*' });
  }

  /** The session, once the caller shows upload scope for its project now (the draft: on every request). */
  async function authorized(request: HttpRequest, id: string): Promise<{ principal: Principal; session: PublishingSession }> {
    const principal = await principalOf(request);
    const session = await deps.publishing.get(id);
    deps.guard.require(principal, { kind: 'upload', project: session.project });
    return { principal, session };
  }

  function urls(request: HttpRequest, session: Pick<PublishingSession, 'id'>) {
    const base = `${linksFor(request).base}${UPLOAD_API_ROOT}`;
    const self = `${base}/sessions/${session.id}`;
    return { base, self, stage: `${base}/stage/${session.id}/`, file: (fileId: string) => `${self}/files/${fileId}` };
  }

  async function sessionView(request: HttpRequest, session: PublishingSession): Promise<Record<string, unknown>> {
    const u = urls(request, session);
    const files: Record<string, unknown> = {};
    for (const file of await deps.publishing.files(session)) {
      const status = fileUploadStatus(file.status);
      if (status === 'canceled') continue;
      files[file.filename] = { status, link: u.file(file.id), ...(file.error ? { notices: [file.error] } : {}) };
    }
    const live = session.status === 'open' || session.status === 'error' || session.status === 'processing';
    return {
      meta: META,
      links: {
        session: u.self,
        ...(live
          ? { upload: `${u.self}/files`, publish: `${u.self}/publish`, extend: `${u.self}/extend`, stage: u.stage }
          : {}),
      },
      mechanisms: MECHANISMS,
      ...(live ? { 'session-token': session.id } : {}),
      'expires-at': session.expiresAt,
      status: session.status,
      files,
      notices: session.notices ?? [],
    };
  }

  function fileView(request: HttpRequest, session: PublishingSession, file: UploadSession, parts?: readonly PartUrl[]): Record<string, unknown> {
    const self = urls(request, session).file(file.id);
    const identifier = file.mechanism === 'http-post-bytes' ? (file.mechanismName ?? HTTP_POST_BYTES) : S3_MULTIPART_PRESIGNED;
    const mechanism =
      file.mechanism === 'http-post-bytes'
        ? { identifier, file_url: `${self}/bytes`, attestations_url: `${self}/attestations` }
        : {
            identifier,
            // One presigned PUT for a file up to the single-PUT size, else an S3 multipart upload.
            kind: file.mechanism === 's3-multipart' ? 'multipart' : 'put',
            'part-size': file.partSize,
            'part-count': file.partCount,
            ...(parts ? { parts: parts.map((p) => ({ 'part-number': p.partNumber, offset: p.offset, size: p.size, url: p.url })) } : {}),
            parts_url: `${self}/parts`,
            attestations_url: `${self}/attestations`,
          };
    return {
      meta: META,
      links: { 'file-upload-session': self, complete: `${self}/complete` },
      status: fileUploadStatus(file.status),
      'expires-at': session.expiresAt,
      mechanism,
      ...(file.error ? { notices: [file.error] } : {}),
      // While verifying: when the file reads as failed if the verifier never reports, so a client knows how long to poll.
      ...(file.status === 'verifying'
        ? { '_wharf': { 'verify-deadline': verifyDeadline(file, deps.uploads.verifyDeadlineSeconds).toISOString() } }
        : {}),
    };
  }

  function discovery(request: HttpRequest): Record<string, unknown> {
    const base = `${linksFor(request).base}${UPLOAD_API_ROOT}`;
    return {
      meta: META,
      links: { create: `${base}/` },
      mechanisms: MECHANISMS,
      '_wharf': {
        limits: {
          [HTTP_POST_BYTES]: { 'max-bytes': POST_BYTES_MAX },
          [S3_MULTIPART_PRESIGNED]: { 'max-bytes': deps.maxSessionBytes },
        },
        'legacy-upload': `${linksFor(request).base}/legacy/`,
      },
    };
  }

  async function route(request: HttpRequest): Promise<HttpResponse> {
    const rest = request.path.slice(UPLOAD_API_ROOT.length);
    const method = request.method;

    if (rest === '' || rest === '/') {
      checkAccept(request);
      if (method === 'GET' || method === 'HEAD') return v2(200, discovery(request));
      if (method !== 'POST') throw new NotFoundError(`Create a publishing session with POST ${request.basePath}${UPLOAD_API_ROOT}/.`);
      const principal = await principalOf(request);
      const wanted = parseCreateRequest(jsonBody(request));
      deps.guard.require(principal, { kind: 'upload', project: wanted.project });
      await deps.rights.requireCreateIfNew(principal, wanted.project);
      try {
        const session = await deps.publishing.create(wanted, principal.tokenId);
        return v2(201, await sessionView(request, session), { location: urls(request, session).self });
      } catch (err) {
        if (err instanceof UploadConflictError && err.location) {
          throw new UploadConflictError(err.message, err.errors, urls(request, { id: err.location }).self);
        }
        throw err;
      }
    }

    const stage = /^\/stage\/([0-9a-f]{32})(\/.*)?$/.exec(rest);
    if (stage && (method === 'GET' || method === 'HEAD')) return stagePreview(request, stage[1]!, stage[2] ?? '');

    const match = /^\/sessions\/([0-9a-f]{32})(?:\/(publish|extend|files)(?:\/([0-9a-f]{32})(?:\/(complete|bytes|attestations|parts))?)?)?\/?$/.exec(rest);
    if (!match) throw new NotFoundError(`Nothing is at ${request.path}. The Upload 2.0 API's root is ${request.basePath}${UPLOAD_API_ROOT}/.`);
    const [, id, action, fileId, fileAction] = match as unknown as [string, string, string | undefined, string | undefined, string | undefined];
    if (fileAction !== 'bytes') checkAccept(request);
    const { principal, session } = await authorized(request, id);

    if (action === undefined) {
      if (method === 'GET' || method === 'HEAD') return v2(200, await sessionView(request, session));
      if (method === 'DELETE') {
        const cancelled = await deps.publishing.cancel(id);
        return v2(200, await sessionView(request, cancelled), { location: urls(request, session).self });
      }
    }
    if (action === 'publish' && method === 'POST') {
      asObject(jsonBody(request), `to publish: {"meta": {"api-version": "${UPLOAD_API_VERSION}"}}`);
      if (session.newProject) await deps.rights.requireCreateIfNew(principal, session.project);
      const published = await deps.publishing.publish(id);
      return v2(published.status === 'processing' ? 202 : 201, await sessionView(request, published), { location: urls(request, session).self });
    }
    if (action === 'extend' && method === 'POST') {
      const extended = await deps.publishing.extend(id, parseExtendRequest(jsonBody(request)));
      return v2(200, await sessionView(request, extended));
    }
    if (action === 'files' && fileId === undefined && method === 'POST') {
      const body = jsonBody(request);
      const wanted = parseFileRequest(body, session, deps.maxSessionBytes);
      const { session: now, file, parts } = await deps.publishing.addFile(id, wanted, principal.tokenId);
      return v2(202, fileView(request, now, file, parts), { location: urls(request, session).file(file.id), 'retry-after': String(RETRY_AFTER_SECONDS) });
    }
    if (action === 'files' && fileId !== undefined) {
      const file = await deps.publishing.file(session, fileId);
      const headers = { 'retry-after': String(RETRY_AFTER_SECONDS) };
      if (fileAction === undefined && (method === 'GET' || method === 'HEAD')) return v2(200, fileView(request, session, file), headers);
      if (fileAction === undefined && method === 'DELETE') {
        await deps.publishing.deleteFile(session, file);
        return { status: 204, headers: { ...NO_STORE } };
      }
      if (method === 'POST' && fileAction !== undefined) {
        await deps.publishing.editable(id);
        if (fileAction === 'bytes') {
          const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (type !== 'application/octet-stream') {
            throw new MediaTypeError(415, `POST the file's bytes as Content-Type: application/octet-stream, not ${type || 'none'}.`);
          }
          const bytes = request.body ?? new Uint8Array();
          if (bytes.byteLength > POST_BYTES_MAX) {
            throw new PayloadTooLargeError(`${HTTP_POST_BYTES} carries at most ${POST_BYTES_MAX} bytes here: upload larger files with ${S3_MULTIPART_PRESIGNED}.`);
          }
          const received = await deps.uploads.receiveBytes(file.id, bytes);
          return v2(200, fileView(request, session, received), headers);
        }
        if (fileAction === 'attestations') {
          const attested = await deps.uploads.attest(file.id, checkAttestations(jsonBody(request)));
          return v2(200, fileView(request, session, attested), headers);
        }
        if (fileAction === 'parts') {
          const pending = await deps.uploads.pending(file.id);
          if (pending.mechanism === 'http-post-bytes') throw new InvalidInputError(`${file.filename} is uploaded by ${HTTP_POST_BYTES}: POST its bytes to its file_url.`);
          const body = asObject(jsonBody(request), '{"meta": {...}, "part-numbers": [1, 2, ...]}');
          const numbers = parsePartNumbers(body['part-numbers'], pending.partCount, MAX_PART_URLS);
          return v2(200, fileView(request, session, pending, await deps.uploads.partUrls(pending, numbers)), headers);
        }
        if (fileAction === 'complete') {
          const body = asObject(jsonBody(request), `to complete an upload: {"meta": {"api-version": "${UPLOAD_API_VERSION}"}}`);
          const parts =
            file.mechanism === 's3-multipart'
              ? parseCompletedParts(
                  Array.isArray(body['parts'])
                    ? (body['parts'] as { 'part-number'?: unknown; etag?: unknown }[]).map((p) => ({ partNumber: p?.['part-number'], etag: p?.etag }))
                    : body['parts'],
                  file.partCount,
                )
              : [];
          const after = await deps.uploads.complete(file.id, parts);
          const location = { location: urls(request, session).file(file.id), ...headers };
          if (after.status === 'failed' || after.status === 'expired' || after.status === 'cancelled') {
            const problem = problemResponse(new InvalidInputError(after.error ?? `The upload of ${file.filename} failed.`), deps.logger);
            return { ...problem, headers: { ...problem.headers, ...location } };
          }
          return v2(after.status === 'verifying' ? 202 : 201, fileView(request, session, after), location);
        }
      }
    }
    throw new NotFoundError(`Nothing takes a ${method} at ${request.path}.`);
  }

  /** The stage preview: a PEP 503 index of the session's completed files, for pip's --extra-index-url. */
  async function stagePreview(request: HttpRequest, id: string, rest: string): Promise<HttpResponse> {
    const session = await deps.publishing.get(id).catch(() => undefined);
    const gone = () => new NotFoundError(`There is no stage ${id}: it was published, cancelled or never existed.`);
    if (!session || !(session.status === 'open' || session.status === 'error' || session.status === 'processing')) throw gone();
    const files = (await deps.publishing.files(session)).filter((f) => f.status === 'completed');
    const base = `${request.basePath}${UPLOAD_API_ROOT}/stage/${id}`;
    const html = (title: string, body: string) => ({
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE },
      body: `<!DOCTYPE html>\n<html>\n<head>\n<meta name="pypi:repository-version" content="1.0">\n<title>${escapeHtml(title)}</title>\n</head>\n<body>\n${body}</body>\n</html>\n`,
    });
    if (rest === '' || rest === '/') {
      return html('Stage', `<a href="${escapeHtml(`${base}/${session.project}/`)}">${escapeHtml(session.project)}</a>\n`);
    }
    const page = /^\/([a-z0-9._-]+)\/?$/.exec(rest);
    if (page) {
      if (page[1] !== session.project) throw new NotFoundError(`The stage ${id} holds ${session.project} only.`);
      const links = files
        .map((f) => `<a href="${escapeHtml(`${base}/files/${f.id}/${encodeURIComponent(f.filename)}#sha256=${f.sha256}`)}">${escapeHtml(f.filename)}</a><br>\n`)
        .join('');
      return html(`Links for ${session.project}`, `<h1>Links for ${escapeHtml(session.project)}</h1>\n${links}`);
    }
    const download = /^\/files\/([0-9a-f]{32})\/([^/]+)$/.exec(rest);
    const file = download && files.find((f) => f.id === download[1] && encodeURIComponent(f.filename) === download[2]);
    if (!file) throw gone();
    const url = await deps.uploads.stagedDownload(file);
    return redirectResponse(302, url, NO_STORE);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      return problemResponse(err, deps.logger);
    }
  };
}
