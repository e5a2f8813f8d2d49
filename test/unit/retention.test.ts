/** Retention rules (lambdas/core/retention.ts) and their runs (lambdas/app/retention.ts), against in-memory stores. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ProjectAdmin } from '../../lambdas/app/project-admin.ts';
import { Retention } from '../../lambdas/app/retention.ts';
import { createRetentionFunction, SCHEDULED_BY } from '../../lambdas/functions/retention-function.ts';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { RetentionStore, StoredRules, WalkPosition, WalkedProject } from '../../lambdas/app/retention-ports.ts';
import { InvalidInputError } from '../../lambdas/core/errors.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import { globMatches, parseRules, planProject, ruleFor, type RetentionRule } from '../../lambdas/core/retention.ts';
import { MemoryBlobStore, MemoryMetadataStore } from '../support/memory-stores.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

function file(version: string, age = 0, project = 'acme-app', suffix = 'py3-none-any.whl'): DistributionFile {
  return {
    project,
    filename: `${project.replace(/-/g, '_')}-${version}-${suffix}`,
    version,
    packagetype: 'bdist_wheel',
    sha256: `${version}${suffix}`.padEnd(64, '0').slice(0, 64),
    size: 100,
    uploadTime: daysAgo(age),
  };
}

function plan(rule: RetentionRule, files: DistributionFile[]) {
  const [checked] = parseRules([rule]);
  return planProject('acme-app', files, { rule: checked!, number: 1 }, NOW);
}
const versionsOf = (list: readonly { version: string }[]) => list.map((r) => r.version);

describe('retention rules', () => {
  test('patterns are globs on the normalized name', () => {
    const [rule] = parseRules([{ pattern: 'Acme_CI.*', keepLast: 1 }]);
    assert.equal(rule!.pattern, 'acme-ci-*');
    assert.ok(globMatches('acme-ci-*', 'acme-ci-tools'));
    assert.ok(!globMatches('acme-ci-*', 'acme-cix'));
    assert.ok(globMatches('*', 'anything'));
    assert.ok(globMatches('acme-?', 'acme-a'));
    assert.ok(!globMatches('acme-?', 'acme-ab'));
    assert.ok(globMatches('*-nightly', 'tool-nightly'));
    assert.ok(globMatches('a*b*c', 'axxbyyc'));
    assert.ok(!globMatches('a*b*c', 'axxbyy'));
    assert.ok(!globMatches('acme', 'acme-app'));
  });

  test('the first matching rule is the project\'s rule', () => {
    const rules = parseRules([
      { pattern: 'acme-special', keepLast: 50 },
      { pattern: 'acme-*', keepLast: 5 },
      { pattern: '*', maxAgeDays: 90 },
    ]);
    assert.equal(ruleFor(rules, 'acme-special')?.number, 1);
    assert.equal(ruleFor(rules, 'acme-app')?.number, 2);
    assert.equal(ruleFor(rules, 'other')?.number, 3);
    assert.equal(ruleFor(rules.slice(0, 2), 'other'), undefined);
  });

  test('bad rules are refused with what to write instead', () => {
    const refused = (rules: unknown, pattern: RegExp) => assert.throws(() => parseRules(rules), (e: Error) => e instanceof InvalidInputError && pattern.test(e.message));
    refused({}, /must be a list/);
    refused([{ pattern: 'acme-*' }], /says nothing to do/);
    refused([{ pattern: 'acme/*', keepLast: 1 }], /pattern must be a project name or a glob/);
    refused([{ pattern: 'acme-*', keepLast: -1 }], /keepLast must be a whole number from 0/);
    refused([{ pattern: 'acme-*', keepLast: 1.5 }], /keepLast/);
    refused([{ pattern: 'acme-*', maxAgeDays: 0 }], /maxAgeDays must be a whole number from 1/);
    refused([{ pattern: 'acme-*', keepLast: 1, kinds: ['nightly'] }], /kinds must be a non-empty list/);
    refused([{ pattern: 'acme-*', keepLast: 1, keep: 3 }], /unknown field\(s\) keep/);
    refused([{ pattern: 'acme-*', finals: { maxAgeDays: 30 } }], /finals needs keepLast \(at least 1\)/);
    refused([{ pattern: 'acme-*', finals: { keepLast: 0 } }], /keepLast must be a whole number from 1/);
    refused(Array.from({ length: 101 }, () => ({ pattern: '*', keepLast: 1 })), /At most 100 rules/);
  });
});

describe('planning one project', () => {
  const devs = Array.from({ length: 12 }, (_, i) => file(`1.1.dev${i + 1}`, 12 - i));
  const finals = [file('1.0', 100), file('0.9', 200), file('1.0.post1', 90)];

  test('keep last N: the newest N non-final versions stay, by PEP 440 order; finals and post releases are untouched', () => {
    const p = plan({ pattern: '*', keepLast: 3 }, [...devs, ...finals]);
    assert.deepEqual(versionsOf(p.remove), ['1.1.dev9', '1.1.dev8', '1.1.dev7', '1.1.dev6', '1.1.dev5', '1.1.dev4', '1.1.dev3', '1.1.dev2', '1.1.dev1']);
    assert.deepEqual(versionsOf(p.keep), ['1.1.dev12', '1.1.dev11', '1.1.dev10', '1.0.post1', '1.0', '0.9']);
    assert.match(p.remove[0]!.why, /4th newest of 12 pre\/dev\/local versions, beyond the 3 kept/);
    assert.match(p.keep.find((r) => r.version === '1.0.post1')!.why, /final release/);
    // dev10 sorts above dev9 as a number, not as text.
    assert.equal(p.keep[2]!.version, '1.1.dev10');
  });

  test('age: versions whose newest file is older than D days go; keepLast and maxAgeDays together need both', () => {
    const byAge = plan({ pattern: '*', maxAgeDays: 5 }, devs);
    assert.deepEqual(versionsOf(byAge.remove), ['1.1.dev7', '1.1.dev6', '1.1.dev5', '1.1.dev4', '1.1.dev3', '1.1.dev2', '1.1.dev1']);
    assert.match(byAge.remove[0]!.why, /6 days old, over 5/);
    const both = plan({ pattern: '*', keepLast: 9, maxAgeDays: 5 }, devs);
    assert.deepEqual(versionsOf(both.remove), ['1.1.dev3', '1.1.dev2', '1.1.dev1']);
    assert.match(both.keep.find((r) => r.version === '1.1.dev5')!.why, /within the 9 kept/);
    // A release is as old as its newest file: a wheel added yesterday keeps dev1 young.
    const refreshed = plan({ pattern: '*', maxAgeDays: 5 }, [...devs, file('1.1.dev1', 1, 'acme-app', 'cp312-cp312-linux_x86_64.whl')]);
    assert.ok(!versionsOf(refreshed.remove).includes('1.1.dev1'));
    const removedAll = plan({ pattern: '*', keepLast: 0 }, devs);
    assert.equal(removedAll.remove.length, 12);
  });

  test('all files of a release go together; pre-releases, dev and local versions are counted as one list', () => {
    const files = [
      file('2.0rc1', 3),
      file('2.0rc1', 3, 'acme-app', 'cp312-cp312-linux_x86_64.whl'),
      file('2.0b1', 4),
      file('1.5+ci.7', 5),
      file('1.5+ci.12', 2),
      file('1.5'),
    ];
    const p = plan({ pattern: '*', keepLast: 2 }, files);
    assert.deepEqual(versionsOf(p.keep), ['2.0rc1', '2.0b1', '1.5']);
    assert.deepEqual(versionsOf(p.remove), ['1.5+ci.12', '1.5+ci.7']);
    assert.deepEqual(p.remove[0]!.kinds, ['local']);
    // Local labels order by their numeric segments (PEP 440), so +ci.12 is newer than +ci.7.
    assert.equal(p.remove[0]!.version, '1.5+ci.12');
    const rc = plan({ pattern: '*', keepLast: 0, kinds: ['pre'] }, files);
    assert.deepEqual(versionsOf(rc.remove), ['2.0rc1', '2.0b1']);
    assert.equal(rc.remove[0]!.files.length, 2);
    assert.match(rc.keep.find((r) => r.version === '1.5+ci.12')!.why, /not a kind the rule counts/);
  });

  test('a dev build of a post release or of a pre-release is a dev version', () => {
    const p = plan({ pattern: '*', keepLast: 0, kinds: ['dev'] }, [file('1.0.post1.dev3'), file('2.0rc1.dev1'), file('1.0.post1'), file('2.0rc1')]);
    assert.deepEqual(versionsOf(p.remove), ['2.0rc1.dev1', '1.0.post1.dev3']);
    assert.deepEqual(versionsOf(p.keep), ['2.0rc1', '1.0.post1']);
  });

  test('finals go only when the rule opts them in, and never the newest keepLast of them', () => {
    const many = [file('1.0', 400), file('1.1', 300), file('1.2', 200), file('1.2.post1', 150), file('1.3', 10)];
    const untouched = plan({ pattern: '*', keepLast: 0, maxAgeDays: 1 }, many);
    assert.equal(untouched.remove.length, 0);
    const opted = plan({ pattern: '*', finals: { keepLast: 2, maxAgeDays: 250 } }, many);
    assert.deepEqual(versionsOf(opted.remove), ['1.1', '1.0']);
    assert.deepEqual(versionsOf(opted.keep), ['1.3', '1.2.post1', '1.2']);
  });
});

/** The walk over a handful of projects in two shards (names by first letter). */
class MemoryRetentionStore implements RetentionStore {
  readonly shards = 2;
  stored: StoredRules = { rules: [] };
  position: WalkPosition | undefined;
  constructor(private readonly names: () => string[]) {}
  async getRules() {
    return this.stored;
  }
  async putRules(rules: readonly RetentionRule[], updatedAt: string, updatedBy: string) {
    this.stored = { rules, updatedAt, updatedBy };
    return this.stored;
  }
  async listProjects(from: WalkPosition, limit: number) {
    const all: WalkedProject[] = this.names()
      .map((name) => ({ shard: name < 'm' ? 0 : 1, name }))
      .sort((a, b) => a.shard - b.shard || (a.name < b.name ? -1 : 1))
      .filter((p) => p.shard > from.shard || (p.shard === from.shard && p.name > from.after));
    const projects = all.slice(0, limit);
    const last = projects[projects.length - 1];
    return all.length > limit && last ? { projects, next: { shard: last.shard, after: last.name } } : { projects };
  }
  async getPosition() {
    return this.position;
  }
  async putPosition(position: WalkPosition | undefined) {
    this.position = position;
  }
}

