/**
 * Distribution filenames: wheels (PEP 427/491, the binary distribution format
 * specification) and source distributions (PEP 625, plus the legacy forms still found
 * on every index). Parsing follows packaging's `parse_wheel_filename` and
 * `parse_sdist_filename`, which Warehouse uses for upload validation.
 */
import { InvalidInputError } from './errors.ts';
import type { PackageType } from './model.ts';
import { isValidName, normalizeName } from './names.ts';
import { isValidVersion, normalizeVersion, releaseVersionKey } from './versions.ts';

export const WHEEL_EXTENSION = '.whl';
/** The only sdist formats PyPI still accepts (PEP 625 allows `.tar.gz` alone). */
export const SDIST_EXTENSIONS = ['.tar.gz', '.zip'] as const;
export type SdistExtension = (typeof SDIST_EXTENSIONS)[number];

export const MAX_FILENAME_BYTES = 255;

/** One interpreter-abi-platform triple a wheel supports. */
export interface WheelTag {
  readonly interpreter: string;
  readonly abi: string;
  readonly platform: string;
}

export interface WheelFilename {
  readonly kind: 'wheel';
  /** The name as spelled in the filename (escaped: `_` for `-`, possibly `.` in old wheels). */
  readonly name: string;
  /** PEP 503 normalized name. */
  readonly normalizedName: string;
  /** The version as spelled in the filename. */
  readonly version: string;
  /** Starts with a digit; sorts by its leading number, then by the rest. */
  readonly buildTag?: string;
  /** The compressed tag set as spelled, e.g. `py2.py3`, `none`, `any`. */
  readonly pythonTag: string;
  readonly abiTag: string;
  readonly platformTag: string;
  /** The expanded tag set: every combination of the dotted parts of the three tags. */
  readonly tags: readonly WheelTag[];
}

export interface SdistFilename {
  readonly kind: 'sdist';
  /** The name as spelled in the filename. */
  readonly name: string;
  /** PEP 503 normalized name. */
  readonly normalizedName: string;
  /** The version as spelled in the filename. */
  readonly version: string;
  readonly extension: SdistExtension;
  /**
   * Whether the filename is in PEP 625 form: `.tar.gz`, the name normalized with `_`
   * (lower case, runs of `-_.` as one `_`) and the version in canonical form.
   */
  readonly isPep625: boolean;
}

export type DistributionFilename = WheelFilename | SdistFilename;

// Control characters: C0, DEL and C1.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();
const WHEEL_NAME_PART = /^[A-Za-z0-9._]+$/;
const BUILD_TAG = /^[0-9][A-Za-z0-9_.]*$/;
const TAG_PART = /^[A-Za-z0-9_.]+$/;

/**
 * Whether `filename` is safe to use as an S3 key segment and in a download URL: not
 * empty, at most 255 UTF-8 bytes, no `/` or `\`, no control characters, and no leading
 * dot (which also rules out `.` and `..`).
 */
export function isSafeFilename(filename: string): boolean {
  return (
    filename.length > 0 &&
    utf8.encode(filename).length <= MAX_FILENAME_BYTES &&
    !filename.startsWith('.') &&
    !filename.includes('/') &&
    !filename.includes('\\') &&
    !CONTROL.test(filename) &&
    !LONE_SURROGATE.test(filename)
  );
}

/** The package type a filename's extension implies, or undefined for any other file. */
export function packageTypeOf(filename: string): PackageType | undefined {
  if (filename.endsWith(WHEEL_EXTENSION)) return 'bdist_wheel';
  if (SDIST_EXTENSIONS.some((ext) => filename.endsWith(ext))) return 'sdist';
  return undefined;
}

function describe(filename: string): string {
  return JSON.stringify(filename);
}

function assertSafe(filename: string): void {
  if (!isSafeFilename(filename)) {
    throw new InvalidInputError(
      `Invalid filename ${describe(filename)}: a distribution filename must be at most ${MAX_FILENAME_BYTES} bytes, must not start with a dot and must not contain slashes, backslashes or control characters.`,
    );
  }
}

