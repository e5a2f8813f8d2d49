/**
 * The PEP 508 / PEP 440 syntax checks, case by case from the PEP's grammar. Each verdict
 * was checked against `packaging` 26 (Requirement, SpecifierSet), what pip uses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { InvalidInputError } from '../../lambdas/core/errors.ts';
import { parseCoreMetadata } from '../../lambdas/core/core-metadata.ts';
import { RequirementSyntaxError, checkMarker, checkRequirement, isValidIdentifier, isValidSpecifierSet } from '../../lambdas/core/requirements.ts';

const valid = (text: string) => {
  try {
    checkRequirement(text);
    return true;
  } catch (error) {
    assert.ok(error instanceof RequirementSyntaxError, `${text}: ${String(error)}`);
    return false;
  }
};

describe('checkRequirement (PEP 508)', () => {
  test('names, extras, specifiers, URLs and markers that packaging accepts', () => {
    for (const text of [
      'foo',
      'foo.bar_baz-qux',
      'foo>=1.0',
      'foo >=1.0, <2',
      'foo>= 1.0',
      'foo (>=1.0)',
      'foo (== 1.0)',
      'foo()',
      'foo[]',
      'foo[bar,baz]>=1; python_version<"3.8"',
      'foo==1.0.*',
      'foo!=1.*',
      'foo==1.0+local',
      'foo===abc',
      'foo<=1.0-beta',
      'foo>=1,<2,!=1.5',
      'foo @ https://x/y.whl',
      'foo@https://x',
      'foo[bar] @ file:///x',
      'foo @ https://x/y.whl ; os_name=="nt"',
      'foo;python_version=="3"',
      "foo; python_version > '3'",
      'foo; sys.platform == "win32"',
      'foo; (python_version>"3" and os_name=="nt") or extra == "x"',
      'foo; python_version not in "3.1"',
      'foo; "a" in "abc"',
      'foo; implementation_name=="cpython"or os_name=="nt"',
    ]) {
      assert.ok(valid(text), text);
    }
  });

  test('what packaging refuses with InvalidRequirement', () => {
    for (const text of [
      ';;;???',
      '-foo',
      'foo-',
      'foo 1.0',
      'foo==',
      'foo>=1 <2',
      'foo>=1.0.*',
      'foo~=1',
      'foo>=1.0+local',
      'foo (>=1.0',
      'foo[bar,]',
      'foo @ ',
      'foo ; ',
      'foo>=1 ; ',
      'foo; python_version',
      'foo; python_version >',
      'foo; bogus_var == "1"',
      'foo; extra == "a" and',
      'foo; platform_machine=="x86_64" andos_name=="nt"',
      'foo ; extra == "x" ; os_name=="nt"',
    ]) {
      assert.equal(valid(text), false, text);
    }
  });

  test('the error says where the requirement goes wrong', () => {
    assert.throws(() => checkRequirement('foo; bogus == "1"'), /the marker "bogus == \\"1\\"": expected a marker variable/);
    assert.throws(() => checkRequirement('foo>=1.0.*'), /">=1\.0\.\*" is not a valid PEP 440 version specifier/);
    assert.throws(() => checkRequirement(';;;???'), /expected a project name at ";;;\?\?\?"/);
  });

  test('markers alone; deep nesting is bounded', () => {
    checkMarker('python_version >= "3.8" and (os_name == "nt" or sys_platform == "darwin")');
    assert.throws(() => checkMarker('python_version >= "3.8" and'), RequirementSyntaxError);
    assert.throws(() => checkMarker(`${'('.repeat(100)}os_name == "nt"${')'.repeat(100)}`), /fewer nested parentheses/);
  });
});

describe('isValidSpecifierSet (PEP 440), as Requires-Python', () => {
  test('accepts what packaging accepts and refuses the rest', () => {
    for (const text of ['>=3.8', '>=3.8, <4', '', '>=3', '>=3.8,', '==3.*', '>= 3.8', '!=3.0.*,!=3.1.*,>=2.7']) assert.ok(isValidSpecifierSet(text), text);
    for (const text of ['not a spec', '>=3.6.*', '3.8', '~=3', '>=3.8 <4', '>=']) assert.equal(isValidSpecifierSet(text), false, text);
  });
});

describe('extra names', () => {
  test('PEP 685 names', () => {
    for (const name of ['dev', 'test_extra', 'a.b-c', 'X1']) assert.ok(isValidIdentifier(name), name);
    for (const name of ['', '-dev', 'dev-', 'a b', 'é']) assert.equal(isValidIdentifier(name), false, name);
  });
});

describe('parseCoreMetadata refuses what pip cannot use', () => {
  const base = (extra: string) => `Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n${extra}\n`;
  const refused = (extra: string, message: RegExp) =>
    assert.throws(() => parseCoreMetadata(base(extra), 'demo-1.0.whl: METADATA'), (error: unknown) => error instanceof InvalidInputError && message.test(error.message));

  test('Requires-Dist, Requires-Python and Provides-Extra, each with what to do', () => {
    refused('Requires-Dist: ;;;???', /^demo-1\.0\.whl: METADATA has Requires-Dist ";;;\?\?\?", which is not a valid PEP 508 requirement .*pip would fail on it with InvalidRequirement\. Fix the dependency/);
    refused('Requires-Dist: foo; bogus == "1"', /Requires-Dist "foo; bogus == \\"1\\"".*the marker/);
    refused('Requires-Python: not a spec', /has Requires-Python "not a spec", which is not a valid PEP 440 version specifier.*">=3\.9"/);
    refused('Requires-Python: >=3.6.*', /has Requires-Python ">=3\.6\.\*"/);
    refused('Provides-Extra: -bad', /has Provides-Extra "-bad", which is not a valid extra name/);
    const ok = parseCoreMetadata(base('Requires-Dist: foo[bar]>=1; extra == "x"\nRequires-Python: >=3.9\nProvides-Extra: x'));
    assert.deepEqual(ok.requiresDist, ['foo[bar]>=1; extra == "x"']);
  });
});
