/** Builds the admin function (the `/api/` routes) from its stores; Lambda and local server share it. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { accessGuardFor } from './app/access-guard.ts';
import { TokenAdmin } from './app/token-admin.ts';
import type { AccessConfig } from './config.ts';
import { createAdminRoutes } from './http/admin-routes.ts';
import { createLambdaHandler, type WharfLambdaHandler } from './http/lambda-handler.ts';
import type { TokenStore } from './ports.ts';

export interface AdminFunctionDeps {
  readonly tokens: TokenStore;
  readonly config: Pick<AccessConfig, 'publicRead' | 'authCacheSeconds'>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export function createAdminFunction(deps: AdminFunctionDeps): WharfLambdaHandler {
  const now = deps.now ?? Date.now;
  const guard = accessGuardFor(deps.tokens, deps.config, deps.logger, now);
  const tokenAdmin = new TokenAdmin(deps.tokens, () => new Date(now()));
  return createLambdaHandler(createAdminRoutes({ tokenAdmin, guard, logger: deps.logger }, now), deps.logger);
}
