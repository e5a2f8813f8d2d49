/**
 * The web UI's routes at PyPI's URLs: `/` (search box, project count, latest uploads),
 * `/project/{name}/` and `/project/{name}/{version}/`, `/search/?q=&page=`, and the token
 * sign-in `/account/login/` and `/account/logout/` (web-session.ts).
 *
 * read-routes.ts loads this module with import() on the first page a browser asks for, so
 * the simple pages' cold start never evaluates it; the Markdown renderer and the sanitizer
 * (core/description.ts) load on the first project page only.
 *
 * Access: the same guard as the simple pages, asked in read-routes.ts before any route
 * looks anything up; the sign-in cookie is just another way to present a token. A caller
 * without access gets a page saying what to do (401 with the Basic challenge pip also
 * gets, and the sign-in form in its body; 403 with what the token lacks).
 */
import { createHash } from 'node:crypto';
import type { ImagePolicy } from '../core/description.ts';
import { AuthenticationError, ForbiddenError, InvalidInputError } from '../core/errors.ts';
import { isNormalizedName, isValidName, normalizeName } from '../core/names.ts';
import { AUTHENTICATION_REQUIRED, type Principal } from '../core/access.ts';
import { WEB_SCRIPT, WEB_STYLE } from '../core/web-assets.ts';
import { homePage, messagePage, projectPage, projectPath, searchPage, signInPage, type PageContext } from '../core/web-pages.ts';
import type { AccessGuard } from '../app/access-guard.ts';
import { SerialCache } from '../app/page-cache.ts';
import type { ProjectViews } from '../app/project-views.ts';
import type { WarehouseReleaseJson } from '../core/warehouse-json.ts';
import type { ReleaseMetadata } from '../core/release-metadata.ts';
import { cacheablePage } from './caching.ts';
import { WWW_AUTHENTICATE } from './error-map.ts';
import { redirectResponse } from './responses.ts';
import type { HttpRequest, HttpResponse } from './types.ts';
import {
  clearSessionCookie,
  csrfCookie,
  csrfCookieValue,
  csrfMatches,
  formFields,
  newCsrfValue,
  safeNext,
  sameOrigin,
  sessionCookie,
} from './web-session.ts';

export interface WebRoutesDeps {
  readonly projectViews: ProjectViews;
  readonly guard: AccessGuard;
  /** Which images a description may show (core/description.ts). */
  readonly descriptionImages: ImagePolicy;
}

/** Who the page is for: the principal the guard allowed, and whether the sign-in cookie brought it. */
export interface WebCaller {
  readonly principal: Principal | undefined;
  readonly fromCookie: boolean;
}

