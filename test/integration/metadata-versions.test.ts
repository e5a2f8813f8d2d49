/**
 * A corpus of every Metadata-Version from 1.0 to 2.5, and a 2.6 that no tool knows yet,
 * each with the fields its version added, imported with the real `wharf import` and
 * installed back by real pip from Wharf alone. Metadata-Version 3.0 is refused with a
 * message that says what to do, and nothing of it is stored.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { type LocalWharf, startLocalWharf } from '../../lambdas/local/local-wharf.ts';
import { type MetadataHeaders, buildSdist, buildWheel, sdistFilename, wheelFilename } from '../support/dist-builder.ts';
import { describeRun, missingTool, pip, run } from '../support/processes.ts';

const CLI = ['--import', 'tsx', path.resolve('lambdas/cli/main.ts')];
const pipMissing = await missingTool(() => pip(['--version']).then((r) => assert.equal(r.code, 0, describeRun(r))), 'python3 -m pip');

/** The fields each version added (core metadata specification, "Version history"). */
const ADDED: Record<string, MetadataHeaders> = {
  '1.0': [
    ['Summary', 'Metadata 1.0 fields'],
    ['Platform', 'any'],
    ['Keywords', 'corpus,metadata'],
    ['Home-page', 'https://example.org/'],
    ['Author', 'Ada Lovelace'],
    ['Author-email', 'ada@example.org'],
    ['License', 'MIT'],
    ['Description', 'A description in a header, as 1.0 wrote it.'],
  ],
  '1.1': [
    ['Supported-Platform', 'RedHat 7.2'],
    ['Classifier', 'Programming Language :: Python :: 3'],
    ['Download-URL', 'https://example.org/download'],
    ['Requires', 're'],
    ['Provides', 'corpus_v1_1'],
    ['Obsoletes', 'oldthing'],
  ],
  '1.2': [
    ['Maintainer', 'Grace Hopper'],
    ['Maintainer-email', 'grace@example.org'],
    ['Requires-Python', '>=3.8'],
    ['Requires-External', 'libc'],
    ['Project-URL', 'Source, https://example.org/src'],
    ['Provides-Dist', 'corpus-extra-name'],
    ['Obsoletes-Dist', 'corpus-old (<1.0)'],
  ],
  '2.0': [],
  '2.1': [
    ['Description-Content-Type', 'text/markdown'],
    ['Provides-Extra', 'cli'],
    ['Requires-Dist', 'rich; extra == "cli"'],
  ],
  '2.2': [],
  '2.3': [],
  '2.4': [
    ['License-Expression', 'MIT OR Apache-2.0'],
    ['License-File', 'LICENSE'],
  ],
  '2.5': [
    ['Import-Name', 'corpus_v2_5'],
    ['Import-Name', 'corpus_v2_5._private; private'],
    ['Import-Namespace', 'corpus_ns'],
  ],
  // A later minor version adds fields this index does not know: accepted, read as 2.5.
  '2.6': [['Some-Future-Field', 'from a version after 2.5']],
};
const VERSIONS = Object.keys(ADDED);

/** Every field up to and including `version`'s; 1.x fields that 2.x dropped are left out of 2.x. */
function headersFor(version: string): [string, string][] {
  const headers: [string, string][] = [];
  for (const v of VERSIONS) {
    if (Number(v) > Number(version)) break;
    for (const [key, value] of ADDED[v] as readonly (readonly [string, string])[]) {
      if (version.startsWith('2') && ['Requires', 'Provides', 'Obsoletes'].includes(key)) continue;
      if (version >= '2.4' && key === 'License') continue; // License-Expression replaces it
      if (version >= '2.1' && key === 'Description') continue; // the body holds it
      headers.push([key, value]);
    }
  }
  return headers;
}

const project = (version: string) => `corpus-v${version.replace('.', '-')}`;
const moduleOf = (version: string) => `corpus_v${version.replace('.', '_')}`;

