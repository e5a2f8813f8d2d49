/**
 * Publishing, as publishers do it, against a local Wharf: Debian's twine and poetry upload
 * distributions the test builds, and real pip installs them back from Wharf alone; forms
 * shaped like twine 6 and uv (Metadata-Version 2.4) that the machine's clients cannot
 * send are posted by hand; and concurrent uploads of one file, of one filename with other
 * bytes, and of many files must leave the index and the bucket exactly as one upload after
 * another would.
 *
 * The Python projects are written into a temporary directory by this file, under names no
 * other test uses (wharf-pub-*, wharf-race-*), so nothing here depends on another test's
 * uploads. The client groups skip loudly when their program is missing (and fail under
 * CI=true); the hand-built and concurrency groups need nothing outside Node and always run.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { blake2b } from '@noble/hashes/blake2.js';
import { type Zippable, strToU8, unzipSync, zipSync } from 'fflate';
import tar from 'tar-stream';

import { DynamoDbMetadataStore } from '../../lambdas/adapters/dynamodb-metadata-store.ts';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import type { ReleaseRecord } from '../../lambdas/core/model.ts';
import { createDynamoDbClient, createS3Client } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { DEBIAN_PYTHON, cleanEnv, debianPip, describeRun, missingTool, pip, run, type RunResult } from '../support/processes.ts';

const JSON_V1 = 'application/vnd.pypi.simple.v1+json';
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const blake2 = (bytes: Uint8Array): string => Buffer.from(blake2b(bytes, { dkLen: 32 })).toString('hex');

// ---------------------------------------------------------------------------------------
// Scratch space, tools

const scratch = await mkdtemp(path.join(tmpdir(), 'wharf-publish-'));
after(() => rm(scratch, { recursive: true, force: true }));

async function mustRun(command: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<RunResult> {
  const r = await run(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${describeRun(r)}`);
  return r;
}

/**
 * What every Python client here runs with: no keyring (it could prompt, reach a desktop
 * service, or hand out a stored password), no colour in what rich and cleo print, and a
 * HOME of its own so no ~/.pypirc or ~/.config/pypoetry leaks in or is written to.
 */
function clientEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    NO_COLOR: '1',
    TERM: 'dumb',
    NO_PROXY: '127.0.0.1,localhost',
    ...extra,
  });
}

/** Why each client group cannot run, or undefined when it can (see missingTool). */
async function probeTools(): Promise<[build: string | undefined, twine: string | undefined, poetry: string | undefined]> {
  return [
    await missingTool(
      () => mustRun(DEBIAN_PYTHON, ['-I', '-c', 'import build, wheel, setuptools']),
      "Debian's python3 with python3-build and python3-wheel (to build the wheels and sdists twine uploads)",
    ),
    await missingTool(() => mustRun('twine', ['--version'], { env: clientEnv(scratch) }), "Debian's twine (apt-get install -y twine)"),
    await missingTool(
      () => mustRun('poetry', ['--version', '--no-ansi'], { env: clientEnv(path.join(scratch, 'poetry-probe')) }),
      "Debian's poetry (apt-get install -y python3-poetry)",
    ),
  ];
}
// Under CI=true a missing tool throws here, and the file fails before any hook would clean up.
const [missingBuild, missingTwine, missingPoetry] = await probeTools().catch(async (err: unknown) => {
  await rm(scratch, { recursive: true, force: true });
  throw err;
});

// ---------------------------------------------------------------------------------------
// Helpers

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
}

/**
 * `python -m build` as a publisher runs it, by Debian's python3 (it has setuptools, wheel
 * and build) with --no-isolation (no PyPI here), in an environment made from scratch.
 */
async function pythonBuild(source: string, outDir: string): Promise<void> {
  await mustRun(DEBIAN_PYTHON, ['-I', '-m', 'build', '--no-isolation', '--outdir', outDir, source], {
    cwd: source,
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: path.join(scratch, 'build-home'),
      LANG: 'C.UTF-8',
      PIP_NO_INDEX: '1',
      PIP_CONFIG_FILE: '/dev/null',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONNOUSERSITE: '1',
      SOURCE_DATE_EPOCH: '1700000000',
    },
  });
}

async function makeToken(wharf: LocalWharf, scopes: string[]): Promise<string> {
  const dynamodb = createDynamoDbClient(wharf.stores);
  try {
    const admin = new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName));
    return (await admin.create({ scopes, createdBy: 'publish-test' })).token;
  } finally {
    dynamodb.destroy();
  }
}

async function getRelease(wharf: LocalWharf, project: string, version: string): Promise<ReleaseRecord | undefined> {
  const dynamodb = createDynamoDbClient(wharf.stores);
  try {
    return await new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName).getRelease(project, version);
  } finally {
    dynamodb.destroy();
  }
}

/** Every key in the bucket under `prefix`, sorted (paged, though tests stay below 1000). */
async function bucketKeys(wharf: LocalWharf, prefix: string): Promise<string[]> {
  const s3 = createS3Client(wharf.stores);
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: wharf.stores.bucketName, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  } finally {
    s3.destroy();
  }
}

interface PageFile {
  readonly filename: string;
  readonly url: string;
  readonly hashes: { readonly sha256: string };
  readonly 'core-metadata'?: { readonly sha256: string };
  readonly size: number;
}
interface ProjectPage {
  readonly name: string;
  readonly versions: string[];
  readonly files: PageFile[];
}

