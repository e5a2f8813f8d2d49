/**
 * `wharf publisher add|list|remove`: trusted publishers (GitHub Actions workflows that may
 * publish a project without a stored token), on the same targets as `wharf token`:
 * `--url URL --token T` (the admin API; an admin token, or one with upload scope on the
 * project), `--stack NAME`/`--tokens-table T` (a deployed table, with AWS credentials), or
 * the local index (its running server, or its data directory).
 */
import { adminApi } from './admin-api.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDbPublisherStore } from '../adapters/dynamodb-publisher-store.ts';
import { WharfError } from '../core/errors.ts';
import { validatePublisher, type PublisherInput, type PublisherRecord } from '../core/trusted-publishing.ts';
import { localCreator, readKeptAdminToken } from '../local/admin-bootstrap.ts';
import { createDynamoDbClient, startEmbeddedStores } from '../local/embedded-stores.ts';
import type { PublisherStore } from '../app/ports.ts';
import { processAlive, readServerState } from './import-target.ts';
import { commandFailed, usageError } from './command-line.ts';
import { defaultDataDir } from './serve-command.ts';
import { awsCallerArn, awsDynamoDb } from './aws-caller.ts';

export interface PublisherOptions {
  project?: string;
  provider?: string;
  /** --provider aws (lambdas/cli/aws-publisher-command.ts). */
  'role-arn'?: string;
  'role-id'?: string;
  owner?: string;
  'owner-id'?: string;
  repository?: string;
  'repository-id'?: string;
  workflow?: string;
  environment?: string;
  url?: string;
  token?: string;
  stack?: string;
  'tokens-table'?: string;
  region?: string;
  'data-dir'?: string;
  json?: boolean;
}

class PublisherCommandError extends Error {}

interface PublisherTarget {
  readonly description: string;
  add(input: PublisherInput): Promise<{ publisher: PublisherRecord; created: boolean }>;
  list(project?: string): Promise<PublisherRecord[]>;
  remove(id: string): Promise<PublisherRecord>;
  close(): Promise<void>;
}

type PublisherView = Omit<PublisherRecord, 'environment'> & { environment: string | null };

function fromView(v: PublisherView): PublisherRecord {
  return { ...v, environment: v.environment ?? '' };
}

function httpTarget(url: string, token: string): PublisherTarget {
  const { base, call } = adminApi(url, token, (message) => new PublisherCommandError(message));
  return {
    description: `the admin API at ${base}`,
    async add(input) {
      const { created, ...view } = (await call('POST', '/api/publishers', input, 'id')) as PublisherView & { created: boolean };
      return { publisher: fromView(view), created };
    },
    async list(project) {
      const query = project !== undefined ? `?project=${encodeURIComponent(project)}` : '';
      return ((await call('GET', `/api/publishers${query}`, undefined, 'publishers')) as { publishers: PublisherView[] }).publishers.map(fromView);
    },
    async remove(id) {
      return fromView((await call('DELETE', `/api/publishers/${encodeURIComponent(id)}`, undefined, 'id')) as PublisherView);
    },
    async close() {},
  };
}

/** Straight to a store: the operator (IAM, or whoever owns the data directory) may do anything. */
function storeTarget(store: PublisherStore, createdBy: string, description: string, onClose: () => Promise<void>): PublisherTarget {
  return {
    description,
    add: (input) => store.putPublisher(validatePublisher(input, createdBy, new Date())),
    list: async (project) => (await store.listPublishers()).filter((p) => project === undefined || p.project === project),
    async remove(id) {
      const removed = await store.deletePublisher(id, createdBy, new Date().toISOString());
      if (!removed) throw new PublisherCommandError(`No trusted publisher has the id "${id}". \`wharf publisher list\` shows the ids.`);
      return removed;
    },
    close: onClose,
  };
}

async function openLocal(dataDir: string): Promise<PublisherTarget> {
  const state = await readServerState(dataDir);
  if (state && processAlive(state.pid)) {
    const token = await readKeptAdminToken(dataDir);
    if (!token) {
      throw new PublisherCommandError(`The local server at ${state.url} keeps no admin token in ${dataDir}: pass --url ${state.url} --token <the admin token it printed>.`);
    }
    return { ...httpTarget(state.url, token), description: `the running local server at ${state.url}` };
  }
  const stores = await startEmbeddedStores({ dataDir });
  const dynamodb = createDynamoDbClient(stores);
  return storeTarget(new DynamoDbPublisherStore(dynamodb, stores.tokensTableName), localCreator(), `the local data directory ${dataDir}`, async () => {
    dynamodb.destroy();
    await stores.close();
  });
}

async function openAws(options: PublisherOptions): Promise<PublisherTarget> {
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
    if (!tableName) throw new PublisherCommandError(`Stack ${options.stack} has no TokensTableName output: is it a Wharf stack?`);
  }
  const createdBy = await awsCallerArn(options.region);
  const dynamodb = await awsDynamoDb(options.region);
  return storeTarget(new DynamoDbPublisherStore(dynamodb, tableName!), createdBy, `the tokens table ${tableName} (as ${createdBy})`, async () =>
    dynamodb.destroy(),
  );
}

