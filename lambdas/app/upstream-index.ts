/**
 * The upstream index: what Wharf answers for a project it does not host. The safety rules
 * live here, in one place:
 *
 * - A project Wharf hosts never reaches this class (the read routes ask Wharf first), and
 *   its page mixes in upstream files only when the settings name it in `mixed`.
 * - A reserved name (`acme-*`) never goes upstream, whether or not Wharf hosts it yet.
 * - Upstream failures become UpstreamFailure (502/504), or a stale page when one is kept.
 * - A copied file is stored only after its sha256 matched the one the page gave.
 */
import { createHash } from 'node:crypto';
import { NotFoundError, UpstreamFailure } from '../core/errors.ts';
import {
  isUpstreamFilename,
  NamePatterns,
  UpstreamContentError,
  upstreamFileKey,
  upstreamProjectUrl,
  type UpstreamFile,
  type UpstreamMode,
  type UpstreamPage,
} from '../core/upstream.ts';
import { type HostedProject, linkOfHostedFile, type PageLink, type ProjectPage } from '../core/page-model.ts';
import { ACTIVE } from '../core/project-status.ts';
import { type BackgroundCopier, type CachedUpstreamPage, type UpstreamFetcher, type UpstreamStore } from './upstream-ports.ts';
import type { UpstreamSettings } from '../config/upstream-config.ts';
import { NO_METRICS, type Metrics } from './metrics-ports.ts';
import { type CopyResult, UpstreamFileCopy } from './upstream-copy.ts';

/** Where an upstream page came from: fetched now, kept from before, or kept past its time. */
export type PageState = 'fetched' | 'cached' | 'stale';

export interface UpstreamPageResult {
  readonly page: UpstreamPage;
  readonly state: PageState;
  readonly fetchedAt: string;
  /** Why a stale page is served: the upstream's failure. */
  readonly problem?: string;
}

export type UpstreamDownload =
  | { readonly kind: 'stored'; readonly key: string }
  | { readonly kind: 'upstream'; readonly url: string };

const METADATA_SUFFIX = '.metadata';
/** Largest `.metadata` file copied. */
const MAX_METADATA_BYTES = 4 * 1024 * 1024;
/** Pages kept in a warm function's memory, besides the bucket. */
const MEMORY_PAGES = 256;
/** How long a warm function remembers that the upstream has no such project. */
const NOT_FOUND_TTL_MS = 60_000;

export class UpstreamIndex {
  private readonly memory = new Map<string, CachedUpstreamPage>();
  private readonly notFound = new Map<string, number>();

  constructor(
    readonly settings: UpstreamSettings,
    private readonly fetcher: UpstreamFetcher,
    private readonly store: UpstreamStore,
    private readonly copier?: BackgroundCopier,
    private readonly now: () => number = Date.now,
    private readonly log: (message: string, extra: Record<string, unknown>) => void = () => undefined,
    /**
     * Counts UpstreamHits (answered from what is kept), UpstreamMisses (fetched from the
     * upstream) and UpstreamFailures (the upstream could not answer). @default NO_METRICS
     */
    private readonly metrics: Metrics = NO_METRICS,
  ) {}

  get mode(): UpstreamMode {
    return this.settings.mode;
  }

  isReserved(project: string): boolean {
    return this.settings.reserved.matches(project);
  }

  /** Whether a hosted project's page also lists the upstream's files. */
  mixes(project: string): boolean {
    return this.settings.mode !== 'none' && this.settings.mode !== 'redirect' && this.settings.mixed.matches(project);
  }

  redirectUrl(project: string): string {
    return upstreamProjectUrl(this.settings.url, project);
  }

