/**
 * PyPI's JSON API (`/pypi/{name}/json`, `/pypi/{name}/{version}/json`) in Warehouse's
 * shape (warehouse/legacy/api/json.py), built from what Wharf keeps: a project's files
 * (one page Query) and one release's core metadata. Field names and types follow
 * Warehouse's, so tools written against pypi.org (Dependabot, Renovate, johnnydep,
 * pypi-browser, release dashboards) read Wharf's the same way; where Wharf keeps less
 * than Warehouse, the field is null or left out rather than made up (md5 and BLAKE2b
 * digests are not kept, so `digests` has `sha256` alone and there is no `md5_digest`).
 *
 * Releases: Wharf yanks files (PEP 592 is per file), Warehouse yanks releases. Here a
 * release is yanked when every one of its files is, with the first reason given; each
 * file keeps its own `yanked` and `yanked_reason`.
 *
 * Pure: the app layer (lambdas/app/project-views.ts) reads and caches, this only shapes.
 */
import type { DistributionFile, PackageType, ReleaseRecord } from './model.ts';
import type { ReleaseMetadata } from './release-metadata.ts';
import { distributionPath } from './storage-keys.ts';
import { isPrerelease, releaseVersionKey, versionSortKey } from './versions.ts';

/** Digests of a file: Wharf keeps the sha256 only; it never makes the others up. */
export interface WarehouseDigests {
  readonly sha256: string;
}

/** One file, as in Warehouse's `releases[version][]` and `urls[]`. */
export interface WarehouseFile {
  readonly filename: string;
  readonly packagetype: PackageType;
  /** The wheel's Python tag (`py3`, `cp312`), `source` for an sdist, as twine's `pyversion`. */
  readonly python_version: string;
  /** Wharf keeps no PGP signatures (PyPI dropped them too). */
  readonly has_sig: false;
  readonly comment_text: null;
  readonly digests: WarehouseDigests;
  /** PEP 658/714: the sha256 of the `.metadata` served beside the file, or false. */
  readonly 'core-metadata': { readonly sha256: string } | false;
  readonly size: number;
  /** Not counted; -1 as on pypi.org. */
  readonly downloads: -1;
  /** `YYYY-MM-DDTHH:MM:SS`, UTC without a zone, as Warehouse writes it. */
  readonly upload_time: string;
  /** ISO 8601 UTC with `Z` (as stored, milliseconds included). */
  readonly upload_time_iso_8601: string;
  /** Wharf's own download URL (`{base}/files/...`), as the simple pages link it. */
  readonly url: string;
  readonly requires_python: string | null;
  readonly yanked: boolean;
  readonly yanked_reason: string | null;
}

/** `info`: the core metadata of one release (the latest, or the one asked for). */
export interface WarehouseInfo {
  /** The project's name as first published (display name), as Warehouse's `project.name`. */
  readonly name: string;
  readonly version: string;
  readonly summary: string | null;
  /** '' when the release has none, as Warehouse keeps it. */
  readonly description: string;
  readonly description_content_type: string | null;
  readonly keywords: string | null;
  readonly license: string | null;
  readonly license_expression: string | null;
  readonly license_files: readonly string[] | null;
  readonly classifiers: readonly string[];
  readonly author: string | null;
  readonly author_email: string | null;
  readonly maintainer: string | null;
  readonly maintainer_email: string | null;
  /** As Warehouse stores it: `str(SpecifierSet(...))` (specifiers sorted, no spaces). */
  readonly requires_python: string | null;
  /** Not kept by Wharf (Platform is obsolete metadata). */
  readonly platform: null;
  readonly downloads: { readonly last_day: -1; readonly last_week: -1; readonly last_month: -1 };
  /** `{base}/project/{normalized}/`: the project's page. */
  readonly package_url: string;
  readonly project_url: string;
  /** `{base}/project/{normalized}/{version}/`. */
  readonly release_url: string;
  /** Label → URL, Home-page and Download-URL first, as Warehouse's `Release.urls`; null when none. */
  readonly project_urls: Readonly<Record<string, string>> | null;
  readonly requires_dist: readonly string[] | null;
  readonly provides_extra: readonly string[] | null;
  readonly docs_url: null;
  readonly bugtrack_url: null;
  readonly home_page: string | null;
  readonly download_url: string | null;
  readonly yanked: boolean;
  readonly yanked_reason: string | null;
  readonly dynamic: readonly string[] | null;
}

