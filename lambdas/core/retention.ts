/**
 * Retention rules: which versions of a project may go, so that CI builds do not pile up.
 * Pure: the rules, their validation and the plan for one project from its files.
 *
 * A rule names projects by a glob on the normalized name (`*` any run of characters, `?`
 * one), and says how many of their non-final versions to keep and/or after how many days
 * they may go. The first rule whose pattern matches is the project's rule; a project no
 * rule matches is never touched.
 *
 * Kinds (PEP 440, as `lambdas/core/versions.ts` parses it):
 *   pre    a pre-release segment: 1.0a1, 1.0b2, 1.0rc1
 *   dev    a development segment: 1.0.dev3, 1.0rc1.dev2, 1.0.post1.dev1
 *   local  a local version label: 1.0+ci.42
 *   final  none of these: 1.0, 2.1.3, and post-releases such as 1.0.post1 (PEP 440 counts a
 *          post-release as a correction of its final release, not as a pre-release)
 * A version is non-final when it has any of the first three; a rule counts the non-final
 * versions of the kinds it names (all three by default). Finals are never touched unless a
 * rule has `finals` (opt-in), which is judged on its own over the final versions.
 *
 * `keepLast` and `maxAgeDays` together: a version goes only when both say so, that is when
 * it is not among the newest `keepLast` AND is older than `maxAgeDays`. "Newest" is PEP 440
 * order (what pip calls the latest); a version's age is that of its most recent file, so a
 * release that got a wheel yesterday is a day old.
 */
import { InvalidInputError } from './errors.ts';
import type { DistributionFile } from './model.ts';
import { releaseVersionKey, sortByVersion, versionKinds } from './versions.ts';

export const VERSION_KINDS = ['pre', 'dev', 'local'] as const;
export type VersionKind = (typeof VERSION_KINDS)[number];

export interface KeepPolicy {
  /** Keep the newest N versions (PEP 440 order). */
  readonly keepLast?: number;
  /** Versions whose newest file is older than D days may go. */
  readonly maxAgeDays?: number;
}

export interface RetentionRule extends KeepPolicy {
  /** Glob on the normalized project name: `*` any characters, `?` one. Stored normalized. */
  readonly pattern: string;
  /** Which non-final versions the rule counts and removes. @default all: pre, dev, local */
  readonly kinds?: readonly VersionKind[];
  /** Opt-in: final releases too, judged among the finals. keepLast at least 1. */
  readonly finals?: KeepPolicy;
}

/** The most rules an index keeps: they are one item, read by every run. */
export const MAX_RULES = 100;
export const MAX_KEEP_LAST = 100_000;
export const MAX_AGE_DAYS = 36_500;
const DAY_MS = 86_400_000;

const PATTERN = /^[a-z0-9*?][a-z0-9._*?-]*$/;

const quote = (value: unknown) => JSON.stringify(value);

/** A glob as stored: lower case, runs of `-`, `_` and `.` as one `-` (PEP 503), as names are. */
export function normalizePattern(pattern: string): string {
  return pattern.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

/** Whether the normalized `project` matches the stored (normalized) glob `pattern`. */
export function globMatches(pattern: string, project: string): boolean {
  // Iterative wildcard match: linear in practice, and no regular expression built from input.
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < project.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === project[n])) {
      p++;
      n++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(`${field} must be a whole number from ${min} to ${max}, not ${quote(value)}.`);
  }
  return value;
}