export interface WebRoutes {
  /** `/`, `/project/...`, `/search/...`: the caller already allowed by the guard. */
  page(request: HttpRequest, segments: readonly string[], caller: WebCaller): Promise<HttpResponse | undefined>;
  /** `/account/login/`, `/account/logout/`: reachable without a token. */
  account(request: HttpRequest, segments: readonly string[]): Promise<HttpResponse | undefined>;
  /** The page a browser gets instead of a 401 or 403 from the guard. */
  denied(request: HttpRequest, err: AuthenticationError | ForbiddenError, fromCookie: boolean): HttpResponse;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The only style and script a page may use are the two inline ones, by hash; images as the
 * policy says; forms post only here; nothing may frame the pages or load anything else.
 */
export function contentSecurityPolicy(images: ImagePolicy): string {
  return [
    "default-src 'none'",
    `style-src ${sha256(WEB_STYLE)}`,
    `script-src ${sha256(WEB_SCRIPT)}`,
    `img-src ${images === 'https' ? 'https:' : "'none'"}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

type Description = typeof import('../core/description.ts');
let description: Promise<Description> | undefined;
const loadDescription = () =>
  (description ??= import('../core/description.ts').catch((err: unknown) => {
    description = undefined;
    throw err;
  }));

export function createWebRoutes(deps: WebRoutesDeps): WebRoutes {
  const { guard, projectViews } = deps;
  const securityHeaders = {
    'content-security-policy': contentSecurityPolicy(deps.descriptionImages),
    // Nothing to other sites (image hosts, project links); Origin and Referer to this one.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
  };
  // A release's metadata never changes once stored (first writer wins): its description is
  // rendered once per warm function, not on every view (a long README takes ~100 ms).
  const descriptions = new SerialCache<string>({ maxEntries: 500, maxWeight: 32 * 1024 * 1024 }, (html) => html.length * 2 + 256);
  // Pages of a private index, or of a signed-in caller, differ by caller: no shared cache.
  const cacheControl = (caller: WebCaller | undefined) =>
    guard.publicRead && !caller?.fromCookie ? 'no-cache' : 'private, no-cache';

  function context(request: HttpRequest, caller: WebCaller | undefined, csrf?: string): PageContext {
    const proto = (request.headers['x-forwarded-proto'] ?? 'http').split(',')[0]!.trim();
    const host = request.headers['host'] ?? 'localhost';
    const session =
      caller?.fromCookie && caller.principal ? { tokenId: caller.principal.tokenId, csrf: csrf ?? csrfCookieValue(request) ?? '' } : undefined;
    return {
      basePath: request.basePath,
      indexUrl: `${proto}://${host}${request.basePath}/simple/`,
      ...(session ? { session } : {}),
      offerSignIn: !guard.publicRead && !session,
    };
  }

