/**
 * Publishing from AWS, wired: the exchange under `/_/aws/` and the AWS publishers under
 * `/api/publishers/aws`. Loaded by aws-publishing.ts with the first such request.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AccessGuard } from '../app/access-guard.ts';
import { AwsIdentity } from '../app/aws-identity.ts';
import type { AwsPublisherStore, CallerIdentityPort } from '../app/aws-identity-ports.ts';
import type { PublisherStore } from '../app/ports.ts';
import type { TokenAdmin } from '../app/token-admin.ts';
import { AWS_PUBLISHERS_PREFIX, createAwsPublisherRoutes } from '../http/aws-publisher-routes.ts';
import { AWS_PREFIX, createAwsRoutes } from '../http/aws-routes.ts';
import type { HttpRequest, HttpResponse } from '../http/types.ts';
import { once } from './deferred.ts';

export interface AwsWiringDeps {
  readonly publishers: AwsPublisherStore;
  readonly stsRegions?: readonly string[];
  readonly stsConnectTo?: string;
}

export interface SharedDeps {
  readonly spent: Pick<PublisherStore, 'markTokenUsed'>;
  readonly tokenAdmin: TokenAdmin;
  readonly guard: AccessGuard;
  readonly serverId: string;
  readonly logger: Logger;
  readonly now: () => number;
}

/** The handler of every AWS path (undefined for any other). */
export function wireAwsPublishing(deps: AwsWiringDeps, shared: SharedDeps): (request: HttpRequest) => Promise<HttpResponse> | undefined {
  const sts = once(async () => {
    const { StsCallerIdentity } = await import('../adapters/sts-caller-identity.ts');
    return new StsCallerIdentity(deps.stsConnectTo !== undefined ? { connectTo: deps.stsConnectTo } : {});
  });
  const deferredSts: CallerIdentityPort = { callerIdentity: async (request) => (await sts()).callerIdentity(request) };
  const identity = new AwsIdentity({
    publishers: deps.publishers,
    spent: shared.spent,
    sts: deferredSts,
    tokenAdmin: shared.tokenAdmin,
    guard: shared.guard,
    logger: shared.logger,
    serverId: shared.serverId,
    endpoints: { regions: deps.stsRegions ?? [] },
    now: shared.now,
  });
  const exchange = createAwsRoutes(identity, shared.logger);
  const publishers = createAwsPublisherRoutes(identity, shared.guard, shared.logger);
  return (request) => {
    if (request.path.startsWith(AWS_PREFIX)) return exchange(request);
    if (request.path === AWS_PUBLISHERS_PREFIX || request.path.startsWith(`${AWS_PUBLISHERS_PREFIX}/`)) return publishers(request);
    return undefined;
  };
}
