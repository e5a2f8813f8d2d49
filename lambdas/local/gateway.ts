/**
 * A local stand-in for API Gateway (HTTP API, payload format 2.0): matches a request to a
 * route of lambdas/config/functions.ts, builds the event API Gateway would send, invokes the same
 * handler the Lambda runs, and writes its result. Platform limits are enforced the same way.
 */
import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionName } from '../config/functions.ts';
import type { WharfLambdaHandler } from '../http/lambda-handler.ts';

/** API Gateway HTTP API's maximum request payload. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** Lambda's synchronous invoke payload limit: the event (body base64-encoded) must fit. */
export const MAX_INVOKE_PAYLOAD_BYTES = 6_291_456;

interface CompiledRoute {
  readonly functionName: FunctionName;
  readonly method: string;
  readonly pattern: RegExp;
  /** API Gateway prefers literal segments over parameters over greedy paths. */
  readonly rank: number;
}

function compileRoutes(): CompiledRoute[] {
  const routes: CompiledRoute[] = [];
  for (const [functionName, spec] of Object.entries(FUNCTIONS) as [FunctionName, (typeof FUNCTIONS)[FunctionName]][]) {
    for (const route of spec.routes) {
      let rank = 0;
      const source = route.path
        .split('/')
        .map((segment) => {
          if (/^\{[^}]+\+\}$/.test(segment)) return '.+';
          if (/^\{[^}]+\}$/.test(segment)) {
            rank += 1;
            return '[^/]+';
          }
          rank += 2;
          return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('/');
      routes.push({ functionName, method: route.method, pattern: new RegExp(`^${source}$`), rank });
    }
  }
  return routes.sort((a, b) => b.rank - a.rank);
}

const ROUTES = compileRoutes();

/** Routes of recent paths: a client asks for the same few pages again and again. */
const routeMemo = new Map<string, FunctionName | null>();
const ROUTE_MEMO_ENTRIES = 4096;

export function matchRoute(method: string, path: string): FunctionName | undefined {
  const key = `${method} ${path}`;
  const known = routeMemo.get(key);
  if (known !== undefined) return known ?? undefined;
  const functionName = ROUTES.find((r) => r.method === method && r.pattern.test(path))?.functionName;
  if (routeMemo.size >= ROUTE_MEMO_ENTRIES) routeMemo.clear();
  routeMemo.set(key, functionName ?? null);
  return functionName;
}

/**
 * The bytes of recent large answer bodies, by the body string: a kept page comes back from
 * the handler as the same string, and writing a Buffer spares Node encoding it again for
 * the socket (API Gateway turns the function's JSON answer into bytes once per request too,
 * but not on this machine's CPU). Least recently used go first.
 */
class EncodedBodies {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly minLength: number,
    private readonly maxBytes: number,
  ) {}

  get(body: string, encoding: 'utf8' | 'base64'): Buffer | string {
    if (body.length < this.minLength) return body;
    const key = encoding === 'utf8' ? body : `base64:${body}`;
    let bytes = this.entries.get(key);
    if (bytes) {
      this.entries.delete(key);
    } else {
      bytes = Buffer.from(body, encoding);
      if (bytes.length > this.maxBytes / 4) return bytes;
      this.bytes += bytes.length;
      for (const [oldest, kept] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(oldest);
        this.bytes -= kept.length;
      }
    }
    this.entries.set(key, bytes);
    return bytes;
  }
}

/** The Lambda context a local invoke gets: one object, its methods shared, per request. */
class LocalContext implements Context {
  callbackWaitsForEmptyEventLoop = false;
  readonly functionVersion = '$LATEST';
  readonly memoryLimitInMB = '1024';
  readonly logStreamName = 'local';
  readonly functionName: string;
  readonly invokedFunctionArn: string;
  readonly logGroupName: string;
  private readonly deadline = Date.now() + 29_000;

  constructor(
    functionName: string,
    readonly awsRequestId: string,
  ) {
    this.functionName = `wharf-${functionName}`;
    this.invokedFunctionArn = `arn:aws:lambda:local:000000000000:function:wharf-${functionName}`;
    this.logGroupName = `/aws/lambda/wharf-${functionName}`;
  }

  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  done(): void {}

  fail(): void {}

  succeed(): void {}
}

/**
 * Whether the invoke payload (the event as JSON) is over Lambda's limit. Without a body it
 * never is: headers and request line together are at most twice Node's maxHeaderSize, so
 * the event is serialized only when its body brings it near the limit.
 */
function overInvokeLimit(event: APIGatewayProxyEventV2): boolean {
  const bodyBytes = event.body?.length ?? 0;
  if (bodyBytes + 4 * maxHeaderSize + 64 * 1024 < MAX_INVOKE_PAYLOAD_BYTES) return false;
  return Buffer.byteLength(JSON.stringify(event)) > MAX_INVOKE_PAYLOAD_BYTES;
}

/**
 * The request body, or 'too-large' past API Gateway's limit. Past the limit the rest is
 * read and dropped rather than the request destroyed, so the 413 reaches a client that is
 * still sending.
 */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        settled = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
  });
}

const EMPTY_BODY = Buffer.alloc(0);

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Every answer of the local server carries this, its own errors included. */
export const NOSNIFF = { 'x-content-type-options': 'nosniff' } as const;

export function sendText(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...NOSNIFF, ...headers });
  res.end(`${message}\n`);
}

export type RequestTarget =
  | { readonly ok: true; readonly path: string; readonly rawQueryString: string }
  | { readonly ok: false; readonly message: string };

