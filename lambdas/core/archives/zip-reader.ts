/**
 * A zip reader for archives that come from strangers (wheels, legacy .zip sdists): random
 * access over a source. openZip reads the central directory and checks every entry's
 * path, type, declared sizes and place in the file; read() inflates one entry asked for;
 * verifyAll() walks every entry in file order, checks that its local header agrees with
 * the central directory, and inflates it through a counter and a CRC without keeping the
 * bytes, so a multi-GB wheel is checked in bounded memory.
 *
 * The central directory is read here rather than through fflate's `unzipSync`, because
 * `unzipSync` reads whatever an out-of-range offset points at, keeps the last of two
 * same-named entries, and silently truncates an entry that inflates past its declared
 * size. Node's zlib does the inflating: several times faster than fflate's JavaScript,
 * which matters when a 1.3 GB wheel is inflated whole inside a Lambda's 15 minutes.
 */
import { once } from 'node:events';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';

import { MiB, formatBytes } from '../bytes.ts';
import { InvalidInputError } from '../errors.ts';
import { type ArchiveLimits, checkRatio, checkTotals } from './archive-limits.ts';
import { DuplicateEntryGuard, assertSafeArchivePath } from './archive-paths.ts';

export interface ZipEntry {
  readonly name: string;
  /** The name as stored, to compare with the local header's. */
  readonly nameBytes: Uint8Array;
  /** Unix mode bits (external attributes >> 16); 0 when the archiver wrote none. */
  readonly mode: number;
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
async function readZipDirectory(source: RandomAccessSource): Promise<{ entries: ZipEntry[]; directoryOffset: number }> {
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
    const externalAttributes = view.getUint32(p + 38, true);
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
    const nameBytes = bytes.slice(nameStart, extraStart);
    const name = zipNameDecoder.decode(nameBytes);

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
    entries.push({ name, nameBytes, mode: externalAttributes >>> 16, flags, method, crc, compressedSize, size, localHeaderOffset });
    p = next;
  }
  return { entries, directoryOffset };
}

const UNIX_FILE_TYPE = 0o170000;
const UNIX_REGULAR = 0o100000;
const UNIX_DIRECTORY = 0o040000;
const UNIX_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0o120000, 'a symbolic link'],
  [0o020000, 'a character device'],
  [0o060000, 'a block device'],
  [0o010000, 'a FIFO'],
  [0o140000, 'a socket'],
]);

