/** In-memory stores for unit tests of pure logic (the adapters are tested against the emulators). */
import { compareWithStored } from '../../lambdas/core/file-identity.ts';
import { distributionIdentity } from '../../lambdas/core/filenames.ts';
import {
  type DistributionFile,
  type ProjectPageData,
  type ProjectRecord,
  type ReleaseRecord,
  type Tombstone,
  type TokenRecord,
  releaseVersionKey,
} from '../../lambdas/core/model.ts';
import type { ProjectSummary } from '../../lambdas/core/project-search.ts';
import type { ProjectStatusMarker } from '../../lambdas/core/project-status.ts';
import type {
  BlobStore,
  MetadataStore,
  PresignOptions,
  ProjectListing,
  PutBlobOptions,
  PutFileOutcome,
  TokenStore,
} from '../../lambdas/app/ports.ts';

/** Files and tombstones are keyed by identity within a project, as DynamoDB keys them. */
export class MemoryMetadataStore implements MetadataStore {
  readonly projects = new Map<string, ProjectRecord>();
  readonly files = new Map<string, Map<string, DistributionFile>>();
  readonly tombstones = new Map<string, Map<string, Tombstone>>();
  private readonly id = (project: string, filename: string) => distributionIdentity(filename, project);
  /** Keyed by `{project} {releaseVersionKey(version)}`, as DynamoDB keys them. */
  readonly releases = new Map<string, ReleaseRecord>();
  /** Page serials by project, and the root listing's; raised after each change, as DynamoDB's are. */
  readonly serials = new Map<string, number>();
  private listingSerial: number | undefined;
  private bump(project: string): void {
    this.serials.set(project, (this.serials.get(project) ?? 0) + 1);
  }

  async getProjectSerial(project: string): Promise<number | undefined> {
    return this.serials.get(project);
  }

  async getListingSerial(): Promise<number | undefined> {
    return this.listingSerial;
  }

  async getProjectPage(project: string): Promise<ProjectPageData | undefined> {
    const record = this.projects.get(project);
    const deleted = this.tombstones.get(project);
    const files = [...(this.files.get(project)?.values() ?? [])].filter((f) => !deleted?.has(this.id(project, f.filename)));
    if (!record && files.length === 0) return undefined;
    const serial = this.serials.get(project);
    return { ...(record ? { project: record } : {}), files, ...(serial !== undefined ? { serial } : {}) };
  }

  async getFile(project: string, filename: string): Promise<DistributionFile | undefined> {
    return this.files.get(project)?.get(this.id(project, filename));
  }

  async getProject(project: string): Promise<ProjectRecord | undefined> {
    return this.projects.get(project);
  }

