/** The signing secret in Secrets Manager: what the read function reads, and what the rotation function writes. */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStage, SigningSecret } from '../app/signing-key-ports.ts';
import type { SecretReader } from './signing-credentials.ts';

export class SecretsManagerSigningSecret implements SigningSecret, SecretReader {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  currentText(): Promise<string | undefined> {
    return this.get('AWSCURRENT');
  }

  async get(stage: SecretStage, versionId?: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      return out.SecretString;
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return undefined;
      throw err;
    }
  }

  async versions(): Promise<Record<string, readonly string[]>> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    return out.VersionIdsToStages ?? {};
  }

  async putPending(versionId: string, text: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({ SecretId: this.secretId, ClientRequestToken: versionId, SecretString: text, VersionStages: ['AWSPENDING'] }),
    );
  }

  async promote(versionId: string, fromVersionId: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: this.secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: versionId,
        ...(fromVersionId ? { RemoveFromVersionId: fromVersionId } : {}),
      }),
    );
  }
}

/** The read function's reader, on a client of its own (loaded with `import()` at cold start). */
export async function createSigningSecretReader(secretId: string): Promise<SecretReader> {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerSigningSecret(new SecretsManagerClient({}), secretId);
}
