/**
 * README commands that no other test runs, run as the README writes them against a
 * private local Wharf, with the clients of the build machine (Debian's poetry 1.3.2 and
 * keyring, the pip first on PATH and Debian's pip):
 *
 * - "Publish packages": `poetry config repositories.wharf`, `poetry config http-basic.wharf`,
 *   `poetry publish -r wharf --build`.
 * - "Tokens and access control": `poetry source add` (`--default` before poetry 1.5,
 *   `--priority=primary` from 1.5) with `poetry config http-basic.wharf`, then `poetry add`
 *   resolving from Wharf; and the keyring recipe: `keyring set <index URL> __token__`, then
 *   pip with `__token__@` in the index URL (and `--keyring-provider subprocess` under
 *   `--no-input`). Without a username in the URL pip finds nothing in the keyring: that is
 *   checked too, since it is why the README asks for `__token__@`.
 *
 * The README's twine line and pip with the token in the URL or in ~/.netrc are run by
 * publish.test.ts and pip-private.test.ts; `wharf token` by cli.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { S3BlobStore } from '../../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../../lambdas/adapters/s3-sdk-objects.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { importDistributions } from '../../lambdas/cli/import-command.ts';
import { s3FileUploader } from '../../lambdas/cli/import-target.ts';
import { createDynamoDbClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildFixtures } from '../fixtures/build-fixtures.ts';
import { DEBIAN_PYTHON, checkDebianPip, checkPip, cleanEnv, describeRun, missingTool, pip, run, type RunResult } from '../support/processes.ts';

const FIXTURE_DIR = path.resolve('test/fixtures/dist');
await buildFixtures(FIXTURE_DIR);

const scratch = await mkdtemp(path.join(tmpdir(), 'wharf-readme-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** A HOME of its own per client, so no ~/.pypirc, ~/.config/pypoetry or keyring of the machine leaks in. */
function clientEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    POETRY_CONFIG_DIR: path.join(home, 'poetry-config'),
    POETRY_CACHE_DIR: path.join(home, 'poetry-cache'),
    POETRY_DATA_DIR: path.join(home, 'poetry-data'),
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    NO_COLOR: '1',
    TERM: 'dumb',
    NO_PROXY: '127.0.0.1,localhost',
    ...extra,
  });
}

const mustSucceed = (r: RunResult): RunResult => {
  if (r.code !== 0) throw new Error(describeRun(r));
  return r;
};

const [missingPoetry, missingKeyring] = [
  await missingTool(() => run('poetry', ['--version', '--no-ansi'], { env: clientEnv(path.join(scratch, 'probe')) }).then(mustSucceed), "Debian's poetry (apt-get install -y python3-poetry)"),
  await missingTool(
    async () => {
      await checkPip();
      await checkDebianPip();
      mustSucceed(await run('keyring', ['--help'], { env: clientEnv(path.join(scratch, 'probe')) }));
    },
    "pip, Debian's pip and the keyring command (apt-get install -y python3-keyring python3-pip)",
  ),
];

