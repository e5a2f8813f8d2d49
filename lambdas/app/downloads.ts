/**
 * Downloads: a file URL maps straight to its S3 key, so serving it needs no file lookup (the
 * route reads only the project record, for its PEP 792 status).
 * The answer is a presigned GET whose signing date is aligned to a window: the same file
 * yields the same URL within the window, so pip's HTTP cache (keyed on the URL) can hit.
 */
import { IMMUTABLE_CACHE_CONTROL, distributionKey, provenanceKey } from '../core/storage-keys.ts';
import type { DownloadSigner, PresignedObjectReader } from './ports.ts';

/**
 * `.metadata` up to this size is served by the read function itself (one request for pip
 * instead of two, and pip's cache keyed on the stable Wharf URL); larger, by redirect.
 * Base64 in the Lambda response makes 1 MiB about 1.4 MB, far under the 6 MB limit.
 */
export const INLINE_METADATA_MAX_BYTES = 1024 * 1024;

export type MetadataAnswer =
  | { readonly kind: 'inline'; readonly body: Uint8Array }
  | { readonly kind: 'redirect'; readonly url: string }
  | { readonly kind: 'missing' };


export interface DownloadSettings {
  /** Width of the signing window in seconds; URLs live for two windows from its start. */
  readonly signingWindowSeconds: number;
}

export interface DownloadTarget {
  readonly project: string;
  readonly sha256: string;
  /** The distribution's filename, or it plus `.metadata` for its core metadata file. */
  readonly filename: string;
}

export class Downloads {
  constructor(
    private readonly signer: DownloadSigner,
    private readonly settings: DownloadSettings,
    private readonly now: () => number = Date.now,
    /** Without it, `.metadata` is redirected like any file. */
    private readonly objects?: PresignedObjectReader,
    private readonly log: (message: string, extra?: Record<string, unknown>) => void = () => undefined,
  ) {}

  /** A `.metadata` file: its bytes when small enough, else a redirect like any file. */
  async metadata(target: DownloadTarget): Promise<MetadataAnswer> {
    return this.inline(await this.presignedUrl(target));
  }

  /** A file's provenance object (PEP 740), read like `.metadata`. */
  async provenance(project: string, sha256: string, filename: string, provenanceSha256: string): Promise<MetadataAnswer> {
    return this.inline(await this.presignedKey(provenanceKey(project, sha256, filename, provenanceSha256)));
  }

  private async inline(url: string): Promise<MetadataAnswer> {
    if (!this.objects) return { kind: 'redirect', url };
    const fetched = await this.objects.read(url, INLINE_METADATA_MAX_BYTES);
    switch (fetched.kind) {
      case 'bytes':
        return { kind: 'inline', body: fetched.body };
      case 'missing':
        return { kind: 'missing' };
      case 'too-large':
        return { kind: 'redirect', url };
      case 'unavailable':
        this.log('.metadata not read from S3; redirecting instead', { reason: fetched.reason });
        return { kind: 'redirect', url };
    }
  }

  /** A presigned URL valid for at least one more signing window. */
  presignedUrl(target: DownloadTarget): Promise<string> {
    return this.presignedKey(distributionKey(target.project, target.sha256, target.filename));
  }

  /** The same, for any immutable object of the bucket (copies of upstream files too). */
  presignedKey(key: string): Promise<string> {
    const windowMs = this.settings.signingWindowSeconds * 1000;
    const signingDate = new Date(Math.floor(this.now() / windowMs) * windowMs);
    return this.signer.presignGet(key, {
      signingDate,
      expiresIn: 2 * this.settings.signingWindowSeconds,
      responseCacheControl: IMMUTABLE_CACHE_CONTROL,
    });
  }
}
