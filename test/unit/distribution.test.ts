import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';

import { type Zippable, strToU8, zipSync } from 'fflate';
import tar from 'tar-stream';

import { inspectDistribution, type InspectOptions } from '../../lambdas/core/distribution.ts';
import { InvalidInputError } from '../../lambdas/core/errors.ts';
import { buildFixtures } from '../fixtures/build-fixtures.ts';

// ---------------------------------------------------------------------------------------
// Archive builders

function metadata(name: string, version: string, { metadataVersion = '2.1', extra = [] as string[], body = '' } = {}): string {
  return [`Metadata-Version: ${metadataVersion}`, `Name: ${name}`, `Version: ${version}`, ...extra, '', body].join('\n');
}

const WHEEL_FILE = 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n';

interface WheelOptions {
  distInfo?: string;
  metadata?: string | Uint8Array;
  wheelFile?: string;
  omit?: string[];
  files?: Record<string, string | Uint8Array>;
  level?: 0 | 6;
}

/** A wheel of demo_pkg 1.0 (or as the options say), built in memory. */
function makeWheel(options: WheelOptions = {}): Uint8Array {
  const distInfo = options.distInfo ?? 'demo_pkg-1.0.dist-info';
  const files: Record<string, string | Uint8Array> = {
    'demo_pkg/__init__.py': 'VALUE = 1\n',
    [`${distInfo}/METADATA`]: options.metadata ?? metadata('demo-pkg', '1.0', { extra: ['Requires-Python: >=3.9'] }),
    [`${distInfo}/WHEEL`]: options.wheelFile ?? WHEEL_FILE,
    [`${distInfo}/RECORD`]: 'demo_pkg/__init__.py,,\n',
    ...options.files,
  };
  const zippable: Zippable = {};
  for (const [path, content] of Object.entries(files)) {
    if (options.omit?.some((suffix) => path.endsWith(suffix))) continue;
    zippable[path] = typeof content === 'string' ? strToU8(content) : content;
  }
  return zipSync(zippable, { level: options.level ?? 6 });
}

interface TarEntry {
  name: string;
  content?: string | Uint8Array;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  linkname?: string;
}

async function makeTarGz(entries: readonly TarEntry[]): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    if (type === 'file') pack.entry({ name: entry.name }, Buffer.from(entry.content ?? ''));
    else pack.entry({ name: entry.name, type, ...(entry.linkname !== undefined && { linkname: entry.linkname }) });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

function sdistEntries(base: string, pkgInfo: string, before: TarEntry[] = []): TarEntry[] {
  return [
    { name: `${base}/`, type: 'directory' },
    ...before,
    { name: `${base}/PKG-INFO`, content: pkgInfo },
    { name: `${base}/setup.py`, content: 'from setuptools import setup\nsetup()\n' },
  ];
}

/** The zip with entry `path` declaring `declaredSize` uncompressed bytes in both its headers. */
function withDeclaredSize(zip: Uint8Array, path: string, declaredSize: number): Uint8Array {
  return patchBothHeaders(zip, path, (view, p, local) => view.setUint32(p + (local ? 22 : 24), declaredSize, true));
}

/** Lets `patch` edit the local header and the central directory entry of `path`. */
function patchBothHeaders(zip: Uint8Array, path: string, patch: (view: DataView, offset: number, local: boolean) => void): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const name = strToU8(path);
  let patched = 0;
  const matches = (at: number) => out.subarray(at, at + name.length).every((b, i) => b === name[i]);
  for (let p = 0; p + 46 < out.length; p++) {
    const signature = view.getUint32(p, true);
    if (signature === 0x04034b50 && view.getUint16(p + 26, true) === name.length && matches(p + 30)) {
      patch(view, p, true);
      patched++;
    } else if (signature === 0x02014b50 && view.getUint16(p + 28, true) === name.length && matches(p + 46)) {
      patch(view, p, false);
      patched++;
    }
  }
  assert.equal(patched, 2, `expected to patch both headers of ${path}`);
  return out;
}

/** Walks the central directory and lets `patch` edit the entry named `name`. */
function patchCentralEntry(zip: Uint8Array, name: string, patch: (view: DataView, offset: number) => void): Uint8Array {
  const copy = zip.slice();
  const view = new DataView(copy.buffer);
  const encoded = strToU8(name);
  for (let p = 0; p + 46 <= copy.length; p++) {
    if (view.getUint32(p, true) !== 0x02014b50) continue;
    const nameLength = view.getUint16(p + 28, true);
    if (nameLength === encoded.length && copy.subarray(p + 46, p + 46 + nameLength).every((b, i) => b === encoded[i])) {
      patch(view, p);
      return copy;
    }
  }
  throw new Error(`no central directory entry ${name}`);
}

/** Where the (compressed) data of entry `name` lies. */
function entryData(zip: Uint8Array, name: string): { start: number; end: number } {
  let range: { start: number; end: number } | undefined;
  patchCentralEntry(zip, name, (view, p) => {
    const local = view.getUint32(p + 42, true);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    range = { start, end: start + view.getUint32(p + 20, true) };
  });
  return range!;
}

