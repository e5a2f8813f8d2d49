/**
 * The web UI's pages at PyPI's own URLs (`/`, `/project/NAME/`, `/project/NAME/VERSION/`,
 * `/search/`, `/account/login/`), rendered on the server as plain HTML: no framework, no
 * script but the hashed copy-button one, readable with scripts off, on a phone, light or dark.
 *
 * The pages render the read model's views (lambdas/app/project-views.ts: the JSON API's
 * Warehouse-shaped documents, release groups, search pages), nothing of their own. Every
 * value from package metadata is escaped; a description arrives as HTML that
 * description.ts sanitized.
 */
import type { FileProvenance, ProvenancePublisher } from './attestations.ts';
import { escapeHtml } from './html.ts';
import type { Overview, SearchHit, SearchPage } from './project-search.ts';
import { servesFiles, type ProjectStatusMarker } from './project-status.ts';
import type { ReleaseGroup, WarehouseFile, WarehouseReleaseJson } from './warehouse-json.ts';
import { WEB_SCRIPT, WEB_STYLE } from './web-assets.ts';

type Maybe<T> = T | null | undefined;

/** What every page needs besides its content. */
export interface PageContext {
  /** Prefix of absolute paths (`/stage` or ''). */
  readonly basePath: string;
  /** The simple index URL pip is given (`https://host/simple/`). */
  readonly indexUrl: string;
  /** The caller signed in with the token sign-in: its id, and the form token sign-out needs. */
  readonly session?: { readonly tokenId: string; readonly csrf: string };
  /** A private index, caller not signed in with a cookie: the header offers the sign-in. */
  readonly offerSignIn: boolean;
}

/** A project in a list: a search hit or a latest upload (both have a search hit's fields). */
export type ListedProject = SearchHit;

const e = escapeHtml;

/** `/project/NAME/` (and `VERSION/`), percent-encoded. */
export function projectPath(basePath: string, name: string, version?: string): string {
  return `${basePath}/project/${encodeURIComponent(name)}/${version === undefined ? '' : `${encodeURIComponent(version)}/`}`;
}

export function formatBytes(size: number): string {
  if (size < 1000) return `${size} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = size / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function time(iso: Maybe<string>): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return e(iso);
  const shown = date.toISOString().slice(0, 16).replace('T', ' ');
  return `<time datetime="${e(date.toISOString())}">${shown} UTC</time>`;
}

/** Only http(s) URLs become links; anything else (javascript:, data:) is shown as text. */
function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function externalLink(label: string, url: string): string {
  const href = safeHref(url);
  return href ? `<a href="${e(href)}" rel="nofollow noopener noreferrer">${e(label)}</a>` : `${e(label)}: ${e(url)}`;
}

function header(ctx: PageContext, query = ''): string {
  const who = ctx.session
    ? `<span class="who">Signed in with token ${e(ctx.session.tokenId)}<form class="inline" method="post" action="${e(ctx.basePath)}/account/logout/"><input type="hidden" name="csrf" value="${e(ctx.session.csrf)}"><button type="submit">Sign out</button></form></span>`
    : ctx.offerSignIn
      ? `<span class="who"><a href="${e(ctx.basePath)}/account/login/">Sign in</a></span>`
      : '';
  return (
    `<header><a class="home" href="${e(ctx.basePath)}/">Wharf</a>` +
    `<form class="search" role="search" method="get" action="${e(ctx.basePath)}/search/"><input type="search" name="q" value="${e(query)}" placeholder="Search projects" aria-label="Search projects"><button type="submit">Search</button></form>` +
    `${who}</header>`
  );
}

/** The whole page: one inline stylesheet and script, both allowed by hash (web-routes.ts). */
export function layout(ctx: PageContext, title: string, body: string, query = ''): string {
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="referrer" content="same-origin"><title>${e(title)}</title><style>${WEB_STYLE}</style></head><body>` +
    `${header(ctx, query)}<main>${body}</main>` +
    `<footer>pip reads this index at <code>${e(ctx.indexUrl)}</code> · <a href="${e(ctx.basePath)}/simple/">Simple index</a></footer>` +
    `<script>${WEB_SCRIPT}</script></body></html>`
  );
}

