/** ETags, conditional requests and compression, shared by every page. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { HttpRequest, HttpResponse } from './types.ts';

/** A weak ETag: the same page gzipped or not is the same resource. */
export function weakEtag(body: string | Uint8Array): string {
  return `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** RFC 9110 weak comparison of If-None-Match against an ETag. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  if (header.trim() === '*') return true;
  const want = opaque(etag);
  return header.split(',').some((tag) => opaque(tag) === want);
}

/**
 * Answer a cacheable page: ETag, and 304 without a body when the client has it already.
 */
export function cacheablePage(
  request: HttpRequest,
  page: HttpResponse & { body: string | Uint8Array },
): HttpResponse {
  const etag = weakEtag(page.body);
  const headers: Record<string, string> = { ...page.headers, etag };
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
    delete headers['content-type'];
    return { status: 304, headers };
  }
  return { ...page, headers };
}

/** A page kept by the use case: its ETag and gzip are computed once, then kept with it. */
export interface KeptBody {
  readonly body: string;
  readonly derived: Map<string, unknown>;
}

function derive<T>(kept: KeptBody, name: string, make: () => T): T {
  if (!kept.derived.has(name)) kept.derived.set(name, make());
  return kept.derived.get(name) as T;
}

/** cacheablePage for a kept page: the same ETag and 304, with nothing hashed again. */
export function keptPage(request: HttpRequest, page: Omit<HttpResponse, 'body'>, kept: KeptBody): HttpResponse {
  const etag = derive(kept, 'etag', () => weakEtag(kept.body));
  const headers: Record<string, string> = { ...page.headers, etag };
  if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
    delete headers['content-type'];
    return { status: 304, headers };
  }
  return { status: page.status, headers, body: kept.body, gzipped: () => derive(kept, 'gzip', () => gzipBody(kept.body)) };
}

const gzipBody = (body: string | Uint8Array): Uint8Array => gzipSync(body, { level: 6 });

const COMPRESSIBLE = /^(text\/|application\/(json|vnd\.pypi\.simple\.[a-z0-9.]+\+(json|html)))/;
const MIN_COMPRESS_BYTES = 1024;

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Gzip large text bodies for clients that accept it. API Gateway HTTP APIs do not
 * compress, and a compressed page is what keeps the root listing of 100k+ projects within
 * the 6 MB Lambda response limit.
 */
export function compress(request: HttpRequest, response: HttpResponse): HttpResponse {
  const body = response.body;
  if (body === undefined || response.headers['content-encoding'] !== undefined) return response;
  const contentType = response.headers['content-type'] ?? '';
  // A string takes at least as many UTF-8 bytes as it has UTF-16 code units: only a short
  // one is measured.
  const size = typeof body !== 'string' ? body.byteLength : body.length >= MIN_COMPRESS_BYTES ? body.length : Buffer.byteLength(body);
  if (size < MIN_COMPRESS_BYTES || !COMPRESSIBLE.test(contentType)) return response;
  const vary = response.headers['vary'];
  const headers = { ...response.headers, vary: vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding' };
  if (!acceptsGzip(request.headers['accept-encoding'])) return { ...response, headers };
  return {
    status: response.status,
    headers: { ...headers, 'content-encoding': 'gzip' },
    body: response.gzipped ? response.gzipped() : gzipBody(body),
  };
}
