/**
 * A plain PutObject into the embedded S3 store, answered by the signature-checking front
 * itself: the object written in s3rver's own on-disk layout, so s3rver reads, lists, copies
 * and deletes it as one it stored.
 *
 * Why: `wharf import` and every upload write two objects per file (the file and its
 * `.metadata`), and s3rver spends most of a small PUT in its Koa stack (CORS, website and
 * auth middleware, routing), a stat of the bucket and a read of its website configuration
 * per request. This path does only what the object needs: its bytes, their MD5 and the kept
 * headers, the three files s3rver's FilesystemStore.putObject writes (s3rver 3.7).
 *
 * Anything else (a copy, a part, a query, a header s3rver acts on, a streamed or large body,
 * a key that is not a plain path) is left to s3rver, as before.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** Bodies up to this size are taken in memory here; larger ones are streamed by s3rver. */
export const MAX_DIRECT_PUT_BYTES = 16 * 1024 * 1024;

/** Bodies up to this size are written synchronously. */
const SYNC_WRITE_BYTES = 256 * 1024;

/** s3rver's `S3Object.ALLOWED_METADATA`: the headers it keeps with an object. */
const KEPT_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'content-type', 'expires'] as const;

/**
 * Headers a plain PutObject from the SDK or a signer carries, which s3rver does nothing with
 * beyond what is kept above. A request with any other header (x-amz-copy-source,
 * x-amz-storage-class, x-amz-website-redirect-location, content-md5, x-amz-tagging, ...) goes to s3rver.
 */
const PLAIN_HEADERS = new Set<string>([
  ...KEPT_HEADERS,
  'host',
  'authorization',
  'content-length',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-security-token',
  'x-amz-user-agent',
  'user-agent',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'connection',
  'expect',
  'accept',
  'accept-encoding',
]);

/** The object's path as s3rver's FilesystemStore.getResourcePath makes it (POSIX). */
function resourcePath(root: string, bucket: string, key: string, resource: string): string {
  const parts = key.split('/');
  const last = parts.pop()!;
  return path.join(root, bucket, ...parts, `${last}._S3rver_${resource}`);
}

/**
 * The key of `/BUCKET/KEY?x-id=PutObject` (path-style, as Wharf's clients address the local
 * store), or undefined when the request is not one this path takes.
 */
function plainPutKey(req: IncomingMessage, bucket: string): string | undefined {
  if (req.method !== 'PUT') return undefined;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const query = q < 0 ? '' : url.slice(q + 1);
  if (query !== '' && query !== 'x-id=PutObject') return undefined;
  const target = q < 0 ? url : url.slice(0, q);
  const prefix = `/${bucket}/`;
  if (!target.startsWith(prefix)) return undefined;
  let key: string;
  try {
    key = target
      .slice(prefix.length)
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    return undefined;
  }
  // Only keys that are plain relative paths: no empty, `.` or `..` segment, no NUL, no
  // trailing slash (s3rver gives those meanings of its own).
  if (key.includes('\0') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  for (const name of Object.keys(req.headers)) {
    if (!PLAIN_HEADERS.has(name) && !name.startsWith('x-amz-meta-')) return undefined;
  }
  if (req.headers['transfer-encoding'] !== undefined) return undefined;
  const length = Number(req.headers['content-length']);
  if (!/^\d+$/.test(req.headers['content-length'] ?? '') || length > MAX_DIRECT_PUT_BYTES) return undefined;
  return key;
}

function readBody(req: IncomingMessage, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= length) chunks.push(chunk);
    });
    req.on('end', () => resolve(size === length ? Buffer.concat(chunks, size) : undefined));
    req.on('error', reject);
  });
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * PutObject straight into s3rver's directory, for requests whose signature the front has
 * checked. `handle` answers and returns true when it took the request, false (having read
 * nothing) when s3rver should have it.
 */
