/**
 * PEP 694's request rules and state names (lambdas/core/publishing-session.ts): what a
 * create, file and extend request must carry, the mechanisms and the http-post-bytes limit,
 * `expires-at` in whole seconds, extensions that never move expiry earlier or past the cap.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../../lambdas/core/errors.ts';
import {
  extendedExpiry,
  fileUploadStatus,
  parseCreateRequest,
  parseExtendRequest,
  parseFileRequest,
  POST_BYTES_MAX,
  UnsupportedMechanismError,
  unfinishedFiles,
  wholeSeconds,
} from '../../lambdas/core/publishing-session.ts';
import type { UploadSession } from '../../lambdas/core/upload-session.ts';

const META = { 'api-version': '2.0' };
const SESSION = { project: 'demo-pkg', version: '1.0', versionKey: '1' };
const SHA = 'ab'.repeat(32);
const file = (fields: Record<string, unknown>) =>
  parseFileRequest({ meta: META, filename: 'demo_pkg-1.0-py3-none-any.whl', size: 100, hashes: { sha256: SHA }, mechanism: 'http-post-bytes', ...fields }, SESSION, 5 * 1024 ** 3);

describe('PEP 694 requests', () => {
  test('a create request needs meta 2.x, a valid name (normalized) and a PEP 440 version', () => {
    assert.deepEqual(parseCreateRequest({ meta: META, name: 'Demo_Pkg', version: '1.0.0' }), { project: 'demo-pkg', version: '1.0.0', versionKey: '1' });
    assert.doesNotThrow(() => parseCreateRequest({ meta: { 'api-version': '2.1' }, name: 'a', version: '1' }));
    assert.throws(() => parseCreateRequest({ name: 'a', version: '1' }), /"meta"/);
    assert.throws(() => parseCreateRequest({ meta: { 'api-version': '1.0' }, name: 'a', version: '1' }), /speaks Upload API 2\.0/);
    assert.throws(() => parseCreateRequest({ meta: META, name: '-bad-', version: '1' }), /"name"/);
    assert.throws(() => parseCreateRequest({ meta: META, name: 'a', version: 'not a version' }), /PEP 440/);
    assert.throws(() => parseCreateRequest([]), InvalidInputError);
  });

  test('a file request: a distribution of the session\'s release, sha256 among the hashes, a known mechanism', () => {
    const parsed = file({});
    assert.equal(parsed.filetype, 'bdist_wheel');
    assert.equal(parsed.sha256, SHA);
    assert.equal(file({ filename: 'demo_pkg-1.0.0.tar.gz' }).filetype, 'sdist');
    assert.throws(() => file({ filename: 'other-1.0-py3-none-any.whl' }), /is a file of other/);
    assert.throws(() => file({ filename: 'demo_pkg-2.0-py3-none-any.whl' }), /version 2\.0/);
    assert.throws(() => file({ hashes: { md5: 'ab' } }), /"sha256"/);
    assert.throws(() => file({ hashes: { sha256: SHA, nonsense: 'ab' } }), /not a hashlib algorithm/);
    assert.throws(() => file({ size: 0 }), /"size"/);
    assert.throws(() => file({ filename: 'demo_pkg-1.0.exe' }), /extension/);
    assert.throws(() => file({ mechanism: 'vnd-acme-postal' }), UnsupportedMechanismError);
    assert.throws(() => file({ mechanism: undefined }), /"mechanism" is required/);
  });

  test('http-post-bytes carries up to 4 MiB; more is a 422 naming the S3 mechanism; the S3 mechanism takes it', () => {
    assert.equal(POST_BYTES_MAX, 4 * 1024 * 1024);
    assert.doesNotThrow(() => file({ size: POST_BYTES_MAX }));
    assert.throws(() => file({ size: POST_BYTES_MAX + 1 }), (err: Error) => err instanceof UnsupportedMechanismError && /vnd-wharf-s3multipart-presigned/.test(err.message));
    assert.throws(() => file({ size: POST_BYTES_MAX + 1, mechanism: 'http-post-application-octet-stream' }), UnsupportedMechanismError);
    assert.equal(file({ size: POST_BYTES_MAX + 1, mechanism: 'vnd-wharf-s3multipart-presigned' }).size, POST_BYTES_MAX + 1);
  });

  test('extend-for is whole seconds; an extension never moves expiry earlier nor past the cap', () => {
    assert.equal(parseExtendRequest({ meta: META, 'extend-for': 3600 }), 3600);
    assert.throws(() => parseExtendRequest({ meta: META, 'extend-for': -1 }), /"extend-for"/);
    const now = new Date('2026-12-01T12:00:00.400Z');
    const session = { createdAt: '2026-12-01T11:00:00Z', expiresAt: '2026-12-01T17:00:00Z' };
    assert.equal(extendedExpiry(session, 60, 86_400, now), '2026-12-01T17:00:00Z', 'shorter than what is left: unchanged');
    assert.equal(extendedExpiry(session, 10 * 3600, 86_400, now), '2026-12-01T22:00:00Z');
    assert.equal(extendedExpiry(session, 100 * 3600, 86_400, now), '2026-12-02T11:00:00Z', 'capped a day after creation');
    assert.equal(wholeSeconds(now), '2026-12-01T12:00:00Z');
  });

  test('file states as the draft names them, and the allow-list publish needs', () => {
    assert.equal(fileUploadStatus('verifying'), 'processing');
    assert.equal(fileUploadStatus('failed'), 'error');
    assert.equal(fileUploadStatus('cancelled'), 'canceled');
    assert.equal(fileUploadStatus('expired'), 'canceled');
    const files = [
      { filename: 'a.whl', status: 'completed' },
      { filename: 'b.whl', status: 'pending' },
      { filename: 'c.whl', status: 'failed', error: 'sha256 mismatch' },
    ] as unknown as UploadSession[];
    const blocking = unfinishedFiles(files);
    assert.deepEqual(blocking.map((b) => b.source), ['b.whl', 'c.whl']);
    assert.match(blocking[1]!.message, /error \(sha256 mismatch\): delete it/);
  });
});
