/** The HTTP shapes the use-case routes speak, independent of API Gateway and Node's http. */
import type { RefusalReason } from '../config/metrics.ts';

export interface HttpRequest {
  readonly method: string;
  /** The path as sent, still percent-encoded, without the stage prefix. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Prefix to put before absolute paths in Location headers (`/stage`, or ''). */
  readonly basePath: string;
  readonly body?: Uint8Array;
  /** The caller's address as API Gateway saw the connection (not a header a client can set). */
  readonly sourceIp?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** Set-Cookie values (API Gateway's `cookies`: one header each). */
  readonly cookies?: readonly string[];
  /** The body gzipped, when it is kept compressed already (a kept page). */
  readonly gzipped?: () => Uint8Array;
  /** Why the request was refused, for the Refusals metric (lambdas/http/error-map.ts); never sent. */
  readonly refusal?: RefusalReason;
}

export type RouteHandler = (request: HttpRequest) => Promise<HttpResponse>;
