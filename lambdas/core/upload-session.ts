/**
 * Upload sessions (shaped after PEP 694, upload 2.0): the client declares a file, Wharf
 * checks what it can before any byte moves and hands out presigned S3 URLs, the bytes go
 * straight to a staging key, and completing the session verifies them before the file is
 * ingested through the same path as the legacy upload. Pure: no AWS, no clock of its own.
 */
import { checkAttestations, type AttestationObject } from './attestations.ts';
import { InvalidInputError } from './errors.ts';
import { parseSdistFilename, parseWheelFilename, packageTypeOf } from './filenames.ts';
import { checkFilename } from './legacy-upload.ts';
import type { PackageType } from './model.ts';

/**
 * `completed`: verified and staged in a publishing session (PEP 694), waiting for the session
 * to be published; a session of the first API (no publishing session) goes on to `published`.
 */
export type SessionStatus = 'pending' | 'verifying' | 'completed' | 'published' | 'failed' | 'expired' | 'cancelled';
/**
 * How the bytes reach S3: one presigned PUT, an S3 multipart upload with presigned parts, or
 * (PEP 694's http-post-bytes) POSTed to the index, which stores them.
 */
export type UploadMechanism = 's3-presigned-put' | 's3-multipart' | 'http-post-bytes';

export interface UploadSession {
  readonly id: string;
  readonly status: SessionStatus;
  /** PEP 503-normalized project, from the filename; the metadata must agree. */
  readonly project: string;
  readonly filename: string;
  readonly filetype: PackageType;
  readonly size: number;
  readonly sha256: string;
  readonly mechanism: UploadMechanism;
  readonly partSize: number;
  readonly partCount: number;
  /** Where the bytes are staged (never a listed key). */
  readonly stagingKey: string;
  /** The S3 multipart upload, for s3-multipart. */
  readonly uploadId?: string;
  readonly tokenId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** When completion handed the bytes to verification (status `verifying`). */
  readonly verifyingSince?: string;
  /** Why the session failed, for the client to show. */
  readonly error?: string;
  /** For a published session: whether these exact bytes were already published. */
  readonly outcome?: 'created' | 'unchanged';
  /**
   * The provenance (PEP 740) of the attestations sent with the declaration, verified then
   * against the declared filename and sha256, as JSON; stored with the file once its bytes
   * prove to have that sha256.
   */
  readonly provenance?: string;
  /** The PEP 694 publishing session this file is staged in; absent for a session of the first API. */
  readonly publishingSessionId?: string;
  /** The mechanism's name as the client asked for it (PEP 694), when it differs from the one advertised. */
  readonly mechanismName?: string;
  /** The staged object's ETag when it was verified: publishing copies only those bytes. */
  readonly stagedEtag?: string;
}

export interface DeclaredFile {
  readonly filename: string;
  readonly filetype: PackageType;
  readonly size: number;
  readonly sha256: string;
  readonly project: string;
  readonly version: string;
  /** PEP 740 attestations of the file, well-formed (not yet verified). */
  readonly attestations?: readonly AttestationObject[];
}

/** S3's own limits on multipart uploads. */
export const S3_MULTIPART = Object.freeze({
  minPartBytes: 5 * 1024 * 1024,
  maxParts: 10_000,
  /** The largest object a single PUT or CopyObject takes (5 GiB). */
  maxSinglePutBytes: 5 * 1024 * 1024 * 1024,
});

export const STAGING_PREFIX = 'uploads/';

export function stagingKey(sessionId: string, filename: string): string {
  return `${STAGING_PREFIX}${sessionId}/${filename}`;
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

function describe(type: PackageType): string {
  return type === 'bdist_wheel' ? 'a wheel' : 'a source distribution';
}

/**
 * Checks a session request body: the file's name (the legacy upload's own filename
 * rules), type, size within `maxBytes`, and sha256. Throws InvalidInputError naming what
 * to fix.
 */
export function parseSessionRequest(body: unknown, maxBytes: number): DeclaredFile {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError(
      'Send a JSON object describing the file: {"filename": "...", "size": <bytes>, "sha256": "<hex>", "filetype": "bdist_wheel" | "sdist"}.',
    );
  }
  const fields = body as Record<string, unknown>;
  const { filename, size, sha256, filetype, attestations } = fields;
  if (typeof filename !== 'string' || filename === '') {
    throw new InvalidInputError('The session request has no "filename": send the distribution\'s own filename.');
  }
  checkFilename(filename);
  const byExtension = packageTypeOf(filename);
  if (byExtension === undefined) {
    throw new InvalidInputError(
      `Invalid file extension in ${JSON.stringify(filename)}: upload a wheel (.whl) or a source distribution (.tar.gz; legacy .zip is also accepted).`,
    );
  }
  if (filetype !== undefined && filetype !== byExtension) {
    throw new InvalidInputError(
      `${filename} is ${describe(byExtension)} by its extension, but "filetype" says ${JSON.stringify(filetype)}: send "filetype": "${byExtension}" with this file.`,
    );
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) {
    throw new InvalidInputError(`"size" must be the file's size in bytes, a whole number above 0, not ${JSON.stringify(size)}.`);
  }
  if (size > maxBytes) {
    throw new InvalidInputError(
      `${filename} is ${size} bytes, more than the ${maxBytes} bytes this index takes in one file. Ask the operator to raise maxSessionBytes (at most 5 GiB).`,
    );
  }
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    throw new InvalidInputError('"sha256" must be the file\'s SHA-256 digest as 64 hexadecimal digits.');
  }
  const parsed = byExtension === 'bdist_wheel' ? parseWheelFilename(filename) : parseSdistFilename(filename);
  return {
    filename,
    filetype: byExtension,
    size,
    sha256: sha256.toLowerCase(),
    project: parsed.normalizedName,
    version: parsed.version,
    ...(attestations !== undefined ? { attestations: checkAttestations(attestations) } : {}),
  };
}

