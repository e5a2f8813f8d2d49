/**
 * The GitHub Action's own part (lambdas/cli/github-action.ts): inputs as the runner passes
 * them, workflow-command escaping, and which files of packages-dir it publishes. Publishing
 * itself is `wharf publish`'s, run end to end in test/integration/publish-clients.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ActionInputError, errorCommand, escapeData, inputOf, packagesIn, readInputs, runAction } from '../../lambdas/cli/github-action.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wharf-action-unit-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('action inputs', () => {
  test('read as the runner sets them: INPUT_ and the upper-cased name, hyphens kept, trimmed', () => {
    const env = { 'INPUT_REPOSITORY-URL': ' https://wharf.example/legacy/ ', 'INPUT_SKIP-EXISTING': 'true', INPUT_VERBOSE: 'False' };
    assert.equal(inputOf(env, 'repository-url'), 'https://wharf.example/legacy/');
    assert.deepEqual(readInputs(env), {
      repositoryUrl: 'https://wharf.example/legacy/',
      packagesDir: 'dist/',
      skipExisting: true,
      attestations: true,
      verbose: false,
    });
    assert.equal(readInputs({ ...env, INPUT_TOKEN: 'wharf_abc' }).token, 'wharf_abc');
  });

  test('bad inputs say which and what to give', () => {
    assert.throws(() => readInputs({}), (err: Error) => err instanceof ActionInputError && /repository-url is required/.test(err.message));
    assert.throws(() => readInputs({ 'INPUT_REPOSITORY-URL': 'wharf.example' }), /is not a URL: "wharf\.example"/);
    assert.throws(() => readInputs({ 'INPUT_REPOSITORY-URL': 'ftp://wharf.example' }), /must be an http\(s\) URL/);
    assert.throws(() => readInputs({ 'INPUT_REPOSITORY-URL': 'https://w', 'INPUT_SKIP-EXISTING': 'yes' }), /skip-existing must be true or false, not "yes"/);
  });

  test('an annotation keeps a multi-line message on one workflow-command line', () => {
    assert.equal(escapeData('50% done\r\nnext'), '50%25 done%0D%0Anext');
    assert.equal(errorCommand('a\nb', 'Wharf: publish, now'), '::error title=Wharf%3A publish%2C now::a%0Ab\n');
  });
});

describe('packages-dir', () => {
  test('wheels and sdists are published, attestations named after one go with it, signatures are passed over', async () => {
    const d = path.join(dir, 'mixed');
    await mkdir(path.join(d, 'sub'), { recursive: true });
    for (const name of ['a-1.0-py3-none-any.whl', 'a-1.0.tar.gz', 'a-1.0-py3-none-any.whl.publish.attestation', 'b-1.0.tar.gz.publish.attestation', 'a-1.0.tar.gz.asc']) {
      await writeFile(path.join(d, name), 'x');
    }
    const found = await packagesIn(d, true);
    assert.deepEqual(found.distributions.map((f) => path.basename(f)), ['a-1.0-py3-none-any.whl', 'a-1.0.tar.gz']);
    assert.deepEqual(found.attestations.map((f) => path.basename(f)), ['a-1.0-py3-none-any.whl.publish.attestation']);
    assert.deepEqual([...found.ignored].sort(), ['a-1.0.tar.gz.asc', 'b-1.0.tar.gz.publish.attestation', 'sub']);
    assert.deepEqual((await packagesIn(d, false)).attestations, []);
  });

  test('a file that is no distribution, an empty or a missing directory stop the action before any upload', async () => {
    const d = path.join(dir, 'stray');
    await mkdir(d, { recursive: true });
    await assert.rejects(packagesIn(d, true), /holds no wheel or sdist: build them first/);
    await writeFile(path.join(d, 'a-1.0-py3-none-any.whl'), 'x');
    await writeFile(path.join(d, 'notes.txt'), 'x');
    await assert.rejects(packagesIn(d, true), /holds files that are not distributions: notes\.txt/);
    await assert.rejects(packagesIn(path.join(dir, 'nowhere'), true), /packages-dir .*nowhere does not exist: build the distributions first/);
  });

  test('with neither a token nor the runner\'s OIDC variables, the action says what the job needs and fails', async () => {
    const d = path.join(dir, 'ok');
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'a-1.0-py3-none-any.whl'), 'x');
    const lines: string[] = [];
    const code = await runAction({ 'INPUT_REPOSITORY-URL': 'http://127.0.0.1:9', 'INPUT_PACKAGES-DIR': d }, { write: (t) => lines.push(t) }, dir);
    assert.equal(code, 1);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^::error title=Wharf publish::No token and no OIDC token to publish with: give the job `permissions: id-token: write`/);
  });

  test('a token input is masked in the log before anything else is written', async () => {
    const lines: string[] = [];
    const code = await runAction({ 'INPUT_REPOSITORY-URL': 'http://127.0.0.1:9', 'INPUT_PACKAGES-DIR': path.join(dir, 'nowhere'), INPUT_TOKEN: 'wharf_secret' }, { write: (t) => lines.push(t) }, dir);
    assert.equal(code, 1);
    assert.equal(lines[0], '::add-mask::wharf_secret\n');
    assert.match(lines[1]!, /does not exist/);
  });
});
