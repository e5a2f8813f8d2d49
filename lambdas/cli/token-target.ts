/**
 * Where `wharf token` manages tokens:
 * - `--url URL --token T`: the admin HTTP API of any Wharf (admin scope);
 * - `--stack NAME` or `--tokens-table T`: a deployed stack's tokens table, directly with
 *   the caller's AWS credentials. IAM is the root of trust: the first admin token needs
 *   no secret shipped anywhere;
 * - otherwise the local index: the running server's API with the admin token kept in the
 *   data directory, or, with no server running, the data directory itself.
 */
import { adminApi } from './admin-api.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDbTokenStore } from '../adapters/dynamodb-token-store.ts';
import { TokenAdmin, type CreatedToken, type TokenView } from '../app/token-admin.ts';
import { readKeptAdminToken, localCreator } from '../local/admin-bootstrap.ts';
import { createDynamoDbClient, startEmbeddedStores } from '../local/embedded-stores.ts';
import { processAlive, readServerState } from './import-target.ts';
import { awsCallerArn, awsDynamoDb } from './aws-caller.ts';

export interface NewTokenRequest {
  readonly scopes: readonly string[];
  readonly description?: string;
  readonly expiresAt?: Date;
}

export interface TokenTarget {
  readonly description: string;
  /** The index URL to show in usage hints, when known. */
  readonly indexUrl?: string;
  create(request: NewTokenRequest): Promise<CreatedToken>;
  list(): Promise<TokenView[]>;
  revoke(id: string): Promise<TokenView>;
  close(): Promise<void>;
}

export class TokenCommandError extends Error {}

/** The admin API over HTTP. Errors come back as `{"error": "..."}` and are shown as sent. */
export function httpTokenTarget(url: string, token: string): TokenTarget {
  const { base, call } = adminApi(url, token, (message) => new TokenCommandError(message));
  return {
    description: `the admin API at ${base}`,
    indexUrl: `${base}/simple/`,
    async create(request) {
      const { token: secret, ...view } = (await call('POST', '/api/tokens', {
        scopes: request.scopes,
        ...(request.description !== undefined ? { description: request.description } : {}),
        ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt.toISOString() } : {}),
      }, 'token')) as { token: string } & TokenView;
      return { token: secret, view };
    },
    async list() {
      return ((await call('GET', '/api/tokens', undefined, 'tokens')) as { tokens: TokenView[] }).tokens;
    },
    async revoke(id) {
      return (await call('DELETE', `/api/tokens/${encodeURIComponent(id)}`, undefined, 'id')) as TokenView;
    },
    async close() {},
  };
}

function storeTarget(admin: TokenAdmin, createdBy: string, description: string, onClose: () => Promise<void>, indexUrl?: string): TokenTarget {
  return {
    description,
    ...(indexUrl ? { indexUrl } : {}),
    create: (request) => admin.create({ ...request, createdBy }),
    list: () => admin.list(),
    revoke: (id) => admin.revoke(id, createdBy),
    close: onClose,
  };
}

export async function openLocalTokenTarget(dataDir: string): Promise<TokenTarget> {
  const state = await readServerState(dataDir);
  if (state && processAlive(state.pid)) {
    const token = await readKeptAdminToken(dataDir);
    if (!token) {
      throw new TokenCommandError(
        `The local server at ${state.url} keeps no admin token in ${dataDir} (an in-memory index prints it instead): ` +
          `pass --url ${state.url} --token <the admin token it printed>.`,
      );
    }
    const target = httpTokenTarget(state.url, token);
    return { ...target, description: `the running local server at ${state.url}` };
  }
  const stores = await startEmbeddedStores({ dataDir });
  const dynamodb = createDynamoDbClient(stores);
  return storeTarget(
    new TokenAdmin(new DynamoDbTokenStore(dynamodb, stores.tokensTableName)),
    localCreator(),
    `the local data directory ${dataDir}`,
    async () => {
      dynamodb.destroy();
      await stores.close();
    },
  );
}

export interface AwsTokenTargetOptions {
  readonly stackName?: string;
  readonly tokensTableName?: string;
  readonly region?: string;
}

/** A deployed stack's tokens table, with the caller's IAM identity recorded as creator. */
export async function openAwsTokenTarget(options: AwsTokenTargetOptions): Promise<TokenTarget> {
  const region = options.region ? { region: options.region } : {};
  let tableName = options.tokensTableName;
  let indexUrl: string | undefined;
  if (options.stackName) {
    const cfn = new CloudFormationClient(region);
    try {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: options.stackName }));
      const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
      tableName ??= outputs['TokensTableName'];
      indexUrl = outputs['IndexUrl'];
    } finally {
      cfn.destroy();
    }
    if (!tableName) {
      throw new TokenCommandError(`Stack ${options.stackName} has no TokensTableName output: is it a Wharf stack, deployed with access control?`);
    }
  }
  if (!tableName) throw new TokenCommandError('Name the deployed index with --stack NAME or --tokens-table TABLE.');
  const createdBy = await awsCallerArn(options.region);
  const dynamodb = await awsDynamoDb(options.region);
  return storeTarget(
    new TokenAdmin(new DynamoDbTokenStore(dynamodb, tableName)),
    createdBy,
    `the tokens table ${tableName} (as ${createdBy})`,
    async () => dynamodb.destroy(),
    indexUrl,
  );
}
