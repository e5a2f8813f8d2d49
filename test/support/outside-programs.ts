/**
 * The outside programs the integration tests drive, and getting them on a fresh machine.
 *
 * `npm run test:integration` (so `npm test`) runs this file once before the suite. On
 * Debian, as root, with apt at hand, it installs from apt whichever of the packages below
 * is missing, and says so loudly. Anywhere else it says what is missing and why it cannot
 * install it, and the tests that need it skip loudly (see `missingTool` in processes.ts);
 * under CI=true that is a failure instead, here and there.
 *
 * Several runs at once (two worktrees, two terminals) take turns through a lock file, and
 * apt waits for anyone else's apt (`DPkg::Lock::Timeout`), so nobody races dpkg; whoever
 * comes second finds the packages installed and installs nothing.
 *
 *   tsx test/support/outside-programs.ts           # install what is missing (as above)
 *   tsx test/support/outside-programs.ts --check   # only say what is missing
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface OutsideProgram {
  /** The Debian package. */
  readonly apt: string;
  /** What needs it. */
  readonly usedBy: string;
}

export const OUTSIDE_PROGRAMS: readonly OutsideProgram[] = [
  { apt: 'python3-pip', usedBy: "Debian's pip (pip-install, publish: it builds sdists with Debian's setuptools)" },
  { apt: 'python3-setuptools', usedBy: 'the build backend of the fixture projects' },
  { apt: 'python3-wheel', usedBy: 'setuptools building wheels' },
  { apt: 'python3-build', usedBy: 'python3 -m build, as a publisher builds (publish, trusted-publishing)' },
  { apt: 'python3-requests', usedBy: 'the trusted-publishing action script (trusted-publishing)' },
  { apt: 'twine', usedBy: 'twine upload (publish, trusted-publishing)' },
  { apt: 'python3-poetry', usedBy: 'poetry publish, poetry add (publish, readme-commands)' },
  { apt: 'openjdk-17-jre-headless', usedBy: 'DynamoDB Local, the second engine of the adapter contracts (dynamodb-local)' },
  { apt: 'python3-keyring', usedBy: "pip's keyring lookup of the README recipe (readme-commands)" },
  { apt: 'chromium', usedBy: 'the browser tests of the web UI, driven by playwright-core (web-ui)' },
];

const LOCK_FILE = '/tmp/wharf-test-outside-programs.lock';

function shout(lines: readonly string[]): void {
  process.stderr.write(`\n${lines.map((l) => `!!! ${l}`).join('\n')}\n\n`);
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The packages of `programs` that dpkg does not have installed, or undefined when there is no dpkg. */
export function missingPackages(programs: readonly OutsideProgram[] = OUTSIDE_PROGRAMS): string[] | undefined {
  if (!has('dpkg-query')) return undefined;
  return programs
    .map((p) => p.apt)
    .filter((pkg) => {
      const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
      return !(r.status === 0 && r.stdout.includes('install ok installed'));
    });
}

/** Why this machine cannot install from apt, or undefined when it can. */
function cannotInstall(): string | undefined {
  if (!has('apt-get')) return 'apt-get is not available (not Debian?)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `not running as root (uid ${process.getuid()})`;
  if (!has('flock')) return 'flock (util-linux) is not available';
  return undefined;
}

/**
 * Installs the missing packages from apt when it can. Returns whether everything is there
 * afterwards. Throws under CI=true when it is not, since a skip there would hide a gap.
 */
export function ensureOutsidePrograms(options: { install?: boolean; programs?: readonly OutsideProgram[] } = {}): boolean {
  const programs = options.programs ?? OUTSIDE_PROGRAMS;
  const ci = process.env['CI'] === 'true';
  const fail = (lines: string[]): boolean => {
    shout(lines);
    if (ci) throw new Error(`CI=true: ${lines[0]}`);
    return false;
  };
  const missing = missingPackages(programs);
  if (missing === undefined) {
    return fail([
      'No dpkg on this machine: cannot tell or install the outside programs the integration tests drive.',
      `Install the equivalents of: ${programs.map((p) => p.apt).join(' ')}; tests that lack one skip, saying why.`,
    ]);
  }
  if (missing.length === 0) return true;
  const why = programs.filter((p) => missing.includes(p.apt)).map((p) => `  ${p.apt}: ${p.usedBy}`);
  const reason = options.install === false ? 'asked only to check (--check)' : cannotInstall();
  if (reason !== undefined) {
    return fail([
      `Missing apt packages the integration tests drive: ${missing.join(' ')}`,
      ...why,
      `Not installing them: ${reason}. Tests that need them will be SKIPPED (a failure under CI=true).`,
      `To run them: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    ]);
  }
  shout([`INSTALLING from apt for the integration tests: ${missing.join(' ')}`, ...why]);
  // Checked again under the lock: a run that waited may find the work done.
  const script = [
    'set -e',
    'missing=""',
    'for p in "$@"; do dpkg-query -W -f=\'${Status}\' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"; done',
    '[ -z "$missing" ] && { echo "outside-programs: already installed by another run"; exit 0; }',
    'apt-get -o DPkg::Lock::Timeout=600 update -q',
    'apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing',
  ].join('\n');
  const r = spawnSync('flock', ['-w', '1200', LOCK_FILE, 'sh', '-c', script, 'sh', ...missing], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const still = missingPackages(programs) ?? missing;
  if (r.status !== 0 || still.length > 0) {
    return fail([
      `apt could not install ${still.join(' ') || missing.join(' ')} (exit ${r.status ?? r.signal}); see its output above.`,
      'Tests that need them will be SKIPPED (a failure under CI=true).',
    ]);
  }
  shout([`Installed from apt: ${missing.join(' ')}`]);
  return true;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureOutsidePrograms({ install: !process.argv.includes('--check') });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
