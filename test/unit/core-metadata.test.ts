import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  MULTI_USE_FIELDS,
  isMetadataVersionAtLeast,
  parseCoreMetadata,
} from '../../lambdas/core/core-metadata.ts';
import { InvalidInputError } from '../../lambdas/core/errors.ts';

function assertInvalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

const lines = (...parts: string[]): string => parts.join('\n');

describe('parseCoreMetadata', () => {
  test('Metadata-Version 1.0 with a distutils-indented Description header', () => {
    const metadata = parseCoreMetadata(
      lines(
        'Metadata-Version: 1.0',
        'Name: legacy-thing',
        'Version: 0.3',
        'Summary: An old package',
        'Home-page: http://example.com/',
        'Author: A. Author',
        'Author-email: a@example.com',
        'License: UNKNOWN',
        'Description: Legacy Thing',
        '        ============',
        '        ',
        '        Usage::',
        '        ',
        '            import legacy_thing',
        '        ',
        'Platform: UNKNOWN',
        '',
      ),
    );
    assert.equal(metadata.metadataVersion, '1.0');
    assert.equal(metadata.name, 'legacy-thing');
    assert.equal(metadata.version, '0.3');
    assert.equal(metadata.summary, 'An old package');
    assert.equal(metadata.homePage, 'http://example.com/');
    assert.equal(metadata.author, 'A. Author');
    assert.equal(metadata.authorEmail, 'a@example.com');
    assert.equal(metadata.license, 'UNKNOWN');
    assert.equal(metadata.description, 'Legacy Thing\n============\n\nUsage::\n\n    import legacy_thing');
    assert.deepEqual(metadata.platforms, ['UNKNOWN']);
    assert.deepEqual(metadata.requiresDist, []);
    assert.deepEqual(metadata.classifiers, []);
  });

  test('the spec’s 7-spaces-and-pipe continuation convention in Description and License', () => {
    const metadata = parseCoreMetadata(
      lines(
        'Metadata-Version: 1.2',
        'Name: piped',
        'Version: 1.0',
        'Description: First line',
        '       |',
        '       |  indented line',
        '       |last line',
        'License: Copyright (c) 2024',
        '        All rights reserved.',
      ),
    );
    assert.equal(metadata.description, 'First line\n\n  indented line\nlast line');
    assert.equal(metadata.license, 'Copyright (c) 2024\nAll rights reserved.');
  });

  test('Metadata-Version 2.1: description in the body, multi-use fields as arrays', () => {
    const body = '# wharf-demo-app\n\nA tiny application.\n\n    indented code\n';
    const metadata = parseCoreMetadata(
      lines(
        'Metadata-Version: 2.1',
        'Name: wharf_demo_app',
        'Version: 1.2.0',
        'Summary: A tiny application that depends on wharf-demo-core',
        'License: Apache-2.0',
        'Project-URL: Homepage, https://example.com',
        'Project-URL: Issues, https://example.com/issues',
        'Keywords: demo,wharf',
        'Classifier: Programming Language :: Python :: 3',
        'Classifier: License :: OSI Approved :: Apache Software License',
        'Requires-Python: >=3.8',
        'Description-Content-Type: text/markdown',
        'Provides-Extra: cli',
        'Requires-Dist: wharf-demo-core>=1.0',
        'Requires-Dist: click>=8; extra == "cli"',
        'Requires-External: libpq',
        'Supported-Platform: RedHat 7.2',
        'Provides-Dist: wharf-demo',
        'Obsoletes-Dist: old-wharf-demo',
        '',
        body,
      ),
    );
    assert.equal(metadata.name, 'wharf_demo_app');
    assert.equal(metadata.version, '1.2.0');
    assert.equal(metadata.requiresPython, '>=3.8');
    assert.deepEqual(metadata.requiresDist, ['wharf-demo-core>=1.0', 'click>=8; extra == "cli"']);
    assert.deepEqual(metadata.projectUrls, ['Homepage, https://example.com', 'Issues, https://example.com/issues']);
    assert.deepEqual(metadata.classifiers, [
      'Programming Language :: Python :: 3',
      'License :: OSI Approved :: Apache Software License',
    ]);
    assert.deepEqual(metadata.providesExtra, ['cli']);
    assert.deepEqual(metadata.requiresExternal, ['libpq']);
    assert.deepEqual(metadata.supportedPlatforms, ['RedHat 7.2']);
    assert.deepEqual(metadata.providesDist, ['wharf-demo']);
    assert.deepEqual(metadata.obsoletesDist, ['old-wharf-demo']);
    assert.equal(metadata.keywords, 'demo,wharf');
    assert.equal(metadata.descriptionContentType, 'text/markdown');
    assert.equal(metadata.description, body);
    assert.deepEqual(metadata.dynamic, []);
  });

  test('Metadata-Version 2.4: License-Expression, License-File and Dynamic', () => {
    const metadata = parseCoreMetadata(
      lines(
        'Metadata-Version: 2.4',
        'Name: modern',
        'Version: 3.0.0',
        'License-Expression: MIT OR Apache-2.0',
        'License-File: LICENSE-MIT',
        'License-File: LICENSE-APACHE',
        'Dynamic: Requires-Dist',
        'Dynamic: Provides-Extra',
        'Import-Name: modern',
        '',
        'Body.',
      ),
    );
    assert.equal(metadata.metadataVersion, '2.4');
    assert.equal(metadata.licenseExpression, 'MIT OR Apache-2.0');
    assert.equal(metadata.license, undefined);
    assert.deepEqual(metadata.licenseFiles, ['LICENSE-MIT', 'LICENSE-APACHE']);
    assert.deepEqual(metadata.dynamic, ['Requires-Dist', 'Provides-Extra']);
    // Fields the typed object has no property for are still available.
    assert.deepEqual(metadata.fields.get('import-name'), ['modern']);
    assert.deepEqual(metadata.fields.get('license-file'), ['LICENSE-MIT', 'LICENSE-APACHE']);
  });

  test('CRLF line endings, from bytes', () => {
    const text = 'Metadata-Version: 2.1\r\nName: crlf\r\nVersion: 1.0\r\nAuthor: Zoë Ünicode\r\n\r\nLine one\r\nLine two\r\n';
    const metadata = parseCoreMetadata(new TextEncoder().encode(text));
    assert.equal(metadata.metadataVersion, '2.1');
    assert.equal(metadata.name, 'crlf');
    assert.equal(metadata.author, 'Zoë Ünicode');
    assert.equal(metadata.description, 'Line one\nLine two\n');
  });

  test('a UTF-8 BOM is refused, as pip 23.2+ refuses it, with how to fix it', () => {
    const text = '\uFEFFMetadata-Version: 2.1\nName: bom\nVersion: 1.0\n';
    for (const input of [new TextEncoder().encode(text), text]) {
      assertInvalid(() => parseCoreMetadata(input, 'bom-1.0.whl: METADATA'), /^bom-1\.0\.whl: METADATA starts with a UTF-8 byte order mark \(BOM\), which pip 23\.2 and later refuse.*without a BOM/);
    }
  });

  test('header names are case-insensitive; values are trimmed; folded headers unfold', () => {
    const metadata = parseCoreMetadata(
      lines(
        'metadata-version: 2.1',
        'NAME:   spaced   ',
        'version:1.0',
        'summary: a summary that was',
        '  folded by an email generator',
        'REQUIRES-DIST: a',
        'Requires-Dist: b',
        'X-Custom: one',
        'x-custom: two',
      ),
    );
    assert.equal(metadata.name, 'spaced');
    assert.equal(metadata.version, '1.0');
    assert.equal(metadata.summary, 'a summary that was  folded by an email generator');
    assert.deepEqual(metadata.requiresDist, ['a', 'b']);
    assert.deepEqual(metadata.fields.get('x-custom'), ['one', 'two']);
    assert.equal(metadata.description, undefined);
  });

  test('a body takes precedence over a Description header; a blank body does not', () => {
    const both = parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a', 'Version: 1', 'Description: header', '', 'body'));
    assert.equal(both.description, 'body');
    assert.deepEqual(both.fields.get('description'), ['header']);
    const blank = parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a', 'Version: 1', 'Description: header', '', '   ', ''));
    assert.equal(blank.description, 'header');
  });

  test('a line that is not a header ends the headers, as Python’s email parser does', () => {
    const metadata = parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a', 'Version: 1', 'not a header', 'Author: x'));
    assert.equal(metadata.author, undefined);
    assert.equal(metadata.description, 'not a header\nAuthor: x');
  });

  test('empty optional fields read as absent', () => {
    const metadata = parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a', 'Version: 1', 'Summary:', 'Home-page: '));
    assert.equal(metadata.summary, undefined);
    assert.equal(metadata.homePage, undefined);
  });

  test('Metadata-Version: every known one, later 2.x minors read as 2.5, a newer major or a non-version refused', () => {
    assertInvalid(() => parseCoreMetadata(lines('Name: a', 'Version: 1')), /Metadata-Version field is missing/);
    for (const v of ['1.0', '1.1', '1.2', '2.0', '2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.10']) {
      assert.equal(parseCoreMetadata(lines(`Metadata-Version: ${v}`, 'Name: a', 'Version: 1')).metadataVersion, v);
    }
    assertInvalid(
      () => parseCoreMetadata(lines('Metadata-Version: 3.0', 'Name: a', 'Version: 1')),
      /gives Metadata-Version "3\.0", a newer major version than this index understands \(it reads 1\.0 to 2\.5 and later 2\.x\)/,
    );
    assertInvalid(() => parseCoreMetadata(lines('Metadata-Version: 10.1', 'Name: a', 'Version: 1')), /newer major version/);
    for (const v of ['two', '1.3', '2', '2.5.1', '0.9', '02.x']) {
      assertInvalid(
        () => parseCoreMetadata(lines(`Metadata-Version: ${v}`, 'Name: a', 'Version: 1')),
        new RegExp(`Metadata-Version ${JSON.stringify(v).replace(/\./g, '\\.')}, which is not a core metadata version: use one of 1\\.0, .*2\\.5`),
      );
    }
    assertInvalid(() => parseCoreMetadata(lines(`Metadata-Version: ${'9'.repeat(500)}`, 'Name: a', 'Version: 1')), /"9{20}\.\.\."/);
  });

  test('Metadata-Version 2.5: Import-Name and Import-Namespace (PEP 794)', () => {
    const metadata = parseCoreMetadata(
      lines(
        'Metadata-Version: 2.5',
        'Name: idna-like',
        'Version: 3.20',
        'Import-Name: idna_like',
        'Import-Name: idna_like._internal; private',
        'Import-Namespace: acme',
        'Import-Namespace: acme.plugins',
      ),
    );
    assert.deepEqual(metadata.importNames, ['idna_like', 'idna_like._internal; private']);
    assert.deepEqual(metadata.importNamespaces, ['acme', 'acme.plugins']);
    assert.ok(MULTI_USE_FIELDS.has('import-name') && MULTI_USE_FIELDS.has('import-namespace'));
    // A lone empty Import-Name: the distribution provides nothing importable.
    assert.deepEqual(parseCoreMetadata(lines('Metadata-Version: 2.5', 'Name: a', 'Version: 1', 'Import-Name:')).importNames, ['']);
    assert.deepEqual(parseCoreMetadata(lines('Metadata-Version: 2.4', 'Name: a', 'Version: 1')).importNames, []);
    for (const bad of ['1abc', 'a..b', 'a b', 'pkg; public', 'pkg; private; private']) {
      assertInvalid(
        () => parseCoreMetadata(lines('Metadata-Version: 2.5', 'Name: a', 'Version: 1', `Import-Name: ${bad}`)),
        /is not an import name \(PEP 794\)/,
      );
    }
    assertInvalid(
      () => parseCoreMetadata(lines('Metadata-Version: 2.5', 'Name: a', 'Version: 1', 'Import-Name: a', 'Import-Name:')),
      /Import-Name "", which is not an import name/,
    );
    assertInvalid(
      () => parseCoreMetadata(lines('Metadata-Version: 2.5', 'Name: a', 'Version: 1', 'Import-Namespace:')),
      /Import-Namespace "", which is not an import name/,
    );
  });

  test('rejects a missing or invalid Name', () => {
    assertInvalid(() => parseCoreMetadata(lines('Metadata-Version: 2.1', 'Version: 1')), /Name field is missing/);
    assertInvalid(
      () => parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: -bad-', 'Version: 1')),
      /Name "-bad-", which is not a valid project name/,
    );
    assertInvalid(() => parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: has space', 'Version: 1')), /not a valid project name/);
  });

  test('rejects a missing or invalid Version', () => {
    assertInvalid(() => parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a')), /Version field is missing/);
    assertInvalid(
      () => parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a', 'Version: latest')),
      /Version "latest", which is not a valid PEP 440 version/,
    );
  });

  test('rejects conflicting repeats of identity fields and identity fields in Dynamic', () => {
    assertInvalid(
      () => parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a', 'Name: b', 'Version: 1')),
      /gives Name more than once \("a", "b"\)/,
    );
    // An identical repeat is harmless.
    assert.equal(parseCoreMetadata(lines('Metadata-Version: 2.1', 'Name: a', 'Name: a', 'Version: 1')).name, 'a');
    assertInvalid(
      () => parseCoreMetadata(lines('Metadata-Version: 2.2', 'Name: a', 'Version: 1', 'Dynamic: version')),
      /version cannot be listed in Dynamic/,
    );
  });

  test('rejects bytes that are not UTF-8 and text that starts indented, naming the source', () => {
    const latin1 = Uint8Array.from([...new TextEncoder().encode('Metadata-Version: 2.1\nName: a\nVersion: 1\nAuthor: '), 0xe9]);
    assertInvalid(() => parseCoreMetadata(latin1, 'foo-1.0.tar.gz: foo-1.0/PKG-INFO'), /^foo-1\.0\.tar\.gz: foo-1\.0\/PKG-INFO is not valid UTF-8/);
    assertInvalid(() => parseCoreMetadata('  Metadata-Version: 2.1\n'), /first line is indented/);
  });
});

describe('isMetadataVersionAtLeast', () => {
  test('compares major and minor numerically', () => {
    assert.equal(isMetadataVersionAtLeast('2.2', '2.2'), true);
    assert.equal(isMetadataVersionAtLeast('2.4', '2.2'), true);
    assert.equal(isMetadataVersionAtLeast('2.1', '2.2'), false);
    assert.equal(isMetadataVersionAtLeast('1.2', '2.2'), false);
    assert.equal(isMetadataVersionAtLeast('2.10', '2.2'), true);
  });
});

describe('MULTI_USE_FIELDS', () => {
  test('lists the repeatable fields by lower-case name', () => {
    for (const name of ['classifier', 'requires-dist', 'project-url', 'provides-extra', 'dynamic', 'license-file']) {
      assert.ok(MULTI_USE_FIELDS.has(name), name);
    }
    assert.equal(MULTI_USE_FIELDS.has('summary'), false);
  });
});
