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
import { PassThrough } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { copySource } from './s3-keys.ts';
import { Upload } from '@aws-sdk/lib-storage';
import type { CachedUpstreamPage, UpstreamStore } from '../app/upstream-ports.ts';
import { UPSTREAM_FILES_PREFIX, UPSTREAM_INCOMING_PREFIX, UPSTREAM_PAGES_PREFIX, upstreamFileKey } from '../core/upstream.ts';
import { IMMUTABLE_CACHE_CONTROL } from '../core/storage-keys.ts';


function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return err instanceof NoSuchKey || err instanceof NotFound || name === 'NoSuchKey' || name === 'NotFound';
}

function contentTypeOf(filename: string): string {
  if (filename.endsWith('.metadata')) return 'text/plain; charset=utf-8';
  if (filename.endsWith('.whl') || filename.endsWith('.zip')) return 'application/zip';
  return 'application/octet-stream';
}

export class S3UpstreamStore implements UpstreamStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  async getPage(project: string): Promise<CachedUpstreamPage | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: `${UPSTREAM_PAGES_PREFIX}${project}.json` }));
      return JSON.parse(await out.Body!.transformToString('utf-8')) as CachedUpstreamPage;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async putPage(project: string, cached: CachedUpstreamPage): Promise<void> {
    const body = Buffer.from(JSON.stringify(cached), 'utf-8');
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: `${UPSTREAM_PAGES_PREFIX}${project}.json`,
        Body: body,
        ContentLength: body.byteLength,
        ContentType: 'application/json',
      }),
    );
  }

  async hasFile(project: string, sha256: string, filename: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucketName, Key: upstreamFileKey(project, sha256, filename) }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async listFiles(project: string): Promise<string[]> {
    const prefix = `${UPSTREAM_FILES_PREFIX}${project}/`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of out.Contents ?? []) if (o.Key && !o.Key.endsWith('.metadata')) keys.push(o.Key.slice(prefix.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async putFile(project: string, sha256: string, filename: string, body: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: upstreamFileKey(project, sha256, filename),
        Body: body,
        ContentLength: body.byteLength,
        ContentType: contentTypeOf(filename),
        CacheControl: IMMUTABLE_CACHE_CONTROL,
      }),
    );
  }

  async putStreamVerified(project: string, sha256: string, filename: string, body: AsyncIterable<Uint8Array>): Promise<boolean> {
    const staging = `${UPSTREAM_INCOMING_PREFIX}${randomUUID()}`;
    const hash = createHash('sha256');
    const pass = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucketName, Key: staging, Body: pass, ContentType: contentTypeOf(filename) },
      queueSize: 4,
      partSize: 16 * 1024 * 1024,
    });
    const done = upload.done();
    try {
      for await (const chunk of body) {
        hash.update(chunk);
        if (!pass.write(chunk)) await new Promise((resolve) => pass.once('drain', resolve));
      }
      pass.end();
      await done;
    } catch (err) {
      pass.destroy();
      await upload.abort().catch(() => undefined);
      await done.catch(() => undefined);
      await this.deleteQuietly(staging);
      throw err;
    }
    if (hash.digest('hex') !== sha256) {
      await this.deleteQuietly(staging);
      return false;
    }
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucketName,
        Key: upstreamFileKey(project, sha256, filename),
        CopySource: copySource(this.bucketName, staging),
        MetadataDirective: 'REPLACE',
        ContentType: contentTypeOf(filename),
        CacheControl: IMMUTABLE_CACHE_CONTROL,
      }),
    );
    await this.deleteQuietly(staging);
    return true;
  }

  private async deleteQuietly(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key })).catch(() => undefined);
  }
}

/** A store with its own client (what the read function loads on first use). */
export function createS3UpstreamStore(bucketName: string): S3UpstreamStore {
  return new S3UpstreamStore(new S3Client({}), bucketName);
}
