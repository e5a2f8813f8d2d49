/**
 * UploadStaging on the files bucket: presigned PUTs and multipart parts for staging keys
 * (signed by S3UrlSigner, the one signer), and the S3 calls that complete, read, verify,
 * copy and remove what was staged.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { copySource } from './s3-keys.ts';
import type { DistributionSource } from '../core/distribution.ts';
import { InvalidInputError } from '../core/errors.ts';
import type { PresignOptions, PutBlobOptions, UploadStaging } from '../app/ports.ts';
import type { S3UrlSigner } from './s3-url-signer.ts';

type SigningOptions = Omit<PresignOptions, 'responseCacheControl'>;

export class S3UploadStaging implements UploadStaging {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
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
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: bytes, ContentLength: bytes.byteLength, ContentType: 'application/octet-stream' }),
    );
  }

  async stat(key: string): Promise<{ size: number; etag: string } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucketName, Key: key }));
      return { size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
    } catch (err) {
      if (err instanceof NotFound || (err as { name?: string }).name === 'NotFound') return undefined;
      throw err;
    }
  }

  async startMultipart(key: string): Promise<string> {
    const answer = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucketName, Key: key, ContentType: 'application/octet-stream' }),
    );
    if (!answer.UploadId) throw new Error(`S3 started no multipart upload for ${key}`);
    return answer.UploadId;
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<void> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucketName,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
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
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucketName, Key: key, UploadId: uploadId }));
    } catch {
      // Best effort (the local S3 emulator has no abort); the lifecycle rule on the staging prefix aborts it.
    }
  }

  async sizeOf(key: string): Promise<number | undefined> {
    return (await this.stat(key))?.size;
  }

  source(key: string, size: number): DistributionSource {
    const get = async (range?: string) => {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key, ...(range ? { Range: range } : {}) }));
      if (!answer.Body) throw new Error(`S3 returned no body for ${key}`);
      return answer.Body as unknown as AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> };
    };
    return {
      size,
      read: async (offset, length) => {
        const bytes = await (await get(`bytes=${offset}-${offset + length - 1}`)).transformToByteArray();
        if (bytes.byteLength !== length) throw new Error(`S3 returned ${bytes.byteLength} bytes of ${key} for a range of ${length}`);
        return bytes;
      },
      stream: () => ({
        async *[Symbol.asyncIterator]() {
          yield* await get();
        },
      }),
    };
  }

  async sha256(key: string): Promise<string> {
    const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
    const hash = createHash('sha256');
    for await (const chunk of answer.Body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    return hash.digest('hex');
  }

  async copy(from: string, to: string, options: PutBlobOptions): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucketName,
        Key: to,
        CopySource: copySource(this.bucketName, from),
        MetadataDirective: 'REPLACE',
        ContentType: options.contentType,
        ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key }));
  }
}
