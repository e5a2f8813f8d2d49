/**
 * The form of a legacy upload (`:action=file_upload`, what twine, uv and poetry send):
 * its text fields parsed and validated, modelled on Warehouse's `forklift/forms.py`.
 * The file part is checked against these fields in legacy-upload.ts.
 */
import { KNOWN_METADATA_VERSIONS, checkMetadataVersion } from './core-metadata.ts';
import { InvalidInputError } from './errors.ts';
import type { PackageType } from './model.ts';
import { isValidName } from './names.ts';
import { isValidVersion } from './versions.ts';

/** A Metadata-Version that checkMetadataVersion accepted, e.g. `2.4` (a later 2.x too). */
export type MetadataVersion = string;

/** Digests as lower-case hex. */
export interface UploadDigests {
  readonly sha256?: string;
  readonly blake2_256?: string;
  readonly md5?: string;
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

/** The digest fields a form may give, and which key of UploadDigests each fills. */
export const UPLOAD_DIGESTS = [
  { field: 'sha256_digest', key: 'sha256', hexDigits: 64, label: 'SHA-256' },
  { field: 'blake2_256_digest', key: 'blake2_256', hexDigits: 64, label: 'BLAKE2b-256' },
  { field: 'md5_digest', key: 'md5', hexDigits: 32, label: 'MD5' },
] as const;

const quote = (value: string): string => JSON.stringify(value);

/** A value too long to echo whole is shown by its ends, as Warehouse does. */
export function shown(value: string): string {
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
  for (const { field, key, hexDigits, label } of UPLOAD_DIGESTS) {
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
