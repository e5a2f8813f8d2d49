/**
 * Reading another index's project page (PEP 691 JSON or PEP 503 HTML) as untrusted input.
 * A module of its own, so that htmlparser2 loads with the first upstream page a function
 * fetches, not with every cold start (lambdas/app/upstream-index.ts imports it lazily).
 *
 * Everything taken from an upstream page is validated and bounded here, and only the
 * fields Wharf re-renders survive: a hostile or broken upstream can make a page empty or
 * make Wharf answer 502, never inject markup, scripts, other hosts' credentials or odd
 * storage keys.
 */
import { Parser } from 'htmlparser2';
import { isValidName, normalizeName } from './names.ts';
import { isSha256Hex } from './storage-keys.ts';
import { isUpstreamFilename, MAX_UPSTREAM_FILES, UpstreamContentError, type UpstreamFile, type UpstreamPage } from './upstream.ts';

const MAX_URL_LENGTH = 2048;
const MAX_REQUIRES_PYTHON_LENGTH = 512;
const MAX_YANK_REASON_LENGTH = 1024;

function fileUrl(href: string, pageUrl: string): string | undefined {
  if (href.length > MAX_URL_LENGTH) return undefined;
  let url: URL;
  try {
    url = new URL(href, pageUrl);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
  url.hash = '';
  return url.toString();
}

function cleanText(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Control characters have no business in these fields; drop them rather than the file.
  const text = value.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return text.length > max ? text.slice(0, max) : text;
}

function sha256From(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const hex = value.toLowerCase();
  return isSha256Hex(hex) ? hex : undefined;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

interface RawFile {
  filename?: unknown;
  href?: string;
  sha256?: string;
  requiresPython?: unknown;
  yanked?: unknown;
  coreMetadata?: unknown;
  size?: unknown;
  uploadTime?: unknown;
}

function coreMetadataOf(value: unknown): { sha256?: string } | undefined {
  if (value === true || value === 'true') return {};
  if (typeof value === 'string') {
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(value.trim());
    return m ? { sha256: m[1]!.toLowerCase() } : undefined;
  }
  if (value && typeof value === 'object') {
    const sha = sha256From((value as Record<string, unknown>)['sha256']);
    return sha ? { sha256: sha } : {};
  }
  return undefined;
}

function toFile(raw: RawFile, pageUrl: string): UpstreamFile | undefined {
  const filename = typeof raw.filename === 'string' ? raw.filename : undefined;
  if (!filename || !isUpstreamFilename(filename) || raw.href === undefined) return undefined;
  const url = fileUrl(raw.href, pageUrl);
  const sha256 = sha256From(raw.sha256);
  if (!url || !sha256) return undefined;
  const requiresPython = cleanText(raw.requiresPython, MAX_REQUIRES_PYTHON_LENGTH);
  let yanked: { reason: string } | undefined;
  if (raw.yanked === true) yanked = { reason: '' };
  else if (typeof raw.yanked === 'string') yanked = { reason: cleanText(raw.yanked, MAX_YANK_REASON_LENGTH) ?? '' };
  const coreMetadata = coreMetadataOf(raw.coreMetadata);
  const size = typeof raw.size === 'number' && Number.isSafeInteger(raw.size) && raw.size >= 0 ? raw.size : undefined;
  const uploadTime = typeof raw.uploadTime === 'string' && ISO_TIME.test(raw.uploadTime) ? raw.uploadTime : undefined;
  return {
    filename,
    url,
    sha256,
    ...(requiresPython ? { requiresPython } : {}),
    ...(yanked ? { yanked } : {}),
    ...(coreMetadata ? { coreMetadata } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(uploadTime ? { uploadTime } : {}),
  };
}

function collect(raws: Iterable<RawFile>, pageUrl: string): { files: UpstreamFile[]; dropped: number } {
  const files: UpstreamFile[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const raw of raws) {
    const file = toFile(raw, pageUrl);
    // A filename twice would be two answers for one name: keep the first.
    if (!file || seen.has(file.filename)) {
      dropped++;
      continue;
    }
    if (files.length >= MAX_UPSTREAM_FILES) {
      throw new UpstreamContentError(`the upstream page lists more than ${MAX_UPSTREAM_FILES} files`);
    }
    seen.add(file.filename);
    files.push(file);
  }
  return { files, dropped };
}

/** Reads a PEP 691 JSON project page; throws UpstreamContentError when it is not one. */
export function parseUpstreamJson(body: string, pageUrl: string, expectedName: string): UpstreamPage {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new UpstreamContentError('the upstream sent a JSON page that does not parse');
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as Record<string, unknown>)['files'])) {
    throw new UpstreamContentError('the upstream JSON page has no "files" list');
  }
  const record = doc as Record<string, unknown>;
  const name = record['name'];
  if (typeof name !== 'string' || !isValidName(name) || normalizeName(name) !== expectedName) {
    throw new UpstreamContentError(`the upstream JSON page names another project than "${expectedName}"`);
  }
  const raws = (record['files'] as unknown[]).map((f): RawFile => {
    if (!f || typeof f !== 'object') return {};
    const o = f as Record<string, unknown>;
    const hashes = o['hashes'];
    return {
      filename: o['filename'],
      ...(typeof o['url'] === 'string' ? { href: o['url'] } : {}),
      ...(hashes && typeof hashes === 'object' && typeof (hashes as Record<string, unknown>)['sha256'] === 'string'
        ? { sha256: (hashes as Record<string, string>)['sha256'] }
        : {}),
      requiresPython: o['requires-python'],
      yanked: o['yanked'],
      coreMetadata: o['core-metadata'] ?? o['dist-info-metadata'] ?? o['data-dist-info-metadata'],
      size: o['size'],
      uploadTime: o['upload-time'],
    };
  });
  const { files, dropped } = collect(raws, pageUrl);
  const versions = Array.isArray(record['versions'])
    ? (record['versions'] as unknown[]).filter((v): v is string => typeof v === 'string' && v.length <= 128 && /^[A-Za-z0-9.!+_-]+$/.test(v))
    : undefined;
  return { name: expectedName, files, dropped, ...(versions ? { versions } : {}) };
}

