/**
 * Search and the front page's figures over project summaries: one small record per
 * project that the write path keeps (see lambdas/app/project-summaries.ts), so a search
 * reads no project's files. Pure: which summaries the caller may see is decided by the
 * caller's `canRead`, before anything is counted, ranked or paged.
 */
import { InvalidInputError } from './errors.ts';

/** What a search result and the front page show of a project, as kept per project. */
export interface ProjectSummary {
  /** Normalized name (PEP 503). */
  readonly name: string;
  readonly displayName: string;
  /** The latest release (latestRelease in warehouse-json.ts); absent when no file is left. */
  readonly version?: string;
  /** The latest release's Summary, cut to MAX_SUMMARY_CHARS. */
  readonly summary?: string;
  /** When the latest release's first file was uploaded (ISO 8601). */
  readonly uploadTime?: string;
  /** The most recent upload of any file: its version and time (the front page's "latest uploads"). */
  readonly lastUpload?: { readonly version: string; readonly time: string };
  /** The project's change serial this summary was computed at: a summary never replaces a newer one. */
  readonly serial: number;
}

/** Summaries are one line; Warehouse accepts at most 512 characters. */
export const MAX_SUMMARY_CHARS = 512;

export const SEARCH_DEFAULTS = Object.freeze({ pageSize: 20, maxPageSize: 100, maxQueryChars: 200 });

export interface SearchHit {
  /** Normalized name. */
  readonly name: string;
  readonly displayName: string;
  readonly version: string;
  readonly summary?: string;
  readonly uploadTime?: string;
}

export interface SearchPage {
  /** The query as asked (trimmed). */
  readonly query: string;
  /** How many projects the caller may see match. */
  readonly total: number;
  /** 1-based. */
  readonly page: number;
  readonly pageSize: number;
  /** How many pages `total` takes (at least 1). */
  readonly pageCount: number;
  readonly results: readonly SearchHit[];
}

export interface SearchOptions {
  /** 1-based page; @default 1 */
  readonly page?: number;
  /** @default 20, at most 100 */
  readonly pageSize?: number;
  /** Whether the caller may read a project (normalized name); absent means every project. */
  readonly canRead?: (project: string) => boolean;
}

/** How well a project matches, best first. */
export const MatchRank = Object.freeze({
  ExactName: 0,
  NamePrefix: 1,
  NameSubstring: 2,
  /** Every word of the query is in the name or the summary. */
  Words: 3,
});
type MatchRank = (typeof MatchRank)[keyof typeof MatchRank];

/** A query turned into what names and summaries are compared with. */
interface PreparedQuery {
  /** The query as a normalized name (`Foo_Bar` → `foo-bar`), '' when it has no name characters. */
  readonly name: string;
  /** Lower-case words (runs of letters and digits). */
  readonly words: readonly string[];
}

function prepare(query: string): PreparedQuery {
  const lower = query.toLowerCase();
  const name = lower.replace(/[-_.\s]+/g, '-').replace(/^-+|-+$/g, '');
  const words = lower.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
  return { name, words };
}

/** The rank of a project for `query`, or undefined when it does not match; `text` is its name and summary in lower case. */
function rankOf(name: string, text: string, query: PreparedQuery): MatchRank | undefined {
  if (query.name !== '') {
    if (name === query.name) return MatchRank.ExactName;
    if (name.startsWith(query.name)) return MatchRank.NamePrefix;
    if (name.includes(query.name)) return MatchRank.NameSubstring;
  }
  if (query.words.length === 0) return undefined;
  return query.words.every((w) => text.includes(w)) ? MatchRank.Words : undefined;
}

const textOf = (s: ProjectSummary) => `${s.name} ${s.summary?.toLowerCase() ?? ''}`;
const byRecentUpload = (a: ProjectSummary, b: ProjectSummary) =>
  a.lastUpload!.time < b.lastUpload!.time ? 1 : a.lastUpload!.time > b.lastUpload!.time ? -1 : a.name < b.name ? -1 : 1;

/**
 * The summaries as one snapshot, with what every search and front page would otherwise
 * derive again: the lower-cased text, and the order of recent uploads. A warm function
 * keeps one per change of the summaries.
 */
export class SummaryIndex {
  private texts: string[] | undefined;
  private recent: ProjectSummary[] | undefined;

  constructor(readonly summaries: readonly ProjectSummary[]) {}

