/**
 * A small DynamoDB client: the JSON 1.0 protocol (one signed POST per operation) over a
 * keep-alive agent, with lib-dynamodb's document shapes (plain values in, plain values out,
 * marshalled by @aws-sdk/util-dynamodb) for the six operations Wharf sends.
 *
 * Why not @aws-sdk/client-dynamodb: every function calls DynamoDB on every request, so the
 * client is part of every cold start, and the SDK's (client, lib-dynamodb, the smithy
 * middleware stacks, the schema serde, the endpoint rules, every credential provider) was
 * about 250 KB of the read function's 335 KB cold start and most of its module init
 * (`npm run bench -- --bundles-only`). The protocol is small and stable: a POST to
 * `https://dynamodb.{region}.amazonaws.com/` with `X-Amz-Target: DynamoDB_20120810.{Op}`,
 * signed with SigV4 (lambdas/adapters/sigv4.ts, as the download URLs are), answered with
 * JSON or with `{"__type": "...#ConditionalCheckFailedException", "message": ...}`.
 *
 * Retries as the SDK's standard mode does: up to 3 attempts, exponential backoff with full
 * jitter, on network errors, 5xx, and DynamoDB's throttling errors; each attempt is signed
 * anew. A failed condition is never retried: it is an answer, not a fault.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { exchange } from './http-exchange.ts';
import { type Credentials, SigV4 } from './sigv4.ts';

export type Item = Record<string, unknown>;
type Key = Record<string, unknown>;

/** A DynamoDB error answer: `name` is its type (ConditionalCheckFailedException, ...). */
export class DynamoDbError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly statusCode: number,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

export const isConditionFailure = (err: unknown): boolean =>
  err instanceof DynamoDbError && err.name === 'ConditionalCheckFailedException';

interface Expressions {
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
  readonly ReturnConsumedCapacity?: 'TOTAL' | 'INDEXES' | 'NONE';
}
export interface GetInput extends Pick<Expressions, 'ExpressionAttributeNames' | 'ReturnConsumedCapacity'> {
  readonly TableName: string;
  readonly Key: Key;
  readonly ConsistentRead?: boolean;
  readonly ProjectionExpression?: string;
}
export interface PutInput extends Expressions {
  readonly TableName: string;
  readonly Item: object;
  readonly ConditionExpression?: string;
}
export interface UpdateInput extends Expressions {
  readonly TableName: string;
  readonly Key: Key;
  readonly UpdateExpression: string;
  readonly ConditionExpression?: string;
  readonly ReturnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
}
export interface DeleteInput extends Expressions {
  readonly TableName: string;
  readonly Key: Key;
  readonly ConditionExpression?: string;
}
export interface QueryInput extends Expressions {
  readonly TableName: string;
  readonly KeyConditionExpression: string;
  readonly FilterExpression?: string;
  readonly ProjectionExpression?: string;
  readonly ConsistentRead?: boolean;
  readonly ExclusiveStartKey?: Key;
  readonly Limit?: number;
  readonly ScanIndexForward?: boolean;
  readonly IndexName?: string;
}
export interface BatchGetInput {
  readonly RequestItems: Record<string, { readonly Keys: readonly Key[]; readonly ConsistentRead?: boolean; readonly ProjectionExpression?: string; readonly ExpressionAttributeNames?: Record<string, string> }>;
  readonly ReturnConsumedCapacity?: 'TOTAL' | 'INDEXES' | 'NONE';
}

export interface ConsumedCapacity {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
}

/** The operations Wharf sends, with document shapes in and out. */
export interface DynamoDbDocuments {
  get(input: GetInput): Promise<{ Item?: Item; ConsumedCapacity?: ConsumedCapacity }>;
  put(input: PutInput): Promise<{ ConsumedCapacity?: ConsumedCapacity }>;
  update(input: UpdateInput): Promise<{ Attributes?: Item; ConsumedCapacity?: ConsumedCapacity }>;
  delete(input: DeleteInput): Promise<{ ConsumedCapacity?: ConsumedCapacity }>;
  query(input: QueryInput): Promise<{ Items: Item[]; LastEvaluatedKey?: Key; ConsumedCapacity?: ConsumedCapacity }>;
  batchGet(input: BatchGetInput): Promise<{ Responses: Record<string, Item[]>; UnprocessedKeys: BatchGetInput['RequestItems']; ConsumedCapacity?: ConsumedCapacity[] }>;
  /** Ends the kept-alive connections. */
  destroy(): void;
}

