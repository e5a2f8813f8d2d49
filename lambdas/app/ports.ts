/**
 * The narrow storage ports the use cases depend on. Adapters (DynamoDB, S3) implement them
 * with a handful of primitive operations; every rule (immutability, hash checks, name
 * normalization) stays in the core and the use cases.
 */
import type {
  DistributionFile,
  ProjectPageData,
  ProjectRecord,
  ReleaseRecord,
  Tombstone,
  TokenRecord,
} from '../core/model.ts';
import type { ProjectSummary } from '../core/project-search.ts';
import type { ProjectStatusMarker } from '../core/project-status.ts';
import type { PublisherRecord } from '../core/trusted-publishing.ts';
import type { DistributionSource } from '../core/distribution.ts';
import type { SessionStatus, UploadSession } from '../core/upload-session.ts';
import type { PublishingSession, PublishingStatus } from '../core/publishing-session.ts';

export interface ProjectListing {
  readonly name: string;
  readonly displayName: string;
}

export type PutFileOutcome = 'created' | 'unchanged';

/**
 * Many files' index entries and tombstones in one go (DynamoDB's BatchGetItem): the same
 * strongly consistent reads as getFile and getTombstone, fewer round trips.
 */
export interface FileLookups {
  /**
   * Index entries and tombstones of `files`, and the records of `projects`, read as strongly
   * consistent as getFile, getTombstone and getProject read them, in as few requests as the
   * store allows; the answers in the order asked.
   */
  lookupFiles(
    files: readonly { project: string; filename: string }[],
    projects?: readonly string[],
  ): Promise<{ files: { file?: DistributionFile; tombstone?: Tombstone }[]; projects: (ProjectRecord | undefined)[] }>;
}

export interface MetadataStore {
  /**
   * One project's record and files: a single (paged) Query. A file with a tombstone is
   * left out, even while its index entry still exists. Undefined when there is neither a
   * record nor a file to show.
   */
  getProjectPage(project: string): Promise<ProjectPageData | undefined>;
  /**
   * One file's index entry as stored, or undefined. A tombstone does not hide it here:
   * callers that care ask getTombstone.
   */
  getFile(project: string, filename: string): Promise<DistributionFile | undefined>;
  /**
   * A number the store raises after every write that changes what the project's page shows
   * (one small strongly consistent GetItem): equal serials mean the same page. Undefined
   * for a project nothing has been written to since serials began.
   */
  getProjectSerial(project: string): Promise<number | undefined>;
  /** The same for the root listing: raised after every new project. */
  getListingSerial(): Promise<number | undefined>;
  /** A project's record (one GetItem), or undefined when none is stored. */
  getProject(project: string): Promise<ProjectRecord | undefined>;
  /** Every project, sorted by normalized name: a single (paged) Query, never a Scan. */
  listProjects(): Promise<ProjectListing[]>;
  /**
   * Store a file's index entry unless one with its filename exists. An existing entry with
   * the same sha256 is `unchanged`; one with another sha256 raises FileExistsError.
   */
  putFile(file: DistributionFile): Promise<PutFileOutcome>;
  /** Store the project record and its root-listing entry; idempotent, first writer wins. */
  putProject(project: ProjectRecord): Promise<void>;
  /**
   * Set a project's status (PEP 792; `active` removes it) on its record, and raise the
   * project's serial so kept pages see it: a conditional update that never creates a
   * record. Returns the record as now stored, or undefined when there is none.
   */
  setProjectStatus(project: string, status: ProjectStatusMarker): Promise<ProjectRecord | undefined>;
  /**
   * Yank (PEP 592) a file with a reason, or un-yank it (`undefined`): a conditional update
   * that never creates an entry. Returns the file as now stored, or undefined when there is
   * no entry with this filename.
   */
  setYanked(project: string, filename: string, yanked: { readonly reason: string } | undefined): Promise<DistributionFile | undefined>;
  /** Remove a file's index entry; a missing entry is not an error. */
  deleteFile(project: string, filename: string): Promise<void>;
  /**
   * Store a tombstone unless one exists for its filename (first writer wins) and return
   * the stored one, so a retry or a concurrent delete gets the first deletion back.
   */
  putTombstone(tombstone: Tombstone): Promise<Tombstone>;
  getTombstone(project: string, filename: string): Promise<Tombstone | undefined>;
  /** Every tombstone of a project: one (paged) Query. */
  listTombstones(project: string): Promise<Tombstone[]>;
  /**
   * Store a release's metadata unless the release has some (first writer wins, so a retry
   * is harmless). Releases are keyed by releaseVersionKey(version): `1.0` and `1.0.0` are
   * one release.
   */
  putRelease(release: ReleaseRecord): Promise<void>;
  /** The release whose version equals `version` under PEP 440, or undefined. */
  getRelease(project: string, version: string): Promise<ReleaseRecord | undefined>;
  /**
   * Store a project's summary (what search and the front page show) unless the stored one
   * was computed at a higher project serial, so a slow writer never puts an older summary
   * over a newer one; then raise the change counter of the summary's shard. Whether it was
   * written.
   */
  putProjectSummary(summary: ProjectSummary): Promise<boolean>;
  /**
   * One change counter per summary shard (index = shard, 0 before any summary), read
   * together (one small GetItem): equal counters mean an unchanged shard.
   */
  getSummarySerials(): Promise<readonly number[]>;
  /** Every summary of one shard (0 ≤ shard < getSummarySerials().length): one (paged) Query, never a Scan. */
  listProjectSummaries(shard: number): Promise<ProjectSummary[]>;
}

