/**
 * Rendering of project pages whose files come from an upstream (and, for a project an
 * admin allowed to mix, from Wharf too): the same PEP 503/691 shapes as Wharf's own
 * pages, with each file's URL given rather than derived. Every value is escaped here;
 * upstream strings are untrusted.
 */
import { escapeHtml } from './html.ts';
import type { DistributionFile } from './model.ts';
import { API_VERSION, fileUrlFromProjectPage } from './simple-pages.ts';
import type { UpstreamFile, UpstreamPage } from './upstream.ts';

/** One link of a rendered page. */
export interface PageLink {
  readonly filename: string;
  /** Where the client fetches the file (absolute, or relative to the project page). */
  readonly href: string;
  readonly sha256: string;
  readonly requiresPython?: string;
  readonly yanked?: { readonly reason: string };
  readonly coreMetadata?: { readonly sha256?: string };
  readonly size?: number;
  readonly uploadTime?: string;
}

export interface LinkPage {
  /** Normalized project name. */
  readonly name: string;
  readonly displayName: string;
  readonly links: readonly PageLink[];
  /** PEP 700 versions; with sizes for every link, the JSON page is api-version 1.1. */
  readonly versions?: readonly string[];
}

/** A link to one of Wharf's own files, as its own pages would give it. */
export function linkOfLocalFile(file: DistributionFile): PageLink {
  return {
    filename: file.filename,
    href: fileUrlFromProjectPage(file),
    sha256: file.sha256,
    ...(file.requiresPython ? { requiresPython: file.requiresPython } : {}),
    ...(file.yanked ? { yanked: file.yanked } : {}),
    ...(file.metadataSha256 ? { coreMetadata: { sha256: file.metadataSha256 } } : {}),
    size: file.size,
    uploadTime: file.uploadTime,
  };
}

/** A link to an upstream file; `href` says where (the upstream itself, or Wharf's copy). */
export function linkOfUpstreamFile(file: UpstreamFile, href: string): PageLink {
  return {
    filename: file.filename,
    href,
    sha256: file.sha256,
    ...(file.requiresPython ? { requiresPython: file.requiresPython } : {}),
    ...(file.yanked ? { yanked: file.yanked } : {}),
    ...(file.coreMetadata ? { coreMetadata: file.coreMetadata } : {}),
    ...(file.size !== undefined ? { size: file.size } : {}),
    ...(file.uploadTime ? { uploadTime: file.uploadTime } : {}),
  };
}

/** Upstream versions plus Wharf's own, for a mixed page. */
export function mergedVersions(page: UpstreamPage, local: readonly DistributionFile[]): string[] | undefined {
  if (!page.versions) return undefined;
  return [...new Set([...page.versions, ...local.map((f) => f.version)])];
}

export function renderLinkPageHtml(page: LinkPage): string {
  const title = `Links for ${escapeHtml(page.displayName)}`;
  let html =
    '<!DOCTYPE html>\n<html>\n  <head>\n' +
    `    <meta name="pypi:repository-version" content="${API_VERSION}">\n` +
    `    <title>${title}</title>\n  </head>\n  <body>\n    <h1>${title}</h1>\n`;
  for (const link of page.links) {
    html += `    <a href="${escapeHtml(`${link.href}#sha256=${link.sha256}`)}"`;
    if (link.requiresPython) html += ` data-requires-python="${escapeHtml(link.requiresPython)}"`;
    if (link.coreMetadata) {
      const value = link.coreMetadata.sha256 ? `sha256=${link.coreMetadata.sha256}` : 'true';
      html += ` data-dist-info-metadata="${value}" data-core-metadata="${value}"`;
    }
    if (link.yanked) html += ` data-yanked="${escapeHtml(link.yanked.reason)}"`;
    html += `>${escapeHtml(link.filename)}</a><br />\n`;
  }
  return `${html}  </body>\n</html>\n`;
}

export function renderLinkPageJson(page: LinkPage): string {
  // PEP 700 makes `versions` and every file's `size` mandatory from api-version 1.1; an
  // upstream page without them (HTML, or an older JSON index) is served as 1.0.
  const v11 = page.versions !== undefined && page.links.every((l) => l.size !== undefined);
  return JSON.stringify({
    meta: { 'api-version': v11 ? API_VERSION : '1.0' },
    name: page.name,
    ...(v11 ? { versions: page.versions } : {}),
    files: page.links.map((l) => ({
      filename: l.filename,
      url: l.href,
      hashes: { sha256: l.sha256 },
      ...(l.requiresPython ? { 'requires-python': l.requiresPython } : {}),
      // PEP 714: only `core-metadata` in JSON (pip 22.3 to 23.1 crash on `dist-info-metadata`).
      ...(l.coreMetadata ? { 'core-metadata': l.coreMetadata.sha256 ? { sha256: l.coreMetadata.sha256 } : true } : {}),
      yanked: l.yanked ? (l.yanked.reason === '' ? true : l.yanked.reason) : false,
      ...(l.size !== undefined ? { size: l.size } : {}),
      ...(l.uploadTime ? { 'upload-time': l.uploadTime } : {}),
    })),
  });
}
