/** The path rules every archive entry passes, whichever archive format holds it. */
import { InvalidInputError } from '../errors.ts';

/** Why a path inside an archive could land outside the extraction directory, or undefined when it cannot. */
function unsafeReason(path: string): string | undefined {
  if (path === '') return 'an empty name';
  if (path.includes('\0')) return 'a NUL byte in its name';
  if (path.startsWith('/')) return 'an absolute path';
  // Windows reads a backslash as a separator, so `a\..\..\x` escapes there; no real wheel or sdist uses one.
  if (path.includes('\\')) return 'a backslash in its name';
  if (/^[A-Za-z]:/.test(path)) return 'a Windows drive letter';
  if (path.split('/').includes('..')) return 'a ".." component';
  return undefined;
}

/** Throws InvalidInputError, naming the archive, for a path that would escape the extraction directory. */
export function assertSafeArchivePath(filename: string, path: string): void {
  const reason = unsafeReason(path);
  if (reason !== undefined) {
    throw new InvalidInputError(
      `${filename} contains the entry ${JSON.stringify(path)}, which has ${reason}: archive entries must be relative paths with "/" separators that stay inside the archive's own directory. Rebuild the distribution with a standard build backend.`,
    );
  }
}

/**
 * The file an entry name lands on when extracted: Unicode NFC (what macOS file systems
 * store), `.` components and repeated or trailing slashes removed. Two entries with one
 * key overwrite each other on extraction, so which one an installer keeps is up to it.
 */
export function extractionKey(path: string): string {
  return path
    .normalize('NFC')
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/** Remembers extraction keys and refuses the second entry that lands on one. */
export class DuplicateEntryGuard {
  private readonly seen = new Map<string, string>();

  constructor(private readonly filename: string) {}

  /** `isDirectory`: a directory may appear twice (tar writes them so), a file may not. */
  add(path: string, isDirectory = false): void {
    const key = extractionKey(path);
    const tag = `${isDirectory ? 'd' : 'f'}:${key}`;
    const earlier = this.seen.get(tag);
    if (earlier !== undefined && !isDirectory) {
      const same = earlier === path ? `${JSON.stringify(path)} twice` : `${JSON.stringify(earlier)} and ${JSON.stringify(path)}, which extract to the same file`;
      throw new InvalidInputError(
        `${this.filename} contains ${same}: an installer would keep one and silently drop the other. Rebuild the distribution so each file appears once.`,
      );
    }
    this.seen.set(tag, path);
  }
}
