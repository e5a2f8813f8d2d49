/**
 * One HTTP request with its whole answer as text: what Wharf's own small clients (the
 * DynamoDB JSON client, the signed S3 PUT of `wharf import`) send once they have signed it.
 * Their retry rules stay theirs; a socket silent for `timeoutMs` fails the request with
 * `timeoutMessage`.
 */
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage, request as httpRequest } from 'node:http';

export interface Exchange {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export function exchange(
  send: typeof httpRequest,
  request: {
    readonly agent: HttpAgent;
    readonly url: URL;
    readonly method: string;
    readonly path: string;
    readonly headers: Record<string, string>;
    readonly body: string | Uint8Array;
    readonly timeoutMs: number;
    readonly timeoutMessage: string;
  },
): Promise<Exchange> {
  const { url } = request;
  return new Promise((resolve, reject) => {
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
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(request.timeoutMessage)));
    req.on('error', reject);
    req.end(request.body);
  });
}
