/**
 * A zip reader for archives that come from strangers (wheels, legacy .zip sdists): random
 * access over a source, so only the central directory and the entries asked for are ever
 * read; each entry inflated within its declared size, with a bound on the compression
 * ratio, and its CRC checked; every path checked, and a name that appears twice refused.
 *
 * The central directory is read here rather than through fflate's `unzipSync`, because
 * `unzipSync` reads whatever an out-of-range offset points at, keeps the last of two
 * same-named entries, and silently truncates an entry that inflates past its declared
 * size. fflate still does the inflating.
 */
import { crc32 } from 'node:zlib';

import { Inflate } from 'fflate';

import { MiB, formatBytes } from '../bytes.ts';
import { InvalidInputError } from '../errors.ts';
import { assertSafeArchivePath } from './archive-paths.ts';

export interface ZipEntry {
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

/** A zip whose directory has been read and checked. */
export interface OpenedZip {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's bytes, refused (InvalidInputError) when it declares more than `max` uncompressed. */
  read(entry: ZipEntry, max: number): Promise<Uint8Array>;
}

/** Reads a zip's directory and checks every path; ZipFormatErrors become InvalidInputErrors. */
export async function openZip(
  filename: string,
  source: RandomAccessSource,
  limits: { readonly maxDeflateRatio: number },
): Promise<OpenedZip> {
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
