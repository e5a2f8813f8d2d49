import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { blake2b } from '@noble/hashes/blake2.js';
import { type Zippable, strToU8, zipSync } from 'fflate';
import tar from 'tar-stream';

import { parseCoreMetadata } from '../../lambdas/core/core-metadata.ts';
import { inspectDistribution } from '../../lambdas/core/distribution.ts';
import { InvalidInputError } from '../../lambdas/core/errors.ts';
import { type UploadedFile, checkMetadataAgreement, checkUploadedFile, validateUpload } from '../../lambdas/core/legacy-upload.ts';
import { RELEASE_METADATA_LIMITS, releaseMetadataOf } from '../../lambdas/core/release-metadata.ts';
import { type UploadFields, parseUploadFields } from '../../lambdas/core/upload-form.ts';

// ---------------------------------------------------------------------------------------
// Distributions and forms, built in memory

function metadata(name: string, version: string, { metadataVersion = '2.1', extra = [] as string[], body = '' } = {}): string {
  return [`Metadata-Version: ${metadataVersion}`, `Name: ${name}`, `Version: ${version}`, ...extra, '', body].join('\n');
}

const WHEEL_FILE = 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n';

function makeWheel(options: { distInfo?: string; metadata?: string; omit?: string; files?: Record<string, string | Uint8Array> } = {}): Uint8Array {
  const distInfo = options.distInfo ?? 'demo_pkg-1.0.dist-info';
  const files: Record<string, string | Uint8Array> = {
    'demo_pkg/__init__.py': 'VALUE = 1\n',
    [`${distInfo}/METADATA`]: options.metadata ?? metadata('demo-pkg', '1.0', { extra: ['Requires-Python: >=3.9'] }),
    [`${distInfo}/WHEEL`]: WHEEL_FILE,
    [`${distInfo}/RECORD`]: 'demo_pkg/__init__.py,,\n',
    ...options.files,
  };
  const zippable: Zippable = {};
  for (const [path, content] of Object.entries(files)) {
    if (options.omit !== undefined && path.endsWith(options.omit)) continue;
    zippable[path] = typeof content === 'string' ? strToU8(content) : content;
  }
  return zipSync(zippable);
}

