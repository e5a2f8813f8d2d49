/**
 * Bad input to the legacy upload (`POST /legacy/`), over real HTTP against a local Wharf:
 * every request gets a 4xx whose body says what is wrong, and leaves the metadata table,
 * the tokens table and the bucket exactly as they were. The cases are one table, so their
 * number is plain to see; the index is seeded first with a valid upload and a deleted one.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { type DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { blake2b } from '@noble/hashes/blake2.js';
import { type Zippable, strToU8, zipSync } from 'fflate';
import tar from 'tar-stream';

import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import type { DynamoDbJsonClient } from '../../lambdas/adapters/dynamodb-json-client.ts';
import { createDynamoDbClient, createDynamoDbSdkClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { type LocalWharf, startLocalWharf } from '../../lambdas/local/local-wharf.ts';

// ---------------------------------------------------------------------------------------
// Distributions, built in memory

const MAX_UPLOAD_BYTES = 64 * 1024;
const MiB = 1024 * 1024;

function coreMetadata(name: string, version: string, { metadataVersion = '2.1', body = '' } = {}): string {
  return [`Metadata-Version: ${metadataVersion}`, `Name: ${name}`, `Version: ${version}`, 'Requires-Python: >=3.9', '', body].join('\n');
}

const WHEEL_FILE = 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n';

interface WheelOptions {
  readonly name?: string;
  readonly version?: string;
  /** The METADATA text; coreMetadata(name, version) when absent. */
  readonly metadata?: string;
  /** Leave out the dist-info entry whose path ends so. */
  readonly omit?: string;
  readonly files?: Record<string, string | Uint8Array>;
}

function makeWheel(options: WheelOptions = {}): Uint8Array {
  const name = options.name ?? 'demo-pkg';
  const version = options.version ?? '2.0';
  const distInfo = `${name.replace(/-/g, '_')}-${version}.dist-info`;
  const files: Record<string, string | Uint8Array> = {
    [`${name.replace(/-/g, '_')}/__init__.py`]: `VALUE = ${JSON.stringify(version)}\n`,
    [`${distInfo}/METADATA`]: options.metadata ?? coreMetadata(name, version),
    [`${distInfo}/WHEEL`]: WHEEL_FILE,
    [`${distInfo}/RECORD`]: `${name.replace(/-/g, '_')}/__init__.py,,\n`,
    ...options.files,
  };
  const zippable: Zippable = {};
  for (const [path, content] of Object.entries(files)) {
    if (options.omit !== undefined && path.endsWith(options.omit)) continue;
    zippable[path] = typeof content === 'string' ? strToU8(content) : content;
  }
  return zipSync(zippable);
}

async function makeSdist(base: string, pkgInfo: string, before: { name: string; content: Uint8Array }[] = []): Promise<Uint8Array> {
  const pack = tar.pack();
  pack.entry({ name: `${base}/`, type: 'directory' });
  for (const entry of before) pack.entry({ name: entry.name }, Buffer.from(entry.content));
  pack.entry({ name: `${base}/PKG-INFO` }, Buffer.from(pkgInfo));
  pack.entry({ name: `${base}/setup.py` }, Buffer.from('from setuptools import setup\nsetup()\n'));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

/**
 * A zip whose entry `path` declares `declaredSize` uncompressed bytes, in its local header
 * and in the central directory, whatever it really inflates to.
 */
function withDeclaredSize(zip: Uint8Array, path: string, declaredSize: number): Uint8Array {
  const out = new Uint8Array(zip);
  const view = new DataView(out.buffer);
  const name = Buffer.from(path);
  let patched = 0;
  for (let p = 0; p + 46 < out.length; p++) {
    const signature = view.getUint32(p, true);
    if (signature === 0x04034b50 && Buffer.from(out.subarray(p + 30, p + 30 + name.length)).equals(name)) {
      view.setUint32(p + 22, declaredSize, true);
      patched++;
    } else if (signature === 0x02014b50 && Buffer.from(out.subarray(p + 46, p + 46 + name.length)).equals(name)) {
      view.setUint32(p + 24, declaredSize, true);
      patched++;
    }
  }
  assert.equal(patched, 2, `expected to patch the local and central headers of ${path}`);
  return out;
}

/** Lets `patch` edit the local header (`local`) and/or the central directory entry of `path`. */
function patchHeaders(zip: Uint8Array, path: string, patch: (view: DataView, offset: number, local: boolean) => void): Uint8Array {
  const out = new Uint8Array(zip);
  const view = new DataView(out.buffer);
  const name = Buffer.from(path);
  for (let p = 0; p + 46 < out.length; p++) {
    const signature = view.getUint32(p, true);
    if (signature === 0x04034b50 && view.getUint16(p + 26, true) === name.length && Buffer.from(out.subarray(p + 30, p + 30 + name.length)).equals(name)) {
      patch(view, p, true);
    } else if (signature === 0x02014b50 && view.getUint16(p + 28, true) === name.length && Buffer.from(out.subarray(p + 46, p + 46 + name.length)).equals(name)) {
      patch(view, p, false);
    }
  }
  return out;
}

/** A wheel with one more entry carrying Unix mode bits (a symlink, a device...). */
function wheelWithMode(path: string, content: string, mode: number): Uint8Array {
  const zippable: Zippable = {
    'demo_pkg/__init__.py': strToU8('VALUE = "2.0"\n'),
    'demo_pkg-2.0.dist-info/METADATA': strToU8(coreMetadata('demo-pkg', '2.0')),
    'demo_pkg-2.0.dist-info/WHEEL': strToU8(WHEEL_FILE),
    'demo_pkg-2.0.dist-info/RECORD': strToU8('demo_pkg/__init__.py,,\n'),
    [path]: [strToU8(content), { os: 3, attrs: mode << 16 }],
  };
  return zipSync(zippable);
}

/** A tar.gz of these entries (tar-stream headers), in order, ended properly. */
async function makeTarGz(entries: readonly { header: Partial<tar.Header> & { name: string }; content?: string | Uint8Array }[]): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const { header, content } of entries) {
    if (content === undefined) pack.entry(header);
    else pack.entry(header, Buffer.from(content));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

/** demo_pkg-2.0.tar.gz, a valid sdist, with `after` added behind its PKG-INFO. */
const sdistWith = (after: readonly { header: Partial<tar.Header> & { name: string }; content?: string | Uint8Array }[], pkgInfo = coreMetadata('demo-pkg', '2.0')) =>
  makeTarGz([
    { header: { name: 'demo_pkg-2.0/', type: 'directory' } },
    { header: { name: 'demo_pkg-2.0/PKG-INFO' }, content: pkgInfo },
    { header: { name: 'demo_pkg-2.0/setup.py' }, content: 'from setuptools import setup\nsetup()\n' },
    ...after,
  ]);

/** A wheel whose METADATA carries these extra header lines. */
const wheelWithMetadata = (...extra: string[]) =>
  makeWheel({ metadata: ['Metadata-Version: 2.1', 'Name: demo-pkg', 'Version: 2.0', 'Requires-Python: >=3.9', ...extra, '', ''].join('\n') });

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const blake2 = (bytes: Uint8Array): string => Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex');

// ---------------------------------------------------------------------------------------
// Forms, as twine builds them, and ways to break them

interface Part {
  readonly name?: string;
  readonly value: string | Uint8Array;
  /** Written as is inside the quotes of filename="..." */
  readonly filename?: string;
  /** A whole extra Content-Disposition parameter, e.g. filename*=utf-8''a%00b.whl */
  readonly dispositionExtra?: string;
  readonly headers?: readonly string[];
}

const encoder = new TextEncoder();
const BOUNDARY = 'wharf4b1d9a0e5c6f47d39a3b2c1d0e9f8a7b';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function multipart(parts: readonly Part[], { close = true } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    let disposition = 'Content-Disposition: form-data';
    if (part.name !== undefined) disposition += `; name="${part.name}"`;
    if (part.filename !== undefined) disposition += `; filename="${part.filename}"`;
    if (part.dispositionExtra !== undefined) disposition += `; ${part.dispositionExtra}`;
    const head = [`--${BOUNDARY}`, disposition, ...(part.headers ?? []), '', ''].join('\r\n');
    chunks.push(encoder.encode(head), typeof part.value === 'string' ? encoder.encode(part.value) : part.value, encoder.encode('\r\n'));
  }
  if (close) chunks.push(encoder.encode(`--${BOUNDARY}--\r\n`));
  return new Uint8Array(Buffer.concat(chunks));
}

