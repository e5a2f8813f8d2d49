/**
 * Reads a small object through its own presigned URL with Node's fetch: the read function
 * serves `.metadata` this way and keeps the S3 client out of its bundle. The body is read
 * up to a cap, never whole when larger.
 */
import type { FetchedObject, PresignedObjectReader } from '../app/ports.ts';

export class FetchObjectReader implements PresignedObjectReader {
  constructor(private readonly timeoutMs: number = 5000) {}

  async read(url: string, maxBytes: number): Promise<FetchedObject> {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      return { kind: 'unavailable', reason: String(err) };
    }
    // Without s3:ListBucket, S3 answers 403 for a missing key.
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel();
      return { kind: 'missing' };
    }
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      return { kind: 'unavailable', reason: `S3 answered ${response.status}` };
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > maxBytes) {
      await response.body.cancel();
      return { kind: 'too-large' };
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          await response.body.cancel().catch(() => undefined);
          return { kind: 'too-large' };
        }
        chunks.push(chunk);
      }
    } catch (err) {
      return { kind: 'unavailable', reason: String(err) };
    }
    return { kind: 'bytes', body: new Uint8Array(Buffer.concat(chunks)) };
  }
}