/** Checks what the central directory says of an entry, before any of its data is read. */
function checkEntryType(filename: string, entry: ZipEntry): void {
  const type = entry.mode & UNIX_FILE_TYPE;
  if (type !== 0 && type !== UNIX_REGULAR && type !== UNIX_DIRECTORY) {
    const what = UNIX_TYPE_NAMES.get(type) ?? `a special file (mode ${entry.mode.toString(8)})`;
    throw new InvalidInputError(
      `${filename} contains ${JSON.stringify(entry.name)}, which is ${what}: a distribution holds only regular files and directories. Rebuild it with the link replaced by the file it points at.`,
    );
  }
  if (entry.flags & 0x1) throw new ZipFormatError(`${JSON.stringify(entry.name)} is encrypted`);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipFormatError(`${JSON.stringify(entry.name)} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
  }
  if (entry.method === 0 && entry.compressedSize !== entry.size) {
    throw new ZipFormatError(`the sizes of the stored entry ${JSON.stringify(entry.name)} disagree`);
  }
  // Deflate cannot expand more than 1032:1; an entry that claims more is lying.
  if (entry.method === 8 && entry.size > entry.compressedSize * 1032 + 1024) {
    throw new ZipFormatError(`${JSON.stringify(entry.name)} claims an impossible compression ratio (${entry.compressedSize} → ${entry.size} bytes)`);
  }
  // Deflate adds at most 5 bytes per 16 KiB stored block: more compressed bytes than that
  // for the declared size is a lie, and would make a ranged read fetch them for nothing.
  if (entry.compressedSize > entry.size + Math.ceil(entry.size / 16384) * 5 + 1024) {
    throw new ZipFormatError(`${JSON.stringify(entry.name)} claims ${entry.compressedSize} compressed bytes for ${entry.size} bytes of data`);
  }
}

/** What a local file header says, and where the entry's data begins. */
interface LocalHeader {
  readonly dataStart: number;
}

/** Reads an entry's local header and checks that it agrees with the central directory. */
function checkLocalHeader(entry: ZipEntry, header: Uint8Array): LocalHeader {
  const label = JSON.stringify(entry.name);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.byteLength < 30 || view.getUint32(0, true) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`the local header of ${label} is missing or damaged`);
  }
  const nameLength = view.getUint16(26, true);
  const extraLength = view.getUint16(28, true);
  if (header.byteLength < 30 + nameLength + extraLength) throw new ZipFormatError(`the local header of ${label} is truncated`);
  const localName = header.subarray(30, 30 + nameLength);
  if (!bytesEqual(localName, entry.nameBytes)) {
    // Python's zipfile (so pip) refuses this as BadZipFile; other tools extract the local name.
    throw new ZipFormatError(
      `the local header of ${label} names it ${JSON.stringify(zipNameDecoder.decode(localName))}: the two headers of an entry must agree`,
    );
  }
  const method = view.getUint16(8, true);
  if (method !== entry.method) {
    throw new ZipFormatError(`the local header of ${label} gives compression method ${method}, the central directory ${entry.method}`);
  }
  let crc = view.getUint32(14, true);
  let compressedSize = view.getUint32(18, true);
  let size = view.getUint32(22, true);
  if (size === 0xffffffff || compressedSize === 0xffffffff) {
    // ZIP64 in a local header: both sizes, uncompressed first.
    const extra = new DataView(header.buffer, header.byteOffset + 30 + nameLength, extraLength);
    for (let e = 0; e + 4 <= extraLength; ) {
      const id = extra.getUint16(e, true);
      const dataLength = extra.getUint16(e + 2, true);
      if (id === 0x0001 && dataLength >= 16 && e + 4 + 16 <= extraLength) {
        size = u64(extra, e + 4);
        compressedSize = u64(extra, e + 12);
      }
      e += 4 + dataLength;
    }
  }
  // With a data descriptor (flag bit 3) the local header may leave CRC and sizes as zero.
  const deferred = (entry.flags & 0x8) !== 0;
  const agrees = (local: number, central: number) => local === central || (deferred && local === 0);
  if (!agrees(crc >>> 0, entry.crc >>> 0) || !agrees(compressedSize, entry.compressedSize) || !agrees(size, entry.size)) {
    throw new ZipFormatError(
      `the local header of ${label} gives other sizes or CRC than the central directory (${compressedSize}/${size}/${crc.toString(16)} against ${entry.compressedSize}/${entry.size}/${entry.crc.toString(16)})`,
    );
  }
  return { dataStart: entry.localHeaderOffset + 30 + nameLength + extraLength };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Sequential reads over a random-access source through one window, so walking a
 * wheel of 16,000 small files costs a few dozen ranged reads, not 32,000.
 */
class WindowedReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;

  constructor(
    private readonly source: RandomAccessSource,
    private readonly windowBytes: number,
  ) {}

  /** Exactly `length` bytes at `offset` (length at most windowBytes), a view valid until the next call. */
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length;
    if (end > this.source.size) throw new ZipFormatError('an entry lies past the end of the file (the file is truncated)');
    const windowEnd = this.windowStart + this.window.byteLength;
    if (offset < this.windowStart || end > windowEnd) {
      const count = Math.min(Math.max(this.windowBytes, length), this.source.size - offset);
      if (offset >= this.windowStart && offset < windowEnd) {
        // Keep the part already read; fetch only what follows it.
        const kept = this.window.subarray(offset - this.windowStart);
        const next = new Uint8Array(count);
        next.set(kept);
        next.set(await this.source.read(windowEnd, count - kept.byteLength), kept.byteLength);
        this.window = next;
      } else {
        this.window = await this.source.read(offset, count);
      }
      this.windowStart = offset;
    }
    return this.window.subarray(offset - this.windowStart, end - this.windowStart);
  }
}

const READ_WINDOW = 8 * MiB;
/** Entries up to this size are inflated in one call; larger ones are streamed, so memory stays bounded. */
const ONE_SHOT_BYTES = 16 * MiB;
const STREAM_STEP = 1 * MiB;

/**
 * Feeds an entry's compressed bytes through inflate (or straight through, stored),
 * handing each piece of output to `sink`, refusing output past the declared size and a
 * stream that ends early or fails its CRC. Holds at most ONE_SHOT_BYTES of output and a
 * window of input at a time.
 */
async function inflateEntry(
  entry: ZipEntry,
  dataStart: number,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  sink: (chunk: Uint8Array) => void,
): Promise<void> {
  const label = JSON.stringify(entry.name);
  let written = 0;
  let crc = 0;
  const take = (chunk: Uint8Array): void => {
    if (written + chunk.byteLength > entry.size) throw new ZipFormatError(`${label} inflates to more than its declared ${entry.size} bytes`);
    written += chunk.byteLength;
    crc = crc32(chunk, crc);
    sink(chunk);
  };
  const corrupt = (error: unknown): never => {
    if (error instanceof ZipFormatError) throw error;
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ZipFormatError(`${label} inflates to more than its declared ${entry.size} bytes`);
    }
    throw new ZipFormatError(`${label} is corrupt (${error instanceof Error ? error.message : String(error)})`);
  };
  if (entry.method === 0) {
    for (let offset = 0; offset < entry.compressedSize; offset += STREAM_STEP) {
      take(await read(dataStart + offset, Math.min(STREAM_STEP, entry.compressedSize - offset)));
    }
  } else if (entry.size <= ONE_SHOT_BYTES && entry.compressedSize <= ONE_SHOT_BYTES) {
    const data = entry.compressedSize === 0 ? new Uint8Array(0) : await read(dataStart, entry.compressedSize);
    let out: Uint8Array;
    try {
      // maxOutputLength makes zlib stop (ERR_BUFFER_TOO_LARGE) rather than inflate past the declared size.
      out = inflateRawSync(data, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (error) {
      return corrupt(error);
    }
    take(out);
  } else {
    const inflater = createInflateRaw({ chunkSize: 256 * 1024 });
    const finished = new Promise<void>((resolve, reject) => {
      inflater.on('end', resolve);
      inflater.on('error', reject);
    });
    finished.catch(() => undefined);
    inflater.on('data', (chunk: Uint8Array) => {
      try {
        take(chunk);
      } catch (error) {
        inflater.destroy(error as Error);
      }
    });
    try {
      for (let offset = 0; offset < entry.compressedSize; offset += STREAM_STEP) {
        const piece = await read(dataStart + offset, Math.min(STREAM_STEP, entry.compressedSize - offset));
        if (inflater.destroyed) break;
        if (!inflater.write(piece)) await Promise.race([once(inflater, 'drain'), finished]);
      }
      inflater.end();
      await finished;
    } catch (error) {
      inflater.destroy();
      return corrupt(error);
    }
  }
  if (written !== entry.size) {
    throw new ZipFormatError(`${label} is corrupt: it inflates to ${written} bytes, not the declared ${entry.size}`);
  }
  if (crc >>> 0 !== entry.crc >>> 0) throw new ZipFormatError(`${label} fails its CRC-32 check`);
}

/** A zip whose directory has been read and checked. */
export interface OpenedZip {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's bytes, refused (InvalidInputError) when it declares more than `max` uncompressed. */
  read(entry: ZipEntry, max: number): Promise<Uint8Array>;
  /**
   * Inflates every entry in file order, keeping none of it: local headers agree with the
   * central directory, entries do not overlap, each inflates to exactly its declared size
   * and CRC. Throws InvalidInputError naming the first thing wrong.
   */
  verifyAll(): Promise<void>;
}

/** Reads a zip's directory and checks every entry; ZipFormatErrors become InvalidInputErrors. */
export async function openZip(filename: string, source: RandomAccessSource, limits: ArchiveLimits): Promise<OpenedZip> {
  const fail = (error: unknown): never => {
    if (error instanceof ZipFormatError) {
      throw new InvalidInputError(`${filename} is not a valid zip archive: ${error.message}. Rebuild it with a standard build backend.`);
    }
    throw error;
  };
  let list: ZipEntry[] = [];
  let directoryOffset = 0;
  try {
    ({ entries: list, directoryOffset } = await readZipDirectory(source));
    if (list.length > limits.maxEntries) {
      throw new InvalidInputError(
        `${filename} has ${list.length} entries, more than the ${limits.maxEntries} this index accepts in one distribution.`,
      );
    }
    const entries = new Map<string, ZipEntry>();
    const duplicates = new DuplicateEntryGuard(filename);
    let declaredTotal = 0;
    for (const entry of list) {
      assertSafeArchivePath(filename, entry.name);
      duplicates.add(entry.name, entry.name.endsWith('/'));
      checkEntryType(filename, entry);
      checkRatio(filename, limits, `${entry.name} declares`, entry.size, entry.compressedSize);
      declaredTotal += entry.size;
      checkTotals(filename, limits, entry.name, entry.size, declaredTotal, 'declares');
      entries.set(entry.name, entry);
    }
    checkRatio(filename, limits, 'its entries declare', declaredTotal, source.size);
    // Entries in file order, none reaching into the next or into the central directory:
    // overlapping entries are how a small zip inflates to terabytes.
    const ordered = [...list].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
    for (let i = 0; i < ordered.length; i++) {
      const entry = ordered[i]!;
      const next = ordered[i + 1]?.localHeaderOffset ?? directoryOffset;
      if (entry.localHeaderOffset + 30 + entry.nameBytes.byteLength + entry.compressedSize > next) {
        throw new ZipFormatError(`the data of ${JSON.stringify(entry.name)} overlaps the next entry or the central directory`);
      }
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
          const header = await source.read(entry.localHeaderOffset, Math.min(30 + 0xffff * 2, source.size - entry.localHeaderOffset));
          const { dataStart } = checkLocalHeader(entry, header);
          if (dataStart + entry.compressedSize > source.size) throw new ZipFormatError(`the data of ${JSON.stringify(entry.name)} is truncated`);
          const out = new Uint8Array(entry.size);
          let at = 0;
          await inflateEntry(entry, dataStart, (offset, length) => source.read(offset, length), (chunk) => {
            out.set(chunk, at);
            at += chunk.byteLength;
          });
          return out;
        } catch (error) {
          return fail(error);
        }
      },
      async verifyAll() {
        const reader = new WindowedReader(source, READ_WINDOW);
        try {
          for (let i = 0; i < ordered.length; i++) {
            const entry = ordered[i]!;
            const next = ordered[i + 1]?.localHeaderOffset ?? directoryOffset;
            const fixed = await reader.bytes(entry.localHeaderOffset, 30);
            const view = new DataView(fixed.buffer, fixed.byteOffset, 30);
            const headerLength = 30 + (view.getUint32(0, true) === LOCAL_SIGNATURE ? view.getUint16(26, true) + view.getUint16(28, true) : 0);
            if (entry.localHeaderOffset + headerLength > source.size) throw new ZipFormatError(`the local header of ${JSON.stringify(entry.name)} is truncated`);
            const { dataStart } = checkLocalHeader(entry, (await reader.bytes(entry.localHeaderOffset, headerLength)).slice());
            if (dataStart + entry.compressedSize > next) {
              throw new ZipFormatError(`the data of ${JSON.stringify(entry.name)} overlaps the next entry or the central directory`);
            }
            await inflateEntry(entry, dataStart, (offset, length) => reader.bytes(offset, length), () => undefined);
          }
        } catch (error) {
          fail(error);
        }
      },
    };
  } catch (error) {
    return fail(error);
  }
}
