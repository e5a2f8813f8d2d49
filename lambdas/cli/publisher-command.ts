/**
 * `wharf publisher add|list|remove`: trusted publishers (GitHub Actions workflows, GitLab
 * CI/CD pipelines, Google Cloud service accounts that may publish a project without a stored
 * token), on the same targets as `wharf token`:
 * `--url URL --token T` (the admin API; an admin token, or one with upload scope on the
 * project), `--stack NAME`/`--tokens-table T` (a deployed table, with AWS credentials), or
 * the local index (its running server, or its data directory).
 */
import { adminApi } from './admin-api.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDbMetadataStore } from '../adapters/dynamodb-metadata-store.ts';
import { DynamoDbPublisherStore } from '../adapters/dynamodb-publisher-store.ts';
import { addPendingPublisher, type ProjectLookup } from '../app/trusted-publishing.ts';
import { WharfError } from '../core/errors.ts';
import {
  describePublisher,
  isPublisherProvider,
  PUBLISHER_PROVIDERS,
  rulesFor,
  validatePublisher,
  type PublisherInput,
  type PublisherProvider,
  type PublisherRecord,
} from '../core/trusted-publishing.ts';
import { GITLAB_COM_ISSUER } from '../core/publishers/gitlab.ts';
import { localCreator, readKeptAdminToken } from '../local/admin-bootstrap.ts';
import { createDynamoDbClient, startEmbeddedStores } from '../local/embedded-stores.ts';
import type { PublisherStore } from '../app/ports.ts';
import { processAlive, readServerState } from './import-target.ts';
import { commandFailed, usageError } from './command-line.ts';
import { defaultDataDir } from './serve-command.ts';
import { awsCallerArn, awsDynamoDb } from './aws-caller.ts';
import type { PublisherAction, PublisherOptions } from './publisher-options.ts';

class PublisherCommandError extends Error {}

interface PublisherTarget {
  readonly description: string;
  add(input: PublisherInput, pending: boolean): Promise<{ publisher: PublisherRecord; created: boolean }>;
  list(project?: string): Promise<PublisherRecord[]>;
  remove(id: string): Promise<PublisherRecord>;
  close(): Promise<void>;
}

type PublisherView = Record<string, unknown> & { pending?: boolean };

/** The admin API's view back into a record: null for "none" is '' as stored, `pending` only when true. */
function fromView(v: PublisherView): PublisherRecord {
  const { pending, ...rest } = v;
  const record: Record<string, unknown> = { ...rest };
  for (const field of ['environment', 'subject']) if (record[field] === null) record[field] = '';
  return { ...record, ...(pending ? { pending: true } : {}) } as unknown as PublisherRecord;
}

function projectLookup(metadata: DynamoDbMetadataStore): ProjectLookup {
  return { projectExists: async (project) => (await metadata.getProject(project)) !== undefined };
}