/** Rewrites a (comment-less, non-ZIP64) zip into ZIP64 form: 64-bit sizes and offsets everywhere. */
function toZip64(zip: Uint8Array): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  assert.equal(view.getUint32(eocd, true), 0x06054b50);
  const count = view.getUint16(eocd + 10, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  const parts: Uint8Array[] = [zip.subarray(0, cdOffset)];
  let p = cdOffset;
  let cdSize = 0;
  for (let i = 0; i < count; i++) {
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const entry = new Uint8Array(46 + nameLength + 28 + extraLength + commentLength);
    const out = new DataView(entry.buffer);
    entry.set(zip.subarray(p, p + 46 + nameLength));
    out.setUint32(20, 0xffffffff, true);
    out.setUint32(24, 0xffffffff, true);
    out.setUint32(42, 0xffffffff, true);
    out.setUint16(30, extraLength + 28, true);
    const x = 46 + nameLength;
    out.setUint16(x, 0x0001, true);
    out.setUint16(x + 2, 24, true);
    out.setBigUint64(x + 4, BigInt(view.getUint32(p + 24, true)), true);
    out.setBigUint64(x + 12, BigInt(view.getUint32(p + 20, true)), true);
    out.setBigUint64(x + 20, BigInt(view.getUint32(p + 42, true)), true);
    entry.set(zip.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength + commentLength), x + 28);
    parts.push(entry);
    cdSize += entry.length;
    p += 46 + nameLength + extraLength + commentLength;
  }
  const record = new DataView(new ArrayBuffer(56 + 20 + 22));
  const recordOffset = cdOffset + cdSize;
  record.setUint32(0, 0x06064b50, true);
  record.setBigUint64(4, 44n, true);
  record.setUint16(12, 45, true);
  record.setUint16(14, 45, true);
  record.setBigUint64(24, BigInt(count), true);
  record.setBigUint64(32, BigInt(count), true);
  record.setBigUint64(40, BigInt(cdSize), true);
  record.setBigUint64(48, BigInt(cdOffset), true);
  record.setUint32(56, 0x07064b50, true);
  record.setBigUint64(56 + 8, BigInt(recordOffset), true);
  record.setUint32(56 + 16, 1, true);
  record.setUint32(76, 0x06054b50, true);
  record.setUint16(76 + 8, 0xffff, true);
  record.setUint16(76 + 10, 0xffff, true);
  record.setUint32(76 + 12, 0xffffffff, true);
  record.setUint32(76 + 16, 0xffffffff, true);
  parts.push(new Uint8Array(record.buffer));
  return new Uint8Array(Buffer.concat(parts));
}

