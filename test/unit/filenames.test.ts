import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { InvalidInputError } from '../../lambdas/core/errors.ts';
import {
  distributionIdentity,
  isSafeFilename,
  isSameDistribution,
  packageTypeOf,
  parseDistributionFilename,
  parseSdistFilename,
  parseWheelFilename,
  wheelEscapeName,
} from '../../lambdas/core/filenames.ts';

function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('parseWheelFilename', () => {
  test('numpy manylinux wheel with a compressed platform tag set', () => {
    const parsed = parseWheelFilename('numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
    assert.equal(parsed.kind, 'wheel');
    assert.equal(parsed.name, 'numpy');
    assert.equal(parsed.normalizedName, 'numpy');
    assert.equal(parsed.version, '1.26.4');
    assert.equal(parsed.buildTag, undefined);
    assert.equal(parsed.pythonTag, 'cp312');
    assert.equal(parsed.abiTag, 'cp312');
    assert.equal(parsed.platformTag, 'manylinux_2_17_x86_64.manylinux2014_x86_64');
    assert.deepEqual(parsed.tags, [
      { interpreter: 'cp312', abi: 'cp312', platform: 'manylinux_2_17_x86_64' },
      { interpreter: 'cp312', abi: 'cp312', platform: 'manylinux2014_x86_64' },
    ]);
  });

  test('universal wheel: py2.py3 expands to two tags', () => {
    const parsed = parseWheelFilename('six-1.16.0-py2.py3-none-any.whl');
    assert.deepEqual(
      parsed.tags.map((t) => `${t.interpreter}-${t.abi}-${t.platform}`),
      ['py2-none-any', 'py3-none-any'],
    );
  });

  test('escaped names normalize; old wheels keep dots', () => {
    const app = parseWheelFilename('wharf_demo_app-1.2.0-py3-none-any.whl');
    assert.equal(app.name, 'wharf_demo_app');
    assert.equal(app.normalizedName, 'wharf-demo-app');
    const zope = parseWheelFilename('zope.interface-6.1-cp311-cp311-macosx_11_0_arm64.whl');
    assert.equal(zope.name, 'zope.interface');
    assert.equal(zope.normalizedName, 'zope-interface');
    assert.equal(parseWheelFilename('Django-4.2.7-py3-none-any.whl').normalizedName, 'django');
  });

  test('local versions, pre-releases and build tags', () => {
    const torch = parseWheelFilename('torch-2.1.0+cu118-cp311-cp311-linux_x86_64.whl');
    assert.equal(torch.version, '2.1.0+cu118');
    assert.equal(parseWheelFilename('foo-1.0+abc-py3-none-any.whl').version, '1.0+abc');
    assert.equal(parseWheelFilename('foo-1.0rc1-py3-none-any.whl').version, '1.0rc1');
    const built = parseWheelFilename('pyodbc-5.0.1-1-cp39-cp39-win_amd64.whl');
    assert.equal(built.buildTag, '1');
    assert.equal(built.version, '5.0.1');
    assert.equal(parseWheelFilename('foo-1.0-20240101_abc-py3-none-any.whl').buildTag, '20240101_abc');
  });

  test('rejects wrong shapes with a message that shows the expected form', () => {
    assertInvalid(() => parseWheelFilename('foo-1.0-py3-none.whl'), /4 dash-separated parts where 5 or 6/);
    assertInvalid(() => parseWheelFilename('foo-1.0-1-2-py3-none-any.whl'), /7 dash-separated parts/);
    assertInvalid(() => parseWheelFilename('foo-1.0.tar.gz'), /must end in \.whl/);
  });

  test('rejects unescaped dashes, bad versions, bad build tags and bad tags', () => {
    // "my-project" written with a dash splits into one part too many: the name must use "_".
    assertInvalid(() => parseWheelFilename('my-project-1.0-py3-none-any.whl'), /"project" is not a valid PEP 440 version/);
    assertInvalid(() => parseWheelFilename('foo__bar-1.0-py3-none-any.whl'), /is not a valid project name part/);
    assertInvalid(() => parseWheelFilename('_foo-1.0-py3-none-any.whl'), /is not a valid project name part/);
    assertInvalid(() => parseWheelFilename('foo-latest-py3-none-any.whl'), /"latest" is not a valid PEP 440 version/);
    assertInvalid(() => parseWheelFilename('foo-1.0-abc-py3-none-any.whl'), /build tag "abc" must start with a digit/);
    assertInvalid(() => parseWheelFilename('foo-1.0-py3-none-any..x.whl'), /platform tag/);
    assertInvalid(() => parseWheelFilename('foo-1.0-py3+-none-any.whl'), /python tag/);
  });

  test('rejects unsafe filenames before parsing', () => {
    assertInvalid(() => parseWheelFilename('../foo-1.0-py3-none-any.whl'), /must not contain slashes/);
    assertInvalid(() => parseWheelFilename('.foo-1.0-py3-none-any.whl'), /must not start with a dot/);
  });
});

describe('parseSdistFilename', () => {
  test('PEP 625 sdists', () => {
    const parsed = parseSdistFilename('wharf_demo_app-1.2.0.tar.gz');
    assert.deepEqual(parsed, {
      kind: 'sdist',
      name: 'wharf_demo_app',
      normalizedName: 'wharf-demo-app',
      version: '1.2.0',
      extension: '.tar.gz',
      isPep625: true,
    });
    assert.equal(parseSdistFilename('python_dateutil-2.8.2.tar.gz').isPep625, true);
  });

  test('legacy sdists whose names contain dashes split at the last dash before a version', () => {
    const dateutil = parseSdistFilename('python-dateutil-2.8.2.tar.gz');
    assert.equal(dateutil.name, 'python-dateutil');
    assert.equal(dateutil.normalizedName, 'python-dateutil');
    assert.equal(dateutil.version, '2.8.2');
    assert.equal(dateutil.isPep625, false);
    assert.equal(parseSdistFilename('wharf-demo-core-1.0.0.tar.gz').normalizedName, 'wharf-demo-core');
    assert.equal(parseSdistFilename('Django-4.2.7.tar.gz').isPep625, false);
    assert.equal(parseSdistFilename('zope.interface-6.1.tar.gz').normalizedName, 'zope-interface');
    const rc = parseSdistFilename('foo-bar-1.0-rc1.tar.gz');
    assert.equal(rc.name, 'foo-bar');
    assert.equal(rc.version, '1.0-rc1');
    assert.equal(parseSdistFilename('foo-1.0rc1.tar.gz').isPep625, true);
    assert.equal(parseSdistFilename('foo-1.0-rc1.tar.gz').isPep625, false);
  });

  test('the expected name resolves an ambiguous split', () => {
    // Without a name, "foo-1.0-1" reads as project "foo-1.0" version "1" (packaging does the same).
    const guessed = parseSdistFilename('foo-1.0-1.tar.gz');
    assert.equal(guessed.name, 'foo-1.0');
    assert.equal(guessed.version, '1');
    const known = parseSdistFilename('foo-1.0-1.tar.gz', 'foo');
    assert.equal(known.name, 'foo');
    assert.equal(known.version, '1.0-1');
    const dateutil = parseSdistFilename('python-dateutil-2.8.2.tar.gz', 'Python_Dateutil');
    assert.equal(dateutil.name, 'python-dateutil');
    assert.equal(dateutil.version, '2.8.2');
  });

  test('an expected name that the filename does not start with is an error naming it', () => {
    assertInvalid(
      () => parseSdistFilename('requests-2.31.0.tar.gz', 'urllib3'),
      /must start with the project name "urllib3".*urllib3-1\.0\.0\.tar\.gz/,
    );
  });

  test('legacy .zip sdists are accepted; other archive formats are not', () => {
    const zip = parseSdistFilename('pywin32-ctypes-0.2.0.zip');
    assert.equal(zip.extension, '.zip');
    assert.equal(zip.name, 'pywin32-ctypes');
    assert.equal(zip.isPep625, false);
    assertInvalid(() => parseSdistFilename('foo-1.0.tar.bz2'), /no longer accepted.*python -m build --sdist/);
    assertInvalid(() => parseSdistFilename('foo-1.0.tgz'), /must be a \.tar\.gz/);
  });

  test('rejects stems without a name and a version', () => {
    assertInvalid(() => parseSdistFilename('foo.tar.gz'), /expected \{name\}-\{version\}\.tar\.gz/);
    assertInvalid(() => parseSdistFilename('foo-bar.tar.gz'), /expected/);
    assertInvalid(() => parseSdistFilename('-1.0.tar.gz'), /expected/);
    assertInvalid(() => parseSdistFilename('foo\n-1.0.tar.gz'), /control characters/);
  });
});

describe('parseDistributionFilename', () => {
  test('dispatches on the extension', () => {
    assert.equal(parseDistributionFilename('six-1.16.0-py2.py3-none-any.whl').kind, 'wheel');
    assert.equal(parseDistributionFilename('six-1.16.0.tar.gz').kind, 'sdist');
    assert.equal(parseDistributionFilename('foo-1.0-1.tar.gz', 'foo').version, '1.0-1');
    assertInvalid(() => parseDistributionFilename('foo-1.0.egg'), /upload a wheel \(\.whl\) or a source distribution/);
    assertInvalid(() => parseDistributionFilename('foo-1.0.exe'), /Unsupported distribution file/);
  });
});

describe('packageTypeOf', () => {
  test('maps extensions to package types', () => {
    assert.equal(packageTypeOf('numpy-1.26.4-cp312-cp312-win_amd64.whl'), 'bdist_wheel');
    assert.equal(packageTypeOf('numpy-1.26.4.tar.gz'), 'sdist');
    assert.equal(packageTypeOf('foo-1.0.zip'), 'sdist');
    assert.equal(packageTypeOf('foo-1.0.tar.bz2'), undefined);
    assert.equal(packageTypeOf('foo-1.0.egg'), undefined);
    assert.equal(packageTypeOf('foo-1.0.WHL'), undefined);
    assert.equal(packageTypeOf('foo-1.0.whl.metadata'), undefined);
  });
});

describe('isSafeFilename', () => {
  test('accepts ordinary distribution filenames', () => {
    for (const name of ['six-1.16.0-py2.py3-none-any.whl', 'python-dateutil-2.8.2.tar.gz', 'torch-2.1.0+cu118-cp311-cp311-linux_x86_64.whl', 'a']) {
      assert.equal(isSafeFilename(name), true, name);
    }
  });

  test('rejects paths, dot files, control characters, overlong and malformed strings', () => {
    for (const name of ['', 'a/b.whl', 'a\\b.whl', '.hidden.whl', '.', '..', 'a\u0000.whl', 'a\nb.whl', 'a\u007f.whl', 'a\u0085.whl', 'a\uD800.whl', 'x'.repeat(256)]) {
      assert.equal(isSafeFilename(name), false, JSON.stringify(name));
    }
    assert.equal(isSafeFilename('x'.repeat(255)), true);
    // 255 is a byte limit: 128 two-byte characters are 256 bytes.
    assert.equal(isSafeFilename('é'.repeat(128)), false);
  });
});

describe('wheelEscapeName', () => {
  test('normalizes and uses underscores', () => {
    assert.equal(wheelEscapeName('Wharf-Demo.Core'), 'wharf_demo_core');
    assert.equal(wheelEscapeName('zope.interface'), 'zope_interface');
  });
});

describe('distributionIdentity: one file, however it is spelled', () => {
  const same = (a: string, b: string, project = 'alpha') =>
    assert.equal(distributionIdentity(a, project), distributionIdentity(b, project), `${a} ~ ${b}`);
  const differ = (a: string, b: string, project = 'alpha') =>
    assert.notEqual(distributionIdentity(a, project), distributionIdentity(b, project), `${a} !~ ${b}`);

  test('wheels: case, separators, canonical version, tag order and case, build tag number', () => {
    const base = 'alpha-1.0-py3-none-any.whl';
    for (const other of [
      'Alpha-1.0-py3-none-any.whl',
      'ALPHA-1.0-py3-none-any.whl',
      'alpha-1.0.0-py3-none-any.whl',
      'alpha-1.00-py3-none-any.whl',
      'alpha-1.0-PY3-None-Any.whl',
      'alpha-v1.0-py3-none-any.whl',
    ]) {
      same(base, other);
    }
    same('my_pkg-1.0-py2.py3-none-any.whl', 'My.Pkg-1.0-py3.py2-none-any.whl', 'my-pkg');
    same('alpha-1.0-1-py3-none-any.whl', 'alpha-1.0-01-py3-none-any.whl');
    same('torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl', 'torch-2.13+CPU-cp311-cp311-linux_x86_64.whl', 'torch');
    differ(base, 'alpha-1.0-py2.py3-none-any.whl');
    differ(base, 'alpha-1.0.1-py3-none-any.whl');
    differ(base, 'alpha-1.0-1-py3-none-any.whl');
    differ(base, 'alpha-1.0.post1-py3-none-any.whl');
    differ('torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl', 'torch-2.13.0-cp311-cp311-linux_x86_64.whl', 'torch');
  });

  test('sdists: one per release, whatever the extension or spelling; never the same as a wheel', () => {
    for (const other of ['alpha-1.0.zip', 'Alpha-1.0.0.tar.gz', 'alpha-1.00.tar.gz', 'ALPHA-1.tar.gz']) same('alpha-1.0.tar.gz', other);
    same('python-dateutil-2.8.2.tar.gz', 'python_dateutil-2.8.2.0.tar.gz', 'python-dateutil');
    differ('alpha-1.0.tar.gz', 'alpha-1.0.1.tar.gz');
    differ('alpha-1.0.tar.gz', 'alpha-1.0-py3-none-any.whl');
  });

  test('a name that is no distribution filename is its own identity', () => {
    assert.equal(distributionIdentity('README.md', 'alpha'), 'README.md');
    assert.equal(isSameDistribution('alpha-1.0.tar.gz', 'alpha-1.0.zip', 'alpha'), true);
    assert.equal(isSameDistribution('alpha-1.0.tar.gz', 'beta-1.0.tar.gz', 'alpha'), false);
  });
});
