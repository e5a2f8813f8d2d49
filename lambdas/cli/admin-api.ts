/** The admin API (`/api/`) over HTTP, for the CLI commands that manage a running Wharf. */
import { answerOf, NotWharfError, wharfJson, jsonRequest } from './wharf-answer.ts';

/** `expected`: a key every success of the route has, so another server's JSON is not taken for it. */
export type AdminApiCall = (method: string, pathname: string, body?: unknown, expected?: string) => Promise<unknown>;

/**
 * A caller of the admin API at the index's base URL (a trailing `/simple` or `/legacy` is
 * dropped). Errors come back as `{"error": "..."}` and are thrown as sent, in `fail`'s
 * error type, so each command reports them its own way; so is a server that is not a Wharf.
 */
export function adminApi(url: string, token: string, fail: (message: string) => Error): { base: string; call: AdminApiCall } {
  const base = url.replace(/\/+$/, '').replace(/\/(simple|legacy)$/, '');
  async function call(method: string, pathname: string, body?: unknown, expected?: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${base}${pathname}`, jsonRequest(method, token, body));
    } catch (err) {
      throw fail(`Cannot reach ${base}: ${(err as Error).message}. Is the URL right and the index up?`);
    }
    let value: Record<string, unknown>;
    try {
      value = wharfJson(base, await answerOf(response), expected);
    } catch (err) {
      throw err instanceof NotWharfError ? fail(err.message) : err;
    }
    if (!response.ok) throw fail(`${base} answered ${response.status}: ${String(value['error'])}`);
    return value;
  }
  return { base, call };
}
