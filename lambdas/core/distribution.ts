/**
 * Reads what the index needs out of an uploaded distribution: its core metadata, checked
 * against the filename, and the wheel's own rules (one .dist-info directory named after
 * the filename, with METADATA, WHEEL and RECORD; Wheel-Version 1.x) or the sdist's
 * (one top-level directory holding exactly one PKG-INFO). Archives come from strangers,
 * so nothing is trusted, and the whole archive is checked, not just the entries read:
 * every member's path and type, no name twice, every member inflated (zip: local header
 * against central directory, CRC; tar.gz: to the end-of-archive marker and the gzip
 * trailer) within the limits below, counted and not kept. Every way in (legacy upload,
 * upload sessions, `wharf import`) comes through here, so the rules hold for all.
 */
import type { ArchiveLimits } from './archives/archive-limits.ts';
import { scanTarGz } from './archives/tar-scanner.ts';
import { type RandomAccessSource, type ZipEntry, openZip } from './archives/zip-reader.ts';
import { GiB, MiB, chunksOf } from './bytes.ts';
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
export const INSPECTION_LIMITS: Readonly<ArchiveLimits & {
  maxCoreMetadataBytes: number;
  maxWheelFileBytes: number;
  maxTarExtensionBytes: number;
}> = Object.freeze({
  /**
   * METADATA / PKG-INFO. The largest real ones carry a long README and changelog and stay
   * well under 2 MiB; 8 MiB leaves room without letting a file make us allocate much.
   */
  maxCoreMetadataBytes: 8 * MiB,
  /** WHEEL holds a handful of short lines. */
  maxWheelFileBytes: 64 * 1024,
  /** A pax extended header or GNU long name is a few hundred bytes at most. */
  maxTarExtensionBytes: 1 * MiB,
  /**
   * The largest real wheels (torch with CUDA, tensorflow) unpack to 1.3-3 GB (the
   * tensorflow_cpu wheel on the build machine's mirror: 1.27 GB from 340 MB); 8 GiB is
   * over twice that and still inflates within a few minutes of a 15-minute Lambda.
   */
  maxTotalBytes: 8 * GiB,
  /** The largest real member seen is a 788 MB libtensorflow_cc.so; 4 GiB is a zip's own limit without ZIP64. */
  maxMemberBytes: 4 * GiB,
  /**
   * Real wheels compress at most ~18:1 overall; single small members reach 1016:1 (onnx's
   * test data of zeros, 2.5 MB). So the ratio applies past a floor: above 32 MiB a member, or
   * the archive, may not unpack to more than 100 times its compressed size. A zip bomb of
   * 300 MB from 290 kB is 1025:1.
   */
  maxRatio: 100,
  ratioFloorBytes: 32 * MiB,
  /** The most files seen in a real wheel is 16,235 (cmeel-boost); a central directory of 64 MiB holds ~500,000. */
  maxEntries: 500_000,
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
  // Cheap checks first, so a wrong name is reported without inflating a GB first.
  await zip.verifyAll();
  return result('bdist_wheel', parsed, metadata, metadataBytes);
}

// ---------------------------------------------------------------------------------------
// Sdists

/** The directory an sdist's entry sits in (`./` prefixes dropped), and the rest of its path. */
function splitTop(path: string): [string, string] {
  const trimmed = path.replace(/^(\.\/)+/, '');
  const slash = trimmed.indexOf('/');
  return slash === -1 ? [trimmed, ''] : [trimmed.slice(0, slash), trimmed.slice(slash + 1).replace(/\/+$/, '')];
}

/**
 * The checks on an sdist's layout, fed entry by entry: everything in one top-level
 * directory (the sdist format; an installer strips that directory, so a second one would
 * land beside the project), and exactly one PKG-INFO directly in it.
 */
class SdistLayout {
  private top: string | undefined;

  constructor(
    private readonly filename: string,
    private readonly stem: string,
    private readonly parsed: SdistFilename,
  ) {}

  visit(path: string, isDirectory: boolean): void {
    const [top, rest] = splitTop(path);
    if (top === '') return; // `./` itself
    if (rest === '' && !isDirectory) {
      throw new InvalidInputError(
        `${this.filename} has ${JSON.stringify(path)} outside any directory: a source distribution holds everything in one top-level directory ${this.stem}/. Build it with python -m build --sdist.`,
      );
    }
    if (this.top === undefined) this.top = top;
    else if (top !== this.top) {
      throw new InvalidInputError(
        `${this.filename} has entries in two top-level directories (${JSON.stringify(this.top)} and ${JSON.stringify(top)}): a source distribution holds everything in one, ${this.stem}/. Build it with python -m build --sdist.`,
      );
    }
  }

  /** Whether `path` is a PKG-INFO directly in a top-level directory (the one that counts). */
  static isPkgInfo(path: string): boolean {
    const [top, rest] = splitTop(path);
    return top !== '' && rest === 'PKG-INFO';
  }

  /** The one PKG-INFO, checked to sit in this sdist's own directory. */
  pkgInfo(found: readonly { path: string; data: Uint8Array }[]): { path: string; data: Uint8Array } {
    if (found.length === 0) throw missingPkgInfo(this.filename, this.stem);
    if (found.length > 1) {
      throw new InvalidInputError(
        `${this.filename} has ${found.length} PKG-INFO files (${found.map((f) => f.path).join(', ')}): a source distribution has exactly one, ${this.stem}/PKG-INFO, or installers and this index could read different metadata. Build it with python -m build --sdist.`,
      );
    }
    const only = found[0]!;
    const [top] = splitTop(only.path);
    if (top !== this.stem && !dirMatches(top, this.parsed.normalizedName, this.parsed.version)) {
      throw new InvalidInputError(
        `${this.filename}: its top-level directory ${top}/ does not match the filename (expected ${this.stem}/). Rename the file or rebuild the sdist so they agree.`,
      );
    }
    return only;
  }
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
  const layout = new SdistLayout(filename, stem, parsed);
  const candidates: ZipEntry[] = [];
  for (const entry of zip.entries.values()) {
    layout.visit(entry.name, entry.name.endsWith('/'));
    if (SdistLayout.isPkgInfo(entry.name)) candidates.push(entry);
  }
  // Only names are needed to count PKG-INFOs; read the one that is left.
  const { path } = layout.pkgInfo(candidates.map((entry) => ({ path: entry.name, data: new Uint8Array(0) })));
  const pkgInfo = await zip.read(zip.entries.get(path)!, limits.maxCoreMetadataBytes);
  const inspected = finishSdist(filename, path, pkgInfo);
  await zip.verifyAll();
  return inspected;
}

async function inspectTarSdist(filename: string, chunks: AsyncIterable<Uint8Array>, limits: InspectionLimits): Promise<InspectedDistribution> {
  const parsed = parseSdistFilename(filename);
  const stem = filename.slice(0, -'.tar.gz'.length);
  const layout = new SdistLayout(filename, stem, parsed);
  const found = await scanTarGz(
    filename,
    chunks,
    { ...limits, maxExtensionBytes: limits.maxTarExtensionBytes, maxFileBytes: limits.maxCoreMetadataBytes },
    (path) => SdistLayout.isPkgInfo(path),
    (entry) => layout.visit(entry.path, entry.isDirectory),
  );
  const pkgInfo = layout.pkgInfo(found);
  return finishSdist(filename, pkgInfo.path, pkgInfo.data);
}
