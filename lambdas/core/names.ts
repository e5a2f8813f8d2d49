/**
 * Project names (PEP 503 normalization, core metadata `Name` validity).
 */

const NORMALIZE_RUN = /[-_.]+/g;
// PEP 508 / core metadata: ASCII letters and digits, with '-', '_' and '.' inside.
const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
const NORMALIZED_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** PEP 503: lower-case, runs of `-`, `_`, `.` become one `-`. */
export function normalizeName(name: string): string {
  return name.replace(NORMALIZE_RUN, '-').toLowerCase();
}

/** Whether `name` is a valid project name per the core metadata specification. */
export function isValidName(name: string): boolean {
  return name.length <= 200 && VALID_NAME.test(name);
}

/** Whether `name` is already in PEP 503 normalized form (and valid). */
export function isNormalizedName(name: string): boolean {
  return name.length <= 200 && NORMALIZED_NAME.test(name);
}
