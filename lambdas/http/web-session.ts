/**
 * The web UI's token sign-in, as cookies: the session cookie carries the Wharf token itself,
 * and a second cookie carries the anti-CSRF value the sign-in and sign-out forms echo.
 *
 * Why the token itself, and not a session id or a signed ticket: the read function may
 * not write (least privilege), so it cannot keep sessions; a ticket signed with a key of
 * its own would need a secret it does not have today, and would outlive a revoked token
 * unless every request looked the token up anyway. With the token in the cookie, every
 * request goes through the same guard as pip's (revocation within the token cache's 60 s,
 * expiry, scopes), and the cookie is:
 *   - HttpOnly: no script (not even one that slipped past the sanitizer) can read it;
 *   - SameSite=Strict: no other site's page, link or form makes the browser send it;
 *   - Secure and `__Host-` prefixed behind https (API Gateway), so it never travels in
 *     clear and no subdomain can set or shadow it. The local server is plain http on
 *     loopback, where a Secure cookie is not kept by every browser: there it is neither.
 *   - limited to 8 hours (Max-Age), and removed by sign-out.
 * Sign-in and sign-out are POST forms with a double-submit token (a random value in an
 * HttpOnly SameSite=Strict cookie and in the form), and a cross-site Origin is refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from './types.ts';

export const SESSION_MAX_AGE_SECONDS = 8 * 3600;

/** Whether the caller reached us over https (API Gateway says so in X-Forwarded-Proto). */
export function isHttps(request: HttpRequest): boolean {
  return (request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase() === 'https';
}

function cookieName(request: HttpRequest, base: 'session' | 'csrf'): string {
  return isHttps(request) ? `__Host-wharf-${base}` : `wharf-${base}`;
}

/** The request's cookies by name (the first of a repeated name wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** Tokens are `wharf_` and letters and digits (core/tokens.ts); anything else is not one. */
const COOKIE_TOKEN = /^wharf_[0-9A-Za-z_]{10,200}$/;
const CSRF_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** The token of the sign-in cookie, if the request carries one that looks like a token. */
export function sessionToken(request: HttpRequest): string | undefined {
  const value = parseCookies(request.headers['cookie']).get(cookieName(request, 'session'));
  return value !== undefined && COOKIE_TOKEN.test(value) ? value : undefined;
}

/** The Authorization header pip would send, or the sign-in cookie's token as a Bearer one. */
export function effectiveAuthorization(request: HttpRequest): { readonly header: string | undefined; readonly fromCookie: boolean } {
  const header = request.headers['authorization'];
  if (header !== undefined && header.trim() !== '') return { header, fromCookie: false };
  const token = sessionToken(request);
  return token ? { header: `Bearer ${token}`, fromCookie: true } : { header: undefined, fromCookie: false };
}

export function csrfCookieValue(request: HttpRequest): string | undefined {
  const value = parseCookies(request.headers['cookie']).get(cookieName(request, 'csrf'));
  return value !== undefined && CSRF_VALUE.test(value) ? value : undefined;
}

export function newCsrfValue(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a form's echoed value is the cookie's (compared in constant time). */
export function csrfMatches(request: HttpRequest, echoed: string | undefined): boolean {
  const expected = csrfCookieValue(request);
  if (expected === undefined || echoed === undefined || echoed.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(echoed));
}

/**
 * Whether a POST comes from a page of this site. Browsers say so in Sec-Fetch-Site; older
 * ones send Origin (the pages' Referrer-Policy `same-origin` keeps it for this site).
 */
export function sameOrigin(request: HttpRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const host = request.headers['host'];
  const origin = request.headers['origin'] ?? request.headers['referer'];
  if (origin === undefined) return true; // not a browser: the CSRF value alone decides
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    return url.host === host && (!isHttps(request) || url.protocol === 'https:');
  } catch {
    return false;
  }
}

function attributes(request: HttpRequest, maxAge: number): string {
  return `Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${isHttps(request) ? '; Secure' : ''}`;
}

export function sessionCookie(request: HttpRequest, token: string): string {
  return `${cookieName(request, 'session')}=${token}; ${attributes(request, SESSION_MAX_AGE_SECONDS)}`;
}

export function clearSessionCookie(request: HttpRequest): string {
  return `${cookieName(request, 'session')}=; ${attributes(request, 0)}`;
}

export function csrfCookie(request: HttpRequest, value: string): string {
  return `${cookieName(request, 'csrf')}=${value}; ${attributes(request, SESSION_MAX_AGE_SECONDS)}`;
}

/** An `application/x-www-form-urlencoded` body's fields, or undefined for another type. */
export function formFields(request: HttpRequest): URLSearchParams | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' || !request.body) return undefined;
  if (request.body.byteLength > 16 * 1024) return undefined;
  return new URLSearchParams(Buffer.from(request.body).toString('utf8'));
}

/** Where to go after signing in: a path of this site only (no `//host`, no scheme). */
export function safeNext(basePath: string, next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || /[\\\r\n\t]/.test(next)) return `${basePath}/`;
  return next;
}