  /**
   * The upstream's page for a project, from memory, the bucket or the upstream itself;
   * undefined when the upstream has no such project. Throws UpstreamFailure when the
   * upstream fails and nothing is kept.
   */
  async page(project: string): Promise<UpstreamPageResult | undefined> {
    const ttlMs = this.settings.pageTtlSeconds * 1000;
    const fresh = (c: CachedUpstreamPage) => this.now() - Date.parse(c.fetchedAt) < ttlMs;
    const inMemory = this.memory.get(project);
    if (inMemory && fresh(inMemory)) return this.hit({ ...inMemory, state: 'cached' });
    const missing = this.notFound.get(project);
    if (missing !== undefined && this.now() - missing < Math.min(NOT_FOUND_TTL_MS, ttlMs)) return this.hit(undefined);

    let kept = inMemory;
    try {
      kept = (await this.store.getPage(project)) ?? inMemory;
    } catch (err) {
      this.log('upstream page cache unreadable', { project, error: String(err) });
    }
    if (kept && fresh(kept)) {
      this.remember(project, kept);
      return this.hit({ ...kept, state: 'cached' });
    }

    let fetched: UpstreamPage | undefined;
    try {
      fetched = await this.fetchPage(project);
      this.metrics.add('UpstreamMisses', 1, {});
    } catch (err) {
      this.metrics.add('UpstreamFailures', 1, {});
      if (err instanceof UpstreamFailure && kept) {
        this.log('upstream failed; serving the kept page', { project, problem: err.message, fetchedAt: kept.fetchedAt });
        return { ...kept, state: 'stale', problem: err.message };
      }
      throw err;
    }
    const retained = await this.retainCopied(project, fetched, kept);
    if (!retained) {
      this.notFound.set(project, this.now());
      return undefined;
    }
    const record: CachedUpstreamPage = { page: retained, fetchedAt: new Date(this.now()).toISOString() };
    try {
      await this.store.putPage(project, record);
    } catch (err) {
      this.log('upstream page cache not written', { project, error: String(err) });
    }
    this.remember(project, record);
    return { ...record, state: 'fetched' };
  }

  /** The page: upstream files (for `cache`, through Wharf), after Wharf's own when mixed. */
  linkPage(project: string, result: UpstreamPageResult, local?: Pick<HostedProject, 'displayName' | 'files' | 'status'>): ProjectPage {
    const localFiles = local?.files ?? [];
    const taken = new Set(localFiles.map((f) => f.filename));
    const upstream = result.page.files.filter((f) => !taken.has(f.filename)).map((f) => this.linkOf(project, f));
    // A mixed page keeps the upstream's versions and adds Wharf's; none when the upstream gave none.
    const versions =
      local && result.page.versions ? [...new Set([...result.page.versions, ...localFiles.map((f) => f.version)])] : result.page.versions;
    return {
      name: project,
      displayName: local?.displayName ?? project,
      links: [...localFiles.map(linkOfHostedFile), ...upstream],
      ...(versions ? { versions } : {}),
      // A mixed page is Wharf's project: it carries the project's own status (PEP 792).
      ...(local ? { status: local.status ?? ACTIVE } : {}),
    };
  }

  /**
   * A download of an upstream file in `cache` mode: Wharf's copy when it has one, else a
   * copy made now (verified), else, for a file too big or slow to copy within the
   * request, the upstream's URL while a background copy runs.
   */
  async download(project: string, sha256: string, filename: string): Promise<UpstreamDownload> {
    const isMetadata = filename.endsWith(METADATA_SUFFIX);
    const distribution = isMetadata ? filename.slice(0, -METADATA_SUFFIX.length) : filename;
    if (!isUpstreamFilename(distribution)) throw new NotFoundError(`No such file: "${filename}" names no distribution.`);
    if (await this.store.hasFile(project, sha256, filename)) {
      return this.hit({ kind: 'stored', key: upstreamFileKey(project, sha256, filename) });
    }
    const result = await this.page(project);
    const file = result?.page.files.find((f) => f.filename === distribution && f.sha256 === sha256);
    if (!file) {
      throw new NotFoundError(`No such file: the upstream's page for "${project}" lists no ${distribution} with sha256 ${sha256}.`);
    }
    try {
      const copied = await (isMetadata ? this.copyMetadata(project, file, filename) : this.copyFile(project, file));
      this.metrics.add('UpstreamMisses', 1, {});
      return copied;
    } catch (err) {
      if (err instanceof UpstreamFailure) this.metrics.add('UpstreamFailures', 1, {});
      throw err;
    }
  }

  private hit<T>(answer: T): T {
    this.metrics.add('UpstreamHits', 1, {});
    return answer;
  }

  /** The background copy (the copier function's whole job, app/upstream-copy.ts). */
  copyInBackground(project: string, sha256: string, filename: string, url: string): Promise<CopyResult> {
    return new UpstreamFileCopy(this.fetcher, this.store, this.log).copyInBackground(project, sha256, filename, url);
  }

  /** An upstream file's link: the upstream's own URL, or in `cache` mode Wharf's copy of it. */
  private linkOf(project: string, file: UpstreamFile): PageLink {
    const { url, ...facts } = file;
    if (this.settings.mode !== 'cache') return { ...facts, href: url };
    return { ...facts, href: `../../upstream/${encodeURIComponent(project)}/${file.sha256}/${encodeURIComponent(file.filename)}` };
  }

