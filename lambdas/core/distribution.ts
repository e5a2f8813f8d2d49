/**
 * Reads what the index needs out of an uploaded distribution: its core metadata, checked
 * against the filename, and the wheel's own rules (one .dist-info directory named after
 * the filename, with METADATA, WHEEL and RECORD; Wheel-Version 1.x) or the sdist's
 * (PKG-INFO in the top-level directory). Archives come from strangers, so nothing is
 * trusted: only the few entries needed are ever decompressed, each within a size limit
 * (archives/zip-reader.ts checks CRCs too), and a tarball is scanned as a stream that
 * stops at PKG-INFO (archives/tar-scanner.ts).
 */
import { TarScanLimitError, scanTarGz } from './archives/tar-scanner.ts';
import { type RandomAccessSource, type ZipEntry, openZip } from './archives/zip-reader.ts';
import { MiB, chunksOf, formatBytes } from './bytes.ts';
import { type CoreMetadata, isMetadataVersionAtLeast, parseCoreMetadata } from './core-metadata.ts';
import { InvalidInputError } from './errors.ts';
import {
  type SdistFilename,
  type WheelFilename,
  packageTypeOf,
  parseSdistFilename,
  parseWheelFilename,
  wheelEscapeName,
} from './filenames.ts';
import type { PackageType } from './model.ts';
import { normalizeName } from './names.ts';
import { normalizeVersion, versionsEqual } from './versions.ts';

/** Limits on what inspection decompresses. */
export const INSPECTION_LIMITS = Object.freeze({
  /**
   * METADATA / PKG-INFO. The largest real ones carry a long README and changelog and stay
   * well under 2 MiB; 8 MiB leaves room without letting a file make us allocate much.
   */
  maxCoreMetadataBytes: 8 * MiB,
  /** WHEEL holds a handful of short lines. */
  maxWheelFileBytes: 64 * 1024,
  /**
   * Decompressed tarball bytes scanned for PKG-INFO before giving up. Build backends put
   * PKG-INFO near the start, so a real sdist stops scanning long before this.
   */
  maxTarScanBytes: 512 * MiB,
  /** A pax extended header or GNU long name is a few hundred bytes at most. */
  maxTarExtensionBytes: 1 * MiB,
  /** Deflate cannot expand more than 1032:1; a zip entry that claims more is lying. */
  maxDeflateRatio: 1032,
});

export type InspectionLimits = typeof INSPECTION_LIMITS;

export interface InspectOptions {
  /** Overrides of INSPECTION_LIMITS (tests use small ones). */
  readonly limits?: Partial<InspectionLimits>;
}

export interface InspectedDistribution {
  readonly packagetype: PackageType;
  /** The parsed filename (for an sdist, split using the metadata's Name). */
  readonly filename: WheelFilename | SdistFilename;
  /** The name as the metadata spells it. */
  readonly name: string;
  /** PEP 503 normalized name. */
  readonly normalizedName: string;
  /** The version as the metadata spells it. */
  readonly version: string;
  readonly requiresPython?: string;
  readonly metadata: CoreMetadata;
  /**
   * The exact bytes to serve as the PEP 658 `.metadata` file: a wheel's METADATA always;
   * an sdist's PKG-INFO only when it is reliable (Metadata-Version 2.2+ with nothing
   * Dynamic, PEP 643); otherwise absent.
   */
  readonly coreMetadataFile?: Uint8Array;
}

/** A distribution that is not in memory: ranged reads, and a stream from its first byte. */
export interface DistributionSource extends RandomAccessSource {
  /** The bytes from the start, in chunks; the consumer may stop early. */
  stream(): AsyncIterable<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array): DistributionSource {
  return {
    size: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    stream: () => chunksOf(bytes, 64 * 1024),
  };
}

/**
 * Inspects a wheel or sdist: reads its core metadata and checks that the metadata's
 * Name and Version agree with the filename. Throws InvalidInputError for anything
 * wrong with the filename, the archive or the metadata.
 */
export async function inspectDistribution(
  filename: string,
  bytes: Uint8Array,
  options: InspectOptions = {},
): Promise<InspectedDistribution> {
  return inspectDistributionAt(filename, bytesSource(bytes), options);
}

/**
 * inspectDistribution for a distribution that is not in memory (a staged upload): a
 * zip (wheel, .zip sdist) by ranged reads of its central directory and the entries
 * needed, a .tar.gz by streaming it from the start until PKG-INFO.
 */
