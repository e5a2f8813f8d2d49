/**
 * The legacy upload API (`POST /legacy/`, what twine, uv and poetry call): validation of
 * the form's fields and of the uploaded file against them, modelled on Warehouse's
 * `forklift/legacy.py` and `forklift/forms.py`.
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

import { type CoreMetadata, KNOWN_METADATA_VERSIONS, checkMetadataVersion } from './core-metadata.ts';
import { type InspectOptions, type InspectedDistribution, inspectDistribution } from './distribution.ts';
import { InvalidInputError } from './errors.ts';
import { MAX_FILENAME_BYTES, isSafeFilename, packageTypeOf, parseSdistFilename, parseWheelFilename } from './filenames.ts';
import type { PackageType } from './model.ts';
import { isValidName, normalizeName } from './names.ts';
import { isValidVersion, versionsEqual } from './versions.ts';

/** A Metadata-Version that checkMetadataVersion accepted, e.g. `2.4` (a later 2.x too). */
export type MetadataVersion = string;

/** Digests as lower-case hex. */
export interface UploadDigests {
  readonly sha256?: string;
  readonly blake2_256?: string;
  readonly md5?: string;
}

/** The digests of the uploaded bytes: sha256 always, the others when the form claimed them (and they matched). */
export interface FileDigests extends UploadDigests {
  readonly sha256: string;
}

/** The fields of a valid `:action=file_upload` form that the index uses. */
export interface UploadFields {
  /** The project name as the form gives it (valid, not normalized). */
  readonly name: string;
  /** The version as the form gives it (valid PEP 440, not normalized). */
  readonly version: string;
  readonly filetype: PackageType;
  /** `source` for an sdist; the Python tag (`py3`, `cp312`...) for a wheel, as the client sent it. */
  readonly pyversion: string;
  readonly metadataVersion: MetadataVersion;
  /** What the client says the file's digests are; at least sha256 or blake2_256. */
  readonly digests: UploadDigests;
  readonly comment?: string;
  /**
   * PEP 740 attestations, exactly as sent (a JSON array); kept for later, their content
   * never checked here. Like every single-valued field, it may be given only once.
   */
  readonly attestations?: string;
}

export interface UploadedFile {
  readonly filename: string;
  readonly bytes: Uint8Array;
}

// ---------------------------------------------------------------------------------------
// The form

const ACTION = ':action';
const SINGLE_VALUED = [
  ACTION,
  'protocol_version',
  'metadata_version',
  'name',
  'version',
  'filetype',
  'pyversion',
  'sha256_digest',
  'blake2_256_digest',
  'md5_digest',
  'comment',
  'attestations',
] as const;

/** Distribution formats PyPI once took and no longer does, with what retired them. */
const RETIRED_FILETYPES: Readonly<Record<string, string>> = {
  bdist_egg: 'eggs can no longer be uploaded to PyPI (PEP 715) and pip does not install them',
  bdist_wininst: 'PEP 527 retired it',
  bdist_msi: 'PEP 527 retired it',
  bdist_rpm: 'PEP 527 retired it',
  bdist_dmg: 'PEP 527 retired it',
  bdist_dumb: 'PEP 527 retired it',
};

const DIGESTS = [
  { field: 'sha256_digest', key: 'sha256', hexDigits: 64, label: 'SHA-256' },
  { field: 'blake2_256_digest', key: 'blake2_256', hexDigits: 64, label: 'BLAKE2b-256' },
  { field: 'md5_digest', key: 'md5', hexDigits: 32, label: 'MD5' },
] as const;

const quote = (value: string): string => JSON.stringify(value);

/** A value too long to echo whole is shown by its ends, as Warehouse does. */
function shown(value: string): string {
  return quote(value.length > 60 ? `${value.slice(0, 30)}...${value.slice(-30)}` : value);
}

