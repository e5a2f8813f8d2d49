import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { compare as libraryCompare } from '@renovatebot/pep440';

import { InvalidInputError } from '../../lambdas/core/errors.ts';
import {
  fixVersionFor,
  compareVersions,
  isValidVersion,
  normalizeVersion,
  sortByVersion,
  sortVersions,
  tryNormalizeVersion,
  versionSortKey,
  versionsEqual,
} from '../../lambdas/core/versions.ts';

// packaging's own ordering test list (tests/test_version.py), in ascending order.
const ORDERED = [
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0b2-346',
  '1.0c1.dev456',
  '1.0c1',
  '1.0rc2',
  '1.0c3',
  '1.0',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.1.dev1',
  '1.2+123abc',
  '1.2+123abc456',
  '1.2+abc',
  '1.2+abc123',
  '1.2+abc123def',
  '1.2+1234.abc',
  '1.2+123456',
  '1.2.r32+123456',
  '1.2.rev33+123456',
  '1!1.0b2.post345.dev456',
  '1!1.0b2.post345',
  '1!1.0b2-346',
  '1!1.0c1.dev456',
  '1!1.0c1',
  '1!1.0rc2',
  '1!1.0c3',
  '1!1.0',
  '1!1.0.post456.dev34',
  '1!1.0.post456',
  '1!1.1.dev1',
  '1!1.2+123abc',
  '1!1.2+123abc456',
  '1!1.2+abc',
  '1!1.2+abc123',
  '1!1.2+abc123def',
  '1!1.2+1234.abc',
  '1!1.2+123456',
  '1!1.2.r32+123456',
  '1!1.2.rev33+123456',
];

/** A deterministic shuffle (the test must not depend on luck). */
function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('isValidVersion', () => {
  test('accepts PEP 440 versions, including the forms normalization cleans up', () => {
    for (const v of ['1', '1.0', '2013.10', '1.0a1', '1.0-RC1', '1.0.post1', '1.0-1', '1.0.dev0', '1!2.0', '1.0+abc.5', 'v1.0', '1.0_rc.1', '1.0.0.0.0']) {
      assert.equal(isValidVersion(v), true, v);
    }
  });

  test('rejects what is not a version', () => {
    for (const v of ['', 'a', '1.0.', '.1', '1.0+', '1.0+abc.', '1.0 ', ' 1.0', '1..0', '1.0-beta-x', 'latest', '1.0~rc1', '1,0']) {
      assert.equal(isValidVersion(v), false, JSON.stringify(v));
    }
  });
});

describe('normalizeVersion', () => {
  test('produces the PEP 440 canonical form', () => {
    const cases: [string, string][] = [
      ['1.0.0-RC1', '1.0.0rc1'],
      ['1.0.0', '1.0.0'],
      ['v1.0', '1.0'],
      ['1.0alpha1', '1.0a1'],
      ['1.0-beta.2', '1.0b2'],
      ['1.0c1', '1.0rc1'],
      ['1.0pre', '1.0rc0'],
      ['1.0-1', '1.0.post1'],
      ['1.0.rev2', '1.0.post2'],
      ['1.0-r', '1.0.post0'],
      ['1.0.POST', '1.0.post0'],
      ['1.0-dev', '1.0.dev0'],
      ['1.0_DEV_3', '1.0.dev3'],
      ['0!1.0', '1.0'],
      ['01!01.02.003', '1!1.2.3'],
      ['1.0+ABC-01', '1.0+abc.1'],
      ['1.0+abc_def.7', '1.0+abc.def.7'],
      ['1.0+1e5', '1.0+1e5'],
      ['  1.0\n', '1.0'],
      ['99999999999999999999999.1', '99999999999999999999999.1'],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeVersion(input), expected, input);
  });

  test('throws InvalidInputError, naming the version, for an invalid one', () => {
    assert.throws(() => normalizeVersion('not-a-version'), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.match(error.message, /"not-a-version" is not a valid PEP 440 version/);
      return true;
    });
    assert.equal(tryNormalizeVersion('nope'), undefined);
  });
});