/** `/pypi/{name}/{version}/json`: one release. */
export interface WarehouseReleaseJson {
  readonly info: WarehouseInfo;
  /** The files of `info.version`. */
  readonly urls: readonly WarehouseFile[];
  /** Wharf has no vulnerability database: always empty, as for a clean project on PyPI. */
  readonly vulnerabilities: readonly [];
  /** The project's change serial (raised by every upload, yank and delete); 0 before serials began. */
  readonly last_serial: number;
}

/** `/pypi/{name}/json`: the latest release's `info` and `urls`, and every release's files. */
export interface WarehouseProjectJson extends WarehouseReleaseJson {
  /** Version → files, newest release first. */
  readonly releases: Readonly<Record<string, readonly WarehouseFile[]>>;
}

/** One release of a project as its files describe it. */
export interface ReleaseGroup {
  /** The version as the release's first uploaded file spelled it. */
  readonly version: string;
  /** releaseVersionKey(version) (`1.0` and `1.0.0` are one release, key `1`). */
  readonly key: string;
  readonly prerelease: boolean;
  /** Every file yanked (PEP 592), so installers skip the release. */
  readonly yanked: boolean;
  /** The first non-empty reason among its yanked files ('' when none gave one); undefined when not yanked. */
  readonly yankedReason?: string;
  /** When its first file was uploaded (ISO 8601). */
  readonly uploadTime: string;
  /** Its files by filename. */
  readonly files: readonly DistributionFile[];
}

const byFilename = (a: DistributionFile, b: DistributionFile) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0);

/** A release's identity: PEP 440-equal versions share it (versionSortKey is kept per version). */
function groupKeyOf(version: string): string {
  // Every stored version passed the upload's PEP 440 check; keep odd data apart, not lost.
  return versionSortKey(version) ?? `\uffff${version}`;
}

function releaseKeyOf(version: string): string {
  try {
    return releaseVersionKey(version);
  } catch {
    return version;
  }
}

/**
 * A project's files grouped into releases (PEP 440-equal versions together), newest
 * first by PEP 440 (invalid versions last). Each version is parsed once, whatever the
 * number of files: a project of 10,000 files is grouped in a few milliseconds.
 */
export function releaseGroups(files: readonly DistributionFile[]): ReleaseGroup[] {
  const groups = new Map<string, DistributionFile[]>();
  for (const file of files) {
    const key = groupKeyOf(file.version);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(file);
  }
  const keyed: { sortKey: string; group: ReleaseGroup }[] = [];
  for (const [sortKey, group] of groups) {
    group.sort(byFilename);
    let first = group[0]!;
    for (const f of group) if (f.uploadTime < first.uploadTime) first = f;
    const yanked = group.every((f) => f.yanked !== undefined);
    const reason = yanked ? (group.find((f) => f.yanked!.reason !== '')?.yanked!.reason ?? '') : undefined;
    keyed.push({
      sortKey,
      group: {
        version: first.version,
        key: releaseKeyOf(first.version),
        prerelease: isPrerelease(first.version),
        yanked,
        ...(reason !== undefined ? { yankedReason: reason } : {}),
        uploadTime: first.uploadTime,
        files: group,
      },
    });
  }
  // Newest first; the invalid ones (keyed from U+FFFF) sort after every valid key, so go last.
  keyed.sort((a, b) => {
    const aValid = !a.sortKey.startsWith('\uffff');
    const bValid = !b.sortKey.startsWith('\uffff');
    if (aValid !== bValid) return aValid ? -1 : 1;
    return a.sortKey < b.sortKey ? (aValid ? 1 : -1) : a.sortKey > b.sortKey ? (aValid ? -1 : 1) : 0;
  });
  return keyed.map((k) => k.group);
}