/** A GNU-format tar (long names as `././@LongLink` entries, as old Python tarfile wrote them). */
function gnuTar(entries: readonly { name: string; content: string }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const header = (name: string, size: number, type: string): Uint8Array => {
    const block = new Uint8Array(512);
    block.set(strToU8(name.slice(0, 100)));
    block.set(strToU8('0000644\0'), 100);
    block.set(strToU8(`${size.toString(8).padStart(11, '0')}\0`), 124);
    block.set(strToU8('00000000000\0'), 136);
    block[156] = type.charCodeAt(0);
    block.set(strToU8('ustar  \0'), 257);
    block.set(strToU8('        '), 148);
    const sum = block.reduce((a, b) => a + b, 0);
    block.set(strToU8(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
    return block;
  };
  const data = (content: Uint8Array): Uint8Array => {
    const padded = new Uint8Array(Math.ceil(content.length / 512) * 512);
    padded.set(content);
    return padded;
  };
  for (const { name, content } of entries) {
    if (name.length > 100) {
      const longName = strToU8(`${name}\0`);
      blocks.push(header('././@LongLink', longName.length, 'L'), data(longName));
    }
    const bytes = strToU8(content);
    blocks.push(header(name, bytes.length, '0'), data(bytes));
  }
  blocks.push(new Uint8Array(1024));
  return new Uint8Array(gzipSync(Buffer.concat(blocks)));
}

async function assertRejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

const WHL = 'demo_pkg-1.0-py3-none-any.whl';

// ---------------------------------------------------------------------------------------

describe('inspectDistribution: wheels', () => {
  test('reads METADATA and serves its exact bytes as the .metadata file', async () => {
    const metadataBytes = strToU8(metadata('demo-pkg', '1.0', { extra: ['Requires-Python: >=3.9', 'Requires-Dist: six'], body: 'Hello\r\n' }));
    const inspected = await inspectDistribution(WHL, makeWheel({ metadata: metadataBytes }));
    assert.equal(inspected.packagetype, 'bdist_wheel');
    assert.equal(inspected.name, 'demo-pkg');
    assert.equal(inspected.normalizedName, 'demo-pkg');
    assert.equal(inspected.version, '1.0');
    assert.equal(inspected.requiresPython, '>=3.9');
    assert.deepEqual(inspected.metadata.requiresDist, ['six']);
    assert.equal(inspected.filename.kind, 'wheel');
    assert.deepEqual(inspected.coreMetadataFile, metadataBytes);
  });

  test('works with stored (uncompressed) entries', async () => {
    const inspected = await inspectDistribution(WHL, makeWheel({ level: 0 }));
    assert.equal(inspected.version, '1.0');
  });

  test('ZIP64 archives (64-bit sizes and offsets)', async () => {
    const metadataBytes = strToU8(metadata('demo-pkg', '1.0'));
    for (const level of [0, 6] as const) {
      const inspected = await inspectDistribution(WHL, toZip64(makeWheel({ metadata: metadataBytes, level })));
      assert.deepEqual(inspected.coreMetadataFile, metadataBytes);
    }
  });

  test('old wheels whose .dist-info keeps dots and capitals', async () => {
    const zip = makeWheel({
      distInfo: 'zope.interface-6.1.dist-info',
      metadata: metadata('zope.interface', '6.1'),
      files: { 'zope/interface/__init__.py': '' },
    });
    const inspected = await inspectDistribution('zope.interface-6.1-cp311-cp311-macosx_11_0_arm64.whl', zip);
    assert.equal(inspected.name, 'zope.interface');
    assert.equal(inspected.normalizedName, 'zope-interface');
  });

  test('versions that are equal under PEP 440 agree', async () => {
    const inspected = await inspectDistribution(WHL, makeWheel({ metadata: metadata('Demo.Pkg', '1.0.0') }));
    assert.equal(inspected.version, '1.0.0');
    assert.equal(inspected.name, 'Demo.Pkg');
  });

  test('local versions', async () => {
    const zip = makeWheel({ distInfo: 'demo_pkg-1.0+cu118.dist-info', metadata: metadata('demo-pkg', '1.0+cu118') });
    const inspected = await inspectDistribution('demo_pkg-1.0+cu118-cp311-cp311-linux_x86_64.whl', zip);
    assert.equal(inspected.version, '1.0+cu118');
  });

  test('a Name that disagrees with the filename is rejected, naming both', async () => {
    await assertRejects(
      inspectDistribution(WHL, makeWheel({ metadata: metadata('other-pkg', '1.0') })),
      /names the project "demo-pkg" but its metadata says Name: other-pkg/,
    );
  });

  test('a Version that disagrees with the filename is rejected, naming both', async () => {
    await assertRejects(
      inspectDistribution(WHL, makeWheel({ metadata: metadata('demo-pkg', '1.1') })),
      /filename has version 1\.0 but its metadata says Version: 1\.1/,
    );
  });

  test('the .dist-info directory must match the filename', async () => {
    await assertRejects(
      inspectDistribution(WHL, makeWheel({ distInfo: 'other_pkg-1.0.dist-info' })),
      /metadata directory other_pkg-1\.0\.dist-info\/ does not match the filename \(expected demo_pkg-1\.0\.dist-info\/\)/,
    );
    await assertRejects(inspectDistribution(WHL, makeWheel({ distInfo: 'demo_pkg-2.0.dist-info' })), /does not match the filename/);
  });

  test('exactly one .dist-info directory', async () => {
    await assertRejects(
      inspectDistribution(WHL, makeWheel({ files: { 'extra-1.0.dist-info/METADATA': 'x' } })),
      /has 2 \.dist-info directories \(demo_pkg-1\.0\.dist-info, extra-1\.0\.dist-info\)/,
    );
    await assertRejects(
      inspectDistribution(WHL, zipSync({ 'demo_pkg/__init__.py': strToU8('') })),
      /has no \.dist-info directory \(expected demo_pkg-1\.0\.dist-info\/\)/,
    );
    // A nested .dist-info (vendored inside the package) is not the wheel's own.
    const nested = makeWheel({ files: { 'demo_pkg/_vendor/six-1.0.dist-info/METADATA': 'x' } });
    assert.equal((await inspectDistribution(WHL, nested)).version, '1.0');
  });

  test('METADATA, WHEEL and RECORD are required', async () => {
    for (const file of ['METADATA', 'WHEEL', 'RECORD']) {
      await assertRejects(
        inspectDistribution(WHL, makeWheel({ omit: [`/${file}`] })),
        new RegExp(`demo_pkg-1\\.0\\.dist-info/${file} is missing`),
      );
    }
  });

  test('only Wheel-Version 1.x is accepted', async () => {
    await assertRejects(inspectDistribution(WHL, makeWheel({ wheelFile: 'Wheel-Version: 2.0\n' })), /Wheel-Version 2\.0/);
    await assertRejects(inspectDistribution(WHL, makeWheel({ wheelFile: 'Generator: x\n' })), /has no valid Wheel-Version/);
    assert.equal((await inspectDistribution(WHL, makeWheel({ wheelFile: 'Wheel-Version: 1.9\r\n' }))).version, '1.0');
  });

  test('invalid metadata in the wheel is reported with its path', async () => {
    await assertRejects(
      inspectDistribution(WHL, makeWheel({ metadata: 'Name: demo-pkg\nVersion: 1.0\n' })),
      /demo_pkg-1\.0-py3-none-any\.whl: demo_pkg-1\.0\.dist-info\/METADATA is not valid core metadata: the Metadata-Version field is missing/,
    );
  });

  test('entries with absolute paths or ".." are rejected', async () => {
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { '../evil.py': 'x' } })), /contains the entry "\.\.\/evil\.py"/);
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { '/etc/evil': 'x' } })), /"\/etc\/evil", which has an absolute path/);
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { 'a/../../evil': 'x' } })), /contains the entry/);
  });

  test('backslashes, drive letters and NUL are rejected as unsafe paths', async () => {
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { 'demo_pkg\\..\\..\\evil.py': 'x' } })), /which has a backslash in its name/);
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { 'C:/evil.py': 'x' } })), /which has a Windows drive letter/);
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { 'a/../../evil': 'x' } })), /which has a "\.\." component/);
  });

  test('symbolic links and special files, by their Unix mode, are rejected', async () => {
    const withMode = (mode: number) => {
      const zippable: Zippable = {};
      zippable['demo_pkg/__init__.py'] = strToU8('VALUE = 1\n');
      zippable['demo_pkg-1.0.dist-info/METADATA'] = strToU8(metadata('demo-pkg', '1.0'));
      zippable['demo_pkg-1.0.dist-info/WHEEL'] = strToU8(WHEEL_FILE);
      zippable['demo_pkg-1.0.dist-info/RECORD'] = strToU8('');
      zippable['demo_pkg/link'] = [strToU8('/etc/passwd'), { os: 3, attrs: mode << 16 }];
      return zipSync(zippable);
    };
    await assertRejects(inspectDistribution(WHL, withMode(0o120777)), /"demo_pkg\/link", which is a symbolic link: a distribution holds only regular files and directories/);
    await assertRejects(inspectDistribution(WHL, withMode(0o020644)), /which is a character device/);
    await assertRejects(inspectDistribution(WHL, withMode(0o010644)), /which is a FIFO/);
    assert.equal((await inspectDistribution(WHL, withMode(0o100755))).version, '1.0');
  });

  test('names that extract to the same file are duplicates', async () => {
    const nfd = 'demo_pkg/cafe\u0301.py';
    const nfc = 'demo_pkg/caf\u00e9.py';
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { [nfd]: 'a', [nfc]: 'b' } })), /which extract to the same file/);
    await assertRejects(inspectDistribution(WHL, makeWheel({ files: { 'demo_pkg/./x.py': 'a', 'demo_pkg/x.py': 'b' } })), /"demo_pkg\/\.\/x\.py" and "demo_pkg\/x\.py", which extract to the same file/);
  });

  test('the local header must agree with the central directory', async () => {
    const zip = makeWheel({ files: { 'demo_pkg/good.py': 'x = 1\n' } });
    const { start } = entryData(zip, 'demo_pkg/good.py');
    // Rename in the local header only: "evil.py" is what a local-header extractor writes.
    const renamed = zip.slice();
    const nameAt = start - 'demo_pkg/good.py'.length;
    renamed.set(strToU8('demo_pkg/evil.py'), nameAt);
    await assertRejects(inspectDistribution(WHL, renamed), /the local header of "demo_pkg\/good\.py" names it "demo_pkg\/evil\.py": the two headers of an entry must agree/);
    const method = patchCentralEntry(zip, 'demo_pkg/good.py', (view, p) => view.setUint16(p + 10, 0, true));
    await assertRejects(inspectDistribution(WHL, method), /not a valid zip archive/);
    const crc = patchBothHeaders(zip, 'demo_pkg/good.py', (view, p, local) => view.setUint32(p + (local ? 14 : 16), 0xdeadbeef, true));
    await assertRejects(inspectDistribution(WHL, crc), /"demo_pkg\/good\.py" fails its CRC-32 check/);
    const central = patchCentralEntry(zip, 'demo_pkg/good.py', (view, p) => view.setUint32(p + 16, 0xdeadbeef, true));
    await assertRejects(inspectDistribution(WHL, central), /gives other sizes or CRC than the central directory/);
  });

  test('overlapping entries (the quoted-overlap zip bomb) are rejected', async () => {
    const zip = makeWheel();
    const local = (() => {
      const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
      for (let p = 0; p + 46 < zip.length; p++) {
        if (view.getUint32(p, true) === 0x02014b50 && strToU8('demo_pkg/__init__.py').every((b, i) => zip[p + 46 + i] === b)) return view.getUint32(p + 42, true);
      }
      throw new Error('no entry');
    })();
    const overlapping = patchCentralEntry(zip, 'demo_pkg-1.0.dist-info/RECORD', (view, p) => view.setUint32(p + 42, local, true));
    await assertRejects(inspectDistribution(WHL, overlapping), /overlaps the next entry|names it|gives other sizes/);
  });

  test('a whole wheel past the total or the entry count is refused', async () => {
    const zip = makeWheel({ files: { 'demo_pkg/a.bin': new Uint8Array(600_000), 'demo_pkg/b.bin': new Uint8Array(600_000) } });
    await assertRejects(inspectDistribution(WHL, zip, { limits: { maxTotalBytes: 1024 * 1024 } }), /declares more than 1 MiB uncompressed, the most this index accepts for one distribution/);
    await assertRejects(inspectDistribution(WHL, zip, { limits: { maxMemberBytes: 512 * 1024 } }), /demo_pkg\/a\.bin declares 600000 bytes uncompressed, more than the 524288 bytes/);
    await assertRejects(inspectDistribution(WHL, zip, { limits: { maxEntries: 3 } }), /has 6 entries, more than the 3/);
    await assertRejects(inspectDistribution(WHL, zip, { limits: { ratioFloorBytes: 1000, maxRatio: 10 } }), /a ratio of \d+:1; this index accepts at most 10:1/);
  });

  test('duplicate entry names are rejected', async () => {
    const zip = makeWheel({ files: { 'demo_pkg-1.0.dist-info/METADATB': 'x' } });
    const duplicated = patchCentralEntry(zip, 'demo_pkg-1.0.dist-info/METADATB', (view, p) => view.setUint8(p + 46 + 30, 0x41));
    await assertRejects(inspectDistribution(WHL, duplicated), /contains "demo_pkg-1\.0\.dist-info\/METADATA" twice/);
  });

  test('data that is not a zip, truncated or corrupt is rejected as not a valid zip archive', async () => {
    const zip = makeWheel();
    await assertRejects(inspectDistribution(WHL, strToU8('definitely not a zip file, just text')), /is not a valid zip archive: no end of central directory record/);
    await assertRejects(inspectDistribution(WHL, new Uint8Array(0)), /is not a valid zip archive/);
    await assertRejects(inspectDistribution(WHL, zip.subarray(0, Math.floor(zip.length / 2))), /is not a valid zip archive/);
    await assertRejects(inspectDistribution(WHL, zip.subarray(0, zip.length - 5)), /is not a valid zip archive/);

    const { start, end } = entryData(zip, 'demo_pkg-1.0.dist-info/METADATA');
    const corrupt = zip.slice();
    for (let i = start; i < end; i += 3) corrupt[i] = corrupt[i]! ^ 0x5a;
    await assertRejects(inspectDistribution(WHL, corrupt), /is not a valid zip archive: "demo_pkg-1\.0\.dist-info\/METADATA"/);

    const stored = makeWheel({ level: 0 });
    const flipped = stored.slice();
    const at = entryData(stored, 'demo_pkg-1.0.dist-info/METADATA').start + 3;
    flipped[at] = flipped[at]! ^ 0x01;
    await assertRejects(inspectDistribution(WHL, flipped), /fails its CRC-32 check/);

    const outOfRange = patchCentralEntry(zip, 'demo_pkg-1.0.dist-info/METADATA', (view, p) => view.setUint32(p + 42, 0x7fffff00, true));
    await assertRejects(inspectDistribution(WHL, outOfRange), /the data of "demo_pkg-1\.0\.dist-info\/METADATA" overlaps the next entry or the central directory/);
  });

  test('zip bomb: a METADATA that declares more than the limit is refused before inflating', async () => {
    const huge = metadata('demo-pkg', '1.0', { body: 'a'.repeat(20 * 1024 * 1024) });
    const zip = makeWheel({ metadata: huge });
    assert.ok(zip.length < 100_000, 'the bomb is small');
    await assertRejects(inspectDistribution(WHL, zip), /declares 20971\d+ bytes uncompressed, more than the 8 MiB/);
  });

  test('zip bomb: sizes that lie are caught', async () => {
    const zip = makeWheel({ metadata: metadata('demo-pkg', '1.0', { body: 'b'.repeat(100_000) }) });
    const name = 'demo_pkg-1.0.dist-info/METADATA';
    // Declares less than it inflates to, in the central directory only: the headers disagree.
    const understated = patchCentralEntry(zip, name, (view, p) => view.setUint32(p + 24, 1000, true));
    await assertRejects(inspectDistribution(WHL, understated), /local header of "demo_pkg-1\.0\.dist-info\/METADATA" gives other sizes or CRC than the central directory/);
    // In both headers: inflation stops at the declared size.
    await assertRejects(inspectDistribution(WHL, withDeclaredSize(zip, name, 1000)), /inflates to more than its declared 1000 bytes/);
    // Declares more than deflate can produce from its compressed size.
    const overstated = patchCentralEntry(zip, name, (view, p) => view.setUint32(p + 24, 4 * 1024 * 1024, true));
    await assertRejects(inspectDistribution(WHL, overstated), /impossible compression ratio/);
  });

  test('every entry is inflated and checked, not only the ones read', async () => {
    const zip = makeWheel({ files: { 'demo_pkg/data.bin': new Uint8Array(64 * 1024 * 1024) } });
    // 64 MiB from 64 KiB is a bomb by ratio, refused from the central directory alone.
    await assertRejects(inspectDistribution(WHL, zip), /demo_pkg\/data\.bin declares 67108864 bytes uncompressed from \d+ compressed bytes, a ratio of 10\d\d:1; this index accepts at most 100:1/);
    // With the ratio allowed, the entry is still inflated, so a corrupt byte in it is found.
    const { start } = entryData(zip, 'demo_pkg/data.bin');
    const corrupt = zip.slice();
    corrupt[start + 100] = corrupt[start + 100]! ^ 0xff;
    const lenient: InspectOptions = { limits: { maxRatio: 2000 } };
    assert.equal((await inspectDistribution(WHL, zip, lenient)).version, '1.0');
    await assertRejects(inspectDistribution(WHL, corrupt, lenient), /not a valid zip archive: "demo_pkg\/data\.bin" (is corrupt|fails its CRC-32 check|inflates)/);
  });

  test('limits can be lowered', async () => {
    const options: InspectOptions = { limits: { maxCoreMetadataBytes: 10 } };
    await assertRejects(inspectDistribution(WHL, makeWheel(), options), /more than the 10 bytes/);
  });
});