export class DirectPutObject {
  private bucketSeen = false;
  /**
   * Directories made lately: a file and its .metadata share one (files/PROJECT/SHA256/), so
   * the second need not ask again. A directory s3rver removed since is made again on ENOENT.
   */
  private readonly madeDirs = new Set<string>();
  private writes = 0;

  private makeDir(dir: string): void {
    mkdirSync(dir, { recursive: true });
    if (this.madeDirs.size >= 1024) this.madeDirs.clear();
    this.madeDirs.add(dir);
  }

  /** A name beside the object for its bytes until they are whole; not an object to s3rver. */
  private partialPath(objectPath: string): string {
    return `${objectPath}.${process.pid}-${++this.writes}.partial`;
  }

  constructor(
    private readonly root: string,
    private readonly bucket: string,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse, onError: (err: unknown) => void): boolean {
    const key = plainPutKey(req, this.bucket);
    if (key === undefined) return false;
    this.put(req, res, key).catch(onError);
    return true;
  }

  private async put(req: IncomingMessage, res: ServerResponse, key: string): Promise<void> {
    const length = Number(req.headers['content-length']);
    const body = await readBody(req, length);
    if (!body) return s3Error(res, 400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
    // S3 checks the payload against the hash that was signed; s3rver never did.
    const claimed = req.headers['x-amz-content-sha256'];
    if (typeof claimed === 'string' && /^[0-9a-f]{64}$/.test(claimed) && createHash('sha256').update(body).digest('hex') !== claimed) {
      return s3Error(res, 400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
    }
    if (!this.bucketSeen) {
      // The front serves one bucket, made at start and never removed by Wharf; s3rver
      // answers NoSuchBucket should it be gone, so it is checked until first seen.
      const exists = await stat(path.join(this.root, this.bucket)).then((s) => s.isDirectory(), () => false);
      if (!exists) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      this.bucketSeen = true;
    }
    const md5 = createHash('md5').update(body).digest('hex');
    const kept: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') kept[name] = value;
    }
    kept['content-type'] ??= 'binary/octet-stream';
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-amz-meta-') && typeof value === 'string') kept[name] = value;
    }
    const objectPath = resourcePath(this.root, this.bucket, key, 'object');
    if (body.length <= SYNC_WRITE_BYTES) {
      // Small: written at once. These few syscalls here cost less than each one's trip
      // through libuv's thread pool, on a machine whose cores are busy anyway.
      const write = () => {
        writeFileSync(resourcePath(this.root, this.bucket, key, 'object.md5'), md5);
        writeFileSync(resourcePath(this.root, this.bucket, key, 'metadata.json'), JSON.stringify(kept, null, 2));
        const partial = this.partialPath(objectPath);
        try {
          writeFileSync(partial, body);
          renameSync(partial, objectPath);
        } catch (err) {
          rmSync(partial, { force: true });
          throw err;
        }
      };
      const dir = path.dirname(objectPath);
      if (!this.madeDirs.has(dir)) this.makeDir(dir);
      try {
        write();
      } catch (err) {
        // s3rver removes a directory its last object left: make it again, once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.makeDir(dir);
        write();
      }
      res.writeHead(200, { etag: `"${md5}"`, 'content-length': 0 });
      res.end();
      return;
    }
    await mkdir(path.dirname(objectPath), { recursive: true });
    // The MD5 and the headers first, then the bytes renamed into place: a reader finds the
    // object whole or not at all (s3rver itself truncates and rewrites it in place).
    await writeFile(resourcePath(this.root, this.bucket, key, 'object.md5'), md5);
    await writeFile(resourcePath(this.root, this.bucket, key, 'metadata.json'), JSON.stringify(kept, null, 2));
    const partial = this.partialPath(objectPath);
    try {
      await writeFile(partial, body);
      await rename(partial, objectPath);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    res.writeHead(200, { etag: `"${md5}"`, 'content-length': 0 });
    res.end();
  }
}
