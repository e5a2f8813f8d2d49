/** The signing user's access keys in IAM: the rotation function's only IAM rights. */
import { CreateAccessKeyCommand, DeleteAccessKeyCommand, type IAMClient, ListAccessKeysCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { AccessKeySummary, AccessKeys } from '../app/signing-key-ports.ts';
import type { SigningKey } from '../core/signing-key.ts';

export class IamAccessKeys implements AccessKeys {
  constructor(
    private readonly client: IAMClient,
    private readonly userName: string,
  ) {}

  async list(): Promise<AccessKeySummary[]> {
    const out = await this.client.send(new ListAccessKeysCommand({ UserName: this.userName }));
    return (out.AccessKeyMetadata ?? []).flatMap((k) =>
      k.AccessKeyId ? [{ accessKeyId: k.AccessKeyId, createdAt: k.CreateDate ?? new Date(0) }] : [],
    );
  }

  async create(): Promise<SigningKey> {
    const out = await this.client.send(new CreateAccessKeyCommand({ UserName: this.userName }));
    const key = out.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('IAM created an access key without an id or secret.');
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, createdAt: (key.CreateDate ?? new Date()).toISOString() };
  }

  async delete(accessKeyId: string): Promise<void> {
    try {
      await this.client.send(new DeleteAccessKeyCommand({ UserName: this.userName, AccessKeyId: accessKeyId }));
    } catch (err) {
      if (!(err instanceof NoSuchEntityException)) throw err;
    }
  }
}