describe('inspectDistribution: sdists', () => {
  test('reads PKG-INFO from the top-level directory of a .tar.gz', async () => {
    const pkgInfo = metadata('python-dateutil', '2.8.2', { extra: ['Requires-Python: !=3.0.*,>=2.7', 'Requires-Dist: six>=1.5'] });
    const bytes = await makeTarGz([
      ...sdistEntries('python-dateutil-2.8.2', pkgInfo, [
        { name: 'python-dateutil-2.8.2/LICENSE', content: 'license\n'.repeat(1000) },
        { name: 'python-dateutil-2.8.2/python_dateutil.egg-info/PKG-INFO', content: metadata('wrong', '9.9') },
      ]),
    ]);
    const inspected = await inspectDistribution('python-dateutil-2.8.2.tar.gz', bytes);
    assert.equal(inspected.packagetype, 'sdist');
    assert.equal(inspected.name, 'python-dateutil');
    assert.equal(inspected.normalizedName, 'python-dateutil');
    assert.equal(inspected.version, '2.8.2');
    assert.equal(inspected.requiresPython, '!=3.0.*,>=2.7');
    assert.deepEqual(inspected.metadata.requiresDist, ['six>=1.5']);
    // Metadata 2.1: PKG-INFO is not reliable enough to serve as the wheel's metadata.
    assert.equal(inspected.coreMetadataFile, undefined);
  });

  test('PKG-INFO is served for Metadata-Version 2.2+ with nothing Dynamic, and only then', async () => {
    const reliable = metadata('demo-pkg', '1.0', { metadataVersion: '2.2' });
    const fine = await inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz(sdistEntries('demo_pkg-1.0', reliable)));
    assert.deepEqual(fine.coreMetadataFile, strToU8(reliable));
    assert.equal(fine.filename.kind === 'sdist' && fine.filename.isPep625, true);

    const dynamic = metadata('demo-pkg', '1.0', { metadataVersion: '2.4', extra: ['Dynamic: Requires-Dist'] });
    const notServed = await inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz(sdistEntries('demo_pkg-1.0', dynamic)));
    assert.equal(notServed.coreMetadataFile, undefined);
  });

  test('a legacy name with dashes is split where the metadata Name ends', async () => {
    // Alone, "foo-1.0-1" would read as project "foo-1.0", version "1".
    const bytes = await makeTarGz(sdistEntries('foo-1.0-1', metadata('foo', '1.0-1')));
    const inspected = await inspectDistribution('foo-1.0-1.tar.gz', bytes);
    assert.equal(inspected.name, 'foo');
    assert.equal(inspected.filename.name, 'foo');
    assert.equal(inspected.filename.version, '1.0-1');
  });

  test('the base directory may be spelled differently from the filename, or start with ./', async () => {
    const pkgInfo = metadata('Demo.Pkg', '1.0');
    assert.equal((await inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz(sdistEntries('Demo.Pkg-1.0', pkgInfo)))).name, 'Demo.Pkg');
    assert.equal((await inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz(sdistEntries('./demo_pkg-1.0', pkgInfo)))).name, 'Demo.Pkg');
  });

  test('long paths (pax headers) before PKG-INFO are handled', async () => {
    const long = `demo_pkg-1.0/${'deep/'.repeat(40)}file.txt`;
    const bytes = await makeTarGz(sdistEntries('demo_pkg-1.0', metadata('demo-pkg', '1.0'), [{ name: long, content: 'x' }]));
    assert.equal((await inspectDistribution('demo_pkg-1.0.tar.gz', bytes)).version, '1.0');
  });

  test('PKG-INFO behind a pax path (a base directory too long for a ustar header)', async () => {
    const name = `a${'b'.repeat(180)}c`;
    const pkgInfo = metadata(name, '1.0');
    const bytes = await makeTarGz([
      { name: `${name}-1.0/${'é'.repeat(60)}.txt`, content: 'non-ASCII names need pax too' },
      { name: `${name}-1.0/PKG-INFO`, content: pkgInfo },
    ]);
    assert.equal((await inspectDistribution(`${name}-1.0.tar.gz`, bytes)).name, name);
  });

  test('GNU tar long names (././@LongLink)', async () => {
    const name = `p${'q'.repeat(100)}`;
    const bytes = gnuTar([
      { name: `${name}-1.0/${'x'.repeat(120)}.txt`, content: 'long' },
      // Over 100 characters: found only if the long name is read.
      { name: `${name}-1.0/PKG-INFO`, content: metadata(name, '1.0') },
    ]);
    assert.equal((await inspectDistribution(`${name}-1.0.tar.gz`, bytes)).name, name);
    const escape = gnuTar([{ name: `demo-pkg-1.0/../../${'x'.repeat(120)}`, content: '' }]);
    await assertRejects(inspectDistribution('demo-pkg-1.0.tar.gz', escape), /contains the entry "demo-pkg-1\.0\/\.\.\/\.\.\/x+"/);
  });

  test('Name and Version must agree with the filename', async () => {
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz(sdistEntries('demo_pkg-1.0', metadata('other', '1.0')))),
      /does not start with the project name its metadata gives \(Name: other\)\. Name the file other-1\.0\.tar\.gz/,
    );
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz(sdistEntries('demo_pkg-1.0', metadata('demo-pkg', '2.0')))),
      /filename has version 1\.0 but its metadata says Version: 2\.0/,
    );
  });

  test('a missing top-level PKG-INFO is an error that says how to build a proper sdist', async () => {
    const bytes = await makeTarGz([
      { name: 'demo_pkg-1.0/setup.py', content: '' },
      { name: 'demo_pkg-1.0/demo_pkg.egg-info/PKG-INFO', content: metadata('demo-pkg', '1.0') },
    ]);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', bytes), /has no demo_pkg-1\.0\/PKG-INFO.*python -m build --sdist/);
  });

  test('unsafe paths and a linked PKG-INFO are rejected', async () => {
    const pkgInfo = metadata('demo-pkg', '1.0');
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz(sdistEntries('demo_pkg-1.0', pkgInfo, [{ name: 'demo_pkg-1.0/../../evil', content: 'x' }]))),
      /contains the entry "demo_pkg-1\.0\/\.\.\/\.\.\/evil"/,
    );
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz([{ name: 'demo_pkg-1.0/PKG-INFO', type: 'symlink', linkname: '/etc/passwd' }])),
      /contains "demo_pkg-1\.0\/PKG-INFO", which is a symbolic link: a source distribution holds only regular files and directories/,
    );
  });

  test('corrupt, truncated and non-gzip data is rejected as not a valid tar.gz archive', async () => {
    const noise = new Uint8Array(200_000);
    let state = 1;
    for (let i = 0; i < noise.length; i++) noise[i] = (state = (state * 1103515245 + 12345) % 2147483648) >>> 16;
    const bytes = await makeTarGz(sdistEntries('demo_pkg-1.0', metadata('demo-pkg', '1.0'), [{ name: 'demo_pkg-1.0/noise.bin', content: noise }]));
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', bytes.subarray(0, bytes.length >> 1)), /not a valid tar\.gz archive: unexpected end of file/);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', strToU8('plain text, not gzip')), /not a valid tar\.gz archive: incorrect header check/);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', gzipSync(Buffer.from('x'.repeat(2048)))), /not a valid tar\.gz archive: a header fails its checksum/);
    const flipped = bytes.slice();
    const middle = flipped.length >> 1;
    flipped[middle] = flipped[middle]! ^ 0xff;
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', flipped), /not a valid tar\.gz archive/);
  });

  test('the whole archive counts towards the limits, and PKG-INFO has its own', async () => {
    const bytes = await makeTarGz(sdistEntries('demo_pkg-1.0', metadata('demo-pkg', '1.0'), [{ name: 'demo_pkg-1.0/zeros.bin', content: new Uint8Array(4 * 1024 * 1024) }]));
    assert.equal((await inspectDistribution('demo_pkg-1.0.tar.gz', bytes)).version, '1.0');
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', bytes, { limits: { maxTotalBytes: 1024 * 1024 } }),
      /unpacks to more than 1 MiB uncompressed, the most this index accepts/,
    );
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', bytes, { limits: { maxMemberBytes: 1024 * 1024 } }),
      /demo_pkg-1\.0\/zeros\.bin unpacks to 4194304 bytes uncompressed, more than the 1 MiB/,
    );
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', bytes, { limits: { ratioFloorBytes: 1024 * 1024 } }),
      /it unpacks to \d+ bytes uncompressed from \d+ compressed bytes, a ratio of \d+:1/,
    );
    await assertRejects(
      inspectDistribution('demo_pkg-1.0.tar.gz', bytes, { limits: { maxCoreMetadataBytes: 16 } }),
      /PKG-INFO is \d+ bytes, more than the 16 bytes/,
    );
  });

  test('the stream is read to its end: what follows PKG-INFO is checked too', async () => {
    const pkgInfo = metadata('demo-pkg', '1.0');
    const good = await makeTarGz(sdistEntries('demo_pkg-1.0', pkgInfo, []));
    // Cut inside the gzip trailer: the tar data is all there, the CRC is not.
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', good.subarray(0, good.length - 4)), /not a valid tar\.gz archive: unexpected end of file/);
    // A wrong CRC in the trailer.
    const badCrc = good.slice();
    badCrc[badCrc.length - 8] = badCrc[badCrc.length - 8]! ^ 0xff;
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', badCrc), /not a valid tar\.gz archive: incorrect data check/);
    // A complete gzip stream of a tar cut before its end-of-archive marker.
    const tarBytes = gunzipSync(good);
    const cut = gzipSync(tarBytes.subarray(0, 512 * 4));
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', cut), /ends (before its end-of-archive marker|in the middle of an entry)/);
    // An unsafe path after PKG-INFO.
    const after = await makeTarGz([...sdistEntries('demo_pkg-1.0', pkgInfo), { name: '/abs/evil.py', content: 'x' }]);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', after), /contains the entry "\/abs\/evil\.py", which has an absolute path/);
  });

  test('links, devices and FIFOs are refused wherever they are', async () => {
    const pkgInfo = metadata('demo-pkg', '1.0');
    const cases: [TarEntry, RegExp][] = [
      [{ name: 'demo_pkg-1.0/passwd', type: 'symlink', linkname: '/etc/passwd' }, /"demo_pkg-1\.0\/passwd", which is a symbolic link/],
      [{ name: 'demo_pkg-1.0/shadow', type: 'link', linkname: '/etc/shadow' }, /"demo_pkg-1\.0\/shadow", which is a hard link/],
      [{ name: 'demo_pkg-1.0/tty', type: 'character-device' }, /which is a character device/],
      [{ name: 'demo_pkg-1.0/disk', type: 'block-device' }, /which is a block device/],
      [{ name: 'demo_pkg-1.0/pipe', type: 'fifo' }, /which is a FIFO/],
    ];
    for (const [entry, message] of cases) {
      await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', await makeTarGz([...sdistEntries('demo_pkg-1.0', pkgInfo), entry])), message);
    }
  });

  test('exactly one PKG-INFO, in the one top-level directory', async () => {
    const pkgInfo = metadata('demo-pkg', '1.0');
    const twice = await makeTarGz([...sdistEntries('demo_pkg-1.0', pkgInfo), { name: 'demo_pkg-1.0/PKG-INFO', content: metadata('other', '1.0') }]);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', twice), /contains "demo_pkg-1\.0\/PKG-INFO" twice/);
    const spelled = await makeTarGz([...sdistEntries('demo_pkg-1.0', pkgInfo), { name: './demo_pkg-1.0/PKG-INFO', content: metadata('other', '1.0') }]);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', spelled), /contains "demo_pkg-1\.0\/PKG-INFO" and "\.\/demo_pkg-1\.0\/PKG-INFO", which extract to the same file/);
    const second = await makeTarGz([...sdistEntries('demo_pkg-1.0', pkgInfo), { name: 'other-1.0/PKG-INFO', content: metadata('other', '1.0') }]);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', second), /entries in two top-level directories \("demo_pkg-1\.0" and "other-1\.0"\)/);
    const loose = await makeTarGz([...sdistEntries('demo_pkg-1.0', pkgInfo), { name: 'setup.py', content: '' }]);
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', loose), /has "setup\.py" outside any directory/);
    const wrongDir = await makeTarGz(sdistEntries('other-1.0', pkgInfo));
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', wrongDir), /top-level directory other-1\.0\/ does not match the filename/);
  });

  test('legacy .zip sdists', async () => {
    const zip = zipSync({
      'pywin32-ctypes-0.2.0/PKG-INFO': strToU8(metadata('pywin32-ctypes', '0.2.0')),
      'pywin32-ctypes-0.2.0/setup.py': strToU8(''),
    });
    const inspected = await inspectDistribution('pywin32-ctypes-0.2.0.zip', zip);
    assert.equal(inspected.name, 'pywin32-ctypes');
    assert.equal(inspected.filename.kind === 'sdist' && inspected.filename.extension, '.zip');
    await assertRejects(inspectDistribution('pywin32-ctypes-0.2.0.zip', strToU8('nope')), /not a valid zip archive/);
  });

  test('legacy .zip sdists get the same layout and member checks', async () => {
    const pkgInfo = strToU8(metadata('demo-pkg', '1.0'));
    const second = zipSync({ 'demo_pkg-1.0/PKG-INFO': pkgInfo, 'other-1.0/PKG-INFO': strToU8(metadata('other', '1.0')) });
    await assertRejects(inspectDistribution('demo_pkg-1.0.zip', second), /entries in two top-level directories/);
    const link = zipSync({ 'demo_pkg-1.0/PKG-INFO': pkgInfo, 'demo_pkg-1.0/passwd': [strToU8('/etc/passwd'), { os: 3, attrs: 0o120777 << 16 }] });
    await assertRejects(inspectDistribution('demo_pkg-1.0.zip', link), /"demo_pkg-1\.0\/passwd", which is a symbolic link/);
    const bom = zipSync({ 'demo_pkg-1.0/PKG-INFO': strToU8(`\uFEFF${metadata('demo-pkg', '1.0')}`) });
    await assertRejects(inspectDistribution('demo_pkg-1.0.zip', bom), /PKG-INFO starts with a UTF-8 byte order mark/);
  });

  test('a tar with more entries than the limit is refused', async () => {
    const bytes = await makeTarGz(sdistEntries('demo_pkg-1.0', metadata('demo-pkg', '1.0'), [{ name: 'demo_pkg-1.0/a.py' }, { name: 'demo_pkg-1.0/b.py' }]));
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.gz', bytes, { limits: { maxEntries: 3 } }), /has more than 3 entries/);
    assert.equal((await inspectDistribution('demo_pkg-1.0.tar.gz', bytes)).version, '1.0');
  });

  test('other file types are refused', async () => {
    await assertRejects(inspectDistribution('demo_pkg-1.0.tar.bz2', new Uint8Array(0)), /Unsupported distribution file/);
    await assertRejects(inspectDistribution('demo_pkg-1.0.egg', new Uint8Array(0)), /upload a wheel/);
  });
});

