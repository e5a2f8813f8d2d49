/**
 * Retention: plan and apply the stored rules (lambdas/core/retention.ts) over the index's
 * projects, or over one project. The scheduled function, the admin API and the CLI all run
 * this, over the same rules (kept in the metadata table, see retention-ports.ts).
 *
 * Deletions are ProjectAdmin.delete, release by release: the same tombstoned delete as
 * `wharf delete`, so a removed filename can never be uploaded again and a crash part way is
 * finished by the next run. Each run is bounded: it stops at a deadline or after a number
 * of releases and says where to go on (`next`), so a big index is walked over several runs
 * (or calls) without ever reading it whole; a project stopped in the middle is planned
 * again from its start next time, with what is already gone gone.
 *
 * Left alone, whatever the rules say:
 * - quarantined projects (PEP 792): an admin is looking at them, and their files are evidence;
 * - archived projects: archiving freezes a project as it is;
 * - upstream projects (proxied or cached from the upstream index): they are not in the
 *   metadata table at all, so the walk never meets them; their cache has its own expiry.
 */
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import { isValidName, normalizeName } from '../core/names.ts';
import { parseRules, planProject, ruleFor, type PlannedRelease, type ProjectPlan, type RetentionRule } from '../core/retention.ts';
import type { MetadataStore } from './ports.ts';
import type { ProjectAdmin } from './project-admin.ts';
import type { RetentionStore, StoredRules, WalkPosition } from './retention-ports.ts';

export type { RetentionStore, StoredRules, WalkPosition } from './retention-ports.ts';

export type RetentionMode = 'plan' | 'apply';

export interface RetentionRunOptions {
  readonly mode: RetentionMode;
  /** One project (any spelling) instead of the walk. */
  readonly project?: string;
  /** Where to go on (a previous run's `next`); default: the beginning. */
  readonly from?: string;
  /** Stop before starting another project after this time (ms since the epoch). */
  readonly deadline?: number;
  /** Stop after this many releases removed (or planned). @default 500 */
  readonly maxReleases?: number;
  /** Who deletes, as tombstones record it (`retention:...`). */
  readonly by: string;
}

export interface SkippedProject {
  readonly project: string;
  readonly reason: string;
}

export interface RetentionTotals {
  readonly releases: number;
  readonly files: number;
  readonly bytes: number;
}

export interface RetentionReport {
  readonly mode: RetentionMode;
  readonly rules: number;
  /** Projects with a matching rule that were planned: in apply mode `remove` is what was removed. */
  readonly projects: readonly ProjectPlan[];
  readonly skipped: readonly SkippedProject[];
  /** Projects looked at to the end, and how many of them a rule matched (one stopped inside is counted by the run that finishes it). */
  readonly walked: number;
  readonly matched: number;
  /** What goes (plan) or went (apply). */
  readonly totals: RetentionTotals;
  /** Where the next run goes on, when this one stopped early; absent when it got to the end. */
  readonly next?: string;
}

export const RETENTION_DEFAULTS = Object.freeze({ maxReleases: 500, pageSize: 100 });

/** A walk position as the API and the CLI pass it: `SHARD:NAME`. */
export function formatPosition(position: WalkPosition): string {
  return `${position.shard}:${position.after}`;
}

export function parsePosition(text: string, shards: number): WalkPosition {
  const match = /^(\d{1,3}):([a-z0-9-]*)$/.exec(text);
  const shard = match ? Number(match[1]) : NaN;
  if (!match || shard >= shards) {
    throw new InvalidInputError(`${JSON.stringify(text)} is not a retention position: pass the "next" of an earlier run as it was given (SHARD:NAME).`);
  }
  return { shard, after: match[2]! };
}

export interface RetentionDeps {
  readonly metadata: Pick<MetadataStore, 'getProjectPage'>;
  readonly store: RetentionStore;
  readonly admin: Pick<ProjectAdmin, 'delete'>;
  readonly now?: () => Date;
  /** Called for each release removed, and each project skipped. */
  readonly onRemoved?: (project: string, release: PlannedRelease, rule: number) => void;
}

export class Retention {
  private readonly now: () => Date;