  search(query: string, options: SearchOptions = {}): SearchPage {
    const { page, pageSize } = checkPaging(options);
    const asked = query.trim();
    if (asked.length > SEARCH_DEFAULTS.maxQueryChars) {
      throw new InvalidInputError(`The search query is ${asked.length} characters long; at most ${SEARCH_DEFAULTS.maxQueryChars} are searched. Search for a name or a few words.`);
    }
    const prepared = prepare(asked);
    const canRead = options.canRead;
    const listAll = prepared.name === '' && prepared.words.length === 0;
    const texts = (this.texts ??= this.summaries.map(textOf));
    const matches: { summary: ProjectSummary; rank: number }[] = [];
    for (let i = 0; i < this.summaries.length; i++) {
      const summary = this.summaries[i]!;
      if (summary.version === undefined) continue;
      if (canRead && !canRead(summary.name)) continue;
      const rank = listAll ? MatchRank.Words : rankOf(summary.name, texts[i]!, prepared);
      if (rank !== undefined) matches.push({ summary, rank });
    }
    matches.sort(
      (a, b) =>
        a.rank - b.rank ||
        a.summary.name.length - b.summary.name.length ||
        (a.summary.name < b.summary.name ? -1 : a.summary.name > b.summary.name ? 1 : 0),
    );
    const start = (page - 1) * pageSize;
    return {
      query: asked,
      total: matches.length,
      page,
      pageSize,
      pageCount: Math.max(1, Math.ceil(matches.length / pageSize)),
      results: matches.slice(start, start + pageSize).map((m) => hitOf(m.summary)),
    };
  }

  overview(options: { readonly canRead?: (project: string) => boolean; readonly latest?: number } = {}): Overview {
    const latest = options.latest ?? 10;
    const recent = (this.recent ??= this.summaries.filter((s) => s.version !== undefined && s.lastUpload).sort(byRecentUpload));
    const canRead = options.canRead;
    if (!canRead) return { projectCount: recent.length, latestUploads: recent.slice(0, latest).map(latestOf) };
    let projectCount = 0;
    const shown: LatestUpload[] = [];
    // Every summary is asked about, so the time does not depend on where readable ones sit.
    for (const summary of recent) {
      if (!canRead(summary.name)) continue;
      projectCount++;
      if (shown.length < latest) shown.push(latestOf(summary));
    }
    return { projectCount, latestUploads: shown };
  }
}

const latestOf = (s: ProjectSummary): LatestUpload => ({
  name: s.name,
  displayName: s.displayName,
  version: s.lastUpload!.version,
  ...(s.summary !== undefined ? { summary: s.summary } : {}),
  uploadTime: s.lastUpload!.time,
});

function checkPaging(options: SearchOptions): { page: number; pageSize: number } {
  const page = options.page ?? 1;
  const pageSize = options.pageSize ?? SEARCH_DEFAULTS.pageSize;
  if (!Number.isSafeInteger(page) || page < 1) {
    throw new InvalidInputError(`The page must be a whole number from 1 up, not ${String(page)}.`);
  }
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > SEARCH_DEFAULTS.maxPageSize) {
    throw new InvalidInputError(`The page size must be a whole number from 1 to ${SEARCH_DEFAULTS.maxPageSize}, not ${String(pageSize)}.`);
  }
  return { page, pageSize };
}

const hitOf = (s: ProjectSummary): SearchHit => ({
  name: s.name,
  displayName: s.displayName,
  version: s.version!,
  ...(s.summary !== undefined ? { summary: s.summary } : {}),
  ...(s.uploadTime !== undefined ? { uploadTime: s.uploadTime } : {}),
});

/**
 * The projects matching `query` that the caller may read, ranked exact name > name prefix
 * > name substring > every word in name or summary; within a rank shorter names first,
 * then by name. An empty query lists every visible project by name. Projects without a
 * release left (every file deleted) are not listed. Every summary is looked at whatever
 * the page, so neither the answer nor its time depends on projects the caller cannot see
 * beyond their number.
 */
export function searchProjects(summaries: readonly ProjectSummary[], query: string, options: SearchOptions = {}): SearchPage {
  return new SummaryIndex(summaries).search(query, options);
}

export interface LatestUpload {
  /** Normalized name. */
  readonly name: string;
  readonly displayName: string;
  /** The version of the most recent upload (what was just published). */
  readonly version: string;
  /** The latest release's Summary. */
  readonly summary?: string;
  /** When that upload happened (ISO 8601). */
  readonly uploadTime: string;
}

export interface Overview {
  /** Projects the caller may read that have at least one file. */
  readonly projectCount: number;
  /** Most recent first. */
  readonly latestUploads: readonly LatestUpload[];
}

/** The front page's figures: how many projects the caller may read, and the latest uploads among them. */
export function overviewOf(
  summaries: readonly ProjectSummary[],
  options: { readonly canRead?: (project: string) => boolean; readonly latest?: number } = {},
): Overview {
  return new SummaryIndex(summaries).overview(options);
}

/** A project's summary from its release groups (newest first) and the latest release's Summary. */
export function summaryOf(
  project: { readonly name: string; readonly displayName: string; readonly serial: number },
  latest: { readonly version: string; readonly uploadTime: string; readonly summary?: string } | undefined,
  lastUpload: { readonly version: string; readonly time: string } | undefined,
): ProjectSummary {
  const text = latest?.summary?.trim();
  return {
    name: project.name,
    displayName: project.displayName,
    serial: project.serial,
    ...(latest ? { version: latest.version, uploadTime: latest.uploadTime } : {}),
    ...(text ? { summary: [...text].slice(0, MAX_SUMMARY_CHARS).join('') } : {}),
    ...(lastUpload ? { lastUpload } : {}),
  };
}