describe('inspectDistribution: the fixture projects, as setuptools 66 builds them', () => {
  test('wheels and sdists of the fixture projects', { timeout: 300_000 }, async () => {
    const built = await buildFixtures();
    assert.equal(built.wheels.length, 2);
    assert.equal(built.sdists.length, 2);
    const seen = new Map<string, string[]>();
    for (const path of built.all) {
      const filename = basename(path);
      const inspected = await inspectDistribution(filename, await readFile(path));
      seen.set(filename, [inspected.packagetype, inspected.normalizedName, inspected.version]);
      assert.equal(inspected.requiresPython, '>=3.8');
      if (inspected.packagetype === 'bdist_wheel') {
        assert.ok(inspected.coreMetadataFile, `${filename} has a .metadata file`);
        assert.match(new TextDecoder().decode(inspected.coreMetadataFile), /^Metadata-Version: 2\.\d+\n/);
      }
      // (Debian's setuptools 66 leaves Requires-Dist out of an sdist's PKG-INFO altogether.)
      if (inspected.normalizedName === 'wharf-demo-app' && inspected.packagetype === 'bdist_wheel') {
        // setuptools 66 still writes the old parenthesised form: "wharf-demo-core (>=1.0)".
        const plain = inspected.metadata.requiresDist.filter((r) => !r.includes('extra'));
        assert.deepEqual(plain.map((r) => r.replace(/[ ()]/g, '')), ['wharf-demo-core>=1.0']);
        assert.deepEqual(inspected.metadata.providesExtra, ['cli']);
      }
      // Debian's setuptools writes Metadata-Version 2.1, so its sdists get no .metadata file.
      if (inspected.packagetype === 'sdist' && !/^2\.[2-9]$/.test(inspected.metadata.metadataVersion)) {
        assert.equal(inspected.coreMetadataFile, undefined);
      }
    }
    const summary = [...seen.values()].map((v) => v.join(' ')).sort();
    assert.deepEqual(summary, [
      'bdist_wheel wharf-demo-app 1.2.0',
      'bdist_wheel wharf-demo-core 1.0.0',
      'sdist wharf-demo-app 1.2.0',
      'sdist wharf-demo-core 1.0.0',
    ]);
  });
});