function unknownFields(value: Record<string, unknown>, known: readonly string[], where: string): void {
  const extra = Object.keys(value).filter((k) => !known.includes(k));
  if (extra.length > 0) throw new InvalidInputError(`${where}: unknown field(s) ${extra.join(', ')}; a rule takes ${known.join(', ')}.`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parsePolicy(value: Record<string, unknown>, where: string, minKeep: number): KeepPolicy {
  const policy: { keepLast?: number; maxAgeDays?: number } = {};
  if (value['keepLast'] !== undefined) policy.keepLast = wholeNumber(value['keepLast'], `${where}: keepLast`, minKeep, MAX_KEEP_LAST);
  if (value['maxAgeDays'] !== undefined) policy.maxAgeDays = wholeNumber(value['maxAgeDays'], `${where}: maxAgeDays`, 1, MAX_AGE_DAYS);
  return policy;
}

/** Checks one rule as a caller gives it; the rule to store (pattern normalized). */
export function parseRule(value: unknown, where: string): RetentionRule {
  if (!isObject(value)) throw new InvalidInputError(`${where} must be an object such as {"pattern": "acme-*", "keepLast": 10}.`);
  unknownFields(value, ['pattern', 'keepLast', 'maxAgeDays', 'kinds', 'finals'], where);
  const raw = value['pattern'];
  if (typeof raw !== 'string' || !PATTERN.test(normalizePattern(raw)) || raw.length > 200) {
    throw new InvalidInputError(
      `${where}: pattern must be a project name or a glob on it (letters, digits, "-", "_", ".", "*" and "?"), such as "acme-*" or "*", not ${quote(raw)}.`,
    );
  }
  const policy = parsePolicy(value, where, 0);
  let kinds: VersionKind[] | undefined;
  if (value['kinds'] !== undefined) {
    const given = value['kinds'];
    if (!Array.isArray(given) || given.length === 0 || !given.every((k) => (VERSION_KINDS as readonly unknown[]).includes(k))) {
      throw new InvalidInputError(`${where}: kinds must be a non-empty list of ${VERSION_KINDS.map((k) => quote(k)).join(', ')}, not ${quote(given)}.`);
    }
    kinds = VERSION_KINDS.filter((k) => given.includes(k));
  }
  let finals: KeepPolicy | undefined;
  if (value['finals'] !== undefined) {
    const given = value['finals'];
    if (!isObject(given)) throw new InvalidInputError(`${where}: finals must be an object such as {"keepLast": 20}.`);
    unknownFields(given, ['keepLast', 'maxAgeDays'], `${where}.finals`);
    finals = parsePolicy(given, `${where}.finals`, 1);
    if (finals.keepLast === undefined) {
      throw new InvalidInputError(`${where}.finals needs keepLast (at least 1): a rule never removes every final release of a project.`);
    }
  }
  if (policy.keepLast === undefined && policy.maxAgeDays === undefined && finals === undefined) {
    throw new InvalidInputError(`${where} says nothing to do: give keepLast, maxAgeDays, or both (and finals to opt final releases in).`);
  }
  return {
    pattern: normalizePattern(raw),
    ...policy,
    ...(kinds && kinds.length < VERSION_KINDS.length ? { kinds } : {}),
    ...(finals ? { finals } : {}),
  };
}

/** Checks a rule list (`{"rules": [...]}`'s list); the rules to store, in order. */
export function parseRules(value: unknown): RetentionRule[] {
  if (!Array.isArray(value)) {
    throw new InvalidInputError('"rules" must be a list of rules such as [{"pattern": "acme-*", "keepLast": 10, "maxAgeDays": 30}].');
  }
  if (value.length > MAX_RULES) throw new InvalidInputError(`At most ${MAX_RULES} rules are kept, not ${value.length}: use patterns that cover more projects.`);
  return value.map((rule, i) => parseRule(rule, `rule ${i + 1}`));
}

/** The first rule that matches `project` (normalized), with its 1-based number. */
export function ruleFor(rules: readonly RetentionRule[], project: string): { rule: RetentionRule; number: number } | undefined {
  const index = rules.findIndex((r) => globMatches(r.pattern, project));
  return index < 0 ? undefined : { rule: rules[index]!, number: index + 1 };
}

/** A rule in a few words, for plans and logs. */
export function describeRule(rule: RetentionRule): string {
  const parts = [`pattern ${rule.pattern}`];
  const policy = (p: KeepPolicy) =>
    [p.keepLast !== undefined ? `keep last ${p.keepLast}` : '', p.maxAgeDays !== undefined ? `older than ${p.maxAgeDays} days` : '']
      .filter(Boolean)
      .join(', ');
  if (rule.keepLast !== undefined || rule.maxAgeDays !== undefined) parts.push(`${(rule.kinds ?? VERSION_KINDS).join('/')}: ${policy(rule)}`);
  if (rule.finals) parts.push(`finals: ${policy(rule.finals)}`);
  return parts.join('; ');
}

export type ReleaseKind = VersionKind | 'final';

/** One release (every file of one version) as a plan shows it. */
export interface PlannedRelease {
  readonly version: string;
  /** `final`, or the non-final kinds the version has. */
  readonly kinds: readonly ReleaseKind[];
  readonly files: readonly string[];
  readonly bytes: number;
  /** The most recent upload among its files (ISO 8601). */
  readonly uploadedAt: string;
  /** Why it goes or stays, in words. */
  readonly why: string;
}

export interface ProjectPlan {
  readonly project: string;
  /** The matching rule's number (1-based) and the rule. */
  readonly rule: number;
  readonly ruleText: string;
  readonly remove: readonly PlannedRelease[];
  readonly keep: readonly PlannedRelease[];
}

interface Release {
  version: string;
  files: DistributionFile[];
  kinds: ReleaseKind[];
  uploadedAt: string;
}

function releasesOf(files: readonly DistributionFile[]): Release[] {
  const byKey = new Map<string, Release>();
  for (const file of files) {
    let key: string;
    try {
      key = releaseVersionKey(file.version);
    } catch {
      continue; // not a PEP 440 version: no rule can judge it, so it stays
    }
    const release = byKey.get(key);
    if (release) {
      release.files.push(file);
      if (file.uploadTime > release.uploadedAt) release.uploadedAt = file.uploadTime;
      continue;
    }
    const k = versionKinds(file.version)!;
    const kinds: ReleaseKind[] = VERSION_KINDS.filter((kind) => k[kind]);
    byKey.set(key, { version: file.version, files: [file], kinds: kinds.length > 0 ? kinds : ['final'], uploadedAt: file.uploadTime });
  }
  // Newest first.
  return sortByVersion([...byKey.values()], (r) => r.version).reverse();
}

function view(release: Release, why: string): PlannedRelease {
  return {
    version: release.version,
    kinds: release.kinds,
    files: release.files.map((f) => f.filename).sort(),
    bytes: release.files.reduce((sum, f) => sum + f.size, 0),
    uploadedAt: release.uploadedAt,
    why,
  };
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/** Judges `group` (newest first) under `policy`; what goes and what stays, with why. */
function judge(group: readonly Release[], policy: KeepPolicy, label: string, now: Date, remove: PlannedRelease[], keep: PlannedRelease[]): void {
  group.forEach((release, i) => {
    const rank = i + 1;
    const ageDays = Math.floor((now.getTime() - Date.parse(release.uploadedAt)) / DAY_MS);
    const beyond = policy.keepLast === undefined || rank > policy.keepLast;
    const old = policy.maxAgeDays === undefined || ageDays > policy.maxAgeDays;
    const position = `${ordinal(rank)} newest of ${group.length} ${label}`;
    const age = `${ageDays} days old`;
    if (beyond && old) {
      const reasons = [
        policy.keepLast !== undefined ? `${position}, beyond the ${policy.keepLast} kept` : '',
        policy.maxAgeDays !== undefined ? `${age}, over ${policy.maxAgeDays}` : '',
      ].filter(Boolean);
      remove.push(view(release, reasons.join('; ')));
    } else {
      const reasons = [
        !beyond ? `${position}, within the ${policy.keepLast} kept` : '',
        !old ? `${age}, not over ${policy.maxAgeDays}` : '',
      ].filter(Boolean);
      keep.push(view(release, reasons.join('; ')));
    }
  });
}

/**
 * What `rule` removes from a project with these (live) files at `now`, and what it keeps.
 * Releases are listed newest first.
 */
export function planProject(project: string, files: readonly DistributionFile[], match: { rule: RetentionRule; number: number }, now: Date): ProjectPlan {
  const { rule } = match;
  const kinds = rule.kinds ?? VERSION_KINDS;
  const releases = releasesOf(files);
  const remove: PlannedRelease[] = [];
  const keep: PlannedRelease[] = [];
  const counted = releases.filter((r) => r.kinds.some((k) => k !== 'final' && kinds.includes(k)));
  const finals = releases.filter((r) => r.kinds.includes('final'));
  const others = releases.filter((r) => !counted.includes(r) && !finals.includes(r));

  if (rule.keepLast !== undefined || rule.maxAgeDays !== undefined) {
    judge(counted, rule, `${kinds.join('/')} versions`, now, remove, keep);
  } else {
    for (const r of counted) keep.push(view(r, `${r.kinds.join('/')}: the rule sets no limit for them`));
  }
  if (rule.finals) judge(finals, rule.finals, 'final versions', now, remove, keep);
  else for (const r of finals) keep.push(view(r, 'final release: the rule does not opt finals in'));
  for (const r of others) keep.push(view(r, `${r.kinds.join('/')}: not a kind the rule counts (${kinds.join(', ')})`));

  const newestFirst = (list: PlannedRelease[]) => sortByVersion(list, (r) => r.version).reverse();
  return { project, rule: match.number, ruleText: describeRule(rule), remove: newestFirst(remove), keep: newestFirst(keep) };
}
