/**
 * The `multipart/form-data` body of a legacy upload (`POST /legacy/`), as twine, uv and
 * poetry send it: text fields (repeated for multi-use metadata such as `classifiers`)
 * and the distribution as a file part named `content`.
 *
 * busboy does the parsing. The body is already in memory (API Gateway hands the Lambda
 * the whole request), so it is fed to busboy once; file chunks come back as views into
 * it, and when they are contiguous the file is returned as one view, without a copy.
 * Field values are decoded as UTF-8 unless a part names another charset; invalid
 * sequences become U+FFFD, as Python's and WHATWG decoders do. The fields the index
 * relies on are ASCII and validated later (lambdas/core/upload-form.ts).
 */
import busboy from 'busboy';

import { concatBytes } from '../core/bytes.ts';
import { INSPECTION_LIMITS } from '../core/distribution.ts';
import { InvalidInputError, PayloadTooLargeError } from '../core/errors.ts';

/** The part that carries the distribution. */
export const CONTENT_FIELD = 'content';
/** The part `twine upload --sign` (twine 5 and older) adds; PyPI discards it, and so do we. */
export const GPG_SIGNATURE_FIELD = 'gpg_signature';

const MiB = 1024 * 1024;

export const DEFAULT_UPLOAD_FORM_LIMITS = Object.freeze({
  /**
   * twine sends each classifier and requirement as a field of its own; a project with
   * 150 classifiers and 200 requirements sends about 400. 2000 leaves room and still
   * bounds the work an abusive form can cause.
   */
  maxFields: 2000,
  /**
   * The largest field is the description (the README), which is as large as the
   * largest METADATA file inspection reads.
   */
  maxFieldBytes: INSPECTION_LIMITS.maxCoreMetadataBytes,
});

export interface UploadFormLimits {
  /** The largest distribution file accepted; a larger one is a PayloadTooLargeError (413). */
  readonly maxFileBytes: number;
  /** @default DEFAULT_UPLOAD_FORM_LIMITS.maxFields */
  readonly maxFields?: number;
  /** The largest value of one text field, in bytes. @default DEFAULT_UPLOAD_FORM_LIMITS.maxFieldBytes */
  readonly maxFieldBytes?: number;
}

export interface UploadFormOptions {
  /**
   * What to tell the user to do with a file over maxFileBytes; appended to the 413
   * message. @default DEFAULT_TOO_LARGE_HINT
   */
  readonly tooLargeHint?: string;
}

export const DEFAULT_TOO_LARGE_HINT =
  'Publish larger files with `wharf publish`, which uploads them straight to S3.';

export interface UploadFormFile {
  /** The filename as the part's Content-Disposition gives it, path and all: it is checked, never trimmed. */
  readonly filename: string;
  /** The file's bytes; may be a view into the request body, so the body must not be reused. */
  readonly bytes: Uint8Array;
}

export interface UploadForm {
  /** Text fields by name, in the order they first appear; repeated fields keep every value, in order. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
  /** The `content` file part; absent when the form has none (legacy-upload reports that, after `:action`). */
  readonly file?: UploadFormFile;
  /** Whether a gpg_signature file part came along and was dropped (PyPI answers with a warning). */
  readonly gpgSignatureDiscarded: boolean;
}

function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}

const CLIENTS_HINT = 'Upload with twine, uv or poetry pointed at this index\'s /legacy/ URL, which send it that way.';

// boundary=value or boundary="value" (RFC 2045 parameter syntax).
const BOUNDARY_PARAM = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

