/**
 * UpstreamFetcher over HTTP(S) with Node's fetch. Every request has a time limit that fits
 * API Gateway's 30 s, and every body a size limit, counted after decompression.
 */
import { MAX_UPSTREAM_PAGE_BYTES } from '../core/upstream.ts';
import { type UpstreamFetcher, type UpstreamPageResponse } from '../app/upstream-ports.ts';
import { UpstreamFailure } from '../core/errors.ts';

/** PEP 691 JSON first; HTML from indexes that only speak PEP 503. */
const PAGE_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
const USER_AGENT = 'Wharf/0.1 (upstream proxy)';

export interface HttpUpstreamOptions {
  /** Time limit of one page request, in ms. */
  readonly timeoutMs: number;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}

export class HttpUpstream implements UpstreamFetcher {
  constructor(private readonly options: HttpUpstreamOptions) {}

  async fetchPage(url: string): Promise<UpstreamPageResponse> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: PAGE_ACCEPT, 'user-agent': USER_AGENT }, redirect: 'follow', signal });
    } catch (err) {
      throw this.failure(err, url);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status, contentType: '', body: '', url: response.url || url };
    }
    let bytes: Uint8Array | 'too-large';
    try {
      bytes = await readLimited(response, MAX_UPSTREAM_PAGE_BYTES);
    } catch (err) {
      throw this.failure(err, url);
    }
    if (bytes === 'too-large') {
      throw new UpstreamFailure(502, `The upstream's page ${url} is larger than ${MAX_UPSTREAM_PAGE_BYTES} bytes; Wharf does not serve it.`);
    }
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new UpstreamFailure(502, `The upstream's page ${url} is not UTF-8.`);
    }
    return { status: 200, contentType: response.headers.get('content-type') ?? '', body, url: response.url || url };
  }

  async fetchFile(url: string, maxBytes: number, deadline: number): Promise<Uint8Array | 'too-large' | 'too-slow'> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return 'too-slow';
    const signal = AbortSignal.timeout(remaining);
    try {
      const response = await fetch(url, { headers: { 'user-agent': USER_AGENT }, redirect: 'follow', signal });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw new UpstreamFailure(502, `The upstream answered ${response.status} for ${url}.`);
      }
      const length = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(length) && length > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        return 'too-large';
      }
      return await readLimited(response, maxBytes);
    } catch (err) {
      if (err instanceof UpstreamFailure) throw err;
      if (isTimeout(err)) return 'too-slow';
      throw this.failure(err, url);
    }
  }

  async streamFile(url: string): Promise<AsyncIterable<Uint8Array>> {
    let response: Response;
    try {
      // Only the wait for the response is limited; the body may take as long as it takes.
      response = await fetch(url, { headers: { 'user-agent': USER_AGENT }, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (err) {
      throw this.failure(err, url);
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new UpstreamFailure(502, `The upstream answered ${response.status} for ${url}.`);
    }
    return response.body as unknown as AsyncIterable<Uint8Array>;
  }

  private failure(err: unknown, url: string): UpstreamFailure {
    if (isTimeout(err)) {
      return new UpstreamFailure(504, `The upstream index did not answer ${url} within ${this.options.timeoutMs / 1000} s.`);
    }
    return new UpstreamFailure(502, `The upstream index could not be reached for ${url} (${describe(err)}).`);
  }
}

/** The body, or 'too-large' as soon as it passes `maxBytes` (the rest is never read). */
async function readLimited(response: Response, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
