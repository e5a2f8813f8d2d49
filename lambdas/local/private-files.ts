/**
 * Nothing under a data directory is for other users: it holds the admin token, every
 * token's hash and every private file. Directories are 0700 and files 0600, including
 * what dynalite's LevelDB and s3rver write, which they create with the process umask.
 */
import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const PRIVATE_UMASK = 0o077;
let holders = 0;
let previousUmask: number | undefined;

/**
 * Sets the process umask to keep group and others out while the stores run (LevelDB and
 * s3rver take no file mode), and returns what restores it when the last holder is done.
 * Worker threads cannot change the umask; there the directory modes alone protect.
 */
export function privateUmask(): () => void {
  if (!isMainThread) return () => undefined;
  if (holders++ === 0) previousUmask = process.umask(PRIVATE_UMASK);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0 && previousUmask !== undefined) process.umask(previousUmask);
  };
}

export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Makes every directory under `dir` (and itself) 0700 and every file owner-only. */
export async function restrictTree(dir: string): Promise<void> {
  let info;
  try {
    info = await lstat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // Gone meanwhile (a lock file).
    throw err;
  }
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) {
    if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
    for (const entry of await readdir(dir)) await restrictTree(path.join(dir, entry));
  } else if ((info.mode & 0o077) !== 0) {
    await chmod(dir, info.mode & 0o700 || 0o600);
  }
}

/**
 * What Wharf keeps in a data directory. Only these are made owner-only, never the rest of
 * a directory someone pointed --data at (their home, say).
 */
export const DATA_DIR_ENTRIES = ['dynamodb', 's3', 'admin-token', 'serve.lock', 'server.json'] as const;

export async function restrictOwnEntries(dataDir: string): Promise<void> {
  for (const entry of DATA_DIR_ENTRIES) await restrictTree(path.join(dataDir, entry));
}

/** Writes a file only its owner can read, whatever mode an earlier one had. */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
}
