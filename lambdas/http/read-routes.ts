/**
 * Routes of the read function, composed: the simple API pages (simple-routes.ts), the
 * downloads (download-routes.ts), the health probe and the root. Access is decided here,
 * once, before any route looks anything up.
 */
import { isNormalizedName, isValidName, normalizeName } from '../core/names.ts';
import type { Action } from '../core/access.ts';
import { createDownloadRoutes, type DownloadRoutesDeps } from './download-routes.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse, redirectResponse, textResponse } from './responses.ts';
import { createSimpleRoutes, type SimpleRoutesDeps } from './simple-routes.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export interface ReadRoutesDeps extends SimpleRoutesDeps, DownloadRoutesDeps {
  readonly logger: ErrorLogger;
}

function splitPath(path: string): string[] | undefined {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/**
 * What a path asks to do, decided before anything is looked up, so that the answer to a
 * caller without access never depends on what the index holds.
 */
function actionFor(segments: readonly string[]): Action {
  const [first, name] = segments;
  if (first === 'simple' && name !== undefined && name !== '' && isValidName(name)) {
    return { kind: 'read', project: normalizeName(name) };
  }
  if ((first === 'files' || first === 'upstream' || first === 'integrity') && name !== undefined && isNormalizedName(name)) {
    return { kind: 'read', project: name };
  }
  // The root listing, and paths that name no project: only who is asking matters.
  return { kind: 'list' };
}

export function createReadRoutes(deps: ReadRoutesDeps): RouteHandler {
  const simple = createSimpleRoutes(deps);
  const downloads = createDownloadRoutes(deps);

  async function route(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return textResponse(405, `${request.method} is not allowed here; this path serves GET and HEAD.`, {
        allow: 'GET, HEAD',
      });
    }
    const segments = splitPath(request.path);
    if (!segments) return textResponse(400, 'The URL path is not valid percent-encoded UTF-8.');
    const [first, ...rest] = segments;

    if (segments.length === 1 && (first === '' || first === undefined)) {
      return redirectResponse(302, `${request.basePath}/simple/`);
    }
    if (first === 'health' && rest.length === 0) {
      return jsonResponse(200, { status: 'ok' }, { 'cache-control': 'no-store' });
    }
    const principal = await deps.guard.check(request.headers['authorization'], actionFor(segments));
    if (first === 'simple') {
      const page = await simple(request, rest, principal);
      if (page) return page;
    }
    if (first === 'files') return downloads.files(rest);
    if (first === 'upstream') return downloads.upstream(rest);
    // Provenance (PEP 740) says who published a file, and can change with no page change
    // only by a quarantine: kept as long as a page.
    if (first === 'integrity') return downloads.provenance(rest, deps.guard.publicRead ? deps.pageCacheControl : `private, ${deps.pageCacheControl}`);
    if (first === 'legacy' && rest.length <= 1 && (rest[0] ?? '') === '') {
      return textResponse(
        405,
        `The upload API takes POST: twine upload --repository-url ${request.basePath}/legacy/ ... ; pip reads ${request.basePath}/simple/.`,
        { allow: 'POST' },
      );
    }
    return textResponse(404, `Nothing here. The index is at ${request.basePath}/simple/.`);
  }

  return async (request) => {
    try {
      return await route(request);
    } catch (err) {
      return errorResponse(err, deps.logger);
    }
  };
}
