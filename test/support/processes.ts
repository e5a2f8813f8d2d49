/** Running the real outside programs (pip, twine, poetry) that tests drive. */
import { spawn } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the PIP_* settings this machine sets, which would leak in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PIP_') && !k.startsWith('TWINE_') && !k.startsWith('POETRY_')) env[k] = v;
  }
  return { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `python3 -m pip --isolated ...`, as DESIGN.md says tests must run pip. */
export function pip(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return run('python3', ['-m', 'pip', '--isolated', '--disable-pip-version-check', ...args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: cleanEnv({ PIP_CONFIG_FILE: '/dev/null', ...options.env }),
  });
}

export function describeRun(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Debian's own python3, which has the apt-installed setuptools, wheel and build. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** pip run by Debian's python3 (it can prepare sdist metadata with --no-build-isolation). */
export function debianPip(args: readonly string[], options: { cwd?: string } = {}): Promise<RunResult> {
  return run(DEBIAN_PYTHON, ['-m', 'pip', '--isolated', '--disable-pip-version-check', ...args], {
    ...options,
    env: cleanEnv({ PIP_CONFIG_FILE: '/dev/null' }),
  });
}

/** Fails unless `python3 -m pip` (the pip first on PATH, which most tests drive) runs. */
export async function checkPip(): Promise<void> {
  const r = await pip(['--version']);
  if (r.code !== 0) throw new Error(`python3 -m pip --version: ${describeRun(r)}`);
}

/** Fails unless Debian's python3 has pip, setuptools and wheel (to build sdists with --no-build-isolation). */
export async function checkDebianPip(): Promise<void> {
  // setuptools first: importing pip first loads the stdlib distutils, which setuptools refuses.
  const r = await run(DEBIAN_PYTHON, ['-I', '-c', 'import setuptools, wheel, pip'], { env: cleanEnv({ PIP_CONFIG_FILE: '/dev/null' }) });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  if (r.code !== 0) throw new Error(`${DEBIAN_PYTHON} lacks pip, setuptools or wheel (apt: python3-pip python3-setuptools python3-wheel): ${last}`);
}

/**
 * Why a test that needs an outside program cannot run, or undefined when it can. Under
 * CI=true a missing program is a failure, not a skip. `npm run test:integration` installs
 * the programs first when it can (test/support/outside-programs.ts).
 */
export async function missingTool(check: () => Promise<unknown>, what: string): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (err) {
    const reason = `${what} is not available: ${(err as Error).message.split('\n')[0]}`;
    if (process.env['CI'] === 'true') throw new Error(`CI=true and ${reason}`);
    process.stderr.write(
      `\n!!! SKIPPED: ${reason}\n!!! As root on Debian, \`npm run test:integration\` installs it from apt (test/support/outside-programs.ts).\n\n`,
    );
    return reason;
  }
}
