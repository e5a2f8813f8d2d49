/**
 * The signed `sts:GetCallerIdentity` request a CI job hands Wharf (as HashiCorp Vault's AWS
 * IAM auth method takes it): built and signed by the job, not sent. Wharf sends it to STS and
 * trusts the identity STS answers, so everything that makes that safe is checked here first,
 * before any byte leaves Wharf:
 *
 * - where it goes: only an STS endpoint Wharf accepts (the global sts.amazonaws.com, and
 *   regional sts.REGION.amazonaws.com of the regions configured), over https, path `/`, no
 *   query; the Host header names the same host, and the signature's scope that region and `sts`.
 * - what it asks: POST, form content type, and the body exactly
 *   `Action=GetCallerIdentity&Version=2011-06-15`: a signed request for anything else (say
 *   AssumeRole) is never forwarded.
 * - for whom: the `X-Wharf-Server-ID` header carries this deployment's audience and is one
 *   of the SignedHeaders, so a request signed for another service (or another Wharf)
 *   cannot be replayed here.
 * - when: X-Amz-Date within MAX_AGE_SECONDS of Wharf's clock (STS allows 15 minutes; Wharf
 *   less), and each signature exchanged once (the app layer remembers its hash until then).
 * - how big: the JSON at most MAX_REQUEST_BYTES, bounded headers.
 *
 * Only the headers that are signed (and Authorization, and the session token) are forwarded.
 */
import { createHash } from 'node:crypto';
import { AwsIdentityError } from './aws-publisher.ts';

export const SERVER_ID_HEADER = 'x-wharf-server-id';
export const GET_CALLER_IDENTITY_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';
export const GLOBAL_STS_HOST = 'sts.amazonaws.com';
/** The region the global endpoint signs for. */
export const GLOBAL_STS_REGION = 'us-east-1';
/** The most the JSON of an exchange may weigh (a role session token is 1 to 3 KB). */
export const MAX_REQUEST_BYTES = 32 * 1024;
const MAX_HEADERS = 32;
const MAX_HEADER_VALUE = 8 * 1024;
/** How far X-Amz-Date may be from Wharf's clock, either way. */
export const MAX_AGE_SECONDS = 5 * 60;
const REGION = /^[a-z]{2}(?:-gov)?-[a-z]+-\d{1,2}$/;
/** Hop-by-hop and framing headers: never forwarded, and refused when signed. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'proxy-authorization', 'proxy-connection']);

/** The endpoints Wharf sends GetCallerIdentity to. */
export interface StsEndpoints {
  /** Regions whose regional endpoint is accepted; the global endpoint always is. */
  readonly regions: readonly string[];
}

/** Whether `region` is spelled as an AWS region of the partitions Wharf trusts (eu-west-1, us-gov-west-1). */
export function isStsRegion(region: string): boolean {
  return REGION.test(region);
}

/** Host → signing region of every endpoint accepted. */
export function acceptedStsHosts(endpoints: StsEndpoints): Map<string, string> {
  const hosts = new Map<string, string>([[GLOBAL_STS_HOST, GLOBAL_STS_REGION]]);
  for (const region of endpoints.regions) hosts.set(`sts.${region}.amazonaws.com`, region);
  return hosts;
}

