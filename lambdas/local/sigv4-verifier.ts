/**
 * AWS Signature Version 4, checked the way S3 and DynamoDB check it, for the embedded
 * stores: neither dynalite nor s3rver checks a signature, so without this anyone on the
 * machine who finds their port reads private files and writes tokens. The signature is
 * recomputed with @smithy/signature-v4, the signer the SDK itself uses, from what the
 * request says it signed; a request is let through only when the two agree.
 *
 * A header-signed request is first checked against a canonical request built here with
 * node:crypto (the same rules: method, path as S3 signs it, sorted escaped query, the signed
 * headers trimmed, the payload's hash), which costs a tenth of the SDK signer's 140 µs; only
 * when that does not match is the SDK's signer asked, so a request is never refused on this
 * shortcut's account, and a match proves what a match of the SDK's would: that the holder of
 * the key signed exactly these parts of this request. `wharf import` sends a dozen signed
 * requests per file to these fronts.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { QueryParameterBag } from '@smithy/types';
import { NodeSha256 } from '../adapters/node-sha256.ts';

export interface StoreCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A fresh key pair, in the shape of AWS's (20-character id, 40-character secret). */
export function generateStoreCredentials(): StoreCredentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(15)].map((b) => alphabet[b % 32]).join('');
  return { accessKeyId: `AKWH${id.slice(0, 16)}`, secretAccessKey: randomBytes(30).toString('base64') };
}

export type Refusal =
  /** No Authorization header and no presigned query. */
  | 'missing'
  /** Both an Authorization header and a presigned query. */
  | 'both'
  | 'malformed'
  | 'unknown-key'
  | 'mismatch'
  | 'expired'
  | 'skewed';

export type Verdict = { readonly ok: true; readonly presigned: boolean } | { readonly ok: false; readonly refusal: Refusal; readonly message: string };

export interface SignedRequest {
  readonly method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The body, where the service signs its hash (DynamoDB); S3 signs x-amz-content-sha256. */
  readonly body?: Uint8Array;
}

/** S3 and DynamoDB both allow 15 minutes between the signer's clock and theirs. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** The longest a presigned URL may live: seven days. */
const MAX_EXPIRES_SECONDS = 604_800;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';

function refuse(refusal: Refusal, message: string): Verdict {
  return { ok: false, refusal, message };
}

