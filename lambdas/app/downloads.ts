/**
 * Downloads: a file URL maps straight to its S3 key, so serving it needs no index read.
 * The answer is a presigned GET whose signing date is aligned to a window: the same file
 * yields the same URL within the window, so pip's HTTP cache (keyed on the URL) can hit.
 */
import { IMMUTABLE_CACHE_CONTROL, distributionKey } from '../core/storage-keys.ts';
import type { DownloadSigner } from './ports.ts';


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
  ) {}

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
