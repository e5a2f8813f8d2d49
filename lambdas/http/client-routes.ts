/**
 * GET /client/wharf.mjs: the single-file `wharf publish` (lib/client-bundles.ts) for CI
 * that has no checkout of Wharf: `curl -fsSL INDEX/client/wharf.mjs -o wharf.mjs && node
 * wharf.mjs publish ...`. Served without a token, even by a private index, as /health is:
 * it is the published code of Wharf and holds nothing of the index, and a job that
 * publishes by trusted publishing has no token until the client has minted one.
 */
import { PUBLISH_CLIENT_FILE } from '../config/functions.ts';
import { keptPage, type KeptBody } from './caching.ts';
import { textResponse } from './responses.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

/** The client's text, read once (lambdas/functions/client-file.ts), its ETag and gzip kept with it. */
export type PublishClientReader = () => Promise<KeptBody>;

/**
 * Five minutes, then a conditional request: a redeployed index serves its new client to
 * the next job within minutes, and a job that has it already gets a 304.
 */
export const CLIENT_CACHE_CONTROL = 'public, max-age=300';

export function createClientRoute(read: PublishClientReader | undefined): (request: HttpRequest, rest: readonly string[]) => Promise<HttpResponse> {
  return async (request, rest) => {
    const url = `${request.basePath}/client/${PUBLISH_CLIENT_FILE.inBundle}`;
    if (rest.length !== 1 || rest[0] !== PUBLISH_CLIENT_FILE.inBundle) {
      return textResponse(404, `The publish client is ${url}: curl -fsSL https://YOUR-INDEX${url} -o wharf.mjs && node wharf.mjs publish --help`);
    }
    if (!read) return textResponse(404, 'This index serves no publish client.');
    return keptPage(
      request,
      { status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': CLIENT_CACHE_CONTROL } },
      await read(),
    );
  };
}