export interface PutBlobOptions {
  readonly contentType: string;
  readonly cacheControl?: string;
}

export interface PresignOptions {
  /** Seconds the URL stays valid from its signing date. */
  readonly expiresIn: number;
  /** The signing date; the same date and key yield the same URL. */
  readonly signingDate: Date;
  /** Cache-Control S3 sends with the object (response-cache-control override). */
  readonly responseCacheControl?: string;
}

/** What serving downloads needs: signing, and nothing that touches a stored byte. */
export interface DownloadSigner {
  presignGet(key: string, options: PresignOptions): Promise<string>;
}

/** What reading a small stored object through its presigned URL gave. */
export type FetchedObject =
  | { readonly kind: 'bytes'; readonly body: Uint8Array }
  /** Larger than asked for: serve it by redirect instead. */
  | { readonly kind: 'too-large' }
  | { readonly kind: 'missing' }
  /** S3 did not answer as expected: serve it by redirect, as before. */
  | { readonly kind: 'unavailable'; readonly reason: string };

/**
 * Reads an object through a presigned GET URL (plain HTTP, no S3 client): how the read
 * function serves `.metadata` files itself.
 */
export interface PresignedObjectReader {
  read(url: string, maxBytes: number): Promise<FetchedObject>;
}

export interface BlobStore {
  put(key: string, body: Uint8Array, options: PutBlobOptions): Promise<void>;
  /** Remove the object at `key`; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Whether an object exists at `key`. */
  exists(key: string): Promise<boolean>;
}

/** API tokens. Records hold only a hash of each secret. */
export interface TokenStore {
  getToken(id: string): Promise<TokenRecord | undefined>;
  /** Store a new token; an existing id is an error (ids are random, so it never happens twice). */
  putToken(token: TokenRecord): Promise<void>;
  /** Every token, newest first: a single (paged) Query. */
  listTokens(): Promise<TokenRecord[]>;
  /**
   * Mark a token revoked; a token revoked before keeps its first revocation. Undefined
   * when no token has this id.
   */
  revokeToken(id: string, revokedAt: string, revokedBy: string): Promise<TokenRecord | undefined>;
}

/** What checking a presented token needs, and all the page-serving function may do. */
export type TokenVerifier = Pick<TokenStore, 'getToken'>;

/**
 * Trusted publishers (lambdas/core/trusted-publishing.ts) and the OIDC tokens already
 * exchanged. Kept in the tokens table: they grant upload rights as tokens do.
 */
export interface PublisherStore {
  /** Store a publisher unless one with its id exists; returns the stored one and whether it is new. */
  putPublisher(publisher: PublisherRecord): Promise<{ readonly publisher: PublisherRecord; readonly created: boolean }>;
  /**
   * The publishers of `provider` under its lookup key (the GitHub repository id, the GitLab
   * project id and issuer, the Google service account: `PublisherRules.lookupKey`): one Query,
   * what an exchange needs.
   */
  publishersForRepository(provider: string, lookupKey: string): Promise<PublisherRecord[]>;
  /** Every publisher: one (paged) Query. */
  listPublishers(): Promise<PublisherRecord[]>;
  /** Remove a publisher (it stops matching at once, and holds no name); the removed one, or undefined when none had this id. */
  deletePublisher(id: string, removedBy: string, removedAt: string): Promise<PublisherRecord | undefined>;
  /** A pending publisher's first exchange makes it an ordinary one; false when it was not pending (any more). */
  convertPending(publisher: PublisherRecord, convertedAt: string): Promise<boolean>;
  /**
   * Record that the OIDC token `jti` of `issuer` was exchanged, until `expiresAt` (seconds);
   * false when it was recorded before and has not expired, so a token is exchanged once.
   */
  markTokenUsed(issuer: string, jti: string, expiresAt: number, nowSeconds: number): Promise<boolean>;
  /** Reserve a project name for a pending publisher (idempotent). */
  reserveName(project: string, publisherId: string, at: string): Promise<void>;
  /** Lift a pending publisher's reservation (idempotent). */
  releaseName(project: string, publisherId: string, at: string): Promise<void>;
  /** Let a token minted from a pending publisher create `project` until `expiresAt` (seconds). */
  grantCreate(project: string, tokenId: string, expiresAt: number): Promise<void>;
  /** Who holds a name: the pending publishers reserving it, the tokens that may create it. One Query. */
  reservationOf(project: string, nowSeconds: number): Promise<NameReservation>;
}

