/**
 * Builds the write function from its stores: the legacy upload (`POST /legacy/`) and the
 * project routes (`/api/projects/...`: yank, un-yank, delete). Lambda and local server share it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { accessGuardFor } from '../app/access-guard.ts';
import { Ingest } from '../app/ingest.ts';
import { ProjectAdmin } from '../app/project-admin.ts';
import type { WharfConfig } from '../config/wharf-config.ts';
import { NotFoundError } from '../core/errors.ts';
import { errorResponse } from '../http/error-map.ts';
import { withNetworkAllowlist } from '../http/network-allowlist.ts';
import type { RouteHandler } from '../http/types.ts';
import { createLambdaHandler, type WharfLambdaHandler } from '../http/lambda-handler.ts';
import { createLegacyUploadRoute } from '../http/legacy-upload-routes.ts';
import { createProjectRoutes } from '../http/project-routes.ts';
import type { BlobStore, MetadataStore, PublisherStore, PublishingSessionStore, TokenVerifier, UploadSessionStore, UploadStaging } from '../app/ports.ts';
import type { RetentionStore } from '../app/retention-ports.ts';
import { RETENTION_PREFIX } from '../config/functions.ts';
import { AttestationCheck } from '../app/attestation-check.ts';
import { once } from './deferred.ts';
import { UploadSessions } from '../app/upload-sessions.ts';
import { createUploadSessionRoutes, UPLOAD_SESSIONS_PATH } from '../http/upload-session-routes.ts';
import { MAX_SESSION_LIFETIME_SECONDS, type UploadSessionsConfig } from '../config/upload-config.ts';
import { PublishingSessions } from '../app/publishing-sessions.ts';
import { createUploadApiRoutes, UPLOAD_API_ROOT } from '../http/upload-api-routes.ts';
import { UploadRights } from '../app/upload-rights.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';

/** What upload sessions (files of any size, straight to S3) need. */
export interface UploadSessionDeps {
  /** File upload sessions, and PEP 694's publishing sessions beside them. */
  readonly sessions: UploadSessionStore & PublishingSessionStore;
  readonly staging: UploadStaging;
  readonly config: UploadSessionsConfig;
  /** Starts background verification without waiting for it (the verifier function). */
  readonly startVerification: (sessionId: string) => Promise<void>;
  /** Starts a PEP 694 publish in the background (the verifier function); absent, every publish is synchronous. */
  readonly startPublish?: (publishingSessionId: string) => Promise<void>;
}

/** What verifying PEP 740 attestations needs. */
export interface AttestationDeps {
  /** The project's trusted publishers, by their lookup key (the tokens table). */
  readonly publishers: Pick<PublisherStore, 'publishersForRepository'>;
  /** The OIDC issuer a GitHub Actions signing certificate names (trusted publishing's GitHub issuer). */
  readonly githubIssuer: string;
  /** The GitLab instances trusted publishing trusts. @default gitlab.com */
  readonly gitlabIssuers?: readonly string[];
  /** Google's issuer, or none when trusted publishing from Google is off. @default accounts.google.com */
  readonly googleIssuers?: readonly string[];
  /** A parsed Sigstore trusted_root.json; absent: Sigstore's public-good root, pinned in the repository. */
  readonly trustedRoot?: unknown;
}

export interface WriteFunctionDeps {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  /** Token lookups only: uploading never needs to make a token. */
  readonly tokens: TokenVerifier;
  readonly config: Pick<WharfConfig, 'publicRead' | 'authCacheSeconds' | 'maxUploadBytes' | 'allowedNetworks'>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Upload sessions; without them only the legacy upload takes files (tests of it alone). */
  readonly uploads?: UploadSessionDeps;
  /** Attestations (PEP 740); without them an upload that carries some is refused. */
  readonly attestations?: AttestationDeps;
  /** The names pending trusted publishers reserve (the tokens table); absent: none is. */
  readonly reservations?: Pick<PublisherStore, 'reservationOf'>;
  /** Retention rules and their walk (`/api/retention/`); without, those routes answer 404. */
  readonly retention?: RetentionStore;
  /** Requests, uploads, bytes, refusals, auth failures, verifier outcomes (EMF on Lambda). @default NO_METRICS */
  readonly metrics?: Metrics;
}

/** The attestation check, its Sigstore code loaded with the first attestation (lib/bundling.ts splits it off). */
function attestationCheck(deps: AttestationDeps): AttestationCheck {
  return new AttestationCheck({
    publishers: deps.publishers,
    githubIssuer: deps.githubIssuer,
    ...(deps.gitlabIssuers ? { gitlabIssuers: deps.gitlabIssuers } : {}),
    ...(deps.googleIssuers ? { googleIssuers: deps.googleIssuers } : {}),
    verifier: once(async () => {
      const { SigstoreAttestationVerifier, PUBLIC_GOOD_TRUSTED_ROOT } = await import('../adapters/sigstore-verifier.ts');
      return new SigstoreAttestationVerifier(deps.trustedRoot ?? PUBLIC_GOOD_TRUSTED_ROOT);
    }),
  });
}

