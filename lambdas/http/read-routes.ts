/**
 * Routes of the read function: the simple API pages, downloads and the health probe.
 */
import {
  formatFromQuery,
  negotiateFormat,
  MEDIA_JSON_V1,
  SUPPORTED_FORMATS,
  type SimpleFormat,
} from '../core/negotiation.ts';
import { isNormalizedName, isValidName, normalizeName } from '../core/names.ts';
import { isDownloadFilename, isSha256Hex } from '../core/storage-keys.ts';
import type { Action, Principal } from '../core/access.ts';
import type { AccessGuard } from '../app/access-guard.ts';
import type { Downloads } from '../app/downloads.ts';
import type { SimpleIndex } from '../app/simple-index.ts';
import type { UpstreamIndex, UpstreamPageResult } from '../app/upstream-index.ts';
import { renderLinkPageHtml, renderLinkPageJson } from '../core/upstream-pages.ts';
import { isUpstreamFilename } from '../core/upstream.ts';
import { UpstreamFailure } from '../app/upstream-ports.ts';
import { cacheablePage } from './caching.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import { jsonResponse, redirectResponse, textResponse } from './responses.ts';
import type { HttpRequest, HttpResponse, RouteHandler } from './types.ts';

export interface ReadRoutesDeps {
  readonly simpleIndex: SimpleIndex;
  readonly downloads: Downloads;
  /** Cache-Control of index pages. */
  readonly pageCacheControl: string;
  readonly logger: ErrorLogger;
  /** Decides who may read what (public or private reads, token scopes). */
  readonly guard: AccessGuard;
  /** What to answer for projects Wharf does not host; absent means 404 (mode `none`). */
  readonly upstream?: UpstreamIndex;
}

const PAGE_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // The pages carry no script, style or form: forbid them all, whatever metadata says.
  'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function contentTypeOf(format: SimpleFormat): string {
  return format === MEDIA_JSON_V1 ? format : `${format}; charset=utf-8`;
}

