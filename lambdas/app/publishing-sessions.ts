/**
 * PEP 694 publishing sessions: one per release, holding file upload sessions (UploadSessions,
 * the same machinery as the first session API: staging keys, presigned S3 parts, the verifier).
 *
 * A file is verified when its upload completes and stays staged under `uploads/` (never a
 * listed key); publishing the session lists every file through Ingest, as the legacy upload
 * does. Cancelling (or expiring) the session removes what it staged. Two claims keep the rules
 * the draft sets: one open session per release (a second create gets 409 and its Location),
 * and a new project's name reserved for the session that opened it.
 */
import { randomBytes } from 'node:crypto';
import { FileExistsError, InvalidInputError, NotFoundError } from '../core/errors.ts';
import { checkAgainstIndex } from '../core/file-identity.ts';
import { uploadRefusal } from '../core/project-status.ts';
import {
  type FileRequest,
  isEditable,
  isTerminal,
  type PublishingSession,
  type PublishingStatus,
  unfinishedFiles,
  UploadConflictError,
  wholeSeconds,
  extendedExpiry,
  HTTP_POST_BYTES,
  HTTP_POST_OCTET_STREAM,
} from '../core/publishing-session.ts';
import { fileUploadStatus } from '../core/publishing-session.ts';
import type { UploadSession } from '../core/upload-session.ts';
import type { MetadataStore, PublishingSessionStore, UploadSessionStore } from './ports.ts';
import type { PartUrl, UploadSessions } from './upload-sessions.ts';

export interface PublishingSessionsConfig {
  /** How long a new session lives before it expires (and its staged files go). */
  readonly lifetimeSeconds: number;
  /** The most an extension may bring a session to, counted from its creation. */
  readonly maxLifetimeSeconds: number;
  /** Sessions holding up to this many bytes are published within the request (201); more, in the background (202). */
  readonly inlinePublishBytes: number;
  /** How long a background publish may stay `processing` before the session reads as `error`. */
  readonly publishDeadlineSeconds: number;
}

export interface PublishingSessionsDeps {
  readonly store: PublishingSessionStore;
  readonly files: Pick<UploadSessionStore, 'getSession'>;
  readonly uploads: UploadSessions;
  readonly metadata: Pick<MetadataStore, 'getFile' | 'getTombstone' | 'getProject'>;
  readonly config: PublishingSessionsConfig;
  /** Publishes a session in the background (the verifier function); absent, every publish is synchronous. */
  readonly startPublish?: (id: string) => Promise<void>;
  readonly now?: () => Date;
}

const releaseClaim = (s: Pick<PublishingSession, 'project' | 'versionKey'>) => `RELEASE#${s.project}#${s.versionKey}`;
const nameClaim = (project: string) => `NAME#${project}`;

export class PublishingSessions {
  private readonly now: () => Date;

