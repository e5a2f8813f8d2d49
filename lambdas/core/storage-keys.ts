/**
 * Where a distribution's bytes live, and the URL path that reaches them. The path alone
 * identifies the object (project, sha256, filename), so a download needs no file lookup,
 * and the key contains the sha256, so a stored file is never overwritten by other bytes.
 */

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Stored files never change (content-addressed keys), so caches may keep them forever. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export const FILES_PREFIX = 'files/';
export const METADATA_SUFFIX = '.metadata';

/** S3 key of a distribution file. */
export function distributionKey(project: string, sha256: string, filename: string): string {
  return `${FILES_PREFIX}${project}/${sha256}/${filename}`;
}

/** S3 key of a distribution's core metadata file (PEP 658: the file's URL plus `.metadata`). */
export function metadataKey(project: string, sha256: string, filename: string): string {
  return distributionKey(project, sha256, filename) + METADATA_SUFFIX;
}

export const PROVENANCE_SUFFIX = '.provenance';

/**
 * S3 key of a file's PEP 740 provenance object. It names the provenance's own sha256 as well
 * as the file's: two uploads of the same bytes with different attestations, racing, each
 * write a key of their own, and the one whose index entry wins is the one it names.
 */
export function provenanceKey(project: string, sha256: string, filename: string, provenanceSha256: string): string {
  return `${distributionKey(project, sha256, filename)}.${provenanceSha256}${PROVENANCE_SUFFIX}`;
}

/** URL path (no leading slash, percent-encoded) under which a project's files live. */
export function projectFilesPath(project: string): string {
  return `${FILES_PREFIX}${encodeURIComponent(project)}/`;
}

/** URL path (no leading slash, percent-encoded) of a distribution file. */
export function distributionPath(project: string, sha256: string, filename: string): string {
  return `${projectFilesPath(project)}${sha256}/${encodeURIComponent(filename)}`;
}

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

const DOWNLOAD_FILENAME = /^[A-Za-z0-9][A-Za-z0-9._+!~-]{0,254}$/;
const DOWNLOAD_EXTENSION = /\.(whl|tar\.gz|zip)(\.metadata)?$/;

/**
 * Whether a filename from a download URL could name a stored distribution or its
 * `.metadata`: a conservative character set (every stored filename passed the upload's
 * stricter checks) and a distribution extension. Keeps odd keys away from S3.
 */
export function isDownloadFilename(filename: string): boolean {
  return DOWNLOAD_FILENAME.test(filename) && DOWNLOAD_EXTENSION.test(filename) && !filename.includes('..');
}
