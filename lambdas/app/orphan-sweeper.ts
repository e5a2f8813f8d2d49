/**
 * The orphan sweep: remove what `files/` holds that no index entry names and that is older
 * than the grace period (the rules: lambdas/core/orphans.ts). Runs on a schedule on AWS
 * (the sweeper function) and once at the start of a local server.
 *
 * The listing is key order, so a project's objects come together: its index is read once
 * (one Query), and only when one of its objects is old enough to judge. Before removing, the
 * object is looked at again: one rewritten since the listing (a retried upload of the same
 * bytes) is young again and stays, and the removal names the version that was judged, so a
 * rewrite landing between that look and the removal is never what goes.
 */
import {
  indexedPairKey,
  isYoung,
  judgeStoredObject,
  projectOfKey,
  type SweepRule,
} from '../core/orphans.ts';
import { FILES_PREFIX } from '../core/storage-keys.ts';
import type { ListedObject, SweepBucket, SweepIndex } from './orphan-sweep-ports.ts';

export type { ListedObject, ObjectVersion, SweepBucket, SweepIndex } from './orphan-sweep-ports.ts';

export interface SweepReport {
  /** Objects listed under `files/`. */
  readonly listed: number;
  /** Orphans removed, by key. */
  readonly removed: readonly string[];
  /** Keys Wharf does not write, left in place for an operator to look at. */
  readonly unknown: readonly string[];
  /** Objects younger than the grace period, left alone without asking the index whether they are listed. */
  readonly young: number;
  /** Projects whose index was read. */
  readonly projectsRead: number;
}

export interface SweepOptions {
  readonly graceSeconds: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Called once per removed key, before the next one (logging, progress). */
  readonly onRemove?: (key: string) => void;
}

export class OrphanSweeper {
  constructor(
    private readonly bucket: SweepBucket,
    private readonly index: SweepIndex,
    private readonly options: SweepOptions,
  ) {
    if (!(Number.isFinite(options.graceSeconds) && options.graceSeconds >= 0)) {
      throw new Error(`The grace period must be 0 or more seconds, not ${options.graceSeconds}.`);
    }
  }

  async sweep(): Promise<SweepReport> {
    const now = this.options.now ?? Date.now;
    const rule: SweepRule = { now: new Date(now()), graceSeconds: this.options.graceSeconds };
    const removed: string[] = [];
    const unknown: string[] = [];
    let listed = 0;
    let young = 0;
    let projectsRead = 0;

    // The current project's objects: judged when the listing moves past the project.
    let project: string | undefined;
    let pending: ListedObject[] = [];
    const settle = async () => {
      const objects = pending;
      pending = [];
      if (objects.length === 0) return;
      // Ask the index only when something is old enough to need its answer.
      let indexed: Set<string> | undefined;
      if (project !== undefined && objects.some((o) => !isYoung(o.lastModified, rule))) {
        indexed = new Set((await this.index.indexedFiles(project)).map(indexedPairKey));
        projectsRead++;
      }
      for (const object of objects) {
        const verdict = judgeStoredObject(object.key, object.lastModified, indexed, rule);
        if (verdict === 'unknown') unknown.push(object.key);
        else if (verdict === 'young') young++;
        else if (verdict === 'orphan' && (await this.removeIfStillOld(object.key, rule))) {
          removed.push(object.key);
          this.options.onRemove?.(object.key);
        }
      }
    };

    for await (const page of this.bucket.list(FILES_PREFIX)) {
      for (const object of page) {
        listed++;
        const owner = projectOfKey(object.key);
        if (owner !== project) {
          await settle();
          project = owner;
        }
        pending.push(object);
      }
    }
    await settle();
    return { listed, removed, unknown, young, projectsRead };
  }

  /** Look again, and remove the version looked at unless it was rewritten since the listing. */
  private async removeIfStillOld(key: string, rule: SweepRule): Promise<boolean> {
    const current = await this.bucket.head(key);
    if (!current || isYoung(current.lastModified, rule)) return false;
    await this.bucket.remove(key, current);
    return true;
  }
}