/** Sees (and may change) every call: what tests count and benches ask ConsumedCapacity with. */
export type DynamoDbInterceptor = (
  operation: string,
  input: Record<string, unknown>,
  next: (input: Record<string, unknown>) => Promise<Record<string, unknown>>,
) => Promise<Record<string, unknown>>;

/** How a signed request reaches DynamoDB, when not over HTTP (the local stores, in process). */
export type DynamoDbTransport = (request: {
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}) => Promise<{ readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly body: string }>;

export interface DynamoDbJsonClientOptions {
  /** Region of the table (on Lambda, AWS_REGION). */
  readonly region: string;
  /** `http(s)://host:port`: a local store or DynamoDB Local; DynamoDB's regional endpoint when absent. */
  readonly endpoint?: string;
  readonly credentials: Credentials;
  /** Attempts per call, the first included (the SDK's standard mode: 3). */
  readonly maxAttempts?: number;
  /** An attempt whose socket is silent this long is abandoned (and retried). */
  readonly timeoutMs?: number;
  readonly maxSockets?: number;
  /** Another way to the service than HTTP to `endpoint` (which is still what is signed). */
  readonly transport?: DynamoDbTransport;
}

const RETRIED_TYPES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

/** Whole-jitter exponential backoff, as the SDK's standard retry strategy: 100 ms base, 20 s cap. */
const backoffMs = (attempt: number) => Math.random() * Math.min(20_000, 100 * 2 ** attempt);

function marshallItem(item: Item): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
}

/** The members of a request that hold document values, marshalled to DynamoDB JSON. */
function marshallInput(operation: string, input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const field of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const) {
    if (out[field] !== undefined) out[field] = marshallItem(out[field] as Item);
  }
  if (operation === 'BatchGetItem') {
    const requests = input['RequestItems'] as BatchGetInput['RequestItems'];
    out['RequestItems'] = Object.fromEntries(
      Object.entries(requests).map(([table, request]) => [table, { ...request, Keys: request.Keys.map(marshallItem) }]),
    );
  }
  return out;
}

type Wire = Record<string, AttributeValue>;
const fromWire = (value: unknown) => unmarshall(value as Wire);

function unmarshallOutput(output: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...output };
  for (const field of ['Item', 'Attributes', 'LastEvaluatedKey'] as const) {
    if (out[field] !== undefined) out[field] = fromWire(out[field]);
  }
  if (Array.isArray(out['Items'])) out['Items'] = (out['Items'] as unknown[]).map(fromWire);
  if (out['Responses'] !== undefined) {
    out['Responses'] = Object.fromEntries(
      Object.entries(out['Responses'] as Record<string, unknown[]>).map(([table, items]) => [table, items.map(fromWire)]),
    );
  }
  if (out['UnprocessedKeys'] !== undefined) {
    out['UnprocessedKeys'] = Object.fromEntries(
      Object.entries(out['UnprocessedKeys'] as Record<string, { Keys: unknown[] }>).map(([table, request]) => [
        table,
        { ...request, Keys: request.Keys.map(fromWire) },
      ]),
    );
  }
  return out;
}

const requestIdOf = (headers: Record<string, string | string[] | undefined>): string | undefined => {
  const id = headers['x-amzn-requestid'];
  return Array.isArray(id) ? id[0] : id;
};

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly requestId: string | undefined;
}

export class DynamoDbJsonClient implements DynamoDbDocuments {
  private readonly url: URL;
  private readonly signer: SigV4;
  private readonly agent: HttpAgent;
  private readonly transport: typeof httpRequest;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly interceptors: DynamoDbInterceptor[] = [];
  private readonly custom: DynamoDbTransport | undefined;

