/**
 * Reads what the index needs out of an uploaded distribution: its core metadata, checked
 * against the filename. Archives come from strangers, so nothing is trusted: only the
 * few entries needed are ever decompressed, each within a size limit and with its CRC
 * checked, and a tarball is scanned as a stream that stops at PKG-INFO.
 *
 * The zip central directory is read here rather than through fflate's `unzipSync`,
 * because `unzipSync` reads whatever an out-of-range offset points at, keeps the last of
 * two same-named entries, and silently truncates an entry that inflates past its
 * declared size. fflate still does the inflating.
 */
import { Readable } from 'node:stream';
import { createGunzip, crc32 } from 'node:zlib';

import { Inflate } from 'fflate';

import { concatBytes } from './bytes.ts';
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

const MiB = 1024 * 1024;

function formatBytes(bytes: number): string {
  return bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

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

/** A path inside an archive that would escape the extraction directory. */
function isUnsafeArchivePath(path: string): boolean {
  return (
    path.startsWith('/') ||
    path.startsWith('\\') ||
    /^[A-Za-z]:/.test(path) ||
    path.split(/[/\\]/).includes('..') ||
    path.includes('\0')
  );
}

function assertSafeArchivePath(filename: string, path: string): void {
  if (isUnsafeArchivePath(path)) {
    throw new InvalidInputError(
      `${filename} contains the entry ${JSON.stringify(path)}, an absolute path or one with "..": archive entries must stay inside the archive's own directory.`,
    );
  }
}

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
// Zip (wheels, legacy .zip sdists)

interface ZipEntry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** Thrown inside the zip reader; turned into an InvalidInputError naming the file. */
class ZipFormatError extends Error {}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const zipNameDecoder = new TextDecoder('utf-8');

function u64(view: DataView, offset: number): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('a ZIP64 size or offset is out of range');
  return Number(value);
}

/**
 * Random access to an archive's bytes: the bytes in memory (the legacy upload), or ranged
 * reads of a stored object (an upload session), so a wheel's METADATA is read without
 * fetching the whole file.
 */