/**
 * The release a project page and `/pypi/{name}/json` show, as pypi.org picks it: the
 * highest release not yanked that is final, else the highest not yanked pre-release,
 * else (everything yanked) the highest final, else the highest. `groups` newest first, as
 * releaseGroups returns them; undefined when there are none.
 */
export function latestRelease(groups: readonly ReleaseGroup[]): ReleaseGroup | undefined {
  // Warehouse: ORDER BY yanked ASC, is_prerelease NULLS LAST, _pypi_ordering DESC.
  return (
    groups.find((g) => !g.yanked && !g.prerelease) ??
    groups.find((g) => !g.yanked) ??
    groups.find((g) => !g.prerelease) ??
    groups[0]
  );
}

/** The release among `groups` whose version equals `version` under PEP 440, or undefined. */
export function findRelease(groups: readonly ReleaseGroup[], version: string): ReleaseGroup | undefined {
  const key = versionSortKey(version.trim());
  if (key === undefined) return groups.find((g) => g.version === version);
  return groups.find((g) => versionSortKey(g.version) === key);
}

/** PEP 753 label normalization: punctuation and whitespace removed, lower case. */
function normalizeUrlLabel(label: string): string {
  return label.replace(/[!-/:-@[-`{-~\s]/g, '').toLowerCase();
}

/** Warehouse's `Release.urls`: Homepage and Download first, then Project-URLs, deduplicated. */
export function projectUrlsOf(metadata: ReleaseMetadata | undefined): Record<string, string> | null {
  if (!metadata) return null;
  const urls: Record<string, string> = {};
  if (metadata.home_page) urls['Homepage'] = metadata.home_page;
  if (metadata.download_url) urls['Download'] = metadata.download_url;
  for (const { label, url } of metadata.project_urls ?? []) {
    const normalized = normalizeUrlLabel(label);
    if (normalized === 'homepage' && url === urls['Homepage']) continue;
    if (normalized === 'downloadurl' && url === urls['Download']) continue;
    urls[label] = url;
  }
  return Object.keys(urls).length > 0 ? urls : null;
}

/** The wheel's Python tag (`name-ver[-build]-PY-abi-plat.whl`), as twine sends it in `pyversion`. */
function pythonVersionOf(file: DistributionFile): string {
  if (file.packagetype === 'sdist') return 'source';
  // The wheel filename was checked on upload; a split is all that is needed (and 10,000 of them are cheap).
  const parts = file.filename.slice(0, -'.whl'.length).split('-');
  return parts.length >= 5 ? parts[parts.length - 3]! : 'any';
}

/** Where the JSON's links point: `base` is origin and stage, without a trailing slash ('' for path-absolute links). */
export interface WarehouseLinks {
  readonly base: string;
}

/** Wharf's download URL of a file, under `base`. */
export function fileUrl(file: DistributionFile, links: WarehouseLinks): string {
  return `${links.base}/${distributionPath(file.project, file.sha256, file.filename)}`;
}

export function warehouseFile(file: DistributionFile, links: WarehouseLinks): WarehouseFile {
  return {
    filename: file.filename,
    packagetype: file.packagetype,
    python_version: pythonVersionOf(file),
    has_sig: false,
    comment_text: null,
    digests: { sha256: file.sha256 },
    'core-metadata': file.metadataSha256 ? { sha256: file.metadataSha256 } : false,
    size: file.size,
    downloads: -1,
    upload_time: file.uploadTime.slice(0, 19),
    upload_time_iso_8601: file.uploadTime,
    url: fileUrl(file, links),
    requires_python: file.requiresPython === undefined ? null : specifierSetString(file.requiresPython),
    yanked: file.yanked !== undefined,
    yanked_reason: file.yanked?.reason || null,
  };
}

/**
 * Requires-Python as Warehouse stores it, `str(SpecifierSet(value))`: each specifier
 * without spaces, sorted, joined by commas (`>= 3.8, <4` → `<4,>=3.8`). A value packaging
 * would not parse is given as it is.
 */
export function specifierSetString(value: string): string {
  const specs = value.split(',').map((s) => s.replace(/\s+/g, ''));
  if (specs.some((s) => !/^(~=|===|==|!=|<=|>=|<|>)[A-Za-z0-9!+.*_-]+$/.test(s))) return value;
  return specs.sort().join(',');
}

/** Keywords as Warehouse stores them: packaging splits on commas, Warehouse joins with ", ". */
function keywordsOf(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.split(',').map((k) => k.trim()).join(', ');
}

/** Python's str.title(), which Warehouse applies to Dynamic fields. */
function titleCase(value: string): string {
  return value.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
const listOrNull = <T>(value: readonly T[] | undefined): readonly T[] | null =>
  value === undefined || value.length === 0 ? null : value;

export interface JsonProject {
  /** Normalized name. */
  readonly name: string;
  readonly displayName: string;
  readonly serial: number | undefined;
}

/**
 * `info` for one release. `release` is its stored metadata, undefined when none was
 * stored (a crash between the file's entry and the release record): then only what the
 * files say is filled in.
 */
export function warehouseInfo(
  project: JsonProject,
  group: ReleaseGroup,
  release: ReleaseRecord | undefined,
  links: WarehouseLinks,
): WarehouseInfo {
  const m = release?.metadata;
  const projectUrl = `${links.base}/project/${encodeURIComponent(project.name)}/`;
  return {
    name: project.displayName,
    version: group.version,
    summary: orNull(m?.summary),
    // Warehouse keeps an absent description as "".
    description: m?.description ?? '',
    description_content_type: orNull(m?.description_content_type),
    keywords: keywordsOf(m?.keywords),
    license: orNull(m?.license),
    license_expression: orNull(m?.license_expression),
    license_files: listOrNull(m?.license_files),
    classifiers: m?.classifiers ?? [],
    author: orNull(m?.author),
    author_email: orNull(m?.author_email),
    maintainer: orNull(m?.maintainer),
    maintainer_email: orNull(m?.maintainer_email),
    requires_python: ((r) => (r === undefined ? null : specifierSetString(r)))(
      m?.requires_python ?? group.files.find((f) => f.requiresPython !== undefined)?.requiresPython,
    ),
    platform: null,
    downloads: { last_day: -1, last_week: -1, last_month: -1 },
    package_url: projectUrl,
    project_url: projectUrl,
    release_url: `${projectUrl}${encodeURIComponent(group.version)}/`,
    project_urls: projectUrlsOf(m),
    requires_dist: listOrNull(m?.requires_dist),
    provides_extra: listOrNull(m?.provides_extra),
    docs_url: null,
    bugtrack_url: null,
    home_page: orNull(m?.home_page),
    download_url: orNull(m?.download_url),
    yanked: group.yanked,
    yanked_reason: group.yankedReason || null,
    dynamic: listOrNull(m?.dynamic?.map(titleCase)),
  };
}

/** `/pypi/{name}/{version}/json` for `group`, whose metadata is `release`. */
export function warehouseReleaseJson(
  project: JsonProject,
  group: ReleaseGroup,
  release: ReleaseRecord | undefined,
  links: WarehouseLinks,
): WarehouseReleaseJson {
  return {
    info: warehouseInfo(project, group, release, links),
    urls: group.files.map((f) => warehouseFile(f, links)),
    vulnerabilities: [],
    last_serial: project.serial ?? 0,
  };
}

/** `/pypi/{name}/json`: `shown` (the latest release) in `info`/`urls`, and every release. */
export function warehouseProjectJson(
  project: JsonProject,
  groups: readonly ReleaseGroup[],
  shown: ReleaseGroup,
  release: ReleaseRecord | undefined,
  links: WarehouseLinks,
): WarehouseProjectJson {
  const releases: Record<string, readonly WarehouseFile[]> = {};
  for (const group of groups) releases[group.version] = group.files.map((f) => warehouseFile(f, links));
  return { ...warehouseReleaseJson(project, shown, release, links), releases };
}
