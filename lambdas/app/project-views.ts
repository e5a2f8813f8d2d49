/**
 * The read model of the JSON API and the web pages: a project as PyPI's JSON API shows it,
 * one release of it, the search, and the front page's figures. The routes of
 * `/pypi/{name}/json` serialize it; the HTML pages render the same views.
 *
 * Costs, as the simple pages' (lambdas/app/simple-index.ts, whose kept projects these
 * views share): a view is kept with the project serial it was built at, so a warm function
 * answers with one small GetItem of that serial, and a write (upload, yank, delete) is
 * seen on the next request. Release metadata never changes once stored (first writer
 * wins), so it is kept by release without any check.
 *
 * Search and the overview read the project summaries the write path keeps
 * (project-summaries.ts): one Query per shard, kept per shard with the shard's change
 * counter, all counters checked in one GetItem per request. A new upload re-reads only its
 * shard. No request reads any project's files, and nothing here Scans.
 */
import type { ReleaseRecord } from '../core/model.ts';
import { normalizeName } from '../core/names.ts';
import {
  SummaryIndex,
  type Overview,
  type ProjectSummary,
  type SearchPage,
} from '../core/project-search.ts';
import {
  findRelease,
  latestRelease,
  releaseGroups,
  warehouseProjectJson,
  warehouseReleaseJson,
  type JsonProject,
  type ReleaseGroup,
  type WarehouseLinks,
  type WarehouseProjectJson,
  type WarehouseReleaseJson,
} from '../core/warehouse-json.ts';
import { releaseVersionKey } from '../core/versions.ts';
import { FreshReads, SerialCache } from './page-cache.ts';
import type { MetadataStore } from './ports.ts';
import type { SimpleIndex } from './simple-index.ts';

export type { WarehouseLinks, WarehouseProjectJson, WarehouseReleaseJson, ReleaseGroup } from '../core/warehouse-json.ts';
export type { Overview, SearchPage, SearchHit, LatestUpload, ProjectSummary } from '../core/project-search.ts';

/** A project (or one release of it) ready to be served as JSON or rendered as a page. */
export interface ProjectView {
  /** Normalized name. */
  readonly name: string;
  readonly displayName: string;
  /** The project's change serial the view was built at; undefined before serials began. */
  readonly serial: number | undefined;
  /** Every release, newest first (PEP 440), yanked ones marked. */
  readonly releases: readonly ReleaseGroup[];
  /** The latest release as pypi.org picks it (latestRelease). */
  readonly latest: ReleaseGroup;
  /** The release the view is about: `latest` for project(), the one asked for by release(). */
  readonly shown: ReleaseGroup;
  /** `shown`'s stored metadata (description, URLs, classifiers...); undefined if none was stored. */
  readonly metadata: ReleaseRecord | undefined;
  /** Whether `shown`'s description was cut to fit (the full text is in the file's METADATA). */
  readonly descriptionTruncated: boolean;
  /** The JSON API document: WarehouseProjectJson for project(), WarehouseReleaseJson for release(). */
  readonly document: WarehouseProjectJson | WarehouseReleaseJson;
  /** `document` serialized once, with its ETag and gzip kept beside it (http/caching.ts keptPage). */
  readonly json: { readonly body: string; readonly derived: Map<string, unknown> };
}

export interface SearchRequest {
  /** 1-based; @default 1 */
  readonly page?: number;
  /** @default 20, at most 100 */
  readonly pageSize?: number;
  /** Whether the caller may read a project (normalized name); absent: every project. */
  readonly canRead?: (project: string) => boolean;
}

export interface ProjectViewsOptions {
  /** How many built views a warm function keeps. @default 500 */
  readonly maxViews?: number;
  /** How many release records it keeps. @default 2000 */
  readonly maxReleases?: number;
}

const SUMMARIES = 'summaries';

interface KeptShard {
  readonly serial: number;
  readonly summaries: readonly ProjectSummary[];
}

