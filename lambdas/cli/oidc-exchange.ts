/**
 * The client side of trusted publishing, for anything in Wharf that publishes from CI
 * (`wharf publish`): ask the index for its audience, get the job's OIDC token from GitHub
 * Actions for it, and exchange that for a short-lived upload token.
 *
 * Unlike pypa/gh-action-pypi-publish, which always calls `https://{domain}/_/oidc/...`,
 * this keeps the scheme and any path prefix of the index URL (an API Gateway stage, a
 * local server on http).
 */

import { NotWharfError, notWharfMessage } from './wharf-answer.ts';

export class OidcExchangeError extends Error {}

export interface ExchangeOptions {
  /** ms per request. @default 10000 */
  readonly timeoutMs?: number;
}

export interface ExchangedToken {
  /** The upload token: use it as the password of `__token__`. */
  readonly token: string;
  readonly expires?: string;
  readonly projects?: readonly string[];
}

/** The index's base URL (`https://host[/stage]`) from its index, upload or base URL. */
export function indexBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/(simple|legacy)$/, '');
}

interface Reply {
  readonly status: number;
  readonly ok: boolean;
  readonly contentType: string | null;
  readonly body: unknown;
  readonly text: string;
}

async function request(url: string, init: RequestInit, timeoutMs: number): Promise<Reply> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new OidcExchangeError(`Cannot reach ${url}: ${(err as Error).message}.`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, ok: response.ok, contentType: response.headers.get('content-type'), body, text };
}

/** The index's OIDC routes answer JSON objects, errors included; anything else is another server. */
function fromWharf(indexUrl: string, r: Reply): Reply {
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) throw new NotWharfError(notWharfMessage(indexBaseUrl(indexUrl), r));
  return r;
}

/** `GET /_/oidc/audience`: the audience to request the OIDC token for. */
export async function fetchAudience(indexUrl: string, options: ExchangeOptions = {}): Promise<string> {
  const url = `${indexBaseUrl(indexUrl)}/_/oidc/audience`;
  const r = fromWharf(indexUrl, await request(url, { headers: { accept: 'application/json' } }, options.timeoutMs ?? 10_000));
  const audience = (r.body as { audience?: unknown } | undefined)?.audience;
  if (!r.ok || typeof audience !== 'string') {
    throw new OidcExchangeError(
      r.status === 404
        ? `${url} answered 404: this index does not offer trusted publishing.`
        : `${url} answered ${r.status} without an audience: ${r.text.slice(0, 200)}`,
    );
  }
  return audience;
}

/** `POST /_/oidc/mint-token`: an OIDC identity token in, an upload token out. */
export async function exchangeOidcToken(indexUrl: string, oidcToken: string, options: ExchangeOptions = {}): Promise<ExchangedToken> {
  const url = `${indexBaseUrl(indexUrl)}/_/oidc/mint-token`;
  const r = fromWharf(
    indexUrl,
    await request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ token: oidcToken }) },
      options.timeoutMs ?? 10_000,
    ),
  );
  const body = r.body as { token?: unknown; expires?: unknown; projects?: unknown; errors?: { code?: unknown; description?: unknown }[] } | undefined;
  if (!r.ok) {
    const reasons = Array.isArray(body?.errors) ? body.errors.map((e) => `${String(e.code)}: ${String(e.description)}`).join('; ') : r.text.slice(0, 300);
    throw new OidcExchangeError(`Trusted publishing exchange refused (${r.status}): ${reasons}`);
  }
  if (typeof body?.token !== 'string') throw new OidcExchangeError(`${url} answered ${r.status} without a token: is it a Wharf?`);
  return {
    token: body.token,
    ...(typeof body.expires === 'string' ? { expires: body.expires } : {}),
    ...(Array.isArray(body.projects) ? { projects: body.projects.map(String) } : {}),
  };
}

/**
 * The running GitHub Actions job's OIDC token for `audience`, as the `id` package the
 * action uses gets it: from ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN
 * (present only with `permissions: id-token: write`).
 */
export async function githubActionsOidcToken(
  audience: string,
  env: Record<string, string | undefined> = process.env,
  options: ExchangeOptions = {},
): Promise<string> {
  const requestUrl = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  if (!requestUrl || !requestToken) {
    throw new OidcExchangeError(
      'No GitHub Actions OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is unset. Run in GitHub Actions with `permissions: id-token: write` on the job.',
    );
  }
  const url = new URL(requestUrl);
  url.searchParams.set('audience', audience);
  const r = await request(url.href, { headers: { authorization: `bearer ${requestToken}`, accept: 'application/json' } }, options.timeoutMs ?? 10_000);
  const value = (r.body as { value?: unknown } | undefined)?.value;
  if (!r.ok || typeof value !== 'string') throw new OidcExchangeError(`GitHub's OIDC token service answered ${r.status}: ${r.text.slice(0, 200)}`);
  return value;
}

/** The whole exchange from inside a GitHub Actions job: audience, OIDC token, upload token. */
export async function trustedPublishingToken(indexUrl: string, env: Record<string, string | undefined> = process.env): Promise<ExchangedToken> {
  const audience = await fetchAudience(indexUrl);
  return exchangeOidcToken(indexUrl, await githubActionsOidcToken(audience, env));
}