type FormSpec = Record<string, string | string[] | undefined>;

interface Upload {
  /** Digests are of these bytes unless the overrides say otherwise. */
  readonly bytes: Uint8Array;
  readonly filename: string;
  /** Field overrides; undefined removes a field. */
  readonly fields?: FormSpec;
  /** The file part; `false` leaves it out. */
  readonly file?: Partial<Part> | false;
  readonly extraParts?: readonly Part[];
}

/** The parts twine 4 sends for a file (every metadata field, empty ones too). */
function twineParts(upload: Upload): Part[] {
  const sdist = upload.filename.endsWith('.tar.gz') || upload.filename.endsWith('.zip');
  const spec: FormSpec = {
    ':action': 'file_upload',
    protocol_version: '1',
    name: 'demo-pkg',
    version: '2.0',
    filetype: sdist ? 'sdist' : 'bdist_wheel',
    pyversion: sdist ? 'source' : 'py3',
    metadata_version: '2.1',
    summary: 'A demo',
    home_page: '',
    classifiers: ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License'],
    comment: '',
    requires_python: '>=3.9',
    md5_digest: md5(upload.bytes),
    sha256_digest: sha256(upload.bytes),
    blake2_256_digest: blake2(upload.bytes),
    ...upload.fields,
  };
  const parts: Part[] = [];
  for (const [name, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) parts.push({ name, value: v });
  }
  if (upload.file !== false) {
    parts.push({
      name: 'content',
      filename: upload.filename,
      value: upload.bytes,
      headers: ['Content-Type: application/octet-stream'],
      ...upload.file,
    });
  }
  return [...parts, ...(upload.extraParts ?? [])];
}

const twineBody = (upload: Upload): Uint8Array => multipart(twineParts(upload));

// ---------------------------------------------------------------------------------------
// The cases

interface Tokens {
  readonly admin: string;
  readonly uploadAll: string;
  readonly uploadDemo: string;
  readonly uploadOther: string;
  readonly uploadBrandNew: string;
  readonly read: string;
  readonly revoked: string;
}

interface Fixtures {
  readonly tokens: Tokens;
  /** demo_pkg-2.0-py3-none-any.whl: valid, not in the index. */
  readonly wheel: Uint8Array;
  readonly sdist: Uint8Array;
  /** The file deleted in the seed, byte for byte. */
  readonly deletedWheel: Uint8Array;
}

interface RequestSpec {
  readonly method?: string;
  readonly path?: string;
  /** Basic __token__ with this token unless `authorization` is given ('' for none). */
  readonly token?: string;
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body?: Uint8Array | string;
  /**
   * Send on a connection of its own (node:http, no keep-alive) rather than fetch's pool:
   * for the body the gateway refuses unread, whose connection is not reusable afterwards
   * (see the keep-alive test below).
   */
  readonly ownConnection?: boolean;
}

interface Reply {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: string;
}

interface Case {
  readonly name: string;
  readonly request: (f: Fixtures) => RequestSpec | Promise<RequestSpec>;
  readonly status: number;
  readonly message: RegExp;
  /** Further checks of the response. */
  readonly check?: (reply: Reply) => void;
}

const WHL = 'demo_pkg-2.0-py3-none-any.whl';
const SDIST = 'demo_pkg-2.0.tar.gz';

/** A twine upload of the valid wheel, with the upload:* token, broken as `upload` says. */
const wheelUpload = (upload: Partial<Upload> = {}) => (f: Fixtures): RequestSpec => ({
  token: f.tokens.uploadAll,
  contentType: MULTIPART,
  body: twineBody({ bytes: f.wheel, filename: WHL, ...upload }),
});

/** A twine upload of `bytes`, with the upload:* token. */
const bytesUpload = (f: Fixtures, bytes: Uint8Array, filename = WHL, fields: FormSpec = {}): RequestSpec => ({
  token: f.tokens.uploadAll,
  contentType: MULTIPART,
  body: twineBody({ bytes, filename, fields }),
});

const notAlreadyExists = (reply: Reply) =>
  assert.doesNotMatch(reply.body, /already exist/i, 'twine --skip-existing would take this for success');

const basicAuth = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

