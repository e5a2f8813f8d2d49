/**
 * PyPI's JSON API, as Warehouse serves it (warehouse/legacy/api/json.py):
 *
 *   GET|HEAD /pypi/{name}/json              the latest release and every release's files
 *   GET|HEAD /pypi/{name}/{version}/json    one release (the version matched under PEP 440)
 *   GET|HEAD /pypi/-/search?q=&page=&page_size=   Wharf's own: the search as JSON
 *
 * A trailing slash is served too. A name that is not normalized is redirected (301) to
 * the normalized URL, as Warehouse does; a version is matched, not redirected. Access is
 * decided by read-routes.ts before this runs, exactly as for /simple/. Answers carry an
 * ETag (304 on If-None-Match), the simple pages' Cache-Control, and `X-PyPI-Last-Serial`.
 */
import { isNormalizedName, isValidName, normalizeName } from '../core/names.ts';
import type { Principal } from '../core/access.ts';
import { InvalidInputError } from '../core/errors.ts';
import type { AccessGuard } from '../app/access-guard.ts';
import type { ProjectViews, WarehouseLinks } from '../app/project-views.ts';
import { keptPage } from './caching.ts';
import { jsonResponse, redirectResponse } from './responses.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

export interface JsonApiRoutesDeps {
  readonly projectViews: ProjectViews;
  /** Cache-Control of index pages, which the JSON documents share. */
  readonly pageCacheControl: string;
  readonly guard: AccessGuard;
}

/** `/pypi/...` below its first segment: the answer, or undefined when no route matches. */
export type JsonApiRoutes = (request: HttpRequest, rest: readonly string[], principal: Principal | undefined) => Promise<HttpResponse | undefined>;

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * Where the JSON's absolute URLs point: the scheme API Gateway (or the local server) says
 * the client used and the Host it asked for. A Host that is not a plain host name gives
 * path-absolute URLs rather than anything it could inject.
 */
export function linksFor(request: HttpRequest): WarehouseLinks {
  const host = request.headers['host'];
  const proto = request.headers['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase();
  if (!host || !HOST.test(host)) return { base: request.basePath };
  return { base: `${proto === 'http' ? 'http' : 'https'}://${host}${request.basePath}` };
}

function integerParam(request: HttpRequest, name: string): number | undefined {
  const value = request.query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^[0-9]{1,9}$/.test(value)) {
    throw new InvalidInputError(`The ${name} parameter must be a whole number, not ${JSON.stringify(value.slice(0, 40))}.`);
  }
  return Number(value);
}

export function createJsonApiRoutes(deps: JsonApiRoutesDeps): JsonApiRoutes {
  const { guard, projectViews } = deps;
  const cacheControl = guard.publicRead ? deps.pageCacheControl : `private, ${deps.pageCacheControl}`;
  const vary = guard.publicRead ? undefined : 'Authorization';
  const headers = (serial: number | undefined): Record<string, string> => ({
    'content-type': 'application/json',
    'cache-control': cacheControl,
    ...(vary ? { vary } : {}),
    // A public index's metadata may be read by any page, as pypi.org's (Warehouse's CORS headers).
    ...(guard.publicRead ? { 'access-control-allow-origin': '*' } : {}),
    ...(serial !== undefined ? { 'x-pypi-last-serial': String(serial) } : {}),
  });
  const notFound = (message: string) =>
    jsonResponse(404, { message }, { 'cache-control': 'no-store', ...(vary ? { vary } : {}) });

  async function document(request: HttpRequest, name: string, version: string | undefined, tail: string): Promise<HttpResponse> {
    if (!isValidName(name)) return notFound(`"${name}" is not a valid project name, so no such project exists here.`);
    const normalized = normalizeName(name);
    if (!isNormalizedName(name)) {
      const versionPart = version === undefined ? '' : `${encodeURIComponent(version)}/`;
      return redirectResponse(301, `${request.basePath}/pypi/${normalized}/${versionPart}${tail}`, { 'cache-control': 'max-age=86400' });
    }
    const links = linksFor(request);
    const view = version === undefined ? await projectViews.project(normalized, links) : await projectViews.release(normalized, version, links);
    if (!view) {
      if (version === undefined) return notFound(`Project "${normalized}" is not in this index (or has no files left).`);
      const other = await projectViews.project(normalized, links);
      return notFound(
        other
          ? `${other.displayName} has no release ${version}; its latest is ${other.latest.version}. All releases: ${request.basePath}/pypi/${normalized}/json`
          : `Project "${normalized}" is not in this index (or has no files left).`,
      );
    }
    return keptPage(request, { status: 200, headers: headers(view.serial) }, view.json);
  }

  async function search(request: HttpRequest, principal: Principal | undefined): Promise<HttpResponse> {
    const permissions = principal?.permissions;
    const canRead = guard.publicRead || !permissions || permissions.canReadAll() ? undefined : (p: string) => permissions.canRead(p);
    const page = integerParam(request, 'page');
    const pageSize = integerParam(request, 'page_size');
    const result = await projectViews.search(request.query.get('q') ?? '', {
      ...(page !== undefined ? { page } : {}),
      ...(pageSize !== undefined ? { pageSize } : {}),
      ...(canRead ? { canRead } : {}),
    });
    const body = `${JSON.stringify(result)}\n`;
    return keptPage(request, { status: 200, headers: headers(undefined) }, { body, derived: new Map() });
  }

  return async (request, rest, principal) => {
    const parts = rest.at(-1) === '' ? rest.slice(0, -1) : rest;
    const tail = rest.at(-1) === '' ? 'json/' : 'json';
    if (parts.length === 2 && parts[0] === '-' && parts[1] === 'search') return search(request, principal);
    if (parts.length === 2 && parts[1] === 'json') return document(request, parts[0]!, undefined, tail);
    if (parts.length === 3 && parts[2] === 'json') return document(request, parts[0]!, parts[1]!, tail);
    return undefined;
  };
}
