/**
 * The commands a user types: `wharf serve` (what `npm start` runs) and `wharf import`,
 * as separate processes sharing a data directory, as on a laptop.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { buildFixtures } from '../fixtures/build-fixtures.ts';
import { run } from '../support/processes.ts';

const CLI = ['--import', 'tsx', path.resolve('lambdas/cli/main.ts')];
const FIXTURE_DIR = path.resolve('test/fixtures/dist');
const EVIL = '>=3.8"><script>alert(1)</script>';

await buildFixtures(FIXTURE_DIR);

function wharf(args: string[]) {
  return run(process.execPath, [...CLI, ...args], { env: { ...process.env, WHARF_DATA_DIR: '' } });
}

/** Start `wharf serve`, resolve with the index URL it prints. */
function serve(args: string[]): Promise<{ child: ChildProcess; indexUrl: string; output: () => string }> {
  const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /Index URL:\s+(\S+)/.exec(output);
      if (match && output.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        resolve({ child, indexUrl: match[1]!, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A wheel whose Requires-Python tries to break out of the HTML attribute. */
function evilWheel(): Uint8Array {
  const di = 'evil_pkg-1.0.dist-info';
  return zipSync({
    'evil_pkg/__init__.py': strToU8(''),
    [`${di}/METADATA`]: strToU8(`Metadata-Version: 2.1\nName: evil-pkg\nVersion: 1.0\nRequires-Python: ${EVIL}\n\n`),
    [`${di}/WHEEL`]: strToU8('Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    [`${di}/RECORD`]: strToU8(''),
  });
}

describe('wharf serve and wharf import', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-cli-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('serve prints the index URL and pip line; import loads into the running server; data survives a restart', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await serve(['--data-dir', dataDir, '--quiet']);
    try {
      assert.match(first.output(), /python3 -m pip install --index-url http:\/\/127\.0\.0\.1:\d+\/simple\/ NAME/);
      const evil = path.join(dir, 'evil_pkg-1.0-py3-none-any.whl');
      await writeFile(evil, evilWheel());
      const corrupt = path.join(dir, 'broken-1.0.tar.gz');
      await writeFile(corrupt, 'not a tarball');

      // A Requires-Python that pip cannot parse is refused (and would be escaped if stored: see the yank below).
      const imported = await wharf(['import', '--data-dir', dataDir, FIXTURE_DIR, evil]);
      assert.equal(imported.code, 1, imported.stdout + imported.stderr);
      assert.match(imported.stdout, /running local server/);
      assert.match(imported.stdout, /Imported 4, already there 0, refused 1, skipped \d+ in /);
      assert.match(imported.stdout, /evil_pkg-1\.0-py3-none-any\.whl: .*Requires-Python .* is not a valid PEP 440 version specifier/);

      const bad = await wharf(['import', '--data-dir', dataDir, corrupt]);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /Refused \(1\):\n  broken-1\.0\.tar\.gz is not a valid tar\.gz archive/);

      const root = await (await fetch(first.indexUrl)).text();
      for (const name of ['wharf-demo-core/', 'wharf-demo-app/']) assert.ok(root.includes(`href="${name}"`), name);
      assert.doesNotMatch(root, /broken|evil-pkg/);

      // What a publisher writes reaches the page escaped: a yank reason that tries to break out.
      const yanked = await wharf(['yank', '--data-dir', dataDir, 'wharf-demo-core', '1.0.0', '--reason', EVIL]);
      assert.equal(yanked.code, 0, yanked.stdout + yanked.stderr);
      const page = await (await fetch(`${first.indexUrl}wharf-demo-core/`)).text();
      assert.doesNotMatch(page, /<script>/);
      assert.match(page, /data-yanked="&gt;=3\.8&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
      const json = (await (await fetch(`${first.indexUrl}wharf-demo-core/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as {
        files: Array<{ yanked: string }>;
      };
      assert.equal(json.files[0]!.yanked, EVIL);
    } finally {
      await stop(first.child);
    }

    // Imported again with no server running: it opens the data directory itself.
    const offline = await wharf(['import', '--data-dir', dataDir, FIXTURE_DIR]);
    assert.equal(offline.code, 0, offline.stdout + offline.stderr);
    assert.match(offline.stdout, /local data directory/);
    assert.match(offline.stdout, /Imported 0, already there 4, refused 0/);

    const second = await serve(['--data-dir', dataDir, '--quiet']);
    try {
      const root = await (await fetch(second.indexUrl)).text();
      assert.ok(root.includes('href="wharf-demo-core/"'), 'kept across restarts');
    } finally {
      await stop(second.child);
    }
  });

  test('--memory serves a throwaway index', async () => {
    const dataDir = path.join(dir, 'memory');
    const first = await serve(['--memory', '--data-dir', dataDir, '--quiet']);
    try {
      assert.match(first.output(), /throwaway in-memory index/);
      const imported = await wharf(['import', '--data-dir', dataDir, FIXTURE_DIR]);
      assert.equal(imported.code, 0, imported.stdout + imported.stderr);
      assert.ok((await (await fetch(first.indexUrl)).text()).includes('href="wharf-demo-core/"'));
    } finally {
      await stop(first.child);
    }
    const second = await serve(['--memory', '--data-dir', dataDir, '--quiet']);
    try {
      assert.ok(!(await (await fetch(second.indexUrl)).text()).includes('wharf-demo-core'), 'nothing kept');
    } finally {
      await stop(second.child);
    }
  });

  test('bad usage says what to do', async () => {
    const none = await wharf(['import']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /name at least one wheel, sdist or directory/);
    const missing = await wharf(['import', '--data-dir', path.join(dir, 'x'), path.join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file or directory/);
    const port = await wharf(['serve', '--port', 'abc']);
    assert.equal(port.code, 1);
    assert.match(port.stderr, /--port must be a whole number/);
    const unknown = await wharf(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^wharf: unknown command "frobnicate"\. Commands: serve, import, .*publish\.\nRun `wharf --help` for usage\.\n$/);
  });
});

/** Every command and subcommand, with options its --help must name. */
const HELP: [string[], string[]][] = [
  [['serve'], ['--port N', '--data-dir DIR', '--memory', '--upstream MODE', '--oidc-github-issuer URL']],
  [['import'], ['--data-dir DIR', '--stack NAME', '--table T', '--bucket B', '--region R']],
  [['yank'], ['--file FILENAME', '--reason TEXT', '--url URL', '--token T']],
  [['unyank'], ['--file FILENAME', '--url URL', '--json']],
  [['delete'], ['--yes', '--file FILENAME', '--stack NAME']],
  [['token', 'create'], ['--scope S', '--description TEXT', '--expires WHEN', '--tokens-table T']],
  [['token', 'list'], ['--url URL', '--token T', '--json']],
  [['token', 'revoke'], ['--url URL', '--data-dir DIR']],
  [['publisher', 'add'], ['--project P', '--repository OWNER/REPO', '--repository-id N', '--owner-id N', '--workflow FILE', '--environment ENV']],
  [['publisher', 'list'], ['--project P', '--json']],
  [['publisher', 'remove'], ['--url URL', '--stack NAME']],
  [['publish'], ['--url URL', '--token TOKEN', '--trusted-publishing', '--skip-existing', '--concurrency N']],
  [['project', 'status'], ['--reason TEXT', '--url URL', '--token T', '--stack NAME', '--json', 'quarantined']],
];

describe('wharf --help', () => {
  test('every command and subcommand prints its usage and options for --help, -h and wharf help', async () => {
    for (const [command, options] of HELP) {
      for (const args of [[...command, '--help'], [...command, '-h'], ['help', ...command]]) {
        const r = await wharf(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stderr, '');
        assert.ok(r.stdout.startsWith(`Usage: wharf ${command.join(' ')} `), `${args.join(' ')}:\n${r.stdout}`);
        for (const option of [...options, '-h, --help']) assert.ok(r.stdout.includes(option), `${args.join(' ')} names ${option}`);
      }
    }
  });

  test('a command with subcommands lists them, and wharf --help lists every command', async () => {
    for (const [parent, subs] of [['token', ['create', 'list', 'revoke']], ['publisher', ['add', 'list', 'remove']], ['project', ['status']], ['retention', ['rules', 'plan', 'apply']]] as const) {
      const r = await wharf([parent, '--help']);
      assert.equal(r.code, 0, r.stderr);
      for (const sub of subs) assert.match(r.stdout, new RegExp(`^  wharf ${parent} ${sub}`, 'm'));
    }
    for (const args of [['--help'], ['-h'], ['help'], []]) {
      const r = await wharf(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: wharf <command>/);
      for (const name of ['serve', 'import', 'yank', 'unyank', 'delete', 'token create|list|revoke', 'publisher add|list|remove', 'project status', 'retention rules|plan|apply', 'publish']) {
        assert.match(r.stdout, new RegExp(`^  ${name.replace(/\|/g, '\\|')} `, 'm'), name);
      }
      assert.match(r.stdout, /npx wharf/);
    }
  });

  test('unknown options and subcommands name what was wrong and point to --help, in two lines', async () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--bogus'], /^wharf serve: unknown option --bogus\.\nRun `wharf serve --help` for usage\.\n$/],
      [['token', 'list', '--scope', 'x'], /^wharf token list: unknown option --scope\.\nRun `wharf token list --help` for usage\.\n$/],
      [['publish', '--concurrency'], /^wharf publish: --concurrency needs a value\.\nRun `wharf publish --help` for usage\.\n$/],
      [['serve', 'extra'], /^wharf serve: unexpected argument extra: this command takes options only\.\nRun `wharf serve --help`/],
      [['token', 'mint'], /^wharf token: unknown subcommand "mint"\. Commands: create, list, revoke\.\nRun `wharf token --help` for usage\.\n$/],
      [['help', 'bogus'], /^wharf: unknown command "bogus"\./],
      [['--bogus'], /^wharf: unknown option --bogus; name a command first/],
    ];
    for (const [args, expected] of cases) {
      const r = await wharf(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, expected, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('package.json\'s bin runs the CLI through a symlink, as npm links it, from another directory', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { bin: Record<string, string> };
    const link = path.join(await mkdtemp(path.join(tmpdir(), 'wharf-bin-')), 'wharf');
    try {
      await symlink(path.resolve(pkg.bin['wharf']!), link);
      const r = await run(link, ['token', 'create', '--help'], { cwd: tmpdir(), env: { ...process.env, WHARF_DATA_DIR: '' } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: wharf token create --scope S/);
    } finally {
      await rm(path.dirname(link), { recursive: true, force: true });
    }
  });
});

/** A temporary directory for one describe block's tests, removed after them. */
function scratchDir(prefix: string): () => string {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

describe('one wharf serve per data directory', () => {
  const scratch = scratchDir('wharf-lock-');

  test('a second serve on a data directory in use is refused in one line, and the first keeps serving', async () => {
    const dataDir = path.join(scratch(), 'data');
    const first = await serve(['--data-dir', dataDir, '--quiet']);
    try {
      const second = await wharf(['serve', '--port', '0', '--data-dir', dataDir, '--quiet']);
      assert.equal(second.code, 1, second.stdout + second.stderr);
      const base = first.indexUrl.replace(/\/simple\/$/, '');
      assert.equal(
        second.stderr,
        `wharf serve: ${dataDir} is in use by another Wharf (pid ${first.child.pid}, ${base}): stop it (kill ${first.child.pid}), ` +
          'or start this one with another --data-dir DIR or with --memory.\n',
      );
      assert.equal((await fetch(`${base}/health`)).status, 200);
      assert.equal((await fetch(first.indexUrl)).status, 200, 'the first still reads its store');
      const state = JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number };
      assert.equal(state.pid, first.child.pid, 'the refused server left the state file alone');

      const memory = await serve(['--memory', '--data-dir', dataDir, '--quiet']);
      await stop(memory.child);
      const after = JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8')) as { pid: number };
      assert.equal(after.pid, first.child.pid, 'a --memory server beside it does not take over its state file');
      assert.equal((await fetch(first.indexUrl)).status, 200);
    } finally {
      await stop(first.child);
    }
  });

  test('the lock of a killed server does not block a new one', async () => {
    const dataDir = path.join(scratch(), 'stale');
    const killed = await serve(['--data-dir', dataDir, '--quiet']);
    const pid = killed.child.pid!;
    await new Promise<void>((resolve) => {
      killed.child.once('exit', () => resolve());
      killed.child.kill('SIGKILL');
    });
    assert.match(await readFile(path.join(dataDir, 'serve.lock'), 'utf8'), new RegExp(`"pid":${pid}`), 'a killed server leaves its lock');
    const next = await serve(['--data-dir', dataDir, '--quiet']);
    try {
      assert.equal((await fetch(next.indexUrl)).status, 200);
      assert.match(await readFile(path.join(dataDir, 'serve.lock'), 'utf8'), new RegExp(`"pid":${next.child.pid}`));
    } finally {
      await stop(next.child);
    }
    await assert.rejects(stat(path.join(dataDir, 'serve.lock')), 'a stopped server removes its lock');
  });
});

describe('a --url that is not a Wharf', () => {
  const PAGE = `<!DOCTYPE html>\n<html><head><title>Not Found</title></head>\n<body><h1>Not Found</h1>\n${'<p>filler</p>\n'.repeat(50)}</body></html>\n`;
  let server: Server;
  let base: string;
  const scratch = scratchDir('wharf-notwharf-');
  before(async () => {
    // /json/... answers another API's JSON; everything else a web server's HTML 404 page.
    server = createServer((req, res) => {
      if (req.url?.startsWith('/json/')) {
        res.writeHead(req.url.includes('/api/') ? 200 : 404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.close();
  });

  test('every command that calls a server says so in one line, never the page', async () => {
    const wheel = path.join(scratch(), 'demo-1.0-py3-none-any.whl');
    await writeFile(wheel, 'not really a wheel');
    const html = (url: string) => new RegExp(`^wharf [a-z ]+: ${url.replace(/[/.]/g, '\\$&')} answered 404 text/html; it does not look like a Wharf index: check --url\\.\\n$`);
    const cases: [string[], RegExp][] = [
      [['token', 'list', '--url', `${base}/simple/`, '--token', 't'], html(base)],
      [['token', 'create', '--scope', 'admin', '--url', base, '--token', 't'], html(base)],
      [['publisher', 'list', '--url', base, '--token', 't'], html(base)],
      [['yank', 'demo', '1.0', '--url', base, '--token', 't'], html(base)],
      [['delete', 'demo', '1.0', '--yes', '--url', base, '--token', 't'], html(base)],
      [['publish', '--url', base, '--token', 't', wheel, wheel], html(base)],
      [['publish', '--url', base, '--trusted-publishing', wheel], html(base)],
      // Another API's JSON, an error without Wharf's {"error"} and a success without what the route answers.
      [['token', 'list', '--url', `${base}/json`, '--token', 't'], /^wharf token list: \S+\/json answered 200 application\/json; it does not look like a Wharf index: check --url\.\n$/],
      [['publish', '--url', `${base}/json`, '--token', 't', wheel], /^wharf publish: \S+\/json answered 404 application\/json; it does not look like a Wharf index/],
    ];
    for (const [args, expected] of cases) {
      const r = await run(process.execPath, [...CLI, ...args], {
        env: { ...process.env, WHARF_DATA_DIR: '', ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/idtoken`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' },
      });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, expected, args.join(' '));
      assert.doesNotMatch(r.stderr, /<|filler/, 'no HTML');
    }
  });
});

describe('wharf token', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wharf-token-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('serve keeps a 0600 admin token; create, list and revoke work against the running server, offline and over --url', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await serve(['--data-dir', dataDir, '--private', '--quiet']);
    let tokenId = '';
    let token = '';
    try {
      const tokenFile = path.join(dataDir, 'admin-token');
      assert.match(first.output(), new RegExp(`Admin token created and kept in ${tokenFile.replace(/[/.]/g, '\\$&')}`));
      assert.match(first.output(), /Reads need a token/);
      assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
      const adminToken = (await readFile(tokenFile, 'utf8')).trim();
      assert.match(adminToken, /^wharf_/);
      assert.ok(!first.output().includes(adminToken), 'a kept token is not printed');

      const created = await wharf(['token', 'create', '--data-dir', dataDir, '--scope', 'read:Acme_*', '--description', 'CI for acme', '--expires', '30d']);
      assert.equal(created.code, 0, created.stdout + created.stderr);
      assert.match(created.stdout, /running local server/);
      assert.match(created.stdout, /scopes:\s+read:acme-\*/);
      assert.match(created.stdout, /only time the token is shown/);
      assert.match(created.stdout, /pip install --index-url http:\/\/__token__:<token>@127\.0\.0\.1:\d+\/simple\//);
      token = /(wharf_\S+)/.exec(created.stdout)![1]!;
      tokenId = token.slice(6, 22);

      const authed = await fetch(first.indexUrl, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(authed.status, 200);
      assert.equal((await fetch(first.indexUrl)).status, 401);

      const listed = await wharf(['token', 'list', '--data-dir', dataDir, '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const tokens = (JSON.parse(listed.stdout) as { tokens: Array<{ id: string; description: string; status: string; createdBy: string }> }).tokens;
      const mine = tokens.find((t) => t.id === tokenId);
      assert.equal(mine?.description, 'CI for acme');
      assert.equal(mine?.status, 'active');
      assert.match(mine?.createdBy ?? '', /^token:/);
      assert.ok(!listed.stdout.includes(token), 'list never shows a secret');

      const overUrl = await wharf(['token', 'list', '--url', first.indexUrl, '--token', adminToken]);
      assert.equal(overUrl.code, 0, overUrl.stderr);
      assert.match(overUrl.stdout, new RegExp(`${tokenId}\\s+active\\s+read:acme-\\*`));

      const refused = await wharf(['token', 'list', '--url', first.indexUrl, '--token', token]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /answered 403: This needs the admin scope/);
    } finally {
      await stop(first.child);
    }

    // No server: the CLI opens the data directory itself.
    const revoked = await wharf(['token', 'revoke', '--data-dir', dataDir, tokenId]);
    assert.equal(revoked.code, 0, revoked.stdout + revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`Revoked token ${tokenId}`));
    const offline = await wharf(['token', 'list', '--data-dir', dataDir]);
    assert.match(offline.stdout, new RegExp(`${tokenId}\\s+revoked`));

    const second = await serve(['--data-dir', dataDir, '--private', '--quiet']);
    try {
      assert.match(second.output(), /Admin token kept in/, 'the kept admin token is reused');
      const res = await fetch(second.indexUrl, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 401);
      assert.match(await res.text(), /revoked/);
    } finally {
      await stop(second.child);
    }
  });

  test('bad token commands say what to do', async () => {
    const dataDir = path.join(dir, 'usage');
    const bare = await wharf(['token']);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /token <create\|list\|revoke>/);
    const noScope = await wharf(['token', 'create', '--data-dir', dataDir]);
    assert.equal(noScope.code, 2);
    assert.match(noScope.stderr, /at least one --scope/);
    const badScope = await wharf(['token', 'create', '--data-dir', dataDir, '--scope', 'write:*']);
    assert.equal(badScope.code, 1);
    assert.match(badScope.stderr, /Unknown scope "write:\*"/);
    const badExpiry = await wharf(['token', 'create', '--data-dir', dataDir, '--scope', 'read:*', '--expires', 'soon']);
    assert.equal(badExpiry.code, 2);
    assert.match(badExpiry.stderr, /30d/);
    const noToken = await wharf(['token', 'list', '--url', 'http://127.0.0.1:9/']);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /--url needs an admin token/);
    const unknownId = await wharf(['token', 'revoke', '--data-dir', dataDir, 'zzzzzzzzzzzzzzzz']);
    assert.equal(unknownId.code, 1);
    assert.match(unknownId.stderr, /No token has the id/);
  });
});

describe('wharf serve: the functions\' metrics', () => {
  /** The output `serve` printed once it answered `path`, waiting a moment for what follows. */
  async function outputAfter(args: string[], path: string): Promise<string> {
    const { child, indexUrl, output } = await serve(['--memory', '--upstream', 'none', ...args]);
    try {
      const res = await fetch(new URL(path, indexUrl));
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 500));
      return output();
    } finally {
      await stop(child);
    }
  }

  test('by default no EMF reaches the console; with --log-level debug each request\'s records are in the log', async () => {
    const quiet = await outputAfter([], '/simple/');
    assert.doesNotMatch(quiet, /"_aws"/);
    const debug = await outputAfter(['--log-level', 'debug'], '/simple/');
    const records = debug
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"message":"metrics"'))
      .map((line) => (JSON.parse(line) as { emf: Record<string, unknown> }).emf);
    assert.ok(
      records.some((r) => r['Requests'] === 1 && r['Route'] === 'simple' && r['StatusClass'] === '2xx'),
      `Requests of /simple/ in the log:\n${debug}`,
    );
    assert.ok(records.some((r) => r['PagesServed'] === 1));
    assert.ok(records.every((r) => (r['_aws'] as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]!.Namespace === 'Wharf'));
  });

  test('a bad --log-level is refused with the levels there are', async () => {
    const result = await wharf(['serve', '--memory', '--port', '0', '--log-level', 'loud']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--log-level must be debug, info, warn or error, not "loud"/);
  });
});
