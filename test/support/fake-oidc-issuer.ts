/**
 * An OIDC issuer on loopback that stands in for GitHub Actions' token service: its own RSA
 * keys, its discovery document and JWKS over HTTP, and tokens signed with any claims, key
 * id or key, so tests can make both the tokens GitHub makes and the ones an attacker would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface SigningOptions {
  /** Key id in the header. @default the published key's id */
  readonly kid?: string;
  /** Sign with a key the issuer does not publish (under `kid`). */
  readonly foreignKey?: boolean;
  /** Omit claims the defaults would set. */
  readonly omit?: readonly string[];
}

export interface GitHubJob {
  readonly owner: string;
  readonly ownerId: string;
  readonly repository: string;
  readonly repositoryId: string;
  readonly workflow: string;
  readonly ref?: string;
  readonly environment?: string;
  readonly runId?: string;
}

export interface FakeOidcIssuer {
  /** The issuer URL, as the `iss` claim carries it. */
  readonly url: string;
  readonly kid: string;
  /** Paths requested so far (discovery, JWKS), to count refetches. */
  readonly requests: string[];
  /** A signed token with exactly these claims (plus nothing). */
  sign(claims: JWTPayload & Record<string, unknown>, options?: SigningOptions): Promise<string>;
  /** The claims GitHub Actions puts in a job's token, for `audience`, valid for 5 minutes from now. */
  githubClaims(job: GitHubJob, audience: string, overrides?: Record<string, unknown>): JWTPayload & Record<string, unknown>;
  /**
   * Stand in for the runner's token service for `job`: the ACTIONS_ID_TOKEN_REQUEST_URL and
   * ACTIONS_ID_TOKEN_REQUEST_TOKEN a job with `id-token: write` gets. GET the URL plus
   * `&audience=AUD` with `Authorization: bearer TOKEN` answers `{"value": "<JWT for AUD>"}`,
   * a fresh JWT (new jti) each time; without the bearer token, 401.
   */
  actionsTokenService(job: GitHubJob): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** Audiences of the JWTs the token service has handed out, in order. */
  readonly served: string[];
  /** Make the JWKS endpoint answer this status (an outage); 200 serves the keys again. */
  setJwksStatus(status: number): void;
  close(): Promise<void>;
}

export async function startFakeOidcIssuer(): Promise<FakeOidcIssuer> {
  const kid = `fake-${randomUUID().slice(0, 8)}`;
  const published = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(published.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const requests: string[] = [];
  let url = '';
  let jwksStatus = 200;
  const jobs = new Map<string, { job: GitHubJob; secret: string }>();
  const served: string[] = [];

  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const json = (value: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return json({ issuer: url, jwks_uri: `${url}/.well-known/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (req.url === '/.well-known/jwks') {
      if (jwksStatus !== 200) return void res.writeHead(jwksStatus, { 'content-type': 'text/html' }).end('<h1>Unavailable</h1>');
      return json({ keys: [jwk] });
    }
    const target = new URL(req.url ?? '/', 'http://issuer');
    if (target.pathname === '/_apis/idtoken') {
      const entry = jobs.get(target.searchParams.get('job') ?? '');
      if (!entry || req.headers.authorization !== `bearer ${entry.secret}`) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
      }
      // As GitHub's service: the audience asked for, or the repository owner's URL by default.
      const audience = target.searchParams.get('audience') ?? `https://github.com/${entry.job.owner}`;
      served.push(audience);
      void sign(githubClaims(entry.job, audience)).then(
        (jwt) => json({ count: jwt.length, value: jwt }),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function sign(claims: JWTPayload & Record<string, unknown>, options: SigningOptions = {}): Promise<string> {
    const key: CryptoKey = options.foreignKey ? foreign.privateKey : published.privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? kid }).sign(key);
  }

  function githubClaims(job: GitHubJob, audience: string, overrides: Record<string, unknown> = {}): JWTPayload & Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const repository = `${job.owner}/${job.repository}`;
    const ref = job.ref ?? 'refs/tags/v1.0.0';
    const sha = 'a'.repeat(40);
    const claims: Record<string, unknown> = {
      jti: randomUUID(),
      sub: job.environment ? `repo:${repository}:environment:${job.environment}` : `repo:${repository}:ref:${ref}`,
      aud: audience,
      ref,
      sha,
      repository,
      repository_owner: job.owner,
      repository_owner_id: job.ownerId,
      repository_id: job.repositoryId,
      repository_visibility: 'public',
      run_id: job.runId ?? '4242',
      run_number: '7',
      run_attempt: '1',
      actor: 'octocat',
      actor_id: '1',
      workflow: 'Release',
      head_ref: '',
      base_ref: '',
      event_name: 'push',
      ref_type: 'tag',
      workflow_ref: `${repository}/.github/workflows/${job.workflow}@${ref}`,
      workflow_sha: sha,
      job_workflow_ref: `${repository}/.github/workflows/${job.workflow}@${ref}`,
      job_workflow_sha: sha,
      runner_environment: 'github-hosted',
      ...(job.environment ? { environment: job.environment } : {}),
      iss: url,
      nbf: now - 5,
      iat: now - 5,
      exp: now + 300,
      ...overrides,
    };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return claims;
  }

  return {
    url,
    kid,
    requests,
    served,
    sign,
    githubClaims,
    actionsTokenService(job) {
      const id = randomUUID();
      const secret = `runner-${randomUUID()}`;
      jobs.set(id, { job, secret });
      // The real URL carries a query already, so the audience is appended with `&`.
      return { ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/_apis/idtoken?api-version=2.0&job=${id}`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: secret };
    },
    setJwksStatus(status) {
      jwksStatus = status;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
