/**
 * Who is asking, and may they? The guard turns an Authorization header into a Principal
 * (looking the token up, with a short cache), asks the core rules, logs the decision as
 * one structured line, and throws AuthenticationError (401) or ForbiddenError (403).
 *
 * Revocation and expiry: a warm function keeps a looked-up token at most `cacheSeconds`
 * (at most 60), so a revoked token stops working within that time everywhere. Expiry is
 * checked against the clock on every request, cached or not.
 */
import {
  AUTHENTICATION_REQUIRED,
  authorize,
  parseAuthorization,
  type AccessPolicy,
  type Action,
  type Principal,
} from '../core/access.ts';
import { AuthenticationError, ForbiddenError } from '../core/errors.ts';
import type { TokenRecord } from '../core/model.ts';
import { Permissions } from '../core/scopes.ts';
import { tokenIdOf, tokenMatches } from '../core/tokens.ts';
import { mintedByTrustedPublishing } from '../core/networks.ts';
import type { TokenVerifier } from './ports.ts';
import { MAX_AUTH_CACHE_SECONDS } from '../config/wharf-config.ts';
import { AUTH_FAILURE_REASONS, type AuthFailureReason } from '../config/metrics.ts';
import { NO_METRICS, type Metrics } from './metrics-ports.ts';


export interface AuthLogger {
  info(message: string, extra: Record<string, unknown>): void;
}

export interface AccessGuardOptions {
  readonly policy: AccessPolicy;
  /** How long a looked-up token is trusted without asking the store again (≤ 60). */
  readonly cacheSeconds: number;
  readonly logger: AuthLogger;
  readonly now?: () => number;
  /** Bound on cached lookups, so junk tokens cannot grow memory. */
  readonly maxCacheEntries?: number;
  /** Counts AuthFailures: credentials presented and rejected. @default NO_METRICS */
  readonly metrics?: Metrics;
}

interface CacheEntry {
  readonly record: TokenRecord | undefined;
  readonly fetchedAt: number;
}

type Identity =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'principal'; readonly principal: Principal }
  | { readonly kind: 'rejected'; readonly reason: string; readonly message: string; readonly tokenId?: string };

const INVALID_TOKEN =
  'This token is not valid: it is mistyped, or it was never issued by this index. ' +
  'Check the token you configured, or ask an admin for a new one.';

/** The guard every function builds from its configuration (AccessConfig's two settings). */
export function accessGuardFor(
  tokens: TokenVerifier,
  config: { readonly publicRead: boolean; readonly authCacheSeconds: number },
  logger: AuthLogger,
  now?: () => number,
  metrics?: Metrics,
): AccessGuard {
  return new AccessGuard(tokens, {
    policy: { publicRead: config.publicRead },
    cacheSeconds: config.authCacheSeconds,
    logger,
    ...(now ? { now } : {}),
    ...(metrics ? { metrics } : {}),
  });
}

