/**
 * A Lambda entry that sends three S3 commands through the AWS SDK's client, as the sweeper
 * did before it moved to Wharf's own S3 client: what test/unit/lambda-bundling.test.ts
 * bundles with the functions' options (lib/bundling.ts) to check that only those commands'
 * schemas and only the environment's credentials link end up in a cold start, for any
 * function that sends SDK commands (today the signing key rotation's IAM and Secrets
 * Manager, and the Lambda client the write and read functions load on first use).
 */
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

const s3 = new S3Client({});

export async function handler(event: { key: string }): Promise<number> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'files/' }));
  await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: event.key }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'b', Key: event.key }));
  return listed.KeyCount ?? 0;
}
