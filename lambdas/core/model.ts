/**
 * The index's own vocabulary: what a project and a distribution file are, independent of
 * how DynamoDB or S3 store them.
 */
import type { ProjectStatusMarker } from './project-status.ts';
import type { ReleaseMetadata } from './release-metadata.ts';

export type PackageType = 'bdist_wheel' | 'sdist';

/** One distribution file (wheel or sdist) as the index describes it. */
export interface DistributionFile {
  /** Normalized project name (PEP 503). */
  readonly project: string;
  readonly filename: string;
  /** The version as the archive's metadata spells it. */
  readonly version: string;
  readonly packagetype: PackageType;
  /** Lower-case hex sha256 of the file's bytes. */
  readonly sha256: string;
  readonly size: number;
  /** ISO 8601 UTC with a trailing `Z` (PEP 700). */
  readonly uploadTime: string;
  readonly requiresPython?: string;
  /** Present when the file is yanked (PEP 592); the reason may be empty. */
  readonly yanked?: { readonly reason: string };
  /** sha256 of the stored `.metadata` file (PEP 658/714); absent when none is stored. */
  readonly metadataSha256?: string;
  /** sha256 of the stored PEP 740 provenance object (verified attestations); absent when none was uploaded. */
  readonly provenanceSha256?: string;
}

/**
 * What is left of a deleted distribution file. It keeps the filename from ever being used
 * again (PyPI-style indexes never reuse one, so a pinned sha256 can never meet other
 * bytes under the same name), hides the file from the project page even while its index
 * entry is still being removed, and says which bytes to remove.
 */
export interface Tombstone {
  /** Normalized project name (PEP 503). */
  readonly project: string;
  readonly filename: string;
  /** sha256 of the deleted file: where its bytes and `.metadata` were stored. */
  readonly sha256: string;
  /** The version as the deleted file's metadata spelled it. */
  readonly version: string;
  /** ISO 8601 UTC. */
  readonly deletedAt: string;
  /** Who deleted it, as the caller identifies itself (token, IAM ARN, `local:<user>`). */
  readonly deletedBy: string;
}

/**
 * A release: one version of a project and the core metadata the index keeps about it,
 * as the first file of that version published it.
 */
export interface ReleaseRecord {
  /** Normalized project name (PEP 503). */
  readonly project: string;
  /** The version as the first file's metadata spelled it. */
  readonly version: string;
  readonly createdAt: string;
  readonly metadata: ReleaseMetadata;
}

export { releaseVersionKey } from './versions.ts';

/** A project as the root listing and the project page name it. */
export interface ProjectRecord {
  /** Normalized name (PEP 503); the key. */
  readonly name: string;
  /** The name as first published, for display. */
  readonly displayName: string;
  readonly createdAt: string;
  /** PEP 792; absent means `active`. */
  readonly status?: ProjectStatusMarker;
}

/** What one project page needs: one Query's worth of items. */
export interface ProjectPageData {
  readonly project?: ProjectRecord;
  readonly files: readonly DistributionFile[];
  /** The project's change serial as read with the page (see MetadataStore.getProjectSerial). */
  readonly serial?: number;
}

/** A stored API token. The secret itself is never stored, only its hash. */
export interface TokenRecord {
  readonly id: string;
  /** SHA-256 of the whole token, hex. */
  readonly secretHash: string;
  readonly description: string;
  /** Who made it: an IAM ARN, `token:<id>` of the admin token used, or `local:<user>`. */
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  /** Scope strings as `formatScope` writes them, e.g. `read:acme-*`, `upload:*`, `admin`. */
  readonly scopes: readonly string[];
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}
