/**
 * The files bucket's adapters on Wharf's S3 REST client (adapters/s3-rest-client.ts), in the
 * function's region, with its role's credentials, at the endpoint the AWS SDKs' override
 * variables name if any (the deployed-bundles test and the bench point it at the local
 * stores). The read, write and retention functions load this with `import()` when a request
 * or a run first touches the bucket (lambdas/functions/deferred.ts); the verifier and the
 * upstream copier, whose every event does, load it at start.
 */
import { S3BlobStore } from '../adapters/s3-blob-store.ts';
import { S3RestClient } from '../adapters/s3-rest-client.ts';
import { S3UploadStaging } from '../adapters/s3-upload-staging.ts';
import { S3UpstreamStore } from '../adapters/s3-upstream-store.ts';
import { roleUrlSigner } from '../adapters/s3-url-signer.ts';
import { awsRegion, type Environment, roleCredentials, s3Endpoint } from '../config/environment.ts';

export function lambdaS3(env: Environment, bucketName: string): S3RestClient {
  return new S3RestClient({ bucketName, region: awsRegion(env), credentials: roleCredentials(env), ...s3Endpoint(env) });
}

export function createS3BlobStore(env: Environment, bucketName: string): S3BlobStore {
  return new S3BlobStore(lambdaS3(env, bucketName));
}

/** The upstream copies under `upstream/` (the read function's proxy, the copier). */
export function createS3UpstreamStore(env: Environment, bucketName: string): S3UpstreamStore {
  return new S3UpstreamStore(lambdaS3(env, bucketName));
}

export function createS3Stores(env: Environment, bucketName: string): { blobs: S3BlobStore; staging: S3UploadStaging } {
  const objects = lambdaS3(env, bucketName);
  return {
    blobs: new S3BlobStore(objects),
    // Presigned with the role's own credentials: the URLs live no longer than they do.
    staging: new S3UploadStaging(objects, roleUrlSigner(bucketName, awsRegion(env), roleCredentials(env))),
  };
}
