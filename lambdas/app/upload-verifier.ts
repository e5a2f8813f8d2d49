/**
 * Verifying a completed upload session: the staged object's size and sha256 against the
 * declaration, the archive read by ranged reads, then Ingest.ingestContent with a
 * server-side copy from the staging key. What the verifier function runs for large files,
 * and UploadSessions.complete() for small ones. A refusal ends the session `failed` with
 * the reason; the staged bytes are removed either way.
 */
import { inspectDistributionAt, type InspectedDistribution } from '../core/distribution.ts';
import { InvalidInputError, NotFoundError, WharfError } from '../core/errors.ts';
import { releaseMetadataOf, type ReleaseMetadata } from '../core/release-metadata.ts';
import type { UploadSession } from '../core/upload-session.ts';
import type { Provenance } from '../core/attestations.ts';
import type { Ingest } from './ingest.ts';
import type { UploadSessionStore, UploadStaging } from './ports.ts';
import { NO_METRICS, type Metrics } from './metrics-ports.ts';
import type { VerifierOutcome } from '../config/metrics.ts';

export interface UploadVerifierDeps {
  readonly sessions: UploadSessionStore;
  readonly staging: UploadStaging;
  readonly ingest: Ingest;
  readonly logger?: { info(message: string, extra: Record<string, unknown>): void; error(message: string, ...extra: unknown[]): void };
  /** Counts VerifierOutcomes: published, unchanged, refused (the file's fault), failed (ours). @default NO_METRICS */
  readonly metrics?: Metrics;
}

/** Removes what a session staged: the multipart upload if any, and the object. */
export async function discardStaged(staging: UploadStaging, session: UploadSession): Promise<void> {
  if (session.uploadId !== undefined) await staging.abortMultipart(session.stagingKey, session.uploadId);
  await staging.delete(session.stagingKey).catch(() => undefined);
}

interface Checked {
  readonly size: number;
  readonly sha256: string;
  readonly inspected: InspectedDistribution;
  readonly release: ReleaseMetadata;
  readonly etag: string;
}

export class UploadVerifier {
  constructor(private readonly deps: UploadVerifierDeps) {}

  /**
   * Verifies a session in `verifying` and ingests its file; any other session is returned
   * as it stands.
   */
  async verify(id: string): Promise<UploadSession> {
    const session = await this.deps.sessions.getSession(id);
    if (!session || session.status !== 'verifying') {
      if (!session) throw new NotFoundError(`There is no upload session ${id}.`);
      return session;
    }
    let outcome: 'created' | 'unchanged' | undefined;
    let stagedEtag: string | undefined;
    try {
      if (session.publishingSessionId !== undefined) {
        // PEP 694: verified and kept staged; publishing the session lists it.
        stagedEtag = (await this.check(session)).etag;
      } else {
        outcome = await this.ingestChecked(session, await this.check(session));
      }
    } catch (err) {
      const userFault = err instanceof WharfError;
      if (!userFault) this.deps.logger?.error('Upload session verification failed', err as Error);
      this.outcome(userFault ? 'refused' : 'failed');
      const message = userFault
        ? (err as Error).message
        : 'Verifying the upload failed on our side; nothing was published. Publish the file again.';
      await discardStaged(this.deps.staging, session);
      return (await this.deps.sessions.transitionSession(id, 'verifying', 'failed', { error: message })) ?? (await this.current(id));
    }
    if (outcome === undefined) {
      const completed = await this.deps.sessions.transitionSession(id, 'verifying', 'completed', { stagedEtag });
      if (completed) return completed;
      // Deleted (or its publishing session cancelled) while being verified: nothing of it stays.
      await discardStaged(this.deps.staging, session);
      return this.current(id);
    }
    await this.deps.staging.delete(session.stagingKey);
    this.outcome(outcome === 'created' ? 'published' : 'unchanged');
    this.logUpload(session, outcome);
    return (await this.deps.sessions.transitionSession(id, 'verifying', 'published', { outcome })) ?? (await this.current(id));
  }