const CASES: readonly Case[] = [
  // --- digests
  {
    name: 'wrong sha256_digest',
    request: wheelUpload({ fields: { sha256_digest: 'ab'.repeat(32) } }),
    status: 400,
    message: /sha256_digest field \(abab.*\) does not match the uploaded file/,
  },
  {
    name: 'wrong blake2_256_digest',
    request: wheelUpload({ fields: { blake2_256_digest: 'cd'.repeat(32) } }),
    status: 400,
    message: /blake2_256_digest field \(cdcd.*\) does not match the uploaded file/,
  },
  {
    name: 'only md5_digest given',
    request: wheelUpload({ fields: { sha256_digest: undefined, blake2_256_digest: undefined } }),
    status: 400,
    message: /only md5_digest.*include sha256_digest or blake2_256_digest/,
  },
  {
    name: 'no digest at all',
    request: wheelUpload({ fields: { sha256_digest: undefined, blake2_256_digest: undefined, md5_digest: undefined } }),
    status: 400,
    message: /gives no digest of the file/,
  },
  {
    name: 'sha256_digest that is not hex',
    request: wheelUpload({ fields: { sha256_digest: 'not-a-digest' } }),
    status: 400,
    message: /sha256_digest field "not-a-digest" is not a hex-encoded SHA-256 digest/,
  },
  // --- required fields
  { name: 'missing name', request: wheelUpload({ fields: { name: undefined } }), status: 400, message: /name field is missing/ },
  { name: 'missing version', request: wheelUpload({ fields: { version: undefined } }), status: 400, message: /version field is missing/ },
  { name: 'missing filetype', request: wheelUpload({ fields: { filetype: undefined } }), status: 400, message: /filetype field is missing/ },
  {
    name: 'missing metadata_version',
    request: wheelUpload({ fields: { metadata_version: undefined } }),
    status: 400,
    message: /metadata_version field is missing/,
  },
  { name: 'missing content (no file part)', request: wheelUpload({ file: false }), status: 400, message: /has no file.*file part named content/ },
  {
    name: 'content sent as a plain text field',
    request: wheelUpload({ file: false, extraParts: [{ name: 'content', value: 'PK\u0003\u0004' }] }),
    status: 400,
    message: /content field of the upload is a plain text field; it must be a file part/,
  },
  // --- the form, the filename and the metadata disagree
  {
    name: 'name: form says another project than the filename',
    request: wheelUpload({ fields: { name: 'other-pkg' } }),
    status: 400,
    message: /is a distribution of the project "demo_pkg", but the name field says "other-pkg"/,
  },
  {
    name: 'name: metadata says another project than filename and form',
    request: (f) => bytesUpload(f, makeWheel({ metadata: coreMetadata('other-pkg', '2.0') })),
    status: 400,
    message: /names the project "demo-pkg" but its metadata says Name: other-pkg/,
  },
  {
    name: 'version: form says another version than the filename',
    request: wheelUpload({ fields: { version: '2.1' } }),
    status: 400,
    message: /has the version 2\.0 in its name, but the version field says 2\.1/,
  },
  {
    name: 'version: metadata says another version than filename and form',
    request: (f) => bytesUpload(f, makeWheel({ metadata: coreMetadata('demo-pkg', '2.1') })),
    status: 400,
    message: /filename has version 2\.0 but its metadata says Version: 2\.1/,
  },
  {
    name: 'invalid PEP 440 version',
    request: wheelUpload({ fields: { version: 'one point oh' } }),
    status: 400,
    message: /version field "one point oh" is not a valid PEP 440 version/,
  },
  {
    name: 'invalid project name',
    request: wheelUpload({ fields: { name: '-demo-' } }),
    status: 400,
    message: /name field "-demo-" is not a valid project name/,
  },
  // --- filenames
  {
    name: 'filename ../x.whl',
    request: wheelUpload({ file: { filename: `../${WHL}` } }),
    status: 400,
    message: /filename "\.\.\/demo_pkg-2\.0-py3-none-any\.whl" contains "\/" or "\\"/,
  },
  {
    name: 'filename a/b.whl',
    request: wheelUpload({ file: { filename: `a/${WHL}` } }),
    status: 400,
    message: /filename "a\/demo_pkg.*" contains "\/" or "\\"/,
  },
  {
    // Quoted-string escaping: a\\b on the wire is a\b.
    name: 'filename a\\b.whl',
    request: wheelUpload({ file: { filename: `a\\\\${WHL}` } }),
    status: 400,
    message: /filename "a\\\\demo_pkg.*" contains "\/" or "\\"/,
  },
  {
    name: 'filename with an absolute path',
    request: wheelUpload({ file: { filename: `/tmp/${WHL}` } }),
    status: 400,
    message: /filename "\/tmp\/demo_pkg.*" contains "\/" or "\\"/,
  },
  {
    name: 'filename with a Windows drive path',
    request: wheelUpload({ file: { filename: `C:\\\\Users\\\\me\\\\${WHL}` } }),
    status: 400,
    message: /contains "\/" or "\\"/,
  },
  {
    name: 'filename with a control character (tab)',
    request: wheelUpload({ file: { filename: `demo_pkg-2.0-py3-none-any\t.whl` } }),
    status: 400,
    message: /contains control characters/,
  },
  {
    name: 'filename with NUL (RFC 5987 filename*)',
    request: wheelUpload({ file: { filename: undefined, dispositionExtra: `filename*=utf-8''demo_pkg-2.0-py3-none-any.whl%00` } }),
    status: 400,
    message: /contains control characters \(such as NUL/,
  },
  {
    name: 'filename with a line break (RFC 5987 filename*)',
    request: wheelUpload({ file: { filename: undefined, dispositionExtra: `filename*=utf-8''demo_pkg-2.0%0A-py3-none-any.whl` } }),
    status: 400,
    message: /contains control characters/,
  },
  {
    name: 'filename starting with a dot',
    request: wheelUpload({ file: { filename: `.${WHL}` } }),
    status: 400,
    message: /starts with a dot/,
  },
  {
    name: 'content file part without a filename',
    request: wheelUpload({ file: { filename: '' } }),
    status: 400,
    message: /content file part has no filename/,
  },
  // --- filetype
  {
    name: 'filetype bdist_egg',
    request: wheelUpload({ fields: { filetype: 'bdist_egg' } }),
    status: 400,
    message: /filetype bdist_egg is not accepted.*upload a wheel \(bdist_wheel\) or a source distribution \(sdist\)/,
  },
  {
    name: 'filetype sdist with a .whl file',
    request: wheelUpload({ fields: { filetype: 'sdist', pyversion: 'source' } }),
    status: 400,
    message: /is a wheel by its extension, but the filetype field says sdist/,
  },
  {
    name: 'filetype bdist_wheel with a .tar.gz file',
    request: (f) => ({
      token: f.tokens.uploadAll,
      contentType: MULTIPART,
      body: twineBody({ bytes: f.sdist, filename: SDIST, fields: { filetype: 'bdist_wheel', pyversion: 'py3' } }),
    }),
    status: 400,
    message: /is a source distribution by its extension, but the filetype field says bdist_wheel/,
  },
  {
    name: 'an .egg file',
    request: wheelUpload({ fields: { filetype: 'bdist_wheel' }, file: { filename: 'demo_pkg-2.0-py3.9.egg' } }),
    status: 400,
    message: /Invalid file extension in "demo_pkg-2\.0-py3\.9\.egg"/,
  },
  // --- protocol
  {
    name: ':action=submit',
    request: wheelUpload({ fields: { ':action': 'submit' } }),
    status: 400,
    message: /:action=submit \(registering a project before uploading\) is not supported/,
  },
  { name: 'missing :action', request: wheelUpload({ fields: { ':action': undefined } }), status: 400, message: /no :action field/ },
  {
    name: ':action=doc_upload',
    request: wheelUpload({ fields: { ':action': 'doc_upload' } }),
    status: 400,
    message: /doc_upload \(uploading documentation\) is not supported/,
  },
  {
    name: 'protocol_version=2',
    request: wheelUpload({ fields: { protocol_version: '2' } }),
    status: 400,
    message: /Unknown protocol_version "2": this index speaks version 1/,
  },
  {
    name: 'metadata_version 3.0',
    request: wheelUpload({ fields: { metadata_version: '3.0' } }),
    status: 400,
    message: /The metadata_version field gives Metadata-Version "3\.0", a newer major version than this index understands/,
  },
  {
    name: 'Metadata-Version 3.0 inside the archive',
    request: (f) => bytesUpload(f, makeWheel({ metadata: coreMetadata('demo-pkg', '2.0', { metadataVersion: '3.0' }) })),
    status: 400,
    message: /Metadata-Version.*3\.0/,
  },
  {
    name: 'a single-valued field repeated (version twice)',
    request: wheelUpload({ fields: { version: ['2.0', '2.0'] } }),
    status: 400,
    message: /The version field is given 2 times in the upload form/,
  },
  {
    name: 'a single-valued field repeated (sha256_digest twice)',
    request: (f) => wheelUpload({ fields: { sha256_digest: [sha256(f.wheel), sha256(f.wheel)] } })(f),
    status: 400,
    message: /The sha256_digest field is given 2 times/,
  },
  // --- archives
  {
    name: 'corrupt zip (random bytes as a .whl)',
    request: (f) => bytesUpload(f, new Uint8Array(randomBytes(4096))),
    status: 400,
    message: /not a zip|no end of central directory/,
  },
  {
    name: 'truncated zip',
    request: (f) => bytesUpload(f, f.wheel.subarray(0, Math.floor(f.wheel.byteLength * 0.6))),
    status: 400,
    message: /truncated/,
  },
  {
    name: 'truncated tar.gz (cut before its PKG-INFO)',
    request: async (f) => {
      const sdist = await makeSdist('demo_pkg-2.0', coreMetadata('demo-pkg', '2.0', { metadataVersion: '2.2' }), [
        { name: 'demo_pkg-2.0/data.bin', content: new Uint8Array(randomBytes(20_000)) },
      ]);
      return bytesUpload(f, sdist.subarray(0, 8_000), SDIST);
    },
    status: 400,
    message: /truncated|unexpected end|corrupt/i,
  },
  {
    name: 'zip bomb: METADATA that inflates to 32 MiB',
    request: (f) => {
      const bomb = makeWheel({ metadata: coreMetadata('demo-pkg', '2.0', { body: 'A'.repeat(32 * MiB) }) });
      assert.ok(bomb.byteLength < MAX_UPLOAD_BYTES, `the bomb is ${bomb.byteLength} bytes`);
      return bytesUpload(f, bomb);
    },
    status: 400,
    message: /METADATA.*((larger|more) than|a ratio of \d+:1)|exceeds|too large/i,
  },
  {
    name: 'zip bomb that lies about its size: METADATA declared 1 KiB, inflates to 32 MiB',
    request: (f) => {
      const honest = makeWheel({ metadata: coreMetadata('demo-pkg', '2.0', { body: 'A'.repeat(32 * MiB) }) });
      return bytesUpload(f, withDeclaredSize(honest, 'demo_pkg-2.0.dist-info/METADATA', 1024));
    },
    status: 400,
    message: /METADATA/,
  },
  {
    name: 'wheel without WHEEL',
    request: (f) => bytesUpload(f, makeWheel({ omit: '/WHEEL' })),
    status: 400,
    message: /WHEEL/,
  },
  {
    name: 'wheel without RECORD',
    request: (f) => bytesUpload(f, makeWheel({ omit: '/RECORD' })),
    status: 400,
    message: /RECORD/,
  },
  {
    name: 'wheel without METADATA',
    request: (f) => bytesUpload(f, makeWheel({ omit: '/METADATA' })),
    status: 400,
    message: /METADATA/,
  },
  {
    name: 'wheel with a path-traversal entry',
    request: (f) => bytesUpload(f, makeWheel({ files: { '../evil.py': 'import os\n' } })),
    status: 400,
    message: /contains the entry "\.\.\/evil\.py", which has a "\.\." component: archive entries must be relative paths/,
  },
  // --- issue 14: every member of the archive is checked, not only the metadata
  {
    name: 'wheel: an entry with a nested ".." path',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'demo_pkg/../../evil.py': 'x' } })),
    status: 400,
    message: /contains the entry "demo_pkg\/\.\.\/\.\.\/evil\.py", which has a "\.\." component.*Rebuild the distribution/,
  },
  {
    name: 'wheel: an absolute entry /abs/evil.py',
    request: (f) => bytesUpload(f, makeWheel({ files: { '/abs/evil.py': 'x' } })),
    status: 400,
    message: /contains the entry "\/abs\/evil\.py", which has an absolute path/,
  },
  {
    name: 'wheel: an entry with backslashes',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'demo_pkg\\..\\..\\evil.py': 'x' } })),
    status: 400,
    message: /which has a backslash in its name: archive entries must be relative paths with "\/" separators/,
  },
  {
    name: 'wheel: an entry with a Windows drive letter',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'C:/Windows/evil.py': 'x' } })),
    status: 400,
    message: /contains the entry "C:\/Windows\/evil\.py", which has a Windows drive letter/,
  },
  {
    name: 'wheel: a symbolic link entry (Unix mode bits)',
    request: (f) => bytesUpload(f, wheelWithMode('demo_pkg/passwd', '/etc/passwd', 0o120777)),
    status: 400,
    message: /contains "demo_pkg\/passwd", which is a symbolic link: a distribution holds only regular files and directories\. Rebuild it with the link replaced/,
  },
  {
    name: 'wheel: a character device entry',
    request: (f) => bytesUpload(f, wheelWithMode('demo_pkg/tty', '', 0o020666)),
    status: 400,
    message: /"demo_pkg\/tty", which is a character device/,
  },
  {
    name: 'wheel: two entries that extract to one file (NFC and NFD spellings)',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'demo_pkg/caf\u00e9.py': 'a', 'demo_pkg/cafe\u0301.py': 'b' } })),
    status: 400,
    message: /which extract to the same file: an installer would keep one and silently drop the other\. Rebuild/,
  },
  {
    name: 'wheel: the same entry twice (./ spelling)',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'demo_pkg/./__init__.py': 'EVIL = 1\n' } })),
    status: 400,
    message: /contains "demo_pkg\/__init__\.py" and "demo_pkg\/\.\/__init__\.py", which extract to the same file/,
  },
  {
    name: 'wheel: member bomb by ratio (48 MiB of zeros in 47 KB)',
    request: (f) => {
      const bomb = makeWheel({ files: { 'demo_pkg/data.bin': new Uint8Array(48 * MiB) } });
      assert.ok(bomb.byteLength < MAX_UPLOAD_BYTES, `the bomb is ${bomb.byteLength} bytes`);
      return bytesUpload(f, bomb);
    },
    status: 400,
    message: /demo_pkg\/data\.bin declares 50331648 bytes uncompressed from \d+ compressed bytes, a ratio of 10\d\d:1; this index accepts at most 100:1/,
  },
  {
    name: 'wheel: a member that inflates past the size both its headers declare',
    request: (f) => bytesUpload(f, withDeclaredSize(makeWheel({ files: { 'demo_pkg/data.bin': 'A'.repeat(200_000) } }), 'demo_pkg/data.bin', 1000)),
    status: 400,
    message: /"demo_pkg\/data\.bin" inflates to more than its declared 1000 bytes/,
  },
  {
    name: 'wheel: a member that inflates to less than it declares',
    request: (f) => bytesUpload(f, withDeclaredSize(makeWheel({ files: { 'demo_pkg/data.bin': 'A'.repeat(1000) } }), 'demo_pkg/data.bin', 2000)),
    status: 400,
    message: /"demo_pkg\/data\.bin" is corrupt: it inflates to 1000 bytes, not the declared 2000/,
  },
  {
    name: 'wheel: local header names another file than the central directory',
    request: (f) =>
      bytesUpload(
        f,
        patchHeaders(makeWheel({ files: { 'demo_pkg/good.py': 'x = 1\n' } }), 'demo_pkg/good.py', (view, p, local) => {
          if (local) new Uint8Array(view.buffer).set(Buffer.from('demo_pkg/evil.py'), p + 30);
        }),
      ),
    status: 400,
    message: /the local header of "demo_pkg\/good\.py" names it "demo_pkg\/evil\.py": the two headers of an entry must agree/,
  },
  {
    name: 'wheel: local header sizes disagree with the central directory',
    request: (f) =>
      bytesUpload(
        f,
        patchHeaders(makeWheel(), 'demo_pkg/__init__.py', (view, p, local) => {
          if (local) view.setUint32(p + 22, view.getUint32(p + 22, true) + 1, true);
        }),
      ),
    status: 400,
    message: /the local header of "demo_pkg\/__init__\.py" gives other sizes or CRC than the central directory/,
  },
  {
    name: 'wheel: a member that fails its CRC (both headers agree on the wrong one)',
    request: (f) => bytesUpload(f, patchHeaders(makeWheel(), 'demo_pkg/__init__.py', (view, p, local) => view.setUint32(p + (local ? 14 : 16), 0xdeadbeef, true))),
    status: 400,
    message: /"demo_pkg\/__init__\.py" fails its CRC-32 check/,
  },
  {
    name: 'wheel: two entries pointing at the same data (overlap bomb)',
    request: (f) => {
      const wheel = makeWheel();
      let first = -1;
      const patched = patchHeaders(wheel, 'demo_pkg-2.0.dist-info/RECORD', () => undefined);
      const view = new DataView(patched.buffer);
      for (let p = 0; p + 46 < patched.length; p++) {
        if (view.getUint32(p, true) === 0x02014b50) {
          if (first < 0) first = view.getUint32(p + 42, true);
          else view.setUint32(p + 42, first, true);
        }
      }
      return bytesUpload(f, patched);
    },
    status: 400,
    message: /overlaps the next entry or the central directory|names it/,
  },
  {
    name: 'wheel: METADATA that names another project (and its .dist-info after it)',
    request: (f) =>
      bytesUpload(f, makeWheel({ name: 'other-pkg' }), WHL),
    status: 400,
    message: /metadata directory other_pkg-2\.0\.dist-info\/ does not match the filename \(expected demo_pkg-2\.0\.dist-info\/\)/,
  },
  {
    name: 'wheel: METADATA starting with a UTF-8 BOM',
    request: (f) => bytesUpload(f, makeWheel({ metadata: `\uFEFF${coreMetadata('demo-pkg', '2.0')}` })),
    status: 400,
    message: /METADATA starts with a UTF-8 byte order mark \(BOM\), which pip 23\.2 and later refuse as bad metadata\. Rebuild the distribution so the file is UTF-8 without a BOM/,
  },
  {
    name: 'wheel: METADATA with bytes that are not UTF-8',
    request: (f) => {
      const zippable: Zippable = {
        'demo_pkg/__init__.py': strToU8(''),
        'demo_pkg-2.0.dist-info/METADATA': Buffer.from(`${coreMetadata('demo-pkg', '2.0')}Author: Zo\xeb\n`, 'latin1'),
        'demo_pkg-2.0.dist-info/WHEEL': strToU8(WHEEL_FILE),
        'demo_pkg-2.0.dist-info/RECORD': strToU8(''),
      };
      return bytesUpload(f, zipSync(zippable));
    },
    status: 400,
    message: /METADATA is not valid UTF-8 .*Core metadata files must be UTF-8 encoded/,
  },
  {
    name: 'wheel: Requires-Dist ;;;??? (InvalidRequirement in pip)',
    request: (f) => bytesUpload(f, wheelWithMetadata('Requires-Dist: ;;;???')),
    status: 400,
    message: /has Requires-Dist ";;;\?\?\?", which is not a valid PEP 508 requirement \(expected a project name.*InvalidRequirement\. Fix the dependency/,
  },
  {
    name: 'wheel: Requires-Dist with an unknown marker variable',
    request: (f) => bytesUpload(f, wheelWithMetadata('Requires-Dist: requests; python_versio >= "3.8"')),
    status: 400,
    message: /Requires-Dist "requests; python_versio >= \\"3\.8\\"".*the marker .*expected a marker variable/,
  },
  {
    name: 'wheel: Requires-Dist with a version that is not PEP 440',
    request: (f) => bytesUpload(f, wheelWithMetadata('Requires-Dist: requests (>=2.x)')),
    status: 400,
    message: /">=2\.x" is not a valid PEP 440 version specifier/,
  },
  {
    name: 'wheel: Requires-Dist with a marker cut short',
    request: (f) => bytesUpload(f, wheelWithMetadata('Requires-Dist: requests; os_name == "nt" and')),
    status: 400,
    message: /Requires-Dist "requests; os_name == \\"nt\\" and", which is not a valid PEP 508 requirement/,
  },
  {
    name: 'wheel: Requires-Python: not a spec',
    request: (f) => bytesUpload(f, makeWheel({ metadata: coreMetadata('demo-pkg', '2.0').replace('>=3.9', 'not a spec') })),
    status: 400,
    message: /has Requires-Python "not a spec", which is not a valid PEP 440 version specifier; pip cannot use it\. Give one such as ">=3\.9"/,
  },
  {
    name: 'wheel: Requires-Python >=3.6.* (".*" after >=)',
    request: (f) => bytesUpload(f, makeWheel({ metadata: coreMetadata('demo-pkg', '2.0').replace('>=3.9', '>=3.6.*') })),
    status: 400,
    message: /has Requires-Python ">=3\.6\.\*"/,
  },
  {
    name: 'wheel: Provides-Extra that is not a name',
    request: (f) => bytesUpload(f, wheelWithMetadata('Provides-Extra: dev tools')),
    status: 400,
    message: /has Provides-Extra "dev tools", which is not a valid extra name/,
  },
  {
    name: 'sdist: truncated after PKG-INFO (pip: EOFError)',
    request: async (f) => {
      const sdist = await sdistWith([{ header: { name: 'demo_pkg-2.0/data.bin' }, content: new Uint8Array(randomBytes(20_000)) }]);
      return bytesUpload(f, sdist.subarray(0, sdist.byteLength - 2_000), SDIST);
    },
    status: 400,
    message: /demo_pkg-2\.0\.tar\.gz is not a valid tar\.gz archive: unexpected end of file\. Build it again.*upload the complete file/,
  },
  {
    name: 'sdist: the gzip trailer cut off (all tar data present)',
    request: async (f) => {
      const sdist = await sdistWith([]);
      return bytesUpload(f, sdist.subarray(0, sdist.byteLength - 4), SDIST);
    },
    status: 400,
    message: /not a valid tar\.gz archive: unexpected end of file/,
  },
  {
    name: 'sdist: a wrong gzip CRC',
    request: async (f) => {
      const sdist = (await sdistWith([])).slice();
      sdist[sdist.byteLength - 8] = sdist[sdist.byteLength - 8]! ^ 0xff;
      return bytesUpload(f, sdist, SDIST);
    },
    status: 400,
    message: /not a valid tar\.gz archive: incorrect data check/,
  },
  {
    name: 'sdist: a tar without its end-of-archive marker',
    request: async (f) => {
      const { gunzipSync } = await import('node:zlib');
      const raw = gunzipSync(await sdistWith([]));
      // directory, PKG-INFO header + 1 block, setup.py header + 1 block: 5 blocks, then the marker.
      return bytesUpload(f, new Uint8Array(gzipSync(raw.subarray(0, 5 * 512))), SDIST);
    },
    status: 400,
    message: /not a valid tar\.gz archive: it ends before its end-of-archive marker \(the file is truncated\)/,
  },
  {
    name: 'sdist: ../../evil.py after PKG-INFO',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'demo_pkg-2.0/../../evil.py' }, content: 'x' }]), SDIST),
    status: 400,
    message: /contains the entry "demo_pkg-2\.0\/\.\.\/\.\.\/evil\.py", which has a "\.\." component/,
  },
  {
    name: 'sdist: /abs/evil.py after PKG-INFO',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: '/abs/evil.py' }, content: 'x' }]), SDIST),
    status: 400,
    message: /contains the entry "\/abs\/evil\.py", which has an absolute path/,
  },
  {
    name: 'sdist: a backslash path after PKG-INFO',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'demo_pkg-2.0\\..\\evil.py' }, content: 'x' }]), SDIST),
    status: 400,
    message: /which has a backslash in its name/,
  },
  {
    name: 'sdist: a symlink to /etc/passwd',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'demo_pkg-2.0/passwd', type: 'symlink', linkname: '/etc/passwd' } }]), SDIST),
    status: 400,
    message: /contains "demo_pkg-2\.0\/passwd", which is a symbolic link: a source distribution holds only regular files and directories\. Rebuild it/,
  },
  {
    name: 'sdist: a hard link to /etc/shadow',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'demo_pkg-2.0/shadow', type: 'link', linkname: '/etc/shadow' } }]), SDIST),
    status: 400,
    message: /"demo_pkg-2\.0\/shadow", which is a hard link/,
  },
  {
    name: 'sdist: a character device',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'demo_pkg-2.0/tty', type: 'character-device', devmajor: 5, devminor: 0 } }]), SDIST),
    status: 400,
    message: /"demo_pkg-2\.0\/tty", which is a character device/,
  },
  {
    name: 'sdist: a FIFO',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'demo_pkg-2.0/pipe', type: 'fifo' } }]), SDIST),
    status: 400,
    message: /"demo_pkg-2\.0\/pipe", which is a FIFO/,
  },
  {
    name: 'sdist: a second PKG-INFO naming another project',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'other_pkg-6.6/PKG-INFO' }, content: coreMetadata('other-pkg', '6.6') }]), SDIST),
    status: 400,
    message: /has entries in two top-level directories \("demo_pkg-2\.0" and "other_pkg-6\.6"\): a source distribution holds everything in one, demo_pkg-2\.0\/\. Build it with python -m build --sdist/,
  },
  {
    name: 'sdist: PKG-INFO twice in its directory',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'demo_pkg-2.0/PKG-INFO' }, content: coreMetadata('other-pkg', '6.6') }]), SDIST),
    status: 400,
    message: /contains "demo_pkg-2\.0\/PKG-INFO" twice: an installer would keep one and silently drop the other/,
  },
  {
    name: 'sdist: a file outside the top-level directory',
    request: async (f) => bytesUpload(f, await sdistWith([{ header: { name: 'sitecustomize.py' }, content: 'import os\n' }]), SDIST),
    status: 400,
    message: /has "sitecustomize\.py" outside any directory: a source distribution holds everything in one top-level directory demo_pkg-2\.0\//,
  },
  {
    name: 'sdist: a bomb by ratio (48 MiB of zeros)',
    request: async (f) => {
      const bomb = await sdistWith([{ header: { name: 'demo_pkg-2.0/zeros.bin' }, content: new Uint8Array(48 * MiB) }]);
      assert.ok(bomb.byteLength < MAX_UPLOAD_BYTES, `the bomb is ${bomb.byteLength} bytes`);
      return bytesUpload(f, bomb, SDIST);
    },
    status: 400,
    message: /demo_pkg-2\.0\.tar\.gz: it unpacks to \d+ bytes uncompressed from \d+ compressed bytes, a ratio of \d+:1; this index accepts at most 100:1/,
  },
  {
    name: 'sdist: PKG-INFO with a UTF-8 BOM',
    request: async (f) => bytesUpload(f, await sdistWith([], `\uFEFF${coreMetadata('demo-pkg', '2.0')}`), SDIST),
    status: 400,
    message: /PKG-INFO starts with a UTF-8 byte order mark/,
  },
  {
    name: 'sdist: PKG-INFO with Requires-Dist that is not PEP 508',
    request: async (f) => bytesUpload(f, await sdistWith([], coreMetadata('demo-pkg', '2.0').replace('Requires-Python: >=3.9', 'Requires-Python: >=3.9\nRequires-Dist: foo bar')), SDIST),
    status: 400,
    message: /PKG-INFO has Requires-Dist "foo bar", which is not a valid PEP 508 requirement/,
  },
  {
    name: 'sdist without PKG-INFO',
    request: async (f) => {
      const pack = tar.pack();
      pack.entry({ name: 'demo_pkg-2.0/setup.py' }, 'from setuptools import setup\nsetup()\n');
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of pack) chunks.push(chunk as Buffer);
      return bytesUpload(f, new Uint8Array(gzipSync(Buffer.concat(chunks))), SDIST);
    },
    status: 400,
    message: /PKG-INFO/,
  },
  { name: 'empty file', request: (f) => bytesUpload(f, new Uint8Array(0)), status: 400, message: /is empty \(0 bytes\)/ },
  // --- the body itself
  {
    name: 'not multipart: a JSON body',
    request: (f) => ({ token: f.tokens.uploadAll, contentType: 'application/json', body: JSON.stringify({ name: 'demo-pkg', version: '2.0' }) }),
    status: 400,
    message: /Content-Type "application\/json", but the upload API takes multipart\/form-data/,
  },
  {
    name: 'not multipart: a urlencoded body',
    request: (f) => ({
      token: f.tokens.uploadAll,
      contentType: 'application/x-www-form-urlencoded',
      body: ':action=file_upload&name=demo-pkg&version=2.0',
    }),
    status: 400,
    message: /application\/x-www-form-urlencoded", but the upload API takes multipart\/form-data/,
  },
  {
    name: 'no Content-Type at all',
    request: (f) => ({ token: f.tokens.uploadAll, body: twineBody({ bytes: f.wheel, filename: WHL }) }),
    status: 400,
    message: /has no Content-Type header|takes multipart\/form-data/,
  },
  {
    name: 'multipart without a boundary',
    request: (f) => ({ token: f.tokens.uploadAll, contentType: 'multipart/form-data', body: twineBody({ bytes: f.wheel, filename: WHL }) }),
    status: 400,
    message: /has no boundary parameter/,
  },
  {
    name: 'truncated multipart body',
    request: (f) => {
      const body = twineBody({ bytes: f.wheel, filename: WHL });
      return { token: f.tokens.uploadAll, contentType: MULTIPART, body: body.subarray(0, body.byteLength - 400) };
    },
    status: 400,
    message: /malformed or truncated/,
  },
  {
    name: 'multipart body without its closing boundary',
    request: (f) => ({ token: f.tokens.uploadAll, contentType: MULTIPART, body: multipart(twineParts({ bytes: f.wheel, filename: WHL }), { close: false }) }),
    status: 400,
    message: /malformed or truncated/,
  },
  {
    name: 'empty body',
    request: (f) => ({ token: f.tokens.uploadAll, contentType: MULTIPART, body: new Uint8Array(0) }),
    status: 400,
    message: /body is empty/,
  },
  {
    name: 'file part under another field name',
    request: wheelUpload({ file: { name: 'file' } }),
    status: 400,
    message: /file part named "file"; the distribution must be sent as the file part named content/,
  },
  {
    name: 'two content parts',
    request: (f) =>
      wheelUpload({
        extraParts: [{ name: 'content', filename: WHL, value: f.wheel, headers: ['Content-Type: application/octet-stream'] }],
      })(f),
    status: 400,
    message: /two content file parts/,
  },
  // --- sizes
  {
    name: 'file over maxUploadBytes (64 KiB)',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'demo_pkg/blob.bin': new Uint8Array(randomBytes(100 * 1024)) } })),
    status: 413,
    message: /larger than 65536 bytes.*wharf publish.*\/upload\/2\.0\/.*vnd-wharf-s3multipart-presigned/s,
  },
  {
    name: 'body far over maxUploadBytes (refused before parsing)',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'demo_pkg/blob.bin': new Uint8Array(randomBytes(1.5 * MiB)) } })),
    status: 413,
    message: /The upload is \d+ bytes\. Files over 65536 bytes cannot go through the upload API.*wharf publish.*\/upload\/2\.0\/.*vnd-wharf-s3multipart-presigned/s,
  },
  {
    name: 'body over the Lambda invoke limit once base64-encoded (4.8 MB)',
    request: (f) => bytesUpload(f, makeWheel({ files: { 'demo_pkg/blob.bin': new Uint8Array(randomBytes(4.8 * 1000 * 1000)) } })),
    status: 413,
    message: /^\{"message":"Request Too Long"\}$/,
  },
  {
    name: 'body over the API Gateway payload limit (10.5 MiB)',
    request: (f) => ({
      ...bytesUpload(f, makeWheel({ files: { 'demo_pkg/blob.bin': new Uint8Array(randomBytes(10.5 * MiB)) } })),
      ownConnection: true,
    }),
    status: 413,
    message: /HTTP content length exceeded/,
  },
  // --- who is asking
  {
    name: 'unauthenticated',
    request: (f) => ({ ...wheelUpload()(f), authorization: '' }),
    status: 401,
    message: /Authentication required.*__token__/,
    check: (reply) => assert.equal(reply.header('www-authenticate'), 'Basic realm="Wharf"'),
  },
  {
    name: 'a wrong username in Basic',
    request: (f) => ({ ...wheelUpload()(f), authorization: basicAuth('alice', f.tokens.uploadAll) }),
    status: 401,
    message: /no user accounts: use the username __token__.*not "alice"/,
  },
  {
    name: 'Basic credentials without a colon',
    request: (f) => ({ ...wheelUpload()(f), authorization: `Basic ${Buffer.from('__token__').toString('base64')}` }),
    status: 401,
    message: /Malformed Basic credentials/,
  },
  {
    name: 'an unsupported Authorization scheme',
    request: (f) => ({ ...wheelUpload()(f), authorization: `Digest username="__token__"` }),
    status: 401,
    message: /Unsupported Authorization scheme/,
  },
  {
    name: 'a bad token',
    request: (f) => ({ ...wheelUpload()(f), token: `${f.tokens.uploadAll.slice(0, -4)}AAAA` }),
    status: 401,
    message: /This token is not valid/,
  },
  {
    name: 'a revoked token',
    request: (f) => ({ ...wheelUpload()(f), token: f.tokens.revoked }),
    status: 401,
    message: /was revoked on/,
  },
  {
    name: 'a read-only token',
    request: (f) => ({ ...wheelUpload()(f), token: f.tokens.read }),
    status: 403,
    message: /may not upload to "demo-pkg": that needs the scope upload:demo-pkg/,
  },
  {
    name: 'an upload token for another project',
    request: (f) => ({ ...wheelUpload()(f), token: f.tokens.uploadOther }),
    status: 403,
    message: /may not upload to "demo-pkg": that needs the scope upload:demo-pkg.*This token has: upload:other-pkg/,
  },
  {
    name: 'a project-scoped token creating a new project',
    request: (f) => {
      const bytes = makeWheel({ name: 'brand-new', version: '1.0' });
      return {
        token: f.tokens.uploadBrandNew,
        contentType: MULTIPART,
        body: twineBody({ bytes, filename: 'brand_new-1.0-py3-none-any.whl', fields: { name: 'brand-new', version: '1.0' } }),
      };
    },
    status: 403,
    message: /"brand-new" is not in the index yet, and only a token with the scope upload:\* \(or admin\) may create a project/,
  },
  // --- the index already has it
  {
    name: 'same filename, other bytes',
    request: (f) => {
      const bytes = makeWheel({ version: '1.0', files: { 'demo_pkg/other.py': 'OTHER = True\n' } });
      return { token: f.tokens.uploadDemo, contentType: MULTIPART, body: twineBody({ bytes, filename: 'demo_pkg-1.0-py3-none-any.whl', fields: { version: '1.0' } }) };
    },
    status: 400,
    message: /^File already exists: demo_pkg-1\.0-py3-none-any\.whl/,
  },
  {
    name: 'a deleted filename reused (the very bytes that were deleted)',
    request: (f) => ({
      token: f.tokens.uploadDemo,
      contentType: MULTIPART,
      body: twineBody({ bytes: f.deletedWheel, filename: 'demo_pkg-1.1-py3-none-any.whl', fields: { version: '1.1' } }),
    }),
    status: 400,
    message: /demo_pkg-1\.1-py3-none-any\.whl was deleted on \d{4}-\d{2}-\d{2}, and a deleted file can never be published again/,
    check: notAlreadyExists,
  },
  {
    name: 'a deleted filename reused with other bytes',
    request: (f) => {
      const bytes = makeWheel({ version: '1.1', files: { 'demo_pkg/fixed.py': 'FIXED = True\n' } });
      return { token: f.tokens.uploadDemo, contentType: MULTIPART, body: twineBody({ bytes, filename: 'demo_pkg-1.1-py3-none-any.whl', fields: { version: '1.1' } }) };
    },
    status: 400,
    message: /was deleted on .*Publish a new version instead, or a post-release such as 1\.1\.post1/,
    check: notAlreadyExists,
  },
  // --- another spelling of a file the index holds, or held: one file, one filename
  ...(
    [
      ['case', 'Demo_Pkg-1.0-py3-none-any.whl', '1.0'],
      ['upper case', 'DEMO_PKG-1.0-py3-none-any.whl', '1.0'],
      ['a dot for the separator', 'demo.pkg-1.0-py3-none-any.whl', '1.0'],
      ['1.0.0 for 1.0', 'demo_pkg-1.0.0-py3-none-any.whl', '1.0.0'],
      ['tags in other case', 'demo_pkg-1.0-PY3-none-any.whl', '1.0'],
    ] as const
  ).map(
    ([how, filename, version]): Case => ({
      name: `another spelling of a published wheel (${how}): ${filename}`,
      request: (f) => {
        const bytes = makeWheel({ version: '1.0', files: { 'demo_pkg/respelled.py': 'X = 1\n' } });
        return { token: f.tokens.uploadDemo, contentType: MULTIPART, body: twineBody({ bytes, filename, fields: { version } }) };
      },
      status: 400,
      message: new RegExp(`^${filename.replace(/\./g, '\\.')} is the same file as demo_pkg-1\\.0-py3-none-any\\.whl, which this index holds`),
      check: notAlreadyExists,
    }),
  ),
  ...(
    [
      ['.zip beside .tar.gz', 'demo_pkg-1.0.zip', '1.0'],
      ['1.00 for 1.0', 'demo_pkg-1.00.tar.gz', '1.00'],
      ['another case', 'Demo_Pkg-1.0.tar.gz', '1.0'],
    ] as const
  ).map(
    ([how, filename, version]): Case => ({
      name: `a second sdist of a release (${how}): ${filename}`,
      request: async (f) => {
        const base = filename.replace(/\.(tar\.gz|zip)$/, '');
        const bytes = filename.endsWith('.zip')
          ? zipSync({ [`${base}/PKG-INFO`]: strToU8(coreMetadata('demo-pkg', version)), [`${base}/setup.py`]: strToU8('') })
          : await makeSdist(base, coreMetadata('demo-pkg', version));
        return { token: f.tokens.uploadDemo, contentType: MULTIPART, body: twineBody({ bytes, filename, fields: { version } }) };
      },
      status: 400,
      message: new RegExp(`^${filename.replace(/\./g, '\\.')} is the same file as demo_pkg-1\\.0\\.tar\\.gz, which this index holds \\(a release has at most one sdist`),
      check: notAlreadyExists,
    }),
  ),
  ...(
    [
      ['case', 'Demo_Pkg-1.1-py3-none-any.whl', '1.1'],
      ['1.1.0 for 1.1', 'demo_pkg-1.1.0-py3-none-any.whl', '1.1.0'],
    ] as const
  ).map(
    ([how, filename, version]): Case => ({
      name: `another spelling of a deleted wheel (${how}): ${filename}`,
      request: (f) => ({ token: f.tokens.uploadDemo, contentType: MULTIPART, body: twineBody({ bytes: f.deletedWheel, filename, fields: { version } }) }),
      status: 400,
      message: new RegExp(`^${filename.replace(/\./g, '\\.')} is the same file as demo_pkg-1\\.1-py3-none-any\\.whl \\(.*\\), which was deleted on`),
      check: notAlreadyExists,
    }),
  ),
  // --- other methods
  {
    name: 'GET /legacy/',
    request: (f) => ({ method: 'GET', token: f.tokens.uploadAll }),
    status: 405,
    message: /^The upload API takes POST: twine upload --repository-url \/legacy\//,
  },
  {
    name: 'PUT /legacy/',
    request: (f) => ({ ...wheelUpload()(f), method: 'PUT' }),
    status: 404,
    message: /no route for PUT \/legacy\//,
  },
  {
    name: 'POST to another path than /legacy/',
    request: (f) => ({ ...wheelUpload()(f), path: '/upload/' }),
    status: 404,
    message: /Nothing takes a POST at \/upload\/\. Upload with twine to \/legacy\//,
  },
];

