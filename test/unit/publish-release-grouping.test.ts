/**
 * `wharf publish` groups its files into releases (PEP 694: one publishing session per project
 * and version): by normalized name and canonical version, in the order given; a file that is
 * not a distribution is reported and left out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByRelease } from '../../lambdas/cli/publish-client.ts';

test('files group by normalized project and canonical version, in order; a non-distribution is reported', () => {
  const bad: string[] = [];
  const releases = groupByRelease(
    [
      { path: 'dist/Demo_Pkg-1.0.tar.gz' },
      { path: 'dist/demo_pkg-1.0.0-py3-none-any.whl' },
      { path: 'dist/other-2.0-py3-none-any.whl' },
      { path: 'dist/demo_pkg-1.1-py3-none-any.whl', attestations: [{}] },
      { path: 'dist/README.md' },
    ],
    (file, message) => bad.push(`${file.path}: ${message}`),
  );
  assert.deepEqual(
    releases.map((r) => [r.project, r.version, r.files.map((f) => f.path)]),
    [
      ['demo-pkg', '1.0', ['dist/Demo_Pkg-1.0.tar.gz', 'dist/demo_pkg-1.0.0-py3-none-any.whl']],
      ['other', '2.0', ['dist/other-2.0-py3-none-any.whl']],
      ['demo-pkg', '1.1', ['dist/demo_pkg-1.1-py3-none-any.whl']],
    ],
  );
  assert.deepEqual(releases[2]!.files[0]!.attestations, [{}]);
  assert.equal(bad.length, 1);
  assert.match(bad[0]!, /README\.md is not a distribution/);
});
