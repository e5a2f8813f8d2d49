/**
 * One local server per data directory. dynalite's LevelDB opens a directory once, and a
 * second server on it dies later with "Database is closed"; the lock refuses it at start.
 * A lock whose process is gone (a killed server) is stale and is taken over.
 */
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SERVE_LOCK_FILE = 'serve.lock';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`${dataDir} is in use by another Wharf server (pid ${pid}).`);
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    return process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(lockFile: string): Promise<number | undefined> {
  const text = await readFile(lockFile, 'utf8').catch(() => '');
  const pid = Number((JSON.parse(text || '{}') as { pid?: unknown }).pid);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Takes the data directory's lock, or throws DataDirInUseError naming the live process
 * that holds it. The lock file appears whole or not at all (a hard link of a written
 * file), so a second server never reads one half written.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const lockFile = path.join(dataDir, SERVE_LOCK_FILE);
  const draft = `${lockFile}.${process.pid}`;
  await mkdir(dataDir, { recursive: true });
  await writeFile(draft, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(draft, lockFile);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      }
      const pid = await holder(lockFile).catch(() => undefined);
      if (pid !== undefined && pid !== process.pid && alive(pid)) throw new DataDirInUseError(dataDir, pid);
      await rm(lockFile, { force: true });
    }
  } finally {
    await rm(draft, { force: true });
  }
  return {
    async release() {
      // Only our own: a server that took over a stale lock keeps its lock.
      if ((await holder(lockFile).catch(() => undefined)) === process.pid) await rm(lockFile, { force: true });
    },
  };
}
