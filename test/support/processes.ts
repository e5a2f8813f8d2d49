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

/**
 * Why a test that needs an outside program cannot run, or undefined when it can. Under
 * CI=true a missing program is a failure, not a skip: `.ci/run` must have installed it.
 */
export async function missingTool(check: () => Promise<unknown>, what: string): Promise<string | undefined> {
  try {
    await check();
    return undefined;
  } catch (err) {
    const reason = `${what} is not available: ${(err as Error).message.split('\n')[0]}`;
    if (process.env['CI'] === 'true') throw new Error(`CI=true and ${reason}`);
    process.stderr.write(`\n!!! SKIPPED: ${reason}\n!!! Install it (see .ci/run) to run these tests.\n\n`);
    return reason;
  }
}
