/**
 * The one map from domain errors to HTTP. Only errors with a status below 500 show their
 * message to the caller; anything else is logged and becomes a generic 500.
 */
import { FileExistsError, InvalidInputError, NotFoundError, WharfError } from '../core/errors.ts';
import { textResponse } from './responses.ts';
import type { HttpResponse } from './types.ts';

export interface ErrorLogger {
  error(message: string, ...extra: unknown[]): void;
}

export function statusOf(err: unknown): number {
  if (err instanceof InvalidInputError) return 400;
  if (err instanceof FileExistsError) return 400; // twine reads "File already exists" in a 400
  if (err instanceof NotFoundError) return 404;
  if (err instanceof WharfError) return 400;
  return 500;
}

export function errorResponse(err: unknown, logger: ErrorLogger): HttpResponse {
  const status = statusOf(err);
  if (status < 500) return textResponse(status, (err as Error).message);
  logger.error('Unhandled error', err as Error);
  return textResponse(500, 'Internal server error: the request failed on our side; retry it later.');
}