  private async copyFile(project: string, file: UpstreamFile): Promise<UpstreamDownload> {
    const { copyLimitBytes, copyDeadlineMs } = this.settings;
    const background = async (why: string): Promise<UpstreamDownload> => {
      this.log('upstream file sent to the background copier', { project, filename: file.filename, why });
      if (this.copier) await this.copier.start({ project, sha256: file.sha256, filename: file.filename, url: file.url });
      return { kind: 'upstream', url: file.url };
    };
    if (file.size !== undefined && file.size > copyLimitBytes) return background('too-large');
    const body = await this.fetcher.fetchFile(file.url, copyLimitBytes, this.now() + copyDeadlineMs);
    if (body === 'too-large' || body === 'too-slow') return background(body);
    const actual = createHash('sha256').update(body).digest('hex');
    if (actual !== file.sha256) {
      throw new UpstreamFailure(
        502,
        `The upstream's ${file.filename} does not match the sha256 its page gives (got ${actual}); it was not stored. Retry later, or ask the upstream's maintainers.`,
      );
    }
    await this.store.putFile(project, file.sha256, file.filename, body);
    return { kind: 'stored', key: upstreamFileKey(project, file.sha256, file.filename) };
  }

  private async copyMetadata(project: string, file: UpstreamFile, filename: string): Promise<UpstreamDownload> {
    if (!file.coreMetadata) throw new NotFoundError(`The upstream serves no core metadata for ${file.filename}.`);
    const body = await this.fetcher.fetchFile(`${file.url}${METADATA_SUFFIX}`, MAX_METADATA_BYTES, this.now() + this.settings.copyDeadlineMs);
    if (body === 'too-large' || body === 'too-slow') {
      throw new UpstreamFailure(body === 'too-slow' ? 504 : 502, `The upstream's ${filename} is ${body === 'too-slow' ? 'too slow to arrive' : 'too large'}.`);
    }
    const expected = file.coreMetadata.sha256;
    if (expected !== undefined && createHash('sha256').update(body).digest('hex') !== expected) {
      throw new UpstreamFailure(502, `The upstream's ${filename} does not match the sha256 its page gives; it was not stored.`);
    }
    await this.store.putFile(project, file.sha256, filename, body);
    return { kind: 'stored', key: upstreamFileKey(project, file.sha256, filename) };
  }

  private async fetchPage(project: string): Promise<UpstreamPage | undefined> {
    const url = upstreamProjectUrl(this.settings.url, project);
    const response = await this.fetcher.fetchPage(url);
    if (response.status === 404 || response.status === 410) return undefined;
    if (response.status !== 200) {
      throw new UpstreamFailure(502, `The upstream index answered ${response.status} for ${url}.`);
    }
    // The parser (htmlparser2) loads with the first page fetched, not with the function.
    const { parseUpstreamPage } = await import('../core/upstream-page.ts');
    try {
      return parseUpstreamPage(response.body, response.contentType, response.url, project);
    } catch (err) {
      if (err instanceof UpstreamContentError) throw new UpstreamFailure(502, `The upstream's page for "${project}" is unusable: ${err.message}.`);
      throw err;
    }
  }

  /**
   * In `cache` mode, files Wharf copied stay listed after the upstream drops them (or the
   * whole project): installs pinned to them keep working.
   */
  private async retainCopied(project: string, fetched: UpstreamPage | undefined, kept: CachedUpstreamPage | undefined): Promise<UpstreamPage | undefined> {
    if (this.settings.mode !== 'cache' || !kept) return fetched;
    const listed = new Set(fetched?.files.map((f) => f.filename) ?? []);
    const gone = kept.page.files.filter((f) => !listed.has(f.filename));
    if (gone.length === 0) return fetched;
    let stored: Set<string>;
    try {
      stored = new Set(await this.store.listFiles(project));
    } catch (err) {
      this.log('copied upstream files not listable', { project, error: String(err) });
      return fetched;
    }
    const keep = gone.filter((f) => stored.has(`${f.sha256}/${f.filename}`));
    if (keep.length === 0) return fetched;
    return {
      name: project,
      files: [...(fetched?.files ?? []), ...keep],
      dropped: fetched?.dropped ?? 0,
      ...(fetched?.versions ? { versions: fetched.versions } : {}),
    };
  }

  private remember(project: string, record: CachedUpstreamPage): void {
    this.memory.delete(project);
    this.memory.set(project, record);
    if (this.memory.size > MEMORY_PAGES) this.memory.delete(this.memory.keys().next().value!);
  }
}
