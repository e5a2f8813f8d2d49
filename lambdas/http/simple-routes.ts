/**
 * Routes of the simple API pages: `/simple/` (the root listing) and `/simple/{project}/`,
 * Wharf's own, an upstream's (proxy and cache modes, or a redirect) or both (mixed).
 */
import {
  formatFromQuery,
  negotiateFormat,
  MEDIA_JSON_V1,
  SUPPORTED_FORMATS,
  type SimpleFormat,
} from '../core/negotiation.ts';
import { isNormalizedName, isValidName, normalizeName } from '../core/names.ts';
import type { HostedProject } from '../core/page-model.ts';
import { servesFiles } from '../core/project-status.ts';
import { renderPage } from '../core/simple-pages.ts';
import type { Principal } from '../core/access.ts';
import type { AccessGuard } from '../app/access-guard.ts';
import type { SimpleIndex } from '../app/simple-index.ts';
import type { UpstreamIndex, UpstreamPageResult } from '../app/upstream-index.ts';
import { cacheablePage, keptPage } from './caching.ts';
import { redirectResponse, textResponse } from './responses.ts';
import type { HttpRequest, HttpResponse } from './types.ts';
import { UpstreamFailure } from '../core/errors.ts';

export interface SimpleRoutesDeps {
  readonly simpleIndex: SimpleIndex;
  /** Cache-Control of index pages. */
  readonly pageCacheControl: string;
  /** Decides who may read what (public or private reads, token scopes). */
  readonly guard: AccessGuard;
  /** What to answer for projects Wharf does not host; absent means 404 (mode `none`). */
  readonly upstream?: UpstreamIndex;
}

/** `/simple/...` below the path's first segment: the answer, or undefined for no such page. */
export type SimpleRoutes = (
  request: HttpRequest,
  rest: readonly string[],
  principal: Principal | undefined,
) => Promise<HttpResponse | undefined>;

const PAGE_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // The pages carry no script, style or form: forbid them all, whatever metadata says.
  'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

function contentTypeOf(format: SimpleFormat): string {
  return format === MEDIA_JSON_V1 ? format : `${format}; charset=utf-8`;
}

/** A message fit for a response header: one line of printable ASCII. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 300);
}

function queryString(request: HttpRequest): string {
  const qs = request.query.toString();
  return qs ? `?${qs}` : '';
}

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

export function createSimpleRoutes(deps: SimpleRoutesDeps): SimpleRoutes {
  const { guard } = deps;
  // Pages of a private index differ by caller: no shared cache may keep or mix them.
  const pageCacheControl = guard.publicRead ? deps.pageCacheControl : `private, ${deps.pageCacheControl}`;
  // The web UI's sign-in cookie authenticates as the Authorization header does (web-session.ts).
  const vary = guard.publicRead ? 'Accept' : 'Accept, Authorization, Cookie';
  const pageHeaders = (format: SimpleFormat) => ({
    'content-type': contentTypeOf(format),
    vary,
    'cache-control': pageCacheControl,
    ...PAGE_SECURITY_HEADERS,
  });

  async function root(request: HttpRequest, principal: Principal | undefined): Promise<HttpResponse> {
    const format = chooseFormat(request);
    if (typeof format !== 'string') return format;
    const permissions = principal?.permissions;
    const visible =
      guard.publicRead || !permissions || permissions.canReadAll() ? undefined : (p: string) => permissions.canRead(p);
    const rendered = await deps.simpleIndex.rootPage(format, visible);
    return keptPage(request, { status: 200, headers: pageHeaders(format) }, rendered);
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
    const kept = await deps.simpleIndex.keptProject(normalized);
    const upstream = deps.upstream;
    if (kept) {
      // A hosted project is Wharf's alone: upstream files only where an admin allowed mixing,
      // and none at all for a quarantined one (PEP 792: no file of it is offered).
      if (!upstream?.mixes(normalized) || !servesFiles(kept.hosted.status)) {
        const rendered = kept.render(format);
        const answer = keptPage(request, { status: 200, headers: pageHeaders(format) }, rendered);
        deps.simpleIndex.rendered(kept);
        return answer;
      }
      return upstreamPage(request, format, normalized, kept.hosted);
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
    hosted?: HostedProject,
  ): Promise<HttpResponse> {
    const upstream = deps.upstream!;
    // A mixed project's own files alone, with a header saying why the upstream's are missing.
    const hostedOnly = (why: string) =>
      cacheablePage(request, {
        status: 200,
        headers: { ...pageHeaders(format), 'x-wharf-source': 'wharf', 'x-wharf-upstream': why },
        body: renderPage(deps.simpleIndex.page(hosted!), format),
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
    const problem = result.problem ? `; problem=${headerSafe(result.problem)}` : '';
    return cacheablePage(request, {
      status: 200,
      headers: {
        ...pageHeaders(format),
        'x-wharf-source': hosted ? 'wharf+upstream' : 'upstream',
        'x-wharf-upstream': `${result.state}; fetched-at=${result.fetchedAt}${problem}`,
      },
      body: renderPage(upstream.linkPage(normalized, result, hosted), format),
    });
  }

  return async (request, rest, principal) => {
    if (rest.length === 0) return redirectResponse(301, `${request.basePath}/simple/${queryString(request)}`);
    if (rest.length === 1 && rest[0] === '') return root(request, principal);
    if (rest.length === 1) return project(request, rest[0]!, false);
    if (rest.length === 2 && rest[1] === '') return project(request, rest[0]!, true);
    return undefined;
  };
}
