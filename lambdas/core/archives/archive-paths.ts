/** The path check every archive entry passes, whichever archive format holds it. */
import { InvalidInputError } from '../errors.ts';

/** A path inside an archive that would escape the extraction directory. */
function isUnsafeArchivePath(path: string): boolean {
  return (
    path.startsWith('/') ||
    path.startsWith('\\') ||
    /^[A-Za-z]:/.test(path) ||
    path.split(/[/\\]/).includes('..') ||
    path.includes('\0')
  );
}

/** Throws InvalidInputError, naming the archive, for a path isUnsafeArchivePath refuses. */
export function assertSafeArchivePath(filename: string, path: string): void {
  if (isUnsafeArchivePath(path)) {
    throw new InvalidInputError(
      `${filename} contains the entry ${JSON.stringify(path)}, an absolute path or one with "..": archive entries must stay inside the archive's own directory.`,
    );
  }
}
