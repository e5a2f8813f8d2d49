/**
 * Rotation of the access key that signs download URLs, as Secrets Manager drives it (the
 * four steps of a rotation function). The rule that matters: a key that signed URLs stays
 * valid until every URL it signed has expired, so a replaced key is deleted only once its
 * successor has been current longer than `graceSeconds` (URL lifetime plus how long a warm
 * read function keeps the old key). IAM allows two keys per user, so that deletion comes
 * first when the next rotation starts; a rotation asked too early fails and deletes nothing.
 */
import { formatSigningKey, parseSigningKey, type SigningKey } from '../core/signing-key.ts';
import type { AccessKeys, SigningSecret } from './signing-key-ports.ts';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export class RotationTooSoonError extends Error {}
export class RotationStateError extends Error {}

export class SigningKeyRotation {
  constructor(
    private readonly keys: AccessKeys,
    private readonly secret: SigningSecret,
    private readonly graceSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly log: (message: string, extra?: Record<string, unknown>) => void = () => undefined,
  ) {}

  async run(step: RotationStep, versionId: string): Promise<void> {
    switch (step) {
      case 'createSecret':
        return this.create(versionId);
      case 'setSecret':
        // An IAM key is live when created: nothing to set elsewhere.
        return;
      case 'testSecret':
        return this.test(versionId);
      case 'finishSecret':
        return this.finish(versionId);
    }
  }

  /** Delete replaced keys whose URLs have all expired, then create the new key and store it pending. */
  private async create(versionId: string): Promise<void> {
    const versions = await this.secret.versions();
    if (versions[versionId]?.includes('AWSPENDING')) {
      // A retried step: the key was made and stored already.
      if (parseSigningKey(await this.secret.get('AWSPENDING', versionId))) return;
    }
    const current = parseSigningKey(await this.secret.get('AWSCURRENT'));
    await this.deleteExpired(current);
    const remaining = await this.keys.list();
    if (remaining.length >= 2) {
      throw new RotationTooSoonError(
        `The signing user still has ${remaining.length} access keys and the replaced one may still sign live download URLs ` +
          `(it must stay valid for ${this.graceSeconds} s after its successor became current); rotate again later.`,
      );
    }
    const key = await this.keys.create();
    await this.secret.putPending(versionId, formatSigningKey(key));
    this.log('signing key created, pending', { accessKeyId: key.accessKeyId, versionId });
  }

  /** Keys other than the current one, deleted once the current one is older than the grace. */
  private async deleteExpired(current: SigningKey | undefined): Promise<void> {
    const keys = await this.keys.list();
    const currentAge = current ? (this.now() - Date.parse(current.createdAt)) / 1000 : Infinity;
    for (const key of keys) {
      if (key.accessKeyId === current?.accessKeyId) continue;
      // Without a current key nothing was signed with any of the user's keys by Wharf
      // (a key created by a rotation that failed before storing it): safe to delete.
      if (currentAge < this.graceSeconds) {
        this.log('replaced signing key kept: URLs it signed may still be live', { accessKeyId: key.accessKeyId });
        continue;
      }
      await this.keys.delete(key.accessKeyId);
      this.log('replaced signing key deleted', { accessKeyId: key.accessKeyId });
    }
  }

  private async test(versionId: string): Promise<void> {
    const pending = parseSigningKey(await this.secret.get('AWSPENDING', versionId));
    if (!pending) throw new RotationStateError(`Version ${versionId} of the signing secret holds no key.`);
    const listed = (await this.keys.list()).some((k) => k.accessKeyId === pending.accessKeyId);
    if (!listed) throw new RotationStateError(`The pending signing key ${pending.accessKeyId} is not a key of the signing user.`);
  }

  private async finish(versionId: string): Promise<void> {
    const versions = await this.secret.versions();
    const currentVersion = Object.entries(versions).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
    if (currentVersion === versionId) return;
    await this.secret.promote(versionId, currentVersion);
    this.log('signing key promoted to current', { versionId, previousVersion: currentVersion });
  }
}

/**
 * Delete every access key of the signing user: what its stack's deletion needs, because IAM
 * will not delete a user that still has keys (and the rotation made them, not the template).
 * Download URLs they signed stop working, as everything else of the index goes with them.
 */
export async function retireSigningKeys(keys: AccessKeys, log: (message: string, extra?: Record<string, unknown>) => void = () => undefined): Promise<number> {
  const all = await keys.list();
  for (const key of all) {
    await keys.delete(key.accessKeyId);
    log('signing key deleted with its stack', { accessKeyId: key.accessKeyId });
  }
  return all.length;
}
