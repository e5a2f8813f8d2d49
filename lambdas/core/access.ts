/**
 * Access decisions: who is asking (from the Authorization header) and whether they may do
 * what they ask. Pure rules; the authenticator looks tokens up, the routes ask here.
 *
 * No answer depends on whether a project exists: a caller who may not read a project gets
 * the same 401 or 403 whether or not it is in the index.
 */
import { Permissions } from './scopes.ts';

/** The username pip, twine and poetry send with a token as the password (as on PyPI). */
export const TOKEN_USERNAME = '__token__';

export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'unusable'; readonly reason: string; readonly message: string };

const HOW_TO_AUTHENTICATE =
  `Send a Wharf token as the password of username ${TOKEN_USERNAME} (HTTP Basic, e.g. ` +
  `https://${TOKEN_USERNAME}:<token>@<host>/simple/ for pip), or as "Authorization: Bearer <token>".`;

/** Reads HTTP Basic (`__token__` and the token) or Bearer credentials. */
export function parseAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  const scheme = match?.[1]?.toLowerCase();
  const value = match?.[2] ?? '';
  if (scheme === 'bearer') return { kind: 'token', token: value };
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      return { kind: 'unusable', reason: 'malformed-basic', message: `Malformed Basic credentials. ${HOW_TO_AUTHENTICATE}` };
    }
    const username = decoded.slice(0, colon);
    if (username !== TOKEN_USERNAME) {
      return {
        kind: 'unusable',
        reason: 'wrong-username',
        message: `Wharf has no user accounts: use the username ${TOKEN_USERNAME} with a token as the password, not "${username.slice(0, 64)}".`,
      };
    }
    return { kind: 'token', token: decoded.slice(colon + 1) };
  }
  return {
    kind: 'unusable',
    reason: 'unsupported-scheme',
    message: `Unsupported Authorization scheme. ${HOW_TO_AUTHENTICATE}`,
  };
}

/** A caller whose token checked out. */
export interface Principal {
  readonly tokenId: string;
  readonly scopes: readonly string[];
  readonly permissions: Permissions;
  /** The token was minted by trusted publishing (its creator is `oidc:...`). */
  readonly trustedPublishing?: boolean;
}

export type Action =
  /** The root listing; it shows only what the caller may read. */
  | { readonly kind: 'list' }
  | { readonly kind: 'read'; readonly project: string }
  | { readonly kind: 'upload'; readonly project: string }
  | { readonly kind: 'create-project'; readonly project: string }
  /** Yank, un-yank, delete. */
  | { readonly kind: 'manage'; readonly project: string }
  | { readonly kind: 'admin' }
  /** Any valid token may ask who it is. */
  | { readonly kind: 'whoami' };

export interface AccessPolicy {
  /** Whether reads (pages, files, `.metadata`) need no token. */
  readonly publicRead: boolean;
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly status: 401 | 403; readonly reason: string; readonly message: string };

export function describeAction(action: Action): string {
  return 'project' in action ? `${action.kind} ${action.project}` : action.kind;
}

export const AUTHENTICATION_REQUIRED = `Authentication required. ${HOW_TO_AUTHENTICATE}`;

function isRead(action: Action): boolean {
  return action.kind === 'list' || action.kind === 'read';
}

export function authorize(principal: Principal | undefined, action: Action, policy: AccessPolicy): Decision {
  if (!principal) {
    if (policy.publicRead && isRead(action)) return { allowed: true };
    return { allowed: false, status: 401, reason: 'no-credentials', message: AUTHENTICATION_REQUIRED };
  }
  const can = principal.permissions;
  const deny = (reason: string, message: string): Decision => ({ allowed: false, status: 403, reason, message });
  const has = ` This token has: ${principal.scopes.join(', ')}.`;
  switch (action.kind) {
    case 'list':
    case 'whoami':
      return { allowed: true };
    case 'read':
      if (policy.publicRead || can.canRead(action.project)) return { allowed: true };
      return deny('missing-read-scope', `This token may not read "${action.project}": that needs the scope read:${action.project} (or a pattern covering it).${has}`);
    case 'upload':
    case 'manage':
      if (can.canUpload(action.project)) return { allowed: true };
      return deny(
        'missing-upload-scope',
        `This token may not ${action.kind === 'upload' ? 'upload to' : 'change'} "${action.project}": that needs the scope upload:${action.project} (or a pattern covering it).${has}`,
      );
    case 'create-project':
      if (can.canCreateProject()) return { allowed: true };
      return deny(
        'cannot-create-project',
        `"${action.project}" is not in the index yet, and only a token with the scope upload:* (or admin) may create a project. ` +
          `Ask an admin to publish its first release, or for a token that may.`,
      );
    case 'admin':
      if (can.isAdmin) return { allowed: true };
      return deny('missing-admin-scope', `This needs the admin scope.${has}`);
  }
}
