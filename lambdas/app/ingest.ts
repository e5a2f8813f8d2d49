/**
 * Putting a distribution into the index: the one path `wharf import` uses now and the upload
 * API will use. Order of writes: blob, then `.metadata`, then the file's index entry (with a
 * condition), then the project record. A crash at any point leaves nothing listed that does
 * not exist, and running the same ingest again repairs what was left half done.
 */
import { createHash } from 'node:crypto';
import { inspectDistribution } from '../core/distribution.ts';
import { FileExistsError } from '../core/errors.ts';
import type { DistributionFile } from '../core/model.ts';
import { distributionKey, metadataKey } from '../core/storage-keys.ts';
import type { BlobStore, MetadataStore, PutFileOutcome } from '../ports.ts';
import { IMMUTABLE_CACHE_CONTROL } from './downloads.ts';

export interface IngestResult {
  readonly outcome: PutFileOutcome;
  readonly file: DistributionFile;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export class Ingest {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async ingest(filename: string, bytes: Uint8Array): Promise<IngestResult> {
    const dist = await inspectDistribution(filename, bytes);
    const project = dist.normalizedName;
    const sha256 = sha256Hex(bytes);

    // Refuse a clashing filename before any byte is stored, so a refused file leaves
    // nothing behind; the conditional put below settles the races this check cannot.
    const existing = await this.metadata.getFile(project, filename);
    if (existing && existing.sha256 !== sha256) throw FileExistsError.forFile(filename, existing.sha256);
    if (existing) {
      // Same bytes again (a retry or a re-run): repair a project record a crash may have left out.
      await this.metadata.putProject({ name: project, displayName: dist.name, createdAt: existing.uploadTime });
      return { outcome: 'unchanged', file: existing };
    }

    const fileKey = distributionKey(project, sha256, filename);
    await this.blobs.put(fileKey, bytes, {
      contentType: 'application/octet-stream',
      cacheControl: IMMUTABLE_CACHE_CONTROL,
    });
    let metadataSha256: string | undefined;
    if (dist.coreMetadataFile) {
      metadataSha256 = sha256Hex(dist.coreMetadataFile);
      await this.blobs.put(metadataKey(project, sha256, filename), dist.coreMetadataFile, {
        contentType: 'text/plain; charset=utf-8',
        cacheControl: IMMUTABLE_CACHE_CONTROL,
      });
    }

    const uploadTime = this.now().toISOString();
    const file: DistributionFile = {
      project,
      filename,
      version: dist.version,
      packagetype: dist.packagetype,
      sha256,
      size: bytes.byteLength,
      uploadTime,
      ...(dist.requiresPython !== undefined ? { requiresPython: dist.requiresPython } : {}),
      ...(metadataSha256 !== undefined ? { metadataSha256 } : {}),
    };
    let outcome: PutFileOutcome;
    try {
      outcome = await this.metadata.putFile(file);
    } catch (err) {
      if (err instanceof FileExistsError) {
        // A concurrent publisher won with other bytes. Our blobs sit under our own sha256,
        // which no index entry names: remove them so nothing unlisted is left stored.
        await this.blobs.delete(fileKey);
        if (metadataSha256 !== undefined) await this.blobs.delete(metadataKey(project, sha256, filename));
      }
      throw err;
    }
    await this.metadata.putProject({ name: project, displayName: dist.name, createdAt: uploadTime });
    return { outcome, file: outcome === 'created' ? file : ((await this.metadata.getFile(project, filename)) ?? file) };
  }
}