export async function inspectDistributionAt(
  filename: string,
  source: DistributionSource,
  options: InspectOptions = {},
): Promise<InspectedDistribution> {
  const limits: InspectionLimits = { ...INSPECTION_LIMITS, ...options.limits };
  switch (packageTypeOf(filename)) {
    case 'bdist_wheel':
      return inspectWheel(filename, source, limits);
    case 'sdist':
      return filename.endsWith('.zip')
        ? inspectZipSdist(filename, source, limits)
        : inspectTarSdist(filename, source.stream(), limits);
    default:
      throw new InvalidInputError(
        `Unsupported distribution file ${JSON.stringify(filename)}: upload a wheel (.whl) or a source distribution (.tar.gz; legacy .zip is also accepted).`,
      );
  }
}

// ---------------------------------------------------------------------------------------
// Checks shared by wheels and sdists

/** Whether `dir` (`{name}-{version}`, any escaping) names this project and version. */
function dirMatches(dir: string, normalizedName: string, version: string): boolean {
  for (let i = dir.indexOf('-'); i !== -1; i = dir.indexOf('-', i + 1)) {
    if (normalizeName(dir.slice(0, i)) === normalizedName && versionsEqual(dir.slice(i + 1), version)) return true;
  }
  return false;
}

function checkAgreement(filename: string, parsed: { normalizedName: string; version: string }, metadata: CoreMetadata): void {
  if (normalizeName(metadata.name) !== parsed.normalizedName) {
    throw new InvalidInputError(
      `${filename}: the filename names the project ${JSON.stringify(parsed.normalizedName)} but its metadata says Name: ${metadata.name}. Rename the file or fix the metadata so they agree.`,
    );
  }
  if (!versionsEqual(metadata.version, parsed.version)) {
    throw new InvalidInputError(
      `${filename}: the filename has version ${parsed.version} but its metadata says Version: ${metadata.version}. Rename the file or fix the metadata so they agree.`,
    );
  }
}

function result(
  packagetype: PackageType,
  filename: WheelFilename | SdistFilename,
  metadata: CoreMetadata,
  coreMetadataFile: Uint8Array | undefined,
): InspectedDistribution {
  return {
    packagetype,
    filename,
    name: metadata.name,
    normalizedName: normalizeName(metadata.name),
    version: metadata.version,
    ...(metadata.requiresPython !== undefined && { requiresPython: metadata.requiresPython }),
    metadata,
    ...(coreMetadataFile !== undefined && { coreMetadataFile }),
  };
}


// ---------------------------------------------------------------------------------------
// Wheels

async function inspectWheel(filename: string, source: RandomAccessSource, limits: InspectionLimits): Promise<InspectedDistribution> {
  const parsed = parseWheelFilename(filename);
  const zip = await openZip(filename, source, limits);

  const distInfoDirs = new Set<string>();
  for (const name of zip.entries.keys()) {
    const slash = name.indexOf('/');
    if (slash > 0 && name.slice(0, slash).endsWith('.dist-info')) distInfoDirs.add(name.slice(0, slash));
  }
  const expectedDir = `${wheelEscapeName(parsed.name)}-${normalizeVersion(parsed.version)}.dist-info`;
  if (distInfoDirs.size === 0) {
    throw new InvalidInputError(`${filename} is not a valid wheel: it has no .dist-info directory (expected ${expectedDir}/).`);
  }
  if (distInfoDirs.size > 1) {
    throw new InvalidInputError(
      `${filename} is not a valid wheel: it has ${distInfoDirs.size} .dist-info directories (${[...distInfoDirs].sort().join(', ')}); a wheel has exactly one.`,
    );
  }
  const dir = [...distInfoDirs][0]!;
  if (!dirMatches(dir.slice(0, -'.dist-info'.length), parsed.normalizedName, parsed.version)) {
    throw new InvalidInputError(
      `${filename} is not a valid wheel: its metadata directory ${dir}/ does not match the filename (expected ${expectedDir}/).`,
    );
  }
  const required = (file: string): ZipEntry => {
    const entry = zip.entries.get(`${dir}/${file}`);
    if (!entry) throw new InvalidInputError(`${filename} is not a valid wheel: ${dir}/${file} is missing.`);
    return entry;
  };
  const metadataEntry = required('METADATA');
  const wheelEntry = required('WHEEL');
  required('RECORD'); // Present, as the spec requires; its contents are the installer's business.

  const wheelFile = new TextDecoder().decode(await zip.read(wheelEntry, limits.maxWheelFileBytes));
  const wheelVersion = /^Wheel-Version:[ \t]*([0-9]+)\.([0-9]+)[ \t]*\r?$/im.exec(wheelFile);
  if (!wheelVersion) {
    throw new InvalidInputError(`${filename} is not a valid wheel: ${dir}/WHEEL has no valid Wheel-Version.`);
  }
  if (wheelVersion[1] !== '1') {
    throw new InvalidInputError(
      `${filename} has Wheel-Version ${wheelVersion[1]}.${wheelVersion[2]}; installers support only version 1.x wheels.`,
    );
  }

  const metadataBytes = await zip.read(metadataEntry, limits.maxCoreMetadataBytes);
  const metadata = parseCoreMetadata(metadataBytes, `${filename}: ${dir}/METADATA`);
  checkAgreement(filename, parsed, metadata);
  return result('bdist_wheel', parsed, metadata, metadataBytes);
}

