/** Builds the read function from its stores; the Lambda module and the local server share it. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { Downloads } from './app/downloads.ts';
import { SimpleIndex } from './app/simple-index.ts';
import type { WharfConfig } from './config.ts';
import { createLambdaHandler, type WharfLambdaHandler } from './http/lambda-handler.ts';
import { createReadRoutes } from './http/read-routes.ts';
import type { DownloadSigner, MetadataStore } from './ports.ts';

export interface ReadFunctionDeps {
  readonly metadata: MetadataStore;
  readonly signer: DownloadSigner;
  readonly config: Pick<WharfConfig, 'pageCacheControl' | 'signingWindowSeconds'>;
  readonly logger: Logger;
  readonly now?: () => number;
}

export function createReadFunction(deps: ReadFunctionDeps): WharfLambdaHandler {
  const routes = createReadRoutes({
    simpleIndex: new SimpleIndex(deps.metadata),
    downloads: new Downloads(deps.signer, deps.config, deps.now),
    pageCacheControl: deps.config.pageCacheControl,
    logger: deps.logger,
  });
  return createLambdaHandler(routes, deps.logger);
}
