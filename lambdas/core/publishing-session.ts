/**
 * PEP 694 (Upload 2.0, the draft of 2026-07-29): publishing sessions per release, file upload
 * sessions inside them, and the upload mechanisms this index offers. Pure: the request rules,
 * the state machine and the names the protocol gives things; no AWS, no clock of its own.
 *
 * A publishing session stages files for one (project, version); nothing it holds is listed
 * until it is published, and cancelling it leaves nothing behind. Each file arrives through a
 * file upload session (core/upload-session.ts's UploadSession with `publishingSessionId`).
 */
import { InvalidInputError, WharfError } from './errors.ts';
import { isValidName, normalizeName } from './names.ts';
import { packageTypeOf, parseSdistFilename, parseWheelFilename } from './filenames.ts';
import { checkFilename } from './legacy-upload.ts';
import { releaseVersionKey, tryNormalizeVersion } from './versions.ts';
import type { PackageType } from './model.ts';
import type { SessionStatus, UploadSession } from './upload-session.ts';

/** The only API version this server speaks (the PEP's own: `MAJOR.MINOR`). */
export const UPLOAD_API_VERSION = '2.0';
/** Every request and answer of the API, except the bytes of a mechanism. */
export const UPLOAD_V2_JSON = 'application/vnd.pypi.upload.v2+json';
export const PROBLEM_JSON = 'application/problem+json';

/** The mechanism every Upload 2.0 server must offer: the bytes POSTed to `file_url`. */
export const HTTP_POST_BYTES = 'http-post-bytes';
/**
 * The same mechanism under the name a 2025 revision of the draft gave it; accepted from a
 * client that asks for it, never advertised.
 */
export const HTTP_POST_OCTET_STREAM = 'http-post-application-octet-stream';
/**
 * Wharf's own (a server-defined mechanism: `vnd-<operator>-<implementation>`): the bytes PUT
 * straight to S3 by presigned URLs, one PUT or an S3 multipart upload, parts in parallel.
 */
export const S3_MULTIPART_PRESIGNED = 'vnd-wharf-s3multipart-presigned';

export type MechanismName = typeof HTTP_POST_BYTES | typeof HTTP_POST_OCTET_STREAM | typeof S3_MULTIPART_PRESIGNED;

/**
 * The largest file `http-post-bytes` carries here. Its bytes pass through API Gateway (10 MB)
 * and reach Lambda base64-encoded inside a 6 MB invoke payload: 6 MiB × 3/4 is 4.5 MiB, less
 * the event's headers. 4 MiB leaves room for them.
 */
export const POST_BYTES_MAX = 4 * 1024 * 1024;

/** Publishing session states, as the draft names them. */
export type PublishingStatus = 'open' | 'processing' | 'published' | 'error' | 'canceled';

export interface PublishingSession {
  /** Random, unguessable (128 bits): also the session token a stage preview is reached by. */
  readonly id: string;
  readonly status: PublishingStatus;
  /** PEP 503-normalized. */
  readonly project: string;
  /** As the client wrote it (valid PEP 440). */
  readonly version: string;
  /** The release key (releaseVersionKey): `1.0` and `1.0.0` are one release. */
  readonly versionKey: string;
  /** filename → the id of its file upload session (the files `files` reports). */
  readonly files: Readonly<Record<string, string>>;
  /** Whether the project had no record when the session opened (its name is reserved). */
  readonly newProject: boolean;
  readonly tokenId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** Why the session is where it is (a failed deferred publish, an expiry), for `notices`. */
  readonly notices?: readonly string[];
  /** When publishing began (status `processing`), to stop waiting for a background publish that died. */
  readonly processingSince?: string;
}

/** One entry of a problem's `errors`: what it is about and what is wrong (and, for a published file, its sha256). */
export interface ProblemItem {
  readonly source: string;
  readonly message: string;
  readonly sha256?: string;
}

/** A refusal the draft gives its own status code (409, 422), naming what to do. */
export class UploadConflictError extends WharfError {
  constructor(
    message: string,
    /** The specifics, one per file or field: the problem's `errors`. */
    readonly errors: readonly ProblemItem[] = [],
    /** Where the thing in the way is (the open session, for a second create). */
    readonly location?: string,
  ) {
    super(message);
  }
}

/** A mechanism the server does not offer for this file (the draft's 422). */
export class UnsupportedMechanismError extends WharfError {}

