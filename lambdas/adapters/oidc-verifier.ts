/**
 * Verifies a CI job's OIDC identity token with `jose`: signature against the issuer's JWKS,
 * issuer, audience, expiry and not-before. The issuer's keys are found through its
 * discovery document (`{issuer}/.well-known/openid-configuration` → `jwks_uri`), both
 * cached for the life of the warm function; jose refetches the key set at most every
 * 10 minutes, and on an unknown key id at most once per 30 s (so junk tokens cannot make
 * Wharf hammer the issuer), which is also how a key rotation is picked up.
 *
 * Time limits: pypa/gh-action-pypi-publish waits 5 s for the exchange, so each fetch from
 * the issuer gets 2 s at most.
 */
import {
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { rulesFor, TrustedPublishingError, type PublisherProvider } from '../core/trusted-publishing.ts';
import { ServiceUnavailableError } from '../core/errors.ts';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

export interface TrustedIssuer {
  readonly provider: PublisherProvider;
  /** Issuer URL exactly as the `iss` claim spells it (no trailing slash). */
  readonly issuer: string;
}

export interface VerifiedToken {
  readonly provider: PublisherProvider;
  readonly issuer: string;
  readonly claims: JWTPayload & Record<string, unknown>;
}

/** The issuer's discovery document or keys could not be fetched: a 503, not the caller's fault. */
export class IssuerUnavailableError extends ServiceUnavailableError {}

export interface OidcVerifierOptions {
  readonly issuers: readonly TrustedIssuer[];
  readonly audience: string;
  /** Per request to the issuer, in ms. @default 2000 */
  readonly fetchTimeoutMs?: number;
  /** Seconds of clock skew tolerated on exp/nbf/iat. @default 30 */
  readonly clockToleranceSeconds?: number;
  readonly now?: () => number;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** Whether a URL may be fetched: https, or http to a loopback host (tests, `wharf serve`). */
export function isAllowedIssuerUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname));
}

export class OidcVerifier {
  private readonly keySets = new Map<string, Promise<KeySet>>();
  private readonly timeoutMs: number;

  constructor(private readonly options: OidcVerifierOptions) {
    this.timeoutMs = options.fetchTimeoutMs ?? 2000;
  }

  get audience(): string {
    return this.options.audience;
  }

  /**
   * Verifies `token`; with `provider`, only that provider's issuers are accepted (the
   * `/_/oidc/{provider}/mint-token` routes). Throws TrustedPublishingError (`invalid-token`)
   * for anything wrong with the token, IssuerUnavailableError when the issuer is down.
   */
  async verify(token: string, provider?: PublisherProvider): Promise<VerifiedToken> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new TrustedPublishingError('invalid-token', 'malformed or invalid token: it is not a JSON Web Token.');
    }
    const trusted = this.options.issuers.find((i) => i.issuer === unverified.iss && (provider === undefined || i.provider === provider));
    if (!trusted) {
      throw new TrustedPublishingError(
        'invalid-token',
        `invalid token: the issuer ${JSON.stringify(unverified.iss ?? null)} is not trusted by this index` +
          ` (it trusts ${this.options.issuers.map((i) => i.issuer).join(', ')}).`,
      );
    }
    const keys = await this.keySet(trusted.issuer);
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: trusted.issuer,
        audience: this.options.audience,
        algorithms: ['RS256'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        // What the provider's tokens always carry (Google's have no jti: lambdas/core/publishers/google.ts).
        requiredClaims: [...rulesFor(trusted.provider).registeredClaims],
        ...(this.options.now ? { currentDate: new Date(this.options.now()) } : {}),
      });
      return { provider: trusted.provider, issuer: trusted.issuer, claims: payload as VerifiedToken['claims'] };
    } catch (err) {
      throw this.explain(err, unverified);
    }
  }

  private explain(err: unknown, claims: JWTPayload): Error {
    const invalid = (message: string) => new TrustedPublishingError('invalid-token', message);
    if (err instanceof joseErrors.JWTExpired) {
      return invalid(`invalid token: it expired at ${new Date((claims.exp ?? 0) * 1000).toISOString()}. Identity tokens live minutes: request a fresh one in the same job.`);
    }
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.claim === 'aud') {
        return invalid(`invalid token: its audience ${JSON.stringify(claims.aud ?? null)} is not this index's "${this.options.audience}" (GET /_/oidc/audience).`);
      }
      if (err.claim === 'nbf' || err.claim === 'iat') return invalid(`invalid token: it is not valid yet (${err.claim}).`);
      return invalid(`invalid token: ${err.message} (${err.claim}).`);
    }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('invalid token: its signature does not verify.');
    if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
      return invalid('invalid token: it names no signing key the issuer publishes (unknown key id).');
    }
    if (err instanceof joseErrors.JOSEAlgNotAllowed) return invalid('invalid token: it is not signed with RS256.');
    // The key set could not be fetched: a timeout, the network, or an issuer answering
    // other than 200 with JSON (jose's plain JOSEError, checked by class, not by message).
    if (
      err instanceof joseErrors.JWKSTimeout ||
      err instanceof joseErrors.JWKSInvalid ||
      err instanceof TypeError ||
      (err instanceof joseErrors.JOSEError && err.constructor === joseErrors.JOSEError)
    ) {
      return new IssuerUnavailableError(`The issuer's signing keys could not be fetched: ${(err as Error).message}`);
    }
    if (err instanceof joseErrors.JOSEError) return invalid(`malformed or invalid token: ${err.message}`);
    return err instanceof Error ? err : new Error(String(err));
  }

  private keySet(issuer: string): Promise<KeySet> {
    let keys = this.keySets.get(issuer);
    if (!keys) {
      keys = this.discover(issuer);
      this.keySets.set(issuer, keys);
      // A failed discovery is retried by the next request, not cached.
      keys.catch(() => this.keySets.delete(issuer));
    }
    return keys;
  }

  private async discover(issuer: string): Promise<KeySet> {
    const url = `${issuer}/.well-known/openid-configuration`;
    let jwksUri: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      jwksUri = ((await response.json()) as { jwks_uri?: unknown }).jwks_uri;
    } catch (err) {
      throw new IssuerUnavailableError(`The issuer's discovery document could not be fetched: ${(err as Error).message}`);
    }
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri) || !isAllowedIssuerUrl(new URL(jwksUri))) {
      throw new IssuerUnavailableError(`${url} names no usable jwks_uri.`);
    }
    return createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: this.timeoutMs,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }
}
