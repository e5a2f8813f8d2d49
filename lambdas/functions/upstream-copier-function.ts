/**
 * The upstream copier: copies one upstream file into the bucket, verified against the
 * sha256 the upstream's page gave. Started asynchronously by a cache-mode download of a
 * file too large or too slow to copy within the request; the Lambda module and the local
 * server share it.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { UpstreamCopier } from '../app/upstream-copy.ts';
import { isNormalizedName } from '../core/names.ts';
import { isSha256Hex } from '../core/storage-keys.ts';
import { isUpstreamFilename } from '../core/upstream.ts';
import type { CopyJob } from '../app/upstream-ports.ts';
import { NO_METRICS, type Metrics } from '../app/metrics-ports.ts';

export type CopierHandler = (event: unknown) => Promise<{ result: 'stored' | 'present' | 'mismatch' }>;

function isCopyJob(event: unknown): event is CopyJob {
  if (!event || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  return (
    typeof e['project'] === 'string' &&
    isNormalizedName(e['project']) &&
    typeof e['sha256'] === 'string' &&
    isSha256Hex(e['sha256']) &&
    typeof e['filename'] === 'string' &&
    isUpstreamFilename(e['filename']) &&
    typeof e['url'] === 'string' &&
    /^https?:\/\//.test(e['url'])
  );
}

/** `metrics`: its cold starts and a mismatch as an UpstreamFailure (EMF on Lambda); @default NO_METRICS */
export function createCopierFunction(deps: { upstream: UpstreamCopier; logger: Logger; metrics?: Metrics }): CopierHandler {
  const metrics = deps.metrics ?? NO_METRICS;
  return async (event) => {
    try {
      if (!isCopyJob(event)) throw new Error('The copier takes {project, sha256, filename, url} of a listed upstream file.');
      const result = await deps.upstream.copyInBackground(event.project, event.sha256, event.filename, event.url);
      deps.logger.info('upstream copy', { ...event, result });
      if (result === 'mismatch') {
        // No retry: Lambda retries failed async invokes, and these bytes will not change.
        deps.logger.warn('upstream file does not match its listed sha256; nothing stored', { ...event });
        metrics.add('UpstreamFailures', 1, {});
      }
      return { result };
    } finally {
      metrics.flush();
    }
  };
}