/** `20260101T120000Z` to a Date, or undefined. */
function parseAmzDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** The query as the signer wants it: decoded names and values, repeated names as arrays. */
function parseQuery(raw: string): QueryParameterBag | undefined {
  const query: Record<string, string | string[]> = {};
  if (raw === '') return query;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return undefined;
    }
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else query[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

/** RFC 3986 escaping, as the SDK's signer escapes query names and values. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export class SigV4Verifier {
  private readonly signer: SignatureV4;

  constructor(
    private readonly credentials: StoreCredentials,
    private readonly region: string,
    private readonly service: 's3' | 'dynamodb',
  ) {
    this.signer = new SignatureV4({
      service,
      region,
      credentials,
      sha256: NodeSha256,
      // S3 signs the path as sent; every other service escapes it a second time.
      uriEscapePath: service !== 's3',
      // Recompute only what the client signed; never add a header of our own.
      applyChecksum: false,
    });
  }

  get accessKeyId(): string {
    return this.credentials.accessKeyId;
  }

  async verify(request: SignedRequest, now: number = Date.now()): Promise<Verdict> {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const query = parseQuery(q < 0 ? '' : request.url.slice(q + 1));
    if (!query) return refuse('malformed', 'The query string is not valid percent-encoding.');
    const authorization = headerValue(request.headers, 'authorization');
    const presigned = 'X-Amz-Signature' in query || 'X-Amz-Algorithm' in query;
    if (presigned && authorization !== undefined) {
      return refuse(
        'both',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    if (presigned) return this.verifyPresigned(request, path, query, now);
    if (authorization === undefined) return refuse('missing', 'Request is missing Authentication Token');
    return this.verifyHeader(request, authorization, path, query, now);
  }

  /** Checks a credential scope `KEY/DATE/REGION/SERVICE/aws4_request` against ours. */
  private checkScope(credential: string | undefined, signedAt: Date): Verdict | undefined {
    const parts = (credential ?? '').split('/');
    if (parts.length !== 5 || parts[4] !== 'aws4_request') return refuse('malformed', `Credential scope "${credential ?? ''}" is not KEY/DATE/REGION/SERVICE/aws4_request.`);
    if (parts[0] !== this.credentials.accessKeyId) {
      return refuse('unknown-key', 'The AWS Access Key Id you provided does not exist in our records.');
    }
    const shortDate = signedAt.toISOString().slice(0, 10).replace(/-/g, '');
    if (parts[1] !== shortDate || parts[2] !== this.region || parts[3] !== this.service) {
      return refuse('mismatch', `Credential should be scoped to ${shortDate}/${this.region}/${this.service}/aws4_request.`);
    }
    return undefined;
  }

  /** The headers the client says it signed, as it sent them; undefined when one is absent. */
  private signedHeaders(request: SignedRequest, names: readonly string[]): Record<string, string> | undefined {
    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = headerValue(request.headers, name);
      if (value === undefined) return undefined;
      headers[name] = value;
    }
    return headers;
  }

  private async verifyHeader(request: SignedRequest, authorization: string, path: string, query: QueryParameterBag, now: number): Promise<Verdict> {
    const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(authorization.trim());
    if (!m) return refuse('malformed', 'Only AWS4-HMAC-SHA256 signatures are accepted.');
    const fields = new Map<string, string>();
    for (const part of m[1]!.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const signature = fields.get('Signature');
    const names = (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean);
    if (!signature || names.length === 0 || !fields.has('Credential')) {
      return refuse('malformed', 'Authorization header requires Credential, SignedHeaders and Signature.');
    }
    if (!names.includes('host') || !names.includes('x-amz-date')) {
      return refuse('malformed', 'SignedHeaders must include host and x-amz-date.');
    }
    const signedAt = parseAmzDate(headerValue(request.headers, 'x-amz-date'));
    if (!signedAt) return refuse('malformed', 'X-Amz-Date must be in ISO 8601 basic format (20260101T120000Z).');
    const scope = this.checkScope(fields.get('Credential'), signedAt);
    if (scope) return scope;
    if (Math.abs(now - signedAt.getTime()) > MAX_SKEW_MS) {
      return refuse('skewed', 'The difference between the request time and the current time is too large.');
    }
    const headers = this.signedHeaders(request, names);
    if (!headers) return refuse('mismatch', 'A header named in SignedHeaders is missing.');
    if (this.service === 's3' && headers[PAYLOAD_HASH_HEADER] === undefined) {
      return refuse('malformed', 'Missing required header for this request: x-amz-content-sha256');
    }
    const bodyHash = request.body !== undefined ? createHash('sha256').update(request.body).digest('hex') : undefined;
    if (bodyHash !== undefined) {
      // DynamoDB signs the body's hash; a header claiming another hash is a forgery.
      const claimed = headerValue(request.headers, PAYLOAD_HASH_HEADER);
      if (claimed !== undefined && claimed !== bodyHash) return refuse('mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
    }
    const payloadHash = bodyHash ?? headers[PAYLOAD_HASH_HEADER];
    const quick = payloadHash !== undefined ? this.quickSignature(request.method, path, query, names, headers, payloadHash, signedAt) : undefined;
    if (quick !== undefined && sameSignature(quick, signature)) return { ok: true, presigned: false };
    const signed = await this.signer.sign(
      { method: request.method, protocol: 'http:', hostname: headers['host'] ?? '', path, query, headers, ...(request.body ? { body: request.body } : {}) },
      { signingDate: signedAt, signableHeaders: new Set(names) },
    );
    const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization']))?.[1] ?? '';
    if (!sameSignature(expected, signature)) {
      return refuse('mismatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    return { ok: true, presigned: false };
  }

  /**
   * The signature of a header-signed request, computed here; undefined where this shortcut
   * does not follow the SDK's rules (a path S3 would not take as sent, a repeated query name).
   */
  private quickSignature(
    method: string,
    path: string,
    query: QueryParameterBag,
    names: readonly string[],
    headers: Record<string, string>,
    payloadHash: string,
    signedAt: Date,
  ): string | undefined {
    // DynamoDB normalizes and escapes the path again; its clients all send `/`.
    if (this.service !== 's3' && path !== '/') return undefined;
    const pairs: string[] = [];
    for (const name of Object.keys(query).sort()) {
      if (name.toLowerCase() === 'x-amz-signature') continue;
      const value = query[name];
      if (typeof value !== 'string') return undefined;
      pairs.push(`${escapeUri(name)}=${escapeUri(value)}`);
    }
    const sorted = [...names].sort();
    const canonicalHeaders = sorted.map((name) => `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const canonical = `${method}\n${path}\n${pairs.join('&')}\n${canonicalHeaders}\n${sorted.join(';')}\n${payloadHash}`;
    const longDate = signedAt.toISOString().replace(/[-:]|\.\d{3}/g, '');
    const shortDate = longDate.slice(0, 8);
    const scope = `${shortDate}/${this.region}/${this.service}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    return createHmac('sha256', this.signingKey(shortDate)).update(stringToSign).digest('hex');
  }

  private keyDate = '';
  private key: Buffer = Buffer.alloc(0);

  /** The day's signing key (kSigning), derived once a day. */
  private signingKey(shortDate: string): Buffer {
    if (shortDate !== this.keyDate) {
      const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
      this.key = hmac(hmac(hmac(hmac(`AWS4${this.credentials.secretAccessKey}`, shortDate), this.region), this.service), 'aws4_request');
      this.keyDate = shortDate;
    }
    return this.key;
  }

  private async verifyPresigned(request: SignedRequest, path: string, query: QueryParameterBag, now: number): Promise<Verdict> {
    const one = (name: string) => {
      const value = query[name];
      return typeof value === 'string' ? value : undefined;
    };
    if (one('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return refuse('malformed', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
    const signature = one('X-Amz-Signature');
    const names = (one('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
    const signedAt = parseAmzDate(one('X-Amz-Date'));
    const expiresText = one('X-Amz-Expires') ?? '';
    const expires = /^\d+$/.test(expiresText) ? Number(expiresText) : NaN;
    if (!signature || !names.includes('host') || !signedAt || !Number.isInteger(expires)) {
      return refuse(
        'malformed',
        'Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders (with host), and X-Amz-Expires parameters.',
      );
    }
    if (expires < 1 || expires > MAX_EXPIRES_SECONDS) {
      return refuse('malformed', 'X-Amz-Expires must be between 1 and 604800 seconds.');
    }
    const scope = this.checkScope(one('X-Amz-Credential'), signedAt);
    if (scope) return scope;
    if (now > signedAt.getTime() + expires * 1000) return refuse('expired', 'Request has expired');
    if (signedAt.getTime() - now > MAX_SKEW_MS) return refuse('skewed', 'Request is not valid yet');
    const headers = this.signedHeaders(request, names);
    if (!headers) return refuse('mismatch', 'A header named in X-Amz-SignedHeaders is missing.');
    const { 'X-Amz-Signature': _given, ...rest } = query;
    // A presigned S3 request always signs UNSIGNED-PAYLOAD; the header below only tells
    // the signer so, and is kept out of the signed headers and out of the query.
    const signed = await this.signer.presign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: headers['host'] ?? '',
        path,
        query: rest,
        headers: { ...headers, [PAYLOAD_HASH_HEADER]: UNSIGNED_PAYLOAD },
      },
      {
        signingDate: signedAt,
        expiresIn: expires,
        signableHeaders: new Set(names),
        unsignableHeaders: new Set(names.includes(PAYLOAD_HASH_HEADER) ? [] : [PAYLOAD_HASH_HEADER]),
        unhoistableHeaders: new Set([...names, PAYLOAD_HASH_HEADER]),
      },
    );
    const expected = String(signed.query?.['X-Amz-Signature'] ?? '');
    if (!sameSignature(expected, signature)) {
      return refuse('mismatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    }
    return { ok: true, presigned: true };
  }
}
