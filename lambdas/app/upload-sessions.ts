/**
 * Upload sessions: declare, upload straight to S3, complete, verify, ingest.
 *
 * The bytes land under `uploads/{session}/` (never a listed key). Completing checks the
 * staged object's size and sha256 against the declaration, reads the archive's metadata
 * by ranged reads, and hands the file to Ingest.ingestContent (the legacy upload's own
 * path: duplicate and tombstone rules, `.metadata`, ordering), whose `store` is a
 * server-side copy from the staging key. Only then is the file listed; the staged object
 * is removed either way. Files above `inlineVerifyBytes` are verified in the background
 * (the verifier function, lambdas/app/upload-verifier.ts) and the client polls the session.
 */
import { randomBytes } from 'node:crypto';
import { FileExistsError, InvalidInputError, NotFoundError, WharfError } from '../core/errors.ts';
import {
  type DeclaredFile,
  isExpired,
  partRange,
  planParts,
  stagingKey,
  type UploadSession,
  VERIFY_DEADLINE_SECONDS,
  verifyDeadline,
} from '../core/upload-session.ts';
import type { MetadataStore, UploadSessionStore, UploadStaging } from './ports.ts';
import type { Metrics } from './metrics-ports.ts';
import type { Ingest } from './ingest.ts';
import { UploadVerifier, discardStaged } from './upload-verifier.ts';
import type { UploadSessionsConfig } from '../config/upload-config.ts';
import { checkAgainstIndex } from '../core/file-identity.ts';
import { uploadRefusal } from '../core/project-status.ts';
import { verifyAttestations, type AttestationCheck } from './attestation-check.ts';
import type { AttestationObject } from '../core/attestations.ts';

/** At most this many part URLs per answer: a 5 GiB file has 320 parts of 16 MiB. */
export const MAX_PART_URLS = 100;

export interface PartUrl {
  readonly partNumber: number;
  readonly offset: number;
  readonly size: number;
  readonly url: string;
}

export interface UploadSessionsDeps {
  readonly sessions: UploadSessionStore;
  readonly staging: UploadStaging;
  readonly metadata: Pick<MetadataStore, 'getFile' | 'getTombstone' | 'getProject'>;
  readonly ingest: Ingest;
  readonly config: UploadSessionsConfig;
  /** Start background verification of a session (async invoke of the verifier). */
  readonly startVerification: (sessionId: string) => Promise<void>;
  readonly now?: () => Date;
  readonly logger?: { info(message: string, extra: Record<string, unknown>): void; error(message: string, ...extra: unknown[]): void };
  /** Verifies PEP 740 attestations sent with a declaration; absent, a declaration with some is refused. */
  readonly attestations?: AttestationCheck;
  /** Counts VerifierOutcomes of the sessions verified in the request. @default NO_METRICS */
  readonly metrics?: Metrics;
}

export type ExistingFile = { readonly existing: true; readonly filename: string; readonly sha256: string };

export class UploadSessions {
  private readonly now: () => Date;
  private readonly verifier: UploadVerifier;

  constructor(private readonly deps: UploadSessionsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.verifier = new UploadVerifier(deps);
  }

  get verifyDeadlineSeconds(): number {
    return this.deps.config.verifyDeadlineSeconds;
  }

  /**
   * Opens a session for a declared file the caller may upload. The same filename with the
   * same sha256 already published needs no upload (`existing`); with another sha256 it is
   * refused now, before any byte moves, as is a deleted filename.
   */
  async create(declared: DeclaredFile, tokenId: string): Promise<{ session: UploadSession; parts: PartUrl[] } | ExistingFile> {
    const [tombstone, existing, record] = await Promise.all([
      this.deps.metadata.getTombstone(declared.project, declared.filename),
      this.deps.metadata.getFile(declared.project, declared.filename),
      this.deps.metadata.getProject(declared.project),
    ]);
    const published = checkAgainstIndex(declared.filename, declared.sha256, { existing, tombstone });
    if (published) return { existing: true, filename: published.filename, sha256: published.sha256 };
    // PEP 792, before any byte moves; the ingest checks again when the session completes.
    const refusal = uploadRefusal(declared.project, record?.status);
    if (refusal) throw refusal;
    // PEP 740: verified now, against the declared filename and sha256; the verifier later
    // proves the bytes have that sha256, so the file is never listed with another's provenance.
    const provenance = declared.attestations
      ? JSON.stringify(await verifyAttestations(this.deps.attestations, declared, declared.attestations))
      : undefined;

    const { session, parts } = await this.start(declared, tokenId, provenance);
    return { session, parts };
  }

