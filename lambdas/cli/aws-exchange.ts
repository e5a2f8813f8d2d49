/**
 * The client side of publishing from AWS (`wharf publish --aws`): ask the index what to
 * sign (`GET /_/aws/server-id`), sign an `sts:GetCallerIdentity` request with the job's AWS
 * credentials (the SDK's default chain: environment, shared config and SSO, the container
 * credentials of CodeBuild and ECS, EC2 instance metadata), and hand the signed request,
 * unsent, to the index for a short-lived upload token. The request never goes to STS from
 * here: the index sends it, and trusts what STS answers.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { SigV4 } from '../adapters/sigv4.ts';
import { FORM_CONTENT_TYPE, GET_CALLER_IDENTITY_BODY, GLOBAL_STS_HOST, GLOBAL_STS_REGION, type StsRequestInput } from '../core/aws-sts-request.ts';
import { fromWharf, indexBaseUrl, OidcExchangeError, request, type ExchangedToken } from './oidc-exchange.ts';

export class AwsExchangeError extends OidcExchangeError {}

export interface AwsSigningInfo {
  readonly serverId: string;
  readonly header: string;
  readonly endpoints: readonly string[];
}

/** A JSON object from the index (its AWS routes answer JSON, errors included), or NotWharfError. */
async function getJson(url: string, init: RequestInit, indexUrl: string): Promise<{ status: number; ok: boolean; body: Record<string, unknown>; text: string }> {
  const r = fromWharf(indexUrl, await request(url, init, 10_000));
  return { status: r.status, ok: r.ok, body: r.body as Record<string, unknown>, text: r.text };
}

export async function fetchAwsSigningInfo(indexUrl: string): Promise<AwsSigningInfo> {
  const url = `${indexBaseUrl(indexUrl)}/_/aws/server-id`;
  const r = await getJson(url, { headers: { accept: 'application/json' } }, indexUrl);
  const { serverId, header, endpoints } = r.body;
  if (!r.ok || typeof serverId !== 'string' || typeof header !== 'string' || !Array.isArray(endpoints)) {
    throw new AwsExchangeError(
      r.status === 404 ? `${url} answered 404: this index does not offer publishing from AWS.` : `${url} answered ${r.status}: ${r.text.slice(0, 200)}`,
    );
  }
  return { serverId, header, endpoints: endpoints.map(String) };
}

/** The regional endpoint of `region` when the index takes it, else the global one. */
export function chooseStsEndpoint(info: AwsSigningInfo, region: string | undefined): { host: string; region: string } {
  const regional = region ? `sts.${region}.amazonaws.com` : undefined;
  if (regional && info.endpoints.includes(`https://${regional}/`)) return { host: regional, region: region! };
  return { host: GLOBAL_STS_HOST, region: GLOBAL_STS_REGION };
}

/** A GetCallerIdentity request for this index, signed and not sent. */
export async function signCallerIdentityRequest(
  info: AwsSigningInfo,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  region: string | undefined,
  signingDate?: Date,
): Promise<StsRequestInput> {
  const endpoint = chooseStsEndpoint(info, region);
  const signer = new SigV4({ service: 'sts', region: endpoint.region, credentials });
  const headers = await signer.signHeaders({
    method: 'POST',
    path: '/',
    headers: { host: endpoint.host, 'content-type': FORM_CONTENT_TYPE, [info.header]: info.serverId },
    body: GET_CALLER_IDENTITY_BODY,
    ...(signingDate ? { signingDate } : {}),
  });
  return { method: 'POST', url: `https://${endpoint.host}/`, headers, body: GET_CALLER_IDENTITY_BODY };
}

/** `POST /_/aws/mint-token`: a signed request in, an upload token out. */
export async function exchangeAwsRequest(indexUrl: string, request: StsRequestInput): Promise<ExchangedToken & { identity?: string }> {
  const url = `${indexBaseUrl(indexUrl)}/_/aws/mint-token`;
  const r = await getJson(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(request) },
    indexUrl,
  );
  const body = r.body as { token?: unknown; expires?: unknown; projects?: unknown; identity?: unknown; errors?: { code?: unknown; description?: unknown }[] };
  if (!r.ok) {
    const reasons = Array.isArray(body.errors) ? body.errors.map((e) => `${String(e.code)}: ${String(e.description)}`).join('; ') : r.text.slice(0, 300);
    throw new AwsExchangeError(`Publishing from AWS refused (${r.status}): ${reasons}`);
  }
  if (typeof body.token !== 'string') throw new AwsExchangeError(`${url} answered ${r.status} without a token: is it a Wharf?`);
  return {
    token: body.token,
    ...(typeof body.expires === 'string' ? { expires: body.expires } : {}),
    ...(Array.isArray(body.projects) ? { projects: body.projects.map(String) } : {}),
    ...(typeof body.identity === 'string' ? { identity: body.identity } : {}),
  };
}

/** The AWS SDK's default credential chain, loaded only when publishing from AWS. */
async function defaultCredentials(): Promise<AwsCredentialIdentityProvider> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}

/** The whole exchange: signing info, a signed request with the job's credentials, an upload token. */
export async function awsTrustedPublishingToken(indexUrl: string, env: Record<string, string | undefined> = process.env): Promise<ExchangedToken> {
  const info = await fetchAwsSigningInfo(indexUrl);
  const provider = await defaultCredentials();
  let credentials: AwsCredentialIdentity;
  try {
    credentials = await provider();
  } catch (err) {
    throw new AwsExchangeError(
      `No AWS credentials found (${(err as Error).message}). Run where a role's credentials are at hand: CodeBuild, an EC2 instance profile, ` +
        'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN of an assumed role, or AWS_PROFILE.',
    );
  }
  const request = await signCallerIdentityRequest(info, credentials, env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || undefined);
  return exchangeAwsRequest(indexUrl, request);
}
