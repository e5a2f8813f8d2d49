/**
 * Lambda entry of the upstream copier (cache mode only): invoked asynchronously by the read
 * function, it may read and write under `upstream/` in the bucket and nothing else.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { HttpUpstream } from '../adapters/http-upstream.ts';
import { UpstreamFileCopy } from '../app/upstream-copy.ts';
import { upstreamCopierEnvironment } from '../config/function-environments.ts';
import { createS3UpstreamStore } from './s3-stores.ts';
import { createCopierFunction } from './upstream-copier-function.ts';
import { lambdaMetrics } from './lambda-metrics.ts';

const { bucketName, upstream: settings } = upstreamCopierEnvironment(process.env);
const logger = new Logger({ serviceName: 'wharf-upstream-copier' });

export const handler = createCopierFunction({
  upstream: new UpstreamFileCopy(
    new HttpUpstream({ timeoutMs: settings.timeoutMs }),
    createS3UpstreamStore(process.env, bucketName),
    (message, extra) => logger.info(message, extra),
  ),
  logger,
  metrics: lambdaMetrics('upstream-copier'),
});