export interface PartPlan {
  readonly mechanism: UploadMechanism;
  readonly partSize: number;
  readonly partCount: number;
}

/**
 * One PUT up to `singlePutBytes`; above it, parts of `preferredPartBytes` (or larger, to
 * stay within S3's 10,000 parts), rounded up to whole MiB.
 */
export function planParts(size: number, options: { singlePutBytes: number; preferredPartBytes: number }): PartPlan {
  if (size <= options.singlePutBytes) return { mechanism: 's3-presigned-put', partSize: size, partCount: 1 };
  const MiB = 1024 * 1024;
  const minimum = Math.ceil(size / S3_MULTIPART.maxParts / MiB) * MiB;
  const partSize = Math.max(options.preferredPartBytes, minimum, S3_MULTIPART.minPartBytes);
  return { mechanism: 's3-multipart', partSize, partCount: Math.ceil(size / partSize) };
}

/** The byte range of one part (1-based). */
export function partRange(session: Pick<UploadSession, 'size' | 'partSize' | 'partCount'>, partNumber: number): { offset: number; size: number } {
  const offset = (partNumber - 1) * session.partSize;
  return { offset, size: Math.min(session.partSize, session.size - offset) };
}

export function isExpired(session: Pick<UploadSession, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= Date.parse(session.expiresAt);
}

/**
 * How long a session may stay `verifying` before it reads as `failed`. The verifier's
 * asynchronous invoke is dropped unless it starts within 15 minutes (its maxEventAge, retries
 * included) and it runs for at most 15 minutes (its timeout); five minutes' margin on top.
 * Past this, no verifier can still be running, so the session will never finish by itself.
 */
export const VERIFY_DEADLINE_SECONDS = 35 * 60;

/**
 * When a `verifying` session stops waiting for its verifier. A session stored before
 * `verifyingSince` existed counts from its expiry (it was completed before then).
 */
export function verifyDeadline(session: Pick<UploadSession, 'expiresAt' | 'verifyingSince'>, deadlineSeconds: number): Date {
  const since = Date.parse(session.verifyingSince ?? session.expiresAt);
  return new Date(since + deadlineSeconds * 1000);
}

/** Part numbers from a request body: whole numbers within the session's parts. */
export function parsePartNumbers(value: unknown, partCount: number, max: number): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidInputError(`Send "partNumbers": a list of the parts (1 to ${partCount}) to get upload URLs for.`);
  }
  if (value.length > max) throw new InvalidInputError(`Ask for at most ${max} part URLs at a time.`);
  for (const n of value) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > partCount) {
      throw new InvalidInputError(`Part numbers run from 1 to ${partCount}; ${JSON.stringify(n)} is not one of them.`);
    }
  }
  return [...new Set(value as number[])].sort((a, b) => a - b);
}

/** The ETags the client got back for each part, one per part, in order. */
export function parseCompletedParts(value: unknown, partCount: number): { partNumber: number; etag: string }[] {
  const how = `Send "parts": [{"partNumber": 1, "etag": "<the ETag header S3 answered>"}, ...], one for each of the ${partCount} parts.`;
  if (!Array.isArray(value)) throw new InvalidInputError(`The session has ${partCount} parts to complete. ${how}`);
  const parts = value.map((part: unknown) => {
    const p = part as { partNumber?: unknown; etag?: unknown } | null;
    if (typeof p?.partNumber !== 'number' || typeof p.etag !== 'string' || p.etag === '') throw new InvalidInputError(how);
    return { partNumber: p.partNumber, etag: p.etag };
  });
  parts.sort((a, b) => a.partNumber - b.partNumber);
  const missing: number[] = [];
  for (let n = 1, i = 0; n <= partCount; n++) {
    if (parts[i]?.partNumber === n) i++;
    else missing.push(n);
  }
  if (missing.length > 0 || parts.length !== partCount) {
    throw new InvalidInputError(
      `The parts sent do not match the session's ${partCount} parts${missing.length ? ` (missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''})` : ''}. ${how}`,
    );
  }
  return parts;
}
