/**
 * The client side of publishing: PEP 694's Upload 2.0 API (lambdas/http/upload-api-routes.ts)
 * with one publishing session per release and a file upload session per file, the bytes POSTed
 * to the index (`http-post-bytes`, small files) or PUT straight to S3 (Wharf's
 * `vnd-wharf-s3multipart-presigned`: one presigned PUT, or multipart parts in parallel, each
 * retried on its own and re-signed when its URL has run out); the release is published once
 * every file has completed. An index without Upload 2.0 (a Wharf before it) gets the first
 * session API instead (lambdas/http/upload-session-routes.ts), a file at a time.
 * `wharf publish` and the benchmark use it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { VERIFY_DEADLINE_SECONDS } from '../core/upload-session.ts';
import { HTTP_POST_BYTES, POST_BYTES_MAX, PROBLEM_JSON, S3_MULTIPART_PRESIGNED, UPLOAD_API_VERSION, UPLOAD_V2_JSON } from '../core/publishing-session.ts';
import { parseSdistFilename, parseWheelFilename } from '../core/filenames.ts';
import { releaseVersionKey } from '../core/versions.ts';
import { type ExchangedToken, trustedPublishingToken } from './oidc-exchange.ts';
import { NotWharfError, notWharfMessage, wharfJson, jsonRequest } from './wharf-answer.ts';

/**
 * Where the token comes from. Called with no argument for the token to send; called with a
 * token the index answered 401 to, it returns a newer one if it can get one (trusted
 * publishing mints again: its tokens live 15 minutes), or that same token if it cannot.
 */
export type AuthProvider = (rejected?: string) => Promise<string>;

export function tokenAuth(token: string): AuthProvider {
  return async () => token;
}

/**
 * Trusted publishing: a token minted by the OIDC exchange (lambdas/cli/oidc-exchange.ts)
 * on first use, and minted again when the index rejects it. Concurrent callers holding the
 * same rejected token share one new mint.
 */
export function trustedPublishingAuth(
  indexUrl: string,
  env: Record<string, string | undefined> = process.env,
  mint: (indexUrl: string, env: Record<string, string | undefined>) => Promise<ExchangedToken> = trustedPublishingToken,
): AuthProvider {
  let current: Promise<string> | undefined;
  let settled: string | undefined;
  const mintNew = () => {
    settled = undefined;
    const minted = mint(indexUrl, env).then((t) => (settled = t.token));
    current = minted;
    // A failed mint is reported to its caller; the next call tries again.
    minted.catch(() => {
      if (current === minted) current = undefined;
    });
    return minted;
  };
  return async (rejected) => {
    if (current === undefined || (rejected !== undefined && rejected === settled)) return mintNew();
    return current;
  };
}

export class PublishError extends Error {}

export type PublishOutcome = 'published' | 'unchanged' | 'skipped';

export interface PublishProgress {
  readonly filename: string;
  readonly phase: 'hashing' | 'uploading' | 'verifying' | 'done';
  readonly bytes: number;
  readonly total: number;
}

export interface PublishOptions {
  /** Parts in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Attempts per part (and per API call on a network error or 5xx). @default 5 */
  readonly attempts?: number;
  /** A file that exists on the index is reported as skipped instead of an error. */
  readonly skipExisting?: boolean;
  readonly onProgress?: (progress: PublishProgress) => void;
  /** Wait between retries, in ms (tests shorten it). @default 500, doubling */
  readonly retryDelayMs?: number;
  /**
   * How long past the session's `verifyDeadline` to keep polling (the server marks the
   * session failed at its deadline; this covers clock skew). @default 60000
   */
  readonly verifyGraceMs?: number;
}

export interface PublishResult {
  readonly filename: string;
  readonly outcome: PublishOutcome;
  readonly message: string;
  readonly size: number;
  readonly seconds: number;
}

/** A file to publish, with its PEP 740 attestations if it has any. */
export interface ReleaseFile {
  readonly path: string;
  readonly attestations?: readonly unknown[];
}

/** What became of one file of a release: its result, or why it was not published. */
export type FileReport = { readonly filename: string; readonly result: PublishResult } | { readonly filename: string; readonly failure: string };

