/**
 * AWS Signature Version 4 for the two signatures Wharf's functions make: the Authorization
 * header of a DynamoDB call and the query of a presigned S3 URL. The signing itself is aws4's
 * (the small, dependency-free signer of Node requests that dynalite's author keeps); this
 * wraps it in the shape Wharf's clients use.
 *
 * Why not @smithy/signature-v4: it imports @smithy/core's barrels, and esbuild's code
 * splitting then places most of @smithy/core in chunks that the entry chunk imports (the S3
 * and Lambda clients, loaded later, share them), so a cold start loaded about 110 KB of SDK
 * code it never ran. test/unit/sigv4.test.ts checks the signatures against
 * @smithy/signature-v4's for the same requests.
 */
import aws4 from 'aws4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { rfc3986 } from './s3-keys.ts';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** The longest a presigned URL may live: seven days. */
const MAX_PRESIGNED_SECONDS = 604_800;

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface SigningScope {
  readonly service: string;
  readonly region: string;
  readonly credentials: Credentials;
}

/** `20260102T030405Z` */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

let lastSecond = -1;
let lastAmzDate = '';

/** amzDate of now, formatted once a second. */
function amzDateNow(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== lastSecond) {
    lastAmzDate = amzDate(new Date(second * 1000));
    lastSecond = second;
  }
  return lastAmzDate;
}

/** Requests up to this size are remembered with their signature for the rest of the second. */
const MEMO_BODY_BYTES = 4096;
const MEMO_ENTRIES = 256;

export class SigV4 {
  /**
   * Signatures made this second, by request: the same request signed again within the
   * second (x-amz-date has a resolution of a second) has the same signature, and a warm
   * function asks for the same small items (a project's serial) request after request.
   */
  private readonly memo = new Map<string, Record<string, string>>();
  private memoDate = '';

  constructor(private readonly scope: SigningScope) {}

  private async credentials(): Promise<AwsCredentialIdentity> {
    const { credentials } = this.scope;
    return typeof credentials === 'function' ? credentials() : credentials;
  }

  private async keys(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
    const { accessKeyId, secretAccessKey, sessionToken } = await this.credentials();
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }

  /**
   * The headers of a signed request: those given (all signed), and x-amz-date,
   * x-amz-security-token and authorization. `headers` must name `host`.
   */
  async signHeaders(request: {
    readonly method: string;
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    readonly signingDate?: Date;
  }): Promise<Record<string, string>> {
    const { host, ...rest } = request.headers;
    if (!host) throw new Error('A signed request must name its host.');
    const date = request.signingDate ? amzDate(request.signingDate) : amzDateNow();
    const keys = await this.keys();
    let memoKey: string | undefined;
    if (request.signingDate === undefined && request.body.length <= MEMO_BODY_BYTES) {
      if (date !== this.memoDate) {
        this.memo.clear();
        this.memoDate = date;
      }
      memoKey = [keys.accessKeyId, keys.secretAccessKey, keys.sessionToken ?? '', request.method, request.path, host, JSON.stringify(rest), request.body].join('\n');
      const known = this.memo.get(memoKey);
      if (known) return { ...known };
    }
    const signed = aws4.sign(
      {
        method: request.method,
        host,
        path: request.path,
        service: this.scope.service,
        region: this.scope.region,
        body: request.body,
        // aws4 also signs Content-Length (the body's), which the client sends as it is.
        headers: { ...rest, 'X-Amz-Date': date },
      },
      keys,
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers ?? {})) headers[name.toLowerCase()] = String(value);
    if (memoKey !== undefined) {
      if (this.memo.size >= MEMO_ENTRIES) this.memo.clear();
      this.memo.set(memoKey, headers);
      return { ...headers };
    }
    return headers;
  }

  /**
   * The query string of a presigned URL that signs only `host`, with an unsigned payload.
   * `path` is as sent (already encoded, as S3 signs it).
   */
  async presignQuery(request: {
    readonly method: string;
    readonly host: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly expiresIn: number;
    readonly signingDate?: Date;
  }): Promise<string> {
    if (request.expiresIn > MAX_PRESIGNED_SECONDS) {
      throw new Error('Signature version 4 presigned URLs must have an expiration date less than one week in the future');
    }
    const query = Object.entries({
      ...request.query,
      // As the SDK's presigned URLs carry it (S3 does not need it: aws4 signs the payload
      // as unsigned either way).
      'x-amz-content-sha256': UNSIGNED_PAYLOAD,
      'X-Amz-Date': amzDate(request.signingDate ?? new Date()),
      'X-Amz-Expires': String(request.expiresIn),
    })
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
      .join('&');
    const signed = aws4.sign(
      { method: request.method, host: request.host, path: `${request.path}?${query}`, service: this.scope.service, region: this.scope.region, signQuery: true },
      await this.keys(),
    );
    const path = signed.path ?? '';
    return path.slice(path.indexOf('?') + 1);
  }
}