function listedProjects(ctx: PageContext, projects: readonly ListedProject[]): string {
  if (projects.length === 0) return '';
  const items = projects.map((p) => {
    const version = p.version ? ` <span class="muted">${e(p.version)}</span>` : '';
    const summary = p.summary ? `<div>${e(p.summary)}</div>` : '';
    const when = p.uploadTime ? `<div class="muted">${time(p.uploadTime)}</div>` : '';
    const status = p.status && p.status.status !== 'active' ? ` ${statusMark(p.status)}` : '';
    return `<li><a class="name" href="${e(projectPath(ctx.basePath, p.name))}">${e(p.displayName || p.name)}</a>${version}${status}${summary}${when}</li>`;
  });
  return `<ul class="list">${items.join('')}</ul>`;
}

export function homePage(ctx: PageContext, view: Overview): string {
  const count = `${view.projectCount.toLocaleString('en')} ${view.projectCount === 1 ? 'project' : 'projects'}`;
  const latest = view.latestUploads.length
    ? `<h2>Latest uploads</h2>${listedProjects(ctx, view.latestUploads)}`
    : `<p>Nothing is published here yet. Publish with <code>twine upload --repository-url ${e(ctx.indexUrl.replace(/simple\/$/, 'legacy/'))} dist/*</code>.</p>`;
  return layout(
    ctx,
    'Wharf',
    `<h1>Find a package</h1>` +
      `<form class="big-search" role="search" method="get" action="${e(ctx.basePath)}/search/"><input type="search" name="q" placeholder="Search projects" aria-label="Search projects" autofocus><button type="submit">Search</button></form>` +
      `<p class="muted" id="project-count">${count}</p>${latest}`,
  );
}

export function searchPage(ctx: PageContext, view: SearchPage): string {
  const q = view.query.trim();
  let body: string;
  if (q === '') {
    body = `<h1>Search</h1><p>Type a project name or words of its summary.</p>`;
  } else if (view.total === 0) {
    body = `<h1>Search</h1><p>No project matches <strong>${e(q)}</strong>.</p>`;
  } else {
    const link = (page: number, label: string, rel: string) =>
      `<a rel="${rel}" href="${e(ctx.basePath)}/search/?q=${e(encodeURIComponent(q))}&amp;page=${page}">${label}</a>`;
    const pager =
      view.pageCount > 1
        ? `<nav class="pager" aria-label="Pages">${view.page > 1 ? link(view.page - 1, '← Previous', 'prev') : ''}<span>Page ${view.page} of ${view.pageCount}</span>${view.page < view.pageCount ? link(view.page + 1, 'Next →', 'next') : ''}</nav>`
        : '';
    body =
      `<h1>Search</h1><p id="result-count">${view.total.toLocaleString('en')} ${view.total === 1 ? 'project matches' : 'projects match'} <strong>${e(q)}</strong>.</p>` +
      `${listedProjects(ctx, view.results)}${pager}`;
  }
  return layout(ctx, q ? `Search: ${q} · Wharf` : 'Search · Wharf', body, q);
}

/** A project's status in a list: the word, and the reason beside it. */
function statusMark(marker: ProjectStatusMarker): string {
  return `<span class="status" data-status="${e(marker.status)}">${e(marker.status)}</span>${marker.reason ? ` <span class="muted status-reason">${e(marker.reason)}</span>` : ''}`;
}

const STATUS_TEXT: Record<Exclude<ProjectStatusMarker['status'], 'active'>, string> = {
  quarantined:
    'This project is quarantined by the admins of this index: none of its files is served and it cannot be installed until they release it.',
  archived: 'This project is archived by its maintainers: it takes no new releases. Its files are still served and install as before.',
  deprecated: 'This project is deprecated by its maintainers: it still installs, but look for a replacement.',
};

/** The banner of a project page whose status is not active (PEP 792), with the reason given. */
function statusBanner(marker: ProjectStatusMarker): string {
  if (marker.status === 'active') return '';
  const reason = marker.reason ? ` <strong>Reason:</strong> ${e(marker.reason)}` : '';
  return `<p class="banner" id="project-status-banner" data-status="${e(marker.status)}">${e(STATUS_TEXT[marker.status])}${reason}</p>`;
}

const pathLink = (base: string, path: string) =>
  `<a href="${e(base)}/${e(path.split('/').map(encodeURIComponent).join('/'))}" rel="nofollow noopener noreferrer">${e(path)}</a>`;
const environmentText = (environment: string | undefined) => (environment ? `, environment <code>${e(environment)}</code>` : '');

