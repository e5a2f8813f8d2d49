/**
 * `wharf publisher add|list|remove --provider aws`: IAM roles that may publish a project
 * (lambdas/core/aws-publisher.ts), on the same targets as the GitHub publishers: `--url URL
 * --token T` (the admin API, /api/publishers/aws), `--stack NAME`/`--tokens-table T` (a
 * deployed table, with AWS credentials), or the local index (its running server, or its
 * data directory).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDbAwsPublisherStore } from '../adapters/dynamodb-aws-publisher-store.ts';
import type { AwsPublisherStore } from '../app/aws-identity-ports.ts';
import { storeAwsPublisher } from '../app/aws-identity.ts';
import { roleArnOf, validateAwsPublisher, type AwsPublisherInput, type AwsPublisherRecord } from '../core/aws-publisher.ts';
import { WharfError } from '../core/errors.ts';
import { localCreator, readKeptAdminToken } from '../local/admin-bootstrap.ts';
import { createDynamoDbClient, startEmbeddedStores } from '../local/embedded-stores.ts';
import { adminApi } from './admin-api.ts';
import { awsCallerArn, awsDynamoDb } from './aws-caller.ts';
import { commandFailed, usageError } from './command-line.ts';
import { processAlive, readServerState } from './import-target.ts';
import { defaultDataDir } from './serve-command.ts';
import type { PublisherAction, PublisherOptions } from './publisher-options.ts';

class AwsPublisherCommandError extends Error {}

interface AwsPublisherTarget {
  readonly description: string;
  add(input: AwsPublisherInput): Promise<{ publisher: AwsPublisherRecord; created: boolean }>;
  list(project?: string): Promise<AwsPublisherRecord[]>;
  /** undefined when no AWS publisher has this id. */
  remove(id: string): Promise<AwsPublisherRecord | undefined>;
  close(): Promise<void>;
}

type View = Omit<AwsPublisherRecord, 'roleId'> & { roleId: string | null; roleArn?: string };

function fromView(v: View): AwsPublisherRecord {
  const { roleArn: _arn, ...rest } = v;
  return { ...rest, roleId: v.roleId ?? '' };
}

function httpTarget(url: string, token: string): AwsPublisherTarget {
  const { base, call } = adminApi(url, token, (message) => new AwsPublisherCommandError(message));
  return {
    description: `the admin API at ${base}`,
    async add(input) {
      const { created, ...view } = (await call('POST', '/api/publishers/aws', input, 'id')) as View & { created: boolean };
      return { publisher: fromView(view), created };
    },
    async list(project) {
      const query = project !== undefined ? `?project=${encodeURIComponent(project)}` : '';
      return ((await call('GET', `/api/publishers/aws${query}`, undefined, 'publishers')) as { publishers: View[] }).publishers.map(fromView);
    },
    async remove(id) {
      // Listed first: an id that is not an AWS publisher's is someone else's to remove.
      if (!(await this.list()).some((p) => p.id === id)) return undefined;
      return fromView((await call('DELETE', `/api/publishers/aws/${encodeURIComponent(id)}`, undefined, 'id')) as View);
    },
    async close() {},
  };
}

function storeTarget(store: AwsPublisherStore, createdBy: string, description: string, onClose: () => Promise<void>): AwsPublisherTarget {
  return {
    description,
    add: (input) => storeAwsPublisher(store, validateAwsPublisher(input, createdBy, new Date())),
    list: async (project) => (await store.listAwsPublishers()).filter((p) => project === undefined || p.project === project),
    remove: (id) => store.deleteAwsPublisher(id, createdBy, new Date().toISOString()),
    close: onClose,
  };
}

async function openTarget(options: PublisherOptions): Promise<AwsPublisherTarget> {
  if (options.url) {
    const token = options.token ?? process.env['WHARF_TOKEN'];
    if (!token) throw new AwsPublisherCommandError('--url needs a token: pass --token T or set WHARF_TOKEN.');
    return httpTarget(options.url, token);
  }
  if (options.token) throw new AwsPublisherCommandError('--token goes with --url (the admin API of the index to manage).');
  if (options.stack || options['tokens-table']) {
    const region = options.region ? { region: options.region } : {};
    let tableName = options['tokens-table'];
    if (options.stack) {
      const cfn = new CloudFormationClient(region);
      try {
        const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: options.stack }));
        tableName ??= (Stacks?.[0]?.Outputs ?? []).find((o) => o.OutputKey === 'TokensTableName')?.OutputValue;
      } finally {
        cfn.destroy();
      }
      if (!tableName) throw new AwsPublisherCommandError(`Stack ${options.stack} has no TokensTableName output: is it a Wharf stack?`);
    }
    const createdBy = await awsCallerArn(options.region);
    const dynamodb = await awsDynamoDb(options.region);
    return storeTarget(new DynamoDbAwsPublisherStore(dynamodb, tableName!), createdBy, `the tokens table ${tableName} (as ${createdBy})`, async () => dynamodb.destroy());
  }
  const dataDir = options['data-dir'] ?? defaultDataDir();
  const state = await readServerState(dataDir);
  if (state && processAlive(state.pid)) {
    const token = await readKeptAdminToken(dataDir);
    if (!token) throw new AwsPublisherCommandError(`The local server at ${state.url} keeps no admin token in ${dataDir}: pass --url ${state.url} --token <the admin token it printed>.`);
    return { ...httpTarget(state.url, token), description: `the running local server at ${state.url}` };
  }
  const stores = await startEmbeddedStores({ dataDir });
  const dynamodb = createDynamoDbClient(stores);
  return storeTarget(new DynamoDbAwsPublisherStore(dynamodb, stores.tokensTableName), localCreator(), `the local data directory ${dataDir}`, async () => {
    dynamodb.destroy();
    await stores.close();
  });
}

