/**
 * The IP allowlist in front of a function's routes (`WHARF_ALLOWED_NETWORKS`,
 * `wharf serve --allow-ip`): a caller outside the allowed networks gets a 403 that says why,
 * except where trusted publishing must reach from CI runners anywhere (lambdas/core/networks.ts
 * decides which requests those are). The same check runs on AWS and in the local server.
 *
 * The caller's address is API Gateway's `requestContext.http.sourceIp` (the TCP peer it saw;
 * locally the socket's), never a header such as X-Forwarded-For that a client can write.
 */
import type { AccessGuard } from '../app/access-guard.ts';
import { ForbiddenError } from '../core/errors.ts';
import { networksContain, outsideMessage, outsideRule, type Network } from '../core/networks.ts';
import { errorResponse, type ErrorLogger } from './error-map.ts';
import type { RouteHandler } from './types.ts';

export interface NetworkLogger extends ErrorLogger {
  info(message: string, extra: Record<string, unknown>): void;
}

export function withNetworkAllowlist(
  routes: RouteHandler,
  networks: readonly Network[] | undefined,
  guard: Pick<AccessGuard, 'isTrustedPublishing'>,
  logger: NetworkLogger,
): RouteHandler {
  if (!networks) return routes;
  return async (request) => {
    const address = request.sourceIp ?? '';
    if (networksContain(networks, address)) return routes(request);
    const rule = outsideRule(request.method, request.path);
    if (rule === 'open') return routes(request);
    if (rule === 'trusted-publishing' && (await guard.isTrustedPublishing(request.headers['authorization']))) return routes(request);
    logger.info('network', { network: { sourceIp: address, method: request.method, path: request.path, rule, allowed: false } });
    return errorResponse(new ForbiddenError(outsideMessage(address)), logger);
  };
}
