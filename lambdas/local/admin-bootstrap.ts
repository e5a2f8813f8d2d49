/**
 * The local root of trust: on first start, `wharf serve` creates an admin token and keeps
 * it in the data directory, readable by its owner only. Whoever can read the data
 * directory owns the index anyway; the file just saves them the bootstrap.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { TokenAdmin } from '../app/token-admin.ts';
import { tokenIdOf, tokenMatches } from '../core/tokens.ts';
import type { TokenStore } from '../app/ports.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface LocalAdminToken {
  readonly token: string;
  /** Where it is kept; undefined for an in-memory index. */
  readonly file?: string;
  /** False when an earlier start made it. */
  readonly created: boolean;
}

export function localCreator(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local';
  }
}

async function stillValid(tokens: TokenStore, token: string): Promise<boolean> {
  const id = tokenIdOf(token);
  const record = id ? await tokens.getToken(id) : undefined;
  return (
    record !== undefined &&
    tokenMatches(token, record.secretHash) &&
    record.revokedAt === undefined &&
    (record.expiresAt === undefined || Date.parse(record.expiresAt) > Date.now()) &&
    record.scopes.includes('admin')
  );
}

export async function ensureLocalAdminToken(tokens: TokenStore, dataDir: string | undefined): Promise<LocalAdminToken> {
  const file = dataDir ? path.join(dataDir, ADMIN_TOKEN_FILE) : undefined;
  if (file) {
    const existing = await readFile(file, 'utf8').then(
      (text) => text.trim(),
      () => undefined,
    );
    if (existing && (await stillValid(tokens, existing))) {
      await chmod(file, 0o600);
      return { token: existing, file, created: false };
    }
  }
  // First start, or the kept token was revoked: make a new one.
  const { token } = await new TokenAdmin(tokens).create({
    scopes: ['admin'],
    description: 'Local admin token made by wharf serve',
    createdBy: localCreator(),
  });
  if (file) {
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return { token, ...(file ? { file } : {}), created: true };
}

/** The admin token a local server keeps in its data directory, or undefined when it keeps none. */
export async function readKeptAdminToken(dataDir: string): Promise<string | undefined> {
  const kept = await readFile(path.join(dataDir, ADMIN_TOKEN_FILE), 'utf8').then(
    (t) => t.trim(),
    () => undefined,
  );
  return kept || undefined;
}
