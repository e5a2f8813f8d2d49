/**
 * The narrow storage ports the use cases depend on. Adapters (DynamoDB, S3) implement them
 * with a handful of primitive operations; every rule (immutability, hash checks, name
 * normalization) stays in the core and the use cases.
 */
import type { DistributionFile, ProjectPageData, ProjectRecord, TokenRecord } from './core/model.ts';

export interface ProjectListing {
  readonly name: string;
  readonly displayName: string;
}

export type PutFileOutcome = 'created' | 'unchanged';

export interface MetadataStore {
  /** One project's record and files: a single (paged) Query. Undefined when nothing is stored. */
  getProjectPage(project: string): Promise<ProjectPageData | undefined>;
  /** One file's index entry, or undefined. */
  getFile(project: string, filename: string): Promise<DistributionFile | undefined>;
  /** Every project, sorted by normalized name: a single (paged) Query, never a Scan. */
  listProjects(): Promise<ProjectListing[]>;
  /**
   * Store a file's index entry unless one with its filename exists. An existing entry with
   * the same sha256 is `unchanged`; one with another sha256 raises FileExistsError.
   */
  putFile(file: DistributionFile): Promise<PutFileOutcome>;
  /** Store the project record and its root-listing entry; idempotent, first writer wins. */
  putProject(project: ProjectRecord): Promise<void>;
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
