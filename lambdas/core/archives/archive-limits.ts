/**
 * How much an archive may unpack to, and the checks both readers apply: to what an
 * archive declares before anything is inflated, and to what it really produces while it
 * is inflated. The values live in distribution.ts (INSPECTION_LIMITS), with their reasons.
 */
import { formatBytes } from '../bytes.ts';
import { InvalidInputError } from '../errors.ts';

export interface ArchiveLimits {
  /** Entries (files, directories, links) in one archive. */
  readonly maxEntries: number;
  /** Uncompressed bytes of one member. */
  readonly maxMemberBytes: number;
  /** Uncompressed bytes of all members together. */
  readonly maxTotalBytes: number;
  /** Uncompressed bytes per compressed byte, for a member or a whole archive past ratioFloorBytes. */
  readonly maxRatio: number;
  /** Below this many uncompressed bytes any ratio is accepted (real wheels carry small files of zeros). */
  readonly ratioFloorBytes: number;
}

const REBUILD = 'If this is a real distribution, tell the index operator, who can raise the limit.';

/** Refuses `size` uncompressed bytes from `compressed` bytes when past the floor and the ratio. */
export function checkRatio(filename: string, limits: ArchiveLimits, what: string, size: number, compressed: number): void {
  if (size > limits.ratioFloorBytes && size > compressed * limits.maxRatio) {
    const ratio = Math.round(size / Math.max(compressed, 1));
    throw new InvalidInputError(
      `${filename}: ${what} ${size} bytes uncompressed from ${compressed} compressed bytes, a ratio of ${ratio}:1; this index accepts at most ${limits.maxRatio}:1 past ${formatBytes(limits.ratioFloorBytes)}, since a real distribution never compresses that well and a zip bomb does. ${REBUILD}`,
    );
  }
}

/** Refuses a member larger than maxMemberBytes, or a running total larger than maxTotalBytes. */
export function checkTotals(filename: string, limits: ArchiveLimits, member: string, size: number, total: number, verb: 'declares' | 'unpacks to'): void {
  if (size > limits.maxMemberBytes) {
    throw new InvalidInputError(
      `${filename}: ${member} ${verb} ${size} bytes uncompressed, more than the ${formatBytes(limits.maxMemberBytes)} this index accepts for one file in a distribution. ${REBUILD}`,
    );
  }
  if (total > limits.maxTotalBytes) {
    throw new InvalidInputError(
      `${filename} ${verb === 'declares' ? 'declares' : 'unpacks to'} more than ${formatBytes(limits.maxTotalBytes)} uncompressed, the most this index accepts for one distribution. ${REBUILD}`,
    );
  }
}