/** Like run, with `input` written to the program's stdin. */
function runWithInput(command: string, args: readonly string[], input: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** poetry's version as [major, minor], to pick the `source add` flag the README gives for it. */
async function poetryVersion(env: NodeJS.ProcessEnv): Promise<[number, number]> {
  const out = mustSucceed(await run('poetry', ['--version', '--no-ansi'], { env })).stdout;
  const m = /(\d+)\.(\d+)/.exec(out);
  assert.ok(m, out);
  return [Number(m[1]), Number(m[2])];
}

describe('README commands', () => {
  let wharf: LocalWharf;
  let uploadToken: string;
  let readToken: string;
  const requests: string[] = [];

  before(async () => {
    wharf = await startLocalWharf({ port: 0, publicRead: false, onRequest: ({ method, url, status }) => requests.push(`${method} ${url} ${status}`) });
    const dynamodb = createDynamoDbClient(wharf.stores);
    const s3 = createS3Client(wharf.stores);
    try {
      const summary = await importDistributions(
        {
          description: 'test',
          metadata: new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName),
          blobs: new S3BlobStore(sdkS3Objects(s3, wharf.stores.bucketName)),
          files: s3FileUploader(s3, wharf.stores.bucketName),
          close: async () => undefined,
        },
        [FIXTURE_DIR],
      );
      assert.deepEqual([...summary.refused, ...summary.failed], []);
      const admin = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
      uploadToken = (await admin.create({ scopes: ['upload:*'], createdBy: 'readme-commands' })).token;
      readToken = (await admin.create({ scopes: ['read:*'], createdBy: 'readme-commands' })).token;
    } finally {
      dynamodb.destroy();
      s3.destroy();
    }
  });

  after(async () => {
    await wharf?.close();
  });

  describe('poetry', { skip: missingPoetry ?? false }, () => {
    const poetry = (cwd: string, args: readonly string[], env: NodeJS.ProcessEnv) => run('poetry', [...args, '--no-interaction', '--no-ansi'], { cwd, env });

    test('Publish packages: poetry config repositories.wharf, http-basic.wharf, poetry publish -r wharf --build', async () => {
      const project = path.join(scratch, 'readme-lib');
      await mkdir(path.join(project, 'readme_lib'), { recursive: true });
      await writeFile(
        path.join(project, 'pyproject.toml'),
        [
          '[tool.poetry]',
          'name = "readme-lib"',
          'version = "0.4.0"',
          'description = "Published by the README\'s poetry lines"',
          'authors = ["Wharf Tests <tests@wharf.invalid>"]',
          'packages = [{ include = "readme_lib" }]',
          '',
          '[tool.poetry.dependencies]',
          'python = ">=3.8"',
          '',
          '[build-system]',
          'requires = ["poetry-core"]',
          'build-backend = "poetry.core.masonry.api"',
          '',
        ].join('\n'),
      );
      await writeFile(path.join(project, 'readme_lib', '__init__.py'), 'ORIGIN = "poetry publish --build"\n');
      const env = clientEnv(path.join(scratch, 'poetry-publisher'));

      assert.equal((await poetry(project, ['config', 'repositories.wharf', `${wharf.url}/legacy/`], env)).code, 0);
      assert.equal((await poetry(project, ['config', 'http-basic.wharf', '__token__', uploadToken], env)).code, 0);
      const published = await poetry(project, ['publish', '-r', 'wharf', '--build'], env);
      assert.equal(published.code, 0, describeRun(published));
      assert.match(published.stdout, /Building readme-lib \(0\.4\.0\)/);

      const page = await fetch(`${wharf.indexUrl}readme-lib/`, {
        headers: { accept: 'application/vnd.pypi.simple.v1+json', authorization: `Bearer ${readToken}` },
      });
      assert.equal(page.status, 200);
      const files = ((await page.json()) as { files: { filename: string }[] }).files.map((f) => f.filename).sort();
      assert.deepEqual(files, ['readme_lib-0.4.0-py3-none-any.whl', 'readme_lib-0.4.0.tar.gz']);
    });

    test('Tokens: poetry source add (--default before poetry 1.5, --priority=primary from 1.5), http-basic, poetry add from Wharf', async () => {
      const project = path.join(scratch, 'readme-consumer');
      await mkdir(project, { recursive: true });
      await writeFile(
        path.join(project, 'pyproject.toml'),
        [
          '[tool.poetry]',
          'name = "readme-consumer"',
          'version = "0.1.0"',
          'description = "Installs from Wharf"',
          'authors = ["Wharf Tests <tests@wharf.invalid>"]',
          'packages = []',
          '',
          '[tool.poetry.dependencies]',
          'python = ">=3.8"',
          '',
          '[build-system]',
          'requires = ["poetry-core"]',
          'build-backend = "poetry.core.masonry.api"',
          '',
        ].join('\n'),
      );
      const env = clientEnv(path.join(scratch, 'poetry-consumer'));
      const [major, minor] = await poetryVersion(env);
      const modern = major > 1 || minor >= 5;
      if (!modern) {
        // What the README says of poetry before 1.5: it has no --priority.
        const refused = await poetry(project, ['source', 'add', '--priority=primary', 'wharf', wharf.indexUrl], env);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stdout + refused.stderr, /The option "--priority" does not exist/);
      }
      const added = await poetry(project, ['source', 'add', modern ? '--priority=primary' : '--default', 'wharf', wharf.indexUrl], env);
      assert.equal(added.code, 0, describeRun(added));
      assert.equal((await poetry(project, ['config', 'http-basic.wharf', '__token__', readToken], env)).code, 0);

      requests.length = 0;
      const installed = await poetry(project, ['add', 'wharf-demo-core'], env);
      assert.equal(installed.code, 0, describeRun(installed));
      assert.match(installed.stdout, /Installing wharf-demo-core \(1\.0\.0\)/);
      const lock = await readFile(path.join(project, 'poetry.lock'), 'utf8');
      assert.match(lock, /name = "wharf-demo-core"\nversion = "1\.0\.0"/);
      assert.match(lock, new RegExp(`url = "${wharf.indexUrl.replace(/\/$/, '')}/?"`));
      assert.ok(requests.some((l) => /^GET \/simple\/wharf-demo-core\/ 200$/.test(l)), requests.join('\n'));
    });
  });

  describe('pip with the token in a keyring', { skip: missingKeyring ?? false }, () => {
    let keyringEnv: NodeJS.ProcessEnv;
    const withUser = () => wharf.indexUrl.replace('://', '://__token__@');

    before(async () => {
      // A headless machine has no Secret Service for keyring to use; a file backend stands in
      // for the desktop's. (keyrings.alt would do, but installing it changes every keyring
      // user's default on the machine to an encrypted file that asks for a password.)
      const home = path.join(scratch, 'keyring-home');
      const modules = path.join(scratch, 'keyring-backend');
      await mkdir(modules, { recursive: true });
      await writeFile(
        path.join(modules, 'wharf_test_keyring.py'),
        [
          'import json, os',
          'from keyring.backend import KeyringBackend',
          'from keyring.errors import PasswordDeleteError',
          '',
          'class FileKeyring(KeyringBackend):',
          '    priority = 1',
          '    path = os.environ["WHARF_TEST_KEYRING_FILE"]',
          '    def _load(self):',
          '        try:',
          '            with open(self.path) as f:',
          '                return json.load(f)',
          '        except FileNotFoundError:',
          '            return {}',
          '    def get_password(self, service, username):',
          '        return self._load().get(service + "\\0" + username)',
          '    def set_password(self, service, username, password):',
          '        data = self._load()',
          '        data[service + "\\0" + username] = password',
          '        with open(self.path, "w") as f:',
          '            json.dump(data, f)',
          '    def delete_password(self, service, username):',
          '        raise PasswordDeleteError("not needed here")',
          '',
        ].join('\n'),
      );
      keyringEnv = clientEnv(home, {
        PYTHONPATH: modules,
        PYTHON_KEYRING_BACKEND: 'wharf_test_keyring.FileKeyring',
        WHARF_TEST_KEYRING_FILE: path.join(scratch, 'keyring.json'),
      });
      // `keyring set URL __token__` reads the password from stdin when it is not a terminal.
      const set = await runWithInput('keyring', ['set', wharf.indexUrl, '__token__'], `${readToken}\n`, keyringEnv);
      assert.equal(set.code, 0, describeRun(set));
      const got = await run('keyring', ['get', wharf.indexUrl, '__token__'], { env: keyringEnv });
      assert.equal(got.stdout.trim(), readToken, describeRun(got));
    });

    const install = (index: string, target: string, flags: readonly string[] = []) =>
      pip(['install', '--no-cache-dir', ...flags, '--index-url', index, '--target', path.join(scratch, target), 'wharf-demo-core'], {
        env: keyringEnv as Record<string, string>,
      });

    test('pip install --index-url https://__token__@HOST/simple/: pip asks the keyring for __token__ and installs', async () => {
      const r = await install(withUser(), 'keyring-interactive');
      assert.equal(r.code, 0, describeRun(r));
      assert.ok((await readdir(path.join(scratch, 'keyring-interactive'))).includes('wharf_demo_core-1.0.0.dist-info'));
    });

    test('with --no-input (CI), pip uses the keyring only when told how: --keyring-provider subprocess', async () => {
      const refused = await install(withUser(), 'keyring-no-input', ['--no-input']);
      assert.notEqual(refused.code, 0, describeRun(refused));
      const r = await install(withUser(), 'keyring-subprocess', ['--no-input', '--keyring-provider', 'subprocess']);
      assert.equal(r.code, 0, describeRun(r));
      assert.ok((await readdir(path.join(scratch, 'keyring-subprocess'))).includes('wharf_demo_core-1.0.0.dist-info'));
    });

    test('without a username in the URL pip finds nothing in the keyring: a 401, then nothing found', async () => {
      requests.length = 0;
      const r = await install(wharf.indexUrl, 'keyring-nouser', ['--no-input', '--keyring-provider', 'subprocess']);
      assert.notEqual(r.code, 0, describeRun(r));
      assert.match(r.stdout + r.stderr, /No matching distribution found for wharf-demo-core/);
      assert.ok(requests.includes('GET /simple/wharf-demo-core/ 401'), requests.join('\n'));
    });

    test("Debian's pip 23.0 (keyring imported in-process) takes the same URL", async () => {
      const target = path.join(scratch, 'keyring-debian');
      const r = await run(DEBIAN_PYTHON, ['-m', 'pip', '--isolated', '--disable-pip-version-check', 'install', '--no-cache-dir', '--index-url', withUser(), '--target', target, 'wharf-demo-core'], {
        env: { ...keyringEnv, PIP_CONFIG_FILE: '/dev/null' },
      });
      assert.equal(r.code, 0, describeRun(r));
      assert.ok((await readdir(target)).includes('wharf_demo_core-1.0.0.dist-info'));
    });
  });
});
