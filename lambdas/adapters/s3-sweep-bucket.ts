/** SweepBucket on the files bucket: ListObjectsV2 paged, HeadObject, a version-exact delete. */
import type { ListedObject, ObjectVersion, SweepBucket } from '../app/orphan-sweep-ports.ts';
import type { S3Objects } from './s3-objects.ts';

export class S3SweepBucket implements SweepBucket {
  constructor(
    private readonly objects: S3Objects,
    /** Keys per page (S3's maximum is 1000). */
    private readonly pageSize = 1000,
  ) {}

  async *list(prefix: string): AsyncIterable<readonly ListedObject[]> {
    let token: string | undefined;
    do {
      const page = await this.objects.listPage(prefix, { pageSize: this.pageSize, ...(token ? { token } : {}) });
      // No date is no evidence of age: treat it as written now, so it is never swept.
      yield page.objects.map((o) => ({ key: o.key, lastModified: o.lastModified ?? new Date() }));
      token = page.next;
    } while (token);
  }

  async head(key: string): Promise<ObjectVersion | undefined> {
    const info = await this.objects.head(key);
    if (!info) return undefined;
    return {
      lastModified: info.lastModified ?? new Date(),
      // "null" is the version of an object written before versioning was enabled.
      ...(info.versionId ? { versionId: info.versionId } : {}),
    };
  }

  async remove(key: string, version: ObjectVersion): Promise<void> {
    // On the versioned files bucket a delete without a version would only add a delete
    // marker, and would hide a copy of the same bytes written since the HeadObject; the
    // version judged is removed, and nothing else.
    await this.objects.delete(key, version.versionId);
  }
}