function httpTarget(url: string, token: string): PublisherTarget {
  const { base, call } = adminApi(url, token, (message) => new PublisherCommandError(message));
  return {
    description: `the admin API at ${base}`,
    async add(input, pending) {
      const body = { ...input, ...(pending ? { pending: true } : {}) };
      const { created, ...view } = (await call('POST', '/api/publishers', body, 'id')) as PublisherView & { created: boolean };
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
function storeTarget(
  store: PublisherStore,
  createdBy: string,
  description: string,
  onClose: () => Promise<void>,
  /** The package table, for --pending; absent: --pending is refused, saying how. */
  projects?: ProjectLookup,
): PublisherTarget {
  return {
    description,
    async add(input, pending) {
      // The operator names the issuer; the deployment's own list is not known from here.
      const issuer = (input['issuer'] || GITLAB_COM_ISSUER).replace(/\/+$/, '');
      const now = new Date();
      const record = validatePublisher(input, createdBy, now, { issuers: { gitlab: [issuer] }, pending });
      if (!pending) return store.putPublisher(record);
      if (!projects) {
        throw new PublisherCommandError('--pending checks that the project does not exist, which needs the package table too: use --stack NAME (or --url).');
      }
      return addPendingPublisher(store, projects, record, now);
    },
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
  return storeTarget(
    new DynamoDbPublisherStore(dynamodb, stores.tokensTableName),
    localCreator(),
    `the local data directory ${dataDir}`,
    async () => {
      dynamodb.destroy();
      await stores.close();
    },
    projectLookup(new DynamoDbMetadataStore(dynamodb, stores.tableName)),
  );
}

async function openAws(options: PublisherOptions): Promise<PublisherTarget> {
  const region = options.region ? { region: options.region } : {};
  let tableName = options['tokens-table'];
  let packageTable: string | undefined;
  if (options.stack) {
    const cfn = new CloudFormationClient(region);
    try {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: options.stack }));
      const outputs = Stacks?.[0]?.Outputs ?? [];
      tableName ??= outputs.find((o) => o.OutputKey === 'TokensTableName')?.OutputValue;
      packageTable = outputs.find((o) => o.OutputKey === 'TableName')?.OutputValue;
    } finally {
      cfn.destroy();
    }
    if (!tableName) throw new PublisherCommandError(`Stack ${options.stack} has no TokensTableName output: is it a Wharf stack?`);
  }
  const createdBy = await awsCallerArn(options.region);
  const dynamodb = await awsDynamoDb(options.region);
  return storeTarget(
    new DynamoDbPublisherStore(dynamodb, tableName!),
    createdBy,
    `the tokens table ${tableName} (as ${createdBy})`,
    async () => dynamodb.destroy(),
    packageTable ? projectLookup(new DynamoDbMetadataStore(dynamodb, packageTable)) : undefined,
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

/** How each provider's fields are given on the command line. */
const FLAGS: Record<PublisherProvider, Record<string, keyof PublisherOptions>> = {
  github: { owner: 'owner', ownerId: 'owner-id', repository: 'repository', repositoryId: 'repository-id', workflow: 'workflow', environment: 'environment' },
  gitlab: {
    issuer: 'issuer',
    projectPath: 'project-path',
    projectId: 'project-id',
    namespaceId: 'namespace-id',
    ciConfigPath: 'ci-config',
    environment: 'environment',
  },
  google: { email: 'email', subject: 'subject' },
};

const NEXT_STEP: Record<PublisherProvider, string> = {
  github: 'The workflow publishes with pypa/gh-action-pypi-publish (id-token: write, repository-url: <this index>/legacy/).',
  gitlab:
    'The job declares `id_tokens: WHARF_ID_TOKEN: aud: <GET /_/oidc/audience>` and runs `wharf publish --trusted-publishing --url <this index>`.',
  google:
    'A job running as the service account (Cloud Build, a VM, Cloud Run) runs `wharf publish --trusted-publishing --url <this index>`; ' +
    'the token comes from the metadata server.',
};

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

function json(p: PublisherRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { ...p, pending: p.pending === true };
  for (const field of ['environment', 'subject']) if (view[field] === '') view[field] = null;
  return view;
}

export async function publisherCommand(action: PublisherAction, args: string[], options: PublisherOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const usage = usageError(`wharf publisher ${action}`);
  if (options.provider === 'aws') {
    const { awsPublisherCommand } = await import('./aws-publisher-command.ts');
    return awsPublisherCommand(action, args, options);
  }
  if (options.provider !== undefined && !isPublisherProvider(options.provider)) {
    return usage(`--provider is one of ${[...PUBLISHER_PROVIDERS, 'aws'].join(', ')}, not "${options.provider}".`);
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
    const provider = options.provider ?? 'github';
    if (!isPublisherProvider(provider)) return usage(`--provider is one of ${PUBLISHER_PROVIDERS.join(', ')}, not "${provider}".`);
    const flags = FLAGS[provider];
    const foreign = Object.entries(FLAGS)
      .filter(([p]) => p !== provider)
      .flatMap(([, f]) => Object.values(f))
      .filter((flag) => !Object.values(flags).includes(flag) && options[flag] !== undefined);
    if (foreign.length > 0) return usage(`--${foreign[0]} is not an option of a ${provider} publisher (see --help).`);
    const required = rulesFor(provider).requiredFields.map((f) => flags[f]!);
    const missing = ['project' as const, ...required].filter((o) => !options[o]);
    if (missing.length > 0) return usage(`missing ${missing.map((m) => `--${m}`).join(', ')}.`);
    const fields: Record<string, string> = { project: options.project!, provider };
    for (const [field, flag] of Object.entries(flags)) {
      const value = options[flag];
      if (typeof value === 'string') fields[field] = value;
    }
    // validatePublisher splits OWNER/REPO and checks it against --owner.
    if (provider === 'github') fields['owner'] ??= '';
    input = fields as unknown as PublisherInput;
    // Check what can be checked before touching any store (the issuer is the index's to judge).
    try {
      validatePublisher(input, 'check', new Date(), { issuers: { gitlab: [(options.issuer ?? GITLAB_COM_ISSUER).replace(/\/+$/, '')] } });
    } catch (err) {
      if (err instanceof WharfError) return usage(err.message);
      throw err;
    }
  }

  let target: PublisherTarget;
  let awsPublishers: Awaited<ReturnType<typeof aws.listAwsPublishers>> = [];
  try {
    // Before the GitHub ones: a local data directory is opened by one of them at a time.
    if (action === 'list' && options.provider === undefined) awsPublishers = await aws.listAwsPublishers(options);
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
      const { publisher, created } = await target.add(input!, options.pending === true);
      if (options.json) out(`${JSON.stringify({ ...json(publisher), created }, null, 2)}\n`);
      else
        out(
          `${created ? 'Added' : 'Already there:'} ${publisher.pending ? 'pending ' : ''}trusted publisher ${publisher.id} for ${publisher.project} in ${target.description}\n` +
            `  ${describePublisher(publisher)}\n` +
            (publisher.pending
              ? `The name ${publisher.project} is reserved for it: its first publish creates the project, and nobody else may until then.\n`
              : '') +
            `${NEXT_STEP[publisher.provider]}\n`,
        );
      return 0;
    }
    if (action === 'list') {
      const publishers = (await target.list(options.project)).filter((p) => options.provider === undefined || p.provider === options.provider);
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
        out('\nCI jobs (GitHub Actions, GitLab CI/CD, Google Cloud):\n');
      }
      out(
        table([
          ['ID', 'PROJECT', 'STATE', 'PUBLISHER', 'CREATED BY'],
          ...publishers.map((p) => [p.id, p.project, p.pending ? 'pending' : 'active', describePublisher(p), p.createdBy]),
        ]),
      );
      return 0;
    }
    const removed = await target.remove(args[0]!);
    if (options.json) out(`${JSON.stringify(json(removed), null, 2)}\n`);
    else out(`Removed trusted publisher ${removed.id} of ${removed.project}: ${describePublisher(removed)}.\n`);
    return 0;
  } catch (err) {
    return commandFailed(`wharf publisher ${action}`, err, (e): e is Error => e instanceof WharfError || e instanceof PublisherCommandError);
  } finally {
    await target.close();
  }
}
