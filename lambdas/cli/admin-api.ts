/** The admin API (`/api/`) over HTTP, for the CLI commands that manage a running Wharf. */

export type AdminApiCall = (method: string, pathname: string, body?: unknown) => Promise<unknown>;

/**
 * A caller of the admin API at the index's base URL (a trailing `/simple` or `/legacy` is
 * dropped). Errors come back as `{"error": "..."}` and are thrown as sent, in `fail`'s
 * error type, so each command reports them its own way.
 */
export function adminApi(url: string, token: string, fail: (message: string) => Error): { base: string; call: AdminApiCall } {
  const base = url.replace(/\/+$/, '').replace(/\/(simple|legacy)$/, '');
  async function call(method: string, pathname: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${base}${pathname}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw fail(`Cannot reach ${base}: ${(err as Error).message}. Is the URL right and the index up?`);
    }
    const text = await response.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!response.ok) {
      const message = (value as { error?: string } | undefined)?.error ?? text.trim();
      throw fail(`${base} answered ${response.status}: ${message}`);
    }
    if (value === undefined) throw fail(`${base} answered with something other than JSON: is it a Wharf?`);
    return value;
  }
  return { base, call };
}
