/** The ports of the orphan sweep (lambdas/app/orphan-sweeper.ts): what it needs of the bucket and the index. */
import type { IndexedPair } from '../core/orphans.ts';

/** One object of a listing. */
export interface ListedObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** An object as stored now; `versionId` on a versioned bucket. */
export interface ObjectVersion {
  readonly lastModified: Date;
  readonly versionId?: string;
}

/** What the sweep needs of the bucket (an S3 adapter implements it). */
export interface SweepBucket {
  /** Every object under `prefix`, in key order, a page at a time. */
  list(prefix: string): AsyncIterable<readonly ListedObject[]>;
  /** The object's current version, or undefined when none is stored at `key`. */
  head(key: string): Promise<ObjectVersion | undefined>;
  /** Remove exactly `version` of `key` (the object itself when the bucket keeps no versions). */
  remove(key: string, version: ObjectVersion): Promise<void>;
}

/** What the sweep needs of the index: one project's index entries, one (paged) Query. */
export interface SweepIndex {
  indexedFiles(project: string): Promise<readonly IndexedPair[]>;
}
