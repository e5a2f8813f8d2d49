/**
 * The legacy upload API (`POST /legacy/`, what twine, uv and poetry call): the uploaded
 * file checked against the form's fields (parsed in upload-form.ts), then its archive
 * against both, before anything is stored; modelled on Warehouse's `forklift/legacy.py`.
 *
 * Where Wharf differs from PyPI, on purpose, for a private index:
 * - local versions (`1.0+cu118`) are accepted; PyPI refuses them, private builds use them.
 * - wheel platform tags are not limited to the ones PyPI knows (a `linux_x86_64` wheel is fine).
 * - filenames need not be in PEP 625 / normalized form: `wharf import` already accepts
 *   what older setuptools wrote (`My.Pkg-1.0.tar.gz`), and an upload must not refuse
 *   what an import takes.
 * - classifiers are not checked against the trove list, so `Private :: Do Not Upload`
 *   (whose purpose is to make PyPI refuse the file) is welcome here.
 * - the release metadata comes from the archive's METADATA / PKG-INFO, never from the
 *   form: the form only has to agree with the archive on name, version and file type.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

import { blake2b } from '@noble/hashes/blake2.js';

import { type InspectOptions, type InspectedDistribution, inspectDistribution } from './distribution.ts';
import { InvalidInputError } from './errors.ts';
import { MAX_FILENAME_BYTES, isSafeFilename, packageTypeOf, parseSdistFilename, parseWheelFilename } from './filenames.ts';
import type { PackageType } from './model.ts';
import { normalizeName } from './names.ts';
import { type ReleaseMetadata, releaseMetadataOf } from './release-metadata.ts';
import { UPLOAD_DIGESTS, type UploadDigests, type UploadFields, parseUploadFields, shown } from './upload-form.ts';
import { versionsEqual } from './versions.ts';

/** The digests of the uploaded bytes: sha256 always, the others when the form claimed them (and they matched). */
export interface FileDigests extends UploadDigests {
  readonly sha256: string;
}

export interface UploadedFile {
  readonly filename: string;
  readonly bytes: Uint8Array;
}

const quote = (value: string): string => JSON.stringify(value);

// ---------------------------------------------------------------------------------------
// The file

// C0, DEL and C1 control characters.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const utf8 = new TextEncoder();

export function checkFilename(filename: string): void {
  if (CONTROL.test(filename)) {
    throw new InvalidInputError(
      `The filename ${quote(filename)} contains control characters (such as NUL, tab or a line break): send the distribution's own filename, as the build wrote it.`,
    );
  }
  if (filename.includes('/') || filename.includes('\\')) {
    throw new InvalidInputError(
      `The filename ${quote(filename)} contains "/" or "\\": send the file's name alone, without a directory.`,
    );
  }
  if (filename.startsWith('.')) {
    throw new InvalidInputError(`The filename ${quote(filename)} starts with a dot: send the distribution's own filename, such as example_pkg-1.0-py3-none-any.whl.`);
  }
  if (utf8.encode(filename).length > MAX_FILENAME_BYTES) {
    throw new InvalidInputError(`The filename ${shown(filename)} is longer than ${MAX_FILENAME_BYTES} bytes, more than this index stores.`);
  }
  if (!isSafeFilename(filename)) {
    throw new InvalidInputError(`The filename ${quote(filename)} is not a valid distribution filename: send the filename the build wrote.`);
  }
}