async function makeTarGz(entries: readonly { name: string; content?: string | Uint8Array }[]): Promise<Uint8Array> {
  const pack = tar.pack();
  for (const { name, content } of entries) {
    if (content === undefined) pack.entry({ name, type: 'directory' });
    else pack.entry({ name }, Buffer.from(content));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

/** An sdist whose top-level directory is `base`, with `before` ahead of its PKG-INFO. */
function makeSdist(base: string, pkgInfo: string, before: { name: string; content: string | Uint8Array }[] = []): Promise<Uint8Array> {
  return makeTarGz([
    { name: `${base}/` },
    ...before,
    { name: `${base}/PKG-INFO`, content: pkgInfo },
    { name: `${base}/setup.py`, content: 'from setuptools import setup\nsetup()\n' },
  ]);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const blake2 = (bytes: Uint8Array): string => Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex');

type FormSpec = Record<string, string | string[] | undefined>;

/** The fields twine 4 sends for `bytes` (every metadata field, empty ones included), with overrides; undefined removes a field. */
function twineForm(bytes: Uint8Array, overrides: FormSpec = {}): Map<string, string[]> {
  const spec: FormSpec = {
    name: 'demo-pkg',
    version: '1.0',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadata_version: '2.1',
    summary: 'A demo',
    home_page: '',
    author: '',
    license: '',
    keywords: '',
    classifiers: ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License'],
    comment: '',
    sha256_digest: sha256(bytes),
    requires_python: '>=3.9',
    md5_digest: md5(bytes),
    blake2_256_digest: blake2(bytes),
    ':action': 'file_upload',
    protocol_version: '1',
    ...overrides,
  };
  const form = new Map<string, string[]>();
  for (const [key, value] of Object.entries(spec)) {
    if (value !== undefined) form.set(key, Array.isArray(value) ? value : [value]);
  }
  return form;
}

const WHL = 'demo_pkg-1.0-py3-none-any.whl';
const WHEEL = makeWheel();

function fieldsFor(bytes: Uint8Array, overrides: FormSpec = {}): UploadFields {
  return parseUploadFields(twineForm(bytes, overrides));
}

function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

async function assertRejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

/** Validation of a whole upload: `file` with the twine form for it. */
function upload(filename: string, bytes: Uint8Array, overrides: FormSpec = {}): Promise<unknown> {
  return validateUpload(twineForm(bytes, overrides), { filename, bytes });
}

// ---------------------------------------------------------------------------------------

describe('parseUploadFields', () => {
  test('a twine 4 form: empty fields are absent, md5 is kept, an empty sdist pyversion means source', () => {
    const fields = fieldsFor(WHEEL);
    assert.deepEqual(fields, {
      name: 'demo-pkg',
      version: '1.0',
      filetype: 'bdist_wheel',
      pyversion: 'py3',
      metadataVersion: '2.1',
      digests: { sha256: sha256(WHEEL), blake2_256: blake2(WHEEL), md5: md5(WHEEL) },
    });
    const sdist = fieldsFor(WHEEL, { filetype: 'sdist', pyversion: '' });
    assert.equal(sdist.pyversion, 'source');
  });

  test('protocol_version may be absent, as on PyPI; unknown fields are ignored; attestations are kept as sent', () => {
    const attestations = '[{"version":1,"verification_material":{"certificate":"MIIC..."},"envelope":{}}]';
    const fields = fieldsFor(WHEEL, { protocol_version: undefined, attestations, 'x-unknown': 'whatever', metadata_version: '2.4' });
    assert.equal(fields.attestations, attestations);
    assert.equal(fields.metadataVersion, '2.4');
    // Not even invalid JSON is a reason to refuse: attestations are not checked here.
    assert.equal(fieldsFor(WHEEL, { attestations: 'not json' }).attestations, 'not json');
  });

  test('digests in upper case are accepted and kept in lower case; one secure digest is enough', () => {
    const fields = fieldsFor(WHEEL, { sha256_digest: sha256(WHEEL).toUpperCase(), md5_digest: undefined, blake2_256_digest: undefined });
    assert.deepEqual(fields.digests, { sha256: sha256(WHEEL) });
    assert.deepEqual(fieldsFor(WHEEL, { sha256_digest: undefined, md5_digest: '' }).digests, { blake2_256: blake2(WHEEL) });
  });

  test(':action must be file_upload; the old actions say what to do instead', () => {
    assertInvalid(() => fieldsFor(WHEEL, { ':action': undefined }), /no :action field.*:action=file_upload/);
    assertInvalid(() => fieldsFor(WHEEL, { ':action': 'submit' }), /:action=submit \(registering a project before uploading\) is not supported.*upload the distribution files instead/);
    assertInvalid(() => fieldsFor(WHEEL, { ':action': 'submit_pkg_info' }), /:action=submit_pkg_info .*not supported/);
    assertInvalid(() => fieldsFor(WHEEL, { ':action': 'doc_upload' }), /uploading documentation\) is not supported.*Read the Docs/);
    assertInvalid(() => fieldsFor(WHEEL, { ':action': 'remove_pkg' }), /Unsupported :action "remove_pkg": this index supports only :action=file_upload/);
  });

  test('protocol_version other than 1', () => {
    assertInvalid(() => fieldsFor(WHEEL, { protocol_version: '2' }), /Unknown protocol_version "2": this index speaks version 1/);
  });

  test('metadata_version is required; any known one or a later 2.x is accepted, a newer major refused', () => {
    assertInvalid(() => fieldsFor(WHEEL, { metadata_version: undefined }), /metadata_version field is missing.*one of 1\.0, 1\.1, 1\.2, 2\.0, 2\.1, 2\.2, 2\.3, 2\.4, 2\.5/);
    assertInvalid(() => fieldsFor(WHEEL, { metadata_version: '3.0' }), /The metadata_version field gives Metadata-Version "3\.0", a newer major version/);
    assertInvalid(() => fieldsFor(WHEEL, { metadata_version: 'x' }), /The metadata_version field gives Metadata-Version "x", which is not a core metadata version/);
    assert.equal(fieldsFor(WHEEL, { metadata_version: '2.5' }).metadataVersion, '2.5');
    assert.equal(fieldsFor(WHEEL, { metadata_version: '2.6' }).metadataVersion, '2.6');
  });

  test('name: required, valid, and UNKNOWN (setuptools without a name) is explained', () => {
    assertInvalid(() => fieldsFor(WHEEL, { name: undefined }), /The name field is missing/);
    assertInvalid(() => fieldsFor(WHEEL, { name: '' }), /The name field is missing/);
    assertInvalid(() => fieldsFor(WHEEL, { name: 'UNKNOWN' }), /name field is UNKNOWN, what setuptools writes when setup\(\) is given no name/);
    assertInvalid(() => fieldsFor(WHEEL, { name: '-demo-' }), /The name field "-demo-" is not a valid project name/);
    assertInvalid(() => fieldsFor(WHEEL, { name: 'demo\0pkg' }), /The name field "demo\\u0000pkg" is not a valid project name/);
  });

  test('version: required and valid PEP 440, without surrounding whitespace', () => {
    assertInvalid(() => fieldsFor(WHEEL, { version: undefined }), /The version field is missing/);
    assertInvalid(() => fieldsFor(WHEEL, { version: 'one point oh' }), /The version field "one point oh" is not a valid PEP 440 version/);
    assertInvalid(() => fieldsFor(WHEEL, { version: ' 1.0' }), /The version field " 1\.0" is not a valid PEP 440 version/);
  });

  test('filetype: required; eggs and installers are refused, naming what is accepted', () => {
    assertInvalid(() => fieldsFor(WHEEL, { filetype: undefined }), /filetype field is missing: send filetype=bdist_wheel for a wheel or filetype=sdist/);
    assertInvalid(() => fieldsFor(WHEEL, { filetype: 'bdist_egg' }), /filetype bdist_egg is not accepted \(eggs .*PEP 715.*\): upload a wheel \(bdist_wheel\) or a source distribution \(sdist\)/);
    assertInvalid(() => fieldsFor(WHEEL, { filetype: 'bdist_wininst' }), /filetype bdist_wininst is not accepted \(PEP 527 retired it\)/);
    assertInvalid(() => fieldsFor(WHEEL, { filetype: 'wheel' }), /Unknown filetype "wheel": this index accepts bdist_wheel \(a wheel\) and sdist/);
  });

  test('pyversion: "source" for an sdist, required for a wheel', () => {
    assertInvalid(() => fieldsFor(WHEEL, { filetype: 'sdist', pyversion: 'py3' }), /pyversion field of an sdist must be "source", not "py3"/);
    assertInvalid(() => fieldsFor(WHEEL, { pyversion: '' }), /pyversion field is missing: a wheel upload must give its Python tag/);
  });

  test('digests: md5 alone or none at all is refused, malformed ones are named', () => {
    assertInvalid(
      () => fieldsFor(WHEEL, { sha256_digest: undefined, blake2_256_digest: undefined }),
      /gives only md5_digest, and MD5 no longer proves a file is intact: include sha256_digest or blake2_256_digest/,
    );
    assertInvalid(
      () => fieldsFor(WHEEL, { sha256_digest: undefined, blake2_256_digest: undefined, md5_digest: undefined }),
      /gives no digest of the file: include sha256_digest or blake2_256_digest/,
    );
    assertInvalid(() => fieldsFor(WHEEL, { sha256_digest: 'abc123' }), /sha256_digest field "abc123" is not a hex-encoded SHA-256 digest \(64 hexadecimal digits\)/);
    assertInvalid(() => fieldsFor(WHEEL, { blake2_256_digest: 'z'.repeat(64) }), /blake2_256_digest field "z+\.\.\.z+" is not a hex-encoded BLAKE2b-256 digest/);
    assertInvalid(() => fieldsFor(WHEEL, { md5_digest: sha256(WHEEL) }), /md5_digest field ".*" is not a hex-encoded MD5 digest \(32 hexadecimal digits\)/);
  });

  test('a single-valued field given twice is refused, even with the same value', () => {
    assertInvalid(() => fieldsFor(WHEEL, { name: ['demo-pkg', 'other-pkg'] }), /The name field is given 2 times in the upload form; it takes one value/);
    assertInvalid(() => fieldsFor(WHEEL, { ':action': ['file_upload', 'file_upload'] }), /The :action field is given 2 times/);
    assertInvalid(() => fieldsFor(WHEEL, { sha256_digest: [sha256(WHEEL), sha256(WHEEL)] }), /The sha256_digest field is given 2 times/);
    // Multi-use metadata fields repeat as a matter of course.
    assert.equal(fieldsFor(WHEEL, { classifiers: ['A', 'B', 'A'], requires_dist: ['x', 'y'] }).name, 'demo-pkg');
  });
});

describe('checkUploadedFile', () => {
  const check = (file: UploadedFile | undefined, overrides: FormSpec = {}) =>
    checkUploadedFile(fieldsFor(file?.bytes ?? WHEEL, overrides), file);

  test('returns the digests of the bytes, checked against the form', () => {
    assert.deepEqual(check({ filename: WHL, bytes: WHEEL }), { sha256: sha256(WHEEL), blake2_256: blake2(WHEEL), md5: md5(WHEEL) });
    // BLAKE2b is computed only when there is a claim to check.
    assert.deepEqual(check({ filename: WHL, bytes: WHEEL }, { blake2_256_digest: undefined, md5_digest: undefined }), { sha256: sha256(WHEEL) });
  });

  test('digests are the real algorithms (vectors for "abc" from Python hashlib)', () => {
    const bytes = strToU8('abc');
    const fields = parseUploadFields(
      twineForm(bytes, {
        sha256_digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
        blake2_256_digest: 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319',
        md5_digest: '900150983cd24fb0d6963f7d28e17f72',
      }),
    );
    // Digests are checked before the archive is opened, so three bytes are enough here.
    assert.equal(checkUploadedFile(fields, { filename: WHL, bytes }).blake2_256, 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  });

  test('no file, or an empty one', () => {
    assertInvalid(() => checkUploadedFile(fieldsFor(WHEEL), undefined), /The upload has no file: send the distribution as the file part named content/);
    assertInvalid(() => check({ filename: WHL, bytes: new Uint8Array(0) }), /demo_pkg-1\.0-py3-none-any\.whl is empty \(0 bytes\)/);
  });

  test('path tricks and unprintable filenames', () => {
    const bytes = WHEEL;
    assertInvalid(() => check({ filename: `../${WHL}`, bytes }), /The filename "\.\.\/demo_pkg-1\.0-py3-none-any\.whl" contains "\/" or "\\": send the file's name alone/);
    assertInvalid(() => check({ filename: `a/${WHL}`, bytes }), /contains "\/" or "\\"/);
    assertInvalid(() => check({ filename: `a\\${WHL}`, bytes }), /The filename "a\\\\demo_pkg.*" contains "\/" or "\\"/);
    assertInvalid(() => check({ filename: `demo_pkg-1.0-py3-none-any\n.whl`, bytes }), /contains control characters \(such as NUL, tab or a line break\)/);
    assertInvalid(() => check({ filename: `demo_pkg-1.0-py3-none-any.whl\0.txt`, bytes }), /"demo_pkg-1\.0-py3-none-any\.whl\\u0000\.txt" contains control characters/);
    assertInvalid(() => check({ filename: '..', bytes }), /The filename "\.\." starts with a dot/);
    assertInvalid(() => check({ filename: '.whl', bytes }), /The filename "\.whl" starts with a dot/);
    assertInvalid(() => check({ filename: `demo_pkg-1.0-py3-none-${'x'.repeat(250)}.whl`, bytes }), /is longer than 255 bytes/);
  });

  test('the extension must be a wheel or sdist one, and agree with filetype', () => {
    const bytes = WHEEL;
    assertInvalid(() => check({ filename: 'demo_pkg-1.0-py3.9.egg', bytes }), /Invalid file extension in "demo_pkg-1\.0-py3\.9\.egg": upload a wheel \(\.whl\) or a source distribution \(\.tar\.gz/);
    assertInvalid(() => check({ filename: 'demo_pkg-1.0.tar.bz2', bytes }, { filetype: 'sdist', pyversion: 'source' }), /Invalid file extension in "demo_pkg-1\.0\.tar\.bz2"/);
    assertInvalid(() => check({ filename: WHL, bytes }, { filetype: 'sdist', pyversion: '' }), /is a wheel by its extension, but the filetype field says sdist: send filetype=bdist_wheel/);
    assertInvalid(() => check({ filename: 'demo_pkg-1.0.tar.gz', bytes }), /is a source distribution by its extension, but the filetype field says bdist_wheel: send filetype=sdist/);
    assertInvalid(() => check({ filename: 'demo_pkg-1.0.zip', bytes }), /demo_pkg-1\.0\.zip is a source distribution by its extension, but the filetype field says bdist_wheel/);
  });

  test('the name and version in the filename must be the form\'s', () => {
    const bytes = WHEEL;
    assertInvalid(() => check({ filename: WHL, bytes }, { name: 'other-pkg' }), /is a distribution of the project "demo_pkg", but the name field says "other-pkg"/);
    assertInvalid(() => check({ filename: WHL, bytes }, { version: '1.1' }), /has the version 1\.0 in its name, but the version field says 1\.1/);
    const sdist = { filename: 'demo-pkg-1.0.tar.gz', bytes };
    const asSdist = { filetype: 'sdist', pyversion: 'source' };
    assertInvalid(() => check(sdist, { ...asSdist, name: 'other-pkg' }), /demo-pkg-1\.0\.tar\.gz is a distribution of the project "demo-pkg", but the name field says "other-pkg"/);
    assertInvalid(() => check(sdist, { ...asSdist, version: '2.0' }), /has the version 1\.0 in its name, but the version field says 2\.0/);
    assertInvalid(() => check({ filename: 'demo_pkg-1.0-any.whl', bytes }), /Invalid wheel filename "demo_pkg-1\.0-any\.whl": it has 3 dash-separated parts/);
    // Spelled differently, equal after normalization: fine.
    assert.ok(check({ filename: WHL, bytes }, { name: 'Demo.Pkg', version: '1.0.0' }).sha256);
    assert.ok(check({ filename: 'Demo.Pkg-1.0.tar.gz', bytes }, { ...asSdist, name: 'demo-pkg', version: 'v1.0' }).sha256);
  });

  test('every digest given must be the file\'s', () => {
    const bytes = WHEEL;
    const other = strToU8('some other file');
    assertInvalid(
      () => check({ filename: WHL, bytes }, { sha256_digest: sha256(other) }),
      new RegExp(`The sha256_digest field \\(${sha256(other)}\\) does not match the uploaded file \\(${sha256(bytes)}\\): the file was corrupted on the way or the digest is for another file\\. Upload again\\.`),
    );
    assertInvalid(
      () => check({ filename: WHL, bytes }, { blake2_256_digest: blake2(other) }),
      new RegExp(`The blake2_256_digest field \\(${blake2(other)}\\) does not match the uploaded file \\(${blake2(bytes)}\\)`),
    );
    assertInvalid(() => check({ filename: WHL, bytes }, { md5_digest: md5(other) }), /The md5_digest field \([0-9a-f]{32}\) does not match the uploaded file/);
    // A file damaged on the way: the form's digests are of the original.
    const damaged = bytes.slice();
    damaged[10] = damaged[10]! ^ 1;
    assertInvalid(() => checkUploadedFile(fieldsFor(bytes), { filename: WHL, bytes: damaged }), /The sha256_digest field .* does not match the uploaded file/);
  });
});

describe('validateUpload', () => {
  test('a twine-4-shaped wheel upload (md5 included, Metadata-Version 2.1)', async () => {
    const meta = metadata('Demo.Pkg', '1.0', {
      extra: [
        'Summary: A demo package',
        'Requires-Python: >=3.9',
        'Classifier: Programming Language :: Python :: 3',
        'Classifier: License :: OSI Approved :: MIT License',
        'Classifier: Private :: Do Not Upload',
        'Requires-Dist: requests>=2',
        'Requires-Dist: attrs',
        'Requires-Dist: pytest; extra == "test"',
        'Provides-Extra: test',
        'Project-URL: Homepage, https://example.invalid/demo',
        'Project-URL: Source, https://example.invalid/src',
        'Description-Content-Type: text/markdown',
        'License: UNKNOWN',
        'Home-page: UNKNOWN',
      ],
      body: '# Demo\n\nA demo.\n',
    });
    const bytes = makeWheel({ metadata: meta });
    const result = await validateUpload(
      twineForm(bytes, { name: 'Demo.Pkg', classifiers: ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License'] }),
      { filename: WHL, bytes },
    );
    assert.equal(result.filename, WHL);
    assert.equal(result.bytes, bytes);
    assert.deepEqual(result.digests, { sha256: sha256(bytes), blake2_256: blake2(bytes), md5: md5(bytes) });
    assert.equal(result.distribution.normalizedName, 'demo-pkg');
    assert.equal(result.distribution.version, '1.0');
    assert.equal(result.fields.pyversion, 'py3');
    assert.deepEqual(result.release, {
      metadata_version: '2.1',
      summary: 'A demo package',
      description: '# Demo\n\nA demo.\n',
      description_content_type: 'text/markdown',
      requires_python: '>=3.9',
      requires_dist: ['requests>=2', 'attrs', 'pytest; extra == "test"'],
      license_files: [],
      classifiers: ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License', 'Private :: Do Not Upload'],
      project_urls: [
        { label: 'Homepage', url: 'https://example.invalid/demo' },
        { label: 'Source', url: 'https://example.invalid/src' },
      ],
      provides_extra: ['test'],
      dynamic: [],
    });
    assert.deepEqual(JSON.parse(JSON.stringify(result.release)), result.release);
  });

  test('a twine-6/uv-shaped upload: Metadata-Version 2.4, License-Expression, attestations, no md5', async () => {
    const meta = metadata('demo-pkg', '1.0', {
      metadataVersion: '2.4',
      extra: ['License-Expression: MIT OR Apache-2.0', 'License-File: LICENSE', 'License-File: licenses/NOTICE', 'Dynamic: Requires-Dist'],
    });
    const bytes = makeWheel({ metadata: meta });
    const attestations = JSON.stringify([{ version: 1, verification_material: { certificate: 'MIIB', transparency_entries: [] }, envelope: { statement: 'e30=', signature: 'c2ln' } }]);
    const result = await validateUpload(
      twineForm(bytes, { metadata_version: '2.4', md5_digest: undefined, license_expression: 'MIT OR Apache-2.0', license_file: ['LICENSE', 'licenses/NOTICE'], attestations }),
      { filename: WHL, bytes },
    );
    assert.equal(result.fields.attestations, attestations);
    assert.equal(result.fields.metadataVersion, '2.4');
    assert.deepEqual(result.digests, { sha256: sha256(bytes), blake2_256: blake2(bytes) });
    assert.equal(result.release.license_expression, 'MIT OR Apache-2.0');
    assert.deepEqual(result.release.license_files, ['LICENSE', 'licenses/NOTICE']);
    assert.deepEqual(result.release.dynamic, ['Requires-Dist']);
    assert.equal(result.release.license, undefined);
  });

  test('an sdist with a legacy name, an empty pyversion and a differently spelled version', async () => {
    const bytes = await makeSdist('python-dateutil-2.8.2', metadata('python-dateutil', '2.8.2', { extra: ['Requires-Dist: six>=1.5'] }));
    const result = await validateUpload(
      twineForm(bytes, { name: 'python_dateutil', version: '2.8.2.0', filetype: 'sdist', pyversion: '' }),
      { filename: 'python-dateutil-2.8.2.tar.gz', bytes },
    );
    assert.equal(result.distribution.packagetype, 'sdist');
    assert.equal(result.fields.pyversion, 'source');
    assert.deepEqual(result.release.requires_dist, ['six>=1.5']);
  });

  test('local versions are accepted (PyPI refuses them; private builds use them)', async () => {
    const bytes = makeWheel({ distInfo: 'demo_pkg-1.0+cu118.dist-info', metadata: metadata('demo-pkg', '1.0+cu118') });
    const result = await upload('demo_pkg-1.0+cu118-py3-none-any.whl', bytes, { version: '1.0+cu118' });
    assert.equal((result as { distribution: { version: string } }).distribution.version, '1.0+cu118');
  });

  test('the form is checked before the file, and the file before its archive', async () => {
    // A broken archive with a wrong action: the action is what gets reported.
    await assertRejects(upload(WHL, strToU8('not a zip'), { ':action': 'submit' }), /:action=submit/);
    // A damaged file: reported as damaged, not as a broken zip.
    const damaged = WHEEL.slice(0, -10);
    await assertRejects(validateUpload(twineForm(WHEEL), { filename: WHL, bytes: damaged }), /sha256_digest field .* does not match the uploaded file/);
    await assertRejects(validateUpload(twineForm(WHEEL), undefined), /The upload has no file/);
  });

  test('corrupt, truncated and non-zip wheels', async () => {
    const corrupt = WHEEL.slice();
    for (let i = 40; i < 200; i += 3) corrupt[i] = corrupt[i]! ^ 0x5a;
    await assertRejects(upload(WHL, corrupt), /demo_pkg-1\.0-py3-none-any\.whl is not a valid zip archive/);
    await assertRejects(upload(WHL, WHEEL.subarray(0, WHEEL.length >> 1)), /is not a valid zip archive: no end of central directory record/);
    await assertRejects(upload(WHL, strToU8('plain text, not a zip')), /is not a valid zip archive/);
  });

  test('truncated, corrupt and non-gzip sdists', async () => {
    const noise = new Uint8Array(100_000);
    let state = 7;
    for (let i = 0; i < noise.length; i++) noise[i] = (state = (state * 1103515245 + 12345) % 2147483648) >>> 16;
    const bytes = await makeSdist('demo_pkg-1.0', metadata('demo-pkg', '1.0'), [{ name: 'demo_pkg-1.0/noise.bin', content: noise }]);
    const sdist = { filetype: 'sdist', pyversion: 'source' };
    await assertRejects(upload('demo_pkg-1.0.tar.gz', bytes.subarray(0, bytes.length >> 1), sdist), /demo_pkg-1\.0\.tar\.gz is not a valid tar\.gz archive: unexpected end of file/);
    await assertRejects(upload('demo_pkg-1.0.tar.gz', strToU8('plain text, not gzip'), sdist), /is not a valid tar\.gz archive: incorrect header check/);
    const withoutPkgInfo = await makeTarGz([{ name: 'demo_pkg-1.0/' }, { name: 'demo_pkg-1.0/setup.py', content: 'from setuptools import setup\n' }]);
    await assertRejects(upload('demo_pkg-1.0.tar.gz', withoutPkgInfo, sdist), /is not a valid source distribution: it has no demo_pkg-1\.0\/PKG-INFO/);
  });

  test('a zip bomb is refused by the inspection limits before it is inflated', async () => {
    const bomb = makeWheel({ metadata: metadata('demo-pkg', '1.0', { body: 'a'.repeat(20 * 1024 * 1024) }) });
    assert.ok(bomb.length < 100_000, 'the bomb is small');
    await assertRejects(upload(WHL, bomb), /METADATA declares 20971\d+ bytes uncompressed, more than the 8 MiB this index reads/);
  });

  test('a wheel must hold its METADATA, WHEEL and RECORD', async () => {
    for (const file of ['METADATA', 'WHEEL', 'RECORD']) {
      await assertRejects(upload(WHL, makeWheel({ omit: `/${file}` })), new RegExp(`is not a valid wheel: demo_pkg-1\\.0\\.dist-info/${file} is missing`));
    }
  });

  test('the archive\'s metadata must agree with the filename and form', async () => {
    await assertRejects(
      upload(WHL, makeWheel({ metadata: metadata('other-pkg', '1.0') })),
      /the filename names the project "demo-pkg" but its metadata says Name: other-pkg/,
    );
    await assertRejects(
      upload(WHL, makeWheel({ metadata: metadata('demo-pkg', '2.0') })),
      /the filename has version 1\.0 but its metadata says Version: 2\.0/,
    );
    const sdist = await makeSdist('demo_pkg-1.0', metadata('demo-pkg', '1.1'));
    await assertRejects(upload('demo_pkg-1.0.tar.gz', sdist, { filetype: 'sdist', pyversion: 'source' }), /the filename has version 1\.0 but its metadata says Version: 1\.1/);
  });

  test('metadata too large to keep is refused, naming the largest field', async () => {
    const classifiers = Array.from({ length: 3000 }, (_, i) => `Classifier: Topic :: Generated :: ${'x'.repeat(80)} ${i}`);
    const bytes = makeWheel({ metadata: metadata('demo-pkg', '1.0', { extra: classifiers }) });
    await assertRejects(upload(WHL, bytes), /more than the 262144 this index keeps for a release; the largest field is classifiers/);
  });
});

describe('checkMetadataAgreement', () => {
  test('the form must name the release the archive holds', async () => {
    const inspected = await inspectDistribution(WHL, WHEEL);
    checkMetadataAgreement(fieldsFor(WHEEL), WHL, inspected);
    checkMetadataAgreement(fieldsFor(WHEEL, { name: 'DEMO_pkg', version: '1.0.0' }), WHL, inspected);
    assertInvalid(() => checkMetadataAgreement(fieldsFor(WHEEL, { name: 'other' }), WHL, inspected), /The name field says "other", but the metadata in demo_pkg-1\.0-py3-none-any\.whl says Name: demo-pkg/);
    assertInvalid(() => checkMetadataAgreement(fieldsFor(WHEEL, { version: '1.0.1' }), WHL, inspected), /The version field says 1\.0\.1, but the metadata in .* says Version: 1\.0/);
    assertInvalid(
      () => checkMetadataAgreement(fieldsFor(WHEEL, { filetype: 'sdist', pyversion: 'source' }), WHL, inspected),
      /is a wheel, but the filetype field says sdist: send filetype=bdist_wheel/,
    );
  });
});

describe('releaseMetadataOf', () => {
  test('a long description is cut at a character boundary, saying so and how long it was', () => {
    const cap = RELEASE_METADATA_LIMITS.maxDescriptionBytes;
    // "é" is two bytes: an odd cut would fall inside one.
    const description = `x${'é'.repeat(cap)}`;
    const release = releaseMetadataOf(parseCoreMetadata(metadata('demo-pkg', '1.0', { body: description })));
    const kept = new TextEncoder().encode(release.description).byteLength;
    assert.ok(kept <= cap && kept >= cap - 1, `kept ${kept} bytes`);
    assert.ok(description.startsWith(release.description!));
    assert.equal(release.description_truncated, true);
    assert.equal(release.description_bytes, new TextEncoder().encode(description).byteLength);

    const short = releaseMetadataOf(parseCoreMetadata(metadata('demo-pkg', '1.0', { body: 'Short.\n' })));
    assert.equal(short.description, 'Short.\n');
    assert.equal(short.description_truncated, undefined);
    assert.equal(short.description_bytes, undefined);
  });

  test('Metadata-Version 2.5 import names are kept, and left out when there are none', () => {
    const text = ['Metadata-Version: 2.5', 'Name: demo-pkg', 'Version: 1.0', 'Import-Name: demo_pkg', 'Import-Namespace: demo'].join('\n');
    const release = releaseMetadataOf(parseCoreMetadata(text));
    assert.equal(release.metadata_version, '2.5');
    assert.deepEqual(release.import_names, ['demo_pkg']);
    assert.deepEqual(release.import_namespaces, ['demo']);
    const older = releaseMetadataOf(parseCoreMetadata('Metadata-Version: 2.4\nName: demo-pkg\nVersion: 1.0\n'));
    assert.equal('import_names' in older, false);
    assert.equal('import_namespaces' in older, false);
  });

  test('every field, UNKNOWN and empty values left out, project URLs split as packaging does', () => {
    const release = releaseMetadataOf(
      parseCoreMetadata(
        metadata('demo-pkg', '1.0', {
          metadataVersion: '2.4',
          extra: [
            'Summary: Demo',
            'Author: A. Author',
            'Author-email: a@example.invalid',
            'Maintainer: UNKNOWN',
            'Maintainer-email: m@example.invalid',
            'License: MIT',
            'License-Expression: MIT',
            'License-File: LICENSE',
            'Keywords: demo,test',
            'Home-page: https://example.invalid',
            'Download-URL: https://example.invalid/dl',
            'Project-URL: Docs,https://docs.example.invalid',
            'Project-URL: no url here',
            'Description-Content-Type: text/x-rst',
            'Requires-Python: >=3.8',
            'Provides-Extra: a',
            'Provides-Extra: b',
            'Dynamic: Classifier',
          ],
        }),
      ),
    );
    assert.deepEqual(release, {
      metadata_version: '2.4',
      summary: 'Demo',
      description_content_type: 'text/x-rst',
      requires_python: '>=3.8',
      requires_dist: [],
      author: 'A. Author',
      author_email: 'a@example.invalid',
      maintainer_email: 'm@example.invalid',
      license: 'MIT',
      license_expression: 'MIT',
      license_files: ['LICENSE'],
      classifiers: [],
      project_urls: [
        { label: 'Docs', url: 'https://docs.example.invalid' },
        { label: 'no url here', url: '' },
      ],
      home_page: 'https://example.invalid',
      download_url: 'https://example.invalid/dl',
      keywords: 'demo,test',
      provides_extra: ['a', 'b'],
      dynamic: ['Classifier'],
    });
  });

  test('the total size is bounded', () => {
    const meta = parseCoreMetadata(metadata('demo-pkg', '1.0', { extra: [`License: ${'l'.repeat(2000)}`] }));
    assert.equal(releaseMetadataOf(meta).license?.length, 2000);
    assertInvalid(() => releaseMetadataOf(meta, { maxTotalBytes: 1000 }), /takes \d+ bytes .* more than the 1000 this index keeps for a release; the largest field is license \(2002 bytes\)/);
  });
});
