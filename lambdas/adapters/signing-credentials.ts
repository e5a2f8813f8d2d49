/**
 * The credentials that sign download URLs: the rotated access key in the signing secret
 * (lib/download-signing.ts), read at cold start and re-read every `refreshSeconds`, so a
 * warm function moves to a new key within that time of a rotation, long before the old key
 * is deleted. A URL signed with it lives as long as its own expiry says (two signing
 * windows), not as long as the role's temporary credentials.
 *
 * While the secret holds no key yet (before the first rotation), and when it cannot be read
 * and no key was read before, URLs are signed with the fallback (the role's credentials).
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { parseSigningKey, type SigningKey } from '../core/signing-key.ts';

/** Reads the current text of the signing secret. */
/**
 * IAM takes a few seconds to make a new access key work everywhere: a key younger than this
 * is not used yet (the one before it still works), and the secret is read again soon.
 */
export const NEW_KEY_SETTLE_MS = 60_000;

export interface SecretReader {
  currentText(): Promise<string | undefined>;
}

export interface SigningCredentialsOptions {
  readonly secret: SecretReader;
  readonly fallback: AwsCredentialIdentityProvider;
  readonly refreshSeconds: number;
  readonly now?: () => number;
  readonly log?: (message: string, extra?: Record<string, unknown>) => void;
}

export class SigningCredentials {
  private key: SigningKey | undefined;
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: SigningCredentialsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The provider S3UrlSigner takes: SignatureV4 asks it for every URL. */
  readonly provider: AwsCredentialIdentityProvider = async (): Promise<AwsCredentialIdentity> => {
    if (this.now() - this.readAt >= this.options.refreshSeconds * 1000) {
      // One read at a time, however many requests arrive while it runs.
      this.reading ??= this.refresh().finally(() => (this.reading = undefined));
      await this.reading;
    }
    if (this.key) return { accessKeyId: this.key.accessKeyId, secretAccessKey: this.key.secretAccessKey };
    return this.options.fallback();
  };

  private async refresh(): Promise<void> {
    try {
      const key = parseSigningKey(await this.options.secret.currentText());
      if (key && this.now() - Date.parse(key.createdAt) < NEW_KEY_SETTLE_MS && key.accessKeyId !== this.key?.accessKeyId) {
        this.options.log?.('download signing key too new to use yet', { accessKeyId: key.accessKeyId });
        this.readAt = this.now() - this.options.refreshSeconds * 1000 + NEW_KEY_SETTLE_MS;
        return;
      }
      if (key?.accessKeyId !== this.key?.accessKeyId) this.options.log?.('download signing key read', { accessKeyId: key?.accessKeyId ?? 'none: role credentials' });
      this.key = key;
      this.readAt = this.now();
    } catch (err) {
      // Keep signing with the key read before (it stays valid through the grace period);
      // without one, the fallback. Try again on the next URL after a short pause.
      this.options.log?.('download signing key could not be read', { error: String(err), keeping: this.key?.accessKeyId ?? 'role credentials' });
      this.readAt = this.now() - this.options.refreshSeconds * 1000 + 60_000;
    }
  }
}
