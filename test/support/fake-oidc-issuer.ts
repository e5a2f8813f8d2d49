/**
 * An OIDC issuer on loopback that stands in for GitHub Actions' token service, a GitLab
 * instance or Google's accounts service: its own RSA keys, its discovery document and JWKS
 * over HTTP, and tokens signed with any claims, key id or key, so tests can make both the
 * tokens those issuers make and the ones an attacker would. Start one per issuer.
 *
 * As Google Cloud's metadata server, it also answers
 * `/computeMetadata/v1/instance/service-accounts/default/identity?audience=AUD&format=full`
 * (with `Metadata-Flavor: Google` only) for the account `googleMetadata` names: point
 * `GCE_METADATA_HOST` at `metadataHost`.
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

export interface GitLabJob {
  /** `namespace/project`, subgroups included. */
  readonly projectPath: string;
  readonly projectId: string;
  readonly namespaceId: string;
  /** @default .gitlab-ci.yml */
  readonly ciConfigPath?: string;
  /** @default refs/tags/v1.0.0 */
  readonly refPath?: string;
  readonly environment?: string;
  readonly pipelineId?: string;
}

export interface GoogleAccount {
  readonly email: string;
  /** The account's unique id (`sub`). */
  readonly uniqueId: string;
  /** @default true */
  readonly emailVerified?: boolean;
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
  /** The claims GitLab puts in a job's `id_tokens` token (this issuer as the instance), valid for 5 minutes. */
  gitlabClaims(job: GitLabJob, audience: string, overrides?: Record<string, unknown>): JWTPayload & Record<string, unknown>;
  /** The claims Google puts in a service account's identity token (`format=full`), valid for an hour; no jti. */
  googleClaims(account: GoogleAccount, audience: string, overrides?: Record<string, unknown>): JWTPayload & Record<string, unknown>;
  /** Serve identity tokens for `account` as the metadata server (undefined: it answers 404). */
  googleMetadata(account: GoogleAccount | undefined): void;
  /** `host:port` for GCE_METADATA_HOST. */
  readonly metadataHost: string;
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
  let metadataAccount: GoogleAccount | undefined;

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
    if (target.pathname === '/computeMetadata/v1/instance/service-accounts/default/identity') {
      // As the real one: the header is required, and the answer is the bare JWT as text.
      if (req.headers['metadata-flavor'] !== 'Google' || !metadataAccount) {
        return void res.writeHead(metadataAccount ? 403 : 404, { 'content-type': 'text/html' }).end('Missing Metadata-Flavor:Google header.');
      }
      const audience = target.searchParams.get('audience') ?? '';
      served.push(audience);
      const full = target.searchParams.get('format') === 'full';
      const claims = googleClaims(metadataAccount, audience);
      if (!full) delete claims['email'], delete claims['email_verified'];
      void sign(claims).then(
        (jwt) => res.writeHead(200, { 'content-type': 'text/html', 'metadata-flavor': 'Google' }).end(jwt),
        (err: Error) => res.writeHead(500).end(err.message),
      );
      return;
    }
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

  function gitlabClaims(job: GitLabJob, audience: string, overrides: Record<string, unknown> = {}): JWTPayload & Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const refPath = job.refPath ?? 'refs/tags/v1.0.0';
    const ref = refPath.replace(/^refs\/(tags|heads)\//, '');
    const refType = refPath.startsWith('refs/tags/') ? 'tag' : 'branch';
    const namespace = job.projectPath.slice(0, job.projectPath.lastIndexOf('/'));
    const claims: Record<string, unknown> = {
      namespace_id: job.namespaceId,
      namespace_path: namespace,
      project_id: job.projectId,
      project_path: job.projectPath,
      user_id: '42',
      user_login: 'gitlab-user',
      user_email: 'user@example.com',
      user_access_level: 'maintainer',
      pipeline_id: job.pipelineId ?? '880',
      pipeline_source: 'push',
      job_id: '9100',
      ref,
      ref_type: refType,
      ref_path: refPath,
      ref_protected: 'true',
      ...(job.environment ? { environment: job.environment, environment_protected: 'true', deployment_tier: 'production' } : {}),
      runner_id: 12270857,
      runner_environment: 'gitlab-hosted',
      sha: 'b'.repeat(40),
      project_visibility: 'public',
      ci_config_ref_uri: `${url.replace(/^https?:\/\//, '')}/${job.projectPath}//${job.ciConfigPath ?? '.gitlab-ci.yml'}@${refPath}`,
      ci_config_sha: 'b'.repeat(40),
      jti: randomUUID(),
      iat: now - 5,
      nbf: now - 10,
      exp: now + 300,
      iss: url,
      sub: `project_path:${job.projectPath}:ref_type:${refType}:ref:${ref}`,
      aud: audience,
      ...overrides,
    };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return claims;
  }

  let googleTokens = 0;
  function googleClaims(account: GoogleAccount, audience: string, overrides: Record<string, unknown> = {}): JWTPayload & Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: audience,
      azp: account.uniqueId,
      email: account.email,
      email_verified: account.emailVerified ?? true,
      // Google's tokens carry no jti, and RS256 is deterministic: two asked for in one second
      // would be the very same token (spent once). Each one made here differs in its expiry.
      exp: now + 3600 - (googleTokens++ % 600),
      iat: now - 5,
      iss: url,
      sub: account.uniqueId,
      ...overrides,
    };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return claims;
  }

  return {
    url,
    kid,
    gitlabClaims,
    googleClaims,
    googleMetadata(account) {
      metadataAccount = account;
    },
    metadataHost: url.replace(/^http:\/\//, ''),
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
