/**
 * `wharf retention rules show|set`, `wharf retention plan` and `wharf retention apply`: the
 * retention rules (lambdas/core/retention.ts) of a local or deployed index, what they would
 * remove, and removing it. Over the admin API (--url, an admin token) or straight at the
 * stores (the local index, --stack, --table/--bucket), through the same use case the daily
 * scheduled run uses (lambdas/app/retention.ts).
 */
import { readFile } from 'node:fs/promises';
import { ProjectAdmin } from '../app/project-admin.ts';
import { Retention, type RetentionMode, type RetentionReport, type StoredRules } from '../app/retention.ts';
import { WharfError } from '../core/errors.ts';
import { describeRule, type PlannedRelease, type ProjectPlan } from '../core/retention.ts';
import { localCreator } from '../local/admin-bootstrap.ts';
import { adminApi } from './admin-api.ts';
import { awsCallerArn } from './aws-caller.ts';
import { commandFailed, usageError } from './command-line.ts';
import { openTargetFromOptions } from './import-target.ts';
import { defaultDataDir } from './serve-command.ts';
import { TokenCommandError } from './token-target.ts';

export type RetentionAction = 'show' | 'set' | 'plan' | 'apply';

export interface RetentionOptions {
  project?: string;
  'max-releases'?: string;
  yes?: boolean;
  url?: string;
  token?: string;
  stack?: string;
  table?: string;
  bucket?: string;
  region?: string;
  'data-dir'?: string;
  json?: boolean;
}

/** A plan as the API answers it: the newest kept releases listed, all of them counted. */
type PlanView = Omit<ProjectPlan, 'keep'> & { keep: readonly PlannedRelease[]; kept: number };
type ReportView = Omit<RetentionReport, 'projects'> & { projects: readonly PlanView[] };

interface RetentionTarget {
  readonly description: string;
  rules(): Promise<StoredRules>;
  setRules(rules: unknown): Promise<StoredRules>;
  /** One bounded batch; `next` says where the following one starts. */
  run(mode: RetentionMode, options: { project?: string; from?: string; maxReleases?: number }): Promise<ReportView>;
  close(): Promise<void>;
}

const fail = (message: string) => new TokenCommandError(message);

function httpTarget(url: string, token: string): RetentionTarget {
  const { base, call } = adminApi(url, token, fail);
  return {
    description: base,
    rules: async () => (await call('GET', '/api/retention/rules', undefined, 'rules')) as StoredRules,
    setRules: async (rules) => (await call('PUT', '/api/retention/rules', { rules }, 'rules')) as StoredRules,
    run: async (mode, options) => (await call('POST', `/api/retention/${mode}`, options, 'totals')) as ReportView,
    async close() {},
  };
}

async function storeTarget(options: RetentionOptions): Promise<RetentionTarget> {
  const aws = options.stack || options.table || options.bucket;
  const stores = await openTargetFromOptions({ ...options, dataDir: options['data-dir'] ?? defaultDataDir() });
  try {
    const by = aws ? await awsCallerArn(options.region) : localCreator();
    if (!stores.retention) throw fail(`${stores.description} keeps no retention rules.`);
    const retention = new Retention({ metadata: stores.metadata, store: stores.retention, admin: new ProjectAdmin(stores.metadata, stores.blobs) });
    return {
      description: stores.description,
      rules: () => retention.rules(),
      setRules: (rules) => retention.setRules(rules, by),
      async run(mode, runOptions) {
        const report = await retention.run({ mode, ...runOptions, by: `retention:${by}` });
        return { ...report, projects: report.projects.map((p) => ({ ...p, kept: p.keep.length })) };
      },
      close: () => stores.close(),
    };
  } catch (err) {
    await stores.close();
    throw err;
  }
}

