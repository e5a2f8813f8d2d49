/**
 * What a page view costs in DynamoDB read units, from ConsumedCapacity: for 10 and 10,000
 * files, the first view of a warm function (the page Query) and every view after (the
 * serial), beside a Query on every view. On dynalite (the local server's store) and on AWS's
 * DynamoDB Local, which counts as DynamoDB does.
 *
 * DynamoDB Local binds every interface, so it runs only in a network namespace of its own:
 * readUnitsOnDynamoDbLocal re-runs this file under `unshare -n` (as
 * test/integration/dynamodb-local.test.ts does), and says why when it cannot.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DynamoDbJsonClient } from '../lambdas/adapters/dynamodb-json-client.ts';
import { DynamoDbMetadataStore } from '../lambdas/adapters/dynamodb-metadata-store.ts';
import { SimpleIndex } from '../lambdas/app/simple-index.ts';
import type { DistributionFile } from '../lambdas/core/model.ts';
import { createDynamoDbClient } from '../lambdas/local/embedded-stores.ts';
import { startLocalWharf } from '../lambdas/local/local-wharf.ts';
import { dynamoDbLocalUnavailable, startDynamoDbLocal } from '../test/support/dynamodb-engines.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Asks every call of `client` for its read units, and adds them up. */
function countUnits(client: DynamoDbJsonClient): { units: () => number; reset: () => void } {
  let total = 0;
  client.use(async (_operation, input, next) => {
    const output = await next({ ...input, ReturnConsumedCapacity: 'TOTAL' });
    const consumed = output['ConsumedCapacity'] as { CapacityUnits?: number } | undefined;
    total += consumed?.CapacityUnits ?? 0;
    return output;
  });
  return { units: () => total, reset: () => (total = 0) };
}

/** Index entries of `files` wheels of `project` straight into the table (the bytes play no part in a page view). */
async function seed(store: DynamoDbMetadataStore, project: string, files: number): Promise<void> {
  for (let i = 0; i < files; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, files - i) }, (_, j) => {
        const version = `1.${i + j}`;
        const filename = `${project.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
        const file: DistributionFile = {
          project,
          filename,
          version,
          packagetype: 'bdist_wheel',
          sha256: createHash('sha256').update(filename).digest('hex'),
          size: 1000,
          uploadTime: '2026-12-01T00:00:00.000Z',
          requiresPython: '>=3.9',
          metadataSha256: createHash('sha256').update(`${filename}.metadata`).digest('hex'),
        };
        return store.putFile(file);
      }),
    );
  }
  await store.putProject({ name: project, displayName: project, createdAt: '2026-12-01T00:00:00.000Z' });
}

/** The figures for one engine, through `client` (whose calls are counted from here on). */
async function measure(engine: string, client: DynamoDbJsonClient, tableName: string): Promise<void> {
  const counting = countUnits(client);
  for (const files of [10, 10_000]) {
    const project = `units-${files}`;
    await seed(new DynamoDbMetadataStore(client, tableName), project, files);
    // A warm function's first view, then ten more.
    const index = new SimpleIndex(new DynamoDbMetadataStore(client, tableName));
    counting.reset();
    await index.keptProject(project);
    const first = counting.units();
    counting.reset();
    for (let i = 0; i < 10; i++) await index.keptProject(project);
    const after = counting.units() / 10;
    counting.reset();
    await new DynamoDbMetadataStore(client, tableName).getProjectPage(project);
    const uncached = counting.units();
    console.log(
      `  ${engine.padEnd(14)} ${String(files).padStart(6)} files   first view ${first.toFixed(1)} RCU (the page Query)   every view after ${after.toFixed(1)} RCU (the serial)   a Query every time would be ${uncached.toFixed(1)} RCU`,
    );
  }
}

export async function readUnits(): Promise<void> {
  console.log('\nDynamoDB read units per page view (ConsumedCapacity; strongly consistent reads)');
  const wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', upstream: { mode: 'none' } });
  const client = createDynamoDbClient(wharf.stores);
  try {
    await measure('dynalite', client, wharf.stores.tableName);
  } finally {
    client.destroy();
    await wharf.close();
  }
}

/** The same on DynamoDB Local, in a network namespace of its own; a line saying why not when it cannot run. */
export function readUnitsOnDynamoDbLocal(): void {
  const unavailable = dynamoDbLocalUnavailable();
  if (unavailable) {
    console.log(`  DynamoDB Local left out: ${unavailable}`);
    return;
  }
  const run = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" --import tsx "$1"', process.execPath, THIS_FILE], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WHARF_TEST_NETNS: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(run.stdout);
  if (run.status !== 0) console.log(`  DynamoDB Local run failed (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' ')}`);
}

if (process.env['WHARF_TEST_NETNS'] === '1' && process.argv[1] === THIS_FILE) {
  const local = await startDynamoDbLocal();
  try {
    const tables = await local.start();
    await measure('DynamoDB Local', tables.dynamodb, tables.tableName);
    await tables.close();
  } finally {
    await local.stop();
  }
}
