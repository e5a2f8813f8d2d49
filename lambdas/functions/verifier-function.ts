/**
 * Builds the verifier function: verifies and ingests one completed upload session, for
 * files whose hashing and copying may outlast API Gateway's 30 s. Invoked asynchronously
 * by the write function (InvocationType Event) on AWS, in-process locally.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { Ingest } from '../app/ingest.ts';
import { UploadVerifier } from '../app/upload-verifier.ts';
import type { BlobStore, MetadataStore, UploadSessionStore, UploadStaging } from '../app/ports.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';

export interface VerifyEvent {
  readonly sessionId: string;
}

export type VerifierHandler = (event: VerifyEvent) => Promise<{ sessionId: string; status: string }>;

export interface VerifierFunctionDeps {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly sessions: UploadSessionStore;
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
  return async (event) => {
    try {
      if (typeof event?.sessionId !== 'string') throw new Error('The verifier needs {"sessionId": "..."}');
      const session = await verifier.verify(event.sessionId);
      return { sessionId: session.id, status: session.status };
    } finally {
      metrics.flush();
    }
  };
}