async function openWhere(options: RetentionOptions, usage: (message: string) => number): Promise<RetentionTarget | number> {
  if (options.url) {
    const token = options.token ?? process.env['WHARF_TOKEN'];
    if (!token) return usage('--url needs an admin token: pass --token T or set WHARF_TOKEN.');
    return httpTarget(options.url, token);
  }
  if (options.token) return usage('--token goes with --url.');
  return storeTarget(options);
}

const known = (e: unknown): e is Error => e instanceof WharfError || e instanceof TokenCommandError;

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function printRules(stored: StoredRules, where: string): void {
  if (stored.rules.length === 0) {
    process.stdout.write(`No retention rules in ${where}: nothing is ever removed. Set some with \`wharf retention rules set FILE\`.\n`);
    return;
  }
  const set = stored.updatedAt ? ` (set ${stored.updatedAt}${stored.updatedBy ? ` by ${stored.updatedBy}` : ''})` : '';
  process.stdout.write(`${plural(stored.rules.length, 'retention rule')} in ${where}${set}; the first that matches a project is its rule:\n`);
  stored.rules.forEach((rule, i) => process.stdout.write(`  ${i + 1}. ${describeRule(rule)}\n`));
  process.stdout.write('Projects no rule matches are never touched; final releases only by a rule with "finals".\n');
}

function printPlan(plan: PlanView, mode: RetentionMode): void {
  process.stdout.write(`${plan.project} (rule ${plan.rule}: ${plan.ruleText})\n`);
  const verb = mode === 'plan' ? 'remove' : 'removed';
  for (const r of plan.remove) {
    process.stdout.write(`  ${verb} ${r.version} [${r.kinds.join(', ')}], ${plural(r.files.length, 'file')}, ${size(r.bytes)}: ${r.why}\n`);
    for (const f of r.files) process.stdout.write(`      ${f}\n`);
  }
  const shown = plan.keep.slice(0, 10).map((r) => `${r.version}${r.kinds.includes('final') ? '' : ` [${r.kinds.join(', ')}]`}`);
  const more = plan.kept - shown.length;
  process.stdout.write(
    plan.kept === 0 ? '  keeps nothing\n' : `  keeps ${plural(plan.kept, 'release')}: ${shown.join(', ')}${more > 0 ? ` and ${more} older` : ''}\n`,
  );
}

