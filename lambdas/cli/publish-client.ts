/**
 * The client side of upload sessions (lambdas/http/upload-session-routes.ts): declares a
 * file, PUTs its bytes straight to S3 (one presigned PUT, or multipart parts in parallel,
 * each retried on its own and re-signed when its URL has run out), completes the session
 * and waits for verification. `wharf publish` and the benchmark use it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { VERIFY_DEADLINE_SECONDS } from '../core/upload-session.ts';
import { type ExchangedToken, trustedPublishingToken } from './oidc-exchange.ts';
import { wharfJson, jsonRequest } from './wharf-answer.ts';

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

  private async api(method: string, url: string, body?: unknown): Promise<{ status: number; value: SessionView }> {
    const attempts = this.options.attempts ?? 5;
    let token = await this.auth();
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, jsonRequest(method, token, body));
      } catch (err) {
        if (attempt < attempts) {
          await sleep(this.delay(attempt));
          continue;
        }
        throw new PublishError(`Cannot reach ${this.base}: ${(err as Error).message}. Is the URL right and the index up?`);
      }
      const text = await response.text();
      if (response.status === 401 && !renewed) {
        // A token that ran out mid-publish (a minted one lives 15 minutes): get a new one,
        // once per request. A fixed token comes back the same, and the 401 stands.
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
      // Every answer of the session API is a session view (`status`) or an `error`.
      const answer = { status: response.status, contentType: response.headers.get('content-type'), text };
      const value = wharfJson(this.base, answer, 'status') as unknown as SessionView;
      return { status: response.status, value };
    }
  }

  private delay(attempt: number): number {
    return (this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1);
  }

  /** @param attestations PEP 740 attestation objects of this file, sent with its declaration */
  async publish(file: string, attestations?: readonly unknown[]): Promise<PublishResult> {
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
      const answer = await this.api('POST', this.absolute(session.links!.parts), { partNumbers: numbers });
      if (answer.status !== 200) throw new PublishError(answer.value.error ?? `getting upload URLs failed (${answer.status})`);
      for (const part of answer.value.parts ?? []) {
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
