/**
 * The S3 object calls Wharf's file adapters make (S3BlobStore, S3UploadStaging), on one
 * bucket. Two ways to send them: Wharf's own small REST client (s3-rest-client.ts), which
 * the functions and the local server use, and the AWS SDK's S3 client (s3-sdk-objects.ts),
 * for callers that already hold one (`wharf import` into a deployed stack, tests).
 *
 * A refusal is thrown as an Error whose `name` is S3's error code (NoSuchKey, InvalidPart,
 * SlowDown...), as the SDK names its exceptions; a HEAD of a missing key answers undefined.
 */
import { concatBytes } from '../core/bytes.ts';

/** How a stored object is served again: its Content-Type and Cache-Control. */
export interface ObjectHeaders {
  readonly contentType: string;
  readonly cacheControl?: string;
}

export interface S3Objects {
  /** PutObject of bytes in hand. */
  put(key: string, body: Uint8Array, headers: ObjectHeaders): Promise<void>;
  /** HeadObject: size and ETag, or undefined when there is no such key. */
  head(key: string): Promise<{ readonly size: number; readonly etag: string } | undefined>;
  /** GetObject: the whole object, or `length` bytes from `offset`, as it arrives. */
  get(key: string, range?: { readonly offset: number; readonly length: number }): Promise<AsyncIterable<Uint8Array>>;
  /** CopyObject within the bucket, with new headers (MetadataDirective REPLACE). */
  copy(from: string, to: string, headers: ObjectHeaders): Promise<void>;
  delete(key: string): Promise<void>;
  /** CreateMultipartUpload: its UploadId. */
  startMultipart(key: string, contentType: string): Promise<string>;
  completeMultipart(key: string, uploadId: string, parts: readonly { readonly partNumber: number; readonly etag: string }[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

/** All of a stream's bytes, in one array. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}
