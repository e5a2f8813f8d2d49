/**
 * The one renderer of the simple repository API pages (page-model.ts): PEP 503 HTML (with
 * PEP 629's repository-version meta) and PEP 691 JSON (with PEP 700's versions, size,
 * upload-time), plus PEP 592 yanks and PEP 658/714 core-metadata links. Every value is
 * escaped here: upstream strings are untrusted, and so is package metadata. Wharf's own
 * links are relative, so its pages work behind any host name, stage prefix or custom domain.
 */
import { escapeHtml } from './html.ts';
import { MEDIA_JSON_V1, type SimpleFormat } from './negotiation.ts';
import { API_VERSION, STATUS_API_VERSION, hostedProjectPage, type HostedProject, type ProjectPage, type RootEntry } from './page-model.ts';
import type { ProjectStatusMarker } from './project-status.ts';

const HTML_HEAD = (title: string, status?: ProjectStatusMarker) =>
  '<!DOCTYPE html>\n<html>\n  <head>\n' +
  `    <meta name="pypi:repository-version" content="${status ? STATUS_API_VERSION : API_VERSION}">\n` +
  (status ? `    <meta name="pypi:project-status" content="${status.status}">\n` : '') +
  (status?.reason ? `    <meta name="pypi:project-status-reason" content="${escapeHtml(status.reason)}">\n` : '') +
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

export function renderPage(page: ProjectPage, format: SimpleFormat): string {
  return format === MEDIA_JSON_V1 ? renderPageJson(page) : renderPageHtml(page);
}

export function renderPageHtml(page: ProjectPage): string {
  const title = `Links for ${escapeHtml(page.displayName)}`;
  // Hot loop for pages of 10k+ files: one string, no per-file arrays, and each distinct
  // Requires-Python escaped once.
  const escapedRequires = new Map<string, string>();
  let html = HTML_HEAD(title, page.status);
  for (const link of page.links) {
    html += `    <a href="${escapeHtml(link.href)}#sha256=${escapeHtml(link.sha256)}"`;
    const requires = link.requiresPython;
    if (requires) {
      let escaped = escapedRequires.get(requires);
      if (escaped === undefined) escapedRequires.set(requires, (escaped = escapeHtml(requires)));
      html += ` data-requires-python="${escaped}"`;
    }
    if (link.coreMetadata) {
      // PEP 714: HTML carries both names, the older one for clients that predate the rename.
      const value = link.coreMetadata.sha256 ? `sha256=${link.coreMetadata.sha256}` : 'true';
      html += ` data-dist-info-metadata="${value}" data-core-metadata="${value}"`;
    }
    if (link.yanked) html += ` data-yanked="${escapeHtml(link.yanked.reason)}"`;
    // PEP 740 (api-version 1.3).
    if (link.provenance) html += ` data-provenance="${escapeHtml(link.provenance)}"`;
    html += `>${escapeHtml(link.filename)}</a><br />\n`;
  }
  return html + HTML_TAIL;
}

export function renderPageJson(page: ProjectPage): string {
  // PEP 700 makes `versions` and every file's `size` mandatory from api-version 1.1; a page
  // without them (an HTML upstream, or an older JSON index) is served as 1.0.
  const v11 = page.versions !== undefined && page.links.every((l) => l.size !== undefined);
  // Written by hand rather than JSON.stringify of 10k+ objects: far less garbage. Every
  // string goes through q(), which is exactly JSON.stringify for a string.
  const quotedRequires = new Map<string, string>();
  // PEP 792's project-status needs 1.4, which keeps 1.1's mandatory fields (Wharf's own pages have them).
  const status = v11 ? page.status : undefined;
  const version = status ? STATUS_API_VERSION : v11 ? API_VERSION : '1.0';
  let json = `{"meta":{"api-version":${q(version)}},"name":${q(page.name)}`;
  if (status) {
    json += `,"project-status":{"status":${q(status.status)}${status.reason ? `,"reason":${q(status.reason)}` : ''}}`;
  }
  if (v11) json += `,"versions":${JSON.stringify(page.versions)}`;
  json += ',"files":[';
  for (let i = 0; i < page.links.length; i++) {
    const l = page.links[i]!;
    let requires = '';
    if (l.requiresPython) {
      requires = quotedRequires.get(l.requiresPython) ?? '';
      if (!requires) quotedRequires.set(l.requiresPython, (requires = `,"requires-python":${q(l.requiresPython)}`));
    }
    // PEP 714: JSON carries `core-metadata` only, and only when the file exists. pip 22.3
    // to 23.1 crash on any `dist-info-metadata` key in JSON, `false` or a dict alike (seen
    // with Debian's pip 23.0.1); that bug is why PEP 714 renamed the key.
    const metadata = !l.coreMetadata
      ? ''
      : `,"core-metadata":${l.coreMetadata.sha256 ? `{"sha256":${q(l.coreMetadata.sha256)}}` : 'true'}`;
    const yanked = !l.yanked ? 'false' : l.yanked.reason === '' ? 'true' : q(l.yanked.reason);
    json +=
      `${i === 0 ? '' : ','}{"filename":${q(l.filename)},"url":${q(l.href)},"hashes":{"sha256":${q(l.sha256)}}` +
      `${requires}${metadata},"yanked":${yanked}` +
      `${l.size !== undefined ? `,"size":${l.size}` : ''}${l.uploadTime ? `,"upload-time":${q(l.uploadTime)}` : ''}` +
      `${l.provenance ? `,"provenance":${q(l.provenance)}` : ''}}`;
  }
  return `${json}]}`;
}

/** A hosted project's page as HTML: its files in version order. */
export function renderProjectHtml(project: HostedProject): string {
  return renderPageHtml(hostedProjectPage(project));
}

/** A hosted project's page as JSON: its files in version order. */
export function renderProjectJson(project: HostedProject): string {
  return renderPageJson(hostedProjectPage(project));
}

/** Characters JSON must escape in a string: quote, backslash, controls, lone surrogates. */
const NEEDS_JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal; JSON.stringify only for the rare string that needs escaping. */
function q(value: string): string {
  return NEEDS_JSON_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}