/** Who published a file, as its provenance object names the publisher (Warehouse's shape per kind). */
function publisherText(p: ProvenancePublisher): string {
  switch (p.kind) {
    case 'GitHub':
      return `${pathLink('https://github.com', p.repository)}, workflow <code>${e(p.workflow)}</code>${environmentText(p.environment)}`;
    case 'GitLab': {
      // A self-managed instance is named in the claims; only an http(s) one is linked.
      const instance = p.claims?.issuer ?? 'https://gitlab.com';
      const project = /^https?:\/\//.test(instance) ? pathLink(instance, p.repository) : `<code>${e(p.repository)}</code>`;
      return `GitLab project ${project}${instance === 'https://gitlab.com' ? '' : ` on ${e(instance)}`}, CI file <code>${e(p.workflow_filepath)}</code>${environmentText(p.environment)}`;
    }
    case 'Google':
      return `Google Cloud service account <code>${e(p.email)}</code>`;
    default:
      return `a ${e(String((p as { kind?: unknown }).kind))} publisher`;
  }
}

/** A file's verified attestations (PEP 740): who published it, and where its provenance is. */
function provenanceNote(ctx: PageContext, provenance: FileProvenance): string {
  const by = provenance.publishers.length ? `: published by ${provenance.publishers.map(publisherText).join('; ')}` : '';
  return `<div class="provenance">Verified attestations${by} · <a href="${e(ctx.basePath)}/${e(provenance.path)}">provenance</a></div>`;
}

function yankedMark(reason: Maybe<string>): string {
  return `<span class="yanked">yanked</span>${reason ? ` <span class="yank-reason">Reason: ${e(reason)}</span>` : ''}`;
}

function classifierList(classifiers: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const c of classifiers) {
    const [group = c, ...rest] = c.split(' :: ');
    const list = groups.get(group) ?? [];
    list.push(rest.join(' :: ') || group);
    groups.set(group, list);
  }
  return [...groups]
    .map(([group, items]) => `<li><strong>${e(group)}</strong><ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul></li>`)
    .join('');
}

export interface ProjectPageView {
  /** The release shown: its `info` and `urls` (links made with `{ base: basePath }`). */
  readonly document: WarehouseReleaseJson;
  /** The project's normalized name (for URLs). */
  readonly name: string;
  /** Every release, newest first; and the one pypi.org calls the latest. */
  readonly releases: readonly ReleaseGroup[];
  readonly latest: ReleaseGroup;
  /** The page is `/project/NAME/VERSION/`, not the latest release's page. */
  readonly pinned: boolean;
  /** The description, already rendered and sanitized (description.ts). */
  readonly descriptionHtml: string;
  /** PEP 792: a banner unless active; quarantined, no install line and no file. @default active */
  readonly status?: ProjectStatusMarker;
  /** Verified attestations of the shown files, by filename (PEP 740). */
  readonly provenance?: ReadonlyMap<string, FileProvenance>;
}

