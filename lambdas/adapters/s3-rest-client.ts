/**
 * The S3 object calls of Wharf's file adapters (s3-objects.ts) as plain signed REST
 * requests over a keep-alive agent, without the AWS SDK: what every function that touches
 * the bucket, the local server and `wharf import` into the local stores send.
 *
 * Why not @aws-sdk/client-s3: its client (the smithy middleware stack, the endpoint rules,
 * the XML serde, the checksum plugins) was about 240 KB of the verifier's 377 KB cold start
 * and half its module init, and its PutObject cost `wharf import` more CPU per file than
 * the rest of the import (`npm run bench -- --bundles-only`). The ten calls here are
 * small and stable, as DynamoDB's are (dynamodb-json-client.ts).
 *
 * - Addressing: virtual-hosted `https://{bucket}.s3.{region}.amazonaws.com/{key}`, as the
 *   download URLs are (s3-url-signer.ts); path-style under an endpoint override (the local
 *   store, MinIO) or for a bucket name with a dot (which a virtual host's TLS name cannot
 *   carry).
 * - Signing: SigV4 in the Authorization header (sigv4.ts), with the payload's SHA-256 in
 *   x-amz-content-sha256, so S3 refuses bytes other than the ones signed.
 * - Errors: S3's `<Error><Code>` becomes the thrown error's name. CopyObject and
 *   CompleteMultipartUpload can fail after S3 answered 200 (the error is in the body), and
 *   are read for it.
 * - Retries as the SDK's standard mode: up to 3 attempts with jittered backoff, on network
 *   errors, 5xx, SlowDown and RequestTimeout; each attempt signed anew. Every call here is
 *   idempotent (a PUT or a copy of the same bytes to the same key, a DELETE, a read), except
 *   CreateMultipartUpload, whose unused extra upload the bucket's lifecycle rule aborts.
 */
