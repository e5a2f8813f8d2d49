/**
 * UploadStaging on the files bucket: presigned PUTs and multipart parts for staging keys
 * (signed by S3UrlSigner, the one signer), and the S3 calls that complete, read, verify,
 * copy and remove what was staged.
 */
import { createHash } from 'node:crypto';
import type { DistributionSource } from '../core/distribution.ts';
import { InvalidInputError } from '../core/errors.ts';
import type { PresignOptions, PutBlobOptions, UploadStaging } from '../app/ports.ts';
import { collect, type S3Objects } from './s3-objects.ts';
import type { S3UrlSigner } from './s3-url-signer.ts';

type SigningOptions = Omit<PresignOptions, 'responseCacheControl'>;

export class S3UploadStaging implements UploadStaging {
  constructor(
    private readonly objects: S3Objects,
    private readonly signer: Pick<S3UrlSigner, 'presignPut' | 'presignUploadPart' | 'presignGet'>,
  ) {}

  presignPut(key: string, options: SigningOptions): Promise<string> {
    return this.signer.presignPut(key, options);
  }

  presignUploadPart(key: string, uploadId: string, partNumber: number, options: SigningOptions): Promise<string> {
    return this.signer.presignUploadPart(key, uploadId, partNumber, options);
  }

  presignGet(key: string, options: SigningOptions): Promise<string> {
    return this.signer.presignGet(key, options);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.objects.put(key, bytes, { contentType: 'application/octet-stream' });
  }

  stat(key: string): Promise<{ size: number; etag: string } | undefined> {
    return this.objects.head(key);
  }

  startMultipart(key: string): Promise<string> {
    return this.objects.startMultipart(key, { contentType: 'application/octet-stream' });
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void> {
    try {
      await this.objects.completeMultipart(key, uploadId, parts);
    } catch (err) {
      const name = (err as { name?: string }).name;
      // What the client can fix: a part it has not uploaded, a wrong ETag, a part too small.
      if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall' || name === 'NoSuchUpload') {
        throw new InvalidInputError(`S3 refused to assemble the parts (${name}: ${(err as Error).message}). Upload every part, then complete with the ETags S3 answered.`);
      }
      throw err;
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.objects.abortMultipart(key, uploadId);
    } catch {
      // Best effort (the local S3 emulator has no abort); the lifecycle rule on the staging prefix aborts it.
    }
  }

  async sizeOf(key: string): Promise<number | undefined> {
    return (await this.stat(key))?.size;
  }

  source(key: string, size: number): DistributionSource {
    return {
      size,
      read: async (offset, length) => {
        const bytes = await collect(await this.objects.get(key, { offset, length }));
        if (bytes.byteLength !== length) throw new Error(`S3 returned ${bytes.byteLength} bytes of ${key} for a range of ${length}`);
        return bytes;
      },
      stream: () => {
        const { objects } = this;
        return {
          async *[Symbol.asyncIterator]() {
            yield* await objects.get(key);
          },
        };
      },
    };
  }

  async sha256(key: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of await this.objects.get(key)) hash.update(chunk);
    return hash.digest('hex');
  }

  copy(from: string, to: string, options: PutBlobOptions): Promise<void> {
    return this.objects.copy(from, to, options);
  }

  delete(key: string): Promise<void> {
    return this.objects.delete(key);
  }
}
