/**
 * Upstream index rules: the modes, reserved names, storage keys and upstream filenames.
 * Reading another index's project page lives in ./upstream-page.ts, apart, so that the
 * HTML parser loads only when a page is fetched. Pure: the fetching and storing live in
 * adapters.
 *
 * Everything taken from an upstream page is validated and bounded here, and only the
 * fields Wharf re-renders survive: a hostile or broken upstream can make a page empty or
 * make Wharf answer 502, never inject markup, scripts, other hosts' credentials or odd
 * storage keys.
 */
import { InvalidInputError } from './errors.ts';
import { isValidName, normalizeName } from './names.ts';
import type { FileFacts } from './page-model.ts';

export const UPSTREAM_MODES = ['none', 'redirect', 'proxy', 'cache'] as const;
export type UpstreamMode = (typeof UPSTREAM_MODES)[number];

export function isUpstreamMode(value: string): value is UpstreamMode {
  return (UPSTREAM_MODES as readonly string[]).includes(value);
}

/**
 * Where the upstream keeps things in the files bucket, apart from Wharf's own `files/`:
 * kept pages, verified copies (content-addressed like Wharf's files), copies in flight.
 */
export const UPSTREAM_PREFIX = 'upstream/';
export const UPSTREAM_PAGES_PREFIX = `${UPSTREAM_PREFIX}pages/`;
export const UPSTREAM_FILES_PREFIX = `${UPSTREAM_PREFIX}files/`;
export const UPSTREAM_INCOMING_PREFIX = `${UPSTREAM_PREFIX}incoming/`;

/** S3 key of a copied upstream file (or, with `.metadata`, of its core metadata). */
export function upstreamFileKey(project: string, sha256: string, filename: string): string {
  return `${UPSTREAM_FILES_PREFIX}${project}/${sha256}/${filename}`;
}

/** Public PyPI's simple index: the default upstream. */
export const PYPI_SIMPLE_URL = 'https://pypi.org/simple/';

/** The largest upstream page Wharf reads (decompressed), and the most files it keeps. */
export const MAX_UPSTREAM_PAGE_BYTES = 32 * 1024 * 1024;
export const MAX_UPSTREAM_FILES = 100_000;

/** An upstream's base URL, checked: http(s), no credentials, no query, ending in `/`. */
export function parseUpstreamUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidInputError(`Upstream URL "${text}" is not a URL: give the index's simple URL, such as ${PYPI_SIMPLE_URL}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidInputError(`Upstream URL "${text}" must be http or https.`);
  }
  if (url.username || url.password) {
    throw new InvalidInputError(
      `Upstream URL "${text}" carries credentials. Wharf does not send credentials upstream (redirect mode would hand them to every client): use an index that is readable without them.`,
    );
  }
  if (url.search || url.hash) throw new InvalidInputError(`Upstream URL "${text}" must not have a query or fragment.`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.toString();
}

/** The upstream URL of a project's page: `{base}{normalized}/`. */
export function upstreamProjectUrl(baseUrl: string, project: string): string {
  return `${baseUrl}${encodeURIComponent(project)}/`;
}

/**
 * Name patterns such as `acme-*` (a prefix) or `acme` (one name), PEP 503 normalized.
 * A prefix keeps its trailing separator, so `acme-*` does not match `acmeville`.
 */
export class NamePatterns {
  readonly patterns: readonly string[];

  constructor(patterns: readonly string[]) {
    this.patterns = [...new Set(patterns.map(parseNamePattern))].sort();
  }

  matches(normalizedName: string): boolean {
    return this.patterns.some((p) => (p.endsWith('*') ? normalizedName.startsWith(p.slice(0, -1)) : p === normalizedName));
  }
}

const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*\*$/;

export function parseNamePattern(text: string): string {
  const value = text.trim();
  if (value === '*') {
    throw new InvalidInputError('"*" would reserve every name: use mode "none" to keep every unknown name off the upstream.');
  }
  if (PREFIX_PATTERN.test(value) && value.length <= 201) return `${value.slice(0, -1).replace(/[-_.]+/g, '-').toLowerCase()}*`;
  if (isValidName(value)) return normalizeName(value);
  throw new InvalidInputError(`"${text}" is not a name pattern: use a project name (acme-app) or a prefix ending in * (acme-*).`);
}

/**
 * One file of an upstream project page, as Wharf keeps and re-renders it. Files without a
 * sha256 are dropped (nothing could verify them); `coreMetadata` is present when the
 * upstream serves `{url}.metadata`; `uploadTime` is as the upstream gave it.
 */
export interface UpstreamFile extends FileFacts {
  /** Absolute http(s) URL of the file, without fragment. */
  readonly url: string;
}

export interface UpstreamPage {
  /** Normalized project name. */
  readonly name: string;
  readonly files: readonly UpstreamFile[];
  /** PEP 700 `versions`, when the upstream sent them. */
  readonly versions?: readonly string[];
  /** Files the upstream listed that Wharf left out (no sha256, odd name or URL). */
  readonly dropped: number;
}

export class UpstreamContentError extends Error {}

const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._+!~-]{0,254}$/;
/** Extensions pip can install from (and Wharf can name as an S3 key). */
const FILE_EXTENSION = /\.(whl|tar\.gz|zip|tar\.bz2|tgz|tar\.xz|tar)$/;

/** Whether a filename from an upstream page (or an `/upstream/` URL) is one Wharf handles. */
export function isUpstreamFilename(filename: string): boolean {
  return FILENAME.test(filename) && FILE_EXTENSION.test(filename) && !filename.includes('..');
}