export class AccessGuard {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly tokens: TokenVerifier,
    private readonly options: AccessGuardOptions,
  ) {
    if (!(options.cacheSeconds >= 0 && options.cacheSeconds <= MAX_AUTH_CACHE_SECONDS)) {
      throw new RangeError(`The token cache may keep tokens 0 to ${MAX_AUTH_CACHE_SECONDS} seconds, not ${options.cacheSeconds}.`);
    }
    this.now = options.now ?? Date.now;
    this.cacheMs = options.cacheSeconds * 1000;
    this.maxEntries = options.maxCacheEntries ?? 10_000;
  }

  get publicRead(): boolean {
    return this.options.policy.publicRead;
  }

  /**
   * Checks `action` for the caller of `authorization`. Returns the principal (undefined for
   * an anonymous caller of a public read); throws a 401 or 403 error otherwise.
   */
  async check(authorization: string | undefined, action: Action): Promise<Principal | undefined> {
    const identity = await this.identify(authorization);
    if (identity.kind === 'rejected') throw this.rejected(action, identity);
    const principal = identity.kind === 'principal' ? identity.principal : undefined;
    this.require(principal, action);
    return principal;
  }

  /**
   * The caller's token, for a write whose project is not known yet (an upload, before its
   * form is read). Anonymous or bad credentials are a 401, logged against `action`.
   */
  async authenticate(authorization: string | undefined, action: Action): Promise<Principal> {
    const identity = await this.identify(authorization);
    if (identity.kind === 'principal') return identity.principal;
    if (identity.kind === 'rejected') throw this.rejected(action, identity);
    this.require(undefined, action);
    throw new AuthenticationError(AUTHENTICATION_REQUIRED);
  }

  /** A second decision for a caller already identified (e.g. upload, then create-project). */
  require(principal: Principal | undefined, action: Action): void {
    const decision = authorize(principal, action, this.options.policy);
    this.log(action, decision.allowed, decision.allowed ? 'allowed' : decision.reason, principal?.tokenId);
    if (decision.allowed) return;
    throw decision.status === 401 ? new AuthenticationError(decision.message) : new ForbiddenError(decision.message);
  }

  /**
   * Whether `authorization` carries a valid (known, unrevoked, unexpired) token minted by
   * trusted publishing: the IP allowlist lets those upload from any network.
   */
  async isTrustedPublishing(authorization: string | undefined): Promise<boolean> {
    const identity = await this.identify(authorization);
    return identity.kind === 'principal' && identity.principal.trustedPublishing === true;
  }

  /** Forget a cached token at once (the admin function calls this after revoking). */
  forget(tokenId: string): void {
    this.cache.delete(tokenId);
  }

  private async identify(authorization: string | undefined): Promise<Identity> {
    const credentials = parseAuthorization(authorization);
    if (credentials.kind === 'none') return { kind: 'anonymous' };
    if (credentials.kind === 'unusable') return { kind: 'rejected', reason: credentials.reason, message: credentials.message };
    const tokenId = tokenIdOf(credentials.token);
    if (!tokenId) return { kind: 'rejected', reason: 'malformed-token', message: INVALID_TOKEN };

    const record = await this.lookup(tokenId);
    if (!record || !tokenMatches(credentials.token, record.secretHash)) {
      return { kind: 'rejected', reason: 'unknown-token', message: INVALID_TOKEN, tokenId };
    }
    if (record.revokedAt !== undefined) {
      return {
        kind: 'rejected',
        reason: 'revoked',
        message: `This token (${tokenId}) was revoked on ${record.revokedAt}. Ask an admin for a new one.`,
        tokenId,
      };
    }
    if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= this.now()) {
      return {
        kind: 'rejected',
        reason: 'expired',
        message: `This token (${tokenId}) expired on ${record.expiresAt}. Ask an admin for a new one.`,
        tokenId,
      };
    }
    return {
      kind: 'principal',
      principal: {
        tokenId,
        scopes: record.scopes,
        permissions: new Permissions(record.scopes),
        ...(mintedByTrustedPublishing(record.createdBy) ? { trustedPublishing: true } : {}),
      },
    };
  }

  private async lookup(tokenId: string): Promise<TokenRecord | undefined> {
    const now = this.now();
    const cached = this.cache.get(tokenId);
    if (cached && now - cached.fetchedAt < this.cacheMs) return cached.record;
    const record = await this.tokens.getToken(tokenId);
    if (this.cacheMs > 0) {
      this.cache.delete(tokenId);
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(tokenId, { record, fetchedAt: now });
    }
    return record;
  }

  private rejected(action: Action, identity: Extract<Identity, { kind: 'rejected' }>): AuthenticationError {
    this.log(action, false, identity.reason, identity.tokenId);
    const reason = AUTH_FAILURE_REASONS.find((r): r is AuthFailureReason => r === identity.reason);
    // An unlisted reason would be a new dimension value, a new custom metric: it stays in the log.
    if (reason) (this.options.metrics ?? NO_METRICS).add('AuthFailures', 1, { Reason: reason });
    return new AuthenticationError(identity.message);
  }

  private log(action: Action, allowed: boolean, reason: string, tokenId: string | undefined): void {
    this.options.logger.info('auth', {
      auth: {
        tokenId: tokenId ?? null,
        action: action.kind,
        project: 'project' in action ? action.project : null,
        allowed,
        reason,
      },
    });
  }
}