/** The wheel form of a name: PEP 503 normalized, with `_` for `-`. */
export function wheelEscapeName(name: string): string {
  return normalizeName(name).replace(/-/g, '_');
}

/**
 * Parses a wheel filename: `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
 * Throws InvalidInputError when it is not one.
 */
export function parseWheelFilename(filename: string): WheelFilename {
  assertSafe(filename);
  if (!filename.endsWith(WHEEL_EXTENSION)) {
    throw new InvalidInputError(`Invalid wheel filename ${describe(filename)}: a wheel filename must end in .whl.`);
  }
  const stem = filename.slice(0, -WHEEL_EXTENSION.length);
  const parts = stem.split('-');
  const shape = `expected {name}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl, e.g. example_pkg-1.0.0-py3-none-any.whl`;
  if (parts.length !== 5 && parts.length !== 6) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: it has ${parts.length} dash-separated parts where 5 or 6 are needed (${shape}).`,
    );
  }
  const [name, version] = parts as [string, string];
  const [pythonTag, abiTag, platformTag] = parts.slice(-3) as [string, string, string];
  const buildTag = parts.length === 6 ? parts[2] : undefined;

  // A dash in the project name must be escaped as `_`; `__` never results from escaping.
  if (!WHEEL_NAME_PART.test(name) || name.includes('__') || !isValidName(name)) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: ${describe(name)} is not a valid project name part. In a wheel filename the name is written with "_" in place of "-" (for "my-project": my_project-1.0-py3-none-any.whl).`,
    );
  }
  if (!isValidVersion(version)) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: ${describe(version)} is not a valid PEP 440 version (${shape}).`,
    );
  }
  if (buildTag !== undefined && !BUILD_TAG.test(buildTag)) {
    throw new InvalidInputError(
      `Invalid wheel filename ${describe(filename)}: the build tag ${describe(buildTag)} must start with a digit (${shape}).`,
    );
  }
  for (const [label, tag] of [
    ['python', pythonTag],
    ['abi', abiTag],
    ['platform', platformTag],
  ] as const) {
    if (!TAG_PART.test(tag) || tag.split('.').some((p) => p === '')) {
      throw new InvalidInputError(
        `Invalid wheel filename ${describe(filename)}: the ${label} tag ${describe(tag)} is not valid (${shape}).`,
      );
    }
  }

  const tags: WheelTag[] = [];
  for (const interpreter of pythonTag.split('.')) {
    for (const abi of abiTag.split('.')) {
      for (const platform of platformTag.split('.')) tags.push({ interpreter, abi, platform });
    }
  }
  return {
    kind: 'wheel',
    name,
    normalizedName: normalizeName(name),
    version,
    ...(buildTag !== undefined && { buildTag }),
    pythonTag,
    abiTag,
    platformTag,
    tags,
  };
}

function sdistExtensionOf(filename: string): SdistExtension | undefined {
  return SDIST_EXTENSIONS.find((ext) => filename.endsWith(ext));
}

function sdistResult(name: string, version: string, extension: SdistExtension): SdistFilename {
  return {
    kind: 'sdist',
    name,
    normalizedName: normalizeName(name),
    version,
    extension,
    isPep625:
      extension === '.tar.gz' && name === wheelEscapeName(name) && version === normalizeVersion(version),
  };
}

/**
 * Parses a source distribution filename: `{name}-{version}.tar.gz` or `.zip`.
 *
 * A legacy sdist name may contain dashes (`python-dateutil-2.8.2.tar.gz`), so the split
 * is ambiguous. With `expectedName` (the Name from the archive's metadata, or the
 * project being uploaded to) the filename must start with that name, compared after
 * normalization, followed by `-` and a valid version. Without it, the split is at the
 * last `-` that is followed by a valid version, as packaging's `parse_sdist_filename`
 * does. Throws InvalidInputError when no split works.
 */
export function parseSdistFilename(filename: string, expectedName?: string): SdistFilename {
  assertSafe(filename);
  const extension = sdistExtensionOf(filename);
  if (extension === undefined) {
    const hint = /\.(tar\.bz2|tar\.xz|tgz|tar|tar\.Z|egg|exe|msi|rpm|dmg)$/.test(filename)
      ? ' This format is no longer accepted for source distributions; build one with `python -m build --sdist`.'
      : '';
    throw new InvalidInputError(
      `Invalid sdist filename ${describe(filename)}: a source distribution must be a .tar.gz (or legacy .zip) file named {name}-{version}.tar.gz.${hint}`,
    );
  }
  const stem = filename.slice(0, -extension.length);
  const dashes: number[] = [];
  for (let i = stem.indexOf('-'); i !== -1; i = stem.indexOf('-', i + 1)) dashes.push(i);

  if (expectedName !== undefined) {
    const wanted = normalizeName(expectedName);
    for (const i of dashes) {
      const name = stem.slice(0, i);
      const version = stem.slice(i + 1);
      if (normalizeName(name) === wanted && isValidVersion(version)) return sdistResult(name, version, extension);
    }
    throw new InvalidInputError(
      `Invalid sdist filename ${describe(filename)}: it must start with the project name ${describe(expectedName)} followed by "-" and a valid PEP 440 version, e.g. ${wheelEscapeName(expectedName)}-1.0.0.tar.gz.`,
    );
  }

  for (let d = dashes.length - 1; d >= 0; d--) {
    const i = dashes[d]!;
    const name = stem.slice(0, i);
    const version = stem.slice(i + 1);
    if (isValidName(name) && isValidVersion(version)) return sdistResult(name, version, extension);
  }
  throw new InvalidInputError(
    `Invalid sdist filename ${describe(filename)}: expected {name}-{version}${extension} with a valid project name and PEP 440 version, e.g. example_pkg-1.0.0.tar.gz.`,
  );
}

/**
 * Parses a wheel or sdist filename, choosing by extension. `expectedName` is used for
 * sdists only (see parseSdistFilename). Throws InvalidInputError for anything else.
 */
export function parseDistributionFilename(filename: string, expectedName?: string): DistributionFilename {
  if (filename.endsWith(WHEEL_EXTENSION)) return parseWheelFilename(filename);
  if (sdistExtensionOf(filename) !== undefined) return parseSdistFilename(filename, expectedName);
  assertSafe(filename);
  throw new InvalidInputError(
    `Unsupported distribution file ${describe(filename)}: upload a wheel (.whl) or a source distribution (.tar.gz; legacy .zip is also accepted).`,
  );
}

/** A compressed tag set in canonical form: its dotted parts lower-cased, unique and sorted. */
function canonicalTag(tag: string): string {
  return [...new Set(tag.toLowerCase().split('.'))].sort().join('.');
}

/**
 * A distribution's identity, as Warehouse keeps it: two filenames with one identity name
 * one file, so an index holds at most one of them. A wheel is its normalized project
 * name, canonical version (`1.0` = `1.0.0`, as releaseVersionKey has it), build tag (by its
 * number, as packaging compares it) and tag set (compressed sets are equal exactly when
 * their expansions are, so the parts are sorted, not expanded). An sdist is its release:
 * a release has at most one, whatever its extension. `project` (normalized) settles an
 * sdist name that holds dashes.
 *
 * A filename that is no distribution filename is its own identity: no upload stores one,
 * so looking it up finds nothing.
 */
export function distributionIdentity(filename: string, project: string): string {
  let parsed: DistributionFilename;
  try {
    parsed = parseDistributionFilename(filename, project);
  } catch {
    return filename;
  }
  const name = wheelEscapeName(parsed.normalizedName);
  const version = releaseVersionKey(parsed.version);
  if (parsed.kind === 'sdist') return `${name}-${version}.sdist`;
  const build = parsed.buildTag === undefined ? '' : `-${parsed.buildTag.replace(/^0+(?=[0-9])/, '')}`;
  const tags = [parsed.pythonTag, parsed.abiTag, parsed.platformTag].map(canonicalTag).join('-');
  return `${name}-${version}${build}-${tags}.whl`;
}

/** Whether two filenames of one project name the same distribution (see distributionIdentity). */
export function isSameDistribution(a: string, b: string, project: string): boolean {
  return distributionIdentity(a, project) === distributionIdentity(b, project);
}
