/**
 * The one model of a simple repository API page, whichever index its files come from:
 * Wharf's own (lambdas/app/simple-index.ts), an upstream's, or both on a mixed project
 * (lambdas/app/upstream-index.ts). simple-pages.ts renders it as PEP 503 HTML and PEP 691
 * JSON, as Warehouse's api/simple.py hands one data dict to both of its renderers, so a
 * PEP rule (PEP 714's two attributes, PEP 700's api-version 1.1) is written once.
 */
import type { DistributionFile } from './model.ts';
import { ACTIVE, servesFiles, type ProjectStatusMarker } from './project-status.ts';
import { distributionPath } from './storage-keys.ts';
import { versionSortKey } from './versions.ts';

/**
 * The API version of the root listing and of pages without a project status (an upstream's):
 * PEP 700's fields (PEP 629 / PEP 691 `meta.api-version`).
 */
export const API_VERSION = '1.1';

/** The API version of a page that carries a project status (PEP 792) and so needs 1.4. */
export const STATUS_API_VERSION = '1.4';

/** What a page says about one file, wherever the file lives. */
export interface FileFacts {
  readonly filename: string;
  /** Lower-case hex. */
  readonly sha256: string;
  readonly requiresPython?: string;
  /** Present when the file is yanked (PEP 592); the reason may be empty. */
  readonly yanked?: { readonly reason: string };
  /** Present when `{url}.metadata` exists (PEP 658/714); its sha256 when known. */
  readonly coreMetadata?: { readonly sha256?: string };
  /** PEP 700; with it on every file and the page's versions, the JSON page is api-version 1.1. */
  readonly size?: number;
  /** ISO 8601 (PEP 700). */
  readonly uploadTime?: string;
  /** URL of the file's PEP 740 provenance object (relative like `href`, not yet escaped); api-version 1.3. */
  readonly provenance?: string;
}

/** One file of a page: its facts and where the client fetches it. */
export interface PageLink extends FileFacts {
  /** Absolute, or relative to the project page `/simple/{project}/`. Not yet escaped. */
  readonly href: string;
}

/** A project page. */
export interface ProjectPage {
  /** Normalized project name. */
  readonly name: string;
  readonly displayName: string;
  /** In the order the page lists them. */
  readonly links: readonly PageLink[];
  /** PEP 700 versions; absent when a source did not say (an HTML upstream, an older index). */
  readonly versions?: readonly string[];
  /** PEP 792; present on Wharf's own projects (api-version 1.4), absent on an upstream's page. */
  readonly status?: ProjectStatusMarker;
}

/** One project of the root listing. */
export interface RootEntry {
  /** Normalized name. */
  readonly name: string;
  readonly displayName: string;
}

/** What Wharf itself holds for a project: one Query's files, as stored. */
export interface HostedProject {
  /** Normalized name. */
  readonly name: string;
  readonly displayName: string;
  readonly files: readonly DistributionFile[];
  /** PEP 792; absent means `active`. */
  readonly status?: ProjectStatusMarker;
}

/** URL of a file relative to its project page `/simple/{project}/`. */
export function fileUrlFromProjectPage(file: DistributionFile): string {
  return '../../' + distributionPath(file.project, file.sha256, file.filename);
}

/**
 * URL of a file's provenance relative to its project page, in Warehouse's shape
 * `/integrity/{project}/{version}/{filename}/provenance`.
 */
export function provenanceUrlFromProjectPage(file: DistributionFile): string {
  return `../../${integrityPath(file.project, file.version, file.filename)}`;
}

/** URL path (no leading slash, percent-encoded) of a file's provenance object. */
export function integrityPath(project: string, version: string, filename: string): string {
  return `integrity/${encodeURIComponent(project)}/${encodeURIComponent(version)}/${encodeURIComponent(filename)}/provenance`;
}

/** A link to one of Wharf's own files. */
export function linkOfHostedFile(file: DistributionFile): PageLink {
  // One object literal of one shape, absent fields undefined: pages of 10,000 files build
  // 10,000 of these, and spreads made that several times slower than the rendering itself.
  return {
    filename: file.filename,
    href: fileUrlFromProjectPage(file),
    sha256: file.sha256,
    requiresPython: file.requiresPython,
    yanked: file.yanked,
    coreMetadata: file.metadataSha256 ? { sha256: file.metadataSha256 } : undefined,
    size: file.size,
    uploadTime: file.uploadTime,
    provenance: file.provenanceSha256 ? provenanceUrlFromProjectPage(file) : undefined,
  };
}

/** A hosted project's page: its files in version order, and its versions. */
export function hostedProjectPage(project: HostedProject): ProjectPage {
  const status = project.status ?? ACTIVE;
  // PEP 792: a quarantined project's page offers no file at all (as pypi.org's lists none).
  if (!servesFiles(status)) return { name: project.name, displayName: project.displayName, links: [], versions: [], status };
  const { files, versions } = orderFiles(project.files);
  return { name: project.name, displayName: project.displayName, links: files.map(linkOfHostedFile), versions, status };
}

/**
 * Files in PEP 440 version order (invalid versions last), then by filename, and the
 * distinct versions in that order. One sort over precomputed keys: this is the hot part of
 * building a page of 10,000 files.
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