describe('every Metadata-Version from 1.0 to 2.6: wharf import, then pip install from Wharf alone', { skip: pipMissing ?? false }, () => {
  let dir: string;
  let dataDir: string;
  let wharf: LocalWharf;
  const wheels = new Map<string, { filename: string }>();
  let refusedImport: Awaited<ReturnType<typeof run>>;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-corpus-'));
    dataDir = path.join(dir, 'data');
    const corpus = path.join(dir, 'corpus');
    await mkdir(corpus);
    for (const version of VERSIONS) {
      const options = {
        name: project(version),
        version: '1.0',
        metadataVersion: version,
        headers: headersFor(version),
        module: moduleOf(version),
        ...(version >= '2.1' ? { description: `# ${project(version)}\n\nThe body description of 2.1 and later.\n` } : {}),
        ...(version >= '2.4' ? { distInfoFiles: { 'licenses/LICENSE': 'MIT License\n' } } : {}),
      };
      const filename = wheelFilename(options);
      const bytes = buildWheel(options);
      await writeFile(path.join(corpus, filename), bytes);
      wheels.set(version, { filename });
    }
    // Sdists: 2.2 with a Dynamic field (no .metadata: not reliable), 2.5 with none (reliable).
    for (const [version, dynamic] of [['2.2', ['Dynamic', 'Requires-Dist']], ['2.5', undefined]] as const) {
      const options = {
        name: project(version),
        version: '1.0',
        metadataVersion: version,
        headers: [...headersFor(version), ...(dynamic ? [dynamic] : [])] as [string, string][],
        module: moduleOf(version),
      };
      await writeFile(path.join(corpus, sdistFilename(options)), buildSdist(options));
    }

    const imported = await run(process.execPath, [...CLI, 'import', '--data-dir', dataDir, corpus], { env: { ...process.env, WHARF_DATA_DIR: '' } });
    assert.equal(imported.code, 0, describeRun(imported));

    const future = path.join(dir, 'future');
    await mkdir(future);
    const options = { name: 'corpus-v3-0', version: '1.0', metadataVersion: '3.0' };
    await writeFile(path.join(future, wheelFilename(options)), buildWheel(options));
    refusedImport = await run(process.execPath, [...CLI, 'import', '--data-dir', dataDir, future], { env: { ...process.env, WHARF_DATA_DIR: '' } });

    wharf = await startLocalWharf({ port: 0, dataDir, logLevel: 'SILENT' });
  });

  after(async () => {
    await wharf?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('each project page lists its wheel with core metadata (PEP 658/714), and the .metadata is the METADATA as built', async () => {
    for (const version of VERSIONS) {
      const response = await fetch(`${wharf.url}/simple/${project(version)}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
      assert.equal(response.status, 200, `${version}: ${await response.clone().text()}`);
      const page = (await response.json()) as { files: { filename: string; url: string; 'core-metadata'?: unknown }[] };
      const wheel = page.files.find((f) => f.filename === wheels.get(version)!.filename);
      assert.ok(wheel, `${version}: the wheel is listed`);
      assert.ok(wheel['core-metadata'], `${version}: core metadata is advertised`);
      const metadata = await fetch(new URL(`${wheel.url}.metadata`, response.url));
      assert.equal(metadata.status, 200);
      const text = await metadata.text();
      assert.match(text, new RegExp(`^Metadata-Version: ${version.replace('.', '\\.')}$`, 'm'));
      for (const [key, value] of headersFor(version)) assert.ok(text.includes(`${key}: ${value}`), `${version}: ${key} is in the served .metadata`);
    }
  });

  test('sdists: a reliable 2.5 PKG-INFO gets a .metadata file, a 2.2 one with Dynamic does not', async () => {
    for (const [version, reliable] of [['2.5', true], ['2.2', false]] as const) {
      const response = await fetch(`${wharf.url}/simple/${project(version)}/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
      const page = (await response.json()) as { files: { filename: string; 'core-metadata'?: unknown }[] };
      const sdist = page.files.find((f) => f.filename.endsWith('.tar.gz'));
      assert.ok(sdist, `${version}: the sdist is listed`);
      assert.equal(Boolean(sdist['core-metadata']), reliable, `${version} sdist core-metadata`);
    }
  });

  test('pip installs every one of them, with the metadata it was built with', { timeout: 180_000 }, async () => {
    const target = path.join(dir, 'target');
    const installed = await pip([
      'install', '--no-cache-dir', '--no-deps', '--only-binary', ':all:', '--index-url', wharf.indexUrl, '--target', target,
      ...VERSIONS.map((v) => `${project(v)}==1.0`),
    ]);
    assert.equal(installed.code, 0, describeRun(installed));
    for (const version of VERSIONS) {
      const metadata = await readFile(path.join(target, `${moduleOf(version)}-1.0.dist-info`, 'METADATA'), 'utf8');
      assert.match(metadata, new RegExp(`^Metadata-Version: ${version.replace('.', '\\.')}$`, 'm'));
      await readFile(path.join(target, moduleOf(version), '__init__.py'));
    }
  });

  test('Metadata-Version 3.0 is refused by wharf import with what to do, and nothing is stored', async () => {
    assert.notEqual(refusedImport.code, 0, describeRun(refusedImport));
    assert.match(refusedImport.stdout + refusedImport.stderr, /Metadata-Version "3\.0", a newer major version than this index understands/);
    const page = await fetch(`${wharf.url}/simple/corpus-v3-0/`);
    assert.equal(page.status, 404);
  });
});
