import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { InvalidInputError, PayloadTooLargeError } from '../../lambdas/core/errors.ts';
import { DEFAULT_UPLOAD_FORM_LIMITS, type UploadFormLimits, parseUploadForm } from '../../lambdas/http/multipart.ts';

// ---------------------------------------------------------------------------------------
// Bodies as clients build them

interface Part {
  readonly name?: string;
  readonly value: string | Uint8Array;
  readonly filename?: string;
  /** Extra header lines, e.g. `Content-Type: application/octet-stream`. */
  readonly headers?: readonly string[];
}

const encoder = new TextEncoder();

/** A multipart/form-data body laid out as requests-toolbelt (twine, poetry) writes it. */
function multipart(boundary: string, parts: readonly Part[], { close = true } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    let disposition = 'Content-Disposition: form-data';
    if (part.name !== undefined) disposition += `; name="${part.name}"`;
    if (part.filename !== undefined) disposition += `; filename="${part.filename}"`;
    const head = [`--${boundary}`, disposition, ...(part.headers ?? []), '', ''].join('\r\n');
    chunks.push(encoder.encode(head), typeof part.value === 'string' ? encoder.encode(part.value) : part.value, encoder.encode('\r\n'));
  }
  if (close) chunks.push(encoder.encode(`--${boundary}--\r\n`));
  return new Uint8Array(Buffer.concat(chunks));
}

const BOUNDARY = 'a356c9f8f07f44228734bcaeac73ad03';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const LIMITS: UploadFormLimits = { maxFileBytes: 1024 * 1024 };

/** Bytes that look like the pieces of a multipart body: CR LF, dashes, most of the boundary. */
const TRICKY_FILE = new Uint8Array(
  Buffer.concat([
    Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x0d, 0x0a]),
    Buffer.from(`\r\n--${BOUNDARY.slice(0, 20)}\r\n--\r\n\r\n`),
    Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff)),
  ]),
);

function file(bytes: Uint8Array = TRICKY_FILE, filename = 'demo_pkg-1.0-py3-none-any.whl', name = 'content'): Part {
  return { name, filename, value: bytes, headers: ['Content-Type: application/octet-stream'] };
}

const field = (name: string, value: string): Part => ({ name, value });