  constructor(options: DynamoDbJsonClientOptions) {
    const { region } = options;
    this.url = new URL(options.endpoint ?? `https://dynamodb.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`);
    const https = this.url.protocol === 'https:';
    this.agent = new (https ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: options.maxSockets ?? 50 });
    this.transport = https ? httpsRequest : httpRequest;
    this.signer = new SigV4({ service: 'dynamodb', region, credentials: options.credentials });
    this.maxAttempts = options.maxAttempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.custom = options.transport;
  }

  /** Adds an interceptor, outermost last. */
  use(interceptor: DynamoDbInterceptor): this {
    this.interceptors.push(interceptor);
    return this;
  }

  get(input: GetInput) {
    return this.call('GetItem', input) as ReturnType<DynamoDbDocuments['get']>;
  }
  put(input: PutInput) {
    return this.call('PutItem', input) as ReturnType<DynamoDbDocuments['put']>;
  }
  update(input: UpdateInput) {
    return this.call('UpdateItem', input) as ReturnType<DynamoDbDocuments['update']>;
  }
  delete(input: DeleteInput) {
    return this.call('DeleteItem', input) as ReturnType<DynamoDbDocuments['delete']>;
  }
  async query(input: QueryInput) {
    const out = (await this.call('Query', input)) as Awaited<ReturnType<DynamoDbDocuments['query']>>;
    return { ...out, Items: out.Items ?? [] };
  }
  async batchGet(input: BatchGetInput) {
    const out = (await this.call('BatchGetItem', input)) as Awaited<ReturnType<DynamoDbDocuments['batchGet']>>;
    return { ...out, Responses: out.Responses ?? {}, UnprocessedKeys: out.UnprocessedKeys ?? {} };
  }

  destroy(): void {
    this.agent.destroy();
  }

  /** Any operation by name, document shapes in and out (what `get`, `put`... call). */
  call(operation: string, input: object): Promise<Record<string, unknown>> {
    let next = (i: Record<string, unknown>) => this.attempts(operation, i);
    for (const interceptor of this.interceptors) {
      const inner = next;
      next = (i) => interceptor(operation, i, inner);
    }
    return next(input as Record<string, unknown>);
  }

  private async attempts(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = JSON.stringify(marshallInput(operation, input));
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        answer = await this.post(operation, body);
      } catch (err) {
        // The connection failed or went silent: nothing was answered, so try again.
        if (attempt >= this.maxAttempts) throw err;
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
        continue;
      }
      if (answer.status === 200) return unmarshallOutput(answer.body ? (JSON.parse(answer.body) as Record<string, unknown>) : {});
      const error = this.errorOf(answer);
      if (attempt >= this.maxAttempts || !(answer.status >= 500 || RETRIED_TYPES.has(error.name))) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }

  private errorOf(answer: Answer): DynamoDbError {
    let parsed: { __type?: string; message?: string; Message?: string } = {};
    try {
      parsed = JSON.parse(answer.body) as typeof parsed;
    } catch {
      // Not JSON (a proxy's page): the status says what there is to say.
    }
    const type = parsed.__type?.split('#').pop() || (answer.status >= 500 ? 'InternalServerError' : `HTTP${answer.status}`);
    const message = parsed.message ?? parsed.Message ?? (answer.body.slice(0, 200) || `DynamoDB answered ${answer.status}`);
    return new DynamoDbError(type, message, answer.status, answer.requestId);
  }

  private async post(operation: string, body: string): Promise<Answer> {
    const { url } = this;
    const headers = await this.signer.signHeaders({
      method: 'POST',
      path: url.pathname,
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    });
    const sent = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    if (this.custom) {
      const answer = await this.custom({ method: 'POST', path: url.pathname, headers: sent, body });
      return { status: answer.status, body: answer.body, requestId: requestIdOf(answer.headers) };
    }
    const answer = await exchange(this.transport, {
      agent: this.agent,
      url,
      method: 'POST',
      path: url.pathname,
      headers: sent,
      body,
      timeoutMs: this.timeoutMs,
      timeoutMessage: `DynamoDB did not answer ${operation} within ${this.timeoutMs} ms.`,
    });
    return { status: answer.status, body: answer.text, requestId: requestIdOf(answer.headers) };
  }
}
