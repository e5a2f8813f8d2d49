/**
 * AWS Signature Version 4 with node:crypto: the Authorization header of a DynamoDB call and
 * the query of a presigned S3 URL, the only two signatures Wharf's functions make.
 *
 * Why not @smithy/signature-v4: it imports @smithy/core's barrels, and esbuild's code
 * splitting then places most of @smithy/core in chunks that the entry chunk imports (the S3
 * and Lambda clients, loaded later, share them), so a cold start loaded about 110 KB of SDK
 * code it never ran. What is signed, and how, follows the SigV4 documentation and matches
 * @smithy/signature-v4 byte for byte (test/unit/sigv4.test.ts compares the two), including
 * its order of the presigned query, so the download URLs are the same as before.
 */
import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { rfc3986 } from './s3-keys.ts';

const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** The longest a presigned URL may live: seven days. */
const MAX_PRESIGNED_SECONDS = 604_800;

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface SigningScope {
  readonly service: string;
  readonly region: string;
  readonly credentials: Credentials;
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** `20260102T030405Z` */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .filter((k) => k !== 'X-Amz-Signature')
    .map((k) => [rfc3986(k), rfc3986(query[k]!)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Lower-case names, trimmed values with inner runs of spaces collapsed, sorted. */
function canonicalHeaders(headers: Readonly<Record<string, string>>): { text: string; names: string } {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { text: entries.map(([k, v]) => `${k}:${v}\n`).join(''), names: entries.map(([k]) => k).join(';') };
}

export class SigV4 {
  private cachedKey: { id: string; key: Buffer } | undefined;

  constructor(private readonly scope: SigningScope) {}

  private async credentials(): Promise<AwsCredentialIdentity> {
    const { credentials } = this.scope;
    return typeof credentials === 'function' ? credentials() : credentials;
  }

  private signingKey(credentials: AwsCredentialIdentity, day: string): Buffer {
    const { region, service } = this.scope;
    const id = `${day}\0${credentials.accessKeyId}\0${credentials.secretAccessKey}`;
    if (this.cachedKey?.id === id) return this.cachedKey.key;
    const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), region), service), 'aws4_request');
    this.cachedKey = { id, key };
    return key;
  }

  private signature(credentials: AwsCredentialIdentity, longDate: string, canonicalRequest: string): { signature: string; credentialScope: string } {
    const day = longDate.slice(0, 8);
    const credentialScope = `${day}/${this.scope.region}/${this.scope.service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${longDate}\n${credentialScope}\n${sha256Hex(canonicalRequest)}`;
    return { signature: createHmac('sha256', this.signingKey(credentials, day)).update(stringToSign).digest('hex'), credentialScope };
  }

  /**
   * The headers of a signed request (those given, x-amz-date, x-amz-security-token and
   * authorization). `headers` must name `host`; every header given is signed.
   */
  async signHeaders(request: {
    readonly method: string;
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    readonly signingDate?: Date;
  }): Promise<Record<string, string>> {
    const credentials = await this.credentials();
    const longDate = amzDate(request.signingDate ?? new Date());
    const headers: Record<string, string> = { ...request.headers, 'x-amz-date': longDate };
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const canonical = canonicalHeaders(headers);
    const canonicalRequest = `${request.method}\n${request.path}\n\n${canonical.text}\n${canonical.names}\n${sha256Hex(request.body)}`;
    const { signature, credentialScope } = this.signature(credentials, longDate, canonicalRequest);
    headers['authorization'] = `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${canonical.names}, Signature=${signature}`;
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
    const credentials = await this.credentials();
    const longDate = amzDate(request.signingDate ?? new Date());
    const day = longDate.slice(0, 8);
    const query: Record<string, string> = { ...request.query, 'x-amz-content-sha256': UNSIGNED_PAYLOAD };
    if (credentials.sessionToken) query['X-Amz-Security-Token'] = credentials.sessionToken;
    query['X-Amz-Algorithm'] = ALGORITHM;
    query['X-Amz-Credential'] = `${credentials.accessKeyId}/${day}/${this.scope.region}/${this.scope.service}/aws4_request`;
    query['X-Amz-Date'] = longDate;
    query['X-Amz-Expires'] = String(request.expiresIn);
    query['X-Amz-SignedHeaders'] = 'host';
    const canonicalRequest = `${request.method}\n${request.path}\n${canonicalQuery(query)}\nhost:${request.host.trim()}\n\nhost\n${UNSIGNED_PAYLOAD}`;
    query['X-Amz-Signature'] = this.signature(credentials, longDate, canonicalRequest).signature;
    return Object.entries(query)
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
      .join('&');
  }
}