function checkContentType(contentType: string | undefined): string {
  if (contentType === undefined || contentType.trim() === '') {
    throw new InvalidInputError(
      `The upload has no Content-Type header: an upload must be a multipart/form-data body. ${CLIENTS_HINT}`,
    );
  }
  const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType !== 'multipart/form-data') {
    throw new InvalidInputError(
      `The upload has Content-Type ${JSON.stringify(contentType)}, but the upload API takes multipart/form-data. ${CLIENTS_HINT}`,
    );
  }
  const match = BOUNDARY_PARAM.exec(contentType);
  if (!match || (match[1] ?? match[2] ?? '') === '') {
    throw new InvalidInputError(
      `The upload's Content-Type ${JSON.stringify(contentType)} has no boundary parameter, so its body cannot be split into fields. Send the Content-Type your HTTP library generated together with the body (multipart/form-data; boundary=...).`,
    );
  }
  return contentType;
}

/** A busboy error: something wrong with the body itself. */
function malformed(error: unknown, bodyBytes: number): InvalidInputError {
  if (bodyBytes === 0) {
    return new InvalidInputError(`The upload's body is empty: it must be a multipart/form-data form with the file as its content part. ${CLIENTS_HINT}`);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new InvalidInputError(
    `The upload's multipart/form-data body is malformed or truncated (${reason.toLowerCase()}): it was cut short on the way or the client built it wrongly. Upload again; if it keeps failing, check the client's version.`,
  );
}

/** The file's bytes: one view into the body when busboy handed over contiguous views of it, else a copy. */
function joinChunks(chunks: readonly Uint8Array[], length: number, body: Uint8Array): Uint8Array {
  if (chunks.length === 0) return new Uint8Array(0);
  const first = chunks[0]!;
  let contiguous = true;
  let next = first.byteOffset;
  for (const chunk of chunks) {
    if (chunk.buffer !== body.buffer || chunk.byteOffset !== next) {
      contiguous = false;
      break;
    }
    next += chunk.byteLength;
  }
  if (contiguous) {
    const start = first.byteOffset - body.byteOffset;
    return body.subarray(start, start + length);
  }
  return concatBytes(chunks, length);
}

/**
 * Parses the body of a legacy upload. Throws InvalidInputError for a missing or wrong
 * Content-Type, a missing boundary, a malformed or truncated body, a part without a
 * name, too many fields, an oversized field value, a `content` field that is not a
 * file, a file part under any name other than `content` (and `gpg_signature`, which is
 * dropped), or two `content` parts; PayloadTooLargeError when the file is larger than
 * `limits.maxFileBytes`. A form without a `content` file is returned as such: the
 * caller first checks `:action`, so that a `submit` gets the answer about submit.
 */
export function parseUploadForm(
  contentType: string | undefined,
  body: Uint8Array,
  limits: UploadFormLimits,
  options: UploadFormOptions = {},
): Promise<UploadForm> {
  const maxFields = limits.maxFields ?? DEFAULT_UPLOAD_FORM_LIMITS.maxFields;
  const maxFieldBytes = limits.maxFieldBytes ?? DEFAULT_UPLOAD_FORM_LIMITS.maxFieldBytes;
  const maxFileBytes = limits.maxFileBytes;
  const tooLargeHint = options.tooLargeHint ?? DEFAULT_TOO_LARGE_HINT;

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': checkContentType(contentType) },
      defCharset: 'utf8',
      defParamCharset: 'utf8',
      // Keep `../x.whl` as sent, so that it is refused rather than quietly renamed.
      preservePath: true,
      limits: {
        // busboy flags a value as over the limit when it reaches the limit exactly: ask for one more byte.
        fileSize: maxFileBytes + 1,
        fieldSize: maxFieldBytes + 1,
        fields: maxFields,
      },
    });
  } catch (error) {
    if (error instanceof InvalidInputError) return Promise.reject(error);
    return Promise.reject(
      new InvalidInputError(
        `The upload's Content-Type ${JSON.stringify(contentType)} is malformed (${error instanceof Error ? error.message : String(error)}). ${CLIENTS_HINT}`,
      ),
    );
  }

  return new Promise<UploadForm>((resolve, reject) => {
    const fields = new Map<string, string[]>();
    let file: UploadFormFile | undefined;
    let sawContent = false;
    let gpgSignatureDiscarded = false;
    // The first problem found is the one reported; parsing runs on to the end so that
    // busboy settles, but nothing more is kept.
    let failure: Error | undefined;
    let settled = false;
    const fail = (error: Error): void => {
      failure ??= error;
    };
    const settle = (error?: Error): void => {
      if (settled) return;
      settled = true;
      const problem = failure ?? error;
      if (problem) reject(problem);
      else resolve({ fields, ...(file !== undefined && { file }), gpgSignatureDiscarded });
    };

    parser.on('field', (name: string | undefined, value: string | undefined, info) => {
      if (failure) return;
      if (name === undefined) {
        fail(new InvalidInputError('The upload form has a part without a name in its Content-Disposition; every part must be named.'));
        return;
      }
      if (info.valueTruncated) {
        fail(
          new InvalidInputError(
            `The form field ${JSON.stringify(name)} is larger than ${formatBytes(maxFieldBytes)}, the most this index accepts in one field.`,
          ),
        );
        return;
      }
      if (value === undefined) {
        fail(new InvalidInputError(`The form field ${JSON.stringify(name)} declares a charset this index cannot decode; send it as UTF-8.`));
        return;
      }
      if (name === CONTENT_FIELD) {
        fail(
          new InvalidInputError(
            'The content field of the upload is a plain text field; it must be a file part, with the distribution\'s filename in its Content-Disposition (filename="...").',
          ),
        );
        return;
      }
      const values = fields.get(name);
      if (values) values.push(value);
      else fields.set(name, [value]);
    });

    parser.on('file', (name: string | undefined, stream, info) => {
      // Errors of the file stream (a truncated body) surface on the parser as well.
      stream.on('error', () => undefined);
      const discard = (): void => {
        stream.resume();
      };
      if (failure) return discard();
      if (name === GPG_SIGNATURE_FIELD) {
        gpgSignatureDiscarded = true;
        return discard();
      }
      if (name !== CONTENT_FIELD) {
        fail(
          new InvalidInputError(
            name === undefined
              ? 'The upload form has a file part without a name; the distribution must be sent as the file part named content.'
              : `The upload form has a file part named ${JSON.stringify(name)}; the distribution must be sent as the file part named content, and no other field may be a file.`,
          ),
        );
        return discard();
      }
      if (sawContent) {
        fail(new InvalidInputError('The upload form has two content file parts; upload one distribution file per request.'));
        return discard();
      }
      sawContent = true;
      const filename = info.filename;
      if (filename === undefined || filename === '') {
        fail(
          new InvalidInputError(
            'The content file part has no filename; its Content-Disposition must give the distribution\'s filename (filename="example_pkg-1.0-py3-none-any.whl").',
          ),
        );
        return discard();
      }
      const chunks: Uint8Array[] = [];
      let length = 0;
      stream.on('data', (chunk: Uint8Array) => {
        chunks.push(chunk);
        length += chunk.byteLength;
      });
      stream.on('limit', () => {
        fail(
          new PayloadTooLargeError(
            `${filename} is larger than ${formatBytes(maxFileBytes)}, the largest file this upload endpoint accepts. ${tooLargeHint}`,
          ),
        );
      });
      stream.on('end', () => {
        if (!stream.truncated) file = { filename, bytes: joinChunks(chunks, length, body) };
      });
    });

    parser.on('fieldsLimit', () => {
      fail(
        new InvalidInputError(
          `The upload form has more than ${maxFields} fields, more than this index accepts. Check that the distribution's metadata is what you meant to publish.`,
        ),
      );
    });
    parser.on('error', (error: unknown) => settle(malformed(error, body.byteLength)));
    parser.on('close', () => settle());

    try {
      parser.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    } catch (error) {
      // Not the body's fault: a bug here. Let it be a 500.
      settled = true;
      reject(error);
    }
  });
}