export function describeAwsPublisher(p: AwsPublisherRecord): string {
  return `aws role ${roleArnOf(p)}, ${p.roleId === '' ? 'role id pinned on first use' : `role id ${p.roleId}`}`;
}

export function awsPublisherJson(p: AwsPublisherRecord): Record<string, unknown> {
  return { ...p, roleArn: roleArnOf(p), roleId: p.roleId === '' ? null : p.roleId };
}

export function awsPublisherTable(publishers: readonly AwsPublisherRecord[]): string {
  const rows = [
    ['ID', 'PROJECT', 'ROLE ARN', 'ROLE ID', 'CREATED BY'],
    ...publishers.map((p) => [p.id, p.project, roleArnOf(p), p.roleId || '(first use)', p.createdBy]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** The AWS publishers of a target, for `wharf publisher list` without --provider. */
export async function listAwsPublishers(options: PublisherOptions): Promise<AwsPublisherRecord[]> {
  let target: AwsPublisherTarget;
  try {
    target = await openTarget(options);
  } catch (err) {
    // The GitHub listing that follows says what is wrong with the target.
    if (err instanceof AwsPublisherCommandError) return [];
    throw err;
  }
  try {
    return await target.list(options.project);
  } catch (err) {
    // An index without AWS publishers (older) answers 404 here: it has none.
    if (err instanceof AwsPublisherCommandError) return [];
    throw err;
  } finally {
    await target.close();
  }
}

/**
 * Removes the AWS publisher with this id: the exit code, or undefined when no AWS publisher
 * has it (`wharf publisher remove ID` then tries the other kinds).
 */
export async function removeAwsPublisherIfAny(id: string, options: PublisherOptions): Promise<number | undefined> {
  let target: AwsPublisherTarget;
  try {
    target = await openTarget(options);
  } catch {
    return undefined;
  }
  try {
    const removed = await target.remove(id);
    if (!removed) return undefined;
    if (options.json) process.stdout.write(`${JSON.stringify(awsPublisherJson(removed), null, 2)}\n`);
    else process.stdout.write(`Removed trusted publisher ${removed.id} of ${removed.project}: ${describeAwsPublisher(removed)}.\n`);
    return 0;
  } catch (err) {
    return commandFailed('wharf publisher remove', err, (e): e is Error => e instanceof WharfError || e instanceof AwsPublisherCommandError);
  } finally {
    await target.close();
  }
}

export async function awsPublisherCommand(action: PublisherAction, args: string[], options: PublisherOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const usage = usageError(`wharf publisher ${action}`);
  if (action === 'remove' && args.length !== 1) return usage('name exactly one publisher id (see `wharf publisher list`).');
  if (action !== 'remove' && args.length > 0) return usage(`unexpected argument "${args[0]}".`);
  const githubOnly = (['owner', 'owner-id', 'repository', 'repository-id', 'workflow', 'environment'] as const).filter((o) => options[o] !== undefined);
  if (githubOnly.length > 0) return usage(`${githubOnly.map((o) => `--${o}`).join(', ')} describe GitHub publishers, not --provider aws.`);
  let input: AwsPublisherInput | undefined;
  if (action === 'add') {
    const missing = (['project', 'role-arn'] as const).filter((o) => !options[o]);
    if (missing.length > 0) return usage(`missing ${missing.map((m) => `--${m}`).join(', ')}.`);
    input = { project: options.project!, roleArn: options['role-arn']!, ...(options['role-id'] !== undefined ? { roleId: options['role-id'] } : {}) };
    try {
      validateAwsPublisher(input, 'check', new Date());
    } catch (err) {
      if (err instanceof WharfError) return usage(err.message);
      throw err;
    }
  } else if (options['role-arn'] !== undefined || options['role-id'] !== undefined) {
    return usage('--role-arn and --role-id go with `wharf publisher add`.');
  }
  let target: AwsPublisherTarget;
  try {
    target = await openTarget(options);
  } catch (err) {
    if (err instanceof AwsPublisherCommandError) {
      process.stderr.write(`wharf publisher ${action}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  try {
    if (action === 'add') {
      const { publisher, created } = await target.add(input!);
      if (options.json) out(`${JSON.stringify({ ...awsPublisherJson(publisher), created }, null, 2)}\n`);
      else
        out(
          `${created ? 'Added' : 'Already there:'} trusted publisher ${publisher.id} for ${publisher.project} in ${target.description}\n` +
            `  ${describeAwsPublisher(publisher)}\n` +
            'A job holding the role publishes with `wharf publish --aws --url <this index> dist/*`.\n',
        );
      return 0;
    }
    if (action === 'list') {
      const publishers = await target.list(options.project);
      if (options.json) out(`${JSON.stringify({ publishers: publishers.map(awsPublisherJson) }, null, 2)}\n`);
      else if (publishers.length === 0) out(`No AWS publishers${options.project ? ` for ${options.project}` : ''} in ${target.description}.\n`);
      else out(awsPublisherTable(publishers));
      return 0;
    }
    const removed = await target.remove(args[0]!);
    if (!removed) throw new AwsPublisherCommandError(`No AWS publisher has the id "${args[0]}". \`wharf publisher list --provider aws\` shows the ids.`);
    if (options.json) out(`${JSON.stringify(awsPublisherJson(removed), null, 2)}\n`);
    else out(`Removed trusted publisher ${removed.id} of ${removed.project}: ${describeAwsPublisher(removed)}.\n`);
    return 0;
  } catch (err) {
    return commandFailed(`wharf publisher ${action}`, err, (e): e is Error => e instanceof WharfError || e instanceof AwsPublisherCommandError);
  } finally {
    await target.close();
  }
}
