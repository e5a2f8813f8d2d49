/**
 * `npm run bench -- real-mirror` (or `tsx bench/real-mirror.ts`): the real corpus. This
 * machine's pip configuration names file:// wheel mirrors (`.../simple`, with a `files/`
 * folder beside each); a fresh `wharf serve` (temporary data directory, `--upstream none`)
 * gets both imported by `wharf import`, then pip installs a set of real projects with that
 * Wharf as its only index. Reports what was imported and refused (with the reasons), the
 * time and rate, the import's peak memory, and whether pip succeeded and how long it took.
 *
 * It moves gigabytes, so it is never part of the default `npm run bench`; where the mirrors
 * are absent it says so and stops.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, describeRun, run } from '../test/support/processes.ts';
import { runImport, startServer } from './local-server.ts';

/** Real projects with deep dependency trees, big wheels (ray, pandas) and many small ones. */
export const PROJECTS = ['requests', 'boto3', 'ray', 'dask', 'rich', 'fastapi', 'httpx', 'aiohttp', 'pandas', 'scikit-learn'];

/** The `files/` folders beside the file:// simple indexes that `pip config list` names. */
export function mirrorFileFolders(): string[] {
  let config: string;
  try {
    config = execFileSync('python3', ['-m', 'pip', 'config', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  const folders = new Set<string>();
  for (const match of config.matchAll(/file:\/\/(\/[^\s'"]+?)\/?(?=[\s'"])/g)) {
    const simple = match[1]!;
    const files = path.join(path.dirname(simple), 'files');
    if (path.basename(simple) === 'simple' && existsSync(files) && statSync(files).isDirectory()) folders.add(files);
  }
  return [...folders];
}

async function folderSize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(path.join(dir, entry.name))).size;
  }
  return { files, bytes };
}

const GB = 1000 ** 3;

export async function realMirror(): Promise<number> {
  console.log('\nThe real corpus: wharf import of the wheel mirrors pip is configured with, then pip install from Wharf alone');
  const folders = mirrorFileFolders();
  if (folders.length === 0) {
    console.log(
      '  Skipped: `python3 -m pip config list` names no file:// .../simple index with a files/ folder beside it, so this machine has no real mirror to import.',
    );
    return 0;
  }
  for (const folder of folders) {
    const { files, bytes } = await folderSize(folder);
    console.log(`  ${folder}: ${files} files, ${(bytes / GB).toFixed(2)} GB`);
  }
  const server = await startServer();
  const target = await mkdtemp(path.join(tmpdir(), 'wharf-bench-pip-'));
  let code = 0;
  try {
    console.log(`  wharf serve (fresh data directory ${server.dataDir}, --upstream none) at ${server.indexUrl}`);
    const imported = await runImport(server, folders);
    const summary = imported.stdout.slice(Math.max(0, imported.stdout.indexOf('\nImported ') + 1));
    console.log(`  wharf import exited ${imported.code} after ${imported.seconds.toFixed(1)} s` +
      (imported.maxRssBytes !== undefined ? `, peak memory ${(imported.maxRssBytes / 1024 / 1024).toFixed(0)} MiB` : '') +
      (imported.cpuSeconds !== undefined ? `, ${imported.cpuSeconds.toFixed(0)} CPU s` : ''));
    const counts = /Imported (\d+), already there (\d+), refused (\d+)/.exec(summary);
    if (counts) console.log(`  ${(Number(counts[1]) / imported.seconds).toFixed(1)} files/s imported`);
    for (const line of summary.trimEnd().split('\n')) console.log(`    ${line}`);
    if (imported.stderr.trim()) for (const line of imported.stderr.trimEnd().split('\n')) console.log(`    (stderr) ${line}`);
    if (imported.code !== 0) code = 1;

    console.log(`  pip install --target (a temporary directory) ${PROJECTS.join(' ')}, with Wharf as the only index`);
    const started = performance.now();
    // `--isolated` and no config file: this machine's pip settings (the mirrors themselves as
    // extra indexes, find-links, constraints) would otherwise leak in.
    const installed = await run(
      'python3',
      ['-m', 'pip', '--isolated', '--disable-pip-version-check', 'install', '--no-cache-dir', '--index-url', server.indexUrl, '--target', target, ...PROJECTS],
      { env: cleanEnv({ PIP_CONFIG_FILE: '/dev/null' }), timeoutMs: 30 * 60_000 },
    );
    const seconds = (performance.now() - started) / 1000;
    if (installed.code === 0) {
      const line = installed.stdout.split('\n').find((l) => l.startsWith('Successfully installed')) ?? '';
      console.log(`  pip install succeeded in ${seconds.toFixed(1)} s: ${line.split(' ').length - 2} distributions installed`);
    } else {
      code = 1;
      console.log(`  pip install FAILED after ${seconds.toFixed(1)} s:\n${describeRun(installed).replace(/^/gm, '    ')}`);
    }
  } finally {
    await server.close();
    await rm(target, { recursive: true, force: true });
  }
  return code;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await realMirror();
}
