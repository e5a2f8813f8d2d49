/**
 * The rules that keep one file per identity (see distributionIdentity): what an upload of
 * `filename` with `sha256` meets when the index already holds, or once held, a file of the
 * same identity. Shared by every way in (legacy upload, upload sessions, import) and by the
 * stores' conditional writes, so the check before the write and the write agree.
 */
import { FileExistsError, InvalidInputError } from './errors.ts';
import type { DistributionFile, Tombstone } from './model.ts';
import { fixVersionFor, versionKinds } from './versions.ts';

/**
 * The refusal of a deleted file, under its own spelling or another. It must not say
 * "already exist": twine takes a 400 with those words for an existing file and, with
 * --skip-existing, would report success.
 */
export function deletedFilenameError(tombstone: Tombstone, filename: string = tombstone.filename): InvalidInputError {
  const what =
    filename === tombstone.filename
      ? `${tombstone.filename} was deleted`
      : `${filename} is the same file as ${tombstone.filename} (${identityHint(filename, tombstone.filename, tombstone.version)}), which was deleted`;
  return new InvalidInputError(
    `${what} on ${tombstone.deletedAt.slice(0, 10)}, and a deleted file can never be published again: ` +
      'PyPI-style indexes never reuse a filename, so that nobody who recorded its sha256 (in a lock file or a cache) ' +
      `is served other bytes under that name. Publish a new version instead${fixHint(tombstone.version)}.`,
  );
}

/**
 * `, or a post-release such as 1.0.post1 for a fix to this one`: a version PEP 440 allows (a
 * development release takes no post segment after its dev segment: the next one instead).
 */
function fixHint(version: string): string {
  const fix = fixVersionFor(version);
  if (!fix) return '';
  const kind = versionKinds(version)?.dev ? 'the next development release' : 'a post-release such as';
  return `, or ${kind} ${fix} for a fix to this one`;
}

/** Why two spellings are one file, in the words of the rule that makes them so. */
function identityHint(filename: string, stored: string, version: string): string {
  const sdist = (name: string) => !name.endsWith('.whl');
  if (sdist(filename) && sdist(stored)) return `a release has at most one sdist, and ${version} has this one`;
  return 'one project, one version under PEP 440 and the same tags: names are compared normalized, 1.0 equals 1.0.0';
}

/**
 * An upload whose identity the index holds under another filename. A 400 that does not say
 * "already exist", so twine --skip-existing reports it instead of passing over it.
 */
export function otherSpellingError(filename: string, stored: DistributionFile): InvalidInputError {
  return new InvalidInputError(
    `${filename} is the same file as ${stored.filename}, which this index holds (${identityHint(filename, stored.filename, stored.version)}). ` +
      `A file may be published under one filename only: publish a new version instead, or upload ${stored.filename} itself if these are its bytes.`,
  );
}

/**
 * What storing `filename` with `sha256` means when `stored` has its identity: `unchanged`
 * for the very same file again (a retry, a re-run); otherwise the refusal.
 */
export function compareWithStored(filename: string, sha256: string, stored: DistributionFile): 'unchanged' {
  if (stored.filename !== filename) throw otherSpellingError(filename, stored);
  if (stored.sha256 !== sha256) throw FileExistsError.forFile(filename, stored.sha256);
  return 'unchanged';
}

/**
 * The checks before anything is stored: a deleted identity is refused, a held one is
 * compared. Returns the stored file when this exact file is already published.
 */
export function checkAgainstIndex(
  filename: string,
  sha256: string,
  found: { readonly existing?: DistributionFile; readonly tombstone?: Tombstone },
): DistributionFile | undefined {
  if (found.tombstone) throw deletedFilenameError(found.tombstone, filename);
  if (!found.existing) return undefined;
  compareWithStored(filename, sha256, found.existing);
  return found.existing;
}
