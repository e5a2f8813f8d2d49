/**
 * Putting a distribution into the index: what `wharf import` and the upload API both call.
 *
 * Order of writes: the file's bytes, then its `.metadata` and its verified provenance
 * (PEP 740), then the file's index entry
 * (conditional: first writer wins), then the release's metadata, then the project record
 * (both idempotent, first writer wins), then the project's summary for search (which keeps
 * the newest). A crash at any point leaves nothing listed that
 * does not exist, and sending the same file again repairs what was left half done: the
 * `unchanged` path writes the release and project records a crash may have left out.
 */
import { createHash } from 'node:crypto';
import { type InspectedDistribution, inspectDistribution } from '../core/distribution.ts';
import { FileExistsError, InvalidInputError } from '../core/errors.ts';
import { checkAgainstIndex, deletedFilenameError } from '../core/file-identity.ts';
import type { DistributionFile, Tombstone } from '../core/model.ts';
import { uploadRefusal } from '../core/project-status.ts';
import { type ReleaseMetadata, releaseMetadataOf } from '../core/release-metadata.ts';
import { distributionKey, metadataKey, IMMUTABLE_CACHE_CONTROL, provenanceKey } from '../core/storage-keys.ts';
import type { Provenance } from '../core/attestations.ts';
import type { BlobStore, MetadataStore, PutFileOutcome } from './ports.ts';
import { refreshProjectSummary } from './project-summaries.ts';
import { NO_METRICS, type Metrics } from './metrics-ports.ts';

export interface IngestResult {
  readonly outcome: PutFileOutcome;
  readonly file: DistributionFile;
}

/** What a caller that has validated the upload already knows, so nothing is done twice. */
export interface IngestOptions {
  /** The archive as inspectDistribution read it from these bytes; inspected here when absent. */
  readonly inspected?: InspectedDistribution;
  /** The release metadata to keep; releaseMetadataOf(inspected.metadata) when absent. */
  readonly release?: ReleaseMetadata;
  /** The lower-case hex sha256 of these bytes; computed here when absent. */
  readonly sha256?: string;
  /** The provenance of the file's verified attestations (lambdas/app/attestation-check.ts). */
  readonly provenance?: Provenance;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The bytes of a file to ingest, wherever they are: in memory (the legacy upload, `wharf
 * import`) or staged in the bucket by an upload session and already verified. `store`
 * puts them at the file's final key; everything else in the ingest is the same path.
 */
export interface IngestContent {
  readonly size: number;
  /** Lower-case hex sha256 of the bytes, verified by the caller. */
  readonly sha256: string;
  store(key: string, options: { contentType: string; cacheControl: string }): Promise<void>;
}

export class Ingest {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly now: () => Date = () => new Date(),
    /**
     * Brings a project's search summary up to date after a file of it was written. A bulk
     * import defers it to once per project at its end (a project of 10,000 files would
     * otherwise read its page 10,000 times). @default refreshProjectSummary, at once
     */
    private readonly refreshSummary: (project: string) => Promise<unknown> = (project) => refreshProjectSummary(metadata, project),
    /** Counts Uploads and BytesPublished of files newly published. @default NO_METRICS */
    private readonly metrics: Metrics = NO_METRICS,
  ) {}

  async ingest(filename: string, bytes: Uint8Array, options: IngestOptions = {}): Promise<IngestResult> {
    const dist = options.inspected ?? (await inspectDistribution(filename, bytes));
    const content: IngestContent = {
      size: bytes.byteLength,
      sha256: options.sha256 ?? sha256Hex(bytes),
      store: (key, blobOptions) => this.blobs.put(key, bytes, blobOptions),
    };
    return this.ingestContent(filename, content, dist, options.release, options.provenance);
  }

