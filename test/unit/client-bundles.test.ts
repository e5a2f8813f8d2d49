/**
 * The checked-in GitHub Action bundle and single-file client are what a fresh build of
 * today's code makes: CI fails here when someone changes the CLI and forgets
 * `npm run build:clients`. Also what each must (not) contain.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildClient, checkedInClient, CLIENT_BUNDLES } from '../../lib/client-bundles.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('publish client bundles', () => {
  for (const bundle of Object.values(CLIENT_BUNDLES)) {
    test(`${bundle.output} is a fresh build of ${bundle.entry}`, async () => {
      const fresh = await buildClient(bundle, ROOT);
      const checkedIn = checkedInClient(bundle, ROOT);
      assert.ok(checkedIn !== undefined, `${bundle.output} is missing: run npm run build:clients and commit it`);
      // Not assert.equal: a diff of two 70 KB files helps nobody; say what to do.
      assert.ok(checkedIn === fresh, `${bundle.output} is not what its code builds today: run \`npm run build:clients\` and commit ${bundle.output}`);
    });

    test(`${bundle.output} needs nothing but Node's built-ins`, async () => {
      const text = await buildClient(bundle, ROOT);
      // ESM imports fail the load when they do not resolve; esbuild leaves a require() it
      // cannot resolve only inside a try block (an optional dependency), so those may stay.
      const imports = [...text.matchAll(/(?:^|\n)\s*import\s[^'";]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
      assert.ok(imports.includes('node:module'), 'the check sees the imports');
      assert.deepEqual(imports.filter((spec) => !spec.startsWith('node:')), []);
      // The local server's embedded stores and the stores of `wharf import` did not come along.
      assert.doesNotMatch(
        text,
        /\/\/ node_modules\/(s3rver|dynalite|@aws-sdk\/(client-s3|client-dynamodb|client-cloudformation|lib-storage))\//,
        `${bundle.output} bundles the local server's or wharf import's stores: keep them out of the publish path (import() them where only a checkout needs them), or put a stand-in for them in lib/client-bundles.ts`,
      );
      assert.ok(Buffer.byteLength(text) < 2 * 1024 * 1024, `${bundle.output} is ${Buffer.byteLength(text)} bytes`);
    });
  }

  test('the action leaves the AWS credential chain out and says so; the served client keeps it for --aws', () => {
    const action = checkedInClient(CLIENT_BUNDLES.action, ROOT)!;
    const client = checkedInClient(CLIENT_BUNDLES.client, ROOT)!;
    assert.ok(!action.includes('fromNodeProviderChain') && !action.includes('defaultProvider'), 'no AWS credential chain in the action');
    assert.ok(action.includes('is not in the GitHub Action'), 'the action says why --aws fails');
    assert.ok(client.includes('defaultProvider'), 'the served client can publish with --aws');
    assert.ok(Buffer.byteLength(action) < 200 * 1024, `the action is ${Buffer.byteLength(action)} bytes`);
  });

  test('action.yml runs the checked-in action bundle with node20', () => {
    const yml = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
    assert.match(yml, /\nruns:\n  using: node20\n  main: action\/dist\/index\.js\n/);
    assert.equal(CLIENT_BUNDLES.action.output, 'action/dist/index.js');
    for (const input of ['repository-url', 'packages-dir', 'skip-existing', 'token', 'attestations', 'verbose']) {
      assert.match(yml, new RegExp(`\\n  ${input}:\\n    description: `), `input ${input}`);
    }
  });
});