/** The request as the client sends it: `{"method", "url", "headers", "body"}`. */
export interface StsRequestInput {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A request that passed every check: what to send to STS, and what to remember. */
export interface CheckedStsRequest {
  readonly host: string;
  readonly region: string;
  /** `https://HOST/`. */
  readonly url: string;
  /** The headers to send (lower-case names): the signed ones, Authorization, the session token. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly accessKeyId: string;
  readonly signedAt: Date;
  /** sha256 of the signature, hex: what is remembered so it is exchanged once. */
  readonly signatureHash: string;
}

function invalid(message: string): AwsIdentityError {
  return new AwsIdentityError('invalid-request', message);
}

/** `20260101T120000Z` to a Date, or undefined. */
function parseAmzDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Reads the exchange's JSON body; `invalid-payload` says what shape it must have. */
export function parseStsRequestJson(body: Uint8Array): StsRequestInput {
  const shape = 'send {"method": "POST", "url": "https://sts.amazonaws.com/", "headers": {...}, "body": "Action=GetCallerIdentity&Version=2011-06-15"} as JSON';
  const bad = (why: string) => new AwsIdentityError('invalid-payload', `${why}: ${shape}.`);
  if (body.byteLength > MAX_REQUEST_BYTES) throw bad(`The body is larger than ${MAX_REQUEST_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw bad('The body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('The body is not a JSON object');
  const v = value as Record<string, unknown>;
  const extra = Object.keys(v).filter((k) => !['method', 'url', 'headers', 'body'].includes(k));
  if (extra.length > 0) throw bad(`Unknown field(s) ${extra.join(', ')}`);
  for (const field of ['method', 'url', 'body'] as const) {
    if (typeof v[field] !== 'string') throw bad(`"${field}" must be a string`);
  }
  const headers = v['headers'];
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) throw bad('"headers" must be an object of strings');
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_HEADERS) throw bad(`More than ${MAX_HEADERS} headers`);
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw bad(`Header "${name}" must be a string`);
  }
  return { method: v['method'] as string, url: v['url'] as string, headers: headers as Record<string, string>, body: v['body'] as string };
}

/** Authorization `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`, parsed. */
function parseAuthorization(value: string | undefined): { credential: string[]; signedHeaders: string[]; signature: string } {
  if (value === undefined) throw invalid('The request is not signed: it has no Authorization header. Sign it with SigV4 (AWS4-HMAC-SHA256).');
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(value.trim());
  if (!m) throw invalid('The Authorization header is not an AWS4-HMAC-SHA256 signature.');
  const fields = new Map<string, string>();
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = (fields.get('Credential') ?? '').split('/');
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean);
  const signature = fields.get('Signature') ?? '';
  if (credential.length !== 5 || signedHeaders.length === 0 || !/^[0-9a-f]{64}$/.test(signature)) {
    throw invalid('The Authorization header needs Credential=KEY/DATE/REGION/sts/aws4_request, SignedHeaders and a hex Signature.');
  }
  return { credential, signedHeaders, signature };
}

/**
 * Checks a signed GetCallerIdentity request against everything above; AwsIdentityError
 * `invalid-request` names the first thing wrong. `serverId`: this deployment's audience.
 */
export function checkStsRequest(input: StsRequestInput, endpoints: StsEndpoints, serverId: string, nowMs: number): CheckedStsRequest {
  if (input.method !== 'POST') throw invalid(`The method is ${input.method}: GetCallerIdentity is sent as POST.`);
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalid(`"${input.url}" is not a URL: send the STS endpoint the request was signed for, such as https://${GLOBAL_STS_HOST}/.`);
  }
  const hosts = acceptedStsHosts(endpoints);
  const accepted = [...hosts.keys()].join(', ');
  const region = hosts.get(url.hostname);
  if (url.protocol !== 'https:' || region === undefined || url.port !== '' || url.username !== '' || url.password !== '') {
    throw invalid(`Wharf sends GetCallerIdentity only to https://${[...hosts.keys()].join('/, https://')}/, not to ${input.url}.`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || !/^https:\/\/[^/]+\/?$/.test(input.url)) {
    throw invalid(`The URL must be https://${url.hostname}/ with no path or query, not ${input.url}: the action goes in the body.`);
  }
  if (input.body !== GET_CALLER_IDENTITY_BODY) {
    throw invalid(`The body must be exactly "${GET_CALLER_IDENTITY_BODY}": Wharf forwards GetCallerIdentity and nothing else.`);
  }

  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(lower)) throw invalid(`"${name}" is not a header name.`);
    if (headers.has(lower)) throw invalid(`The header ${lower} is given twice.`);
    // Printable ASCII only: what SigV4 signs, and what can be sent on as it is.
    if (value.length > MAX_HEADER_VALUE || !/^[\t\x20-\x7e]*$/.test(value)) {
      throw invalid(`The header ${lower} is longer than ${MAX_HEADER_VALUE} characters or holds other than printable ASCII.`);
    }
    headers.set(lower, value);
  }
  const host = headers.get('host');
  if (host === undefined || host.toLowerCase() !== url.hostname) {
    throw invalid(`The Host header (${host ?? 'none'}) must name the host of the URL, ${url.hostname}.`);
  }
  const contentType = (headers.get('content-type') ?? '').toLowerCase().replace(/\s+/g, '');
  if (contentType !== 'application/x-www-form-urlencoded' && contentType !== 'application/x-www-form-urlencoded;charset=utf-8') {
    throw invalid(`The Content-Type must be ${FORM_CONTENT_TYPE}, not ${headers.get('content-type') ?? 'none'}.`);
  }
  const length = headers.get('content-length');
  if (length !== undefined && length !== String(new TextEncoder().encode(input.body).byteLength)) throw invalid(`Content-Length ${length} is not the body's length.`);

