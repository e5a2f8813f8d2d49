/**
 * Retention as an operator runs it against a local Wharf: rules set with `wharf retention
 * rules set`, a project with 50 dev builds (and a release candidate, a local build and
 * finals, a post release among them) published with Debian's twine, a plan that changes
 * nothing, an apply over the admin API in bounded calls, then real pip (the finals still
 * install, a removed dev build does not) and real twine (a removed filename is refused for
 * good), and a second apply that removes nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { createDynamoDbClient } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildWheel, wheelFilename } from '../support/dist-builder.ts';
import { cleanEnv, describeRun, missingTool, pip, run, type RunResult } from '../support/processes.ts';

const CLI = ['--import', 'tsx', path.resolve('lambdas/cli/main.ts')];
const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const DEVS = Array.from({ length: 50 }, (_, i) => `2.1.dev${i + 1}`);
const FINALS = ['1.0', '1.1', '1.1.post1', '2.0'];
const CI_DEMO = [...FINALS, ...DEVS, '2.1rc1', '2.0+ci.7'];

const missingTwine = await missingTool(() => run('twine', ['--version']).then((r) => assert.equal(r.code, 0)), "Debian's twine (apt-get install -y twine)");

describe('retention rules against a local Wharf', { skip: missingTwine ?? false }, () => {
  let wharf: LocalWharf;
  let work: string;
  let dist: string;
  const tokens = { admin: '', upload: '' };

  const cli = (args: string[]): Promise<RunResult> =>
    run(process.execPath, [...CLI, ...args], { env: { ...process.env, WHARF_DATA_DIR: '' }, timeoutMs: 300_000 });
  const at = () => ['--url', wharf.url, '--token', tokens.admin];
  const twine = (files: string[], ...flags: string[]) =>
    run('twine', ['upload', ...flags, '--disable-progress-bar', '--non-interactive', '--repository-url', `${wharf.url}/legacy/`, '-u', '__token__', '-p', tokens.upload, ...files], {
      env: cleanEnv({ HOME: work, PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring', NO_COLOR: '1', TERM: 'dumb', NO_PROXY: '127.0.0.1,localhost' }),
      timeoutMs: 300_000,
    });
  const versions = async (project: string) => {
    const page = (await (await fetch(`${wharf.indexUrl}${project}/`, { headers: { accept: JSON_V1 } })).json()) as { versions: string[]; files: { filename: string }[] };
    return { versions: page.versions, files: page.files.map((f) => f.filename) };
  };
  const wheelOf = async (project: string, version: string): Promise<string> => {
    const file = path.join(dist, wheelFilename({ name: project, version }));
    await writeFile(file, buildWheel({ name: project, version, headers: { Summary: 'retention test' } }));
    return file;
  };

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wharf-retention-'));
    dist = path.join(work, 'dist');
    await mkdir(dist);
    wharf = await startLocalWharf({ port: 0 });
    const dynamodb = createDynamoDbClient(wharf.stores);
    const admin = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
    tokens.admin = (await admin.create({ scopes: ['admin'], createdBy: 'test' })).token;
    tokens.upload = (await admin.create({ scopes: ['upload:*'], createdBy: 'test' })).token;
    dynamodb.destroy();
    const files: string[] = [];
    for (const v of CI_DEMO) files.push(await wheelOf('ci-demo', v));
    for (const v of ['1.0', '1.1.dev1', '1.1.dev2', '1.1.dev3']) files.push(await wheelOf('ci-held', v), await wheelOf('other-lib', v));
    const uploaded = await twine(files);
    assert.equal(uploaded.code, 0, describeRun(uploaded));
    const held = await fetch(`${wharf.url}/api/projects/ci-held/status`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'quarantined', reason: 'under review' }),
    });
    assert.equal(held.status, 200);
  });
  after(async () => {
    await wharf?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('each subcommand has its --help', async () => {
    for (const [args, usage] of [
      [['retention', '--help'], /Usage: wharf retention <rules\|plan\|apply>/],
      [['retention', 'rules', '--help'], /Usage: wharf retention rules <show\|set>/],
      [['retention', 'rules', 'show', '--help'], /Usage: wharf retention rules show \[options\]/],
      [['retention', 'rules', 'set', '--help'], /Usage: wharf retention rules set FILE[\s\S]*"keepLast": 10/],
      [['retention', 'plan', '--help'], /Usage: wharf retention plan[\s\S]*--project P[\s\S]*--url URL/],
      [['retention', 'apply', '--help'], /Usage: wharf retention apply[\s\S]*--yes[\s\S]*post-releases/],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, usage);
    }
  });

  test('rules are set from a file and shown; bad rules are refused and change nothing; only admins may', async () => {
    const bad = path.join(work, 'bad.json');
    await writeFile(bad, JSON.stringify({ rules: [{ pattern: 'ci-*', keepLast: -3 }] }));
    const refused = await cli(['retention', 'rules', 'set', bad, ...at()]);
    assert.equal(refused.code, 1, describeRun(refused));
    assert.match(refused.stderr, /keepLast must be a whole number from 0/);
    const none = await cli(['retention', 'rules', 'show', ...at()]);
    assert.match(none.stdout, /No retention rules/);

    const file = path.join(work, 'rules.json');
    await writeFile(file, JSON.stringify({ rules: [{ pattern: 'CI_*', keepLast: 5 }] }));
    const set = await cli(['retention', 'rules', 'set', file, ...at()]);
    assert.equal(set.code, 0, describeRun(set));
    assert.match(set.stdout, /1 retention rule in .*set .* by token:/);
    assert.match(set.stdout, /1\. pattern ci-\*; pre\/dev\/local: keep last 5/);
    const shown = await cli(['retention', 'rules', 'show', '--json', ...at()]);
    assert.deepEqual((JSON.parse(shown.stdout) as { rules: unknown }).rules, [{ pattern: 'ci-*', keepLast: 5 }]);

    const upload = await fetch(`${wharf.url}/api/retention/plan`, { method: 'POST', headers: { authorization: `Bearer ${tokens.upload}` } });
    assert.equal(upload.status, 403);
    const anonymous = await fetch(`${wharf.url}/api/retention/rules`);
    assert.equal(anonymous.status, 401);
    const post = (p: string, body: unknown) =>
      fetch(`${wharf.url}/api/retention/${p}`, { method: 'POST', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const [body, message] of [
      [{ from: 'somewhere' }, /not a retention position: pass the "next" of an earlier run/],
      [{ everything: true }, /Unknown field\(s\) everything/],
      [{ maxReleases: 0 }, /"maxReleases" must be a whole number from 1 to 10000/],
      [{ project: 'no-such-project' }, /There is no project no-such-project/],
    ] as const) {
      const res = await post('plan', body);
      assert.ok(res.status === 400 || res.status === 404, `${res.status} for ${JSON.stringify(body)}`);
      assert.match(((await res.json()) as { error: string }).error, message);
    }
  });

  test('a plan lists what would go (version, files, why) and what stays, and changes nothing', async () => {
    const before = await versions('ci-demo');
    assert.equal(before.files.length, CI_DEMO.length);
    const plan = await cli(['retention', 'plan', ...at()]);
    assert.equal(plan.code, 0, describeRun(plan));
    assert.match(plan.stdout, /^ci-demo \(rule 1: pattern ci-\*; pre\/dev\/local: keep last 5\)$/m);
    assert.match(plan.stdout, /remove 2\.1\.dev46 \[dev\], 1 file, .*: 6th newest of 52 pre\/dev\/local versions, beyond the 5 kept\n {6}ci_demo-2\.1\.dev46-py3-none-any\.whl/);
    assert.match(plan.stdout, /remove 2\.0\+ci\.7 \[local\]/);
    assert.match(plan.stdout, /keeps 9 releases: 2\.1rc1 \[pre\], 2\.1\.dev50 \[dev\], 2\.1\.dev49 \[dev\], 2\.1\.dev48 \[dev\], 2\.1\.dev47 \[dev\], 2\.0, 1\.1\.post1, 1\.1, 1\.0/);
    assert.match(plan.stdout, /ci-held: left alone, quarantined/);
    assert.doesNotMatch(plan.stdout, /other-lib/);
    assert.match(plan.stdout, /Would remove 47 releases \(47 files, .*\) of 1 project; 3 projects looked at, 2 matched by a rule \(1 rule\)\./);
    assert.deepEqual(await versions('ci-demo'), before);

    const json = JSON.parse((await cli(['retention', 'plan', '--project', 'CI.Demo', '--json', ...at()])).stdout) as {
      totals: { releases: number };
      projects: { remove: { version: string; files: string[]; why: string }[]; kept: number }[];
    };
    assert.equal(json.totals.releases, 47);
    assert.equal(json.projects[0]!.kept, 9);
    assert.equal(json.projects[0]!.remove.length, 47);

    const unconfirmed = await cli(['retention', 'apply', ...at()]);
    assert.equal(unconfirmed.code, 2, describeRun(unconfirmed));
    assert.match(unconfirmed.stderr, /nothing was removed.*add --yes/);
    assert.deepEqual(await versions('ci-demo'), before);
  });

  test('an apply removes exactly the plan, in bounded calls; pip installs the finals, not a removed dev build; twine cannot upload a removed file again; a second apply is a no-op', async () => {
    const applied = await cli(['retention', 'apply', '--yes', '--max-releases', '10', ...at()]);
    assert.equal(applied.code, 0, describeRun(applied));
    assert.match(applied.stdout, /removed 2\.1\.dev1 \[dev\]/);
    assert.match(applied.stdout, /Removed 47 releases \(47 files, .*\) of 1 project; 3 projects looked at, 2 matched by a rule \(1 rule\)\./);
    assert.equal(applied.stdout.match(/^ci-demo \(rule 1/gm)?.length, 1, 'one entry for the project, however many calls it took');
    const after = await versions('ci-demo');
    assert.deepEqual(after.versions, ['1.0', '1.1', '1.1.post1', '2.0', '2.1.dev47', '2.1.dev48', '2.1.dev49', '2.1.dev50', '2.1rc1']);
    assert.equal((await versions('other-lib')).files.length, 4);

    const target = path.join(work, 'site');
    const latest = await pip(['install', '--no-cache-dir', '--no-deps', '--target', target, '--index-url', wharf.indexUrl, 'ci-demo']);
    assert.equal(latest.code, 0, describeRun(latest));
    assert.match(latest.stdout, /Successfully installed ci-demo-2\.0/);
    const post = await pip(['install', '--no-cache-dir', '--no-deps', '--target', path.join(work, 'post'), '--index-url', wharf.indexUrl, 'ci-demo==1.1.post1']);
    assert.equal(post.code, 0, describeRun(post));
    const removed = await pip(['install', '--no-cache-dir', '--no-deps', '--target', path.join(work, 'dev'), '--index-url', wharf.indexUrl, 'ci-demo==2.1.dev3']);
    assert.notEqual(removed.code, 0, describeRun(removed));
    assert.match(removed.stderr, /No matching distribution found for ci-demo==2\.1\.dev3/);

    // --verbose: twine shows the response body (the refusal's reason) only then.
    const again = await twine([path.join(dist, wheelFilename({ name: 'ci-demo', version: '2.1.dev3' }))], '--verbose');
    assert.notEqual(again.code, 0, describeRun(again));
    // rich wraps twine's log lines at 80 columns: read them as one line.
    assert.match((again.stdout + again.stderr).replace(/\s+/g, ' '), /ci_demo-2\.1\.dev3-py3-none-any\.whl was deleted on \d{4}-\d{2}-\d{2}, and a deleted file can never be published again/);
    assert.ok(!(await versions('ci-demo')).versions.includes('2.1.dev3'));

    const second = await cli(['retention', 'apply', '--yes', ...at()]);
    assert.equal(second.code, 0, describeRun(second));
    assert.match(second.stdout, /Removed 0 releases \(0 files, 0 B\) of 0 projects/);
    assert.equal((await versions('ci-demo')).files.length, 9);
  });
});