/** The request's `meta`: the API version must be 2.x. */
export function checkMeta(body: Record<string, unknown>): void {
  const meta = body['meta'];
  const version = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['api-version'] : undefined;
  if (version === undefined) {
    throw new InvalidInputError(`The request has no "meta": {"api-version": "${UPLOAD_API_VERSION}"}: send it with every Upload 2.0 request.`);
  }
  if (typeof version !== 'string' || !/^2\.[0-9]+$/.test(version)) {
    throw new InvalidInputError(
      `"meta.api-version" is ${JSON.stringify(version)}, but this index speaks Upload API ${UPLOAD_API_VERSION}: send "api-version": "${UPLOAD_API_VERSION}".`,
    );
  }
}

export function asObject(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError(`Send a JSON object ${what}.`);
  }
  const fields = body as Record<string, unknown>;
  checkMeta(fields);
  return fields;
}

/** A create request: `name` (normalized here) and `version` (PEP 440). */
export function parseCreateRequest(body: unknown): { project: string; version: string; versionKey: string } {
  const fields = asObject(body, `to create a publishing session: {"meta": {"api-version": "${UPLOAD_API_VERSION}"}, "name": "...", "version": "..."}`);
  const { name, version } = fields;
  if (typeof name !== 'string' || !isValidName(name)) {
    throw new InvalidInputError(
      `"name" must be the project's name (letters, digits, ".", "_", "-", starting and ending with a letter or digit), not ${JSON.stringify(name)}.`,
    );
  }
  if (typeof version !== 'string' || tryNormalizeVersion(version) === undefined) {
    throw new InvalidInputError(`"version" must be a PEP 440 version such as "1.0" or "2.1.0rc1", not ${JSON.stringify(version)}.`);
  }
  return { project: normalizeName(name), version, versionKey: releaseVersionKey(version) };
}

/** `extend-for`: a whole number of seconds, at least 1. */
export function parseExtendRequest(body: unknown): number {
  const fields = asObject(body, `to extend a session: {"meta": {"api-version": "${UPLOAD_API_VERSION}"}, "extend-for": <seconds>}`);
  const seconds = fields['extend-for'];
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1) {
    throw new InvalidInputError(`"extend-for" must be a whole number of seconds above 0, not ${JSON.stringify(seconds)}.`);
  }
  return seconds;
}

/** The new expiry of an extended session: later, never earlier, never past `maxLifetimeSeconds` from creation. */
export function extendedExpiry(session: Pick<PublishingSession, 'createdAt' | 'expiresAt'>, seconds: number, maxLifetimeSeconds: number, now: Date): string {
  const ceiling = Date.parse(session.createdAt) + maxLifetimeSeconds * 1000;
  const wanted = Math.min(ceiling, now.getTime() + seconds * 1000);
  return wholeSeconds(new Date(Math.max(Date.parse(session.expiresAt), wanted)));
}