  const { credential, signedHeaders, signature } = parseAuthorization(headers.get('authorization'));
  const [accessKeyId, shortDate, scopeRegion, service, terminator] = credential as [string, string, string, string, string];
  if (service !== 'sts' || terminator !== 'aws4_request' || scopeRegion !== region) {
    throw invalid(`The signature is scoped to ${scopeRegion}/${service}: a request to ${url.hostname} is signed for ${region}/sts.`);
  }
  for (const required of ['host', 'x-amz-date', SERVER_ID_HEADER]) {
    if (!signedHeaders.includes(required)) {
      throw invalid(
        required === SERVER_ID_HEADER
          ? `The ${SERVER_ID_HEADER} header is not signed: add it (the value of GET /_/aws/server-id) before signing, and keep it in SignedHeaders.`
          : `SignedHeaders must include ${required}.`,
      );
    }
  }
  for (const name of signedHeaders) {
    if (!headers.has(name)) throw invalid(`The signed header ${name} is missing.`);
    if (HOP_BY_HOP.has(name)) throw invalid(`The header ${name} cannot be signed: Wharf does not forward it.`);
  }
  const serverIdGiven = headers.get(SERVER_ID_HEADER);
  if (serverIdGiven !== serverId) {
    throw invalid(`The ${SERVER_ID_HEADER} header is "${serverIdGiven ?? ''}", not this index's "${serverId}": sign a request for this index (GET /_/aws/server-id).`);
  }
  const signedAt = parseAmzDate(headers.get('x-amz-date'));
  if (!signedAt) throw invalid('X-Amz-Date must be in ISO 8601 basic format (20260101T120000Z).');
  if (shortDate !== headers.get('x-amz-date')!.slice(0, 8)) throw invalid('The credential scope date is not the date of X-Amz-Date.');
  const skewSeconds = Math.round((nowMs - signedAt.getTime()) / 1000);
  if (skewSeconds > MAX_AGE_SECONDS) {
    throw invalid(`The signature expired: signed ${skewSeconds} s ago, and Wharf takes requests signed within ${MAX_AGE_SECONDS} s. Sign a new one.`);
  }
  if (-skewSeconds > MAX_AGE_SECONDS) {
    throw invalid(`The request is signed ${-skewSeconds} s in the future: check the clock of the machine that signs (NTP).`);
  }

  const forward: Record<string, string> = {};
  for (const name of signedHeaders) forward[name] = headers.get(name)!;
  forward['authorization'] = headers.get('authorization')!;
  forward['content-type'] = headers.get('content-type')!;
  const token = headers.get('x-amz-security-token');
  if (token !== undefined) forward['x-amz-security-token'] = token;
  return {
    host: url.hostname,
    region,
    url: `https://${url.hostname}/`,
    headers: forward,
    body: input.body,
    accessKeyId,
    signedAt,
    signatureHash: createHash('sha256').update(signature, 'utf8').digest('hex'),
  };
}