/** Reads a PEP 503 HTML project page: its anchors, with the data- attributes PEPs define. */
export function parseUpstreamHtml(body: string, pageUrl: string, expectedName: string): UpstreamPage {
  const raws: RawFile[] = [];
  let current: { attrs: Record<string, string>; text: string } | undefined;
  let base = pageUrl;
  const parser = new Parser(
    {
      onopentag(tag, attrs) {
        if (tag === 'base' && attrs['href']) {
          const resolved = fileUrl(attrs['href'], pageUrl);
          if (resolved) base = resolved;
        }
        if (tag === 'a') current = { attrs, text: '' };
      },
      ontext(text) {
        if (current) current.text += text;
      },
      onclosetag(tag) {
        if (tag !== 'a' || !current) return;
        const { attrs, text } = current;
        current = undefined;
        const href = attrs['href'];
        if (!href) return;
        const hash = /#sha256=([0-9a-fA-F]{64})$/.exec(href);
        raws.push({
          filename: text.trim(),
          href,
          ...(hash ? { sha256: hash[1]! } : {}),
          requiresPython: attrs['data-requires-python'],
          yanked: 'data-yanked' in attrs ? (attrs['data-yanked'] ?? '') : undefined,
          coreMetadata: attrs['data-core-metadata'] ?? attrs['data-dist-info-metadata'],
        });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(body);
  parser.end();
  // `base` is read after parsing: a <base> in the head applies to every link.
  const { files, dropped } = collect(raws, base);
  return { name: expectedName, files, dropped };
}

/** Reads an upstream page by its content type; anything else is an UpstreamContentError. */
export function parseUpstreamPage(body: string, contentType: string, pageUrl: string, expectedName: string): UpstreamPage {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/vnd.pypi.simple.v1+json') return parseUpstreamJson(body, pageUrl, expectedName);
  if (type === 'text/html' || type === 'application/vnd.pypi.simple.v1+html') {
    return parseUpstreamHtml(body, pageUrl, expectedName);
  }
  throw new UpstreamContentError(`the upstream answered with "${type || 'no content type'}", not a simple index page`);
}
