/**
 * The DynamoDB engines the adapter contracts run on (test/support/contracts/):
 *
 * - dynalite, what `wharf serve` embeds (pure JS, LevelDB);
 * - AWS's own DynamoDB Local 1.25.1 (the jar inside the npm package amplify-dynamodb-simulator),
 *   closer to the service: transactions, TTL, the service's own condition and paging code.
 *
 * DynamoDB Local has no host option and listens on every interface, so it is only ever
 * started inside a network namespace of its own (`unshare -n`, loopback up), by a test
 * process that runs in that namespace too: test/integration/dynamodb-local.test.ts re-runs
 * itself there. Nothing outside the namespace can reach it, nor it them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbJsonClient } from '../../lambdas/adapters/dynamodb-json-client.ts';
import { ensureTable } from '../../lambdas/local/embedded-stores.ts';
import { countDynamoDbCalls, startTestStores } from './embedded.ts';

export interface DynamoTestTables {
  /** The client the stores under test get (Wharf's own). */
  readonly dynamodb: DynamoDbJsonClient;
  /** An AWS SDK client of the same engine: for raw calls around the stores (Scan, TransactWriteItems). */
  readonly sdk: DynamoDBClient;
  readonly tableName: string;
  readonly tokensTableName: string;
  /** Calls sent so far through `dynamodb`, by operation (Query, GetItem, PutItem...). */
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

export interface DynamoEngine {
  readonly name: string;
  /** Fresh, empty tables (the metadata table and the tokens table) and a client for them. */
  start(): Promise<DynamoTestTables>;
}

export const DYNALITE: DynamoEngine = {
  name: 'dynalite',
  async start() {
    const t = await startTestStores();
    return { dynamodb: t.dynamodb, sdk: t.sdk, tableName: t.stores.tableName, tokensTableName: t.stores.tokensTableName, calls: t.calls, close: () => t.close() };
  },
};

/** The DynamoDB Local jar of the pinned dev dependency. */
export function dynamoDbLocalJar(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator', 'DynamoDBLocal.jar');
}

/** Why DynamoDB Local cannot run here, or undefined when it can. */
export function dynamoDbLocalUnavailable(): string | undefined {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) return 'Java is not installed (apt: openjdk-17-jre-headless)';
  const unshare = spawnSync('unshare', ['-n', 'true'], { encoding: 'utf8' });
  if (unshare.error || unshare.status !== 0) return `unshare -n is refused here (${(unshare.stderr || String(unshare.error)).trim()}): it needs root or user namespaces`;
  try {
    dynamoDbLocalJar();
  } catch {
    return 'amplify-dynamodb-simulator (the DynamoDB Local jar) is not installed: npm ci';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface DynamoDbLocal extends DynamoEngine {
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local in memory. Only inside a network namespace of its own: it binds every
 * interface (WHARF_TEST_NETNS=1 says the caller made sure).
 */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  if (process.env['WHARF_TEST_NETNS'] !== '1') {
    throw new Error('DynamoDB Local listens on every interface: start it only inside `unshare -n` (see test/integration/dynamodb-local.test.ts).');
  }
  const port = await freePort();
  const jar = dynamoDbLocalJar();
  // Even in memory it writes dynamodb-local-metadata.json into its working directory.
  const workDir = mkdtempSync(path.join(tmpdir(), 'wharf-dynamodb-local-'));
  const java: ChildProcess = spawn(
    'java',
    ['-Xmx512m', `-Djava.library.path=${path.join(path.dirname(jar), 'DynamoDBLocal_lib')}`, '-jar', jar, '-inMemory', '-port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: workDir },
  );
  let output = '';
  java.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  java.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = (): DynamoDBClient =>
    new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'wharftest', secretAccessKey: 'wharftest' }, maxAttempts: 1 });
  const probe = client();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (java.exitCode !== null) throw new Error(`DynamoDB Local exited (${java.exitCode}): ${output}`);
    try {
      await ensureTable(probe, 'probe');
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer within 60 s: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  probe.destroy();
  let n = 0;
  return {
    name: 'DynamoDB Local',
    async start() {
      n++;
      const sdk = client();
      const tableName = `wharf-${n}`;
      const tokensTableName = `wharf-tokens-${n}`;
      await ensureTable(sdk, tableName);
      await ensureTable(sdk, tokensTableName);
      const dynamodb = new DynamoDbJsonClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'wharftest', secretAccessKey: 'wharftest' }, maxAttempts: 1 });
      const calls = new Map<string, number>();
      countDynamoDbCalls(dynamodb, calls);
      return {
        dynamodb,
        sdk,
        tableName,
        tokensTableName,
        calls,
        close: async () => {
          dynamodb.destroy();
          sdk.destroy();
        },
      };
    },
    async stop() {
      if (java.exitCode === null) {
        const exited = new Promise((resolve) => java.once('exit', resolve));
        java.kill('SIGTERM');
        await exited;
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