describe('compareVersions', () => {
  test('orders packaging’s reference list exactly', () => {
    for (let i = 0; i + 1 < ORDERED.length; i++) {
      assert.ok(compareVersions(ORDERED[i]!, ORDERED[i + 1]!) < 0, `${ORDERED[i]} < ${ORDERED[i + 1]}`);
      assert.ok(compareVersions(ORDERED[i + 1]!, ORDERED[i]!) > 0, `${ORDERED[i + 1]} > ${ORDERED[i]}`);
    }
  });

  test('treats equivalent spellings as equal', () => {
    for (const [a, b] of [
      ['1.0', '1.0.0'],
      ['1', '1.0.0.0'],
      ['v1.0', '1.0'],
      ['1.0RC1', '1.0rc1'],
      ['1.0c1', '1.0rc1'],
      ['1.0+ABC', '1.0+abc'],
      ['1.0+abc-1', '1.0+abc.1'],
      ['1.0-1', '1.0.post1'],
      ['0!1.0', '1.0'],
    ]) {
      assert.equal(compareVersions(a!, b!), 0, `${a} == ${b}`);
      assert.equal(versionsEqual(a!, b!), true);
    }
    assert.equal(versionsEqual('1.0', '1.0.post0'), false);
    assert.equal(versionsEqual('1.0', 'junk'), false);
  });

  test('compares numbers of any length exactly', () => {
    assert.ok(compareVersions('1.99999999999999999998', '1.99999999999999999999') < 0);
    assert.ok(compareVersions('1.10', '1.9') > 0);
    assert.ok(compareVersions('1.0.dev10', '1.0.dev9') > 0);
  });

  test('treats a local segment like 1e5 as text, as packaging does', () => {
    // The library reads "1e5" as the number 100000; PEP 440 says digits only are numeric.
    assert.ok(compareVersions('1.0+1e5', '1.0+2') < 0);
    assert.ok(compareVersions('1.0+1e5', '1.0+abc') < 0);
  });

  test('sorts invalid versions after valid ones, by string', () => {
    assert.ok(compareVersions('999', 'junk') < 0);
    assert.ok(compareVersions('junk', '0.1') > 0);
    assert.ok(compareVersions('junk-a', 'junk-b') < 0);
    assert.equal(versionSortKey('junk'), undefined);
  });
});

describe('sortVersions', () => {
  test('sorts a shuffled reference list back into order', () => {
    assert.deepEqual(sortVersions(shuffled(ORDERED)), ORDERED);
  });

  test('is stable for equal versions and puts invalid ones last', () => {
    assert.deepEqual(sortVersions(['2.0', 'not a version', '1.0.0', '1.0', 'foo', '0.9', '1']), [
      '0.9',
      '1.0.0',
      '1.0',
      '1',
      '2.0',
      'foo',
      'not a version',
    ]);
    assert.deepEqual(sortVersions(['1', '1.0', '1.0.0']), ['1', '1.0', '1.0.0']);
  });

  test('does not modify its input', () => {
    const input = ['2', '1'];
    sortVersions(input);
    assert.deepEqual(input, ['2', '1']);
  });

  test('sortByVersion sorts records by a version field', () => {
    const files = [
      { filename: 'a-2.0.tar.gz', version: '2.0' },
      { filename: 'a-1.0rc1.tar.gz', version: '1.0rc1' },
      { filename: 'a-1.0.tar.gz', version: '1.0' },
    ];
    assert.deepEqual(
      sortByVersion(files, (f) => f.version).map((f) => f.filename),
      ['a-1.0rc1.tar.gz', 'a-1.0.tar.gz', 'a-2.0.tar.gz'],
    );
  });

  test('agrees with the library’s compare() on ordinary versions', () => {
    const versions = shuffled(ORDERED.filter((v) => !v.includes('+')), 7);
    const ours = sortVersions(versions);
    const theirs = [...versions].sort(libraryCompare);
    assert.deepEqual(ours.map((v) => normalizeVersion(v)), theirs.map((v) => normalizeVersion(v)));
  });

  test('sorts 10,000 versions quickly, parsing each once', () => {
    const versions: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const suffix = ['', 'rc1', '.post2', '.dev3', '+local.7', 'a1.dev2'][i % 6];
      versions.push(`${i % 17}.${i % 11}.${i % 7}${suffix}`);
    }
    const started = performance.now();
    const sorted = sortVersions(versions);
    const elapsed = performance.now() - started;
    assert.equal(sorted.length, versions.length);
    for (let i = 0; i + 1 < sorted.length; i++) assert.ok(compareVersions(sorted[i]!, sorted[i + 1]!) <= 0);
    // Typically 20–40 ms; re-parsing on every comparison takes ~10x longer. Generous for busy CI.
    assert.ok(elapsed < 1500, `sorting took ${elapsed.toFixed(0)} ms`);
  });
});

describe('fixVersionFor', () => {
  test('is a valid version after the one it fixes, of the same release line', () => {
    const cases: [string, string][] = [
      ['1.0', '1.0.post1'],
      ['1.0.post1', '1.0.post2'],
      ['1.0rc1', '1.0rc1.post1'],
      ['1.0+ubuntu.1', '1.0.post1+ubuntu.1'],
      ['1.0.dev3', '1.0.dev4'],
      ['1.0.post1.dev2', '1.0.post1.dev3'],
      ['2!1.0', '2!1.0.post1'],
      ['1.0.POST', '1.0.post1'],
    ];
    for (const [version, fix] of cases) {
      assert.equal(fixVersionFor(version), fix, version);
      assert.ok(isValidVersion(fix), `${fix} is valid PEP 440`);
      assert.ok(compareVersions(fix, version) > 0, `${fix} sorts after ${version}`);
    }
  });

  test('has nothing for what is not a version', () => {
    assert.equal(fixVersionFor('not a version'), undefined);
  });
});