import { createHash } from 'node:crypto';
import { Agent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { open, textOf } from './http-exchange.ts';
import type { ObjectHeaders, ObjectInfo, ObjectPage, S3Objects } from './s3-objects.ts';
import { copySource, keyPath, rfc3986 } from './s3-keys.ts';
import { type Credentials, SigV4 } from './sigv4.ts';

export interface S3RestClientOptions {
  readonly bucketName: string;
  readonly region: string;
  readonly credentials: Credentials;
  /**
   * An S3-compatible endpoint, addressed path-style: `${endpoint}/${bucket}/${key}`.
   * @default - S3's regional endpoint, virtual-hosted
   */
  readonly endpoint?: string;
  /** Attempts per call, the first included. @default 3 */
  readonly maxAttempts?: number;
  /**
   * An attempt whose socket is silent this long fails. S3 keeps a long CopyObject's
   * connection alive with whitespace, so this bounds silence, not a copy's length.
   * @default 120_000
   */
  readonly timeoutMs?: number;
  /** @default 50 */
  readonly maxSockets?: number;
}

/** A refusal from S3: `name` is its error code (NoSuchBucket, InvalidPart, ...). */
export class S3RestError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const RETRIED_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable']);
const backoffMs = (attempt: number) => Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The code and message of an S3 error document, if `text` is one. */
function errorDocument(text: string): { code: string; message: string } | undefined {
  if (!/<Error>/.test(text)) return undefined;
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'InternalError';
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
  return { code, message: unescapeXml(message) };
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** XML text as read: the five named entities and character references (`&#38;`, `&#x26;`). */
const unescapeXml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, name: string) =>
    name.startsWith('#x') ? String.fromCodePoint(Number.parseInt(name.slice(2), 16)) : name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : XML_ENTITIES[name]!,
  );
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** What an error answer without a document (a HEAD's) is called, as the SDK calls it. */
function codeOfStatus(status: number): string {
  if (status === 404) return 'NotFound';
  if (status === 403) return 'Forbidden';
  if (status === 400) return 'BadRequest';
  return status >= 500 ? 'InternalError' : `HTTP${status}`;
}

interface Call {
  /** The operation's name, for messages: "PutObject of files/x.whl". */
  readonly operation: string;
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  readonly key: string;
  /** What messages name, when not the key (a listing's prefix). */
  readonly subject?: string;
  /** Already encoded, without the `?`: `uploads`, `uploadId=...`. */
  readonly query?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | string;
}

export class S3RestClient implements S3Objects {
  private readonly url: URL;
  private readonly base: string;
  private readonly signer: SigV4;
  private readonly agent: Agent;
  private readonly transport: typeof httpRequest;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: S3RestClientOptions) {
    const { bucketName, region } = options;
    const pathStyle = options.endpoint !== undefined || bucketName.includes('.');
    this.url = new URL(options.endpoint ?? (pathStyle ? `https://s3.${region}.amazonaws.com` : `https://${bucketName}.s3.${region}.amazonaws.com`));
    this.base = pathStyle ? `${this.url.pathname.replace(/\/+$/, '')}/${rfc3986(bucketName)}` : '';
    const https = this.url.protocol === 'https:';
    this.agent = new (https ? HttpsAgent : Agent)({ keepAlive: true, maxSockets: options.maxSockets ?? 50 });
    this.transport = https ? httpsRequest : httpRequest;
    this.signer = new SigV4({ service: 's3', region, credentials: options.credentials });
    this.maxAttempts = options.maxAttempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  async put(key: string, body: Uint8Array, headers: ObjectHeaders): Promise<void> {
    await this.send({ operation: 'PutObject', method: 'PUT', key, headers: objectHeaders(headers), body });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const { headers } = await this.send({ operation: 'HeadObject', method: 'HEAD', key });
      const modified = headers['last-modified'] ? new Date(headers['last-modified']) : undefined;
      const versionId = headers['x-amz-version-id'];
      return {
        size: Number(headers['content-length'] ?? 0),
        etag: String(headers['etag'] ?? ''),
        ...(modified && !Number.isNaN(modified.getTime()) ? { lastModified: modified } : {}),
        ...(typeof versionId === 'string' && versionId !== '' ? { versionId } : {}),
      };
    } catch (err) {
      if (err instanceof S3RestError && err.status === 404) return undefined;
      throw err;
    }
  }

  async get(key: string, range?: { offset: number; length: number }): Promise<AsyncIterable<Uint8Array>> {
    const headers = range ? { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : undefined;
    return this.stream({ operation: 'GetObject', method: 'GET', key, ...(headers ? { headers } : {}) });
  }

  async copy(from: string, to: string, headers: ObjectHeaders): Promise<void> {
    await this.send({
      operation: 'CopyObject',
      method: 'PUT',
      key: to,
      headers: { 'x-amz-copy-source': copySource(this.options.bucketName, from), 'x-amz-metadata-directive': 'REPLACE', ...objectHeaders(headers) },
    });
  }

  async delete(key: string, versionId?: string): Promise<void> {
    await this.send({ operation: 'DeleteObject', method: 'DELETE', key, ...(versionId !== undefined ? { query: `versionId=${rfc3986(versionId)}` } : {}) });
  }

  async startMultipart(key: string, headers: ObjectHeaders): Promise<string> {
    const { text } = await this.send({ operation: 'CreateMultipartUpload', method: 'POST', key, query: 'uploads', headers: objectHeaders(headers) });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
    if (!uploadId) throw new Error(`S3 started no multipart upload for ${key}: ${text.slice(0, 200)}`);
    return unescapeXml(uploadId);
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const { headers } = await this.send({ operation: 'UploadPart', method: 'PUT', key, query: `partNumber=${partNumber}&uploadId=${rfc3986(uploadId)}`, body });
    const etag = headers['etag'];
    if (typeof etag !== 'string' || etag === '') throw new Error(`S3 answered part ${partNumber} of ${key} without an ETag`);
    return etag;
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void> {
    const body =
      '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join('') +
      '</CompleteMultipartUpload>';
    await this.send({ operation: 'CompleteMultipartUpload', method: 'POST', key, query: `uploadId=${rfc3986(uploadId)}`, headers: { 'content-type': 'application/xml' }, body });
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.send({ operation: 'AbortMultipartUpload', method: 'DELETE', key, query: `uploadId=${rfc3986(uploadId)}` });
  }

  async listPage(prefix: string, page: { pageSize?: number; token?: string } = {}): Promise<ObjectPage> {
    const query =
      `list-type=2&prefix=${rfc3986(prefix)}` +
      (page.pageSize !== undefined ? `&max-keys=${page.pageSize}` : '') +
      (page.token ? `&continuation-token=${rfc3986(page.token)}` : '');
    const { text } = await this.send({ operation: 'ListObjectsV2', method: 'GET', key: '', subject: `prefix ${prefix}`, query });
    const objects: { key: string; lastModified?: Date }[] = [];
    for (const [, contents] of text.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = /<Key>([^<]*)<\/Key>/.exec(contents!)?.[1];
      if (key === undefined) continue;
      const modified = /<LastModified>([^<]+)<\/LastModified>/.exec(contents!)?.[1];
      const lastModified = modified ? new Date(modified) : undefined;
      objects.push({ key: unescapeXml(key), ...(lastModified && !Number.isNaN(lastModified.getTime()) ? { lastModified } : {}) });
    }
    const next = /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(text)?.[1];
    return { objects, ...(/<IsTruncated>true<\/IsTruncated>/.test(text) && next ? { next: unescapeXml(next) } : {}) };
  }

  /** Where a key's object is, as this client addresses it. */
  objectUrl(key: string): string {
    return `${this.url.origin}${this.base}/${keyPath(key)}`;
  }

  /** Ends the kept-alive connections. */
  destroy(): void {
    this.agent.destroy();
  }

  /** One call, answered in full; an error answer (or a 200 carrying one) is thrown. */
  private send(call: Call): Promise<{ headers: IncomingMessage['headers']; text: string }> {
    return this.attempts(call, false);
  }

  /** A GET whose body is handed over as it arrives; failures before the body are retried. */
  private stream(call: Call): Promise<AsyncIterable<Uint8Array>> {
    return this.attempts(call, true);
  }

  /** The call, attempted up to `maxAttempts` times by the retry rules above. */
  private async attempts(call: Call, streamed: true): Promise<IncomingMessage>;
  private async attempts(call: Call, streamed: false): Promise<{ headers: IncomingMessage['headers']; text: string }>;
  private async attempts(call: Call, streamed: boolean): Promise<IncomingMessage | { headers: IncomingMessage['headers']; text: string }> {
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let headers: IncomingMessage['headers'];
      let text: string;
      try {
        const res = await open(this.transport, await this.request(call));
        status = res.statusCode ?? 0;
        if (streamed && status >= 200 && status < 300) return res;
        headers = res.headers;
        text = await textOf(res);
      } catch (err) {
        // The connection failed or went silent: every call here may be sent again.
        if (attempt >= this.maxAttempts) throw err;
        await sleep(backoffMs(attempt));
        continue;
      }
      const failure =
        status >= 200 && status < 300
          ? // CopyObject and CompleteMultipartUpload answer 200 before they are done.
            call.method === 'PUT' || call.method === 'POST'
            ? errorDocument(text)
            : undefined
          : (errorDocument(text) ?? { code: codeOfStatus(status), message: '' });
      if (!failure) return { headers, text };
      // An error after a 200 is retried only when its code says so (InternalError, SlowDown).
      if (attempt < this.maxAttempts && (status >= 500 || RETRIED_CODES.has(failure.code))) {
        await sleep(backoffMs(attempt));
        continue;
      }
      throw this.refusal(call, failure, status);
    }
  }

  private refusal(call: Call, failure: { code: string; message: string }, status: number): S3RestError {
    const why = failure.message || `S3 answered ${status} (${failure.code})`;
    return new S3RestError(failure.code, `${call.operation} of ${call.subject ?? call.key}: ${why}`, status);
  }

  private async request(call: Call) {
    const path = `${this.base}/${keyPath(call.key)}${call.query ? `?${call.query}` : ''}`;
    const body = call.body ?? '';
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const headers = await this.signer.signHeaders({
      method: call.method,
      path,
      headers: {
        host: this.url.host,
        ...call.headers,
        ...(bytes.byteLength > 0 || call.method === 'PUT' || call.method === 'POST' ? { 'content-length': String(bytes.byteLength) } : {}),
        'x-amz-content-sha256': bytes.byteLength > 0 ? createHash('sha256').update(bytes).digest('hex') : EMPTY_SHA256,
      },
      // The payload is signed by its hash above; aws4 takes that instead of hashing again.
      body: '',
    });
    return {
      agent: this.agent,
      url: this.url,
      method: call.method,
      path,
      headers,
      body: bytes,
      timeoutMs: this.timeoutMs,
      timeoutMessage: `S3 was silent for ${this.timeoutMs} ms during ${call.operation} of ${call.subject ?? call.key}.`,
    };
  }
}

function objectHeaders(headers: ObjectHeaders): Record<string, string> {
  return { 'content-type': headers.contentType, ...(headers.cacheControl ? { 'cache-control': headers.cacheControl } : {}) };
}