async function assertRejects(promise: Promise<unknown>, type: typeof InvalidInputError | typeof PayloadTooLargeError, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------

describe('parseUploadForm: what clients send', () => {
  test('a twine 4 form: fields in order, repeated fields kept in order, empty values kept, the file exact', async () => {
    const body = multipart(BOUNDARY, [
      field('name', 'demo-pkg'),
      field('version', '1.0'),
      field('filetype', 'bdist_wheel'),
      field('summary', 'Ünïcödé summary 🚢'),
      field('home_page', ''),
      field('classifiers', 'Programming Language :: Python :: 3'),
      field('classifiers', 'License :: OSI Approved :: MIT License'),
      field('description', 'line one\r\nline two\r\n\r\n--not a boundary\r\n'),
      field('classifiers', 'Private :: Do Not Upload'),
      field('md5_digest', '8fbee0fd439f4d5eaef7b6522da7613a'),
      field(':action', 'file_upload'),
      field('protocol_version', '1'),
      file(),
    ]);
    const form = await parseUploadForm(CONTENT_TYPE, body, LIMITS);
    assert.deepEqual([...form.fields.keys()], ['name', 'version', 'filetype', 'summary', 'home_page', 'classifiers', 'description', 'md5_digest', ':action', 'protocol_version']);
    assert.deepEqual(form.fields.get('classifiers'), ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License', 'Private :: Do Not Upload']);
    assert.deepEqual(form.fields.get('summary'), ['Ünïcödé summary 🚢']);
    assert.deepEqual(form.fields.get('home_page'), ['']);
    assert.deepEqual(form.fields.get('description'), ['line one\r\nline two\r\n\r\n--not a boundary\r\n']);
    assert.equal(form.file?.filename, 'demo_pkg-1.0-py3-none-any.whl');
    assert.deepEqual(form.file?.bytes, TRICKY_FILE);
    assert.equal(form.gpgSignatureDiscarded, false);
  });

  test('a uv-shaped form: another boundary style, quoted, the file first, attestations as a field', async () => {
    const boundary = '3a4f0c1d2b5e6f70-8192a3b4c5d6e7f8-0a1b2c3d4e5f6a7b-8c9d0e1f2a3b4c5d';
    const attestations = '[{"version":1,"envelope":{"statement":"e30=","signature":"c2ln"}}]';
    const body = multipart(boundary, [file(), field(':action', 'file_upload'), field('metadata_version', '2.4'), field('attestations', attestations)]);
    const form = await parseUploadForm(`Multipart/Form-Data; boundary="${boundary}"`, body, LIMITS);
    assert.deepEqual(form.fields.get('attestations'), [attestations]);
    assert.deepEqual(form.file?.bytes, TRICKY_FILE);
  });

  test('the file comes back as a view into the body, not a copy', async () => {
    const body = multipart(BOUNDARY, [field(':action', 'file_upload'), file()]);
    const form = await parseUploadForm(CONTENT_TYPE, body, LIMITS);
    assert.equal(form.file?.bytes.buffer, body.buffer);
  });

  test('a body that is a view into a larger buffer', async () => {
    const inner = multipart(BOUNDARY, [field('name', 'demo'), file()]);
    const outer = new Uint8Array(inner.length + 300);
    outer.set(inner, 100);
    const form = await parseUploadForm(CONTENT_TYPE, outer.subarray(100, 100 + inner.length), LIMITS);
    assert.deepEqual(form.file?.bytes, TRICKY_FILE);
    assert.deepEqual(form.fields.get('name'), ['demo']);
  });

  test('a file of exactly maxFileBytes is accepted; an empty one is returned for the caller to refuse', async () => {
    const exact = await parseUploadForm(CONTENT_TYPE, multipart(BOUNDARY, [file()]), { maxFileBytes: TRICKY_FILE.byteLength });
    assert.equal(exact.file?.bytes.byteLength, TRICKY_FILE.byteLength);
    const empty = await parseUploadForm(CONTENT_TYPE, multipart(BOUNDARY, [file(new Uint8Array(0))]), LIMITS);
    assert.equal(empty.file?.bytes.byteLength, 0);
  });

  test('the filename is kept as sent, path and all, for the upload checks to refuse', async () => {
    for (const filename of ['../demo_pkg-1.0-py3-none-any.whl', 'a\\demo_pkg-1.0-py3-none-any.whl', 'dist/demo_pkg-1.0-py3-none-any.whl']) {
      const form = await parseUploadForm(CONTENT_TYPE, multipart(BOUNDARY, [file(TRICKY_FILE, filename)]), LIMITS);
      assert.equal(form.file?.filename, filename);
    }
  });

  test('a gpg_signature file part (twine upload --sign) is dropped, as PyPI does', async () => {
    const body = multipart(BOUNDARY, [file(), file(encoder.encode('-----BEGIN PGP SIGNATURE-----\n'), 'demo_pkg-1.0-py3-none-any.whl.asc', 'gpg_signature')]);
    const form = await parseUploadForm(CONTENT_TYPE, body, LIMITS);
    assert.equal(form.gpgSignatureDiscarded, true);
    assert.deepEqual(form.file?.bytes, TRICKY_FILE);
  });

  test('a form without a content part is returned without a file, so that :action can be checked first', async () => {
    const form = await parseUploadForm(CONTENT_TYPE, multipart(BOUNDARY, [field(':action', 'submit'), field('name', 'demo')]), LIMITS);
    assert.equal(form.file, undefined);
    assert.deepEqual(form.fields.get(':action'), ['submit']);
  });

  test('a preamble and an epilogue are ignored', async () => {
    const body = Buffer.concat([Buffer.from('This is a preamble.\r\n'), multipart(BOUNDARY, [field('name', 'demo'), file()]), Buffer.from('epilogue')]);
    const form = await parseUploadForm(CONTENT_TYPE, new Uint8Array(body), LIMITS);
    assert.deepEqual(form.fields.get('name'), ['demo']);
    assert.deepEqual(form.file?.bytes, TRICKY_FILE);
  });
});

describe('parseUploadForm: what is refused', () => {
  const body = multipart(BOUNDARY, [field(':action', 'file_upload'), file()]);

  test('no Content-Type', async () => {
    await assertRejects(parseUploadForm(undefined, body, LIMITS), InvalidInputError, /The upload has no Content-Type header: an upload must be a multipart\/form-data body/);
    await assertRejects(parseUploadForm('  ', body, LIMITS), InvalidInputError, /no Content-Type header/);
  });

  test('a Content-Type other than multipart/form-data', async () => {
    await assertRejects(parseUploadForm('application/json', body, LIMITS), InvalidInputError, /Content-Type "application\/json", but the upload API takes multipart\/form-data\. Upload with twine, uv or poetry/);
    await assertRejects(parseUploadForm('application/x-www-form-urlencoded', body, LIMITS), InvalidInputError, /Content-Type "application\/x-www-form-urlencoded", but the upload API takes multipart\/form-data/);
    await assertRejects(parseUploadForm('multipart/mixed; boundary=x', body, LIMITS), InvalidInputError, /takes multipart\/form-data/);
  });

  test('no boundary, or an empty one', async () => {
    await assertRejects(parseUploadForm('multipart/form-data', body, LIMITS), InvalidInputError, /has no boundary parameter, so its body cannot be split into fields/);
    await assertRejects(parseUploadForm('multipart/form-data; boundary=', body, LIMITS), InvalidInputError, /has no boundary parameter/);
    await assertRejects(parseUploadForm('multipart/form-data; charset=utf-8', body, LIMITS), InvalidInputError, /has no boundary parameter/);
  });

  test('a Content-Type that cannot be parsed', async () => {
    await assertRejects(
      parseUploadForm('multipart/form-data; boundary="unterminated', body, LIMITS),
      InvalidInputError,
      /The upload's Content-Type "multipart\/form-data; boundary=\\"unterminated" is malformed \(malformed content type\)/i,
    );
  });

  test('an empty body', async () => {
    await assertRejects(parseUploadForm(CONTENT_TYPE, new Uint8Array(0), LIMITS), InvalidInputError, /The upload's body is empty/);
  });

  test('a truncated body: cut inside the file, or before the closing delimiter', async () => {
    await assertRejects(parseUploadForm(CONTENT_TYPE, body.subarray(0, body.length - 1000), LIMITS), InvalidInputError, /multipart\/form-data body is malformed or truncated \(unexpected end of form\).*Upload again/);
    const unclosed = multipart(BOUNDARY, [field(':action', 'file_upload'), file()], { close: false });
    await assertRejects(parseUploadForm(CONTENT_TYPE, unclosed, LIMITS), InvalidInputError, /malformed or truncated \(unexpected end of form\)/);
  });

  test('a body whose boundary is not the one in the Content-Type', async () => {
    await assertRejects(parseUploadForm('multipart/form-data; boundary=somethingelse', body, LIMITS), InvalidInputError, /malformed or truncated/);
  });

  test('a malformed part header', async () => {
    const broken = encoder.encode(`--${BOUNDARY}\r\nContent-Disposition form-data; name="x"\r\n\r\nvalue\r\n--${BOUNDARY}--\r\n`);
    await assertRejects(parseUploadForm(CONTENT_TYPE, broken, LIMITS), InvalidInputError, /malformed or truncated \(malformed part header\)/);
  });

  test('a file over maxFileBytes is a 413 that names the limit and the way to publish larger files', async () => {
    const limits = { maxFileBytes: TRICKY_FILE.byteLength - 1 };
    await assertRejects(
      parseUploadForm(CONTENT_TYPE, body, limits),
      PayloadTooLargeError,
      new RegExp(`demo_pkg-1\\.0-py3-none-any\\.whl is larger than ${limits.maxFileBytes} bytes, the largest file this upload endpoint accepts\\. Publish larger files with \`wharf publish\``),
    );
    const big = multipart(BOUNDARY, [file(new Uint8Array(3 * 1024 * 1024))]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, big, { maxFileBytes: 2 * 1024 * 1024 }), PayloadTooLargeError, /larger than 2 MiB/);
    await assertRejects(
      parseUploadForm(CONTENT_TYPE, big, { maxFileBytes: 2.5 * 1024 * 1024 }, { tooLargeHint: 'Ask the operators.' }),
      PayloadTooLargeError,
      /larger than 2\.5 MiB \(2621440 bytes\), the largest file this upload endpoint accepts\. Ask the operators\.$/,
    );
  });

  test('a file part under another name', async () => {
    const other = multipart(BOUNDARY, [field(':action', 'file_upload'), file(TRICKY_FILE, 'demo_pkg-1.0-py3-none-any.whl', 'file')]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, other, LIMITS), InvalidInputError, /has a file part named "file"; the distribution must be sent as the file part named content/);
    // A part with no filename but the octet-stream type is a file part too.
    const octet = multipart(BOUNDARY, [file(), { name: 'blob', value: 'x', headers: ['Content-Type: application/octet-stream'] }]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, octet, LIMITS), InvalidInputError, /has a file part named "blob"/);
  });

  test('two content parts', async () => {
    const two = multipart(BOUNDARY, [file(), file(TRICKY_FILE, 'demo_pkg-1.0.tar.gz')]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, two, LIMITS), InvalidInputError, /two content file parts; upload one distribution file per request/);
  });

  test('content as a text field, or as a file part without a filename', async () => {
    await assertRejects(
      parseUploadForm(CONTENT_TYPE, multipart(BOUNDARY, [field('content', 'PK...')]), LIMITS),
      InvalidInputError,
      /content field of the upload is a plain text field; it must be a file part, with the distribution's filename/,
    );
    const anonymous = multipart(BOUNDARY, [{ name: 'content', value: TRICKY_FILE, headers: ['Content-Type: application/octet-stream'] }]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, anonymous, LIMITS), InvalidInputError, /The content file part has no filename/);
    await assertRejects(parseUploadForm(CONTENT_TYPE, multipart(BOUNDARY, [file(TRICKY_FILE, '')]), LIMITS), InvalidInputError, /The content file part has no filename/);
  });

  test('too many fields', async () => {
    const many = multipart(BOUNDARY, [...Array.from({ length: 11 }, (_, i) => field('classifiers', `Topic :: ${i}`)), file()]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, many, { ...LIMITS, maxFields: 10 }), InvalidInputError, /more than 10 fields/);
    assert.equal((await parseUploadForm(CONTENT_TYPE, many, { ...LIMITS, maxFields: 11 })).fields.get('classifiers')?.length, 11);
    assert.equal(DEFAULT_UPLOAD_FORM_LIMITS.maxFields, 2000);
  });

  test('an oversized field value', async () => {
    const long = multipart(BOUNDARY, [field('description', 'd'.repeat(101)), file()]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, long, { ...LIMITS, maxFieldBytes: 100 }), InvalidInputError, /The form field "description" is larger than 100 bytes/);
    assert.equal((await parseUploadForm(CONTENT_TYPE, long, { ...LIMITS, maxFieldBytes: 101 })).fields.get('description')?.[0]?.length, 101);
  });

  test('a part without a name', async () => {
    await assertRejects(parseUploadForm(CONTENT_TYPE, multipart(BOUNDARY, [{ value: 'x' }, file()]), LIMITS), InvalidInputError, /a part without a name/);
  });

  test('a field in a charset that cannot be decoded', async () => {
    const odd = multipart(BOUNDARY, [{ name: 'summary', value: 'x', headers: ['Content-Type: text/plain; charset=x-klingon'] }, file()]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, odd, LIMITS), InvalidInputError, /The form field "summary" declares a charset this index cannot decode/);
  });

  test('the first problem is the one reported', async () => {
    const both = multipart(BOUNDARY, [file(TRICKY_FILE, 'x.whl', 'file'), file(), file()]);
    await assertRejects(parseUploadForm(CONTENT_TYPE, both, LIMITS), InvalidInputError, /file part named "file"/);
  });
});