function describeType(type: PackageType): string {
  return type === 'bdist_wheel' ? 'a wheel' : 'a source distribution';
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const md5Hex = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const blake2b256Hex = (bytes: Uint8Array): string => Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex');

/**
 * Checks the uploaded file against the form, before its archive is opened: it is
 * there and not empty, its filename is safe and has the extension `filetype` implies,
 * the name and version in the filename are the form's, and every digest the form gives
 * is the file's. Returns the file's digests (sha256 always; blake2_256 and md5 only
 * when the form gave them: BLAKE2b-256 is pure JavaScript, about 20 MB/s, so it is
 * computed only when there is something to check). Throws InvalidInputError.
 */
export function checkUploadedFile(fields: UploadFields, file: UploadedFile | undefined): FileDigests {
  if (file === undefined) {
    throw new InvalidInputError('The upload has no file: send the distribution as the file part named content.');
  }
  const { filename, bytes } = file;
  checkFilename(filename);

  const typeByExtension = packageTypeOf(filename);
  if (typeByExtension === undefined) {
    throw new InvalidInputError(
      `Invalid file extension in ${quote(filename)}: upload a wheel (.whl) or a source distribution (.tar.gz; legacy .zip is also accepted). Eggs, installers and other formats are not accepted (PEP 527, PEP 715).`,
    );
  }
  if (typeByExtension !== fields.filetype) {
    throw new InvalidInputError(
      `${filename} is ${describeType(typeByExtension)} by its extension, but the filetype field says ${fields.filetype}: send filetype=${typeByExtension} with this file.`,
    );
  }

  if (bytes.byteLength === 0) {
    throw new InvalidInputError(`${filename} is empty (0 bytes): the client sent no data. Build the distribution again and upload it.`);
  }

  let fromFilename: { name: string; normalizedName: string; version: string };
  if (typeByExtension === 'bdist_wheel') {
    fromFilename = parseWheelFilename(filename);
  } else {
    try {
      // Split the filename where the form's name says the name ends.
      fromFilename = parseSdistFilename(filename, fields.name);
    } catch (error) {
      // Does the filename name some other project? Say so; otherwise the parser's own message.
      const other = (() => {
        try {
          return parseSdistFilename(filename);
        } catch {
          return undefined;
        }
      })();
      if (other === undefined) throw error;
      fromFilename = other;
    }
  }
  if (fromFilename.normalizedName !== normalizeName(fields.name)) {
    throw new InvalidInputError(
      `${filename} is a distribution of the project ${quote(fromFilename.name)}, but the name field says ${quote(fields.name)}: they must name the same project (compared after PEP 503 normalization).`,
    );
  }
  if (!versionsEqual(fromFilename.version, fields.version)) {
    throw new InvalidInputError(
      `${filename} has the version ${fromFilename.version} in its name, but the version field says ${fields.version}: they must be the same version (compared after PEP 440 normalization).`,
    );
  }

  const computed: { sha256: string; blake2_256?: string; md5?: string } = { sha256: sha256Hex(bytes) };
  if (fields.digests.blake2_256 !== undefined) computed.blake2_256 = blake2b256Hex(bytes);
  if (fields.digests.md5 !== undefined) computed.md5 = md5Hex(bytes);
  for (const { field, key } of UPLOAD_DIGESTS) {
    const claimed = fields.digests[key];
    const actual = computed[key];
    if (claimed !== undefined && claimed !== actual) {
      throw new InvalidInputError(
        `The ${field} field (${claimed}) does not match the uploaded file (${actual}): the file was corrupted on the way or the digest is for another file. Upload again.`,
      );
    }
  }
  return computed;
}

/**
 * Checks that the archive's metadata (read by inspectDistribution) is the release the
 * form names: the same project after PEP 503 normalization, the same version after PEP
 * 440 normalization, the same file type. Throws InvalidInputError.
 */
export function checkMetadataAgreement(fields: UploadFields, filename: string, inspected: InspectedDistribution): void {
  if (inspected.packagetype !== fields.filetype) {
    throw new InvalidInputError(
      `${filename} is ${describeType(inspected.packagetype)}, but the filetype field says ${fields.filetype}: send filetype=${inspected.packagetype} with this file.`,
    );
  }
  if (inspected.normalizedName !== normalizeName(fields.name)) {
    throw new InvalidInputError(
      `The name field says ${quote(fields.name)}, but the metadata in ${filename} says Name: ${inspected.name}. Upload the file under the name its metadata gives.`,
    );
  }
  if (!versionsEqual(inspected.version, fields.version)) {
    throw new InvalidInputError(
      `The version field says ${fields.version}, but the metadata in ${filename} says Version: ${inspected.version}. Upload the file with the version its metadata gives.`,
    );
  }
}

export interface ValidatedUpload {
  readonly fields: UploadFields;
  readonly filename: string;
  readonly bytes: Uint8Array;
  readonly digests: FileDigests;
  readonly distribution: InspectedDistribution;
  /** What the index keeps about the release, from the archive's metadata. */
  readonly release: ReleaseMetadata;
}

export interface ValidateUploadOptions {
  readonly inspect?: InspectOptions;
}

/**
 * Everything the legacy upload checks before anything is stored, cheapest first: the
 * form (parseUploadFields), the file against the form (checkUploadedFile, digests
 * included, so a file damaged on the way is reported as such and not as a broken
 * archive), the archive (inspectDistribution: a wheel needs its METADATA, WHEEL and
 * RECORD; an sdist its PKG-INFO), the archive's metadata against the form
 * (checkMetadataAgreement) and the size of what the index keeps (releaseMetadataOf).
 * Throws InvalidInputError.
 */
export async function validateUpload(
  form: ReadonlyMap<string, readonly string[]>,
  file: UploadedFile | undefined,
  options: ValidateUploadOptions = {},
): Promise<ValidatedUpload> {
  const fields = parseUploadFields(form);
  const digests = checkUploadedFile(fields, file);
  const { filename, bytes } = file!;
  const distribution = await inspectDistribution(filename, bytes, options.inspect);
  // Implied today (form = filename, filename = metadata), checked anyway: the form is what
  // the caller authorizes against, so its agreement with the archive must not rest on
  // how inspection happens to compare filenames.
  checkMetadataAgreement(fields, filename, distribution);
  return { fields, filename, bytes, digests, distribution, release: releaseMetadataOf(distribution.metadata) };
}