/** RFC 3339 in UTC with `Z` and no fractional seconds, as the draft asks of `expires-at`. */
export function wholeSeconds(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface FileRequest {
  readonly filename: string;
  readonly filetype: PackageType;
  readonly size: number;
  readonly sha256: string;
  readonly mechanism: MechanismName;
  readonly version: string;
}

const HEX = /^[0-9a-fA-F]+$/;
/** Hashes this server can check; the draft requires one of hashlib's guaranteed secure ones. */
const KNOWN_HASHES = new Set(['sha256', 'sha384', 'sha512', 'sha3_256', 'sha3_384', 'sha3_512', 'blake2b', 'blake2s', 'sha224', 'sha1', 'md5']);

/**
 * A file upload session request: `filename` (a wheel or sdist of this session's project and
 * version), `size`, `hashes` (sha256 required here: it names the stored file), `mechanism`.
 */
export function parseFileRequest(body: unknown, session: Pick<PublishingSession, 'project' | 'version' | 'versionKey'>, maxBytes: number): FileRequest {
  const fields = asObject(
    body,
    `to upload a file: {"meta": {"api-version": "${UPLOAD_API_VERSION}"}, "filename": "...", "size": <bytes>, "hashes": {"sha256": "<hex>"}, "mechanism": "${HTTP_POST_BYTES}"}`,
  );
  const { filename, size, hashes, mechanism } = fields;
  if (typeof filename !== 'string' || filename === '') {
    throw new InvalidInputError('"filename" is required: send the distribution\'s own filename.');
  }
  checkFilename(filename);
  const filetype = packageTypeOf(filename);
  if (filetype === undefined) {
    throw new InvalidInputError(
      `Invalid file extension in ${JSON.stringify(filename)}: upload a wheel (.whl) or a source distribution (.tar.gz; legacy .zip is also accepted).`,
    );
  }
  const parsed = filetype === 'bdist_wheel' ? parseWheelFilename(filename) : parseSdistFilename(filename);
  if (parsed.normalizedName !== session.project) {
    throw new InvalidInputError(`${filename} is a file of ${parsed.normalizedName}, but this publishing session is for ${session.project}: open a session for ${parsed.normalizedName}.`);
  }
  if (releaseVersionKey(parsed.version) !== session.versionKey) {
    throw new InvalidInputError(
      `${filename} is version ${parsed.version}, but this publishing session is for ${session.project} ${session.version}: a session holds the files of one release; open another for ${parsed.version}.`,
    );
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) {
    throw new InvalidInputError(`"size" must be the file's size in bytes, a whole number above 0, not ${JSON.stringify(size)}.`);
  }
  if (size > maxBytes) {
    throw new InvalidInputError(`${filename} is ${size} bytes, more than the ${maxBytes} bytes this index takes in one file. Ask the operator to raise maxSessionBytes (at most 5 GiB).`);
  }
  if (typeof hashes !== 'object' || hashes === null || Array.isArray(hashes)) {
    throw new InvalidInputError('"hashes" is required: a mapping of hash names to hex digests, with "sha256" among them.');
  }
  for (const [name, digest] of Object.entries(hashes)) {
    if (!KNOWN_HASHES.has(name)) throw new InvalidInputError(`"hashes" names ${JSON.stringify(name)}, which is not a hashlib algorithm this index knows.`);
    if (typeof digest !== 'string' || !HEX.test(digest)) throw new InvalidInputError(`"hashes.${name}" must be a hex-encoded digest.`);
  }
  const sha256 = (hashes as Record<string, unknown>)['sha256'];
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new InvalidInputError('"hashes" must include "sha256", the file\'s SHA-256 digest as 64 hexadecimal digits: this index names every file by it.');
  }
  if (typeof mechanism !== 'string') {
    throw new InvalidInputError(`"mechanism" is required: one of ${[HTTP_POST_BYTES, S3_MULTIPART_PRESIGNED].join(', ')} (the session's "mechanisms").`);
  }
  if (mechanism !== HTTP_POST_BYTES && mechanism !== HTTP_POST_OCTET_STREAM && mechanism !== S3_MULTIPART_PRESIGNED) {
    throw new UnsupportedMechanismError(
      `This index has no upload mechanism ${JSON.stringify(mechanism)}: use ${S3_MULTIPART_PRESIGNED} (any size) or ${HTTP_POST_BYTES} (up to ${POST_BYTES_MAX} bytes).`,
    );
  }
  if (mechanism !== S3_MULTIPART_PRESIGNED && size > POST_BYTES_MAX) {
    throw new UnsupportedMechanismError(
      `${filename} is ${size} bytes; ${mechanism} carries at most ${POST_BYTES_MAX} bytes here (the bytes pass through API Gateway and Lambda, ` +
        `whose 6 MB payload limit holds about 4.5 MiB of a file). Upload it with the mechanism ${S3_MULTIPART_PRESIGNED}: its bytes go straight to S3, up to 5 GiB.`,
    );
  }
  return { filename, filetype, size, sha256: sha256.toLowerCase(), mechanism, version: parsed.version };
}

/** A file upload session's state, as the draft names it. */
export type FileUploadStatus = 'pending' | 'processing' | 'completed' | 'error' | 'canceled';

export function fileUploadStatus(status: SessionStatus): FileUploadStatus {
  switch (status) {
    case 'pending':
      return 'pending';
    case 'verifying':
      return 'processing';
    case 'completed':
    case 'published':
      return 'completed';
    case 'failed':
      return 'error';
    case 'cancelled':
    case 'expired':
      return 'canceled';
  }
}

/** Whether the session takes changes (files added, replaced, deleted; publish; extend): the draft's `open` and `error`. */
export function isEditable(session: Pick<PublishingSession, 'status'>): boolean {
  return session.status === 'open' || session.status === 'error';
}

export function isTerminal(status: PublishingStatus): boolean {
  return status === 'published' || status === 'canceled';
}

/** The files that keep a publish from going ahead: any not `completed` (the draft's allow-list). */
export function unfinishedFiles(files: readonly UploadSession[]): { source: string; message: string }[] {
  return files
    .filter((file) => fileUploadStatus(file.status) !== 'completed')
    .map((file) => ({
      source: file.filename,
      message: `${file.filename} is ${fileUploadStatus(file.status)}${file.error ? ` (${file.error})` : ''}: ${
        fileUploadStatus(file.status) === 'error' ? 'delete it (DELETE its link) and upload it again, or publish without it' : 'complete its upload first (or delete it)'
      }.`,
    }));
}
