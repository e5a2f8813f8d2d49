/** Builds the admin function (the `/api/` routes) from its stores; Lambda and local server share it. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { accessGuardFor } from '../app/access-guard.ts';
import { TokenAdmin } from '../app/token-admin.ts';
import { TrustedPublishing } from '../app/trusted-publishing.ts';
import { OIDC_DEFAULTS, trustedIssuerList, type AccessConfig, type OidcConfig } from '../config/wharf-config.ts';
import { createAdminRoutes } from '../http/admin-routes.ts';
import { withNetworkAllowlist } from '../http/network-allowlist.ts';
import type { RouteHandler } from '../http/types.ts';
import { createLambdaHandler, type WharfLambdaHandler } from '../http/lambda-handler.ts';
import { createOidcRoutes, OIDC_PREFIX } from '../http/oidc-routes.ts';
import { createPublisherRoutes, PUBLISHERS_PREFIX } from '../http/publisher-routes.ts';
import type { PublisherStore, TokenStore } from '../app/ports.ts';
import type { ProjectLookup } from '../app/trusted-publishing.ts';
import { deferredTokenVerifier, once } from './deferred.ts';
import { awsPublishingRoutes, type AwsPublishingDeps } from './aws-publishing.ts';
import type { Metrics } from '../app/metrics-ports.ts';

export interface AdminFunctionDeps {
  readonly tokens: TokenStore;
  /** Trusted publishers and spent OIDC token ids (the tokens table). */
  readonly publishers: PublisherStore;
  /** Whether a project exists (GetItem on the package table): pending publishers need it. */
  readonly projects?: ProjectLookup;
  readonly config: Pick<AccessConfig, 'publicRead' | 'authCacheSeconds' | 'allowedNetworks'>;
  /** @default audience "wharf", the issuers of GitHub, gitlab.com and Google */
  readonly oidc?: OidcConfig;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Publishing from AWS with an IAM role (`/_/aws/`, `/api/publishers/aws`). */
  readonly aws: AwsPublishingDeps;
  /** Requests and auth failures (EMF on Lambda). @default NO_METRICS */
  readonly metrics?: Metrics;
}

export function createAdminFunction(deps: AdminFunctionDeps): WharfLambdaHandler {
  const now = deps.now ?? Date.now;
  const guard = accessGuardFor(deps.tokens, deps.config, deps.logger, now, deps.metrics);
  const tokenAdmin = new TokenAdmin(deps.tokens, () => new Date(now()));
  const oidc = deps.oidc ?? OIDC_DEFAULTS;
  const publishing = new TrustedPublishing({
    publishers: deps.publishers,
    tokenAdmin,
    // jose loads with the first token exchange, not with every cold start (deferred.ts).
    verifier: deferredTokenVerifier(
      oidc.audience,
      once(async () => {
        const { OidcVerifier } = await import('../adapters/oidc-verifier.ts');
        return new OidcVerifier({ issuers: trustedIssuerList(oidc), audience: oidc.audience, now });
      }),
    ),
    guard,
    logger: deps.logger,
    issuers: { github: [oidc.githubIssuer], gitlab: oidc.gitlabIssuers, google: oidc.googleIssuers },
    ...(deps.projects ? { projects: deps.projects } : {}),
    now,
  });
  const admin = createAdminRoutes({ tokenAdmin, guard, logger: deps.logger }, now);
  const publishers = createPublisherRoutes(publishing, guard, deps.logger);
  const exchange = createOidcRoutes(publishing, deps.logger);
  const aws = awsPublishingRoutes(deps.aws, { spent: deps.publishers, tokenAdmin, guard, serverId: oidc.audience, logger: deps.logger, now });
  const routes: RouteHandler = async (request) => {
    const fromAws = aws(request);
    if (fromAws) return fromAws;
    if (request.path.startsWith(OIDC_PREFIX)) return exchange(request);
    if (request.path === PUBLISHERS_PREFIX || request.path.startsWith(`${PUBLISHERS_PREFIX}/`)) return publishers(request);
    return admin(request);
  };
  return createLambdaHandler(withNetworkAllowlist(routes, deps.config.allowedNetworks, guard, deps.logger), deps.logger, deps.metrics);
}
