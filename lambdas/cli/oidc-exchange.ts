/**
 * The client side of trusted publishing, for anything in Wharf that publishes from CI
 * (`wharf publish`): ask the index for its audience, get the job's OIDC token for it, and
 * exchange that for a short-lived upload token. Where the OIDC token comes from, first found:
 *
 * - `WHARF_ID_TOKEN`: a token handed in, from anywhere. A GitLab job gets one by declaring
 *   `id_tokens: WHARF_ID_TOKEN: aud: <the index's audience>`.
 * - GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN (a job with `id-token: write`).
 * - Google Cloud: the metadata server's identity endpoint, for the VM's (or Cloud Build's,
 *   Cloud Run's) service account; `GCE_METADATA_HOST` overrides the host as Google's own
 *   client libraries let it.
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

export interface Reply {
  readonly status: number;
  readonly ok: boolean;
  readonly contentType: string | null;
  readonly body: unknown;
  readonly text: string;
}

export async function request(url: string, init: RequestInit, timeoutMs: number): Promise<Reply> {
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
export function fromWharf(indexUrl: string, r: Reply): Reply {
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

export const ID_TOKEN_VARIABLE = 'WHARF_ID_TOKEN';
const GOOGLE_METADATA_HOST = 'metadata.google.internal';

/** Where the OIDC token will come from, for the log line: the first source present. */
export function oidcSourceOf(env: Record<string, string | undefined>): string {
  if (env[ID_TOKEN_VARIABLE]) return `${ID_TOKEN_VARIABLE}`;
  if (env['ACTIONS_ID_TOKEN_REQUEST_URL']) return 'GitHub Actions OIDC';
  return 'the Google Cloud metadata server';
}

/** The audience a JWT names (its payload decoded, not verified: the index verifies). */
function audienceOf(jwt: string): string[] | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
    if (typeof payload.aud === 'string') return [payload.aud];
    if (Array.isArray(payload.aud)) return payload.aud.map(String);
  } catch {
    // Not a JWT: the index says so.
  }
  return undefined;
}

/** The token in WHARF_ID_TOKEN, checked against the index's audience so a mismatch is said plainly. */
export function handedInOidcToken(audience: string, env: Record<string, string | undefined>): string {
  const token = env[ID_TOKEN_VARIABLE]!.trim();
  const audiences = audienceOf(token);
  if (audiences && !audiences.includes(audience)) {
    throw new OidcExchangeError(
      `${ID_TOKEN_VARIABLE} is a token for the audience ${audiences.join(', ')}, and this index wants "${audience}": ` +
        `in GitLab, declare \`id_tokens: ${ID_TOKEN_VARIABLE}: aud: ${audience}\` on the job.`,
    );
  }
  return token;
}

/**
 * The identity token of the service account this machine runs as, from Google Cloud's
 * metadata server (`format=full` puts the account's email in it, which publishers match).
 */
export async function googleMetadataOidcToken(
  audience: string,
  env: Record<string, string | undefined> = process.env,
  options: ExchangeOptions = {},
): Promise<string> {
  const host = env['GCE_METADATA_HOST'] || GOOGLE_METADATA_HOST;
  const url =
    `http://${host}/computeMetadata/v1/instance/service-accounts/default/identity` +
    `?audience=${encodeURIComponent(audience)}&format=full`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { 'metadata-flavor': 'Google' }, signal: AbortSignal.timeout(options.timeoutMs ?? 3000) });
  } catch {
    throw new OidcExchangeError(
      `No OIDC token to publish with: ${ID_TOKEN_VARIABLE} is unset, this is no GitHub Actions job with \`permissions: id-token: write\`, ` +
        `and no Google Cloud metadata server answers at ${host}. In GitLab, declare \`id_tokens: ${ID_TOKEN_VARIABLE}: aud: ${audience}\` ` +
        `on the job; elsewhere, set ${ID_TOKEN_VARIABLE} to an OIDC token for the audience "${audience}".`,
    );
  }
  const text = (await response.text()).trim();
  if (!response.ok || response.headers.get('metadata-flavor') !== 'Google' || text.split('.').length !== 3) {
    throw new OidcExchangeError(`The Google Cloud metadata server at ${host} answered ${response.status} without an identity token: ${text.slice(0, 200)}`);
  }
  return text;
}

/** The job's OIDC token for `audience`, from the first source present (see the top of this file). */
export async function ciOidcToken(audience: string, env: Record<string, string | undefined> = process.env): Promise<string> {
  if (env[ID_TOKEN_VARIABLE]) return handedInOidcToken(audience, env);
  if (env['ACTIONS_ID_TOKEN_REQUEST_URL']) return githubActionsOidcToken(audience, env);
  return googleMetadataOidcToken(audience, env);
}

/** The whole exchange from inside a CI job: audience, OIDC token, upload token. */
export async function trustedPublishingToken(indexUrl: string, env: Record<string, string | undefined> = process.env): Promise<ExchangedToken> {
  const audience = await fetchAudience(indexUrl);
  return exchangeOidcToken(indexUrl, await ciOidcToken(audience, env));
}
