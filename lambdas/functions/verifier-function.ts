/**
 * Builds the verifier function: verifies and ingests one completed upload session, for
 * files whose hashing and copying may outlast API Gateway's 30 s. Invoked asynchronously
 * by the write function (InvocationType Event) on AWS, in-process locally.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { Ingest } from '../app/ingest.ts';
import { UploadVerifier } from '../app/upload-verifier.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';
import type { PublishingSessions } from '../app/publishing-sessions.ts';
import { MAX_SESSION_LIFETIME_SECONDS, SESSION_DEFAULTS } from '../config/upload-config.ts';
import type { BlobStore, MetadataStore, PublishingSessionStore, UploadSessionStore, UploadStaging } from '../app/ports.ts';
import { once } from './deferred.ts';

/** A file upload session to verify, or a PEP 694 publishing session to publish. */
export type VerifyEvent = { readonly sessionId: string } | { readonly publishingSessionId: string };

export type VerifierHandler = (event: VerifyEvent) => Promise<{ sessionId: string; status: string }>;

export interface VerifierFunctionDeps {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly sessions: UploadSessionStore & PublishingSessionStore;
  readonly staging: UploadStaging;
  readonly logger: Logger;
  readonly now?: () => number;
  /** VerifierOutcomes, uploads and bytes published (EMF on Lambda). @default NO_METRICS */
  readonly metrics?: Metrics;
}

export function createVerifierFunction(deps: VerifierFunctionDeps): VerifierHandler {
  const clock = () => new Date((deps.now ?? Date.now)());
  const metrics = deps.metrics ?? NO_METRICS;
  const verifier = new UploadVerifier({
    sessions: deps.sessions,
    staging: deps.staging,
    ingest: new Ingest(deps.metadata, deps.blobs, clock, undefined, metrics),
    logger: deps.logger,
    metrics,
  });
  // A PEP 694 session above the inline limit (64 MiB) is the other event: publishing it needs
  // the session use cases, which a file session's verification never runs, so they load
  // with the first such event (lib/bundling.ts splits them off).
  const publishing = once(async (): Promise<PublishingSessions> => {
    const [{ UploadSessions }, { PublishingSessions }] = await Promise.all([import('../app/upload-sessions.ts'), import('../app/publishing-sessions.ts')]);
    const ingest = new Ingest(deps.metadata, deps.blobs, clock);
    // What publishing a session in the background needs: listing its staged files (UploadSessions.publishStaged).
    const uploads = new UploadSessions({
      sessions: deps.sessions,
      staging: deps.staging,
      metadata: deps.metadata,
      ingest,
      config: SESSION_DEFAULTS,
      startVerification: async () => undefined,
      now: clock,
      logger: deps.logger,
    });
    return new PublishingSessions({
      store: deps.sessions,
      files: deps.sessions,
      uploads,
      metadata: deps.metadata,
      config: {
        lifetimeSeconds: SESSION_DEFAULTS.sessionLifetimeSeconds,
        maxLifetimeSeconds: MAX_SESSION_LIFETIME_SECONDS,
        inlinePublishBytes: SESSION_DEFAULTS.inlineVerifyBytes,
        publishDeadlineSeconds: SESSION_DEFAULTS.verifyDeadlineSeconds,
      },
      now: clock,
    });
  });
  return async (event) => {
    try {
      if ('publishingSessionId' in event && typeof event.publishingSessionId === 'string') {
        const session = await (await publishing()).finishPublish(event.publishingSessionId);
        return { sessionId: session.id, status: session.status };
      }
      if (!('sessionId' in event) || typeof event.sessionId !== 'string') throw new Error('The verifier needs {"sessionId": "..."} or {"publishingSessionId": "..."}');
      const session = await verifier.verify(event.sessionId);
      return { sessionId: session.id, status: session.status };
    } finally {
      metrics.flush();
    }
  };
}