function pageUrl(wharf: LocalWharf, project: string): string {
  return `${wharf.indexUrl}${project}/`;
}

/** The PEP 691 page, or undefined for a 404. */
async function projectPage(wharf: LocalWharf, project: string): Promise<ProjectPage | undefined> {
  const res = await fetch(pageUrl(wharf, project), { headers: { accept: JSON_V1 } });
  if (res.status === 404) return undefined;
  assert.equal(res.status, 200, `GET ${project} page`);
  return (await res.json()) as ProjectPage;
}

async function rootProjects(wharf: LocalWharf): Promise<string[]> {
  const res = await fetch(wharf.indexUrl, { headers: { accept: JSON_V1 } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { projects: { name: string }[] }).projects.map((p) => p.name);
}

/** A file's bytes, fetched through the page's (relative) URL and the presigned redirect. */
async function download(wharf: LocalWharf, project: string, url: string): Promise<Uint8Array> {
  const res = await fetch(new URL(url, pageUrl(wharf, project)));
  assert.equal(res.status, 200, `GET ${url}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A client's output on one line: rich (twine) wraps log lines at 80 columns when not on a terminal. */
const flat = (r: RunResult): string => `${r.stdout}\n${r.stderr}`.replace(/\s+/g, ' ');

const basicAuth = (token: string): string => `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}`;

type FormValue = string | { readonly filename: string; readonly bytes: Uint8Array };

/**
 * A multipart/form-data body assembled byte for byte as requests-toolbelt's
 * MultipartEncoder (what twine and poetry use) writes it: one part per field, repeated
 * fields as repeated parts, the file last with its own Content-Type.
 */
function toolbeltMultipart(parts: ReadonlyArray<readonly [string, FormValue]>): { body: Uint8Array; contentType: string } {
  const boundary = randomBytes(16).toString('hex');
  const chunks: Buffer[] = [];
  for (const [name, value] of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${name}"\r\n\r\n`), Buffer.from(value, 'utf8'));
    } else {
      chunks.push(
        Buffer.from(`Content-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        Buffer.from(value.bytes),
      );
    }
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The same parts as a WHATWG FormData, which fetch encodes on its own (as uv's reqwest does, in its way). */
function formData(parts: ReadonlyArray<readonly [string, FormValue]>): FormData {
  const form = new FormData();
  for (const [name, value] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value.bytes], { type: 'application/octet-stream' }), value.filename);
  }
  return form;
}

interface UploadAnswer {
  readonly status: number;
  readonly text: string;
}

async function postUpload(wharf: LocalWharf, token: string, form: FormData | { body: Uint8Array; contentType: string }): Promise<UploadAnswer> {
  const init: RequestInit =
    form instanceof FormData
      ? { method: 'POST', headers: { authorization: basicAuth(token) }, body: form }
      : { method: 'POST', headers: { authorization: basicAuth(token), 'content-type': form.contentType }, body: form.body };
  const res = await fetch(`${wharf.url}/legacy/`, { ...init, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

interface MemoryWheel {
  readonly filename: string;
  readonly bytes: Uint8Array;
  /** The METADATA file exactly as stored in the wheel. */
  readonly metadata: Uint8Array;
}

/** A pure-Python wheel built in memory, with `extra` metadata lines and `files` next to the package. */
function memoryWheel(options: {
  name: string;
  version: string;
  metadataVersion?: string;
  extra?: readonly string[];
  body?: string;
  files?: Record<string, string>;
}): MemoryWheel {
  const distName = options.name.replace(/[-_.]+/g, '_');
  const distInfo = `${distName}-${options.version}.dist-info`;
  const metadata = strToU8(
    [`Metadata-Version: ${options.metadataVersion ?? '2.1'}`, `Name: ${options.name}`, `Version: ${options.version}`, ...(options.extra ?? []), '', options.body ?? ''].join('\n'),
  );
  const content: Record<string, Uint8Array> = {
    [`${distName}/__init__.py`]: strToU8(`VERSION = ${JSON.stringify(options.version)}\n`),
  };
  for (const [name, text] of Object.entries(options.files ?? {})) content[name] = strToU8(text);
  content[`${distInfo}/METADATA`] = metadata;
  content[`${distInfo}/WHEEL`] = strToU8('Wheel-Version: 1.0\nGenerator: wharf-publish-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n');
  content[`${distInfo}/RECORD`] = strToU8([...Object.keys(content), `${distInfo}/RECORD`].map((n) => `${n},,`).join('\n') + '\n');
  return { filename: `${distName}-${options.version}-py3-none-any.whl`, bytes: zipSync(content as Zippable), metadata };
}

/** The fields twine 4 sends with a wheel: the digests it computes, the rest left minimal. */
function twineFields(name: string, version: string, bytes: Uint8Array): Array<[string, FormValue]> {
  return [
    [':action', 'file_upload'],
    ['protocol_version', '1'],
    ['name', name],
    ['version', version],
    ['filetype', 'bdist_wheel'],
    ['pyversion', 'py3'],
    ['metadata_version', '2.1'],
    ['md5_digest', md5(bytes)],
    ['sha256_digest', sha256(bytes)],
    ['blake2_256_digest', blake2(bytes)],
  ];
}

function wheelUpload(name: string, wheel: MemoryWheel): FormData {
  return formData([...twineFields(name, wheel.filename.split('-')[1]!, wheel.bytes), ['content', { filename: wheel.filename, bytes: wheel.bytes }]]);
}

// ---------------------------------------------------------------------------------------
// twine

const ALPHA_BETA: Record<string, Record<string, string>> = {
  'wharf-pub-beta': {
    'pyproject.toml': `[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "wharf-pub-beta"
version = "0.2.0"
description = "The dependency twine publishes in Wharf's publish test"
requires-python = ">=3.8"
license = { text = "Apache-2.0" }
classifiers = ["Programming Language :: Python :: 3"]

[tool.setuptools]
packages = ["wharf_pub_beta"]
`,
    'wharf_pub_beta/__init__.py': 'def shout(text):\n    return text.upper() + "!"\n',
  },
  'wharf-pub-alpha': {
    'pyproject.toml': `[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "wharf-pub-alpha"
version = "0.1.0"
description = "The application twine publishes in Wharf's publish test"
requires-python = ">=3.8"
dependencies = ["wharf-pub-beta>=0.2"]

[tool.setuptools]
packages = ["wharf_pub_alpha"]
`,
    'wharf_pub_alpha/__init__.py': 'from wharf_pub_beta import shout\n\n\ndef greeting():\n    return shout("published with twine")\n',
  },
};

describe('twine publishes to Wharf, pip installs from it', { skip: missingBuild ?? missingTwine ?? false }, () => {
  let wharf: LocalWharf;
  let token: string;
  let dist: string;
  let files: string[];
  const requests: string[] = [];

  const twine = (args: readonly string[]): Promise<RunResult> =>
    run('twine', ['upload', '--disable-progress-bar', '--non-interactive', '--repository-url', `${wharf.url}/legacy/`, '-u', '__token__', '-p', token, ...args], {
      env: clientEnv(path.join(scratch, 'twine-home')),
    });

  /** Everything a publish could change: both pages and every stored object. */
  const snapshot = async () => ({
    alpha: await projectPage(wharf, 'wharf-pub-alpha'),
    beta: await projectPage(wharf, 'wharf-pub-beta'),
    keys: await bucketKeys(wharf, 'files/'),
  });

  before(async () => {
    dist = path.join(scratch, 'twine-dist');
    for (const [project, tree] of Object.entries(ALPHA_BETA)) {
      const source = path.join(scratch, 'src', project);
      await writeTree(source, tree);
      await pythonBuild(source, dist);
    }
    files = (await readdir(dist)).sort().map((f) => path.join(dist, f));
    // Debian's setuptools (66) still names sdists wharf-pub-alpha-0.1.0.tar.gz, before PEP 625.
    assert.deepEqual(
      files.map((f) => path.basename(f).replace(/^wharf[-_]pub[-_]/, 'wharf_pub_')).sort(),
      ['wharf_pub_alpha-0.1.0-py3-none-any.whl', 'wharf_pub_alpha-0.1.0.tar.gz', 'wharf_pub_beta-0.2.0-py3-none-any.whl', 'wharf_pub_beta-0.2.0.tar.gz'].sort(),
    );
    wharf = await startLocalWharf({ port: 0, onRequest: ({ method, url, status }) => requests.push(`${method} ${url} ${status}`) });
    // Not the admin token: upload:* is what a CI publisher that creates projects holds.
    token = await makeToken(wharf, ['upload:*']);
  });
  after(async () => wharf?.close());

  test('twine uploads wheels and sdists; pip installs the app and its dependency from Wharf alone', async () => {
    requests.length = 0;
    const r = await twine(files);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(requests, Array(4).fill('POST /legacy/ 200'));

    for (const project of ['wharf-pub-alpha', 'wharf-pub-beta']) {
      const page = await projectPage(wharf, project);
      assert.ok(page, `${project} has a page`);
      const mine = files.filter((f) => path.basename(f).replaceAll('_', '-').startsWith(`${project}-`));
      assert.equal(mine.length, 2);
      assert.deepEqual(page.files.map((f) => f.filename).sort(), mine.map((f) => path.basename(f)).sort());
      for (const f of page.files) {
        const local = new Uint8Array(await readFile(path.join(dist, f.filename)));
        assert.equal(f.hashes.sha256, sha256(local), `${f.filename} is listed with its sha256`);
        assert.equal(sha256(await download(wharf, project, f.url)), sha256(local), `${f.filename} downloads as uploaded`);
      }
    }

    const target = path.join(scratch, 'twine-site');
    const installed = await pip(['install', '--no-cache-dir', '--no-input', '--index-url', wharf.indexUrl, '--target', target, 'wharf-pub-alpha']);
    assert.equal(installed.code, 0, describeRun(installed));
    const names = await readdir(target);
    assert.ok(names.includes('wharf_pub_alpha-0.1.0.dist-info'), names.join(' '));
    assert.ok(names.includes('wharf_pub_beta-0.2.0.dist-info'), names.join(' '));
    const used = await run('python3', ['-c', 'import wharf_pub_alpha; print(wharf_pub_alpha.greeting())'], {
      env: cleanEnv({ PYTHONPATH: target }),
    });
    assert.equal(used.stdout.trim(), 'PUBLISHED WITH TWINE!', describeRun(used));

    // The sdist too, byte for byte (Debian's python prepares its metadata without PyPI).
    const sdists = path.join(scratch, 'twine-sdists');
    const fetched = await debianPip([
      'download', '--no-cache-dir', '--no-deps', '--no-binary', ':all:', '--no-build-isolation',
      '--index-url', wharf.indexUrl, '-d', sdists, 'wharf-pub-alpha==0.1.0',
    ]);
    assert.equal(fetched.code, 0, describeRun(fetched));
    const sdist = path.basename(files.find((f) => /^wharf[-_]pub[-_]alpha-0\.1\.0\.tar\.gz$/.test(path.basename(f)))!);
    assert.equal(sha256(await readFile(path.join(sdists, sdist))), sha256(await readFile(path.join(dist, sdist))));
  });

  test('running the same twine upload again succeeds and changes nothing', async () => {
    const before = await snapshot();
    requests.length = 0;
    const r = await twine(files);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual(requests, Array(4).fill('POST /legacy/ 200'));
    assert.deepEqual(await snapshot(), before);
  });

  test('other bytes under a published filename: "File already exists" without --skip-existing, skipped with it', async () => {
    const wheelName = 'wharf_pub_beta-0.2.0-py3-none-any.whl';
    const entries = unzipSync(new Uint8Array(await readFile(path.join(dist, wheelName))));
    entries['wharf_pub_beta/extra.py'] = strToU8('TAMPERED = True\n');
    const tamperedDir = path.join(scratch, 'twine-tampered');
    await mkdir(tamperedDir, { recursive: true });
    const tampered = path.join(tamperedDir, wheelName);
    const tamperedBytes = zipSync(entries);
    await writeFile(tampered, tamperedBytes);
    const before = await snapshot();

    // twine 4 prints the response body only with --verbose; without it, just the reason phrase.
    requests.length = 0;
    const refused = await twine(['--verbose', tampered]);
    assert.notEqual(refused.code, 0, describeRun(refused));
    assert.match(flat(refused), /File already exists: wharf_pub_beta-0\.2\.0-py3-none-any\.whl/);
    assert.deepEqual(requests, ['POST /legacy/ 400']);

    requests.length = 0;
    const skipped = await twine(['--skip-existing', tampered]);
    assert.equal(skipped.code, 0, describeRun(skipped));
    assert.match(flat(skipped), /Skipping wharf_pub_beta-0\.2\.0-py3-none-any\.whl because it appears to already exist/);
    assert.deepEqual(requests, ['POST /legacy/ 400']);

    const after = await snapshot();
    assert.deepEqual(after, before, 'the refused bytes were not stored, and nothing else changed');
    assert.ok(!after.keys.some((k) => k.includes(sha256(tamperedBytes))));
  });

  test('another spelling of a published file is refused, and --skip-existing does not pass over it', async () => {
    const before = await snapshot();
    const respelledDir = path.join(scratch, 'twine-respelled');
    await mkdir(respelledDir, { recursive: true });
    const original = new Uint8Array(await readFile(path.join(dist, 'wharf_pub_beta-0.2.0-py3-none-any.whl')));
    const entries = unzipSync(original);
    entries['wharf_pub_beta/respelled.py'] = strToU8('RESPELLED = True\n');
    for (const filename of ['Wharf_Pub_Beta-0.2.0-py3-none-any.whl', 'wharf_pub_beta-0.2.0.0-py3-none-any.whl']) {
      const file = path.join(respelledDir, filename);
      await writeFile(file, zipSync(entries));
      for (const flags of [['--verbose'], ['--verbose', '--skip-existing']]) {
        requests.length = 0;
        const refused = await twine([...flags, file]);
        assert.notEqual(refused.code, 0, `${flags.join(' ')} ${filename}: ${describeRun(refused)}`);
        assert.match(flat(refused), /is the same file as wharf_pub_beta-0\.2\.0-py3-none-any\.whl, which this index holds/);
        assert.deepEqual(requests, ['POST /legacy/ 400']);
      }
    }
    assert.deepEqual(await snapshot(), before, 'nothing was stored');
  });
});

// ---------------------------------------------------------------------------------------
// poetry

const POETRY_PROJECT: Record<string, string> = {
  'pyproject.toml': `[tool.poetry]
name = "wharf-pub-poetry"
version = "0.3.0"
description = "Published with poetry in Wharf's publish test"
authors = ["Wharf Tests <tests@wharf.invalid>"]
license = "Apache-2.0"
packages = [{ include = "wharf_pub_poetry" }]

[tool.poetry.dependencies]
python = ">=3.8"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
`,
  'wharf_pub_poetry/__init__.py': 'def origin():\n    return "built and published by poetry"\n',
};

describe('poetry publishes to Wharf, pip installs from it', { skip: missingPoetry ?? false }, () => {
  let wharf: LocalWharf;
  let createToken: string;
  let project: string;
  const requests: string[] = [];

  /** Every place poetry keeps state, under `home`. */
  const poetryEnv = (home: string, extra: Record<string, string> = {}) =>
    clientEnv(home, {
      POETRY_CONFIG_DIR: path.join(home, 'poetry-config'),
      POETRY_CACHE_DIR: path.join(home, 'poetry-cache'),
      POETRY_DATA_DIR: path.join(home, 'poetry-data'),
      ...extra,
    });
  const poetry = (args: readonly string[], env: NodeJS.ProcessEnv) =>
    run('poetry', [...args, '--no-interaction', '--no-ansi'], { cwd: project, env });

  const poetryFiles = ['wharf_pub_poetry-0.3.0-py3-none-any.whl', 'wharf_pub_poetry-0.3.0.tar.gz'];

  before(async () => {
    project = path.join(scratch, 'poetry-project');
    await writeTree(project, POETRY_PROJECT);
    wharf = await startLocalWharf({ port: 0, onRequest: ({ method, url, status }) => requests.push(`${method} ${url} ${status}`) });
    createToken = await makeToken(wharf, ['upload:*']);
  });
  after(async () => wharf?.close());

  test('poetry build, poetry config, poetry publish -r wharf; pip installs the result', async () => {
    const home = path.join(scratch, 'poetry-home-1');
    const env = poetryEnv(home);
    const built = await poetry(['build'], env);
    assert.equal(built.code, 0, describeRun(built));
    assert.deepEqual((await readdir(path.join(project, 'dist'))).sort(), poetryFiles);

    const repo = await poetry(['config', 'repositories.wharf', `${wharf.url}/legacy/`], env);
    assert.equal(repo.code, 0, describeRun(repo));
    const auth = await poetry(['config', 'http-basic.wharf', '__token__', createToken], env);
    assert.equal(auth.code, 0, describeRun(auth));
    // Configuration and (with no keyring) credentials went to the isolated directory.
    assert.match(await readFile(path.join(home, 'poetry-config', 'config.toml'), 'utf8'), new RegExp(`url = "${wharf.url}/legacy/"`));
    assert.match(await readFile(path.join(home, 'poetry-config', 'auth.toml'), 'utf8'), /username = "__token__"/);

    requests.length = 0;
    const published = await poetry(['publish', '-r', 'wharf'], env);
    assert.equal(published.code, 0, describeRun(published));
    assert.deepEqual(requests, ['POST /legacy/ 200', 'POST /legacy/ 200']);

    const page = await projectPage(wharf, 'wharf-pub-poetry');
    assert.ok(page);
    assert.deepEqual(page.files.map((f) => f.filename).sort(), poetryFiles);
    for (const f of page.files) {
      assert.equal(f.hashes.sha256, sha256(await readFile(path.join(project, 'dist', f.filename))));
    }

    const target = path.join(scratch, 'poetry-site');
    const installed = await pip(['install', '--no-cache-dir', '--no-input', '--index-url', wharf.indexUrl, '--target', target, 'wharf-pub-poetry']);
    assert.equal(installed.code, 0, describeRun(installed));
    assert.ok((await readdir(target)).includes('wharf_pub_poetry-0.3.0.dist-info'));
    const used = await run('python3', ['-c', 'import wharf_pub_poetry; print(wharf_pub_poetry.origin())'], {
      env: cleanEnv({ PYTHONPATH: target }),
    });
    assert.equal(used.stdout.trim(), 'built and published by poetry', describeRun(used));
  });

  test('poetry configured by environment variables alone, with a project-scoped token: a re-publish is a no-op, a bad token a 401 it shows', async () => {
    const scoped = await makeToken(wharf, ['upload:wharf-pub-poetry']);
    const viaEnv = (password: string) =>
      poetryEnv(path.join(scratch, 'poetry-home-2'), {
        POETRY_REPOSITORIES_WHARF_URL: `${wharf.url}/legacy/`,
        POETRY_HTTP_BASIC_WHARF_USERNAME: '__token__',
        POETRY_HTTP_BASIC_WHARF_PASSWORD: password,
      });
    const before = await projectPage(wharf, 'wharf-pub-poetry');

    requests.length = 0;
    const again = await poetry(['publish', '-r', 'wharf'], viaEnv(scoped));
    assert.equal(again.code, 0, describeRun(again));
    assert.deepEqual(requests, ['POST /legacy/ 200', 'POST /legacy/ 200']);
    assert.deepEqual(await projectPage(wharf, 'wharf-pub-poetry'), before);

    const wrong = await poetry(['publish', '-r', 'wharf'], viaEnv(`${scoped.slice(0, -4)}AAAA`));
    assert.notEqual(wrong.code, 0);
    // poetry prints the status, the reason phrase and the body.
    assert.match(flat(wrong), /HTTP Error 401: Unauthorized \| b'This token is not valid/);
  });

  test('poetry publish of other bytes under a published filename fails with "File already exists", --skip-existing skips it', async () => {
    const env = poetryEnv(path.join(scratch, 'poetry-home-1'));
    const wheel = path.join(project, 'dist', poetryFiles[0]!);
    const entries = unzipSync(new Uint8Array(await readFile(wheel)));
    entries['wharf_pub_poetry/extra.py'] = strToU8('TAMPERED = True\n');
    // poetry publishes whatever dist/ holds for its version: put the other bytes there.
    await writeFile(wheel, zipSync(entries));
    const before = { page: await projectPage(wharf, 'wharf-pub-poetry'), keys: await bucketKeys(wharf, 'files/wharf-pub-poetry/') };

    requests.length = 0;
    const refused = await poetry(['publish', '-r', 'wharf'], env);
    assert.notEqual(refused.code, 0, describeRun(refused));
    assert.match(flat(refused), /HTTP Error 400: Bad Request \| b'File already exists: wharf_pub_poetry-0\.3\.0-py3-none-any\.whl/);
    assert.deepEqual(requests, ['POST /legacy/ 400']);

    requests.length = 0;
    const skipped = await poetry(['publish', '-r', 'wharf', '--skip-existing'], env);
    assert.equal(skipped.code, 0, describeRun(skipped));
    assert.match(flat(skipped), /File exists\. Skipping/);
    assert.deepEqual(requests, ['POST /legacy/ 400', 'POST /legacy/ 200']);

    assert.deepEqual({ page: await projectPage(wharf, 'wharf-pub-poetry'), keys: await bucketKeys(wharf, 'files/wharf-pub-poetry/') }, before);
  });
});

// ---------------------------------------------------------------------------------------
// Forms of newer clients (twine 6, uv), Metadata-Version 2.4

const MODERN_DESCRIPTION = '# wharf-pub-modern\n\nA release with **Metadata-Version 2.4**, as twine 6 and uv upload it.\n';
const MODERN_EXTRA = [
  'Summary: Metadata 2.4 through the legacy upload API',
  'Author-email: Wharf Tests <tests@wharf.invalid>',
  'License-Expression: MIT OR Apache-2.0',
  'License-File: LICENSE',
  'License-File: NOTICE',
  'Project-URL: Homepage, https://wharf.invalid/modern',
  'Project-URL: Source, https://git.wharf.invalid/modern',
  'Classifier: Programming Language :: Python :: 3',
  'Classifier: Programming Language :: Python :: 3 :: Only',
  'Classifier: Private :: Do Not Upload',
  'Requires-Python: >=3.9',
  'Requires-Dist: wharf-pub-beta>=0.2',
  'Requires-Dist: typing-extensions>=4; python_version < "3.11"',
  "Requires-Dist: rich>=13; extra == 'cli'",
  'Provides-Extra: cli',
  'Description-Content-Type: text/markdown',
];

/** An sdist built in memory: PKG-INFO, pyproject.toml and the package. */
async function memorySdist(base: string, pkgInfo: string): Promise<Uint8Array> {
  const pack = tar.pack();
  pack.entry({ name: `${base}/`, type: 'directory' });
  pack.entry({ name: `${base}/PKG-INFO` }, Buffer.from(pkgInfo));
  pack.entry({ name: `${base}/pyproject.toml` }, Buffer.from('[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'));
  pack.entry({ name: `${base}/wharf_pub_modern/__init__.py` }, Buffer.from('VERSION = "1.0.0"\n'));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

describe('uploads shaped like twine 6 and uv, with Metadata-Version 2.4', () => {
  let wharf: LocalWharf;
  let token: string;

  before(async () => {
    wharf = await startLocalWharf({ port: 0 });
    token = await makeToken(wharf, ['upload:*']);
  });
  after(async () => wharf?.close());

  test('a twine 6 form (blake2, license_expression, repeated fields) of a 2.4 wheel is published with its .metadata; a placeholder attestation is refused', async () => {
    const wheel = memoryWheel({
      name: 'wharf-pub-modern',
      version: '1.0.0',
      metadataVersion: '2.4',
      extra: MODERN_EXTRA,
      body: MODERN_DESCRIPTION,
      files: {
        'wharf_pub_modern-1.0.0.dist-info/licenses/LICENSE': 'MIT License\n',
        'wharf_pub_modern-1.0.0.dist-info/licenses/NOTICE': 'Apache-2.0 notice\n',
      },
    });
    const attestations = JSON.stringify([
      { version: 1, verification_material: { certificate: 'MIIB...', transparency_entries: [] }, envelope: { statement: 'e30=', signature: 'AAAA' } },
    ]);
    // The order and fields of twine 6.1's upload: metadata first, then digests, then the file.
    const form = (attested: boolean) => toolbeltMultipart([
      ['name', 'wharf-pub-modern'],
      ['version', '1.0.0'],
      ['filetype', 'bdist_wheel'],
      ['pyversion', 'py3'],
      ['metadata_version', '2.4'],
      ['summary', 'Metadata 2.4 through the legacy upload API'],
      ['description', MODERN_DESCRIPTION],
      ['description_content_type', 'text/markdown'],
      ['author_email', 'Wharf Tests <tests@wharf.invalid>'],
      ['license_expression', 'MIT OR Apache-2.0'],
      ['license_file', 'LICENSE'],
      ['license_file', 'NOTICE'],
      ['classifiers', 'Programming Language :: Python :: 3'],
      ['classifiers', 'Programming Language :: Python :: 3 :: Only'],
      ['classifiers', 'Private :: Do Not Upload'],
      ['requires_python', '>=3.9'],
      ['requires_dist', 'wharf-pub-beta>=0.2'],
      ['requires_dist', 'typing-extensions>=4; python_version < "3.11"'],
      ['requires_dist', "rich>=13; extra == 'cli'"],
      ['provides_extra', 'cli'],
      ['project_urls', 'Homepage, https://wharf.invalid/modern'],
      ['project_urls', 'Source, https://git.wharf.invalid/modern'],
      ['sha256_digest', sha256(wheel.bytes)],
      ['blake2_256_digest', blake2(wheel.bytes)],
      [':action', 'file_upload'],
      ['protocol_version', '1'],
      ...(attested ? ([['attestations', attestations]] as const) : []),
      ['content', { filename: wheel.filename, bytes: wheel.bytes }],
    ]);
    // Attestations are verified now (PEP 740, attestations.test.ts): a placeholder is refused, nothing stored.
    const refused = await postUpload(wharf, token, form(true));
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /^Malformed attestation/);
    assert.equal(await projectPage(wharf, 'wharf-pub-modern'), undefined);
    const answer = await postUpload(wharf, token, form(false));
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /^OK: wharf_pub_modern-1\.0\.0-py3-none-any\.whl is published\./);

    const page = await projectPage(wharf, 'wharf-pub-modern');
    assert.ok(page);
    assert.deepEqual(page.versions, ['1.0.0']);
    assert.equal(page.files.length, 1);
    const file = page.files[0]!;
    assert.equal(file.filename, wheel.filename);
    assert.equal(file.hashes.sha256, sha256(wheel.bytes));
    assert.equal(file.size, wheel.bytes.byteLength);
    assert.deepEqual(file['core-metadata'], { sha256: sha256(wheel.metadata) });
    assert.deepEqual(await download(wharf, 'wharf-pub-modern', file.url), wheel.bytes);
    // PEP 658: the .metadata next to the file is the wheel's METADATA, byte for byte.
    assert.deepEqual(await download(wharf, 'wharf-pub-modern', `${file.url}.metadata`), wheel.metadata);

    // What the index keeps comes from the archive: every 2.4 field made it.
    const release = await getRelease(wharf, 'wharf-pub-modern', '1.0.0');
    assert.ok(release);
    assert.equal(release.metadata.metadata_version, '2.4');
    assert.equal(release.metadata.license_expression, 'MIT OR Apache-2.0');
    assert.deepEqual(release.metadata.license_files, ['LICENSE', 'NOTICE']);
    assert.deepEqual(release.metadata.classifiers, ['Programming Language :: Python :: 3', 'Programming Language :: Python :: 3 :: Only', 'Private :: Do Not Upload']);
    assert.deepEqual(release.metadata.requires_dist, ['wharf-pub-beta>=0.2', 'typing-extensions>=4; python_version < "3.11"', "rich>=13; extra == 'cli'"]);
    assert.deepEqual(release.metadata.project_urls, [
      { label: 'Homepage', url: 'https://wharf.invalid/modern' },
      { label: 'Source', url: 'https://git.wharf.invalid/modern' },
    ]);
    assert.deepEqual(release.metadata.provides_extra, ['cli']);
    assert.equal(release.metadata.description_content_type, 'text/markdown');
    assert.equal(release.metadata.description, MODERN_DESCRIPTION);
    assert.equal(release.metadata.requires_python, '>=3.9');
  });

  test('a uv form (sha256_digest only, no md5, no blake2) of a 2.4 sdist is published', async () => {
    const pkgInfo = ['Metadata-Version: 2.4', 'Name: wharf-pub-modern', 'Version: 1.0.0', ...MODERN_EXTRA, '', MODERN_DESCRIPTION].join('\n');
    const sdist = await memorySdist('wharf_pub_modern-1.0.0', pkgInfo);
    const filename = 'wharf_pub_modern-1.0.0.tar.gz';
    const form = formData([
      [':action', 'file_upload'],
      ['protocol_version', '1'],
      ['name', 'wharf-pub-modern'],
      ['version', '1.0.0'],
      ['filetype', 'sdist'],
      ['pyversion', 'source'],
      ['metadata_version', '2.4'],
      ['summary', 'Metadata 2.4 through the legacy upload API'],
      ['license_expression', 'MIT OR Apache-2.0'],
      ['requires_dist', 'wharf-pub-beta>=0.2'],
      ['requires_dist', 'typing-extensions>=4; python_version < "3.11"'],
      ['sha256_digest', sha256(sdist)],
      ['content', { filename, bytes: sdist }],
    ]);
    const answer = await postUpload(wharf, token, form);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /^OK: wharf_pub_modern-1\.0\.0\.tar\.gz is published\./);

    const page = await projectPage(wharf, 'wharf-pub-modern');
    assert.ok(page);
    const entry = page.files.find((f) => f.filename === filename);
    assert.ok(entry, JSON.stringify(page.files));
    assert.equal(entry.hashes.sha256, sha256(sdist));
    assert.deepEqual(await download(wharf, 'wharf-pub-modern', entry.url), sdist);
    assert.deepEqual(page.files.map((f) => f.filename).sort(), [filename, 'wharf_pub_modern-1.0.0-py3-none-any.whl'].sort());
  });
});

// ---------------------------------------------------------------------------------------
// Concurrency

describe('concurrent uploads', () => {
  let wharf: LocalWharf;
  let createToken: string;

  before(async () => {
    wharf = await startLocalWharf({ port: 0 });
    createToken = await makeToken(wharf, ['upload:*']);
  });
  after(async () => wharf?.close());

  test('20 simultaneous uploads of one file: all 200, one published, one file listed, one blob stored', async () => {
    const wheel = memoryWheel({ name: 'wharf-race-same', version: '1.0.0' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => postUpload(wharf, createToken, wheelUpload('wharf-race-same', wheel))));
    assert.deepEqual(answers.map((a) => a.status), Array(20).fill(200), answers.map((a) => a.text).join('\n'));
    assert.equal(answers.filter((a) => a.text.startsWith(`OK: ${wheel.filename} is published.`)).length, 1, answers.map((a) => a.text).join('\n'));
    assert.equal(answers.filter((a) => a.text.startsWith(`OK: ${wheel.filename} was already published`)).length, 19);

    const page = await projectPage(wharf, 'wharf-race-same');
    assert.ok(page);
    assert.deepEqual(page.files.map((f) => [f.filename, f.hashes.sha256]), [[wheel.filename, sha256(wheel.bytes)]]);
    const key = `files/wharf-race-same/${sha256(wheel.bytes)}/${wheel.filename}`;
    assert.deepEqual(await bucketKeys(wharf, 'files/wharf-race-same/'), [key, `${key}.metadata`]);
    assert.deepEqual(await download(wharf, 'wharf-race-same', page.files[0]!.url), wheel.bytes);
  });

  test('20 simultaneous uploads of one filename with 20 different contents: one wins, 19 "File already exists", no orphan blobs', async () => {
    const wheels = Array.from({ length: 20 }, (_, i) =>
      memoryWheel({ name: 'wharf-race-clash', version: '1.0.0', files: { 'wharf_race_clash/variant.py': `VARIANT = ${i}\n` } }),
    );
    assert.equal(new Set(wheels.map((w) => w.filename)).size, 1);
    assert.equal(new Set(wheels.map((w) => sha256(w.bytes))).size, 20);

    const answers = await Promise.all(wheels.map((w) => postUpload(wharf, createToken, wheelUpload('wharf-race-clash', w))));
    const report = answers.map((a, i) => `${i}: ${a.status} ${a.text.trim()}`).join('\n');
    const winners = answers.flatMap((a, i) => (a.status === 200 ? [i] : []));
    assert.equal(winners.length, 1, report);
    const losers = answers.filter((a) => a.status !== 200);
    assert.equal(losers.length, 19, report);
    for (const loser of losers) {
      assert.equal(loser.status, 400, report);
      assert.match(loser.text, /^File already exists/, report);
    }

    const winner = wheels[winners[0]!]!;
    const page = await projectPage(wharf, 'wharf-race-clash');
    assert.ok(page);
    assert.deepEqual(page.files.map((f) => [f.filename, f.hashes.sha256]), [[winner.filename, sha256(winner.bytes)]]);
    const key = `files/wharf-race-clash/${sha256(winner.bytes)}/${winner.filename}`;
    assert.deepEqual(await bucketKeys(wharf, 'files/wharf-race-clash/'), [key, `${key}.metadata`], 'only the winner is stored');
    assert.deepEqual(await download(wharf, 'wharf-race-clash', page.files[0]!.url), winner.bytes);
  });

  test('50 simultaneous uploads of different versions to a new project: all 200, all 50 listed, the project listed once', async () => {
    const versions = Array.from({ length: 50 }, (_, i) => `2.${i}.0`);
    const wheels = versions.map((version) => memoryWheel({ name: 'wharf-race-many', version }));
    const answers = await Promise.all(wheels.map((w) => postUpload(wharf, createToken, wheelUpload('wharf-race-many', w))));
    assert.deepEqual(answers.map((a) => a.status), Array(50).fill(200), answers.map((a) => a.text).join('\n'));
    assert.ok(answers.every((a) => / is published\./.test(a.text)));

    const page = await projectPage(wharf, 'wharf-race-many');
    assert.ok(page);
    assert.deepEqual(page.files.map((f) => f.filename).sort(), wheels.map((w) => w.filename).sort());
    assert.deepEqual([...page.versions].sort(), [...versions].sort());
    for (const f of page.files) {
      assert.equal(f.hashes.sha256, sha256(wheels.find((w) => w.filename === f.filename)!.bytes));
    }
    assert.equal((await bucketKeys(wharf, 'files/wharf-race-many/')).length, 100, 'each wheel and its .metadata');
    assert.equal((await rootProjects(wharf)).filter((p) => p === 'wharf-race-many').length, 1);
  });

  test('a project-scoped token publishes to its existing project, and gets 403 (naming upload:*) for a new one, with nothing stored', async () => {
    const scoped = await makeToken(wharf, ['upload:wharf-race-many', 'upload:wharf-race-newcomer']);
    const wheel = memoryWheel({ name: 'wharf-race-many', version: '3.0.0' });
    const ok = await postUpload(wharf, scoped, wheelUpload('wharf-race-many', wheel));
    assert.equal(ok.status, 200, ok.text);
    assert.ok((await projectPage(wharf, 'wharf-race-many'))!.files.some((f) => f.filename === wheel.filename));

    const newcomer = memoryWheel({ name: 'wharf-race-newcomer', version: '1.0.0' });
    const refused = await postUpload(wharf, scoped, wheelUpload('wharf-race-newcomer', newcomer));
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /upload:\*/);
    assert.equal(await projectPage(wharf, 'wharf-race-newcomer'), undefined);
    assert.deepEqual(await bucketKeys(wharf, 'files/wharf-race-newcomer/'), []);
    assert.ok(!(await rootProjects(wharf)).includes('wharf-race-newcomer'));
  });
});
