/**
 * The access key that signs download URLs, as the signing secret holds it (JSON). The
 * rotation function writes it; the read function reads it. Until the first rotation the
 * secret holds no key (`{}`), and the read function signs with its role's credentials.
 */
export interface SigningKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When IAM created the key (ISO 8601): the rotation deletes a replaced key by its successor's age. */
  readonly createdAt: string;
}

export class SigningKeyFormatError extends Error {}

/** The key in a secret's text, or undefined while the secret holds none yet. */
export function parseSigningKey(text: string | undefined): SigningKey | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SigningKeyFormatError('The signing secret is not JSON.');
  }
  if (value === null || typeof value !== 'object') throw new SigningKeyFormatError('The signing secret is not a JSON object.');
  const { accessKeyId, secretAccessKey, createdAt } = value as Record<string, unknown>;
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) {
    throw new SigningKeyFormatError('The signing secret must hold accessKeyId, secretAccessKey and createdAt (ISO 8601).');
  }
  return { accessKeyId, secretAccessKey, createdAt };
}

export function formatSigningKey(key: SigningKey): string {
  return JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, createdAt: key.createdAt });
}
