/** Builds the read function from its stores; the Lambda module and the local server share it. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { accessGuardFor } from '../app/access-guard.ts';
import { Downloads } from '../app/downloads.ts';
import { SimpleIndex } from '../app/simple-index.ts';
import { ProjectViews, type ProvenanceReader } from '../app/project-views.ts';
import type { Provenance } from '../core/attestations.ts';
import type { WharfConfig } from '../config/wharf-config.ts';
import { withNetworkAllowlist } from '../http/network-allowlist.ts';
import { createLambdaHandler, type WharfLambdaHandler } from '../http/lambda-handler.ts';
import { createReadRoutes } from '../http/read-routes.ts';
import type { DownloadSigner, MetadataStore, PresignedObjectReader, TokenVerifier } from '../app/ports.ts';
import type { UpstreamIndex } from '../app/upstream-index.ts';
import type { Metrics } from '../app/metrics-ports.ts';
import type { PublishClientReader } from '../http/client-routes.ts';

export interface ReadFunctionDeps {
  readonly metadata: MetadataStore;
  readonly signer: DownloadSigner;
  /** Token lookups only: the page-serving function cannot create or revoke tokens. */
  readonly tokens: TokenVerifier;
  readonly config: Pick<WharfConfig, 'pageCacheControl' | 'signingWindowSeconds' | 'publicRead' | 'authCacheSeconds' | 'descriptionImages' | 'allowedNetworks'>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Reads `.metadata` through its presigned URL so the function serves it itself; absent, a redirect. */
  readonly objects?: PresignedObjectReader;
  /** Projects Wharf does not host: redirect, proxy or cache (lambdas/app/upstream-index.ts). */
  readonly upstream?: UpstreamIndex;
  /** Requests, pages, downloads, refusals, auth failures (EMF on Lambda). @default NO_METRICS */
  readonly metrics?: Metrics;
  /** The single-file publish client, served at /client/wharf.mjs; absent, that path is a 404. */
  readonly publishClient?: PublishClientReader;
}

export function createReadFunction(deps: ReadFunctionDeps): WharfLambdaHandler {
  // One kept copy of each project, shared by its simple page and its JSON and HTML views.
  const simpleIndex = new SimpleIndex(deps.metadata);
  const downloads = new Downloads(deps.signer, deps.config, deps.now, deps.objects, (message, extra) => deps.logger.warn(message, extra ?? {}));
  // The web page names each attested file's publisher: read from the provenance object the
  // integrity route serves (inline, as it is small), not copied into the index.
  const provenance: ProvenanceReader = async (file) => {
    const answer = await downloads.provenance(file.project, file.sha256, file.filename, file.provenanceSha256);
    if (answer.kind !== 'inline') return undefined;
    return JSON.parse(new TextDecoder().decode(answer.body)) as Provenance;
  };
  const guard = accessGuardFor(deps.tokens, deps.config, deps.logger, deps.now, deps.metrics);
  const routes = createReadRoutes({
    simpleIndex,
    projectViews: new ProjectViews(deps.metadata, simpleIndex, { provenance }),
    downloads,
    metadataCacheControl: `${deps.config.publicRead ? 'public' : 'private'}, max-age=31536000, immutable`,
    pageCacheControl: deps.config.pageCacheControl,
    ...(deps.config.descriptionImages ? { descriptionImages: deps.config.descriptionImages } : {}),
    logger: deps.logger,
    guard,
    ...(deps.upstream ? { upstream: deps.upstream } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.publishClient ? { publishClient: deps.publishClient } : {}),
  });
  return createLambdaHandler(withNetworkAllowlist(routes, deps.config.allowedNetworks, guard, deps.logger), deps.logger, deps.metrics);
}
