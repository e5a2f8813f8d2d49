/** The port of retention (lambdas/app/retention.ts): its rules, its place in the walk, and the walk's list of projects. */
import type { RetentionRule } from '../core/retention.ts';

/** The rules as stored, with who set them last. */
export interface StoredRules {
  readonly rules: readonly RetentionRule[];
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

/**
 * A place in the walk over every project: summary shard `shard`, after the project named
 * `after` (normalized; '' is the start of the shard).
 */
export interface WalkPosition {
  readonly shard: number;
  readonly after: string;
}

/** A project as the walk finds it: its name and the shard it was listed in. */
export interface WalkedProject {
  readonly shard: number;
  readonly name: string;
}

export interface RetentionStore {
  /** How many summary shards the walk goes over (0 ≤ WalkPosition.shard < shards). */
  readonly shards: number;
  /** The stored rules (none when never set): one GetItem. */
  getRules(): Promise<StoredRules>;
  /** Replace the rules; returns them as stored. */
  putRules(rules: readonly RetentionRule[], updatedAt: string, updatedBy: string): Promise<StoredRules>;
  /**
   * Up to `limit` project names in walk order after `from` (shard by shard, by name within
   * a shard), and where the walk goes on (undefined once every shard is done). One Query
   * per shard touched, on the project summaries: never a Scan.
   */
  listProjects(from: WalkPosition, limit: number): Promise<{ readonly projects: readonly WalkedProject[]; readonly next?: WalkPosition }>;
  /** Where the scheduled run stopped last time; undefined to start from the beginning. */
  getPosition(): Promise<WalkPosition | undefined>;
  /** Remember where to start next time (undefined: from the beginning). */
  putPosition(position: WalkPosition | undefined): Promise<void>;
}