export interface RandomAccessSource {
  readonly size: number;
  /** Exactly `length` bytes from `offset` (the caller keeps within `size`). */
  read(offset: number, length: number): Promise<Uint8Array>;
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
 * The largest central directory read. A wheel with 100,000 files has one of about 10 MiB;
 * one that claims more is damaged or hostile, and reading it would cost memory.
 */
const MAX_CENTRAL_DIRECTORY_BYTES = 64 * MiB;

/** Reads the central directory: every entry's name, sizes and where its data is. */
async function readZipDirectory(source: RandomAccessSource): Promise<ZipEntry[]> {
  const length = source.size;
  const tailLength = Math.min(length, 22 + 0xffff);
  const tailStart = length - tailLength;
  const tail = await source.read(tailStart, tailLength);
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocdInTail = -1;
  for (let p = tailLength - 22; p >= 0; p--) {
    if (tailView.getUint32(p, true) === EOCD_SIGNATURE) {
      eocdInTail = p;
      break;
    }
  }
  if (eocdInTail < 0) throw new ZipFormatError('no end of central directory record (the file is truncated or not a zip)');
  const eocd = tailStart + eocdInTail;
  // Bytes at an absolute offset: from the tail already read when they lie there.
  const at = async (offset: number, count: number): Promise<DataView> => {
    const bytes = offset >= tailStart ? tail.subarray(offset - tailStart, offset - tailStart + count) : await source.read(offset, count);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };

  const eocdView = await at(eocd, 22);
  let entryCount = eocdView.getUint16(10, true);
  let directorySize = eocdView.getUint32(12, true);
  let directoryOffset = eocdView.getUint32(16, true);
  let directoryEnd = eocd;
  // Disk numbers other than 0 (or 0xffff, "see the ZIP64 record") mean a multi-volume archive.
  for (const disk of [eocdView.getUint16(4, true), eocdView.getUint16(6, true)]) {
    if (disk !== 0 && disk !== 0xffff) throw new ZipFormatError('multi-volume archives are not supported');
  }
  const locator = eocd - 20;
  if (locator >= 0 && (await at(locator, 20)).getUint32(0, true) === ZIP64_LOCATOR_SIGNATURE) {
    const record = u64(await at(locator, 20), 8);
    if (record + 56 > locator) throw new ZipFormatError('the ZIP64 end of central directory record is missing or damaged');
    const view = await at(record, 56);
    if (view.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) {
      throw new ZipFormatError('the ZIP64 end of central directory record is missing or damaged');
    }
    if (view.getUint32(16, true) !== 0 || view.getUint32(20, true) !== 0) {
      throw new ZipFormatError('multi-volume archives are not supported');
    }
    entryCount = u64(view, 32);
    directorySize = u64(view, 40);
    directoryOffset = u64(view, 48);
    directoryEnd = record;
  }
  if (directoryOffset + directorySize > directoryEnd) {
    throw new ZipFormatError('the central directory lies outside the file (the file is truncated or damaged)');
  }
  if (directorySize > MAX_CENTRAL_DIRECTORY_BYTES) {
    throw new ZipFormatError(`the central directory is ${directorySize} bytes, more than the ${formatBytes(MAX_CENTRAL_DIRECTORY_BYTES)} this index reads`);
  }
  const bytes = directorySize === 0 ? new Uint8Array(0) : await source.read(directoryOffset, directorySize);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const entries: ZipEntry[] = [];
  let p = 0;
  const limit = directorySize;
  for (let i = 0; i < entryCount; i++) {
    if (p + 46 > limit || view.getUint32(p, true) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`central directory entry ${i + 1} of ${entryCount} is damaged`);
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const nameStart = p + 46;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > limit) throw new ZipFormatError(`central directory entry ${i + 1} of ${entryCount} is damaged`);
    const name = zipNameDecoder.decode(bytes.subarray(nameStart, extraStart));

    // ZIP64 extended information: 64-bit values for the fields saturated at 0xffffffff, in order.
    for (let e = extraStart; e + 4 <= extraStart + extraLength; ) {
      const id = view.getUint16(e, true);
      const dataLength = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const end = q + dataLength;
        const take = (): number => {
          if (q + 8 > end) throw new ZipFormatError(`the ZIP64 data of ${JSON.stringify(name)} is damaged`);
          const v = u64(view, q);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + dataLength;
    }
    entries.push({ name, flags, method, crc, compressedSize, size, localHeaderOffset });
    p = next;
  }
  return entries;
}

/** Decompresses one entry, never producing more than its declared size, and checks its CRC. */
async function readZipEntry(source: RandomAccessSource, entry: ZipEntry, maxDeflateRatio: number): Promise<Uint8Array> {
  const label = JSON.stringify(entry.name);
  if (entry.flags & 0x1) throw new ZipFormatError(`${label} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipFormatError(`${label} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
  }
  if (entry.method === 8 && entry.size > entry.compressedSize * maxDeflateRatio + 1024) {
    throw new ZipFormatError(`${label} claims an impossible compression ratio (${entry.compressedSize} → ${entry.size} bytes)`);
  }
  // Deflate adds at most 5 bytes per 16 KiB stored block: more compressed bytes than that
  // for the declared size is a lie, and would make a ranged read fetch them for nothing.
  if (entry.compressedSize > entry.size + Math.ceil(entry.size / 16384) * 5 + 1024) {
    throw new ZipFormatError(`${label} claims ${entry.compressedSize} compressed bytes for ${entry.size} bytes of data`);
  }
  const header = entry.localHeaderOffset;
  if (header + 30 > source.size) throw new ZipFormatError(`the local header of ${label} is missing or damaged`);
  const headerBytes = await source.read(header, 30);
  const view = new DataView(headerBytes.buffer, headerBytes.byteOffset, headerBytes.byteLength);
  if (view.getUint32(0, true) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`the local header of ${label} is missing or damaged`);
  }
  const dataStart = header + 30 + view.getUint16(26, true) + view.getUint16(28, true);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > source.size) throw new ZipFormatError(`the data of ${label} is truncated`);
  const data = entry.compressedSize === 0 ? new Uint8Array(0) : await source.read(dataStart, entry.compressedSize);

  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new ZipFormatError(`the sizes of the stored entry ${label} disagree`);
    out = data.slice();
  } else {
    out = new Uint8Array(entry.size);
    let written = 0;
    let ended = false;
    const inflater = new Inflate((chunk, final) => {
      if (written + chunk.length > entry.size) throw new ZipFormatError(`${label} inflates to more than its declared ${entry.size} bytes`);
      out.set(chunk, written);
      written += chunk.length;
      ended ||= final;
    });
    // Small pushes bound how much one push can inflate (at most 1032 × 4 KiB).
    const step = 4096;
    try {
      for (let offset = 0; offset < data.length; offset += step) {
        inflater.push(data.subarray(offset, offset + step), offset + step >= data.length);
      }
      if (data.length === 0) inflater.push(data, true);
    } catch (error) {
      if (error instanceof ZipFormatError) throw error;
      throw new ZipFormatError(`${label} is corrupt (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!ended || written !== entry.size) {
      throw new ZipFormatError(`${label} is corrupt: it inflates to ${written} bytes, not the declared ${entry.size}`);
    }
  }
  if (crc32(out) >>> 0 !== entry.crc >>> 0) throw new ZipFormatError(`${label} fails its CRC-32 check`);
  return out;
}

/** Reads a zip's directory and checks every path; ZipFormatErrors become InvalidInputErrors. */
async function openZip(
  filename: string,
  source: RandomAccessSource,
  limits: InspectionLimits,
): Promise<{ entries: Map<string, ZipEntry>; read(entry: ZipEntry, max: number): Promise<Uint8Array> }> {
  const fail = (error: unknown): never => {
    if (error instanceof ZipFormatError) {
      throw new InvalidInputError(`${filename} is not a valid zip archive: ${error.message}.`);
    }
    throw error;
  };
  let list: ZipEntry[] = [];
  try {
    list = await readZipDirectory(source);
  } catch (error) {
    fail(error);
  }
  const entries = new Map<string, ZipEntry>();
  for (const entry of list) {
    assertSafeArchivePath(filename, entry.name);
    if (entries.has(entry.name)) {
      throw new InvalidInputError(`${filename} is not a valid zip archive: it contains ${JSON.stringify(entry.name)} twice.`);
    }
    entries.set(entry.name, entry);
  }
  return {
    entries,
    async read(entry, max) {
      if (entry.size > max) {
        throw new InvalidInputError(
          `${filename}: ${entry.name} declares ${entry.size} bytes uncompressed, more than the ${formatBytes(max)} this index reads from such a file.`,
        );
      }
      try {
        return await readZipEntry(source, entry, limits.maxDeflateRatio);
      } catch (error) {
        return fail(error);
      }
    },
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
  const found = await scanTarGz(filename, chunks, limits, (path) => isTopLevelPkgInfo(path, stem, parsed));
  if (!found) throw missingPkgInfo(filename, stem);
  return finishSdist(filename, found.path, found.data);
}

// ---------------------------------------------------------------------------------------
// Tar (gzip-compressed), read as a stream

class TarFormatError extends Error {}

/** Pulls exact byte counts out of an async stream of chunks. */
class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  /** Total bytes pulled from the stream so far. */
  consumed = 0;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly maxBytes: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(bytes: number): Promise<boolean> {
    while (this.bufferedBytes < bytes) {
      const next = await this.iterator.next();
      if (next.done) return false;
      this.consumed += next.value.byteLength;
      if (this.consumed > this.maxBytes) throw new ScanLimitError();
      this.buffered.push(next.value);
      this.bufferedBytes += next.value.byteLength;
    }
    return true;
  }

  /** Exactly `bytes` bytes, or undefined at a clean end of stream. */
  async read(bytes: number): Promise<Uint8Array | undefined> {
    if (!(await this.fill(bytes))) {
      if (this.bufferedBytes === 0) return undefined;
      throw new TarFormatError('the archive ends in the middle of an entry (it is truncated)');
    }
    const joined = this.buffered.length === 1 ? this.buffered[0]! : concatBytes(this.buffered, this.bufferedBytes);
    const out = joined.subarray(0, bytes);
    const rest = joined.subarray(bytes);
    this.buffered = rest.byteLength > 0 ? [rest] : [];
    this.bufferedBytes = rest.byteLength;
    return out;
  }

  async skip(bytes: number): Promise<void> {
    let remaining = bytes;
    while (remaining > 0) {
      if (this.bufferedBytes === 0 && !(await this.fill(1))) {
        throw new TarFormatError('the archive ends in the middle of an entry (it is truncated)');
      }
      const head = this.buffered[0]!;
      if (head.byteLength <= remaining) {
        this.buffered.shift();
        this.bufferedBytes -= head.byteLength;
        remaining -= head.byteLength;
      } else {
        this.buffered[0] = head.subarray(remaining);
        this.bufferedBytes -= remaining;
        remaining = 0;
      }
    }
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

class ScanLimitError extends Error {}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function cString(block: Uint8Array, start: number, length: number): Uint8Array {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return nul === -1 ? field : field.subarray(0, nul);
}

/** A tar numeric field: octal text, or base-256 when the high bit of the first byte is set. */
function tarNumber(block: Uint8Array, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    if (!Number.isSafeInteger(value)) throw new TarFormatError('a size field is out of range');
    return value;
  }
  const text = latin1.decode(field).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError('a header has a malformed number field');
  return parseInt(text, 8);
}

interface TarHeader {
  readonly name: string;
  readonly size: number;
  readonly type: string;
}

function parseTarHeader(block: Uint8Array): TarHeader | 'end' {
  if (block.every((b) => b === 0)) return 'end';
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  let stored: number | undefined;
  try {
    stored = tarNumber(block, 148, 8);
  } catch {
    stored = undefined;
  }
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError('a header fails its checksum (the file is corrupt or not a tar archive)');
  }
  let name = utf8.decode(cString(block, 0, 100));
  // POSIX ustar ("ustar\0") splits long names into prefix + name; GNU ("ustar  ") does not.
  if (latin1.decode(block.subarray(257, 263)) === 'ustar\0') {
    const prefix = utf8.decode(cString(block, 345, 155));
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const typeByte = block[156]!;
  return { name, size: tarNumber(block, 124, 12), type: typeByte === 0 ? '0' : String.fromCharCode(typeByte) };
}

/** Pax extended header records: `"<length> <key>=<value>\n"`, repeated. */
function parsePax(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    const space = data.indexOf(0x20, p);
    if (space === -1) break;
    const length = Number(latin1.decode(data.subarray(p, space)));
    if (!Number.isSafeInteger(length) || length <= space - p || p + length > data.length) {
      throw new TarFormatError('a pax extended header is malformed');
    }
    const record = utf8.decode(data.subarray(space + 1, p + length)).replace(/\n$/, '');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    p += length;
  }
  return records;
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

/**
 * Streams a .tar.gz and returns the first regular file whose path `wanted` accepts, or
 * undefined when the archive has none. Never decompresses more than maxTarScanBytes and
 * stops as soon as the file is found.
 */
async function scanTarGz(
  filename: string,
  chunks: AsyncIterable<Uint8Array>,
  limits: InspectionLimits,
  wanted: (path: string) => boolean,
): Promise<{ path: string; data: Uint8Array } | undefined> {
  const source = Readable.from(chunks, { objectMode: false });
  const gunzip = createGunzip();
  source.pipe(gunzip);
  const reader = new ChunkReader(gunzip, limits.maxTarScanBytes);
  const extensionLimit = limits.maxTarExtensionBytes;
  const pad = (size: number): number => (512 - (size % 512)) % 512;

  try {
    let pax = new Map<string, string>();
    let longName: string | undefined;
    for (;;) {
      const block = await reader.read(512);
      if (block === undefined) return undefined; // No end-of-archive blocks; tolerated, as tar does.
      const header = parseTarHeader(block);
      if (header === 'end') return undefined;
      const sizeOverride = pax.get('size');
      const size = sizeOverride !== undefined && /^[0-9]+$/.test(sizeOverride) ? Number(sizeOverride) : header.size;

      if (header.type === 'x' || header.type === 'L') {
        if (size > extensionLimit) throw new TarFormatError(`an extended header is larger than ${formatBytes(extensionLimit)}`);
        const data = (await reader.read(size + pad(size))) ?? new Uint8Array(0);
        if (header.type === 'x') pax = parsePax(data.subarray(0, size));
        else longName = utf8.decode(cString(data, 0, size));
        continue;
      }
      if (header.type === 'g' || header.type === 'K') {
        await reader.skip(size + pad(size));
        continue;
      }

      const path = pax.get('path') ?? longName ?? header.name;
      pax = new Map();
      longName = undefined;
      assertSafeArchivePath(filename, path);
      if (wanted(path)) {
        if (header.type !== '0' && header.type !== '7') {
          throw new InvalidInputError(`${filename}: ${path} must be a regular file, not a link or special file.`);
        }
        if (size > limits.maxCoreMetadataBytes) {
          throw new InvalidInputError(
            `${filename}: ${path} is ${size} bytes, more than the ${formatBytes(limits.maxCoreMetadataBytes)} this index reads from such a file.`,
          );
        }
        const data = (await reader.read(size)) ?? new Uint8Array(0);
        if (data.byteLength !== size) throw new TarFormatError('the archive is truncated');
        return { path, data: Uint8Array.from(data) };
      }
      // Links, directories and devices carry no data blocks whatever their size field says.
      if (!/^[1-6]$/.test(header.type)) await reader.skip(size + pad(size));
    }
  } catch (error) {
    if (error instanceof TarFormatError) {
      throw new InvalidInputError(`${filename} is not a valid tar.gz archive: ${error.message}.`);
    }
    if (error instanceof ScanLimitError) {
      throw new InvalidInputError(
        `${filename}: no PKG-INFO was found in the first ${formatBytes(limits.maxTarScanBytes)} of the unpacked archive. Put PKG-INFO in the top-level directory (python -m build --sdist does).`,
      );
    }
    // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR...): not gzip, corrupt data, truncated file, bad checksum.
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && typeof code === 'string' && code.startsWith('Z_')) {
      throw new InvalidInputError(`${filename} is not a valid tar.gz archive: ${error.message}.`);
    }
    throw error;
  } finally {
    source.unpipe(gunzip);
    source.destroy();
    gunzip.destroy();
    await reader.close().catch(() => undefined);
  }
}