  /**
   * Opens the file upload session of a PEP 694 publishing session: like create(), but the
   * file is staged for the publishing session (verified on completion, listed only when the
   * session is published), its bytes POSTed to the index (`http-post-bytes`) or PUT to S3.
   */
  async open(
    declared: DeclaredFile,
    tokenId: string,
    within: { readonly publishingSessionId: string; readonly viaIndex: boolean; readonly expiresAt: string; readonly mechanismName?: string },
  ): Promise<{ session: UploadSession; parts: PartUrl[] }> {
    return this.start(declared, tokenId, undefined, within);
  }

  private async start(
    declared: DeclaredFile,
    tokenId: string,
    provenance: string | undefined,
    within?: { readonly publishingSessionId: string; readonly viaIndex: boolean; readonly expiresAt: string; readonly mechanismName?: string },
  ): Promise<{ session: UploadSession; parts: PartUrl[] }> {
    const id = randomBytes(16).toString('hex');
    const key = stagingKey(id, declared.filename);
    const plan = within?.viaIndex
      ? { mechanism: 'http-post-bytes' as const, partSize: declared.size, partCount: 1 }
      : planParts(declared.size, { singlePutBytes: this.deps.config.singlePutBytes, preferredPartBytes: this.deps.config.partBytes });
    const uploadId = plan.mechanism === 's3-multipart' ? await this.deps.staging.startMultipart(key) : undefined;
    const now = this.now();
    const session: UploadSession = {
      id,
      status: 'pending',
      project: declared.project,
      filename: declared.filename,
      filetype: declared.filetype,
      size: declared.size,
      sha256: declared.sha256,
      mechanism: plan.mechanism,
      partSize: plan.partSize,
      partCount: plan.partCount,
      stagingKey: key,
      ...(uploadId !== undefined ? { uploadId } : {}),
      tokenId,
      ...(provenance !== undefined ? { provenance } : {}),
      ...(within ? { publishingSessionId: within.publishingSessionId } : {}),
      ...(within?.mechanismName !== undefined ? { mechanismName: within.mechanismName } : {}),
      createdAt: now.toISOString(),
      expiresAt: within?.expiresAt ?? new Date(now.getTime() + this.deps.config.sessionLifetimeSeconds * 1000).toISOString(),
    };
    await this.deps.sessions.createSession(session);
    if (plan.mechanism === 'http-post-bytes') return { session, parts: [] };
    const first = Array.from({ length: Math.min(plan.partCount, MAX_PART_URLS) }, (_, i) => i + 1);
    return { session, parts: await this.partUrls(session, first) };
  }

  /**
   * The bytes of an `http-post-bytes` session, as the index received them: exactly the
   * declared size, stored at the staging key. Completing the session verifies them.
   */
  async receiveBytes(id: string, bytes: Uint8Array): Promise<UploadSession> {
    const session = await this.pending(id);
    if (session.mechanism !== 'http-post-bytes') {
      throw new InvalidInputError(`${session.filename} is uploaded by its presigned S3 URLs, not by POSTing its bytes here.`);
    }
    if (bytes.byteLength !== session.size) {
      throw new InvalidInputError(
        `${session.filename} was declared as ${session.size} bytes but this request carried ${bytes.byteLength}: POST the whole file, as Content-Type: application/octet-stream.`,
      );
    }
    await this.deps.staging.put(session.stagingKey, bytes);
    return session;
  }

  /** Keeps PEP 740 provenance, verified against the declared filename and sha256, with a pending session. */
  async attest(id: string, attestations: readonly AttestationObject[]): Promise<UploadSession> {
    const session = await this.pending(id);
    const provenance = JSON.stringify(await verifyAttestations(this.deps.attestations, session, attestations));
    return (await this.deps.sessions.transitionSession(id, 'pending', 'pending', { provenance })) ?? (await this.pending(id));
  }

  /**
   * Discards a session of a publishing session, whatever it holds: a pending upload is
   * cancelled, a completed or failed file deleted, its staged bytes removed. One being
   * verified is left to its verifier (the caller refuses that, or cancels the whole session).
   */
  async discard(id: string): Promise<UploadSession> {
    const session = await this.get(id);
    if (session.status === 'pending') return this.cancel(id);
    if (session.status === 'completed' || session.status === 'failed' || session.status === 'verifying') {
      const cancelled = await this.deps.sessions.transitionSession(id, session.status, 'cancelled', { error: 'The file was deleted from its publishing session.' });
      if (!cancelled) return this.discard(id);
      // A verifier still reading (a cancelled publishing session) removes what it staged itself when it finds the session cancelled.
      if (session.status !== 'verifying') await discardStaged(this.deps.staging, session);
      return cancelled;
    }
    return session;
  }

  /** A short-lived URL of a completed file's staged bytes (a stage preview's download). */
  stagedDownload(session: UploadSession): Promise<string> {
    return this.deps.staging.presignGet(session.stagingKey, { expiresIn: 300, signingDate: this.now() });
  }

