/**
 * One HTTP request with its whole answer as text: what Wharf's own small clients (the
 * DynamoDB JSON client, the S3 REST client) send once they have signed it.
 * Their retry rules stay theirs; a socket silent for `timeoutMs` fails the request with
 * `timeoutMessage`.
 */
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage, request as httpRequest } from 'node:http';

export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface ExchangeRequest {
  readonly agent: HttpAgent;
  readonly url: URL;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
  readonly timeoutMs: number;
  readonly timeoutMessage: string;
}

export async function exchange(send: typeof httpRequest, request: ExchangeRequest): Promise<Exchange> {
  const res = await open(send, request);
  return { status: res.statusCode ?? 0, headers: res.headers, text: await textOf(res) };
}

/** A response's whole body, as UTF-8 text. */
export function textOf(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/**
 * The same request, answered with the response as it arrives (a download to stream). The
 * socket's silence limit still holds while the body is read: a stalled body fails with
 * `timeoutMessage` rather than hanging.
 */
export function open(send: typeof httpRequest, request: ExchangeRequest): Promise<IncomingMessage> {
  const { url } = request;
  return new Promise((resolve, reject) => {
    let answered: IncomingMessage | undefined;
    const req = send(
      {
        agent: request.agent,
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port || undefined,
        path: request.path,
        headers: request.headers,
        timeout: request.timeoutMs,
      },
      (res) => {
        answered = res;
        resolve(res);
      },
    );
    req.on('timeout', () => {
      const err = new Error(request.timeoutMessage);
      // Once answered, the body being read fails with it too.
      answered?.destroy(err);
      req.destroy(err);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}
