/**
 * Use cases of the simple repository API: the root listing and a project page.
 *
 * A warm function keeps the pages it served (lambdas/app/page-cache.ts) and checks each
 * one on every request against the project's serial: one small GetItem instead of the
 * Query of the whole project, so a page costs about one read unit whatever its size. A
 * kept page is rendered, hashed and compressed once per serial.
 */
import { normalizeName } from '../core/names.ts';
import { ACTIVE, type ProjectStatusMarker } from '../core/project-status.ts';
import { hostedProjectPage, type HostedProject, type ProjectPage } from '../core/page-model.ts';
import { renderPage, renderRootHtml, renderRootJson } from '../core/simple-pages.ts';
import { MEDIA_JSON_V1, type SimpleFormat } from '../core/negotiation.ts';
import { FreshReads, SerialCache } from './page-cache.ts';
import type { MetadataStore, ProjectListing } from './ports.ts';

/** A page's text, and what is derived from it (its ETag, its gzip), kept as long as it is. */
export interface RenderedPage {
  readonly body: string;
  readonly derived: Map<string, unknown>;
}

/** A hosted project as read at one serial, with its renders. */
export class KeptProject {
  private model: ProjectPage | undefined;
  private readonly renders = new Map<SimpleFormat, RenderedPage>();

  constructor(
    readonly hosted: HostedProject,
    /** Changes whenever the page does (the serial it was read at); undefined when not kept. */
    readonly version: number | undefined,
  ) {}

  page(): ProjectPage {
    return (this.model ??= hostedProjectPage(this.hosted));
  }

  render(format: SimpleFormat): RenderedPage {
    let rendered = this.renders.get(format);
    if (!rendered) {
      rendered = { body: renderPage(this.page(), format), derived: new Map() };
      this.renders.set(format, rendered);
    }
    return rendered;
  }

  /** About how many bytes it holds: its files, and what has been rendered of it. */
  weight(): number {
    let bytes = 512 + this.hosted.files.length * 400;
    for (const rendered of this.renders.values()) bytes += rendered.body.length * 2;
    return bytes;
  }
}

/** The root listing as read at one serial, with the full listing's renders. */
interface KeptListing {
  readonly projects: readonly ProjectListing[];
  readonly renders: Map<SimpleFormat, RenderedPage>;
}

export interface SimpleIndexOptions {
  /** How many projects a warm function keeps, and about how many bytes. @default 1000, 64 MiB */
  readonly maxProjects?: number;
  readonly maxBytes?: number;
}

const LISTING = 'listing';

export class SimpleIndex {
  private readonly projects: SerialCache<KeptProject>;
  private readonly listing = new SerialCache<KeptListing>({ maxEntries: 1, maxWeight: Number.MAX_SAFE_INTEGER });
  private readonly serials: FreshReads<number | undefined>;
  private readonly listingSerials: FreshReads<number | undefined>;

  constructor(
    private readonly metadata: MetadataStore,
    options: SimpleIndexOptions = {},
  ) {
    this.projects = new SerialCache(
      { maxEntries: options.maxProjects ?? 1000, maxWeight: options.maxBytes ?? 64 * 1024 * 1024 },
      (kept) => kept.weight(),
    );
    this.serials = new FreshReads((name) => metadata.getProjectSerial(name));
    this.listingSerials = new FreshReads(() => metadata.getListingSerial());
  }

  /**
   * The root listing; `visible`, when given, keeps only the projects the caller may read
   * (such a listing is filtered and rendered for the caller; the full one is kept).
   */
  async rootPage(format: SimpleFormat, visible?: (project: string) => boolean): Promise<RenderedPage> {
    const kept = await this.keptListing();
    const render = (projects: readonly ProjectListing[]) => (format === MEDIA_JSON_V1 ? renderRootJson(projects) : renderRootHtml(projects));
    if (visible) return { body: render(kept.projects.filter((p) => visible(p.name))), derived: new Map() };
    let rendered = kept.renders.get(format);
    if (!rendered) {
      rendered = { body: render(kept.projects), derived: new Map() };
      kept.renders.set(format, rendered);
    }
    return rendered;
  }

  private async keptListing(): Promise<KeptListing> {
    // Read the serial before the listing: a project added between the two raises it again.
    const serial = await this.listingSerials.get(LISTING);
    const kept = serial === undefined ? undefined : this.listing.get(LISTING, serial);
    if (kept) return kept;
    const fresh: KeptListing = { projects: await this.metadata.listProjects(), renders: new Map() };
    if (serial !== undefined) this.listing.set(LISTING, serial, fresh);
    return fresh;
  }

  /** The rendered page, or undefined when the project has no files and no record. */
  async projectPage(name: string, format: SimpleFormat): Promise<string | undefined> {
    return (await this.keptProject(name))?.render(format).body;
  }

  /** What Wharf itself holds for a project, or undefined when it hosts no such project. */
  async hostedProject(name: string): Promise<HostedProject | undefined> {
    return (await this.keptProject(name))?.hosted;
  }

  /**
   * The project as it stands: one GetItem of its serial when this function keeps its page
   * at that serial, else the page Query (whose serial is then kept with it).
   */
  async keptProject(name: string): Promise<KeptProject | undefined> {
    const normalized = normalizeName(name);
    const serial = await this.serials.get(normalized);
    if (serial !== undefined) {
      const kept = this.projects.get(normalized, serial);
      if (kept) return kept;
    }
    const data = await this.metadata.getProjectPage(normalized);
    if (!data) return undefined;
    const kept = new KeptProject(
      {
        name: normalized,
        displayName: data.project?.displayName ?? normalized,
        files: data.files,
        ...(data.project?.status ? { status: data.project.status } : {}),
      },
      data.serial,
    );
    if (data.serial !== undefined) this.projects.set(normalized, data.serial, kept);
    return kept;
  }

  /** Weigh a kept project again once it has been rendered. */
  rendered(kept: KeptProject): void {
    if (kept.version !== undefined) this.projects.reweigh(kept.hosted.name);
  }

  /** The page of a project's own files, in version order. */
  page(hosted: HostedProject): ProjectPage {
    return hostedProjectPage(hosted);
  }

  /**
   * A hosted project's status (PEP 792) as it stands: one GetItem of its record, what a
   * download of its files costs, so a quarantine stops downloads on the next request.
   * Undefined when Wharf has no record of the project.
   */
  async projectStatus(project: string): Promise<ProjectStatusMarker | undefined> {
    const record = await this.metadata.getProject(project);
    return record ? (record.status ?? ACTIVE) : undefined;
  }

  /** Whether Wharf hosts the project (one GetItem): upstream files are never served for it. */
  async hosts(project: string): Promise<boolean> {
    return (await this.metadata.getProject(project)) !== undefined;
  }
}
