/** The functions of lambdas/functions.ts, built against local stores for `wharf serve`. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { FunctionName } from '../functions.ts';
import type { WharfLambdaHandler } from '../http/lambda-handler.ts';
import { createReadFunction } from '../read-function.ts';
import type { DownloadSigner, MetadataStore } from '../ports.ts';
import type { WharfConfig } from '../config.ts';

export interface LocalFunctionDeps {
  readonly metadata: MetadataStore;
  readonly signer: DownloadSigner;
  readonly config: Omit<WharfConfig, 'tableName' | 'bucketName'>;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

export function buildLocalFunctions(deps: LocalFunctionDeps): Record<FunctionName, WharfLambdaHandler> {
  const logger = (serviceName: string) => new Logger({ serviceName, logLevel: deps.logLevel ?? 'WARN' });
  return {
    read: createReadFunction({ ...deps, logger: logger('wharf-read') }),
  };
}
