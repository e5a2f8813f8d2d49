/** Reads the publish client that the read function serves (lambdas/http/client-routes.ts) from disk, once. */
import { readFile } from 'node:fs/promises';
import type { KeptBody } from '../http/caching.ts';
import type { PublishClientReader } from '../http/client-routes.ts';

/**
 * On the first request for it, not at start-up: a cold start that serves pip never reads
 * it. A failed read (the file missing from the bundle) is tried again by the next request.
 */
export function publishClientReader(file: string | URL): PublishClientReader {
  let kept: Promise<KeptBody> | undefined;
  return () =>
    (kept ??= readFile(file, 'utf8').then(
      (body) => ({ body, derived: new Map<string, unknown>() }),
      (err: unknown) => {
        kept = undefined;
        throw new Error(`The publish client ${String(file)} cannot be read: ${(err as Error).message}`);
      },
    ));
}