/** The files of one release (project and version, as PEP 694 sessions hold them). */
export interface Release {
  readonly project: string;
  readonly version: string;
  readonly files: readonly ReleaseFile[];
}

/**
 * Groups files by release, in the order given. A file whose name is not a distribution's is
 * reported by `onBad` and left out.
 */
export function groupByRelease(files: readonly ReleaseFile[], onBad: (file: ReleaseFile, message: string) => void): Release[] {
  const releases = new Map<string, { project: string; version: string; files: ReleaseFile[] }>();
  for (const file of files) {
    const filename = path.basename(file.path);
    let parsed: { normalizedName: string; version: string };
    try {
      const type = filetypeOf(filename);
      if (!type) throw new Error(`${filename} is not a distribution (.whl, .tar.gz or .zip).`);
      parsed = type === 'bdist_wheel' ? parseWheelFilename(filename) : parseSdistFilename(filename);
    } catch (err) {
      onBad(file, (err as Error).message);
      continue;
    }
    const key = `${parsed.normalizedName} ${releaseVersionKey(parsed.version)}`;
    const release = releases.get(key) ?? { project: parsed.normalizedName, version: parsed.version, files: [] };
    release.files.push(file);
    releases.set(key, release);
  }
  return [...releases.values()];
}

/** What the Upload 2.0 API answered: a v2 body, or a problem's detail. */
interface V2Answer {
  readonly status: number;
  readonly location: string | null;
  readonly retryAfter: number | undefined;
  readonly value: Record<string, any>;
  /** The problem's `detail`, for an error. */
  readonly problem?: string;
}

const META = { 'api-version': UPLOAD_API_VERSION };

interface SessionView {
  id?: string;
  status: string;
  filename: string;
  mechanism?: 's3-presigned-put' | 's3-multipart';
  partCount?: number;
  partSize?: number;
  error?: string;
  outcome?: string;
  verifyDeadline?: string;
  message?: string;
  parts?: { partNumber: number; offset: number; size: number; url: string }[];
  links?: { self: string; parts: string; complete: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function filetypeOf(filename: string): 'bdist_wheel' | 'sdist' | undefined {
  if (filename.endsWith('.whl')) return 'bdist_wheel';
  if (filename.endsWith('.tar.gz') || filename.endsWith('.zip')) return 'sdist';
  return undefined;
}

export async function sha256OfFile(file: string, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).byteLength);
  }
  return hash.digest('hex');
}

/**
 * PUT bytes to a presigned URL, with no Authorization header (S3 refuses presigned +
 * Authorization), reporting bytes as they are handed to the socket.
 */