async function index() {
  const metadata = new MemoryMetadataStore();
  const admin = new ProjectAdmin(metadata, new MemoryBlobStore(), () => NOW);
  for (const project of ['alpha-ci', 'beta-ci', 'kept-lib', 'zeta-ci', 'quiet-ci']) {
    await metadata.putProject({ name: project, displayName: project, createdAt: daysAgo(500) });
    for (let i = 1; i <= 6; i++) await metadata.putFile(file(`1.0.dev${i}`, 10 - i, project));
    await metadata.putFile(file('0.9', 300, project));
  }
  const store = new MemoryRetentionStore(() => [...metadata.projects.keys()]);
  const removed: string[] = [];
  const retention = new Retention({ metadata, store, admin, now: () => NOW, onRemoved: (p, r) => removed.push(`${p} ${r.version}`) });
  await retention.setRules([{ pattern: '*-ci', keepLast: 2 }], 'test');
  return { metadata, store, retention, removed };
}

describe('retention runs', () => {
  test('a plan changes nothing; an apply deletes through the tombstoned delete; a second apply is a no-op', async () => {
    const { metadata, retention, removed } = await index();
    const planned = await retention.run({ mode: 'plan', by: 'retention:test' });
    assert.equal(planned.walked, 5);
    assert.equal(planned.matched, 4);
    assert.deepEqual(planned.totals, { releases: 16, files: 16, bytes: 1600 });
    assert.equal((await metadata.getProjectPage('alpha-ci'))!.files.length, 7);

    const applied = await retention.run({ mode: 'apply', by: 'retention:test' });
    assert.deepEqual(applied.totals, planned.totals);
    assert.equal(removed.length, 16);
    const page = await metadata.getProjectPage('alpha-ci');
    assert.deepEqual(page!.files.map((f) => f.version).sort(), ['0.9', '1.0.dev5', '1.0.dev6']);
    const tombstones = await metadata.listTombstones('alpha-ci');
    assert.equal(tombstones.length, 4);
    assert.ok(tombstones.every((t) => t.deletedBy === 'retention:test'));
    assert.equal((await metadata.getProjectPage('kept-lib'))!.files.length, 7);

    const again = await retention.run({ mode: 'apply', by: 'retention:test' });
    assert.deepEqual(again.totals, { releases: 0, files: 0, bytes: 0 });
  });

  test('a bounded run stops and says where to go on; following its "next" gets through every project', async () => {
    const { retention } = await index();
    const first = await retention.run({ mode: 'apply', by: 'retention:test', maxReleases: 6 });
    assert.equal(first.totals.releases, 6);
    assert.ok(first.next, 'a run that stopped early says where to go on');
    let total = first.totals.releases;
    let walked = first.walked;
    let next: string | undefined = first.next;
    let runs = 1;
    while (next) {
      const more = await retention.run({ mode: 'apply', by: 'retention:test', maxReleases: 6, from: next });
      total += more.totals.releases;
      walked += more.walked;
      next = more.next;
      assert.ok(++runs < 10);
    }
    assert.equal(total, 16);
    // A project a run stopped inside is counted once, by the run that finished it.
    assert.equal(walked, 5);
    await assert.rejects(retention.run({ mode: 'plan', by: 'x', from: 'nonsense' }), /not a retention position/);
    // Past its deadline a run removes nothing more and says where to go on.
    const late = await (await index()).retention.run({ mode: 'apply', by: 'x', deadline: Date.now() - 1 });
    assert.equal(late.totals.releases, 0);
    assert.equal(late.next, '0:');
  });

  test('quarantined and archived projects are skipped and said so; one project can be planned alone', async () => {
    const { metadata, retention } = await index();
    await metadata.setProjectStatus('beta-ci', { status: 'quarantined', reason: 'malware report' });
    await metadata.setProjectStatus('zeta-ci', { status: 'archived' });
    const report = await retention.run({ mode: 'apply', by: 'retention:test' });
    assert.deepEqual(report.skipped.map((s) => s.project).sort(), ['beta-ci', 'zeta-ci']);
    assert.match(report.skipped.find((s) => s.project === 'beta-ci')!.reason, /quarantined/);
    assert.equal((await metadata.getProjectPage('beta-ci'))!.files.length, 7);
    assert.equal((await metadata.getProjectPage('zeta-ci'))!.files.length, 7);

    const one = await retention.run({ mode: 'plan', by: 'x', project: 'Kept_Lib' });
    assert.deepEqual(one.skipped, [{ project: 'kept-lib', reason: 'no rule matches it' }]);
    await assert.rejects(retention.run({ mode: 'plan', by: 'x', project: 'no-such' }), /There is no project no-such/);
  });
});