  constructor(private readonly deps: PublishingSessionsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Opens a session for a release, or refuses with the open one's id (409) when the release
   * has one already. A project with no record has its name reserved for the session.
   */
  async create(request: { project: string; version: string; versionKey: string }, tokenId: string): Promise<PublishingSession> {
    const newProject = !(await this.deps.metadata.getProject(request.project));
    const id = randomBytes(16).toString('hex');
    await this.claim(releaseClaim(request), id, (holder) =>
      new UploadConflictError(
        `${request.project} ${request.version} has an open publishing session already: use it (its status is at the Location given), or cancel it first.`,
        [],
        holder,
      ),
    );
    if (newProject) {
      try {
        await this.claim(nameClaim(request.project), id, () =>
          new UploadConflictError(
            `The name ${request.project} is reserved by another open publishing session for its first release: wait until that session is published or cancelled.`,
          ),
        );
      } catch (err) {
        await this.deps.store.releaseClaim(releaseClaim(request), id);
        throw err;
      }
    }
    const now = this.now();
    const session: PublishingSession = {
      id,
      status: 'open',
      project: request.project,
      version: request.version,
      versionKey: request.versionKey,
      files: {},
      newProject,
      tokenId,
      createdAt: now.toISOString(),
      expiresAt: wholeSeconds(new Date(now.getTime() + this.deps.config.lifetimeSeconds * 1000)),
    };
    await this.deps.store.createPublishingSession(session);
    return session;
  }

  /** The open session that holds a new project's name for its first release, if one does. */
  async nameHolder(project: string): Promise<PublishingSession | undefined> {
    const holder = await this.deps.store.claimHolder(nameClaim(project));
    if (holder === undefined) return undefined;
    const session = await this.deps.store.getPublishingSession(holder).then((s) => s && this.settle(s));
    return session && !isTerminal(session.status) ? session : undefined;
  }

  /** Takes `key` for `id`; a holder that is no longer live (ended, expired) is taken over. */
  private async claim(key: string, id: string, refusal: (holder: string) => Error): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const holder = await this.deps.store.claimHolder(key);
      if (holder !== undefined) {
        const other = await this.deps.store.getPublishingSession(holder).then((s) => s && this.settle(s));
        if (other && !isTerminal(other.status)) throw refusal(holder);
      }
      if ((await this.deps.store.claim(key, id, holder)) === id) return;
    }
    throw new UploadConflictError(`Another client is opening a session for the same release at this moment: try again.`);
  }

  /** The session as it stands; one past its expiry is cancelled now and its staged files removed. */
  async get(id: string): Promise<PublishingSession> {
    const session = await this.deps.store.getPublishingSession(id);
    if (!session) throw new NotFoundError(`There is no publishing session ${id}: create one with a POST to the upload API's root.`);
    return this.settle(session);
  }

  private async settle(session: PublishingSession): Promise<PublishingSession> {
    if (session.status === 'processing' && session.processingSince !== undefined) {
      const deadline = Date.parse(session.processingSince) + this.deps.config.publishDeadlineSeconds * 1000;
      if (this.now().getTime() < deadline) return session;
      const failed = await this.deps.store.transitionPublishingSession(session.id, ['processing'], 'error', {
        notices: [`Publishing did not finish by ${new Date(deadline).toISOString()}: the background publish stopped without a result. Publish the session again.`],
      });
      return failed ?? this.get(session.id);
    }
    if (!isEditable(session) || this.now().getTime() < Date.parse(session.expiresAt)) return session;
    const expired = await this.deps.store.transitionPublishingSession(session.id, ['open', 'error'], 'canceled', {
      notices: [`The session expired at ${session.expiresAt} before it was published; nothing of it was published and its files were discarded. Create a new session.`],
    });
    if (!expired) return this.get(session.id);
    await this.discardAll(expired);
    return expired;
  }

  /** An editable session (open, or error after a failed deferred publish), or the 409 that says why not. */
  async editable(id: string): Promise<PublishingSession> {
    const session = await this.get(id);
    if (isEditable(session)) return session;
    throw new UploadConflictError(
      session.status === 'processing'
        ? `The publishing session ${id} is being published; it takes no changes now.`
        : `The publishing session ${id} is ${session.status}${session.notices?.length ? ` (${session.notices.join(' ')})` : ''}; it takes no more changes. Create a new session.`,
    );
  }

  /** The file upload sessions of the session's files, by filename. */
  async files(session: PublishingSession): Promise<UploadSession[]> {
    const found = await Promise.all(Object.values(session.files).map((fileId) => this.deps.files.getSession(fileId)));
    return found.filter((f): f is UploadSession => f !== undefined);
  }

  /** A file upload session of this publishing session. */
  async file(session: PublishingSession, fileId: string): Promise<UploadSession> {
    const file = await this.deps.uploads.get(fileId).catch(() => undefined);
    if (!file || file.publishingSessionId !== session.id) {
      throw new NotFoundError(`The publishing session ${session.id} has no file upload session ${fileId}.`);
    }
    return file;
  }

  async extend(id: string, seconds: number): Promise<PublishingSession> {
    const session = await this.editable(id);
    const expiresAt = extendedExpiry(session, seconds, this.deps.config.maxLifetimeSeconds, this.now());
    if (expiresAt === session.expiresAt) return session;
    return (await this.deps.store.transitionPublishingSession(id, [session.status], session.status, { expiresAt })) ?? this.get(id);
  }

  /**
   * Cancels the session and discards every file it staged; refused (409) while it is being
   * published. Cancelling a cancelled session changes nothing.
   */
  async cancel(id: string): Promise<PublishingSession> {
    const session = await this.get(id);
    if (session.status === 'canceled') return session;
    if (session.status === 'processing') {
      throw new UploadConflictError(`The publishing session ${id} is being published and can no longer be cancelled: wait for it to finish.`);
    }
    if (session.status === 'published') {
      throw new UploadConflictError(`The publishing session ${id} is published already: its files are public and immutable. Yank or delete them instead.`);
    }
    const cancelled = await this.deps.store.transitionPublishingSession(id, ['open', 'error'], 'canceled', {
      notices: ['The session was cancelled; nothing of it was published and its files were discarded.'],
    });
    if (!cancelled) return this.cancel(id);
    await this.discardAll(cancelled);
    return cancelled;
  }

  private async discardAll(session: PublishingSession): Promise<void> {
    await Promise.all(Object.values(session.files).map((fileId) => this.deps.uploads.discard(fileId).catch(() => undefined)));
    await this.releaseClaims(session);
  }

  private async releaseClaims(session: PublishingSession): Promise<void> {
    await this.deps.store.releaseClaim(releaseClaim(session), session.id);
    if (session.newProject) await this.deps.store.releaseClaim(nameClaim(session.project), session.id);
  }

  /**
   * Opens a file upload session in the publishing session. A filename published already is
   * refused (409); one the session holds is replaced only once its upload has completed.
   */
  async addFile(id: string, request: FileRequest, tokenId: string): Promise<{ session: PublishingSession; file: UploadSession; parts: PartUrl[] }> {
    const session = await this.editable(id);
    const [tombstone, existing, record] = await Promise.all([
      this.deps.metadata.getTombstone(session.project, request.filename),
      this.deps.metadata.getFile(session.project, request.filename),
      this.deps.metadata.getProject(session.project),
    ]);
    if (existing?.filename === request.filename) throw this.published(request.filename, existing.sha256, request.sha256);
    checkAgainstIndex(request.filename, request.sha256, { existing, tombstone });
    const refusal = uploadRefusal(session.project, record?.status);
    if (refusal) throw refusal;

    const previousId = session.files[request.filename];
    const previous = previousId !== undefined ? await this.deps.files.getSession(previousId) : undefined;
    if (previous) {
      const state = fileUploadStatus(previous.status);
      if (state !== 'completed' && state !== 'canceled') {
        throw new UploadConflictError(
          `${request.filename} is in this session already, and ${state}: ${
            state === 'error' ? 'delete it (DELETE its link) before uploading it again' : 'finish or delete that upload before replacing it'
          }.`,
          [{ source: request.filename, message: `${request.filename} is ${state}` }],
        );
      }
    }
    const viaIndex = request.mechanism === HTTP_POST_BYTES || request.mechanism === HTTP_POST_OCTET_STREAM;
    const { session: file, parts } = await this.deps.uploads.open(
      { filename: request.filename, filetype: request.filetype, size: request.size, sha256: request.sha256, project: session.project, version: request.version },
      tokenId,
      // A file lives as long as the longest its publishing session may be extended to.
      { publishingSessionId: id, viaIndex, ...(request.mechanism === HTTP_POST_OCTET_STREAM ? { mechanismName: request.mechanism } : {}), expiresAt: new Date(Date.parse(session.createdAt) + this.deps.config.maxLifetimeSeconds * 1000).toISOString() },
    );
    if (!(await this.deps.store.addPublishingFile(id, request.filename, file.id, previousId))) {
      await this.deps.uploads.discard(file.id);
      await this.editable(id); // Published or cancelled meanwhile: that refusal.
      throw new UploadConflictError(`${request.filename} was added to this session by another request at the same moment: look at the session's files.`, [
        { source: request.filename, message: 'added concurrently' },
      ]);
    }
    if (previous && previousId !== undefined) await this.deps.uploads.discard(previousId);
    return { session: await this.get(id), file, parts };
  }

  /** The draft's 409 for a published filename; `errors[0].sha256` lets a client tell its own bytes (nothing to do) from others. */
  private published(filename: string, sha256: string, declared: string): UploadConflictError {
    const message =
      sha256 === declared
        ? `File already exists: ${filename} is published with these exact bytes (sha256 ${sha256}); leave it out of this session.`
        : FileExistsError.forFile(filename, sha256).message;
    return new UploadConflictError(message, [{ source: filename, message: `already published with sha256 ${sha256}`, sha256 }]);
  }

  /** Deletes a file from the session (a pending upload is cancelled); refused (409) while it is being verified. */
  async deleteFile(session: PublishingSession, file: UploadSession): Promise<void> {
    await this.editable(session.id);
    if (file.status === 'verifying') {
      throw new UploadConflictError(`${file.filename} is being verified; delete it once that is done (poll its status).`);
    }
    await this.deps.uploads.discard(file.id);
    await this.deps.store.removePublishingFile(session.id, file.filename, file.id);
  }

  /**
   * Publishes every file of the session, all of which must be `completed` (else 409 naming
   * them). Each is checked against the index before any is listed, so a clash publishes none;
   * then each is listed (Ingest), the staged bytes go, and the session is `published`. A
   * failure part way leaves the session editable, with what failed in its notices.
   */
  async publish(id: string): Promise<PublishingSession> {
    const session = await this.editable(id);
    const files = await this.files(session);
    const unfinished = unfinishedFiles(files);
    if (unfinished.length > 0) {
      throw new UploadConflictError(
        `${unfinished.length} file${unfinished.length === 1 ? ' is' : 's are'} not completed, so the session cannot be published: ${unfinished.map((u) => u.source).join(', ')}.`,
        unfinished,
      );
    }
    if (files.length === 0) {
      throw new InvalidInputError(
        `The session holds no file: upload at least one (POST its links.upload) before publishing. This index creates a project with its first file; cancel the session if there is nothing to publish.`,
      );
    }
    const clashes: { source: string; message: string }[] = [];
    await Promise.all(
      // A file listed by an earlier attempt that failed part way is published already: it is skipped.
      files.filter((file) => file.status === 'completed').map(async (file) => {
        const [tombstone, existing] = await Promise.all([
          this.deps.metadata.getTombstone(file.project, file.filename),
          this.deps.metadata.getFile(file.project, file.filename),
        ]);
        try {
          if (existing?.filename === file.filename) throw this.published(file.filename, existing.sha256, file.sha256);
          checkAgainstIndex(file.filename, file.sha256, { existing, tombstone });
        } catch (err) {
          clashes.push({ source: file.filename, message: (err as Error).message });
        }
      }),
    );
    if (clashes.length > 0) {
      throw new UploadConflictError(
        `Publishing would clash with what the index holds, so nothing was published: ${clashes.map((c) => c.message).join(' ')} Delete ${clashes.length === 1 ? 'that file' : 'those files'} from the session and publish again.`,
        clashes,
      );
    }
    // `processing` while the files are listed: the session takes no change and no cancel meanwhile.
    const from = session.status;
    const processing = await this.deps.store.transitionPublishingSession(id, [from], 'processing', { processingSince: this.now().toISOString() });
    if (!processing) return this.publish(id);
    const bytes = files.reduce((total, file) => total + file.size, 0);
    if (this.deps.startPublish && bytes > this.deps.config.inlinePublishBytes) {
      // Copies of large files may outlast API Gateway's 30 s: the draft's 202, then poll.
      await this.deps.startPublish(id);
      return processing;
    }
    return this.list(processing, files, from);
  }

  /** The background half of publish(): lists the files of a session left `processing`. */
  async finishPublish(id: string): Promise<PublishingSession> {
    const session = await this.get(id);
    if (session.status !== 'processing') return session;
    try {
      return await this.list(session, await this.files(session), undefined);
    } catch {
      return this.get(id);
    }
  }

  /**
   * Lists every file, then marks the session published. A failure leaves the session editable
   * with the reason in its notices: back to `from` when the client is waiting (the draft's
   * synchronous failure), `error` for a background publish.
   */
  private async list(session: PublishingSession, files: readonly UploadSession[], from: PublishingStatus | undefined): Promise<PublishingSession> {
    const id = session.id;
    try {
      for (const file of files) if (file.status === 'completed') await this.deps.uploads.publishStaged(file);
    } catch (err) {
      const reason = err instanceof FileExistsError || err instanceof InvalidInputError ? (err as Error).message : 'a file could not be listed';
      await this.deps.store.transitionPublishingSession(id, ['processing'], from ?? 'error', { notices: [`The last publish failed: ${reason}`] });
      throw err;
    }
    const published = await this.deps.store.transitionPublishingSession(id, ['processing'], 'published', { notices: [] });
    await this.releaseClaims(session);
    return published ?? this.get(id);
  }
}

export type { PublishingStatus };