/**
 * The one path that routing and the handler both see. A dot segment (`.` or `..`, also
 * percent-encoded as `%2e`) is refused rather than resolved: a client that means
 * `/api/tokens` can say so, and resolving would let a path that looks like a read reach
 * the admin function. Empty segments (`//`) are merged, as a sloppy base URL makes them.
 * Percent-encoding stays as sent (the handlers decode each segment themselves).
 */
export function parseRequestTarget(target: string): RequestTarget {
  if (!target.startsWith('/')) {
    return { ok: false, message: `Bad Request: the request target must be a path starting with "/", not ${JSON.stringify(target.slice(0, 100))}.` };
  }
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQueryString = q < 0 ? '' : target.slice(q + 1);
  // Only a segment with a dot or a percent sign can be a dot segment.
  const segments = /[.%]/.test(rawPath) ? rawPath.split('/').slice(1) : [];
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, message: `Bad Request: the path segment ${JSON.stringify(segment)} is not valid percent-encoding.` };
    }
    if (decoded === '.' || decoded === '..') {
      return {
        ok: false,
        message: `Bad Request: the path ${JSON.stringify(rawPath)} has a dot segment (${JSON.stringify(segment)}). Wharf does not resolve "." or ".." in paths: send the path you mean.`,
      };
    }
  }
  const path = rawPath.includes('//') ? rawPath.replace(/\/{2,}/g, '/') : rawPath;
  return { ok: true, path, rawQueryString };
}

export function createGateway(handlers: Record<FunctionName, WharfLambdaHandler>) {
  const encodedBodies = new EncodedBodies(4096, 32 * 1024 * 1024);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = parseRequestTarget(req.url ?? '/');
    if (!target.ok) {
      req.resume();
      sendText(res, 400, target.message);
      return;
    }
    const { path, rawQueryString } = target;
    const method = (req.method ?? 'GET').toUpperCase();
    const functionName = matchRoute(method, path);
    if (!functionName) {
      // What API Gateway answers for a route it does not have.
      req.resume();
      sendText(res, 404, `Not Found: no route for ${method} ${path}.`);
      return;
    }
    // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112
    // §6.3): a GET is answered without waiting for the end of a stream that has nothing.
    const body = hasBody(req) ? await readBody(req) : EMPTY_BODY;
    if (body === EMPTY_BODY) req.resume();
    if (body === 'too-large') {
      // What API Gateway answers, word for word.
      // The rest of the body is still on its way: answer, then close the connection.
      sendText(res, 413, `HTTP content length exceeded ${MAX_REQUEST_BYTES} bytes.`, { connection: 'close' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === 'cookie') continue;
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    // As API Gateway sets them: how the client reached the API (absolute URLs in the JSON API).
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
    const requestId = randomUUID();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString,
      headers,
      ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
      ...(rawQueryString
        ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }
        : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers['host'] ?? 'localhost',
        domainPrefix: 'localhost',
        http: {
          method,
          path,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: '$default',
        stage: '$default',
        time: new Date().toISOString(),
        timeEpoch: Date.now(),
      },
      isBase64Encoded: body.length > 0,
      ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    };
    if (overInvokeLimit(event)) {
      // Lambda refuses the invoke and API Gateway answers this, without calling Wharf.
      res.writeHead(413, { 'content-type': 'application/json', ...NOSNIFF });
      res.end('{"message":"Request Too Long"}');
      return;
    }
    let result;
    try {
      result = await handlers[functionName](event, new LocalContext(functionName, requestId));
    } catch (err) {
      console.error(err);
      sendText(res, 500, 'Internal Server Error');
      return;
    }
    const responseHeaders: Record<string, string | string[]> = { ...NOSNIFF, ...(result.headers ?? {}) } as Record<string, string>;
    if (result.cookies?.length) responseHeaders['set-cookie'] = result.cookies;
    const encoding = result.isBase64Encoded ? 'base64' : 'utf8';
    const payload = encodedBodies.get(result.body ?? '', encoding);
    responseHeaders['content-length'] = String(typeof payload === 'string' ? Buffer.byteLength(payload, encoding) : payload.length);
    res.writeHead(result.statusCode ?? 200, responseHeaders);
    if (method === 'HEAD' || payload.length === 0) res.end();
    else if (typeof payload === 'string') res.end(payload, encoding);
    else res.end(payload);
  };
}

/** What Node's parser found wrong, in words, by its error code. */
function clientErrorAnswer(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `The request's headers are larger than the ${maxHeaderSize} bytes this server reads.` };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request did not arrive in time.' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, message: 'The request line has an unknown method.' };
    case 'HPE_INVALID_URL':
      return { status: 400, message: 'The request line has an invalid request target.' };
    case 'HPE_INVALID_VERSION':
      return { status: 400, message: 'The request line has an invalid HTTP version.' };
    case 'HPE_INVALID_HEADER_TOKEN':
      return { status: 400, message: 'A request header has an invalid name or value.' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, message: 'The request has an invalid Content-Length.' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, message: 'The request has an invalid Transfer-Encoding or chunk.' };
    default:
      return { status: 400, message: `The request is not valid HTTP/1.1 (${code ?? 'unknown error'}).` };
  }
}

/**
 * The server's `clientError` handler: Node's own answer to a request it cannot parse has
 * no body, and a user behind a proxy sees only the status. This one says what happened.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const pending = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, message } = clientErrorAnswer(err.code);
  const body = `${STATUS_CODES[status] ?? 'Bad Request'}: ${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'content-type: text/plain; charset=utf-8\r\n' +
      'cache-control: no-store\r\n' +
      'x-content-type-options: nosniff\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}