  /**
   * The one write path behind every way in: tombstone, duplicate and project status
   * (PEP 792) checks, blobs, the
   * conditional index entry, the late-tombstone re-check, release and project records.
   * `dist` must have been inspected from exactly these bytes.
   */
  async ingestContent(
    filename: string,
    content: IngestContent,
    dist: InspectedDistribution,
    releaseMetadata?: ReleaseMetadata,
    /** Verified before: stored beside the file, and named by its index entry. */
    provenance?: Provenance,
  ): Promise<IngestResult> {
    const project = dist.normalizedName;
    const sha256 = content.sha256;
    // Derived before anything is stored: metadata too large to keep is refused here.
    const release = releaseMetadata ?? releaseMetadataOf(dist.metadata);

    // Refuse a deleted or clashing filename before any byte is stored, so a refused file
    // leaves nothing behind; the conditional put and the re-check below settle the races
    // these reads cannot.
    const [tombstone, existing, record] = await Promise.all([
      this.metadata.getTombstone(project, filename),
      this.metadata.getFile(project, filename),
      this.metadata.getProject(project),
    ]);
    const published = checkAgainstIndex(filename, sha256, { existing, tombstone });
    if (published) {
      // Same bytes again (a retry or a re-run): repair what a crash after the file's
      // index entry may have left out. Nothing new is published, so even an archived
      // project answers it (twine --skip-existing stays quiet).
      await this.putReleaseAndProject(published, dist, release);
      return { outcome: 'unchanged', file: published };
    }
    // PEP 792: an archived or quarantined project takes no new file.
    const refusal = uploadRefusal(project, record?.status);
    if (refusal) throw refusal;

    const fileKey = distributionKey(project, sha256, filename);
    const coreMetadataKey = metadataKey(project, sha256, filename);
    await content.store(fileKey, {
      contentType: 'application/octet-stream',
      cacheControl: IMMUTABLE_CACHE_CONTROL,
    });
    let metadataSha256: string | undefined;
    if (dist.coreMetadataFile) {
      metadataSha256 = sha256Hex(dist.coreMetadataFile);
      await this.blobs.put(coreMetadataKey, dist.coreMetadataFile, {
        contentType: 'text/plain; charset=utf-8',
        cacheControl: IMMUTABLE_CACHE_CONTROL,
      });
    }
    let provenanceSha256: string | undefined;
    let ourProvenanceKey: string | undefined;
    if (provenance) {
      const bytes = Buffer.from(JSON.stringify(provenance), 'utf8');
      provenanceSha256 = sha256Hex(bytes);
      ourProvenanceKey = provenanceKey(project, sha256, filename, provenanceSha256);
      await this.blobs.put(ourProvenanceKey, bytes, { contentType: 'application/json', cacheControl: IMMUTABLE_CACHE_CONTROL });
    }
    const removeOurBlobs = async () => {
      await this.blobs.delete(fileKey);
      if (metadataSha256 !== undefined) await this.blobs.delete(coreMetadataKey);
      if (ourProvenanceKey !== undefined) await this.blobs.delete(ourProvenanceKey);
    };

    const uploadTime = this.now().toISOString();
    const file: DistributionFile = {
      project,
      filename,
      version: dist.version,
      packagetype: dist.packagetype,
      sha256,
      size: content.size,
      uploadTime,
      ...(dist.requiresPython !== undefined ? { requiresPython: dist.requiresPython } : {}),
      ...(metadataSha256 !== undefined ? { metadataSha256 } : {}),
      ...(provenanceSha256 !== undefined ? { provenanceSha256 } : {}),
    };
    let outcome: PutFileOutcome;
    try {
      outcome = await this.metadata.putFile(file);
    } catch (err) {
      if (err instanceof FileExistsError || err instanceof InvalidInputError) {
        // A concurrent publisher won with other bytes or another spelling. Our blobs sit under our own sha256,
        // which no index entry names: remove them so nothing unlisted is left stored.
        await removeOurBlobs();
      }
      throw err;
    }

    if (outcome === 'created') {
      // A delete of this filename that began after the first check could have written its
      // tombstone and removed the entry that stood here before ours. Then the filename is
      // deleted: its tombstone already hides our entry from the page; remove the entry
      // and our bytes, and refuse as if the tombstone had been there first.
      const lateTombstone = await this.metadata.getTombstone(project, filename);
      if (lateTombstone) {
        await this.metadata.deleteFile(project, filename);
        await removeOurBlobs();
        throw deletedFilenameError(lateTombstone, filename);
      }
    }

    const stored = outcome === 'created' ? file : ((await this.metadata.getFile(project, filename)) ?? file);
    await this.putReleaseAndProject(stored, dist, release);
    if (outcome === 'created') {
      this.metrics.add('Uploads', 1, {});
      this.metrics.add('BytesPublished', content.size, {});
    }
    return { outcome, file: stored };
  }

  private async putReleaseAndProject(
    file: DistributionFile,
    dist: InspectedDistribution,
    release: ReleaseMetadata,
  ): Promise<void> {
    await this.metadata.putRelease({
      project: file.project,
      version: file.version,
      createdAt: file.uploadTime,
      metadata: release,
    });
    await this.metadata.putProject({ name: file.project, displayName: dist.name, createdAt: file.uploadTime });
    // Last: what search and the front page show, read back from the project as it now stands.
    await this.refreshSummary(file.project);
  }
}