/**
 * Parses and validates the text fields of a legacy upload form. Throws
 * InvalidInputError, naming the field and what to send instead, when `:action` is not
 * `file_upload`, `protocol_version` is not 1, a required field is missing or invalid,
 * a single-valued field is given more than once, or no secure digest is given.
 *
 * Like Warehouse, an empty value counts as absent (twine 4 sends every metadata field,
 * empty ones included), and so does `UNKNOWN`, which distutils wrote for what setup()
 * was not told. `protocol_version` may be absent, as on PyPI
 * (`request.POST.get("protocol_version", "1")`); every client sends it anyway. Fields
 * not named here (summary, classifiers, ...) are accepted and left alone: the index
 * reads metadata from the archive itself. For the same reason metadata_version is only
 * checked to be one this index supports, not compared with the archive's, whose
 * Metadata-Version inspection checks on its own.
 */
export function parseUploadFields(fields: ReadonlyMap<string, readonly string[]>): UploadFields {
  for (const field of SINGLE_VALUED) {
    const count = fields.get(field)?.length ?? 0;
    if (count > 1) {
      throw new InvalidInputError(
        `The ${field} field is given ${count} times in the upload form; it takes one value. Send it once.`,
      );
    }
  }
  const raw = (field: string): string | undefined => fields.get(field)?.[0];
  const value = (field: string): string | undefined => {
    const v = raw(field);
    return v === undefined || v.trim() === '' || v.trim() === 'UNKNOWN' ? undefined : v;
  };

  const action = value(ACTION);
  if (action === undefined) {
    throw new InvalidInputError(
      'The upload form has no :action field. An upload sends :action=file_upload with the file as its content part, as twine, uv and poetry do.',
    );
  }
  if (action !== 'file_upload') {
    if (action === 'submit' || action === 'submit_pkg_info') {
      throw new InvalidInputError(
        `:action=${action} (registering a project before uploading) is not supported, as it no longer is on PyPI: upload the distribution files instead (:action=file_upload).`,
      );
    }
    if (action === 'doc_upload') {
      throw new InvalidInputError(
        ':action=doc_upload (uploading documentation) is not supported, as it no longer is on PyPI: host documentation elsewhere, e.g. on Read the Docs.',
      );
    }
    throw new InvalidInputError(`Unsupported :action ${shown(action)}: this index supports only :action=file_upload.`);
  }

  const protocolVersion = value('protocol_version');
  if (protocolVersion !== undefined && protocolVersion !== '1') {
    throw new InvalidInputError(
      `Unknown protocol_version ${shown(protocolVersion)}: this index speaks version 1 of the legacy upload protocol, the one twine, uv and poetry use.`,
    );
  }

  // Warehouse reports metadata_version, name and version first: they explain most other errors.
  const metadataVersion = value('metadata_version');
  if (metadataVersion === undefined) {
    throw new InvalidInputError(
      `The metadata_version field is missing: send the Metadata-Version of the distribution's METADATA or PKG-INFO (one of ${KNOWN_METADATA_VERSIONS.join(', ')}).`,
    );
  }
  checkMetadataVersion(metadataVersion, 'The metadata_version field');

  const name = value('name');
  if (name === undefined) {
    throw new InvalidInputError(
      raw('name')?.trim() === 'UNKNOWN'
        ? 'The name field is UNKNOWN, what setuptools writes when setup() is given no name: give the project a name and build it again.'
        : "The name field is missing: send the project's name (the Name in the distribution's metadata).",
    );
  }
  if (!isValidName(name)) {
    throw new InvalidInputError(
      `The name field ${shown(name)} is not a valid project name: use ASCII letters, digits, "-", "_" and ".", starting and ending with a letter or digit.`,
    );
  }

  const version = value('version');
  if (version === undefined) {
    throw new InvalidInputError("The version field is missing: send the distribution's version (the Version in its metadata).");
  }
  if (!isValidVersion(version)) {
    throw new InvalidInputError(
      `The version field ${shown(version)} is not a valid PEP 440 version, such as 1.0, 2.1.3rc1 or 1.0.post1 (https://peps.python.org/pep-0440/).`,
    );
  }

  const filetype = value('filetype');
  if (filetype === undefined) {
    throw new InvalidInputError('The filetype field is missing: send filetype=bdist_wheel for a wheel or filetype=sdist for a source distribution.');
  }
  if (filetype !== 'bdist_wheel' && filetype !== 'sdist') {
    const retired = RETIRED_FILETYPES[filetype];
    throw new InvalidInputError(
      retired !== undefined
        ? `filetype ${filetype} is not accepted (${retired}): upload a wheel (bdist_wheel) or a source distribution (sdist).`
        : `Unknown filetype ${shown(filetype)}: this index accepts bdist_wheel (a wheel) and sdist (a source distribution).`,
    );
  }

  let pyversion = value('pyversion');
  if (filetype === 'sdist') {
    // twine 4 sends an empty pyversion for an sdist; Warehouse takes that as "source".
    if (pyversion === undefined) pyversion = 'source';
    else if (pyversion !== 'source') {
      throw new InvalidInputError(`The pyversion field of an sdist must be "source", not ${shown(pyversion)}.`);
    }
  } else if (pyversion === undefined) {
    throw new InvalidInputError(
      "The pyversion field is missing: a wheel upload must give its Python tag (such as py3 or cp312), as twine does.",
    );
  }

  const digests: Record<string, string> = {};
  for (const { field, key, hexDigits, label } of DIGESTS) {
    const digest = value(field);
    if (digest === undefined) continue;
    if (!new RegExp(`^[0-9a-fA-F]{${hexDigits}}$`).test(digest)) {
      throw new InvalidInputError(
        `The ${field} field ${shown(digest)} is not a hex-encoded ${label} digest (${hexDigits} hexadecimal digits).`,
      );
    }
    digests[key] = digest.toLowerCase();
  }
  if (digests['sha256'] === undefined && digests['blake2_256'] === undefined) {
    throw new InvalidInputError(
      digests['md5'] !== undefined
        ? 'The upload gives only md5_digest, and MD5 no longer proves a file is intact: include sha256_digest or blake2_256_digest as well (twine, uv and poetry send both).'
        : 'The upload gives no digest of the file: include sha256_digest or blake2_256_digest (twine, uv and poetry send both), so the index can check that the file arrived intact.',
    );
  }

  const comment = value('comment');
  const attestations = raw('attestations');
  return {
    name,
    version,
    filetype,
    pyversion,
    metadataVersion,
    digests,
    ...(comment !== undefined && { comment }),
    ...(attestations !== undefined && attestations !== '' && { attestations }),
  };
}

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
  for (const { field, key } of DIGESTS) {
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

// ---------------------------------------------------------------------------------------
// What the index keeps about a release

const KiB = 1024;

export const RELEASE_METADATA_LIMITS = Object.freeze({
  /**
   * A DynamoDB item holds at most 400 KB, and a release record must also fit its keys
   * and file list. Long READMEs are common (some carry a whole changelog), so the
   * description is cut rather than refused; the full text stays in the stored
   * METADATA (PEP 658) for wheels and in the archive for everything.
   */
  maxDescriptionBytes: 64 * KiB,
  /**
   * Everything else together. Real metadata stays far below (a full license text is
   * ~35 KB; a few hundred classifiers ~20 KB); more means a broken or hostile build,
   * which is refused rather than silently cut.
   */
  maxTotalBytes: 256 * KiB,
});

export interface ProjectUrl {
  readonly label: string;
  readonly url: string;
}

/** A release's metadata as the index keeps it: plain JSON, snake_case as in PyPI's JSON API. */
export interface ReleaseMetadata {
  readonly metadata_version: string;
  readonly summary?: string;
  /** At most maxDescriptionBytes of UTF-8, cut at a character boundary. */
  readonly description?: string;
  /** Present (true) when the description was cut. */
  readonly description_truncated?: true;
  /** The UTF-8 size of the whole description, present when it was cut. */
  readonly description_bytes?: number;
  readonly description_content_type?: string;
  readonly requires_python?: string;
  readonly requires_dist: readonly string[];
  readonly author?: string;
  readonly author_email?: string;
  readonly maintainer?: string;
  readonly maintainer_email?: string;
  readonly license?: string;
  /** SPDX expression (Metadata-Version 2.4, PEP 639). */
  readonly license_expression?: string;
  readonly license_files: readonly string[];
  readonly classifiers: readonly string[];
  /** `Project-URL: label, url` pairs in file order. */
  readonly project_urls: readonly ProjectUrl[];
  readonly home_page?: string;
  readonly download_url?: string;
  readonly keywords?: string;
  readonly provides_extra: readonly string[];
  readonly dynamic: readonly string[];
  /** PEP 794 (Metadata-Version 2.5) `Import-Name` values, when the metadata gives any. */
  readonly import_names?: readonly string[];
  /** PEP 794 `Import-Namespace` values, when the metadata gives any. */
  readonly import_namespaces?: readonly string[];
}

/** A `Project-URL` value split as packaging does: at the first comma, both parts trimmed. */
function projectUrl(value: string): ProjectUrl {
  const comma = value.indexOf(',');
  return comma === -1 ? { label: value.trim(), url: '' } : { label: value.slice(0, comma).trim(), url: value.slice(comma + 1).trim() };
}

/** The UTF-8 bytes `encoded` cut to at most `maxBytes`, never inside a character, as a string. */
function truncateUtf8(encoded: Uint8Array, maxBytes: number): string {
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so that the cut falls before a character's first byte.
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(encoded.subarray(0, end));
}

/** Absent, empty or distutils' `UNKNOWN` placeholder: nothing worth keeping. */
function isBlank(value: string | undefined): value is undefined {
  return value === undefined || value.trim() === '' || value.trim() === 'UNKNOWN';
}

/**
 * What the index keeps about a release, from the archive's core metadata. Single-valued
 * fields that are absent, empty or `UNKNOWN` (what distutils wrote for anything setup()
 * was not given) are left out. The description is cut to maxDescriptionBytes; if the
 * whole still exceeds maxTotalBytes, throws InvalidInputError naming the largest field.
 */
export function releaseMetadataOf(
  metadata: CoreMetadata,
  limits: Partial<typeof RELEASE_METADATA_LIMITS> = {},
): ReleaseMetadata {
  const { maxDescriptionBytes, maxTotalBytes } = { ...RELEASE_METADATA_LIMITS, ...limits };
  const out: Record<string, unknown> = { metadata_version: metadata.metadataVersion };
  const put = (key: keyof ReleaseMetadata, value: string | undefined): void => {
    if (!isBlank(value)) out[key] = value;
  };

  put('summary', metadata.summary);
  if (!isBlank(metadata.description)) {
    const encoded = utf8.encode(metadata.description);
    if (encoded.byteLength <= maxDescriptionBytes) {
      out['description'] = metadata.description;
    } else {
      out['description'] = truncateUtf8(encoded, maxDescriptionBytes);
      out['description_truncated'] = true;
      out['description_bytes'] = encoded.byteLength;
    }
  }
  put('description_content_type', metadata.descriptionContentType);
  put('requires_python', metadata.requiresPython);
  out['requires_dist'] = [...metadata.requiresDist];
  put('author', metadata.author);
  put('author_email', metadata.authorEmail);
  put('maintainer', metadata.maintainer);
  put('maintainer_email', metadata.maintainerEmail);
  put('license', metadata.license);
  put('license_expression', metadata.licenseExpression);
  out['license_files'] = [...metadata.licenseFiles];
  out['classifiers'] = [...metadata.classifiers];
  out['project_urls'] = metadata.projectUrls.map(projectUrl);
  put('home_page', metadata.homePage);
  put('download_url', metadata.downloadUrl);
  put('keywords', metadata.keywords);
  out['provides_extra'] = [...metadata.providesExtra];
  out['dynamic'] = [...metadata.dynamic];
  if (metadata.importNames.length > 0) out['import_names'] = [...metadata.importNames];
  if (metadata.importNamespaces.length > 0) out['import_namespaces'] = [...metadata.importNamespaces];
  const release = out as unknown as ReleaseMetadata;

  const size = utf8.encode(JSON.stringify(release)).byteLength;
  if (size > maxTotalBytes) {
    const [largest, largestBytes] = Object.entries(release)
      .map(([key, value]) => [key, utf8.encode(JSON.stringify(value)).byteLength] as const)
      .reduce((a, b) => (b[1] > a[1] ? b : a));
    throw new InvalidInputError(
      `The metadata of ${metadata.name} ${metadata.version} takes ${size} bytes even with the description cut to ${maxDescriptionBytes} bytes, more than the ${maxTotalBytes} this index keeps for a release; the largest field is ${largest} (${largestBytes} bytes). Check what the build put into the metadata.`,
    );
  }
  return release;
}