/** `wharf retention rules show|set`. */
export async function retentionRulesCommand(action: 'show' | 'set', args: string[], options: RetentionOptions): Promise<number> {
  const command = `wharf retention rules ${action}`;
  const usage = usageError(command);
  let rules: unknown;
  if (action === 'set') {
    const [file, ...extra] = args;
    if (!file) return usage('name the JSON file with the rules (- reads standard input).');
    if (extra.length > 0) return usage(`unexpected argument "${extra[0]}".`);
    let text: string;
    try {
      text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    } catch (err) {
      return usage(`cannot read ${file}: ${(err as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return usage(`${file} is not JSON (${(err as Error).message}); write {"rules": [{"pattern": "acme-*", "keepLast": 10}]}.`);
    }
    rules = value !== null && typeof value === 'object' && !Array.isArray(value) && 'rules' in value ? (value as { rules: unknown }).rules : value;
  } else if (args.length > 0) {
    return usage(`unexpected argument "${args[0]}".`);
  }
  const where = await openWhere(options, usage);
  if (typeof where === 'number') return where;
  try {
    const stored = action === 'set' ? await where.setRules(rules) : await where.rules();
    if (options.json) process.stdout.write(`${JSON.stringify(stored, null, 2)}\n`);
    else printRules(stored, where.description);
    return 0;
  } catch (err) {
    return commandFailed(command, err, known);
  } finally {
    await where.close();
  }
}

/** `wharf retention plan|apply`: every batch until the walk is done, printed as it comes. */
export async function retentionRunCommand(mode: RetentionMode, args: string[], options: RetentionOptions): Promise<number> {
  const command = `wharf retention ${mode}`;
  const usage = usageError(command);
  if (args.length > 0) return usage(`unexpected argument "${args[0]}"; name one project with --project P.`);
  if (options.yes && mode === 'plan') return usage('--yes goes with apply: a plan changes nothing.');
  const max = options['max-releases'];
  if (max !== undefined && !(/^\d+$/.test(max) && Number(max) >= 1 && Number(max) <= 10_000)) {
    return usage(`--max-releases must be a whole number from 1 to 10000, not "${max}".`);
  }
  const where = await openWhere(options, usage);
  if (typeof where === 'number') return where;
  try {
    // Without --yes, an apply shows what it would remove and removes nothing.
    const run: RetentionMode = mode === 'apply' && options.yes ? 'apply' : 'plan';
    const batches: ReportView[] = [];
    // A project a bounded call stopped inside comes again in the next: one entry, its removals added up.
    const plans = new Map<string, PlanView & { remove: PlannedRelease[] }>();
    const skipped = new Map<string, string>();
    let from: string | undefined;
    do {
      const batch = await where.run(run, {
        ...(options.project !== undefined ? { project: options.project } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(max !== undefined ? { maxReleases: Number(max) } : {}),
      });
      batches.push(batch);
      for (const plan of batch.projects) {
        const seen = plans.get(plan.project);
        if (seen) plans.set(plan.project, { ...plan, remove: [...seen.remove, ...plan.remove] });
        else plans.set(plan.project, { ...plan, remove: [...plan.remove] });
      }
      for (const s of batch.skipped) skipped.set(s.project, s.reason);
      from = batch.next;
      if (from !== undefined && process.stderr.isTTY) {
        const sofar = batches.reduce((n, b) => n + b.totals.releases, 0);
        process.stderr.write(`\r${run === 'plan' ? 'planned' : 'removed'} ${sofar} releases so far...`);
      }
    } while (from !== undefined);
    if (process.stderr.isTTY && batches.length > 1) process.stderr.write('\n');

    const sum = (f: (b: ReportView) => number) => batches.reduce((n, b) => n + f(b), 0);
    const totals = { releases: sum((b) => b.totals.releases), files: sum((b) => b.totals.files), bytes: sum((b) => b.totals.bytes) };
    const walked = sum((b) => b.walked);
    const matched = sum((b) => b.matched);
    const rules = batches[0]?.rules ?? 0;
    const projects = [...plans.values()];
    const skippedList = [...skipped].map(([project, reason]) => ({ project, reason }));
    const touched = projects.filter((p) => p.remove.length > 0).length;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ mode: run, rules, walked, matched, totals, projects, skipped: skippedList }, null, 2)}\n`);
    } else {
      process.stdout.write(`${run === 'plan' ? 'Retention plan (nothing is removed)' : 'Retention apply'} in ${where.description}:\n`);
      for (const plan of projects) if (plan.remove.length > 0 || options.project) printPlan(plan, run);
      for (const s of skippedList) process.stdout.write(`${s.project}: left alone, ${s.reason}\n`);
      const what = `${plural(totals.releases, 'release')} (${plural(totals.files, 'file')}, ${size(totals.bytes)}) of ${plural(touched, 'project')}`;
      const seen = `${plural(walked, 'project')} looked at, ${matched} matched by a rule (${plural(rules, 'rule')})`;
      process.stdout.write(`${run === 'plan' ? `Would remove ${what}` : `Removed ${what}`}; ${seen}.\n`);
      if (run === 'apply' && totals.releases > 0) process.stdout.write('Their filenames can never be uploaded again.\n');
    }
    if (mode === 'apply' && !options.yes) {
      process.stderr.write(
        totals.releases === 0
          ? `${command}: nothing to remove.\n`
          : `${command}: nothing was removed. Removing cannot be undone and the filenames can never be used again: add --yes to remove the ${plural(totals.releases, 'release')} above.\n`,
      );
      return totals.releases === 0 ? 0 : 2;
    }
    return 0;
  } catch (err) {
    return commandFailed(command, err, known);
  } finally {
    await where.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
