/** The ports of the signing key's rotation (lambdas/app/signing-key-rotation.ts): IAM keys and the secret. */
import type { SigningKey } from '../core/signing-key.ts';

export interface AccessKeySummary {
  readonly accessKeyId: string;
  readonly createdAt: Date;
}

/** The signing user's access keys (IAM). */
export interface AccessKeys {
  list(): Promise<AccessKeySummary[]>;
  create(): Promise<SigningKey>;
  delete(accessKeyId: string): Promise<void>;
}

export type SecretStage = 'AWSCURRENT' | 'AWSPENDING';

/** The signing secret's versions (Secrets Manager). */
export interface SigningSecret {
  /** The text of the version in `stage` (or the version `versionId`); undefined if there is none. */
  get(stage: SecretStage, versionId?: string): Promise<string | undefined>;
  /** Version ids by stage. */
  versions(): Promise<Record<string, readonly string[]>>;
  /** Store `text` as version `versionId`, staged AWSPENDING. */
  putPending(versionId: string, text: string): Promise<void>;
  /** Move AWSCURRENT to `versionId` (from `fromVersionId`, if some version holds it). */
  promote(versionId: string, fromVersionId: string | undefined): Promise<void>;
}