async function openTarget(options: PublisherOptions): Promise<PublisherTarget> {
  if (options.url) {
    const token = options.token ?? process.env['WHARF_TOKEN'];
    if (!token) throw new PublisherCommandError('--url needs a token: pass --token T or set WHARF_TOKEN.');
    return httpTarget(options.url, token);
  }
  if (options.token) throw new PublisherCommandError('--token goes with --url (the admin API of the index to manage).');
  if (options.stack || options['tokens-table']) return openAws(options);
  return openLocal(options['data-dir'] ?? defaultDataDir());
}

function describe(p: PublisherRecord): string {
  return (
    `github ${p.owner}/${p.repository} (repository id ${p.repositoryId}, owner id ${p.ownerId}), ` +
    `workflow ${p.workflow}, ${p.environment === '' ? 'any environment' : `environment ${p.environment}`}`
  );
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function json(p: PublisherRecord): Record<string, unknown> {
  return { ...p, environment: p.environment === '' ? null : p.environment };
}

export type PublisherAction = 'add' | 'list' | 'remove';

export async function publisherCommand(action: PublisherAction, args: string[], options: PublisherOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const usage = usageError(`wharf publisher ${action}`);
  if (options.provider !== undefined && options.provider !== 'github') {
    if (options.provider !== 'aws') return usage(`--provider is github (the default) or aws, not "${options.provider}".`);
    const { awsPublisherCommand } = await import('./aws-publisher-command.ts');
    return awsPublisherCommand(action, args, options);
  }
  if (options['role-arn'] !== undefined || options['role-id'] !== undefined) return usage('--role-arn and --role-id go with --provider aws.');
  const aws = await import('./aws-publisher-command.ts');
  if (action === 'remove' && args.length === 1) {
    const removed = await aws.removeAwsPublisherIfAny(args[0]!, options);
    if (removed !== undefined) return removed;
  }
  if (action === 'remove' && args.length !== 1) return usage('name exactly one publisher id (see `wharf publisher list`).');
  if (action !== 'remove' && args.length > 0) return usage(`unexpected argument "${args[0]}".`);
  let input: PublisherInput | undefined;
  if (action === 'add') {
    const missing = (['project', 'repository', 'repository-id', 'owner-id', 'workflow'] as const).filter((o) => !options[o]);
    if (missing.length > 0) return usage(`missing ${missing.map((m) => `--${m}`).join(', ')}.`);
    input = {
      project: options.project!,
      // validatePublisher splits OWNER/REPO and checks it against --owner.
      owner: options.owner ?? '',
      ownerId: options['owner-id']!,
      repository: options.repository!,
      repositoryId: options['repository-id']!,
      workflow: options.workflow!,
      ...(options.environment !== undefined ? { environment: options.environment } : {}),
    };
    // Check what can be checked before touching any store.
    try {
      validatePublisher(input, 'check', new Date());
    } catch (err) {
      if (err instanceof WharfError) return usage(err.message);
      throw err;
    }
  }

  let target: PublisherTarget;
  let awsPublishers: Awaited<ReturnType<typeof aws.listAwsPublishers>> = [];
  try {
    // Before the GitHub ones: a local data directory is opened by one of them at a time.
    if (action === 'list' && options.provider !== 'github') awsPublishers = await aws.listAwsPublishers(options);
    target = await openTarget(options);
  } catch (err) {
    if (err instanceof PublisherCommandError) {
      process.stderr.write(`wharf publisher ${action}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  try {
    if (action === 'add') {
      const { publisher, created } = await target.add(input!);
      if (options.json) out(`${JSON.stringify({ ...json(publisher), created }, null, 2)}\n`);
      else
        out(
          `${created ? 'Added' : 'Already there:'} trusted publisher ${publisher.id} for ${publisher.project} in ${target.description}\n` +
            `  ${describe(publisher)}\n` +
            `The workflow publishes with pypa/gh-action-pypi-publish (id-token: write, repository-url: <this index>/legacy/).\n`,
        );
      return 0;
    }
    if (action === 'list') {
      const publishers = await target.list(options.project);
      if (options.json) {
        out(`${JSON.stringify({ publishers: [...publishers.map(json), ...awsPublishers.map(aws.awsPublisherJson)] }, null, 2)}\n`);
        return 0;
      }
      if (publishers.length === 0 && awsPublishers.length === 0) {
        out(`No trusted publishers${options.project ? ` for ${options.project}` : ''} in ${target.description}.\n`);
        return 0;
      }
      if (awsPublishers.length > 0) {
        if (publishers.length > 0) out('AWS roles:\n');
        out(aws.awsPublisherTable(awsPublishers));
        if (publishers.length === 0) return 0;
        out('\nGitHub Actions workflows:\n');
      }
      out(
        table([
          ['ID', 'PROJECT', 'REPOSITORY', 'REPO ID', 'OWNER ID', 'WORKFLOW', 'ENVIRONMENT', 'CREATED BY'],
          ...publishers.map((p) => [p.id, p.project, `${p.owner}/${p.repository}`, p.repositoryId, p.ownerId, p.workflow, p.environment || '(any)', p.createdBy]),
        ]),
      );
      return 0;
    }
    const removed = await target.remove(args[0]!);
    if (options.json) out(`${JSON.stringify(json(removed), null, 2)}\n`);
    else out(`Removed trusted publisher ${removed.id} of ${removed.project}: ${describe(removed)}.\n`);
    return 0;
  } catch (err) {
    return commandFailed(`wharf publisher ${action}`, err, (e): e is Error => e instanceof WharfError || e instanceof PublisherCommandError);
  } finally {
    await target.close();
  }
}
