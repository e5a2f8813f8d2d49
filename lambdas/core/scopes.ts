/**
 * Token scopes and what they allow. Pure rules: no storage, no HTTP.
 *
 * - `read:PATTERN`: read the simple pages, files and `.metadata` of matching projects.
 * - `upload:PATTERN`: publish to (and yank or delete in) matching projects that exist,
 *   and read them too: a publisher may see what it published. Only `upload:*` may
 *   create a project, so a project-scoped token can never squat a new name.
 * - `admin`: everything, including tokens.
 *
 * PATTERN is `*` (every project), a project name, or a prefix ending in `*` (`acme-*`).
 * Names and prefixes are stored PEP 503 normalized, so `Acme_Tools` and `acme-tools`
 * are the same scope.
 */
import { InvalidInputError } from './errors.ts';
import { isValidName, normalizeName } from './names.ts';

export type ScopeKind = 'read' | 'upload' | 'admin';

export type Scope =
  | { readonly kind: 'admin' }
  | { readonly kind: 'read' | 'upload'; readonly pattern: string };

const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*\*$/;

function normalizePattern(pattern: string, scope: string): string {
  if (pattern === '*') return '*';
  if (PREFIX_PATTERN.test(pattern) && pattern.length <= 201) {
    const prefix = pattern.slice(0, -1);
    // Keep a trailing separator: `acme-*` must not match `acmeville`.
    return `${prefix.replace(/[-_.]+/g, '-').toLowerCase()}*`;
  }
  if (isValidName(pattern)) return normalizeName(pattern);
  throw new InvalidInputError(
    `Scope "${scope}" names no valid project pattern: use a project name (acme-app), ` +
      `a prefix ending in * (acme-*), or * for every project.`,
  );
}

/** Parses `read:PATTERN`, `upload:PATTERN` or `admin`; the pattern comes back normalized. */
export function parseScope(text: string): Scope {
  const value = text.trim();
  if (value === 'admin') return { kind: 'admin' };
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  if (kind !== 'read' && kind !== 'upload') {
    throw new InvalidInputError(
      `Unknown scope "${text}": scopes are read:PATTERN, upload:PATTERN or admin ` +
        `(PATTERN is a project name, a prefix such as acme-*, or *).`,
    );
  }
  if (colon < 0 || colon === value.length - 1) {
    throw new InvalidInputError(`Scope "${text}" needs a project pattern: ${kind}:acme-app, ${kind}:acme-*, or ${kind}:*.`);
  }
  return { kind, pattern: normalizePattern(value.slice(colon + 1), text) };
}

export function formatScope(scope: Scope): string {
  return scope.kind === 'admin' ? 'admin' : `${scope.kind}:${scope.pattern}`;
}

/** Parses, normalizes, de-duplicates and sorts a scope list; an empty one is refused. */
export function normalizeScopes(texts: readonly string[]): string[] {
  if (texts.length === 0) {
    throw new InvalidInputError('A token needs at least one scope: read:PATTERN, upload:PATTERN or admin.');
  }
  return [...new Set(texts.map((t) => formatScope(parseScope(t))))].sort();
}

export function patternMatches(pattern: string, project: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return project.startsWith(pattern.slice(0, -1));
  return pattern === project;
}

/** What a set of scopes allows, asked about normalized project names. */
export class Permissions {
  readonly isAdmin: boolean;
  private readonly read: readonly string[];
  private readonly upload: readonly string[];

  constructor(scopes: readonly string[]) {
    const parsed = scopes.map(parseScope);
    this.isAdmin = parsed.some((s) => s.kind === 'admin');
    this.upload = parsed.flatMap((s) => (s.kind === 'upload' ? [s.pattern] : []));
    // Upload implies read of the same projects.
    this.read = [...parsed.flatMap((s) => (s.kind === 'read' ? [s.pattern] : [])), ...this.upload];
  }

  canRead(project: string): boolean {
    return this.isAdmin || this.read.some((p) => patternMatches(p, project));
  }

  canUpload(project: string): boolean {
    return this.isAdmin || this.upload.some((p) => patternMatches(p, project));
  }

  /** Only `upload:*` or admin may bring a new project name into the index. */
  canCreateProject(): boolean {
    return this.isAdmin || this.upload.includes('*');
  }

  /** Whether every project is readable, so a listing needs no filtering. */
  canReadAll(): boolean {
    return this.isAdmin || this.read.includes('*');
  }
}
