/**
 * The S3 object calls Wharf's file adapters make (S3BlobStore, S3UploadStaging,
 * S3UpstreamStore, S3SweepBucket), on one bucket. Two ways to send them: Wharf's own small REST client (s3-rest-client.ts), which
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
  /** HeadObject: what is stored at `key`, or undefined when there is no such key. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** GetObject: the whole object, or `length` bytes from `offset`, as it arrives. */
  get(key: string, range?: { readonly offset: number; readonly length: number }): Promise<AsyncIterable<Uint8Array>>;
  /** CopyObject within the bucket, with new headers (MetadataDirective REPLACE). */
  copy(from: string, to: string, headers: ObjectHeaders): Promise<void>;
  /** DeleteObject: of exactly `versionId` when given (on a versioned bucket, else a delete marker). */
  delete(key: string, versionId?: string): Promise<void>;
  /** CreateMultipartUpload (with the headers the assembled object is served with): its UploadId. */
  startMultipart(key: string, headers: ObjectHeaders): Promise<string>;
  /** UploadPart: the part's ETag. */
  uploadPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string>;
  completeMultipart(key: string, uploadId: string, parts: readonly { readonly partNumber: number; readonly etag: string }[]): Promise<void>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** One page of ListObjectsV2 under `prefix`: up to `pageSize` objects (S3's most is 1000), and the next page's token. */
  listPage(prefix: string, page?: { readonly pageSize?: number; readonly token?: string }): Promise<ObjectPage>;
}

export interface ObjectInfo {
  readonly size: number;
  readonly etag: string;
  readonly lastModified?: Date;
  /** On a versioned bucket: the current version ("null" for one written before versioning). */
  readonly versionId?: string;
}

export interface ObjectPage {
  readonly objects: readonly { readonly key: string; readonly lastModified?: Date }[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: string;
}

/** Every key under `prefix`, over all pages. */
export async function listKeys(objects: S3Objects, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await objects.listPage(prefix, token ? { token } : {});
    for (const object of page.objects) keys.push(object.key);
    token = page.next;
  } while (token);
  return keys;
}

/** Parts of a streamed upload: S3's minimum part is 5 MiB; 16 MiB keeps a 5 GB file at 320 parts. */
const STREAM_PART_BYTES = 16 * 1024 * 1024;
/** Parts in flight at once: at most this many parts' bytes (64 MiB) are held. */
const STREAM_PARTS_IN_FLIGHT = 4;

/**
 * A body of unknown length stored under `key`: one PutObject when it ends within a part,
 * else a multipart upload of 16 MiB parts, four in flight, aborted if anything fails (the
 * bucket's lifecycle rule aborts what an abort cannot reach).
 */
export async function putStream(objects: S3Objects, key: string, body: AsyncIterable<Uint8Array>, headers: ObjectHeaders): Promise<void> {
  const iterator = body[Symbol.asyncIterator]();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let ended = false;
  /** The next part's bytes, or undefined once the body has ended and nothing is left. */
  const nextPart = async (): Promise<Uint8Array | undefined> => {
    // One byte past a part before it goes: a body of exactly one part is then one PutObject.
    while (!ended && pendingBytes <= STREAM_PART_BYTES) {
      const next = await iterator.next();
      if (next.done) ended = true;
      else {
        pending.push(next.value);
        pendingBytes += next.value.byteLength;
      }
    }
    if (pendingBytes === 0) return undefined;
    const all = concatBytes(pending, pendingBytes);
    const part = all.subarray(0, Math.min(STREAM_PART_BYTES, all.byteLength));
    const rest = all.subarray(part.byteLength);
    pending = rest.byteLength > 0 ? [rest] : [];
    pendingBytes = rest.byteLength;
    return part;
  };
  const first = (await nextPart()) ?? new Uint8Array(0);
  if (ended && pendingBytes === 0) {
    await objects.put(key, first, headers);
    return;
  }
  const uploadId = await objects.startMultipart(key, headers);
  const etags: string[] = [];
  try {
    const inFlight = new Map<number, Promise<void>>();
    let part: Uint8Array | undefined = first;
    for (let partNumber = 1; part !== undefined; partNumber++) {
      const bytes = part;
      const n = partNumber;
      const sending = objects.uploadPart(key, uploadId, n, bytes).then((etag) => {
        etags[n - 1] = etag;
        inFlight.delete(n);
      });
      inFlight.set(n, sending);
      // A failed part fails the upload now, not after the body is read to its end.
      sending.catch(() => undefined);
      if (inFlight.size >= STREAM_PARTS_IN_FLIGHT) await Promise.race(inFlight.values());
      part = await nextPart();
    }
    await Promise.all(inFlight.values());
    await objects.completeMultipart(key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
  } catch (err) {
    await objects.abortMultipart(key, uploadId).catch(() => undefined);
    throw err;
  }
}

/** All of a stream's bytes, in one array. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}