export function projectPage(ctx: PageContext, view: ProjectPageView): string {
  const { info, urls } = view.document;
  const name = info.name;
  const notLatest = view.pinned && info.version !== view.latest.version;
  const install = notLatest ? `pip install ${name}==${info.version}` : `pip install ${name}`;
  const parts: string[] = [];

  parts.push(`<div><h1>${e(name)} ${e(info.version)}</h1>${info.summary ? `<p class="summary">${e(info.summary)}</p>` : ''}`);
  const offered = servesFiles(view.status);
  // A quarantined project cannot be installed: no line to copy (the simple page lists no file either).
  if (offered) {
    parts.push(
      `<div class="install"><code id="install-line">${e(install)}</code><button type="button" data-copy="install-line" hidden>Copy</button></div>`,
    );
  }
  if (view.status) parts.push(statusBanner(view.status));
  if (info.yanked) {
    parts.push(`<p class="banner" id="yanked-banner">This release is yanked: pip installs it only when asked for exactly this version.${info.yanked_reason ? ` Reason: ${e(info.yanked_reason)}` : ''}</p>`);
  }
  if (notLatest) {
    parts.push(`<p class="banner">This is not the latest release. The latest is <a href="${e(projectPath(ctx.basePath, view.name))}">${e(view.latest.version)}</a>.</p>`);
  }
  parts.push('</div>');

  // The sidebar: links and facts, as PyPI's.
  const side: string[] = [];
  const links: string[] = [];
  if (info.home_page) links.push(`<li>${externalLink('Homepage', info.home_page)}</li>`);
  for (const [label, url] of Object.entries(info.project_urls ?? {})) {
    if (label === 'Homepage' && url === info.home_page) continue;
    links.push(`<li>${externalLink(label, url)}</li>`);
  }
  if (links.length) side.push(`<h2>Project links</h2><ul id="project-urls">${links.join('')}</ul>`);
  const meta: string[] = [];
  const fact = (label: string, value: Maybe<string>) => {
    if (value) meta.push(`<dt>${label}</dt><dd>${e(value)}</dd>`);
  };
  fact('Requires: Python', info.requires_python);
  fact('License', info.license_expression || (info.license && info.license.length <= 200 ? info.license : undefined));
  fact('Author', info.author || info.author_email);
  fact('Maintainer', info.maintainer || info.maintainer_email);
  fact('Keywords', info.keywords);
  if (meta.length) side.push(`<h2>Meta</h2><dl class="meta" id="meta">${meta.join('')}</dl>`);
  if (info.classifiers?.length) side.push(`<h2>Classifiers</h2><ul id="classifiers">${classifierList(info.classifiers)}</ul>`);

  const history = view.releases
    .map((r) => {
      const current = r.version === info.version ? ' aria-current="page"' : '';
      const pre = r.prerelease ? ' <span class="muted">pre-release</span>' : '';
      return `<li><a class="name" href="${e(projectPath(ctx.basePath, view.name, r.version))}"${current}>${e(r.version)}</a>${pre} <span class="muted">${time(r.uploadTime)}</span>${r.yanked ? ` ${yankedMark(r.yankedReason)}` : ''}</li>`;
    })
    .join('');

  const files = urls
    .map((f: WarehouseFile) => {
      const yanked = f.yanked ? `<br>${yankedMark(f.yanked_reason)}` : '';
      const attested = view.provenance?.get(f.filename);
      return `<tr><td><a href="${e(f.url)}">${e(f.filename)}</a>${yanked}${attested ? provenanceNote(ctx, attested) : ''}</td><td>${formatBytes(f.size)}</td><td>${time(f.upload_time_iso_8601)}</td><td class="sha">${e(f.digests.sha256)}</td></tr>`;
    })
    .join('');

  const description = view.descriptionHtml
    ? `<div class="description" id="description">${view.descriptionHtml}</div>`
    : `<p class="muted" id="description">The author of this package has not provided a project description.</p>`;

  const body =
    `${parts.join('')}<div class="layout"><section><h2>Description</h2>${description}</section>` +
    `<aside>${side.join('')}</aside>` +
    `<section><h2>Release history</h2><ul class="list" id="release-history">${history}</ul></section>` +
    `<section><h2>Files of ${e(info.version)}</h2>${
      files
        ? `<div class="table"><table id="files"><thead><tr><th>File</th><th>Size</th><th>Uploaded</th><th>SHA256</th></tr></thead><tbody>${files}</tbody></table></div>`
        : offered
          ? '<p>This release has no files.</p>'
          : '<p id="no-files">None of this project\'s files is served while it is quarantined.</p>'
    }</section></div>`;
  return layout(ctx, `${name} ${info.version} · Wharf`, body);
}

export interface SignInView {
  readonly csrf: string;
  /** Where to go after signing in (a path of this index). */
  readonly next: string;
  readonly error?: string;
  /** Why the page is shown: a page that needed a token, or the caller's own choice. */
  readonly reason?: string;
}

export function signInPage(ctx: PageContext, view: SignInView): string {
  const error = view.error ? `<p class="error" role="alert" id="signin-error">${e(view.error)}</p>` : '';
  const reason = view.reason ? `<p>${e(view.reason)}</p>` : '';
  return layout(
    ctx,
    'Sign in · Wharf',
    `<h1>Sign in</h1>${reason}${error}` +
      `<form class="signin" method="post" action="${e(ctx.basePath)}/account/login/">` +
      `<label for="token">Wharf token</label><input type="password" id="token" name="token" autocomplete="current-password" required placeholder="wharf_…">` +
      `<input type="hidden" name="csrf" value="${e(view.csrf)}"><input type="hidden" name="next" value="${e(view.next)}">` +
      `<button type="submit">Sign in</button></form>` +
      `<p class="note">The same token pip uses (user <code>__token__</code>). It is kept in a cookie that scripts cannot read and that only this site receives, for at most 8 hours, or until you sign out.</p>`,
  );
}

export function messagePage(ctx: PageContext, title: string, message: string): string {
  return layout(ctx, `${title} · Wharf`, `<h1>${e(title)}</h1><p>${e(message)}</p>`);
}
