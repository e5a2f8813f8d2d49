/**
 * PEP 691 content negotiation: pick the simple-API format from an Accept header with
 * q-values, or from the `?format=` query parameter.
 */

export const MEDIA_JSON_V1 = 'application/vnd.pypi.simple.v1+json';
export const MEDIA_HTML_V1 = 'application/vnd.pypi.simple.v1+html';
export const MEDIA_TEXT_HTML = 'text/html';
const MEDIA_JSON_LATEST = 'application/vnd.pypi.simple.latest+json';
const MEDIA_HTML_LATEST = 'application/vnd.pypi.simple.latest+html';

export type SimpleFormat = typeof MEDIA_JSON_V1 | typeof MEDIA_HTML_V1 | typeof MEDIA_TEXT_HTML;

export const SUPPORTED_FORMATS: readonly SimpleFormat[] = [MEDIA_JSON_V1, MEDIA_HTML_V1, MEDIA_TEXT_HTML];

/** Offers, each with the media types that name it. `latest` aliases resolve to v1. */
const OFFERS: ReadonlyArray<{ format: SimpleFormat; names: readonly string[] }> = [
  { format: MEDIA_JSON_V1, names: [MEDIA_JSON_V1, MEDIA_JSON_LATEST] },
  { format: MEDIA_HTML_V1, names: [MEDIA_HTML_V1, MEDIA_HTML_LATEST] },
  { format: MEDIA_TEXT_HTML, names: [MEDIA_TEXT_HTML] },
];

/**
 * When a client names a format exactly and two tie on q, JSON wins; when only a wildcard
 * matches, HTML wins, because clients that send `*∕*` (poetry, browsers, curl) want HTML.
 */
const EXACT_PREFERENCE: readonly SimpleFormat[] = [MEDIA_JSON_V1, MEDIA_HTML_V1, MEDIA_TEXT_HTML];
const WILDCARD_PREFERENCE: readonly SimpleFormat[] = [MEDIA_TEXT_HTML, MEDIA_HTML_V1, MEDIA_JSON_V1];

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** Parse an Accept header into media ranges; malformed ranges are ignored. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mediaType = '', ...params] = part.split(';');
    const match = /^\s*([!#$%&'*+.^_`|~0-9a-z-]+)\/([!#$%&'*+.^_`|~0-9a-z-]+)\s*$/i.exec(mediaType);
    if (!match) continue;
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=').map((s) => s.trim());
      if (key.toLowerCase() === 'q') {
        const parsed = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : Number.NaN;
        q = Number.isNaN(parsed) ? 0 : parsed;
      }
    }
    ranges.push({ type: match[1]!.toLowerCase(), subtype: match[2]!.toLowerCase(), q });
  }
  return ranges;
}

/** How specifically a range names a media type: exact 2, `type/*` 1, `*∕*` 0, no match -1. */
function specificity(range: MediaRange, mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  if (range.type === '*' && range.subtype === '*') return 0;
  if (range.type !== type) return -1;
  if (range.subtype === '*') return 1;
  return range.subtype === subtype ? 2 : -1;
}

/**
 * The format to answer with, or undefined when the client accepts none of them (406).
 * Each offer takes the q of the most specific range that matches it (RFC 9110 §12.5.1).
 */
export function negotiateFormat(accept: string | undefined): SimpleFormat | undefined {
  if (accept === undefined) return MEDIA_TEXT_HTML;
  // Clients send the same few Accept headers again and again (pip's, uv's, a browser's):
  // the answer to each is kept, for a bounded number of them.
  const known = NEGOTIATED.get(accept);
  if (known !== undefined) return known === NONE ? undefined : known;
  const format = negotiate(accept);
  if (NEGOTIATED.size >= MAX_NEGOTIATED) NEGOTIATED.clear();
  if (accept.length <= MAX_KEPT_ACCEPT_LENGTH) NEGOTIATED.set(accept, format ?? NONE);
  return format;
}

const NONE = 'none';
const NEGOTIATED = new Map<string, SimpleFormat | typeof NONE>();
const MAX_NEGOTIATED = 256;
const MAX_KEPT_ACCEPT_LENGTH = 1024;

function negotiate(accept: string): SimpleFormat | undefined {
  if (accept.trim() === '') return MEDIA_TEXT_HTML;
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return MEDIA_TEXT_HTML;

  let best: { format: SimpleFormat; q: number; specificity: number } | undefined;
  for (const offer of OFFERS) {
    let offerQ = 0;
    let offerSpecificity = -1;
    for (const name of offer.names) {
      for (const range of ranges) {
        const s = specificity(range, name);
        if (s > offerSpecificity || (s === offerSpecificity && s >= 0 && range.q > offerQ)) {
          offerSpecificity = s;
          offerQ = range.q;
        }
      }
    }
    if (offerSpecificity < 0 || offerQ <= 0) continue;
    const candidate = { format: offer.format, q: offerQ, specificity: offerSpecificity };
    if (!best || isBetter(candidate, best)) best = candidate;
  }
  return best?.format;
}

function isBetter(
  a: { format: SimpleFormat; q: number; specificity: number },
  b: { format: SimpleFormat; q: number; specificity: number },
): boolean {
  if (a.q !== b.q) return a.q > b.q;
  const aExact = a.specificity === 2;
  const bExact = b.specificity === 2;
  if (aExact !== bExact) return aExact;
  const order = aExact ? EXACT_PREFERENCE : WILDCARD_PREFERENCE;
  return order.indexOf(a.format) < order.indexOf(b.format);
}

/**
 * `?format=` (PEP 691 suggests it for clients that cannot set headers): a full media type,
 * or `json` / `html` for short. Undefined when the value names nothing we serve.
 */
export function formatFromQuery(value: string): SimpleFormat | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'json' || v === MEDIA_JSON_V1 || v === MEDIA_JSON_LATEST) return MEDIA_JSON_V1;
  if (v === 'html' || v === MEDIA_HTML_V1 || v === MEDIA_HTML_LATEST) return MEDIA_HTML_V1;
  if (v === MEDIA_TEXT_HTML) return MEDIA_TEXT_HTML;
  return undefined;
}