describe('the scheduled retention function', () => {
  test('each run goes on where the last stopped, logs every removal and a summary, and counts them', async () => {
    const { metadata, store } = await index();
    const logs: { message: string; extra: Record<string, unknown> }[] = [];
    const logger = { info: (message: string, extra: Record<string, unknown>) => logs.push({ message, extra }) } as unknown as Logger;
    const handler = createRetentionFunction({ metadata, blobs: new MemoryBlobStore(), store, config: { maxReleasesPerRun: 10 }, logger, now: () => NOW });
    const context = { getRemainingTimeInMillis: () => 900_000 };

    const first = await handler({}, context);
    assert.equal(first.releases, 10);
    assert.equal(first.from, null);
    assert.ok(first.next);
    assert.deepEqual(store.position, { shard: Number(first.next.split(':')[0]), after: first.next.split(':')[1] });
    const removals = logs.filter((l) => l.message === 'Retention removed a release');
    assert.equal(removals.length, 10);
    assert.deepEqual(Object.keys(removals[0]!.extra['retention'] as object).sort(), ['bytes', 'files', 'project', 'rule', 'version', 'why']);
    assert.equal(logs.at(-1)!.message, 'Retention run stopped at its bound; the next run goes on');

    const second = await handler({}, context);
    assert.equal(second.from, first.next);
    assert.equal(second.releases, 6);
    assert.equal(second.next, null);
    assert.equal(store.position, undefined, 'a finished walk starts from the beginning next time');
    assert.equal(logs.at(-1)!.message, 'Retention run done');
    assert.deepEqual((logs.at(-1)!.extra['retention'] as { releases: number }).releases, 6);
    assert.ok(logs.some((l) => l.message === 'Retention left a project alone') === false);
    const tombstones = await metadata.listTombstones('zeta-ci');
    assert.ok(tombstones.length > 0 && tombstones.every((t) => t.deletedBy === SCHEDULED_BY));

    const third = await handler({}, context);
    assert.equal(third.releases, 0);
  });
});
