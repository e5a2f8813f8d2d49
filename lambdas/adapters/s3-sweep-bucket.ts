/** SweepBucket on the files bucket: ListObjectsV2 paged, HeadObject, a version-exact delete. */
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, type S3Client } from '@aws-sdk/client-s3';
import type { ListedObject, ObjectVersion, SweepBucket } from '../app/orphan-sweep-ports.ts';

export class S3SweepBucket implements SweepBucket {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
    /** Keys per page (S3's maximum is 1000). */
    private readonly pageSize = 1000,
  ) {}

  async *list(prefix: string): AsyncIterable<readonly ListedObject[]> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucketName,
          Prefix: prefix,
          MaxKeys: this.pageSize,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      const objects: ListedObject[] = [];
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        // No date is no evidence of age: treat it as written now, so it is never swept.
        objects.push({ key: item.Key, lastModified: item.LastModified ?? new Date() });
      }
      yield objects;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async head(key: string): Promise<ObjectVersion | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucketName, Key: key }));
      return {
        lastModified: out.LastModified ?? new Date(),
        // "null" is the version of an object written before versioning was enabled.
        ...(out.VersionId ? { versionId: out.VersionId } : {}),
      };
    } catch (err) {
      if (err instanceof NotFound || (err as { name?: string }).name === 'NotFound') return undefined;
      throw err;
    }
  }

  async remove(key: string, version: ObjectVersion): Promise<void> {
    // On the versioned files bucket a delete without a version would only add a delete
    // marker, and would hide a copy of the same bytes written since the HeadObject; the
    // version judged is removed, and nothing else.
    await this.client.send(
      new DeleteObjectCommand({
        Bucket: this.bucketName,
        Key: key,
        ...(version.versionId ? { VersionId: version.versionId } : {}),
      }),
    );
  }
}