/** A project name held for pending publishers until the project exists. */
export interface NameReservation {
  /** Ids of the pending publishers (or those converted from one) holding the name; empty: not reserved. */
  readonly publishers: readonly string[];
  /** Ids of the unexpired tokens minted from them, which may create the project. */
  readonly tokens: readonly string[];
}

/** Upload sessions (lambdas/core/upload-session.ts): single-item conditional writes. */
export interface UploadSessionStore {
  /** Store a new session; an existing id is an error (ids are random). */
  createSession(session: UploadSession): Promise<void>;
  getSession(id: string): Promise<UploadSession | undefined>;
  /**
   * Change a session's status (and set the given fields) only if its status is `from`;
   * returns the session as now stored, or undefined when its status was not `from`.
   */
  transitionSession(
    id: string,
    from: SessionStatus,
    to: SessionStatus,
    fields?: Partial<Pick<UploadSession, 'error' | 'outcome' | 'verifyingSince' | 'stagedEtag' | 'provenance'>>,
  ): Promise<UploadSession | undefined>;
}

/** PEP 694 publishing sessions (lambdas/app/publishing-sessions.ts), on the same table as file sessions. */
export interface PublishingSessionStore {
  createPublishingSession(session: PublishingSession): Promise<void>;
  getPublishingSession(id: string): Promise<PublishingSession | undefined>;
  /**
   * Change a publishing session's status (and set the given fields) only if its status is one
   * of `from`; returns it as now stored, or undefined when it was not.
   */
  transitionPublishingSession(
    id: string,
    from: readonly PublishingStatus[],
    to: PublishingStatus,
    fields?: Partial<Pick<PublishingSession, 'expiresAt' | 'notices' | 'processingSince'>>,
  ): Promise<PublishingSession | undefined>;
  /**
   * Put `filename` → `fileSessionId` in an editable session's files, if the filename is not
   * there or maps to `replacing`; returns false when the session or the filename said no.
   */
  addPublishingFile(id: string, filename: string, fileSessionId: string, replacing?: string): Promise<boolean>;
  /** Take `filename` out of the session's files if it still maps to `fileSessionId`. */
  removePublishingFile(id: string, filename: string, fileSessionId: string): Promise<void>;
  /**
   * Claim `key` (a release, a new project's name) for the session `holder`, if nobody holds
   * it or `stale` holds it; returns the holder afterwards (the caller's id when it won).
   */
  claim(key: string, holder: string, stale?: string): Promise<string>;
  /** The session holding `key`, if any. */
  claimHolder(key: string): Promise<string | undefined>;
  /** Let go of `key` if `holder` still holds it. */
  releaseClaim(key: string, holder: string): Promise<void>;
}

/** What an upload session needs from the bucket: the staging area and the copy out of it. */
export interface UploadStaging {
  presignPut(key: string, options: Omit<PresignOptions, 'responseCacheControl'>): Promise<string>;
  presignUploadPart(key: string, uploadId: string, partNumber: number, options: Omit<PresignOptions, 'responseCacheControl'>): Promise<string>;
  startMultipart(key: string): Promise<string>;
  completeMultipart(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void>;
  /** Best effort: the bucket's lifecycle rule aborts what this leaves. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** The object's size, or undefined when nothing is stored at `key`. */
  sizeOf(key: string): Promise<number | undefined>;
  /** The object's size and ETag, or undefined when nothing is stored at `key`. */
  stat(key: string): Promise<{ size: number; etag: string } | undefined>;
  /** Stores bytes the index received itself (PEP 694's http-post-bytes). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** A presigned GET of a staged object (a stage preview's download). */
  presignGet(key: string, options: Omit<PresignOptions, 'responseCacheControl'>): Promise<string>;
  /** Ranged reads and a stream of the object at `key` of `size` bytes. */
  source(key: string, size: number): DistributionSource;
  /** SHA-256 (hex) of the object at `key`, read as a stream. */
  sha256(key: string): Promise<string>;
  /** Server-side copy (up to 5 GiB), setting the copy's content type and cache control. */
  copy(from: string, to: string, options: PutBlobOptions): Promise<void>;
  delete(key: string): Promise<void>;
}
