/**
 * API tokens: their shape, how they are made and how a presented one is checked.
 *
 * A token reads `wharf_<id>_<secret><checksum>`:
 * - `id`: 16 characters `[0-9a-z]`, public. It names the stored record, so checking a
 *   token is one GetItem, and it is what lists, logs and revocation show.
 * - `secret`: 40 base62 characters (about 238 bits) from the system CSPRNG.
 * - `checksum`: 6 base62 characters of the CRC-32 of everything before it, so a
 *   mistyped or truncated token is refused without a lookup, and secret scanners can
 *   tell a real Wharf token from look-alikes.
 *
 * Only the SHA-256 of the whole token is stored. A slow password hash buys nothing for
 * a 238-bit random secret (nobody can enumerate it) and would cost every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_PREFIX = 'wharf_';
const ID_LENGTH = 16;
const SECRET_LENGTH = 40;
const CHECKSUM_LENGTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE36 = BASE62.slice(0, 36).toLowerCase();
const TOKEN_PATTERN = new RegExp(
  `^${TOKEN_PREFIX}([0-9a-z]{${ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);
const ID_PATTERN = new RegExp(`^[0-9a-z]{${ID_LENGTH}}$`);

export type RandomSource = (size: number) => Uint8Array;

/** `length` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias). */
function randomString(alphabet: string, length: number, random: RandomSource): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

function base62(value: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function checksumOf(body: string): string {
  return base62(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

export interface NewToken {
  /** The secret to hand to the user, once. */
  readonly token: string;
  readonly id: string;
  /** What is stored: SHA-256 of `token`, hex. */
  readonly secretHash: string;
}

export function generateToken(random: RandomSource = randomBytes): NewToken {
  const id = randomString(BASE36, ID_LENGTH, random);
  const body = `${TOKEN_PREFIX}${id}_${randomString(BASE62, SECRET_LENGTH, random)}`;
  const token = body + checksumOf(body);
  return { token, id, secretHash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The id of a well-formed token with a correct checksum; undefined for anything else. */
export function tokenIdOf(token: string): string | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  const body = token.slice(0, token.length - CHECKSUM_LENGTH);
  return checksumOf(body) === match[3] ? match[1] : undefined;
}

export function isTokenId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Whether `token` hashes to `secretHash`, compared in constant time. */
export function tokenMatches(token: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, 'hex');
  const actual = Buffer.from(hashToken(token), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
