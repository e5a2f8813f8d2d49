/**
 * The files bucket's adapters on one S3 client: what the write function loads with
 * `import()` when a request first touches the bucket (lambdas/functions/deferred.ts).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { S3UploadStaging } from '../adapters/s3-upload-staging.ts';
import { roleUrlSigner } from '../adapters/s3-url-signer.ts';
import type { Credentials } from '../adapters/sigv4.ts';

export function createS3Stores(bucketName: string, region: string, credentials: Credentials): { blobs: S3BlobStore; staging: S3UploadStaging } {
  const s3 = new S3Client({});
  return {
    blobs: new S3BlobStore(s3, bucketName),
    // Presigned with the role's own credentials: the URLs live no longer than they do.
    staging: new S3UploadStaging(s3, bucketName, roleUrlSigner(bucketName, region, credentials)),
  };
}