  private logUpload(session: UploadSession, outcome: 'created' | 'unchanged'): void {
    this.deps.logger?.info('upload', {
      upload: { tokenId: session.tokenId, project: session.project, filename: session.filename, outcome, size: session.size, session: session.id },
    });
  }

  /**
   * Lists a `completed` file of a publishing session: its staged bytes (the very object that
   * was verified: same ETag) copied to their final key and indexed by the legacy upload's
   * own path. The staged object stays; the caller removes it.
   */
  async ingestStaged(session: UploadSession): Promise<'created' | 'unchanged'> {
    const stat = await this.deps.staging.stat(session.stagingKey);
    if (!stat || stat.etag !== session.stagedEtag || stat.size !== session.size) {
      throw new InvalidInputError(
        `The staged bytes of ${session.filename} changed after they were verified: nothing of it was published. Delete the file from the session and upload it again.`,
      );
    }
    const inspected = await inspectDistributionAt(session.filename, this.deps.staging.source(session.stagingKey, stat.size));
    const outcome = await this.ingestChecked(session, { size: stat.size, sha256: session.sha256, inspected, release: releaseMetadataOf(inspected.metadata), etag: stat.etag });
    this.logUpload(session, outcome);
    return outcome;
  }

  /** The staged object against the declaration: size, sha256, the archive and its metadata. */
  private async check(session: UploadSession): Promise<Checked> {
    const { filename, stagingKey: key } = session;
    const stat = await this.deps.staging.stat(key);
    if (stat === undefined) {
      throw new InvalidInputError(`Nothing was uploaded for ${filename}: send the bytes by the session's upload mechanism before completing it.`);
    }
    const size = stat.size;
    if (size !== session.size) {
      throw new InvalidInputError(
        `Size mismatch: ${filename} was declared as ${session.size} bytes but ${size} bytes arrived. Nothing was published; upload the file again.`,
      );
    }
    const sha256 = await this.deps.staging.sha256(key);
    if (sha256 !== session.sha256) {
      throw new InvalidInputError(
        `sha256 mismatch: ${filename} was declared with sha256 ${session.sha256} but the bytes that arrived have ${sha256}: ` +
          'a part was corrupted on the way, or the declared digest is for another file. Nothing was published; upload the file again.',
      );
    }
    const inspected = await inspectDistributionAt(filename, this.deps.staging.source(key, size));
    if (inspected.packagetype !== session.filetype) {
      throw new InvalidInputError(`${filename} is not the ${session.filetype} the session declared.`);
    }
    if (inspected.normalizedName !== session.project) {
      throw new InvalidInputError(
        `${filename}: its metadata names the project ${inspected.name}, but the session was opened for ${session.project}. Name the file after the project its metadata gives.`,
      );
    }
    return { size, sha256, inspected, release: releaseMetadataOf(inspected.metadata), etag: stat.etag };
  }

  private async ingestChecked(session: UploadSession, checked: Checked): Promise<'created' | 'unchanged'> {
    const key = session.stagingKey;
    const result = await this.deps.ingest.ingestContent(
      session.filename,
      { size: checked.size, sha256: checked.sha256, store: (finalKey, options) => this.deps.staging.copy(key, finalKey, options) },
      checked.inspected,
      checked.release,
      session.provenance !== undefined ? (JSON.parse(session.provenance) as Provenance) : undefined,
    );
    return result.outcome;
  }

  private outcome(outcome: VerifierOutcome): void {
    (this.deps.metrics ?? NO_METRICS).add('VerifierOutcomes', 1, { Outcome: outcome });
  }

  /** The session as stored, after a transition another writer won. */
  private async current(id: string): Promise<UploadSession> {
    const session = await this.deps.sessions.getSession(id);
    if (!session) throw new NotFoundError(`There is no upload session ${id}.`);
    return session;
  }
}
