/**
 * Which stored objects under `files/` are orphans: bytes (or a `.metadata`) that no index
 * entry names. Ingest writes the blob, then its `.metadata`, then the conditional index
 * entry, so a process killed in between leaves bytes behind that nothing lists; a delete
 * killed after removing the entry leaves the same. Nothing else reads these rules: the
 * sweeper (lambdas/app/orphan-sweeper.ts) asks the index and the bucket, this decides.
 *
 * The rules, most careful first:
 * - A key that is not `files/{normalized project}/{sha256}/{filename}[.metadata]` is
 *   `unknown`: reported, never removed. The sweeper removes only what it understands.
 * - An object younger than the grace period is `young`: an upload may still be between
 *   its blob write and its index write.
 * - An object whose (sha256, filename) pair is an index entry's is `indexed`, and so are
 *   the `.metadata` and the `.{sha256}.provenance` (PEP 740) beside it.
 * - Anything else is an `orphan`. A tombstoned file's entry is removed by the delete, and
 *   its bytes with it; bytes a crashed delete left are orphans too.
 */
import { isNormalizedName } from './names.ts';
import { FILES_PREFIX, isDownloadFilename, isSha256Hex, METADATA_SUFFIX, PROVENANCE_SUFFIX } from './storage-keys.ts';

/** What a stored key under `files/` names. */
export interface StoredFileKey {
  readonly project: string;
  readonly sha256: string;
  /** The distribution's filename (without `.metadata` for a metadata file). */
  readonly filename: string;
  readonly metadata: boolean;
}

/** The key's parts, or undefined when it is not a key Wharf writes under `files/`. */
export function parseStoredFileKey(key: string): StoredFileKey | undefined {
  if (!key.startsWith(FILES_PREFIX)) return undefined;
  const parts = key.slice(FILES_PREFIX.length).split('/');
  if (parts.length !== 3) return undefined;
  const [project, sha256, name] = parts as [string, string, string];
  // A provenance object: `{filename}.{its own sha256}.provenance`, kept while its file is.
  const provenance = /^(.+)\.([0-9a-f]{64})\.provenance$/.exec(name);
  if (provenance && name.endsWith(PROVENANCE_SUFFIX)) {
    const filename = provenance[1]!;
    if (!isNormalizedName(project) || !isSha256Hex(sha256) || !isDownloadFilename(filename) || filename.endsWith(METADATA_SUFFIX)) return undefined;
    return { project, sha256, filename, metadata: false };
  }
  if (!isNormalizedName(project) || !isSha256Hex(sha256) || !isDownloadFilename(name)) return undefined;
  const metadata = name.endsWith(METADATA_SUFFIX);
  const filename = metadata ? name.slice(0, -METADATA_SUFFIX.length) : name;
  // `x.whl.metadata.metadata` and a bare `.metadata` are nothing Wharf writes.
  if (filename.endsWith(METADATA_SUFFIX) || !isDownloadFilename(filename)) return undefined;
  return { project, sha256, filename, metadata };
}

/** The project a key under `files/` belongs to (its first segment), for grouping a listing. */
export function projectOfKey(key: string): string | undefined {
  if (!key.startsWith(FILES_PREFIX)) return undefined;
  const rest = key.slice(FILES_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash > 0 ? rest.slice(0, slash) : undefined;
}

/** What an index entry says is stored: the pair that makes a key (and its `.metadata`) live. */
export interface IndexedPair {
  readonly filename: string;
  readonly sha256: string;
}

export const indexedPairKey = (pair: IndexedPair) => `${pair.sha256}/${pair.filename}`;

export type Verdict = 'unknown' | 'young' | 'indexed' | 'orphan';

export interface SweepRule {
  /** When the sweep started (its clock, not the object store's). */
  readonly now: Date;
  /** Objects modified less than this long before `now` are left alone. */
  readonly graceSeconds: number;
}

export function isYoung(lastModified: Date, rule: SweepRule): boolean {
  return rule.now.getTime() - lastModified.getTime() < rule.graceSeconds * 1000;
}

/**
 * The verdict on one stored object. `indexed` holds the pairs of the project's index
 * entries (indexedPairKey), undefined when the index was not asked because no object of the
 * project is old enough to matter.
 */
export function judgeStoredObject(
  key: string,
  lastModified: Date,
  indexed: ReadonlySet<string> | undefined,
  rule: SweepRule,
): Verdict {
  const parsed = parseStoredFileKey(key);
  if (!parsed) return 'unknown';
  if (isYoung(lastModified, rule)) return 'young';
  if (indexed === undefined) throw new Error(`The index of ${parsed.project} is needed to judge ${key}.`);
  return indexed.has(indexedPairKey(parsed)) ? 'indexed' : 'orphan';
}