export function putBytes(url: string, body: Uint8Array, onBytes?: (n: number) => void): Promise<{ status: number; etag?: string; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'PUT', headers: { 'content-length': String(body.byteLength) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const etag = res.headers['etag'];
        resolve({ status: res.statusCode ?? 0, ...(typeof etag === 'string' ? { etag } : {}), text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    const step = 1024 * 1024;
    let offset = 0;
    const write = () => {
      while (offset < body.byteLength) {
        const chunk = body.subarray(offset, offset + step);
        offset += chunk.byteLength;
        const ok = req.write(chunk, () => onBytes?.(chunk.byteLength));
        if (!ok) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

export class PublishClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly auth: AuthProvider,
    private readonly options: PublishOptions = {},
  ) {
    this.base = url.replace(/\/+$/, '').replace(/\/(simple|legacy)$/, '');
  }

  /** Absolute URL of a path the API answered (which carries the stage prefix already). */
  private absolute(pathname: string): string {
    return `${new URL(this.base).origin}${pathname}`;
  }

  /**
   * One request to the index, with the token `auth` gives: retried on a network error or a
   * 5xx, and the token renewed once on a 401 (a minted one lives 15 minutes). A fixed token
   * comes back the same, and the 401 stands.
   */
  private async send(url: string, init: (token: string) => RequestInit): Promise<{ response: Response; text: string }> {
    const attempts = this.options.attempts ?? 5;
    let token = await this.auth();
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, init(token));
      } catch (err) {
        if (attempt < attempts) {
          await sleep(this.delay(attempt));
          continue;
        }
        throw new PublishError(`Cannot reach ${this.base}: ${(err as Error).message}. Is the URL right and the index up?`);
      }
      const text = await response.text();
      if (response.status === 401 && !renewed) {
        const fresh = await this.auth(token);
        if (fresh !== token) {
          token = fresh;
          renewed = true;
          attempt--;
          continue;
        }
      }
      if (response.status >= 500 && attempt < attempts) {
        await sleep(this.delay(attempt));
        continue;
      }
      return { response, text };
    }
  }

  private async api(method: string, url: string, body?: unknown): Promise<{ status: number; value: SessionView }> {
    const { response, text } = await this.send(url, (token) => jsonRequest(method, token, body));
    // Every answer of the session API is a session view (`status`) or an `error`.
    const answer = { status: response.status, contentType: response.headers.get('content-type'), text };
    const value = wharfJson(this.base, answer, 'status') as unknown as SessionView;
    return { status: response.status, value };
  }

  private delay(attempt: number): number {
    return (this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1);
  }

  /**
   * Publishes one file, as a release of its own (its own publishing session).
   * @param attestations PEP 740 attestation objects of this file
   */
  async publish(file: string, attestations?: readonly unknown[]): Promise<PublishResult> {
    const releases = groupByRelease([{ path: file, ...(attestations ? { attestations } : {}) }], (_, message) => {
      throw new PublishError(message);
    });
    const [report] = await this.publishRelease(releases[0]!);
    if (!report) throw new PublishError(`Nothing was published of ${path.basename(file)}.`);
    if ('failure' in report) throw new PublishError(report.failure);
    return report.result;
  }

  /**
   * Publishes the files of one release in one publishing session: each file uploaded and
   * completed, then the session published, so the release appears whole or not at all. A
   * file the index holds already with these bytes is `unchanged` (and not uploaded); one
   * that fails fails the release, whose session is then cancelled.
   * @param onSession told the session's URL (and stage) once it is open
   */
  async publishRelease(release: Release, onSession?: (session: { url: string; stage?: string; joined: boolean }) => void): Promise<FileReport[]> {
    const root = `${this.base}/upload/2.0/`;
    const created = await this.v2('POST', root, { meta: META, name: release.project, version: release.version });
    if (created.status === 404 && created.problem === undefined) {
      // An index without Upload 2.0: the first session API, file by file.
      const reports: FileReport[] = [];
      for (const file of release.files) {
        const filename = path.basename(file.path);
        try {
          reports.push({ filename, result: await this.publishByFirstApi(file.path, file.attestations) });
        } catch (err) {
          if (err instanceof NotWharfError) throw err;
          reports.push({ filename, failure: (err as Error).message });
        }
      }
      return reports;
    }
    let session: Record<string, any>;
    let joined = false;
    if (created.status === 201) {
      session = created.value;
    } else if (created.status === 409 && created.location) {
      // The release has an open session (a run that stopped half way, another publisher): the draft lets us join it.
      const open = await this.v2('GET', created.location);
      if (open.status !== 200) return this.allFailed(release, open.problem ?? `the index answered ${open.status}`);
      session = open.value;
      joined = true;
    } else {
      return this.allFailed(release, created.problem ?? `the index answered ${created.status}`);
    }
    const links = session['links'] as Record<string, string>;
    onSession?.({ url: links['session']!, ...(links['stage'] ? { stage: links['stage'] } : {}), joined });
    const mechanisms = (session['mechanisms'] as string[] | undefined) ?? [];

    const reports: FileReport[] = [];
    const uploaded: { file: ReleaseFile; filename: string; size: number; started: number }[] = [];
    let failed = false;
    for (const file of release.files) {
      const filename = path.basename(file.path);
      const started = performance.now();
      try {
        if (joined && session['files']?.[filename]) await this.v2('DELETE', session['files'][filename]['link']);
        const outcome = await this.uploadFile(links['upload']!, file, mechanisms);
        if (outcome.kind === 'uploaded') {
          uploaded.push({ file, filename, size: outcome.size, started });
        } else {
          this.options.onProgress?.({ filename, phase: 'done', bytes: outcome.size, total: outcome.size });
          reports.push({ filename, result: { filename, outcome: outcome.kind, message: outcome.message, size: outcome.size, seconds: (performance.now() - started) / 1000 } });
        }
      } catch (err) {
        if (err instanceof NotWharfError) throw err;
        reports.push({ filename, failure: (err as Error).message });
        failed = true;
        break;
      }
    }
    const notPublished = (why: string) => {
      for (const u of uploaded) reports.push({ filename: u.filename, failure: why });
      for (const file of release.files) {
        const filename = path.basename(file.path);
        if (!reports.some((r) => r.filename === filename)) reports.push({ filename, failure: why });
      }
    };
    if (failed || uploaded.length === 0) {
      // Nothing to publish, or a release that would be incomplete: cancel, so nothing of it lingers.
      // A session joined is someone else's too: left as it is.
      if (!joined) await this.v2('DELETE', links['session']!).catch(() => undefined);
      if (failed) notPublished(`not published: another file of ${release.project} ${release.version} failed, and a release is published whole or not at all`);
      return this.ordered(release, reports);
    }
    const published = await this.v2('POST', links['publish']!, { meta: META });
    let state = published.value;
    if (published.status === 202) state = await this.pollSession(links['session']!);
    if ((published.status !== 201 && published.status !== 202) || state['status'] !== 'published') {
      const why = published.problem ?? ((state['notices'] as string[] | undefined)?.join(' ') || `publishing ended ${state['status']}`);
      if (!joined) await this.v2('DELETE', links['session']!).catch(() => undefined);
      notPublished(why);
      return this.ordered(release, reports);
    }
    for (const u of uploaded) {
      reports.push({ filename: u.filename, result: { filename: u.filename, outcome: 'published', message: `${u.filename} is published.`, size: u.size, seconds: (performance.now() - u.started) / 1000 } });
    }
    return this.ordered(release, reports);
  }

  private ordered(release: Release, reports: FileReport[]): FileReport[] {
    const order = release.files.map((f) => path.basename(f.path));
    return [...reports].sort((a, b) => order.indexOf(a.filename) - order.indexOf(b.filename));
  }

  private allFailed(release: Release, message: string): FileReport[] {
    return release.files.map((f) => ({ filename: path.basename(f.path), failure: message }));
  }

  /**
   * One file into the session: its file upload session, the bytes by the mechanism its size
   * calls for, attestations, completion (polled while the index verifies it).
   */
  private async uploadFile(
    uploadUrl: string,
    file: ReleaseFile,
    mechanisms: readonly string[],
  ): Promise<{ kind: 'uploaded' | 'unchanged' | 'skipped'; size: number; message: string }> {
    const filename = path.basename(file.path);
    const { size } = await stat(file.path);
    const report = (phase: PublishProgress['phase'], bytes: number) => this.options.onProgress?.({ filename, phase, bytes, total: size });
    let hashed = 0;
    const sha256 = await sha256OfFile(file.path, (n) => report('hashing', (hashed += n)));
    const viaIndex = size <= POST_BYTES_MAX && mechanisms.includes(HTTP_POST_BYTES);
    const mechanism = viaIndex || !mechanisms.includes(S3_MULTIPART_PRESIGNED) ? HTTP_POST_BYTES : S3_MULTIPART_PRESIGNED;
    const opened = await this.v2('POST', uploadUrl, { meta: META, filename, size, hashes: { sha256 }, mechanism });
    if (opened.status === 409) {
      const errors = (opened.value['errors'] as { source?: string; sha256?: string }[] | undefined) ?? [];
      const existing = errors.find((e) => e.source === filename)?.sha256;
      if (existing === sha256) return { kind: 'unchanged', size, message: `${filename} was already published with these exact bytes.` };
      const message = opened.problem ?? `the index answered ${opened.status}`;
      if (this.options.skipExisting && /already exist/i.test(message)) return { kind: 'skipped', size, message };
      throw new PublishError(message);
    }
    if (opened.status !== 202) throw new PublishError(opened.problem ?? `opening the upload of ${filename} failed (${opened.status})`);
    const upload = opened.value;
    const links = upload['links'] as Record<string, string>;
    const how = upload['mechanism'] as Record<string, any>;
    try {
      if (file.attestations && file.attestations.length > 0) {
        const attested = await this.v2('POST', how['attestations_url'], file.attestations);
        if (attested.status !== 200) throw new PublishError(attested.problem ?? `the attestations of ${filename} were refused (${attested.status})`);
      }
      let sent = 0;
      const progress = (n: number) => report('uploading', (sent += n));
      let parts: { partNumber: number; etag: string }[] = [];
      if (how['identifier'] === S3_MULTIPART_PRESIGNED) {
        parts = await this.uploadParts(
          file.path,
          {
            status: 'pending',
            filename,
            partCount: how['part-count'],
            parts: ((how['parts'] as Record<string, any>[] | undefined) ?? []).map((p) => ({ partNumber: p['part-number'], offset: p['offset'], size: p['size'], url: p['url'] })),
          },
          progress,
          async (numbers) => {
            const answer = await this.v2('POST', how['parts_url'], { meta: META, 'part-numbers': numbers });
            if (answer.status !== 200) throw new PublishError(answer.problem ?? `getting upload URLs failed (${answer.status})`);
            return ((answer.value['mechanism']['parts'] as Record<string, any>[] | undefined) ?? []).map((p) => ({ partNumber: p['part-number'], offset: p['offset'], size: p['size'], url: p['url'] }));
          },
        );
      } else {
        const bytes = await readFile(file.path);
        const posted = await this.v2('POST', how['file_url'], bytes);
        if (posted.status !== 200) throw new PublishError(posted.problem ?? `uploading ${filename} failed (${posted.status})`);
        progress(bytes.byteLength);
      }
      const completed = await this.v2('POST', links['complete']!, {
        meta: META,
        ...(parts.length > 0 && how['kind'] === 'multipart' ? { parts: parts.map((p) => ({ 'part-number': p.partNumber, etag: p.etag })) } : {}),
      });
      if (completed.status !== 201 && completed.status !== 202) throw new PublishError(completed.problem ?? `completing the upload of ${filename} failed (${completed.status})`);
      report('verifying', size);
      let state = completed.value;
      if (state['status'] === 'processing') state = await this.pollFile(filename, links['file-upload-session']!, state, completed.retryAfter);
      if (state['status'] !== 'completed') {
        throw new PublishError((state['notices'] as string[] | undefined)?.join(' ') || `the upload of ${filename} ended ${state['status']}`);
      }
      return { kind: 'uploaded', size, message: `${filename} is staged.` };
    } catch (err) {
      // The draft: a failed upload is deleted before anything else happens to the file.
      await this.v2('DELETE', links['file-upload-session']!).catch(() => undefined);
      throw err;
    }
  }

  /** Polls a file upload session while the index verifies it, up to the deadline it gave (and a grace). */
  private async pollFile(filename: string, url: string, state: Record<string, any>, retryAfter?: number): Promise<Record<string, any>> {
    const grace = this.options.verifyGraceMs ?? 60_000;
    const fallback = Date.now() + VERIFY_DEADLINE_SECONDS * 1000;
    let wait = Math.max(250, (retryAfter ?? 0) * 1000);
    while (state['status'] === 'processing') {
      const deadline = Date.parse(state['_wharf']?.['verify-deadline'] ?? '') || fallback;
      const giveUp = deadline + grace;
      if (Date.now() >= giveUp) {
        throw new PublishError(
          `${filename} was uploaded, but the index was still verifying it at ${new Date(giveUp).toISOString()}, past the deadline it gave ` +
            `(${new Date(deadline).toISOString()}); stopped waiting. Publish the release again later.`,
        );
      }
      await sleep(Math.max(0, Math.min(wait, giveUp - Date.now())));
      wait = Math.min(wait * 2, 2000);
      const answer = await this.v2('GET', url);
      state = answer.value;
      if (answer.retryAfter !== undefined) wait = Math.max(wait, answer.retryAfter * 1000);
    }
    return state;
  }

  /** Polls a publishing session accepted for deferred publishing (202) until it is published or not. */
  private async pollSession(url: string): Promise<Record<string, any>> {
    const giveUp = Date.now() + VERIFY_DEADLINE_SECONDS * 1000;
    let state: Record<string, any> = { status: 'processing' };
    let wait = 500;
    while (state['status'] === 'processing' && Date.now() < giveUp) {
      await sleep(wait);
      wait = Math.min(wait * 2, 5000);
      state = (await this.v2('GET', url)).value;
    }
    return state;
  }

  /**
   * One call of the Upload 2.0 API: JSON (or a file's bytes) out, a v2 body or an RFC 9457
   * problem back; retried on a network error or 5xx, the token renewed once on a 401.
   */
  private async v2(method: string, url: string, body?: unknown): Promise<V2Answer> {
    const bytes = body instanceof Uint8Array;
    const { response, text } = await this.send(url, (token) => ({
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: UPLOAD_V2_JSON,
        ...(body !== undefined ? { 'content-type': bytes ? 'application/octet-stream' : UPLOAD_V2_JSON } : {}),
      },
      ...(body !== undefined ? { body: bytes ? (body as Uint8Array) : JSON.stringify(body) } : {}),
    }));
    const contentType = response.headers.get('content-type');
    const retry = Number(response.headers.get('retry-after'));
    const base = { status: response.status, location: response.headers.get('location'), retryAfter: Number.isFinite(retry) && retry > 0 ? retry : undefined };
    if (response.status === 204) return { ...base, value: {} };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, any>) : undefined;
    const problem = contentType?.startsWith(PROBLEM_JSON) && object && typeof object['detail'] === 'string' ? (object['detail'] as string) : undefined;
    // A 404 that is not a problem: no Upload 2.0 here (the caller falls back).
    if (response.status === 404 && problem === undefined) return { ...base, value: object ?? {} };
    if (!object || (response.status >= 400 && problem === undefined)) {
      throw new NotWharfError(notWharfMessage(this.base, { status: response.status, contentType, text }));
    }
    return { ...base, value: object, ...(problem !== undefined ? { problem } : {}) };
  }

  /** The first session API (`/upload/sessions`): for an index without Upload 2.0. */
  private async publishByFirstApi(file: string, attestations?: readonly unknown[]): Promise<PublishResult> {
    const started = performance.now();
    const filename = path.basename(file);
    const filetype = filetypeOf(filename);
    if (!filetype) throw new PublishError(`${filename} is not a distribution (.whl, .tar.gz or .zip).`);
    const { size } = await stat(file);
    const report = (phase: PublishProgress['phase'], bytes: number) => this.options.onProgress?.({ filename, phase, bytes, total: size });
    let hashed = 0;
    const sha256 = await sha256OfFile(file, (n) => report('hashing', (hashed += n)));
    const done = (outcome: PublishOutcome, message: string): PublishResult => {
      report('done', size);
      return { filename, outcome, message, size, seconds: (performance.now() - started) / 1000 };
    };

    const created = await this.api('POST', `${this.base}/upload/sessions`, {
      filename,
      size,
      sha256,
      filetype,
      ...(attestations && attestations.length > 0 ? { attestations } : {}),
    });
    if (created.status === 200 && created.value.status === 'published') {
      return done('unchanged', created.value.message ?? `${filename} was already published with these exact bytes.`);
    }
    if (created.status !== 201) {
      const message = created.value.error ?? `the index answered ${created.status}`;
      if (this.options.skipExisting && /already exist/i.test(message)) return done('skipped', message);
      throw new PublishError(message);
    }
    const session = created.value;
    const links = session.links!;

    let sent = 0;
    const progress = (n: number) => report('uploading', (sent += n));
    const etags = await this.uploadParts(file, session, progress);

    const completed = await this.api('POST', this.absolute(links.complete), { parts: etags });
    let state = completed.value;
    if (completed.status >= 400 && state.status !== 'failed') throw new PublishError(state.error ?? `completing the upload failed (${completed.status})`);
    report('verifying', size);
    // The server fails a session still verifying at its verifyDeadline; wait that long (and
    // a little more, for clock skew), never for ever.
    const grace = this.options.verifyGraceMs ?? 60_000;
    const fallback = Date.now() + VERIFY_DEADLINE_SECONDS * 1000;
    let wait = 250;
    while (state.status === 'verifying') {
      const deadline = Date.parse(state.verifyDeadline ?? '') || fallback;
      const giveUp = deadline + grace;
      if (Date.now() >= giveUp) {
        throw new PublishError(
          `${filename} was uploaded, but the index was still verifying it at ${new Date(giveUp).toISOString()}, past the deadline it gave ` +
            `(${new Date(deadline).toISOString()}); stopped waiting. The session is ${this.absolute(links.self)}: ` +
            'publish the file again later, and it reports the file as already there if it did get published.',
        );
      }
      await sleep(Math.max(0, Math.min(wait, giveUp - Date.now())));
      wait = Math.min(wait * 2, 2000);
      state = (await this.api('GET', this.absolute(links.self))).value;
    }
    if (state.status === 'published') {
      return done(
        state.outcome === 'unchanged' ? 'unchanged' : 'published',
        state.outcome === 'unchanged' ? `${filename} was already published with these exact bytes.` : `${filename} is published.`,
      );
    }
    const message = state.error ?? `the upload session ended ${state.status}`;
    if (this.options.skipExisting && /already exist/i.test(message)) return done('skipped', message);
    throw new PublishError(message);
  }

  /** Uploads every part (parallel, each retried), returning the ETags for completion. */
  private async uploadParts(
    file: string,
    session: SessionView,
    progress: (n: number) => void,
    freshUrls?: (partNumbers: number[]) => Promise<{ partNumber: number; offset: number; size: number; url: string }[]>,
  ): Promise<{ partNumber: number; etag: string }[]> {
    const partCount = session.partCount ?? 1;
    const urls = new Map<number, string>();
    const ranges = new Map<number, { offset: number; size: number }>();
    for (const part of session.parts ?? []) {
      urls.set(part.partNumber, part.url);
      ranges.set(part.partNumber, { offset: part.offset, size: part.size });
    }
    const refresh = async (from: number) => {
      const numbers: number[] = [];
      for (let n = from; n <= partCount && numbers.length < 100; n++) numbers.push(n);
      let fresh: { partNumber: number; offset: number; size: number; url: string }[];
      if (freshUrls) {
        fresh = await freshUrls(numbers);
      } else {
        const answer = await this.api('POST', this.absolute(session.links!.parts), { partNumbers: numbers });
        if (answer.status !== 200) throw new PublishError(answer.value.error ?? `getting upload URLs failed (${answer.status})`);
        fresh = answer.value.parts ?? [];
      }
      for (const part of fresh) {
        urls.set(part.partNumber, part.url);
        ranges.set(part.partNumber, { offset: part.offset, size: part.size });
      }
    };
    const handle = await open(file, 'r');
    const etags: { partNumber: number; etag: string }[] = [];
    let next = 1;
    const attempts = this.options.attempts ?? 5;
    const worker = async () => {
      while (next <= partCount) {
        const partNumber = next++;
        if (!urls.has(partNumber)) await refresh(partNumber);
        const range = ranges.get(partNumber)!;
        const body = Buffer.alloc(range.size);
        await handle.read(body, 0, range.size, range.offset);
        for (let attempt = 1; ; attempt++) {
          let sentHere = 0;
          let failure: string;
          try {
            const answer = await putBytes(urls.get(partNumber)!, body, (n) => {
              sentHere += n;
              progress(n);
            });
            if (answer.status === 200) {
              etags.push({ partNumber, etag: answer.etag ?? '' });
              break;
            }
            failure = `S3 answered ${answer.status}: ${/<Message>([^<]*)<\/Message>/.exec(answer.text)?.[1] ?? answer.text.slice(0, 200)}`;
            // An expired URL (or the credentials that signed it): ask for a fresh one.
            if (answer.status === 403) await refresh(partNumber).catch(() => undefined);
          } catch (err) {
            failure = (err as Error).message;
          }
          progress(-sentHere);
          if (attempt >= attempts) throw new PublishError(`Part ${partNumber} of ${session.filename} failed ${attempts} times; last: ${failure}`);
          await sleep(this.delay(attempt));
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 4, partCount) }, worker));
    } finally {
      await handle.close();
    }
    return etags.sort((a, b) => a.partNumber - b.partNumber);
  }
}
