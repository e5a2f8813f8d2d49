/**
 * UpstreamStore in the files bucket, under `upstream/` (apart from Wharf's own `files/`):
 *
 * - `upstream/pages/{project}.json`: the last good upstream page, as Wharf parsed it.
 * - `upstream/files/{project}/{sha256}/{filename}` (and `.metadata`): copied files,
 *   content-addressed like Wharf's own, so a copy never replaces other bytes.
 * - `upstream/incoming/{uuid}`: a background copy in flight; moved only once verified.
 *   A lifecycle rule removes leftovers of copies that died.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CachedUpstreamPage, UpstreamStore } from '../app/upstream-ports.ts';
import { UPSTREAM_FILES_PREFIX, UPSTREAM_INCOMING_PREFIX, UPSTREAM_PAGES_PREFIX, upstreamFileKey } from '../core/upstream.ts';
import { IMMUTABLE_CACHE_CONTROL } from '../core/storage-keys.ts';
import { collect, listKeys, putStream, type S3Objects } from './s3-objects.ts';

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

function contentTypeOf(filename: string): string {
  if (filename.endsWith('.metadata')) return 'text/plain; charset=utf-8';
  if (filename.endsWith('.whl') || filename.endsWith('.zip')) return 'application/zip';
  return 'application/octet-stream';
}

export class S3UpstreamStore implements UpstreamStore {
  constructor(private readonly objects: S3Objects) {}

  async getPage(project: string): Promise<CachedUpstreamPage | undefined> {
    try {
      const body = await collect(await this.objects.get(`${UPSTREAM_PAGES_PREFIX}${project}.json`));
      return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf-8')) as CachedUpstreamPage;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async putPage(project: string, cached: CachedUpstreamPage): Promise<void> {
    await this.objects.put(`${UPSTREAM_PAGES_PREFIX}${project}.json`, Buffer.from(JSON.stringify(cached), 'utf-8'), { contentType: 'application/json' });
  }

  async hasFile(project: string, sha256: string, filename: string): Promise<boolean> {
    return (await this.objects.head(upstreamFileKey(project, sha256, filename))) !== undefined;
  }

  async listFiles(project: string): Promise<string[]> {
    const prefix = `${UPSTREAM_FILES_PREFIX}${project}/`;
    return (await listKeys(this.objects, prefix)).filter((key) => !key.endsWith('.metadata')).map((key) => key.slice(prefix.length));
  }

  async putFile(project: string, sha256: string, filename: string, body: Uint8Array): Promise<void> {
    await this.objects.put(upstreamFileKey(project, sha256, filename), body, { contentType: contentTypeOf(filename), cacheControl: IMMUTABLE_CACHE_CONTROL });
  }

  async putStreamVerified(project: string, sha256: string, filename: string, body: AsyncIterable<Uint8Array>): Promise<boolean> {
    const staging = `${UPSTREAM_INCOMING_PREFIX}${randomUUID()}`;
    const hash = createHash('sha256');
    const hashed = (async function* () {
      for await (const chunk of body) {
        hash.update(chunk);
        yield chunk;
      }
    })();
    try {
      await putStream(this.objects, staging, hashed, { contentType: contentTypeOf(filename) });
    } catch (err) {
      await this.deleteQuietly(staging);
      throw err;
    }
    if (hash.digest('hex') !== sha256) {
      await this.deleteQuietly(staging);
      return false;
    }
    await this.objects.copy(staging, upstreamFileKey(project, sha256, filename), { contentType: contentTypeOf(filename), cacheControl: IMMUTABLE_CACHE_CONTROL });
    await this.deleteQuietly(staging);
    return true;
  }

  private async deleteQuietly(key: string): Promise<void> {
    await this.objects.delete(key).catch(() => undefined);
  }
}
