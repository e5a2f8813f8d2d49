/**
 * The wheels and sdists of test/support/dist-builder.ts are real: pip installs the wheels
 * (and runs their console script), and Debian's pip builds and installs the sdists with
 * setuptools, offline.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { buildSdist, buildWheel, sdistFilename, wheelFilename } from '../support/dist-builder.ts';
import { checkDebianPip, checkPip, cleanEnv, debianPip, describeRun, missingTool, pip, run } from '../support/processes.ts';

const skip = await missingTool(
  async () => {
    await checkPip();
    await checkDebianPip();
  },
  "python3 -m pip, and Debian's python3 with pip, setuptools and wheel",
);

describe('pip installs what dist-builder builds', { skip: skip ?? false }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'wharf-dist-builder-'));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const metadataVersion of ['1.0', '1.2', '2.1', '2.4', '2.5']) {
    test(`a wheel of Metadata-Version ${metadataVersion}, with a module and a console script`, async () => {
      const opts = {
        name: 'Built.Demo',
        version: '3.1',
        metadataVersion,
        headers: [['Summary', 'Built in TypeScript'], ['Requires-Python', '>=3.8']] as const,
        files: { 'built_demo/__init__.py': 'def main():\n    print("built-demo says hi")\n' },
        entryPoints: '[console_scripts]\nbuilt-demo = built_demo:main\n',
      };
      const file = path.join(work, wheelFilename(opts));
      await writeFile(file, buildWheel(opts));
      const target = path.join(work, `wheel-${metadataVersion}`);
      const r = await pip(['install', '--no-index', '--no-deps', '--target', target, file]);
      assert.equal(r.code, 0, describeRun(r));
      assert.deepEqual((await readdir(target)).sort(), ['bin', 'built_demo', 'built_demo-3.1.dist-info']);
      const script = await run(path.join(target, 'bin', 'built-demo'), [], { env: cleanEnv({ PYTHONPATH: target }) });
      assert.equal(script.stdout, 'built-demo says hi\n', describeRun(script));
    });
  }

  test("an sdist, built by Debian's pip with setuptools", async () => {
    const opts = { name: 'built-sdist', version: '0.3', files: { 'built_sdist/__init__.py': 'ANSWER = 42\n' } };
    const file = path.join(work, sdistFilename(opts));
    await writeFile(file, buildSdist(opts));
    const target = path.join(work, 'sdist');
    const r = await debianPip(['install', '--no-index', '--no-deps', '--no-build-isolation', '--target', target, file]);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual((await readdir(target)).sort(), ['built_sdist', 'built_sdist-0.3.dist-info']);
    const imported = await run('python3', ['-c', 'import built_sdist; print(built_sdist.ANSWER)'], { env: cleanEnv({ PYTHONPATH: target }) });
    assert.equal(imported.stdout, '42\n', describeRun(imported));
  });
});
