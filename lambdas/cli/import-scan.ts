/**
 * What `wharf import` finds under the paths it is given: the distribution files to import,
 * and everything it leaves out with the reason, so that nothing is passed over silently.
 * Symlinks are followed (a mirror often links files into place); a broken one, a loop, or
 * a second way to the same file is reported instead of imported.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { packageTypeOf } from '../core/filenames.ts';

export interface FoundFile {
  /** The path as found (a symlink's own path when reached through one). */
  readonly path: string;
  /** The name the file is imported under: the last part of `path`. */
  readonly filename: string;
  readonly size: number;
}

export interface SkippedEntry {
  readonly path: string;
  readonly reason: string;
}

export interface ScanResult {
  readonly files: FoundFile[];
  readonly skipped: SkippedEntry[];
  /** Directories given on the command line under which no distribution was found. */
  readonly emptyDirectories: string[];
}

export const NOT_A_DISTRIBUTION = 'not a wheel (.whl) or sdist (.tar.gz, .zip)';

/** Thrown for a named path that does not exist at all: nothing can be done with it. */
export class ImportPathError extends Error {}

function linkProblem(err: unknown, isLink: boolean): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'symlink loop: following it leads back to itself';
  if (code === 'ENOENT' && isLink) return 'broken symlink: what it points to does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  if (code === 'ENOENT') return 'it was removed while the import was looking';
  return undefined;
}

export async function scanPaths(paths: readonly string[]): Promise<ScanResult> {
  const files: FoundFile[] = [];
  const skipped: SkippedEntry[] = [];
  const emptyDirectories: string[] = [];
  // The same bytes under the same name, reached twice (a directory and a link into it).
  const seenFiles = new Map<string, string>();
  const seenDirs = new Map<string, string>();

  function addFile(full: string, real: string, info: Stats): void {
    const filename = path.basename(full);
    if (!packageTypeOf(filename) && !packageTypeOf(filename.toLowerCase())) {
      skipped.push({ path: full, reason: NOT_A_DISTRIBUTION });
      return;
    }
    const key = `${real}\0${filename}`;
    const first = seenFiles.get(key);
    if (first !== undefined) {
      skipped.push({ path: full, reason: `the same file as ${first}, imported once` });
      return;
    }
    seenFiles.set(key, full);
    files.push({ path: full, filename, size: info.size });
  }

  /** A directory entry or named path: follows symlinks, walks directories. */
  async function visit(full: string, isLink: boolean, hidden: boolean, ancestors: readonly string[]): Promise<void> {
    let info: Stats;
    let real: string;
    try {
      info = await stat(full);
      real = await realpath(full);
    } catch (err) {
      const problem = linkProblem(err, isLink);
      if (!problem) throw err;
      skipped.push({ path: full, reason: problem });
      return;
    }
    if (info.isDirectory()) {
      if (hidden) {
        skipped.push({ path: full, reason: 'hidden directory, not searched' });
        return;
      }
      if (ancestors.includes(real)) {
        skipped.push({ path: full, reason: `symlink loop: it leads back to ${real}, a directory above it` });
        return;
      }
      const first = seenDirs.get(real);
      if (first !== undefined) {
        skipped.push({ path: full, reason: first === full ? 'named twice, searched once' : `the same directory as ${first}, searched once` });
        return;
      }
      seenDirs.set(real, full);
      let entries: Dirent[];
      try {
        entries = await readdir(full, { withFileTypes: true });
      } catch (err) {
        const problem = linkProblem(err, false);
        if (!problem) throw err;
        skipped.push({ path: full, reason: problem });
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const child of entries) {
        await visit(path.join(full, child.name), child.isSymbolicLink(), child.name.startsWith('.'), [...ancestors, real]);
      }
      return;
    }
    if (!info.isFile()) {
      skipped.push({ path: full, reason: 'not a regular file' });
      return;
    }
    addFile(full, real, info);
  }

  for (const p of paths) {
    const own = await lstat(p).catch(() => undefined);
    if (!own) throw new ImportPathError(`${p}: no such file or directory. Name wheels, sdists or directories that hold them.`);
    const before = files.length;
    // A directory named on the command line is searched even if its name starts with a dot.
    await visit(p, own.isSymbolicLink(), false, []);
    if (files.length === before && (await stat(p).then((s) => s.isDirectory(), () => false))) emptyDirectories.push(p);
  }
  return { files, skipped, emptyDirectories };
}
