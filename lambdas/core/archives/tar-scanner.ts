/**
 * A .tar.gz read as a stream, for sdists from strangers: every entry is checked (path,
 * type, duplicates, sizes), the whole stream is read to its end-of-archive marker and the
 * gzip trailer (so a truncated or corrupt file is refused), nothing but the files wanted is
 * kept, and the bytes unpacked are counted against the limits as they come. Reads pax and
 * GNU long names; refuses links, devices and FIFOs.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { concatBytes, formatBytes } from '../bytes.ts';
import { InvalidInputError } from '../errors.ts';
import { type ArchiveLimits, checkRatio, checkTotals } from './archive-limits.ts';
import { DuplicateEntryGuard, assertSafeArchivePath } from './archive-paths.ts';

export interface TarScanLimits extends ArchiveLimits {
  /** The largest pax extended header or GNU long name read. */
  readonly maxExtensionBytes: number;
  /** The largest wanted file read; a larger one is an InvalidInputError. */
  readonly maxFileBytes: number;
}

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
    /** Called after each chunk with the total pulled so far; throws to stop. */
    private readonly onProgress: (consumed: number) => void,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async fill(bytes: number): Promise<boolean> {
    while (this.bufferedBytes < bytes) {
      const next = await this.iterator.next();
      if (next.done) return false;
      this.consumed += next.value.byteLength;
      this.onProgress(this.consumed);
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

  /** Drops whatever is buffered. */
  async skipBuffered(): Promise<void> {
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

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

const TYPE_NAMES: ReadonlyMap<string, string> = new Map([
  ['1', 'a hard link'],
  ['2', 'a symbolic link'],
  ['3', 'a character device'],
  ['4', 'a block device'],
  ['6', 'a FIFO'],
]);

/** One entry as scanTarGz reports it. */
export interface TarEntryInfo {
  readonly path: string;
  readonly isDirectory: boolean;
}

/**
 * Streams a whole .tar.gz, checking every entry, and returns the regular files whose path
 * `wanted` accepts (each at most maxFileBytes, read into memory); `visit` sees every
 * entry. Throws InvalidInputError, naming the file, for anything wrong with the archive:
 * an unsafe path, a link or special file, a name twice, a limit passed, a stream that
 * ends before its end-of-archive marker or fails its gzip CRC.
 */
export async function scanTarGz(
  filename: string,
  chunks: AsyncIterable<Uint8Array>,
  limits: TarScanLimits,
  wanted: (path: string) => boolean,
  visit: (entry: TarEntryInfo) => void = () => undefined,
): Promise<{ path: string; data: Uint8Array }[]> {
  let compressed = 0;
  const counted = (async function* () {
    for await (const chunk of chunks) {
      compressed += chunk.byteLength;
      yield chunk;
    }
  })();
  const source = Readable.from(counted, { objectMode: false });
  const gunzip = createGunzip();
  source.pipe(gunzip);
  const reader = new ChunkReader(gunzip, (unpacked) => {
    checkRatio(filename, limits, 'it unpacks to', unpacked, compressed);
    // The tar stream itself (headers, padding) counts towards the total, so it is bounded too.
    if (unpacked > limits.maxTotalBytes + 64 * 1024 * 1024) checkTotals(filename, limits, 'the archive', 0, unpacked, 'unpacks to');
  });
  const extensionLimit = limits.maxExtensionBytes;
  const pad = (size: number): number => (512 - (size % 512)) % 512;
  const duplicates = new DuplicateEntryGuard(filename);
  const found: { path: string; data: Uint8Array }[] = [];
  let total = 0;
  let entries = 0;

  try {
    let pax = new Map<string, string>();
    let longName: string | undefined;
    for (;;) {
      const block = await reader.read(512);
      if (block === undefined) throw new TarFormatError('it ends before its end-of-archive marker (the file is truncated)');
      const header = parseTarHeader(block);
      if (header === 'end') break;
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
        // A global pax header, a GNU long link name: nothing that names an entry.
        if (size > extensionLimit) throw new TarFormatError(`an extended header is larger than ${formatBytes(extensionLimit)}`);
        await reader.skip(size + pad(size));
        continue;
      }

      const path = pax.get('path') ?? longName ?? header.name;
      pax = new Map();
      longName = undefined;
      if (++entries > limits.maxEntries) {
        throw new InvalidInputError(`${filename} has more than ${limits.maxEntries} entries, the most this index accepts in one distribution.`);
      }
      assertSafeArchivePath(filename, path);
      const special = TYPE_NAMES.get(header.type);
      if (special !== undefined) {
        throw new InvalidInputError(
          `${filename} contains ${JSON.stringify(path)}, which is ${special}: a source distribution holds only regular files and directories. Rebuild it with the link replaced by the file it points at.`,
        );
      }
      const isDirectory = header.type === '5';
      if (!isDirectory && header.type !== '0' && header.type !== '7') {
        throw new InvalidInputError(
          `${filename} contains ${JSON.stringify(path)}, a tar entry of type ${JSON.stringify(header.type)} that installers do not extract as a file. Rebuild the sdist with a standard build backend (python -m build --sdist).`,
        );
      }
      duplicates.add(path, isDirectory);
      visit({ path, isDirectory });
      if (isDirectory) {
        await reader.skip(size + pad(size));
        continue;
      }
      total += size;
      checkTotals(filename, limits, path, size, total, 'unpacks to');
      if (wanted(path)) {
        if (size > limits.maxFileBytes) {
          throw new InvalidInputError(
            `${filename}: ${path} is ${size} bytes, more than the ${formatBytes(limits.maxFileBytes)} this index reads from such a file.`,
          );
        }
        const data = (await reader.read(size)) ?? new Uint8Array(0);
        if (data.byteLength !== size) throw new TarFormatError('the archive is truncated');
        found.push({ path, data: Uint8Array.from(data) });
        await reader.skip(pad(size));
      } else {
        await reader.skip(size + pad(size));
      }
    }
    // Past the marker: the record padding, then the gzip trailer, whose CRC and length
    // zlib checks when the stream ends. A truncated file fails here.
    while ((await reader.read(1)) !== undefined) await reader.skipBuffered();
    return found;
  } catch (error) {
    if (error instanceof TarFormatError) {
      throw new InvalidInputError(`${filename} is not a valid tar.gz archive: ${error.message}. Build it again (python -m build --sdist) and upload the complete file.`);
    }
    // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR...): not gzip, corrupt data, truncated file, bad checksum.
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && typeof code === 'string' && code.startsWith('Z_')) {
      throw new InvalidInputError(`${filename} is not a valid tar.gz archive: ${error.message}. Build it again (python -m build --sdist) and upload the complete file.`);
    }
    throw error;
  } finally {
    source.unpipe(gunzip);
    source.destroy();
    gunzip.destroy();
    await reader.close().catch(() => undefined);
  }
}
