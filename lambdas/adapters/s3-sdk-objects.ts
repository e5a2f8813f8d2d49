/**
 * The S3 object calls of Wharf's file adapters (s3-objects.ts) through an AWS SDK S3
 * client the caller already holds: `wharf import` into a deployed stack (the SDK's
 * credential chain, its large-file uploads on the same client) and tests that count the
 * client's calls. The functions and the local server use s3-rest-client.ts instead.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectHeaders, S3Objects } from './s3-objects.ts';
import { copySource } from './s3-keys.ts';

const sdkHeaders = (headers: ObjectHeaders) => ({
  ContentType: headers.contentType,
  ...(headers.cacheControl ? { CacheControl: headers.cacheControl } : {}),
});

export function sdkS3Objects(client: S3Client, bucketName: string): S3Objects {
  const Bucket = bucketName;
  return {
    async put(key, body, headers) {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentLength: body.byteLength, ...sdkHeaders(headers) }));
    },
    async head(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return {
          size: head.ContentLength ?? 0,
          etag: head.ETag ?? '',
          ...(head.LastModified ? { lastModified: head.LastModified } : {}),
          ...(head.VersionId ? { versionId: head.VersionId } : {}),
        };
      } catch (err) {
        if ((err as { name?: string }).name === 'NotFound') return undefined;
        throw err;
      }
    },
    async get(key, range) {
      const answer = await client.send(
        new GetObjectCommand({ Bucket, Key: key, ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}) }),
      );
      if (!answer.Body) throw new Error(`S3 returned no body for ${key}`);
      return answer.Body as unknown as AsyncIterable<Uint8Array>;
    },
    async copy(from, to, headers) {
      await client.send(new CopyObjectCommand({ Bucket, Key: to, CopySource: copySource(bucketName, from), MetadataDirective: 'REPLACE', ...sdkHeaders(headers) }));
    },
    async delete(key, versionId) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key, ...(versionId !== undefined ? { VersionId: versionId } : {}) }));
    },
    async startMultipart(key, headers) {
      const answer = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key, ...sdkHeaders(headers) }));
      if (!answer.UploadId) throw new Error(`S3 started no multipart upload for ${key}`);
      return answer.UploadId;
    },
    async uploadPart(key, uploadId, partNumber, body) {
      const answer = await client.send(new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.byteLength }));
      if (!answer.ETag) throw new Error(`S3 answered part ${partNumber} of ${key} without an ETag`);
      return answer.ETag;
    },
    async completeMultipart(key, uploadId, parts) {
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) } }),
      );
    },
    async abortMultipart(key, uploadId) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }));
    },
    async listPage(prefix, page = {}) {
      const out = await client.send(
        new ListObjectsV2Command({ Bucket, Prefix: prefix, ...(page.pageSize !== undefined ? { MaxKeys: page.pageSize } : {}), ...(page.token ? { ContinuationToken: page.token } : {}) }),
      );
      const objects = (out.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ key: o.Key, ...(o.LastModified ? { lastModified: o.LastModified } : {}) }]));
      return { objects, ...(out.IsTruncated && out.NextContinuationToken ? { next: out.NextContinuationToken } : {}) };
    },
  };
}
