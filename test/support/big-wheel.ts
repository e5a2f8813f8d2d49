/**
 * Writes a valid wheel of any size quickly: a random payload stored uncompressed (no
 * deflate to wait for), written to disk in chunks so a 1 GB wheel needs little memory.
 * pip installs it; RECORD carries real hashes.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

export interface BigWheel {
  readonly path: string;
  readonly filename: string;
  readonly size: number;
  readonly sha256: string;
  /** sha256 of the payload file inside the wheel (what an installed file must hash to). */
  readonly payloadSha256: string;
}

const b64url = (digest: Buffer) => digest.toString('base64url');

export interface BigWheelOptions {
  readonly name: string;
  readonly version: string;
  readonly payloadBytes: number;
  /** Metadata-Version of METADATA (default 2.1). */
  readonly metadataVersion?: string;
  /** Further METADATA header lines, e.g. `Import-Name: pkg` for 2.5. */
  readonly extraMetadata?: readonly string[];
}

export async function writeBigWheel(dir: string, options: BigWheelOptions): Promise<BigWheel> {
  const escaped = options.name.replace(/[-_.]+/g, '_');
  const filename = `${escaped}-${options.version}-py3-none-any.whl`;
  const dist = `${escaped}-${options.version}.dist-info`;
  const file = path.join(dir, filename);
  const handle = await open(file, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const record: string[] = [];

  const header = (name: Buffer, crc: number, size: number) => {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6); // UTF-8 names
    h.writeUInt16LE(0, 8); // stored
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(size, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(name.length, 26);
    return h;
  };
  const addCentral = (name: Buffer, crc: number, size: number, at: number) => {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(0x031e, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(size, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    c.writeUInt32LE(at, 42);
    central.push(c, name);
  };
  const addSmall = async (entry: string, content: string | Buffer, inRecord = true) => {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const name = Buffer.from(entry);
    const crc = crc32(data);
    await handle.write(Buffer.concat([header(name, crc, data.length), name, data]), 0, undefined, offset);
    addCentral(name, crc, data.length, offset);
    offset += 30 + name.length + data.length;
    if (inRecord) record.push(`${entry},sha256=${b64url(createHash('sha256').update(data).digest())},${data.length}`);
  };

  await addSmall(`${escaped}/__init__.py`, `"""A wheel with a ${options.payloadBytes}-byte payload, made for tests."""\n`);

  // The payload: header first, then chunks, then the CRC patched into the header.
  const payloadName = Buffer.from(`${escaped}/payload.bin`);
  const payloadHeaderAt = offset;
  await handle.write(Buffer.concat([header(payloadName, 0, options.payloadBytes), payloadName]), 0, undefined, offset);
  offset += 30 + payloadName.length;
  const hash = createHash('sha256');
  let crc = 0;
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  for (let left = options.payloadBytes; left > 0; ) {
    const n = Math.min(left, chunk.length);
    const piece = chunk.subarray(0, n);
    randomFillSync(piece);
    crc = crc32(piece, crc);
    hash.update(piece);
    await handle.write(piece, 0, n, offset);
    offset += n;
    left -= n;
  }
  const crcBytes = Buffer.alloc(4);
  crcBytes.writeUInt32LE(crc >>> 0);
  await handle.write(crcBytes, 0, 4, payloadHeaderAt + 14);
  addCentral(payloadName, crc, options.payloadBytes, payloadHeaderAt);
  const payloadSha256 = hash.digest('hex');
  record.push(`${escaped}/payload.bin,sha256=${Buffer.from(payloadSha256, 'hex').toString('base64url')},${options.payloadBytes}`);

  await addSmall(
    `${dist}/METADATA`,
    [
      `Metadata-Version: ${options.metadataVersion ?? '2.1'}`,
      `Name: ${options.name}`,
      `Version: ${options.version}`,
      'Summary: A large wheel for upload tests',
      ...(options.extraMetadata ?? []),
      '',
    ].join('\n'),
  );
  await addSmall(`${dist}/WHEEL`, 'Wheel-Version: 1.0\nGenerator: wharf-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n');
  record.push(`${dist}/RECORD,,`);
  await addSmall(`${dist}/RECORD`, `${record.join('\n')}\n`, false);

  const directory = Buffer.concat(central);
  const entries = central.length / 2;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries, 8);
  eocd.writeUInt16LE(entries, 10);
  eocd.writeUInt32LE(directory.length, 12);
  eocd.writeUInt32LE(offset, 16);
  await handle.write(Buffer.concat([directory, eocd]), 0, undefined, offset);
  offset += directory.length + 22;
  await handle.close();

  const whole = createHash('sha256');
  const { createReadStream } = await import('node:fs');
  for await (const piece of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) whole.update(piece as Buffer);
  return { path: file, filename, size: offset, sha256: whole.digest('hex'), payloadSha256 };
}
