/**
 * PutObject of a small body as one signed HTTP request, path-style, without the AWS SDK's
 * middleware stack: what `wharf import` into the local stores uses for the two objects of
 * every file (the file and its `.metadata`).
 *
 * Why: there the import shares the machine's cores with the server, so its CPU per file
 * bounds the rate, and the SDK's S3 client spends about 1 ms of CPU on each PutObject
 * (endpoint rules, a dozen middlewares, its signer), against a fifth of that here. Against
 * a deployed bucket the import waits on the network instead, so it keeps the SDK there
 * (regional endpoints, redirects, its credential refresh and retry rules).
 *
 * Signed as the SDK signs a PutObject over http: the payload's sha256 in
 * x-amz-content-sha256, every header sent signed. test/integration/s3-direct-put.test.ts
 * checks it against the local store's signature check.
 */
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { BlobStore, PutBlobOptions } from '../app/ports.ts';
import { exchange } from './http-exchange.ts';
import { keyPath } from './s3-keys.ts';
import { type Credentials, SigV4 } from './sigv4.ts';

export interface SignedS3PutOptions {
  /** The S3 endpoint, addressed path-style: `${endpoint}/${bucket}/${key}`. */
  readonly endpoint: string;
  readonly bucketName: string;
  readonly region: string;
  readonly credentials: Credentials;
  /** @default 3 */
  readonly maxAttempts?: number;
  /** @default 60_000 */
  readonly timeoutMs?: number;
}

export class S3PutError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

const backoffMs = (attempt: number) => Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);

export class SignedS3Put {
  private readonly url: URL;
  private readonly signer: SigV4;
  private readonly agent: Agent;
  private readonly transport: typeof httpRequest;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: SignedS3PutOptions) {
    this.url = new URL(options.endpoint);
    const https = this.url.protocol === 'https:';
    this.agent = new (https ? HttpsAgent : Agent)({ keepAlive: true, maxSockets: 50 });
    this.transport = https ? httpsRequest : httpRequest;
    this.signer = new SigV4({ service: 's3', region: options.region, credentials: options.credentials });
    this.maxAttempts = options.maxAttempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async put(key: string, body: Uint8Array, options: PutBlobOptions): Promise<void> {
    const base = this.url.pathname.replace(/\/+$/, '');
    const path = `${base}/${this.options.bucketName}/${keyPath(key)}`;
    const sha256 = createHash('sha256').update(body).digest('hex');
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let text: string;
      try {
        const headers = await this.signer.signHeaders({
          method: 'PUT',
          path,
          headers: {
            host: this.url.host,
            'content-type': options.contentType,
            ...(options.cacheControl ? { 'cache-control': options.cacheControl } : {}),
            'content-length': String(body.byteLength),
            'x-amz-content-sha256': sha256,
          },
          body: '',
        });
        ({ status, text } = await this.send(path, headers, body));
      } catch (err) {
        // The connection failed or went silent: nothing was stored for certain, and a PUT
        // of the same bytes to the same key may be sent again.
        if (attempt >= this.maxAttempts) throw err;
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
        continue;
      }
      if (status >= 200 && status < 300) return;
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? (status >= 500 ? 'InternalError' : `HTTP${status}`);
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? `S3 answered ${status} to PutObject of ${key}`;
      if (attempt >= this.maxAttempts || !(status >= 500 || code === 'SlowDown' || code === 'RequestTimeout')) {
        throw new S3PutError(code, `PutObject of ${key}: ${message}`, status);
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }

  destroy(): void {
    this.agent.destroy();
  }

  private send(path: string, headers: Record<string, string>, body: Uint8Array): Promise<{ status: number; text: string }> {
    return exchange(this.transport, {
      agent: this.agent,
      url: this.url,
      method: 'PUT',
      path,
      headers,
      body,
      timeoutMs: this.timeoutMs,
      timeoutMessage: `S3 did not answer a PutObject within ${this.timeoutMs} ms.`,
    });
  }
}

/** A BlobStore whose puts are SignedS3Put's; deletes and existence checks go to `rest`. */
export function withSignedPuts(rest: BlobStore, puts: SignedS3Put): BlobStore {
  return {
    put: (key, body, options) => puts.put(key, body, options),
    delete: (key) => rest.delete(key),
    exists: (key) => rest.exists(key),
  };
}
