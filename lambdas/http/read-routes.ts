/**
 * Routes of the read function, composed: the simple API pages (simple-routes.ts), PyPI's
 * JSON API (json-api-routes.ts), the downloads (download-routes.ts), the health probe and
 * the root. Access is decided here,
 * once, before any route looks anything up.
 */
import { isNormalizedName, isValidName, normalizeName } from '../core/names.ts';
import type { Action } from '../core/access.ts';
import { createDownloadRoutes, type DownloadRoutesDeps } from './download-routes.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse, textResponse } from './responses.ts';
import { createSimpleRoutes, type SimpleRoutesDeps } from './simple-routes.ts';
import { createJsonApiRoutes, type JsonApiRoutesDeps } from './json-api-routes.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';
import type { ImagePolicy } from '../core/description.ts';
import { AuthenticationError, ForbiddenError } from '../core/errors.ts';
import type { WebRoutes } from './web-routes.ts';
import { effectiveAuthorization } from './web-session.ts';
import { NO_METRICS } from '../app/metrics-ports.ts';
import { routeOf } from './request-metrics.ts';
import { createClientRoute, type PublishClientReader } from './client-routes.ts';

export interface ReadRoutesDeps extends SimpleRoutesDeps, DownloadRoutesDeps, JsonApiRoutesDeps {
  readonly logger: ErrorLogger;
  /** Which images a description on a web page may show. @default 'https' */
  readonly descriptionImages?: ImagePolicy;
  /** The single-file publish client served at /client/wharf.mjs (client-routes.ts). */
  readonly publishClient?: PublishClientReader;
}

/** Route families whose 200 (or 304) is a page served. */
const PAGE_ROUTES = new Set(['simple', 'json-api', 'web']);

/** The first segments of the web UI's pages (PyPI's URLs); `''` is `/`. */
const WEB_PAGES = new Set(['', 'project', 'search']);

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
  if ((first === 'simple' || first === 'pypi' || first === 'project') && name !== undefined && name !== '' && isValidName(name)) {
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
  const jsonApi = createJsonApiRoutes(deps);
  const client = createClientRoute(deps.publishClient);
  // The web UI loads on the first page a browser asks for: pip's cold start never evaluates it.
  let web: Promise<WebRoutes> | undefined;
  const webRoutes = () =>
    (web ??= import('./web-routes.ts').then(
      (m) => m.createWebRoutes({ projectViews: deps.projectViews, guard: deps.guard, descriptionImages: deps.descriptionImages ?? 'https' }),
      (err: unknown) => {
        // A failed load (a chunk not read) is tried again by the next request, not kept.
        web = undefined;
        throw err;
      },
    ));

  async function route(request: HttpRequest): Promise<HttpResponse> {
    const segments = splitPath(request.path);
    if (segments?.[0] === 'account' && (request.method === 'POST' || request.method === 'GET' || request.method === 'HEAD')) {
      // The token sign-in: reachable without a token, the one POST the read function takes.
      const page = await (await webRoutes()).account(request, segments);
      if (page) return page;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return textResponse(405, `${request.method} is not allowed here; this path serves GET and HEAD.`, {
        allow: 'GET, HEAD',
      });
    }
    if (!segments) return textResponse(400, 'The URL path is not valid percent-encoded UTF-8.');
    const [first = '', ...rest] = segments;

    if (first === 'health' && rest.length === 0) {
      return jsonResponse(200, { status: 'ok' }, { 'cache-control': 'no-store' });
    }
    // Before any token check, as /health: see client-routes.ts.
    if (first === 'client') return client(request, rest);
    // The web UI's sign-in cookie presents a token as the Authorization header does.
    const authorization = effectiveAuthorization(request);
    if (WEB_PAGES.has(first)) {
      let principal;
      try {
        principal = await deps.guard.check(authorization.header, actionFor(segments));
      } catch (err) {
        if (err instanceof AuthenticationError || err instanceof ForbiddenError) return (await webRoutes()).denied(request, err, authorization.fromCookie);
        throw err;
      }
      const page = await (await webRoutes()).page(request, segments, { principal, fromCookie: authorization.fromCookie });
      if (page) return page;
      return textResponse(404, `Nothing here. The index's pages start at ${request.basePath}/; pip reads ${request.basePath}/simple/.`);
    }
    const principal = await deps.guard.check(authorization.header, actionFor(segments));
    if (first === 'simple') {
      const page = await simple(request, rest, principal);
      if (page) return page;
    }
    if (first === 'pypi') {
      const answer = await jsonApi(request, rest, principal);
      if (answer) return answer;
      return jsonResponse(404, { message: `No such JSON API path. Ask ${request.basePath}/pypi/NAME/json or ${request.basePath}/pypi/NAME/VERSION/json.` }, { 'cache-control': 'no-store' });
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

  const metrics = deps.metrics ?? NO_METRICS;
  return async (request) => {
    try {
      const response = await route(request);
      if ((response.status === 200 || response.status === 304) && PAGE_ROUTES.has(routeOf(request.path))) metrics.add('PagesServed', 1, {});
      return response;
    } catch (err) {
      // The JSON API answers errors in JSON, as pypi.org's does.
      return errorResponse(err, deps.logger, /^\/pypi(\/|$)/.test(request.path) ? 'pypi-json' : 'text');
    }
  };
}
