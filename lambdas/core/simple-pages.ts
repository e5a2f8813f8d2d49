/**
 * Rendering of the simple repository API pages: PEP 503 HTML (with PEP 629's
 * repository-version meta) and PEP 691 JSON (with PEP 700's versions, size, upload-time),
 * plus PEP 592 yanks and PEP 658/714 core-metadata links. Links are relative, so the pages
 * work behind any host name, stage prefix or custom domain.
 */
import { escapeHtml } from './html.ts';
import type { DistributionFile } from './model.ts';
import { distributionPath, projectFilesPath } from './storage-keys.ts';
import { versionSortKey } from './versions.ts';

/** The API version these pages implement (PEP 629 / PEP 691 `meta.api-version`). */
export const API_VERSION = '1.1';

export interface RootEntry {
  readonly name: string;
  readonly displayName: string;
}

export interface ProjectPage {
  /** Normalized name. */
  readonly name: string;
  readonly displayName: string;
  readonly files: readonly DistributionFile[];
}

/** What every file URL of a project page starts with: `../../files/{project}/`. */
function fileUrlPrefix(project: string): string {
  return `../../${projectFilesPath(project)}`;
}

/** URL of a file relative to its project page `/simple/{project}/`. */
export function fileUrlFromProjectPage(file: DistributionFile): string {
  return '../../' + distributionPath(file.project, file.sha256, file.filename);
}

/**
 * Files in PEP 440 version order (invalid versions last), then by filename, and the
 * distinct versions in that order. One sort over precomputed keys: this is the hot part of
 * rendering a page of 10,000 files.
 */
export function orderFiles(files: readonly DistributionFile[]): {
  files: DistributionFile[];
  versions: string[];
} {
  const keyed = files.map((file) => ({ file, key: versionSortKey(file.version) }));
  keyed.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === undefined) return 1;
      if (b.key === undefined) return -1;
      return a.key < b.key ? -1 : 1;
    }
    const av = a.file.version;
    const bv = b.file.version;
    if (av !== bv) return av < bv ? -1 : 1;
    return a.file.filename < b.file.filename ? -1 : a.file.filename > b.file.filename ? 1 : 0;
  });
  const ordered = new Array<DistributionFile>(keyed.length);
  const versions = new Set<string>();
  for (let i = 0; i < keyed.length; i++) {
    const file = keyed[i]!.file;
    ordered[i] = file;
    versions.add(file.version);
  }
  return { files: ordered, versions: [...versions] };
}

const HTML_HEAD = (title: string) =>
  '<!DOCTYPE html>\n<html>\n  <head>\n' +
  `    <meta name="pypi:repository-version" content="${API_VERSION}">\n` +
  `    <title>${title}</title>\n  </head>\n  <body>\n    <h1>${title}</h1>\n`;
const HTML_TAIL = '  </body>\n</html>\n';

export function renderRootHtml(projects: readonly RootEntry[]): string {
  const parts: string[] = [HTML_HEAD('Simple index')];
  for (const p of projects) {
    parts.push(`    <a href="${encodeURIComponent(p.name)}/">${escapeHtml(p.displayName)}</a><br />\n`);
  }
  parts.push(HTML_TAIL);
  return parts.join('');
}

export function renderRootJson(projects: readonly RootEntry[]): string {
  return JSON.stringify({
    meta: { 'api-version': API_VERSION },
    projects: projects.map((p) => ({ name: p.displayName })),
  });
}

export function renderProjectHtml(page: ProjectPage): string {
  const { files } = orderFiles(page.files);
  const title = `Links for ${escapeHtml(page.displayName)}`;
  // Hot loop for pages of 10k+ files: one string, no per-file arrays, and each distinct
  // Requires-Python escaped once. URLs come out of encodeURIComponent, which never emits
  // a character that could end a double-quoted attribute.
  const escapedRequires = new Map<string, string>();
  const prefix = fileUrlPrefix(page.name);
  let html = HTML_HEAD(title);
  for (const f of files) {
    html += `    <a href="${prefix}${f.sha256}/${encodeURIComponent(f.filename)}#sha256=${f.sha256}"`;
    const requires = f.requiresPython;
    if (requires !== undefined && requires !== '') {
      let escaped = escapedRequires.get(requires);
      if (escaped === undefined) escapedRequires.set(requires, (escaped = escapeHtml(requires)));
      html += ` data-requires-python="${escaped}"`;
    }
    if (f.metadataSha256 !== undefined) {
      html += ` data-dist-info-metadata="sha256=${f.metadataSha256}" data-core-metadata="sha256=${f.metadataSha256}"`;
    }
    if (f.yanked !== undefined) html += ` data-yanked="${escapeHtml(f.yanked.reason)}"`;
    html += `>${escapeHtml(f.filename)}</a><br />\n`;
  }
  return html + HTML_TAIL;
}

export function renderProjectJson(page: ProjectPage): string {
  const { files, versions } = orderFiles(page.files);
  // Written by hand rather than JSON.stringify of 10k+ objects: far less garbage. Every
  // string from metadata goes through q(), so escaping stays exact; URLs come out of
  // encodeURIComponent, upload times out of Date#toISOString, hashes are hex.
  const prefix = fileUrlPrefix(page.name);
  const quotedRequires = new Map<string, string>();
  let json = `{"meta":{"api-version":${q(API_VERSION)}},"name":${q(page.name)},"versions":${JSON.stringify(versions)},"files":[`;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    let requires = '';
    if (f.requiresPython) {
      requires = quotedRequires.get(f.requiresPython) ?? '';
      if (!requires) quotedRequires.set(f.requiresPython, (requires = `,"requires-python":${q(f.requiresPython)}`));
    }
    // PEP 714: JSON carries `core-metadata` only, and only when the file exists. pip 22.3
    // to 23.1 crash on any `dist-info-metadata` key in JSON, `false` or a dict alike (seen
    // with Debian's pip 23.0.1); that bug is why PEP 714 renamed the key.
    const metadata = f.metadataSha256 === undefined ? '' : `,"core-metadata":{"sha256":"${f.metadataSha256}"}`;
    const yanked = f.yanked === undefined ? 'false' : f.yanked.reason === '' ? 'true' : q(f.yanked.reason);
    json +=
      `${i === 0 ? '' : ','}{"filename":${q(f.filename)},"url":"${prefix}${f.sha256}/${encodeURIComponent(f.filename)}",` +
      `"hashes":{"sha256":"${f.sha256}"}${requires}${metadata},"yanked":${yanked},"size":${f.size},"upload-time":"${f.uploadTime}"}`;
  }
  return `${json}]}`;
}

/** Characters JSON must escape in a string: quote, backslash, controls, lone surrogates. */
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal; JSON.stringify only for the rare string that needs escaping. */
function q(value: string): string {
  return NEEDS_JSON_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}