  constructor(private readonly deps: RetentionDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  rules(): Promise<StoredRules> {
    return this.deps.store.getRules();
  }

  /** Checks and stores a new rule list (the whole list replaces the old one). */
  async setRules(given: unknown, by: string): Promise<StoredRules> {
    const rules = parseRules(given);
    return this.deps.store.putRules(rules, this.now().toISOString(), by);
  }

  async run(options: RetentionRunOptions): Promise<RetentionReport> {
    const { rules } = await this.deps.store.getRules();
    const max = options.maxReleases ?? RETENTION_DEFAULTS.maxReleases;
    if (!(Number.isInteger(max) && max > 0)) throw new InvalidInputError(`maxReleases must be a positive whole number, not ${max}.`);
    const state = new RunState(options.mode, rules.length);

    if (options.project !== undefined) {
      if (!isValidName(options.project)) throw new InvalidInputError(`${JSON.stringify(options.project)} is not a valid project name.`);
      const name = normalizeName(options.project);
      state.walked++;
      const page = await this.deps.metadata.getProjectPage(name);
      if (!page) throw new NotFoundError(`There is no project ${name} in this index: /simple/ lists the projects it has.`);
      if (!ruleFor(rules, name)) state.skipped.push({ project: name, reason: 'no rule matches it' });
      else await this.project(name, rules, options, state, Infinity);
      return state.report();
    }

    let position = options.from !== undefined ? parsePosition(options.from, this.deps.store.shards) : { shard: 0, after: '' };
    let last = position;
    for (;;) {
      const { projects, next } = await this.deps.store.listProjects(position, RETENTION_DEFAULTS.pageSize);
      for (const { shard, name } of projects) {
        if (state.totals.releases >= max || (options.deadline !== undefined && Date.now() >= options.deadline)) {
          return state.report(formatPosition(last));
        }
        state.walked++;
        if (ruleFor(rules, name)) {
          const finished = await this.project(name, rules, options, state, max);
          // Stopped inside the project: the next run plans it again from its start (and counts it then).
          if (!finished) {
            state.walked--;
            state.matched--;
            return state.report(formatPosition(last));
          }
        }
        last = { shard, after: name };
      }
      if (!next) return state.report();
      position = next;
      last = next;
    }
  }

  /** Plans (and in apply mode, carries out) one project's rule; false when stopped at `max` inside it. */
  private async project(name: string, rules: readonly RetentionRule[], options: RetentionRunOptions, state: RunState, max: number): Promise<boolean> {
    const match = ruleFor(rules, name)!;
    const page = await this.deps.metadata.getProjectPage(name);
    if (!page) return true;
    const status = page.project?.status?.status;
    if (status === 'quarantined' || status === 'archived') {
      state.matched++;
      state.skipped.push({
        project: name,
        reason:
          status === 'quarantined'
            ? 'quarantined (PEP 792): left as it is while an admin reviews it'
            : 'archived (PEP 792): an archived project is kept as it was archived',
      });
      return true;
    }
    state.matched++;
    const plan = planProject(name, page.files, match, this.now());
    if (options.mode === 'plan') {
      state.add(plan, plan.remove);
      return true;
    }
    const removed: PlannedRelease[] = [];
    let finished = true;
    for (const release of plan.remove) {
      // A project with thousands of builds to remove can outlast a call: stop inside it too.
      if (state.totals.releases + removed.length >= max || (options.deadline !== undefined && Date.now() >= options.deadline)) {
        finished = false;
        break;
      }
      try {
        const tombstones = await this.deps.admin.delete(name, { version: release.version }, options.by);
        removed.push({ ...release, files: tombstones.map((t) => t.filename) });
      } catch (err) {
        // Deleted meanwhile by someone else: gone, as asked.
        if (!(err instanceof NotFoundError)) throw err;
        continue;
      }
      this.deps.onRemoved?.(name, removed[removed.length - 1]!, match.number);
    }
    state.add({ ...plan, remove: removed }, removed);
    return finished;
  }
}

class RunState {
  readonly projects: ProjectPlan[] = [];
  readonly skipped: SkippedProject[] = [];
  walked = 0;
  matched = 0;
  totals = { releases: 0, files: 0, bytes: 0 };

  constructor(
    private readonly mode: RetentionMode,
    private readonly rules: number,
  ) {}

  add(plan: ProjectPlan, removed: readonly PlannedRelease[]): void {
    this.projects.push(plan);
    for (const r of removed) {
      this.totals.releases++;
      this.totals.files += r.files.length;
      this.totals.bytes += r.bytes;
    }
  }

  report(next?: string): RetentionReport {
    return {
      mode: this.mode,
      rules: this.rules,
      projects: this.projects,
      skipped: this.skipped,
      walked: this.walked,
      matched: this.matched,
      totals: { ...this.totals },
      ...(next !== undefined ? { next } : {}),
    };
  }
}