export function createWriteFunction(deps: WriteFunctionDeps): WharfLambdaHandler {
  const now = deps.now ?? Date.now;
  const metrics = deps.metrics ?? NO_METRICS;
  const guard = accessGuardFor(deps.tokens, deps.config, deps.logger, now, metrics);
  const clock = () => new Date(now());
  const attestations = deps.attestations && attestationCheck(deps.attestations);
  const uploads = deps.uploads;
  const uploadSessions =
    uploads &&
    new UploadSessions({
      sessions: uploads.sessions,
      staging: uploads.staging,
      metadata: deps.metadata,
      ingest: new Ingest(deps.metadata, deps.blobs, clock, undefined, metrics),
      config: uploads.config,
      startVerification: uploads.startVerification,
      ...(attestations ? { attestations } : {}),
      now: clock,
      logger: deps.logger,
      metrics,
    });
  const publishing =
    uploads &&
    uploadSessions &&
    new PublishingSessions({
      store: uploads.sessions,
      files: uploads.sessions,
      uploads: uploadSessions,
      metadata: deps.metadata,
      config: {
        lifetimeSeconds: uploads.config.sessionLifetimeSeconds,
        maxLifetimeSeconds: MAX_SESSION_LIFETIME_SECONDS,
        inlinePublishBytes: uploads.config.inlineVerifyBytes,
        publishDeadlineSeconds: uploads.config.verifyDeadlineSeconds,
      },
      ...(uploads.startPublish ? { startPublish: uploads.startPublish } : {}),
      now: clock,
    });
  // Every way in asks here before a new name enters the index: pending publishers' and open sessions' names included.
  const rights = new UploadRights(guard, deps.metadata, deps.reservations, now, publishing);
  const upload = createLegacyUploadRoute({
    guard,
    ...(attestations ? { attestations } : {}),
    ingest: new Ingest(deps.metadata, deps.blobs, clock, undefined, metrics),
    rights,
    maxUploadBytes: deps.config.maxUploadBytes,
    logger: deps.logger,
  });
  const sessions =
    uploads &&
    uploadSessions &&
    createUploadSessionRoutes({ guard, sessions: uploadSessions, rights, maxSessionBytes: uploads.config.maxSessionBytes, logger: deps.logger });
  // PEP 694 (Upload 2.0) on the same file sessions, staging and verifier.
  const uploadApi =
    uploads &&
    publishing &&
    createUploadApiRoutes({
      guard,
      publishing,
      uploads: uploadSessions,
      rights,
      maxSessionBytes: uploads.config.maxSessionBytes,
      logger: deps.logger,
    });
  const projectAdmin = new ProjectAdmin(deps.metadata, deps.blobs, clock);
  const projects = createProjectRoutes({ guard, projectAdmin, logger: deps.logger });
  const store = deps.retention;
  // Retention is for admins, now and then: its code loads with its first call (lib/bundling.ts splits it off).
  const retention =
    store &&
    once(async () => {
      const [{ createRetentionRoutes }, { Retention }] = await Promise.all([import('../http/retention-routes.ts'), import('../app/retention.ts')]);
      const use = new Retention({
        metadata: deps.metadata,
        store,
        admin: projectAdmin,
        now: clock,
        onRemoved: (project, release, rule) =>
          deps.logger.info('Retention removed a release', { retention: { project, version: release.version, files: release.files, rule, why: release.why } }),
      });
      return createRetentionRoutes({ guard, retention: use, logger: deps.logger });
    });

  const routes: RouteHandler = async (request) => {
    if (request.path === '/legacy/' || request.path === '/legacy') return upload(request);
    if (request.path.startsWith('/api/projects/')) return projects(request);
    if (retention && (request.path === RETENTION_PREFIX || request.path.startsWith(`${RETENTION_PREFIX}/`))) return (await retention())(request);
    if (uploadApi && (request.path === UPLOAD_API_ROOT || request.path.startsWith(`${UPLOAD_API_ROOT}/`))) return uploadApi(request);
    if (sessions && (request.path === UPLOAD_SESSIONS_PATH || request.path.startsWith(`${UPLOAD_SESSIONS_PATH}/`))) return sessions(request);
    return errorResponse(
      new NotFoundError(`Nothing takes a ${request.method} at ${request.path}. Upload with twine to ${request.basePath}/legacy/.`),
      deps.logger,
    );
  };
  return createLambdaHandler(withNetworkAllowlist(routes, deps.config.allowedNetworks, guard, deps.logger), deps.logger, metrics);
}
