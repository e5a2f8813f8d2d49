/**
 * Ports of the upstream index feature (proxy and pull-through cache of another index),
 * apart from ports.ts because only the read function and the copier use them. Their
 * failures are UpstreamFailure (lambdas/core/errors.ts).
 */
import type { UpstreamPage } from '../core/upstream.ts';

export interface UpstreamPageResponse {
  readonly status: number;
  readonly contentType: string;
  /** The decompressed body; empty unless the status is 200. */
  readonly body: string;
  /** The URL that answered, after redirects: relative links resolve against it. */
  readonly url: string;
}

/** HTTP to the upstream. Every call is time-limited and size-limited; failures are UpstreamFailure. */
export interface UpstreamFetcher {
  fetchPage(url: string): Promise<UpstreamPageResponse>;
  /**
   * The whole body of a file, if it is at most `maxBytes` and arrives before `deadline`
   * (epoch ms); `'too-large'` or `'too-slow'` when not, so the caller can copy it in the
   * background instead.
   */
  fetchFile(url: string, maxBytes: number, deadline: number): Promise<Uint8Array | 'too-large' | 'too-slow'>;
  /** A file's body as a stream, for a background copy of any size. */
  streamFile(url: string): Promise<AsyncIterable<Uint8Array>>;
}

/** An upstream page as Wharf keeps it between fetches. */
export interface CachedUpstreamPage {
  readonly page: UpstreamPage;
  /** ISO 8601 UTC. */
  readonly fetchedAt: string;
}

/** Where upstream pages and copied upstream files are kept (the files bucket, `upstream/`). */
export interface UpstreamStore {
  getPage(project: string): Promise<CachedUpstreamPage | undefined>;
  putPage(project: string, cached: CachedUpstreamPage): Promise<void>;
  /** Whether a copied file (or its `.metadata`) is stored. */
  hasFile(project: string, sha256: string, filename: string): Promise<boolean>;
  /** `{sha256}/{filename}` of every copied distribution of a project. */
  listFiles(project: string): Promise<string[]>;
  /** Store bytes already verified against their hash. */
  putFile(project: string, sha256: string, filename: string, body: Uint8Array): Promise<void>;
  /**
   * Stream a file in under a staging key, and move it to its place only when `verify`
   * accepts the sha256 of what arrived. False (and nothing stored) when it does not.
   */
  putStreamVerified(
    project: string,
    sha256: string,
    filename: string,
    body: AsyncIterable<Uint8Array>,
  ): Promise<boolean>;
}

/** A copy of one upstream file into the bucket, too big or slow for one request. */
export interface CopyJob {
  readonly project: string;
  readonly sha256: string;
  readonly filename: string;
  readonly url: string;
}

/** Starts a copy that outlives the request (an asynchronous Lambda invoke on AWS). */
export interface BackgroundCopier {
  start(job: CopyJob): Promise<void>;
}