export class ProjectViews {
  private readonly views: SerialCache<ProjectView>;
  private readonly releaseRecords: SerialCache<ReleaseRecord>;
  private readonly summarySerials: FreshReads<readonly number[]>;
  private shards: KeptShard[] = [];
  private index: SummaryIndex | undefined;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly simpleIndex: SimpleIndex,
    options: ProjectViewsOptions = {},
  ) {
    this.views = new SerialCache(
      { maxEntries: options.maxViews ?? 500, maxWeight: 64 * 1024 * 1024 },
      (view) => view.json.body.length * 2 + 4096,
    );
    this.releaseRecords = new SerialCache({ maxEntries: options.maxReleases ?? 2000, maxWeight: 64 * 1024 * 1024 }, (r) =>
      JSON.stringify(r.metadata).length * 2,
    );
    this.summarySerials = new FreshReads(() => metadata.getSummarySerials());
  }

  /**
   * `/pypi/{name}/json`: the latest release's metadata and files, and every release's
   * files. Undefined when Wharf hosts no file of the project (a name known only upstream,
   * or every file deleted).
   */
  async project(name: string, links: WarehouseLinks): Promise<ProjectView | undefined> {
    return this.view(name, undefined, links);
  }

  /**
   * `/pypi/{name}/{version}/json`: one release, the version matched under PEP 440 (`1.0`
   * finds `1.0.0`). Undefined when the project or the release has no file here.
   */
  async release(name: string, version: string, links: WarehouseLinks): Promise<ProjectView | undefined> {
    let key: string;
    try {
      key = releaseVersionKey(version.trim());
    } catch {
      return undefined;
    }
    return this.view(name, key, links);
  }

  private async view(name: string, releaseKey: string | undefined, links: WarehouseLinks): Promise<ProjectView | undefined> {
    const normalized = normalizeName(name);
    const kept = await this.simpleIndex.keptProject(normalized);
    if (!kept) return undefined;
    const cacheKey = `${links.base}\n${normalized}\n${releaseKey ?? ''}`;
    const serial = kept.version;
    if (serial !== undefined) {
      const cached = this.views.get(cacheKey, serial);
      if (cached) return cached;
    }
    const releases = releaseGroups(kept.hosted.files);
    const latest = latestRelease(releases);
    if (!latest) return undefined;
    const shown = releaseKey === undefined ? latest : findRelease(releases, releaseKey);
    if (!shown) return undefined;
    const metadata = await this.releaseRecord(normalized, shown);
    const project: JsonProject = { name: normalized, displayName: kept.hosted.displayName, serial };
    const document =
      releaseKey === undefined
        ? warehouseProjectJson(project, releases, shown, metadata, links)
        : warehouseReleaseJson(project, shown, metadata, links);
    const view: ProjectView = {
      name: normalized,
      displayName: kept.hosted.displayName,
      serial,
      releases,
      latest,
      shown,
      metadata,
      descriptionTruncated: metadata?.metadata.description_truncated === true,
      document,
      // Warehouse's renderer ends the document with a newline ("json-with-newline").
      json: { body: `${JSON.stringify(document)}\n`, derived: new Map() },
    };
    if (serial !== undefined) this.views.set(cacheKey, serial, view);
    return view;
  }

  private async releaseRecord(project: string, group: ReleaseGroup): Promise<ReleaseRecord | undefined> {
    const key = `${project}\n${group.key}`;
    const cached = this.releaseRecords.get(key, 0);
    if (cached) return cached;
    const record = await this.metadata.getRelease(project, group.version);
    // Not found is not kept: a crash may have left it out, and a retried upload writes it.
    if (record) this.releaseRecords.set(key, 0, record);
    return record;
  }

  /**
   * Projects matching `query` by normalized name and summary, ranked exact > prefix >
   * substring > words, paged; only projects `canRead` allows are matched, counted or paged.
   * Throws InvalidInputError for a bad page, page size or an overlong query.
   */
  async search(query: string, request: SearchRequest = {}): Promise<SearchPage> {
    return (await this.summaryIndex()).search(query, request);
  }

  /** The front page: how many projects the caller may read, and the latest uploads among them. */
  async overview(request: { readonly canRead?: (project: string) => boolean; readonly latest?: number } = {}): Promise<Overview> {
    return (await this.summaryIndex()).overview(request);
  }

  /** Every project's summary as the store now has it. */
  async summaries(): Promise<readonly ProjectSummary[]> {
    return (await this.summaryIndex()).summaries;
  }

  /** The summaries as they now stand: only shards whose counter moved are read again. */
  private async summaryIndex(): Promise<SummaryIndex> {
    const serials = await this.summarySerials.get(SUMMARIES);
    const stale: number[] = [];
    for (let shard = 0; shard < serials.length; shard++) {
      if (this.shards[shard]?.serial !== serials[shard]) stale.push(shard);
    }
    if (stale.length === 0 && this.index && this.shards.length === serials.length) return this.index;
    // Read after the counters: a summary stored meanwhile raises its counter again.
    const read = await Promise.all(stale.map(async (shard) => ({ shard, summaries: await this.metadata.listProjectSummaries(shard) })));
    const shards = this.shards.slice(0, serials.length);
    for (const { shard, summaries } of read) shards[shard] = { serial: serials[shard]!, summaries };
    this.shards = shards;
    this.index = new SummaryIndex(shards.flatMap((s) => s?.summaries ?? []));
    return this.index;
  }
}