  function html(
    request: HttpRequest,
    status: number,
    body: string,
    options: { caller?: WebCaller; headers?: Record<string, string>; cookies?: string[]; store?: boolean } = {},
  ): HttpResponse {
    const response: HttpResponse = {
      status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': options.store === false ? 'no-store' : cacheControl(options.caller),
        vary: 'Authorization, Cookie',
        ...securityHeaders,
        ...options.headers,
      },
      body,
      ...(options.cookies?.length ? { cookies: options.cookies } : {}),
    };
    return status === 200 && options.store !== false ? cacheablePage(request, response as HttpResponse & { body: string }) : response;
  }

  /** A signed-in page needs the CSRF value its sign-out form echoes; make one if it is missing. */
  function sessionCookies(request: HttpRequest, caller: WebCaller): { csrf?: string; cookies: string[] } {
    if (!caller.fromCookie || csrfCookieValue(request)) return { cookies: [] };
    const csrf = newCsrfValue();
    return { csrf, cookies: [csrfCookie(request, csrf)] };
  }

  const canReadOf = (principal: Principal | undefined) => {
    const permissions = principal?.permissions;
    return guard.publicRead || !permissions || permissions.canReadAll() ? undefined : (p: string) => permissions.canRead(p);
  };

  async function home(request: HttpRequest, caller: WebCaller): Promise<HttpResponse> {
    const canRead = canReadOf(caller.principal);
    const overview = await projectViews.overview(canRead ? { canRead } : {});
    const { csrf, cookies } = sessionCookies(request, caller);
    return html(request, 200, homePage(context(request, caller, csrf), overview), { caller, cookies });
  }

  async function search(request: HttpRequest, caller: WebCaller): Promise<HttpResponse> {
    const query = request.query.get('q') ?? '';
    const pageParam = request.query.get('page');
    const page = pageParam === null || pageParam === '' ? 1 : Number(pageParam);
    const { csrf, cookies } = sessionCookies(request, caller);
    const ctx = context(request, caller, csrf);
    if (!Number.isInteger(page) || page < 1) {
      return html(request, 400, messagePage(ctx, 'Bad page number', `"${pageParam}" is not a page number: use page=1 or above.`), { caller, cookies });
    }
    const canRead = canReadOf(caller.principal);
    try {
      const result = await projectViews.search(query, { page, ...(canRead ? { canRead } : {}) });
      return html(request, 200, searchPage(ctx, result), { caller, cookies });
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      return html(request, 400, messagePage(ctx, 'Search not possible', err.message), { caller, cookies });
    }
  }

  async function project(request: HttpRequest, caller: WebCaller, name: string, version: string | undefined, slash: boolean): Promise<HttpResponse> {
    const { csrf, cookies } = sessionCookies(request, caller);
    const ctx = context(request, caller, csrf);
    if (!isValidName(name)) {
      return html(request, 404, messagePage(ctx, 'No such project', `"${name}" is not a valid project name, so no such project exists here.`), { caller, cookies });
    }
    const normalized = normalizeName(name);
    // As pypi.org: one URL per page, the normalized name with a trailing slash.
    if (!isNormalizedName(name) || !slash) {
      return redirectResponse(301, projectPath(request.basePath, normalized, version), { 'cache-control': 'max-age=86400' });
    }
    const links = { base: request.basePath };
    const view = version === undefined ? await projectViews.project(normalized, links) : await projectViews.release(normalized, version, links);
    if (!view) {
      const exists = version !== undefined && (await projectViews.project(normalized, links)) !== undefined;
      const message = exists
        ? `Project "${normalized}" has no release ${version}. Its releases are listed at ${projectPath(request.basePath, normalized)}.`
        : `Project "${normalized}" is not in this index.`;
      return html(request, 404, messagePage(ctx, exists ? 'No such release' : 'No such project', message), { caller, cookies });
    }
    if (version !== undefined && version !== view.shown.version) {
      // `1.0.0` for a release published as `1.0`: the release's own spelling.
      return redirectResponse(301, projectPath(request.basePath, normalized, view.shown.version), { 'cache-control': 'max-age=86400' });
    }
    const descriptionHtml = await describe(view.name, view.shown.key, view.metadata?.metadata);
    const body = projectPage(ctx, {
      document: view.document as WarehouseReleaseJson,
      name: view.name,
      releases: view.releases,
      latest: view.latest,
      pinned: version !== undefined,
      descriptionHtml,
    });
    return html(request, 200, body, { caller, cookies });
  }

  async function describe(name: string, releaseKey: string, stored: ReleaseMetadata | undefined): Promise<string> {
    const key = `${name}\n${releaseKey}`;
    const kept = descriptions.get(key, 0);
    if (kept !== undefined) return kept;
    const { renderDescription } = await loadDescription();
    const { html } = renderDescription(
      {
        text: stored?.description,
        contentType: stored?.description_content_type,
        ...(stored?.description_truncated && stored.description_bytes !== undefined ? { truncatedFromBytes: stored.description_bytes } : {}),
      },
      { images: deps.descriptionImages },
    );
    // Metadata not (yet) stored is not kept: a retried upload may still write it.
    if (stored) descriptions.set(key, 0, html);
    return html;
  }

  function signInForm(request: HttpRequest, status: number, options: { next?: string; error?: string; reason?: string; cookies?: string[]; headers?: Record<string, string> } = {}): HttpResponse {
    const csrf = newCsrfValue();
    const body = signInPage(context(request, undefined), {
      csrf,
      next: safeNext(request.basePath, options.next),
      ...(options.error ? { error: options.error } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
    });
    return html(request, status, body, {
      store: false,
      cookies: [...(options.cookies ?? []), csrfCookie(request, csrf)],
      ...(options.headers ? { headers: options.headers } : {}),
    });
  }

  async function login(request: HttpRequest): Promise<HttpResponse> {
    if (request.method === 'GET' || request.method === 'HEAD') return signInForm(request, 200, { next: request.query.get('next') ?? undefined });
    const fields = formFields(request);
    if (!fields) return signInForm(request, 400, { error: 'The sign-in form was not sent as a form. Use the form below.' });
    const next = fields.get('next') ?? undefined;
    if (!sameOrigin(request) || !csrfMatches(request, fields.get('csrf') ?? undefined)) {
      return signInForm(request, 403, { next, error: 'This sign-in form has expired or came from another site. Sign in again with the form below.' });
    }
    const token = (fields.get('token') ?? '').trim();
    if (token === '') return signInForm(request, 400, { next, error: 'Paste a Wharf token (it starts with wharf_).' });
    try {
      await guard.authenticate(`Bearer ${token}`, { kind: 'list' });
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      // 403, not 401: a 401 would make the browser ask for Basic credentials over the form.
      return signInForm(request, 403, { next, error: err.message });
    }
    return {
      status: 303,
      headers: { location: safeNext(request.basePath, next), 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' },
      body: 'Signed in.\n',
      // A new CSRF value with the new session, so a value planted before sign-in is worthless.
      cookies: [sessionCookie(request, token), csrfCookie(request, newCsrfValue())],
    };
  }

  function logout(request: HttpRequest): HttpResponse {
    if (request.method !== 'POST') {
      return html(request, 405, messagePage(context(request, undefined), 'Sign out with the button', 'Signing out takes the Sign out button at the top of a page (a POST).'), {
        store: false,
        headers: { allow: 'POST' },
      });
    }
    const fields = formFields(request);
    if (!fields || !sameOrigin(request) || !csrfMatches(request, fields.get('csrf') ?? undefined)) {
      return html(request, 403, messagePage(context(request, undefined), 'Not signed out', 'This sign-out came from another site or an expired page. Reload the page and press Sign out again.'), {
        store: false,
      });
    }
    // A private index's pages would only challenge now: back to the sign-in form there.
    const location = guard.publicRead ? `${request.basePath}/` : `${request.basePath}/account/login/`;
    return {
      status: 303,
      headers: { location, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' },
      body: 'Signed out.\n',
      cookies: [clearSessionCookie(request)],
    };
  }

  return {
    async page(request, segments, caller) {
      const [first = '', ...rest] = segments;
      if (first === '' && rest.length === 0) return home(request, caller);
      if (first === 'search') {
        if (rest.length === 0) return redirectResponse(301, `${request.basePath}/search/${request.query.size ? `?${request.query}` : ''}`);
        if (rest.length === 1 && rest[0] === '') return search(request, caller);
        return undefined;
      }
      if (first === 'project' && rest.length >= 1 && rest[0] !== '') {
        const [name, version, ...more] = rest;
        if (rest.length === 1) return project(request, caller, name!, undefined, false);
        if (rest.length === 2) return version === '' ? project(request, caller, name!, undefined, true) : project(request, caller, name!, version, false);
        if (rest.length === 3 && more[0] === '' && version !== '') return project(request, caller, name!, version, true);
      }
      return undefined;
    },

    async account(request, segments) {
      const [, what, slash, ...more] = segments;
      if (more.length > 0 || (slash !== undefined && slash !== '')) return undefined;
      if (slash === undefined && (what === 'login' || what === 'logout') && request.method !== 'POST') {
        return redirectResponse(301, `${request.basePath}/account/${what}/${request.query.size ? `?${request.query}` : ''}`);
      }
      if (what === 'login') return login(request);
      if (what === 'logout') return logout(request);
      return undefined;
    },

    denied(request, err, fromCookie) {
      if (err instanceof ForbiddenError) {
        return html(request, 403, messagePage(context(request, undefined), 'Not allowed', err.message), { store: false });
      }
      // A cookie whose token no longer works (revoked, expired): drop it, and ask again.
      const cookies = fromCookie ? [clearSessionCookie(request)] : [];
      const path = request.path + (request.query.size ? `?${request.query}` : '');
      return signInForm(request, 401, {
        next: `${request.basePath}${path}`,
        cookies,
        headers: { 'www-authenticate': WWW_AUTHENTICATE },
        ...(fromCookie || err.message !== AUTHENTICATION_REQUIRED
          ? { error: err.message }
          : {
              reason:
                'This index is private. Sign in with a Wharf token, or give your browser the credentials pip uses: user __token__, the token as the password.',
            }),
      });
    },
  };
}
