/**
 * The test-support builder of wheels and sdists makes what the spec says: a RECORD whose
 * hashes and sizes match every file, a ustar sdist under `{name}-{version}/`, and core
 * metadata written as asked, which Wharf's own inspection reads back. (That real pip
 * installs them is checked in test/integration/dist-builder.test.ts.)
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';

import { strFromU8, unzipSync } from 'fflate';
import tar from 'tar-stream';

import { inspectDistribution } from '../../lambdas/core/distribution.ts';
import { buildSdist, buildWheel, coreMetadata, sdistFilename, wheelFilename } from '../support/dist-builder.ts';

async function untar(tgz: Uint8Array): Promise<Map<string, { type: string; body: string }>> {
  const entries = new Map<string, { type: string; body: string }>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        entries.set(header.name, { type: header.type ?? 'file', body: Buffer.concat(chunks).toString('utf8') });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(gunzipSync(tgz));
  await done;
  return entries;
}

describe('dist-builder', () => {
  test('a wheel: layout, and a RECORD whose sha256 and size match each file', () => {
    const opts = { name: 'Demo.Pkg', version: '1.0', entryPoints: '[console_scripts]\ndemo = demo_pkg:main\n' };
    assert.equal(wheelFilename(opts), 'demo_pkg-1.0-py3-none-any.whl');
    const files = unzipSync(buildWheel(opts));
    const names = Object.keys(files);
    assert.deepEqual(names, [
      'demo_pkg/__init__.py',
      'demo_pkg-1.0.dist-info/METADATA',
      'demo_pkg-1.0.dist-info/WHEEL',
      'demo_pkg-1.0.dist-info/entry_points.txt',
      'demo_pkg-1.0.dist-info/top_level.txt',
      'demo_pkg-1.0.dist-info/RECORD',
    ]);
    assert.equal(strFromU8(files['demo_pkg-1.0.dist-info/top_level.txt']!), 'demo_pkg\n');
    const record = strFromU8(files['demo_pkg-1.0.dist-info/RECORD']!).trimEnd().split('\n');
    assert.equal(record.length, names.length);
    for (const line of record) {
      const [path, hash, size] = line.split(',');
      if (path === 'demo_pkg-1.0.dist-info/RECORD') {
        assert.equal(`${hash},${size}`, ',');
        continue;
      }
      const bytes = files[path!];
      assert.ok(bytes, `${path} is in the wheel`);
      assert.equal(hash, `sha256=${createHash('sha256').update(bytes).digest('base64url')}`);
      assert.equal(Number(size), bytes.length);
    }
    assert.match(strFromU8(files['demo_pkg-1.0.dist-info/WHEEL']!), /^Wheel-Version: 1\.0\n.*\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n$/s);
  });

  test('the same options give the same bytes', () => {
    assert.deepEqual(buildWheel({ name: 'a', version: '1' }), buildWheel({ name: 'a', version: '1' }));
    assert.deepEqual(buildSdist({ name: 'a', version: '1' }), buildSdist({ name: 'a', version: '1' }));
  });

  test('core metadata as the caller writes it: any Metadata-Version, repeated and folded headers, a body', () => {
    const text = coreMetadata({
      name: 'demo',
      version: '2',
      metadataVersion: '2.6',
      headers: { 'Requires-Dist': ['a>=1', 'b'], 'Import-Name': 'demo', License: 'line one\nline two' },
      description: '# Demo\n',
    });
    assert.equal(
      text,
      'Metadata-Version: 2.6\nName: demo\nVersion: 2\nRequires-Dist: a>=1\nRequires-Dist: b\nImport-Name: demo\nLicense: line one\n        line two\n\n# Demo\n',
    );
  });

  for (const metadataVersion of ['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4']) {
    test(`Wharf reads back a wheel and an sdist of Metadata-Version ${metadataVersion}`, async () => {
      const opts = { name: 'demo-pkg', version: '1.0', metadataVersion, headers: [['Summary', 'Hi']] as const };
      for (const [filename, bytes] of [
        [wheelFilename(opts), buildWheel(opts)],
        [sdistFilename(opts), buildSdist(opts)],
      ] as const) {
        const inspected = await inspectDistribution(filename, bytes);
        assert.equal(inspected.normalizedName, 'demo-pkg');
        assert.equal(inspected.version, '1.0');
        assert.equal(inspected.metadata.metadataVersion, metadataVersion);
        assert.equal(inspected.metadata.summary, 'Hi');
      }
    });
  }

  test('an sdist: {name}-{version}/ with PKG-INFO, pyproject.toml and the module, long paths in the ustar prefix', async () => {
    const deep = `demo_pkg/${'a'.repeat(70)}/${'b'.repeat(70)}/mod.py`;
    const opts = { name: 'Demo.Pkg', version: '1.0', files: { 'demo_pkg/__init__.py': '', [deep]: 'X = 1\n' } };
    assert.equal(sdistFilename(opts), 'demo_pkg-1.0.tar.gz');
    assert.equal(sdistFilename({ ...opts, filenameName: 'Demo.Pkg' }), 'Demo.Pkg-1.0.tar.gz');
    const entries = await untar(buildSdist(opts));
    assert.deepEqual([...entries.keys()].filter((n) => !n.endsWith('/')), [
      'demo_pkg-1.0/PKG-INFO',
      'demo_pkg-1.0/pyproject.toml',
      'demo_pkg-1.0/demo_pkg/__init__.py',
      `demo_pkg-1.0/${deep}`,
    ]);
    assert.equal(entries.get('demo_pkg-1.0/')?.type, 'directory');
    assert.equal(entries.get(`demo_pkg-1.0/${deep}`)?.body, 'X = 1\n');
    assert.match(entries.get('demo_pkg-1.0/PKG-INFO')!.body, /^Metadata-Version: 2\.1\nName: Demo\.Pkg\nVersion: 1\.0\n/);
    assert.match(entries.get('demo_pkg-1.0/pyproject.toml')!.body, /build-backend = "setuptools\.build_meta"\n[^]*name = "Demo\.Pkg"\nversion = "1\.0"/);
  });
});
