/** BlobStore on one S3 bucket, over its object calls (s3-objects.ts). */
import type { BlobStore, PutBlobOptions } from '../app/ports.ts';
import type { S3Objects } from './s3-objects.ts';

export class S3BlobStore implements BlobStore {
  constructor(private readonly objects: S3Objects) {}

  async put(key: string, body: Uint8Array, options: PutBlobOptions): Promise<void> {
    await this.objects.put(key, body, options);
  }

  async delete(key: string): Promise<void> {
    await this.objects.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.objects.head(key)) !== undefined;
  }
}
