/**
 * The index's own vocabulary: what a project and a distribution file are, independent of
 * how DynamoDB or S3 store them.
 */

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
}

/** A project as the root listing and the project page name it. */
export interface ProjectRecord {
  /** Normalized name (PEP 503); the key. */
  readonly name: string;
  /** The name as first published, for display. */
  readonly displayName: string;
  readonly createdAt: string;
}

/** What one project page needs: one Query's worth of items. */
export interface ProjectPageData {
  readonly project?: ProjectRecord;
  readonly files: readonly DistributionFile[];
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
