import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deletedFilenameError } from '../../lambdas/core/file-identity.ts';
import type { Tombstone } from '../../lambdas/core/model.ts';
import { isValidVersion } from '../../lambdas/core/versions.ts';

const tombstone = (version: string): Tombstone =>
  ({ project: 'alpha', version, filename: `alpha-${version}-py3-none-any.whl`, sha256: 'a'.repeat(64), deletedAt: '2026-11-30T10:00:00.000Z', deletedBy: 'token:x' });

describe('the refusal of a deleted file', () => {
  test('suggests a version that PEP 440 allows and that sorts after the deleted one', () => {
    for (const [version, fix] of [
      ['1.0', '1.0.post1'],
      ['1.0.post1', '1.0.post2'],
      ['1.1.dev7', '1.1.dev8'],
    ]) {
      const message = deletedFilenameError(tombstone(version!)).message;
      assert.ok(message.includes(`${version!.includes('dev') ? 'the next development release' : 'a post-release such as'} ${fix} for a fix to this one`), message);
      assert.ok(isValidVersion(fix!));
      assert.doesNotMatch(message, /\.dev\d+\.post/, 'a dev release takes no post segment after it');
      assert.doesNotMatch(message, /already exist/i, 'twine --skip-existing would take that for success');
    }
  });
});