  /** Lists a completed file of a publishing session (UploadVerifier.ingestStaged), then marks it published. */
  async publishStaged(session: UploadSession): Promise<'created' | 'unchanged'> {
    const outcome = await this.verifier.ingestStaged(session);
    await this.deps.sessions.transitionSession(session.id, 'completed', 'published', { outcome });
    await this.deps.staging.delete(session.stagingKey).catch(() => undefined);
    return outcome;
  }

  /**
   * The session, with an expired pending one marked expired and its staged bytes removed,
   * and one verifying past its deadline (its verifier died without a word) marked failed.
   */
  async get(id: string): Promise<UploadSession> {
    const session = await this.deps.sessions.getSession(id);
    if (!session) throw new NotFoundError(`There is no upload session ${id}: start a new one.`);
    if (session.status === 'pending' && isExpired(session, this.now())) {
      const expired = await this.deps.sessions.transitionSession(id, 'pending', 'expired', {
        error: `The upload session expired at ${session.expiresAt} before it was completed; nothing was published. Start a new session (wharf publish does).`,
      });
      await discardStaged(this.deps.staging, session);
      return expired ?? (await this.get(id));
    }
    if (session.status === 'verifying') {
      const deadline = verifyDeadline(session, this.deps.config.verifyDeadlineSeconds);
      if (this.now() >= deadline) {
        this.deps.logger?.error('Upload session verification never finished', { session: id, filename: session.filename, deadline: deadline.toISOString() });
        const failed = await this.deps.sessions.transitionSession(id, 'verifying', 'failed', {
          error:
            `Verifying ${session.filename} did not finish by ${deadline.toISOString()}: the verifier stopped without a result. ` +
            'Publish the file again (wharf publish does); if it was published after all, that reports it as already there.',
        });
        // No verifier can still be reading the staged bytes by now (see VERIFY_DEADLINE_SECONDS).
        if (failed) await this.deps.staging.delete(session.stagingKey).catch(() => undefined);
        return failed ?? (await this.get(id));
      }
    }
    return session;
  }

  /** A pending session, or a refusal that says what happened to it. */
  async pending(id: string): Promise<UploadSession> {
    const session = await this.get(id);
    if (session.status !== 'pending') {
      throw new InvalidInputError(
        session.error ?? `The upload session ${id} is ${session.status}, so it takes no more parts. Start a new session to upload again.`,
      );
    }
    return session;
  }

  async partUrls(session: UploadSession, partNumbers: readonly number[]): Promise<PartUrl[]> {
    const remaining = Math.floor((Date.parse(session.expiresAt) - this.now().getTime()) / 1000);
    const expiresIn = Math.max(1, Math.min(this.deps.config.urlLifetimeSeconds, remaining));
    const signing = { expiresIn, signingDate: this.now() };
    return Promise.all(
      partNumbers.map(async (partNumber) => {
        const url =
          session.mechanism === 's3-presigned-put'
            ? await this.deps.staging.presignPut(session.stagingKey, signing)
            : session.mechanism === 's3-multipart'
              ? await this.deps.staging.presignUploadPart(session.stagingKey, session.uploadId!, partNumber, signing)
              : '';
        return { partNumber, ...partRange(session, partNumber), url };
      }),
    );
  }

  /**
   * Completes the upload: assembles the parts, then verifies now (small files) or in the
   * background. Returns the session as it stands afterwards.
   */
  async complete(id: string, parts: readonly { partNumber: number; etag: string }[]): Promise<UploadSession> {
    const session = await this.pending(id);
    if (session.mechanism === 's3-multipart') {
      await this.deps.staging.completeMultipart(session.stagingKey, session.uploadId!, parts);
    }
    const verifying = await this.deps.sessions.transitionSession(id, 'pending', 'verifying', { verifyingSince: this.now().toISOString() });
    if (!verifying) return this.get(id); // A concurrent complete won; report where it stands.
    if (session.size <= this.deps.config.inlineVerifyBytes) return this.verify(id);
    await this.deps.startVerification(id);
    return verifying;
  }

  async cancel(id: string): Promise<UploadSession> {
    const session = await this.get(id);
    if (session.status !== 'pending') return session;
    const cancelled = await this.deps.sessions.transitionSession(id, 'pending', 'cancelled', { error: 'The upload session was cancelled.' });
    await discardStaged(this.deps.staging, session);
    return cancelled ?? this.get(id);
  }

  /** Verifies and ingests a completed session (UploadVerifier.verify); complete() runs it for small files. */
  verify(id: string): Promise<UploadSession> {
    return this.verifier.verify(id);
  }
}