// ---------------------------------------------------------------------------------------
// Sdists

/** Whether `path` (inside an sdist) is `{base}/PKG-INFO` for this sdist's base directory. */
function isTopLevelPkgInfo(path: string, stem: string, parsed: SdistFilename): boolean {
  const parts = path.replace(/^(\.\/)+/, '').split('/');
  if (parts.length !== 2 || parts[1] !== 'PKG-INFO') return false;
  const base = parts[0]!;
  return base === stem || dirMatches(base, parsed.normalizedName, parsed.version);
}

function finishSdist(filename: string, pkgInfoPath: string, pkgInfo: Uint8Array): InspectedDistribution {
  const metadata = parseCoreMetadata(pkgInfo, `${filename}: ${pkgInfoPath}`);
  let parsed: SdistFilename;
  try {
    // Split the filename where the metadata's Name says the name ends.
    parsed = parseSdistFilename(filename, metadata.name);
  } catch {
    throw new InvalidInputError(
      `${filename}: the filename does not start with the project name its metadata gives (Name: ${metadata.name}). Name the file ${wheelEscapeName(metadata.name)}-${normalizeVersion(metadata.version)}.tar.gz.`,
    );
  }
  checkAgreement(filename, parsed, metadata);
  // PEP 643: only 2.2+ metadata with nothing Dynamic is guaranteed to match the wheels built from it.
  const reliable = isMetadataVersionAtLeast(metadata.metadataVersion, '2.2') && metadata.dynamic.length === 0;
  return result('sdist', parsed, metadata, reliable ? pkgInfo : undefined);
}

function missingPkgInfo(filename: string, stem: string): InvalidInputError {
  return new InvalidInputError(
    `${filename} is not a valid source distribution: it has no ${stem}/PKG-INFO. Build sdists with a standard build backend (python -m build --sdist), which writes PKG-INFO into the top-level directory.`,
  );
}

async function inspectZipSdist(filename: string, source: RandomAccessSource, limits: InspectionLimits): Promise<InspectedDistribution> {
  const parsed = parseSdistFilename(filename);
  const stem = filename.slice(0, -'.zip'.length);
  const zip = await openZip(filename, source, limits);
  const entry = [...zip.entries.values()].find((e) => isTopLevelPkgInfo(e.name, stem, parsed));
  if (!entry) throw missingPkgInfo(filename, stem);
  return finishSdist(filename, entry.name, await zip.read(entry, limits.maxCoreMetadataBytes));
}

async function inspectTarSdist(filename: string, chunks: AsyncIterable<Uint8Array>, limits: InspectionLimits): Promise<InspectedDistribution> {
  const parsed = parseSdistFilename(filename);
  const stem = filename.slice(0, -'.tar.gz'.length);
  const scanLimits = {
    maxScanBytes: limits.maxTarScanBytes,
    maxExtensionBytes: limits.maxTarExtensionBytes,
    maxFileBytes: limits.maxCoreMetadataBytes,
  };
  let found: { path: string; data: Uint8Array } | undefined;
  try {
    found = await scanTarGz(filename, chunks, scanLimits, (path) => isTopLevelPkgInfo(path, stem, parsed));
  } catch (error) {
    if (error instanceof TarScanLimitError) {
      throw new InvalidInputError(
        `${filename}: no PKG-INFO was found in the first ${formatBytes(limits.maxTarScanBytes)} of the unpacked archive. Put PKG-INFO in the top-level directory (python -m build --sdist does).`,
      );
    }
    throw error;
  }
  if (!found) throw missingPkgInfo(filename, stem);
  return finishSdist(filename, found.path, found.data);
}
