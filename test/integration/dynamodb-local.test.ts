/**
 * The DynamoDB adapter contracts on AWS's own DynamoDB Local, as well as on dynalite
 * (adapters.test.ts, token-store.test.ts run them there).
 *
 * DynamoDB Local binds every interface, so this file runs its cases only inside a network
 * namespace of its own: run normally, it re-runs itself under `unshare -n` with loopback up
 * and WHARF_TEST_NETNS=1, starts DynamoDB Local in there, and passes when that run passes.
 * Without Java (or without namespaces) it skips loudly; under CI=true that is a failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { metadataStoreContract } from '../support/contracts/metadata-store-contract.ts';
import { tokenStoreContract } from '../support/contracts/token-store-contract.ts';
import { dynamoDbLocalUnavailable, startDynamoDbLocal, type DynamoDbLocal, type DynamoEngine, type DynamoTestTables } from '../support/dynamodb-engines.ts';
import { engineDifferences } from '../support/contracts/engine-differences.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

if (process.env['WHARF_TEST_NETNS'] === '1') {
  // Inside the namespace: one DynamoDB Local for every case of this process.
  let local: DynamoDbLocal;
  const engine: DynamoEngine = { name: 'DynamoDB Local', start: (): Promise<DynamoTestTables> => local.start() };
  before(async () => {
    local = await startDynamoDbLocal();
  });
  after(() => local.stop());
  metadataStoreContract(engine);
  tokenStoreContract(engine);
  engineDifferences(engine);
} else {
  describe('adapter contracts on DynamoDB Local (in a network namespace of their own)', () => {
    const unavailable = dynamoDbLocalUnavailable();
    if (unavailable && process.env['CI'] === 'true') {
      test('DynamoDB Local can run here', () => assert.fail(`CI=true and DynamoDB Local cannot run: ${unavailable}`));
      return;
    }
    if (unavailable) process.stderr.write(`\n!!! SKIPPED: DynamoDB Local contract tests: ${unavailable}\n\n`);
    test('every contract case passes on DynamoDB Local', { skip: unavailable ?? false, timeout: 600_000 }, () => {
      // Not as a child of this test runner (NODE_TEST_CONTEXT): a run of its own, with its own report.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const run = spawnSync(
        'unshare',
        ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" --import tsx --test --test-reporter=tap "$1"', process.execPath, THIS_FILE],
        { cwd: ROOT, encoding: 'utf8', env: { ...env, WHARF_TEST_NETNS: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, maxBuffer: 64 * 1024 * 1024 },
      );
      process.stdout.write(run.stdout.replace(/^/gm, '    '));
      if (run.status !== 0) process.stderr.write(run.stderr);
      assert.equal(run.status, 0, 'the contract run inside the namespace failed (its report is above)');
      assert.match(run.stdout, /^# fail 0$/m);
      assert.doesNotMatch(run.stdout, /^# pass 0$/m);
    });
  });
}
