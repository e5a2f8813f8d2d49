/**
 * Sends a checked GetCallerIdentity request (lambdas/core/aws-sts-request.ts) to STS as it
 * was signed, and reads STS's answer. Node's https rather than fetch: the Host header is
 * part of the signature and must go as the client signed it, which fetch does not allow to
 * set. Where it connects is the request's own host (one of the endpoints the core accepted);
 * `connectTo` replaces that only in tests, for a fake STS on loopback, and is never taken
 * from a request.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AwsIdentityError, type CallerIdentity } from '../core/aws-publisher.ts';
import type { CheckedStsRequest } from '../core/aws-sts-request.ts';
import { ServiceUnavailableError } from '../core/errors.ts';
import type { CallerIdentityPort } from '../app/aws-identity-ports.ts';

const MAX_RESPONSE_BYTES = 64 * 1024;
/** STS codes that mean "later", not "no". */
const TRANSIENT = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'ServiceUnavailable', 'InternalFailure', 'InternalError']);

export interface StsCallerIdentityOptions {
  /** Tests only: the origin (http://127.0.0.1:PORT) of a fake STS that every request goes to. */
  readonly connectTo?: string;
  /** ms. @default 5000 */
  readonly timeoutMs?: number;
}

export class StsUnavailableError extends ServiceUnavailableError {}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

/** The text of the one `<name>` element in `xml`, or undefined. */
function element(xml: string, name: string): string | undefined {
  const matches = [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))];
  return matches.length === 1 ? decodeXml(matches[0]![1]!.trim()) : undefined;
}

/** GetCallerIdentity's XML answer read; undefined when it is not one. */
export function parseCallerIdentity(xml: string): CallerIdentity | undefined {
  if (!/<GetCallerIdentityResponse[\s>]/.test(xml)) return undefined;
  const result = /<GetCallerIdentityResult>([\s\S]*)<\/GetCallerIdentityResult>/.exec(xml)?.[1];
  if (result === undefined) return undefined;
  const arn = element(result, 'Arn');
  const userId = element(result, 'UserId');
  const account = element(result, 'Account');
  return arn && userId && account ? { arn, userId, account } : undefined;
}

/** STS's error answer read: `{code, message}`. */
export function parseStsError(xml: string): { code: string; message: string } | undefined {
  const code = element(xml, 'Code');
  return code === undefined ? undefined : { code, message: element(xml, 'Message') ?? '' };
}

export class StsCallerIdentity implements CallerIdentityPort {
  private readonly connectTo: URL | undefined;

  constructor(private readonly options: StsCallerIdentityOptions = {}) {
    this.connectTo = options.connectTo === undefined ? undefined : new URL(options.connectTo);
  }

  async callerIdentity(request: CheckedStsRequest): Promise<CallerIdentity> {
    const { status, body } = await this.send(request);
    if (status === 200) {
      const identity = parseCallerIdentity(body);
      if (!identity) throw new StsUnavailableError(`STS at ${request.host} answered 200 without a caller identity.`);
      return identity;
    }
    const error = parseStsError(body);
    if (status >= 500 || (error && TRANSIENT.has(error.code))) {
      throw new StsUnavailableError(`STS at ${request.host} could not answer (${status}${error ? ` ${error.code}` : ''}).`);
    }
    throw new AwsIdentityError(
      'invalid-identity',
      `STS refused the signed request (${status} ${error?.code ?? 'no error code'}: ${error?.message || body.slice(0, 200)}). ` +
        'Sign a new request with valid credentials, unchanged after signing.',
    );
  }

  private send(request: CheckedStsRequest): Promise<{ status: number; body: string }> {
    const target = this.connectTo;
    const send = target?.protocol === 'http:' ? httpRequest : httpsRequest;
    const timeoutMs = this.options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          method: 'POST',
          host: target ? target.hostname : request.host,
          port: target ? Number(target.port || (target.protocol === 'http:' ? 80 : 443)) : 443,
          path: '/',
          // TLS checks the certificate against the host that was signed for.
          servername: request.host,
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => reject(new StsUnavailableError(`STS at ${request.host} could not be read: ${err.message}.`)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new StsUnavailableError(`STS at ${request.host} cannot be reached: ${err.message}.`)));
      req.end(request.body);
    });
  }
}
