/**
 * The one map from domain errors to HTTP. Only domain errors (a status below 500, or a
 * dependency that is down: an OIDC issuer, the upstream index) show their message to the caller; anything else is logged and
 * becomes a generic 500.
 */
import {
  AttestationError,
  AuthenticationError,
  ConflictError,
  FileExistsError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  ProjectStatusError,
  ServiceUnavailableError,
  UpstreamFailure,
  WharfError,
} from '../core/errors.ts';
import { jsonResponse, textResponse } from './responses.ts';
import type { HttpResponse } from './types.ts';
import type { RefusalReason } from '../config/metrics.ts';

/** Basic, so pip and twine ask their keyring or the user for `__token__` and a token. */
export const WWW_AUTHENTICATE = 'Basic realm="Wharf"';

export interface ErrorLogger {
  error(message: string, ...extra: unknown[]): void;
}

export function statusOf(err: unknown): number {
  if (err instanceof InvalidInputError) return 400;
  if (err instanceof FileExistsError) return 400; // twine reads "File already exists" in a 400
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof AuthenticationError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof PayloadTooLargeError) return 413;
  if (err instanceof ServiceUnavailableError) return 503;
  if (err instanceof UpstreamFailure) return err.status;
  if (err instanceof WharfError) return 400;
  return 500;
}

/**
 * The reason a domain error refused a request (the Refusals metric), or undefined for what
 * is no refusal: a 404 (an answer), a 401 (counted as an AuthFailure), a 5xx.
 */
export function refusalOf(err: unknown): RefusalReason | undefined {
  if (err instanceof AttestationError) return 'attestation';
  if (err instanceof InvalidInputError) return 'invalid-input';
  if (err instanceof FileExistsError) return 'file-exists';
  if (err instanceof PayloadTooLargeError) return 'too-large';
  if (err instanceof ProjectStatusError) return 'project-status';
  if (err instanceof ForbiddenError) return 'forbidden';
  if (err instanceof NotFoundError || err instanceof AuthenticationError || err instanceof ServiceUnavailableError || err instanceof UpstreamFailure) return undefined;
  if (err instanceof WharfError) return 'invalid-input';
  return undefined;
}

const INTERNAL_ERROR = 'Internal server error: the request failed on our side; retry it later.';

/**
 * The error as a plain-text response (pages, downloads, uploads), JSON `{"error"}` (the
 * admin `/api/`), or JSON `{"message"}` as pypi.org's JSON API answers (`/pypi/`).
 */
export function errorResponse(err: unknown, logger: ErrorLogger, format: 'text' | 'json' | 'pypi-json' = 'text'): HttpResponse {
  const status = statusOf(err);
  // A domain error's message is written for the caller; anything else stays in the log.
  const domain = status < 500 || err instanceof ServiceUnavailableError || err instanceof UpstreamFailure;
  if (!domain) logger.error('Unhandled error', err as Error);
  const message = domain ? (err as Error).message : INTERNAL_ERROR;
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': WWW_AUTHENTICATE } : {};
  const response =
    format === 'pypi-json'
      ? jsonResponse(status, { message }, { 'cache-control': 'no-store', ...headers })
      : format === 'json'
        ? jsonResponse(status, { error: message }, { 'cache-control': 'no-store', ...headers })
        : textResponse(status, message, headers);
  const refusal = refusalOf(err);
  return refusal ? { ...response, refusal } : response;
}