function splitPath(path: string): string[] | undefined {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

type ProjectFiles = Parameters<SimpleIndex['render']>[0]['files'];

/** A message fit for a response header: one line of printable ASCII. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}

function queryString(request: HttpRequest): string {
  const qs = request.query.toString();
  return qs ? `?${qs}` : '';
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
  if ((first === 'files' || first === 'upstream') && name !== undefined && isNormalizedName(name)) {
    return { kind: 'read', project: name };
  }
  // The root listing, and paths that name no project: only who is asking matters.
  return { kind: 'list' };
}

export function createReadRoutes(deps: ReadRoutesDeps): RouteHandler {
  const { guard } = deps;
  // Pages of a private index differ by caller: no shared cache may keep or mix them.
  const pageCacheControl = guard.publicRead ? deps.pageCacheControl : `private, ${deps.pageCacheControl}`;
  const vary = guard.publicRead ? 'Accept' : 'Accept, Authorization';
  const pageHeaders = (format: SimpleFormat) => ({
    'content-type': contentTypeOf(format),
    vary,
    'cache-control': pageCacheControl,
    ...PAGE_SECURITY_HEADERS,
  });

  /** PEP 691: `?format=` wins over Accept; nothing acceptable is a 406 that lists what is. */
  function chooseFormat(request: HttpRequest): SimpleFormat | HttpResponse {
    const requested = request.query.get('format');
    if (requested !== null) {
      return (
        formatFromQuery(requested) ??
        textResponse(
          400,
          `Unknown format "${requested}". Use one of: ${SUPPORTED_FORMATS.join(', ')} (or json, html).`,
        )
      );
    }
    return (
      negotiateFormat(request.headers['accept']) ??
      textResponse(
        406,
        `None of the media types in your Accept header is served here. ` +
          `Accept one of: ${SUPPORTED_FORMATS.join(', ')}.`,
        { vary: 'Accept' },
      )
    );
  }

  async function root(request: HttpRequest, principal: Principal | undefined): Promise<HttpResponse> {
    const format = chooseFormat(request);
    if (typeof format !== 'string') return format;
    const permissions = principal?.permissions;
    const visible =
      guard.publicRead || !permissions || permissions.canReadAll() ? undefined : (p: string) => permissions.canRead(p);
    const body = await deps.simpleIndex.rootPage(format, visible);
    return cacheablePage(request, { status: 200, headers: pageHeaders(format), body });
  }

  async function project(request: HttpRequest, name: string, trailingSlash: boolean): Promise<HttpResponse> {
    if (!isValidName(name)) {
      return textResponse(404, `"${name}" is not a valid project name, so no such project exists here.`);
    }
    const normalized = normalizeName(name);
    if (!trailingSlash || !isNormalizedName(name)) {
      // PEP 503: redirect to the normalized URL, keeping ?format= and friends.
      return redirectResponse(301, `${request.basePath}/simple/${normalized}/${queryString(request)}`, {
        'cache-control': 'max-age=86400',
      });
    }
    const format = chooseFormat(request);
    if (typeof format !== 'string') return format;
    const hosted = await deps.simpleIndex.hostedProject(normalized);
    const upstream = deps.upstream;
    if (hosted) {
      // A hosted project is Wharf's alone: upstream files only where an admin allowed mixing.
      if (!upstream?.mixes(normalized)) {
        return cacheablePage(request, { status: 200, headers: pageHeaders(format), body: deps.simpleIndex.render(hosted, format) });
      }
      return upstreamPage(request, format, normalized, hosted);
    }
    if (!upstream || upstream.mode === 'none') {
      return textResponse(404, `Project "${normalized}" is not in this index.`, { vary });
    }
    if (upstream.isReserved(normalized)) {
      return textResponse(
        404,
        `Project "${normalized}" is not in this index. Its name is reserved for this index's own packages, so it is never looked up upstream; publish it here first.`,
        { vary },
      );
    }
    if (upstream.mode === 'redirect') {
      return redirectResponse(302, upstream.redirectUrl(normalized), { 'cache-control': pageCacheControl, vary, 'x-wharf-source': 'upstream' });
    }
    return upstreamPage(request, format, normalized);
  }

  /** A page of upstream files (proxy and cache modes), alone or after a mixed project's own. */
  async function upstreamPage(
    request: HttpRequest,
    format: SimpleFormat,
    normalized: string,
    hosted?: { displayName: string; files: ProjectFiles },
  ): Promise<HttpResponse> {
    const upstream = deps.upstream!;
    // A mixed project's own files alone, with a header saying why the upstream's are missing.
    const hostedOnly = (why: string) =>
      cacheablePage(request, {
        status: 200,
        headers: { ...pageHeaders(format), 'x-wharf-source': 'wharf', 'x-wharf-upstream': why },
        body: deps.simpleIndex.render({ name: normalized, ...hosted! }, format),
      });
    let result: UpstreamPageResult | undefined;
    try {
      result = await upstream.page(normalized);
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      if (hosted) return hostedOnly(`unavailable; problem=${headerSafe(err.message)}`);
      return textResponse(err.status, `${err.message} Wharf has no copy of the page for "${normalized}" to serve instead; retry later.`, {
        'cache-control': 'no-store',
      });
    }
    if (!result) {
      if (hosted) return hostedOnly('not-found');
      return textResponse(404, `Project "${normalized}" is not in this index, nor in its upstream.`, { vary });
    }
    const page = upstream.linkPage(normalized, result, hosted);
    const problem = result.problem ? `; problem=${headerSafe(result.problem)}` : '';
    return cacheablePage(request, {
      status: 200,
      headers: {
        ...pageHeaders(format),
        'x-wharf-source': hosted ? 'wharf+upstream' : 'upstream',
        'x-wharf-upstream': `${result.state}; fetched-at=${result.fetchedAt}${problem}`,
      },
      body: format === MEDIA_JSON_V1 ? renderLinkPageJson(page) : renderLinkPageHtml(page),
    });
  }

  /** `/upstream/{project}/{sha256}/{filename}`: a cache-mode download of an upstream file. */
  async function upstreamDownload(segments: string[]): Promise<HttpResponse> {
    const [projectName = '', sha256 = '', filename = ''] = segments;
    const upstream = deps.upstream;
    const distribution = filename.endsWith('.metadata') ? filename.slice(0, -'.metadata'.length) : filename;
    if (
      upstream?.mode !== 'cache' ||
      segments.length !== 3 ||
      !isNormalizedName(projectName) ||
      !isSha256Hex(sha256) ||
      !isUpstreamFilename(distribution)
    ) {
      return textResponse(404, 'No such file: upstream download URLs look like /upstream/{project}/{sha256}/{filename}, and exist in cache mode only.');
    }
    if (upstream.isReserved(projectName) || (await deps.simpleIndex.hosts(projectName))) {
      return textResponse(404, `No such file: "${projectName}" is served from this index only, never from the upstream.`);
    }
    try {
      const target = await upstream.download(projectName, sha256, filename);
      if (target.kind === 'upstream') {
        return redirectResponse(302, target.url, { 'cache-control': 'no-store', 'x-wharf-upstream': 'copying' });
      }
      const url = await deps.downloads.presignedKey(target.key);
      return redirectResponse(302, url, { 'cache-control': 'no-store' });
    } catch (err) {
      if (err instanceof UpstreamFailure) return textResponse(err.status, err.message, { 'cache-control': 'no-store' });
      throw err;
    }
  }

  async function download(segments: string[]): Promise<HttpResponse> {
    const [projectName = '', sha256 = '', filename = ''] = segments;
    if (
      segments.length !== 3 ||
      !isNormalizedName(projectName) ||
      !isSha256Hex(sha256) ||
      !isDownloadFilename(filename)
    ) {
      return textResponse(404, 'No such file: download URLs look like /files/{project}/{sha256}/{filename}.');
    }
    const url = await deps.downloads.presignedUrl({ project: projectName, sha256, filename });
    // The redirect itself is not cached: the presigned URL it names expires.
    return redirectResponse(302, url, { 'cache-control': 'no-store' });
  }

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
    const principal = await guard.check(request.headers['authorization'], actionFor(segments));
    if (first === 'simple') {
      if (rest.length === 0) return redirectResponse(301, `${request.basePath}/simple/${queryString(request)}`);
      if (rest.length === 1 && rest[0] === '') return root(request, principal);
      if (rest.length === 1) return project(request, rest[0]!, false);
      if (rest.length === 2 && rest[1] === '') return project(request, rest[0]!, true);
    }
    if (first === 'files') return download(rest);
    if (first === 'upstream') return upstreamDownload(rest);
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