  async listProjects(): Promise<ProjectListing[]> {
    return [...this.projects.values()]
      .map((p) => ({ name: p.name, displayName: p.displayName }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async putFile(file: DistributionFile): Promise<PutFileOutcome> {
    const files = this.files.get(file.project) ?? new Map<string, DistributionFile>();
    this.files.set(file.project, files);
    const existing = files.get(this.id(file.project, file.filename));
    if (existing) return compareWithStored(file.filename, file.sha256, existing);
    files.set(this.id(file.project, file.filename), file);
    this.bump(file.project);
    return 'created';
  }

  async putProject(project: ProjectRecord): Promise<void> {
    const created = !this.projects.has(project.name);
    if (created) this.projects.set(project.name, project);
    this.bump(project.name);
    if (created || this.listingSerial === undefined) this.listingSerial = (this.listingSerial ?? 0) + 1;
  }

  async setProjectStatus(project: string, marker: ProjectStatusMarker): Promise<ProjectRecord | undefined> {
    const record = this.projects.get(project);
    if (!record) return undefined;
    const { status: _previous, ...rest } = record;
    const updated: ProjectRecord = marker.status === 'active' ? rest : { ...rest, status: marker };
    this.projects.set(project, updated);
    this.bump(project);
    return updated;
  }

  async setYanked(
    project: string,
    filename: string,
    yanked: { readonly reason: string } | undefined,
  ): Promise<DistributionFile | undefined> {
    const files = this.files.get(project);
    const file = files?.get(this.id(project, filename));
    if (!files || !file) return undefined;
    const { yanked: _previous, ...rest } = file;
    const updated: DistributionFile = yanked === undefined ? rest : { ...rest, yanked: { reason: yanked.reason } };
    files.set(this.id(project, filename), updated);
    this.bump(project);
    return updated;
  }

  async deleteFile(project: string, filename: string): Promise<void> {
    this.files.get(project)?.delete(this.id(project, filename));
    this.bump(project);
  }

  async putTombstone(tombstone: Tombstone): Promise<Tombstone> {
    const tombstones = this.tombstones.get(tombstone.project) ?? new Map<string, Tombstone>();
    this.tombstones.set(tombstone.project, tombstones);
    const stored = tombstones.get(this.id(tombstone.project, tombstone.filename));
    this.bump(tombstone.project);
    if (stored) return stored;
    tombstones.set(this.id(tombstone.project, tombstone.filename), tombstone);
    return tombstone;
  }

  async getTombstone(project: string, filename: string): Promise<Tombstone | undefined> {
    return this.tombstones.get(project)?.get(this.id(project, filename));
  }

  async listTombstones(project: string): Promise<Tombstone[]> {
    return [...(this.tombstones.get(project)?.values() ?? [])];
  }

  async putRelease(release: ReleaseRecord): Promise<void> {
    const key = `${release.project} ${releaseVersionKey(release.version)}`;
    if (!this.releases.has(key)) this.releases.set(key, release);
  }

  async getRelease(project: string, version: string): Promise<ReleaseRecord | undefined> {
    return this.releases.get(`${project} ${releaseVersionKey(version)}`);
  }

  /** Summaries in SUMMARY_SHARDS shards by name length, so tests see more than one shard. */
  static readonly SUMMARY_SHARDS = 4;
  readonly summaries = new Map<string, ProjectSummary>();
  readonly summarySerials: number[] = new Array<number>(MemoryMetadataStore.SUMMARY_SHARDS).fill(0);
  /** How many times each shard was listed: what a reader's cache saves. */
  readonly summaryListings: number[] = new Array<number>(MemoryMetadataStore.SUMMARY_SHARDS).fill(0);
  private summaryShard = (name: string) => name.length % MemoryMetadataStore.SUMMARY_SHARDS;

  async putProjectSummary(summary: ProjectSummary): Promise<boolean> {
    const stored = this.summaries.get(summary.name);
    if (stored && stored.serial > summary.serial) return false;
    this.summaries.set(summary.name, summary);
    this.summarySerials[this.summaryShard(summary.name)]! += 1;
    return true;
  }

  async getSummarySerials(): Promise<readonly number[]> {
    return [...this.summarySerials];
  }

  async listProjectSummaries(shard: number): Promise<ProjectSummary[]> {
    this.summaryListings[shard]! += 1;
    return [...this.summaries.values()].filter((s) => this.summaryShard(s.name) === shard);
  }
}

export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, { body: Uint8Array; options: PutBlobOptions }>();
  readonly presigned: Array<{ key: string; options: PresignOptions }> = [];

  async put(key: string, body: Uint8Array, options: PutBlobOptions): Promise<void> {
    this.objects.set(key, { body, options });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }

  async presignGet(key: string, options: PresignOptions): Promise<string> {
    this.presigned.push({ key, options });
    return `https://blobs.example/${key}?date=${options.signingDate.toISOString()}&expires=${options.expiresIn}`;
  }
}

export class MemoryTokenStore implements TokenStore {
  readonly tokens = new Map<string, TokenRecord>();
  gets = 0;

  async getToken(id: string): Promise<TokenRecord | undefined> {
    this.gets += 1;
    return this.tokens.get(id);
  }

  async putToken(token: TokenRecord): Promise<void> {
    if (this.tokens.has(token.id)) throw new Error(`token ${token.id} exists`);
    this.tokens.set(token.id, token);
  }

  async listTokens(): Promise<TokenRecord[]> {
    return [...this.tokens.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }

  async revokeToken(id: string, revokedAt: string, revokedBy: string): Promise<TokenRecord | undefined> {
    const token = this.tokens.get(id);
    if (!token) return undefined;
    const revoked = token.revokedAt ? token : { ...token, revokedAt, revokedBy };
    this.tokens.set(id, revoked);
    return revoked;
  }
}