// ---------------------------------------------------------------------------------------
// What the stores hold

interface Snapshot {
  readonly metadata: string[];
  readonly tokens: string[];
  readonly objects: string[];
}

async function scanAll(dynamodb: DynamoDBClient, tableName: string): Promise<string[]> {
  const items: string[] = [];
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      // Attribute order is not significant: sort the keys so equal items print the same.
      items.push(JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort();
}

async function listAll(s3: S3Client, bucket: string): Promise<string[]> {
  const objects: string[] = [];
  let token: ListObjectsV2CommandOutput['NextContinuationToken'];
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) objects.push(`${object.Key} ${object.ETag} ${object.Size}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects.sort();
}

// ---------------------------------------------------------------------------------------

function headersOf(spec: RequestSpec): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'twine/4.0.2 (upload-bad-input test)' };
  const authorization = spec.authorization ?? (spec.token ? basicAuth('__token__', spec.token) : undefined);
  if (authorization) headers['authorization'] = authorization;
  if (spec.contentType !== undefined) headers['content-type'] = spec.contentType;
  return headers;
}

async function send(wharf: LocalWharf, spec: RequestSpec): Promise<Reply> {
  if (spec.ownConnection) return sendOnOwnConnection(wharf, spec);
  const method = spec.method ?? 'POST';
  const response = await fetch(`${wharf.url}${spec.path ?? '/legacy/'}`, {
    method,
    headers: headersOf(spec),
    redirect: 'manual',
    ...(spec.body !== undefined && method !== 'GET' ? { body: spec.body } : {}),
  });
  const body = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
}

function sendOnOwnConnection(wharf: LocalWharf, spec: RequestSpec, agent: Agent | false = false): Promise<Reply> {
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : Buffer.from(spec.body ?? new Uint8Array(0));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${wharf.url}${spec.path ?? '/legacy/'}`,
      { method: spec.method ?? 'POST', agent, headers: { ...headersOf(spec), 'content-length': String(body.byteLength) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const header = (name: string) => {
            const value = res.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : value;
          };
          resolve({ status: res.statusCode ?? 0, header, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST /legacy/: bad input gets a clear 4xx and changes nothing', () => {
  let wharf: LocalWharf;
  let dynamodb: DynamoDBClient;
  let tokenClient: DynamoDbJsonClient | undefined;
  let s3: S3Client;
  let fixtures: Fixtures;
  let baseline: Snapshot;

  const snapshot = async (): Promise<Snapshot> => ({
    metadata: await scanAll(dynamodb, wharf.stores.tableName),
    tokens: await scanAll(dynamodb, wharf.stores.tokensTableName),
    objects: await listAll(s3, wharf.stores.bucketName),
  });

  before(async () => {
    wharf = await startLocalWharf({ port: 0, maxUploadBytes: MAX_UPLOAD_BYTES, logLevel: 'SILENT' });
    dynamodb = createDynamoDbSdkClient(wharf.stores);
    s3 = createS3Client(wharf.stores);
    tokenClient = createDynamoDbClient(wharf.stores);
    const admin = new TokenAdmin(new DynamoDbTokenStore(tokenClient, wharf.stores.tokensTableName));
    const make = async (scopes: string[]) => (await admin.create({ scopes, createdBy: 'test' })).token;
    const revoked = await admin.create({ scopes: ['upload:*'], createdBy: 'test' });
    await admin.revoke(revoked.view.id, 'test');
    const tokens: Tokens = {
      admin: wharf.admin.token,
      uploadAll: await make(['upload:*']),
      uploadDemo: await make(['upload:demo-pkg']),
      uploadOther: await make(['upload:other-pkg']),
      uploadBrandNew: await make(['upload:brand-new']),
      read: await make(['read:*']),
      revoked: revoked.token,
    };
    fixtures = {
      tokens,
      wheel: makeWheel(),
      sdist: await makeSdist('demo_pkg-2.0', coreMetadata('demo-pkg', '2.0', { metadataVersion: '2.2' })),
      deletedWheel: makeWheel({ version: '1.1' }),
    };

    // The seed: demo-pkg 1.0 published; demo-pkg 1.1 published, then deleted.
    for (const [version, bytes] of [['1.0', makeWheel({ version: '1.0' })], ['1.1', fixtures.deletedWheel]] as const) {
      const seeded = await send(wharf, {
        token: tokens.uploadAll,
        contentType: MULTIPART,
        body: twineBody({ bytes, filename: `demo_pkg-${version}-py3-none-any.whl`, fields: { version } }),
      });
      assert.equal(seeded.status, 200, seeded.body);
    }
    const seededSdist = await send(wharf, {
      token: tokens.uploadAll,
      contentType: MULTIPART,
      body: twineBody({
        bytes: await makeSdist('demo_pkg-1.0', coreMetadata('demo-pkg', '1.0')),
        filename: 'demo_pkg-1.0.tar.gz',
        fields: { version: '1.0' },
      }),
    });
    assert.equal(seededSdist.status, 200, seededSdist.body);
    const deleted = await fetch(`${wharf.url}/api/projects/demo-pkg/files/demo_pkg-1.1-py3-none-any.whl`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    assert.equal(deleted.status, 200, await deleted.text());

    baseline = await snapshot();
    assert.ok(baseline.objects.some((o) => o.includes('/demo_pkg-1.0-py3-none-any.whl ')), 'the seeded file is stored');
    assert.ok(baseline.metadata.length > 0);
  });

  after(async () => {
    dynamodb?.destroy();
    tokenClient?.destroy();
    s3?.destroy();
    await wharf?.close();
  });

  test(`the table has at least 40 cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 40, `only ${CASES.length} cases`);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, 'case names are unique');
  });

  for (const c of CASES) {
    test(c.name, async () => {
      const reply = await send(wharf, await c.request(fixtures));
      assert.equal(reply.status, c.status, `status ${reply.status}, body: ${reply.body.slice(0, 500)}`);
      assert.ok(reply.status >= 400 && reply.status < 500);
      assert.match(reply.body, c.message);
      assert.doesNotMatch(reply.body, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace in the body');
      if (reply.status === 401) assert.equal(reply.header('www-authenticate'), 'Basic realm="Wharf"');
      c.check?.(reply);
      assert.deepEqual(await snapshot(), baseline, 'the table, the tokens table and the bucket are unchanged');
    });
  }

  test('a body over 10 MiB on a kept-alive connection: the 413 arrives and the connection is closed or still usable', async () => {
    // Clients pool connections (fetch, requests' Session in twine): a response that says
    // keep-alive promises the connection takes the next request.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = bytesUpload(fixtures, makeWheel({ files: { 'demo_pkg/blob.bin': new Uint8Array(randomBytes(10.5 * MiB)) } }));
      const refused = await sendOnOwnConnection(wharf, big, agent);
      assert.equal(refused.status, 413, refused.body);
      assert.match(refused.body, /HTTP content length exceeded/);
      if (refused.header('connection')?.toLowerCase() !== 'close') {
        let timer: NodeJS.Timeout | undefined;
        const next = await Promise.race([
          sendOnOwnConnection(wharf, { method: 'GET', path: '/simple/' }, agent).catch((err: unknown) => err as Error),
          new Promise<Error>((resolve) => (timer = setTimeout(() => resolve(new Error('no answer within 3 s')), 3000))),
        ]);
        clearTimeout(timer);
        assert.ok(
          !(next instanceof Error),
          `the 413 said Connection: ${refused.header('connection')}, but the next request on that connection failed: ${String(next)}`,
        );
        assert.equal(next.status, 200);
      }
    } finally {
      agent.destroy();
    }
    assert.deepEqual(await snapshot(), baseline);
  });

  test('the valid upload the cases were broken from is accepted (so each case failed for its own reason)', async () => {
    const reply = await send(wharf, wheelUpload()(fixtures));
    assert.equal(reply.status, 200, reply.body);
    assert.match(reply.body, /OK: demo_pkg-2\.0-py3-none-any\.whl is published/);
    // And the snapshot sees a write when there is one.
    const now = await snapshot();
    assert.ok(now.objects.some((o) => o.includes('/demo_pkg-2.0-py3-none-any.whl ')));
    assert.ok(now.metadata.length > baseline.metadata.length);
  });
});
