/**
 * Creating, listing and revoking tokens: one use case behind the admin HTTP API, the
 * `wharf token` CLI talking to DynamoDB with IAM credentials, and the local bootstrap.
 */
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import type { TokenRecord } from '../core/model.ts';
import { normalizeScopes } from '../core/scopes.ts';
import { generateToken, isTokenId, type RandomSource } from '../core/tokens.ts';
import type { TokenStore } from './ports.ts';

export const MAX_DESCRIPTION_LENGTH = 200;
/** Ten years: long-lived tokens are a choice, eternal ones an accident. */
export const MAX_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** A token as lists and the API show it: everything but the hash. */
export interface TokenView {
  readonly id: string;
  readonly description: string;
  readonly scopes: readonly string[];
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
  readonly status: TokenStatus;
}

export interface CreateTokenInput {
  readonly scopes: readonly string[];
  readonly description?: string;
  readonly expiresAt?: Date;
  readonly createdBy: string;
}

export interface CreatedToken {
  /** The secret: shown once, never stored. */
  readonly token: string;
  readonly view: TokenView;
}

export class TokenAdmin {
  constructor(
    private readonly store: TokenStore,
    private readonly now: () => Date = () => new Date(),
    private readonly random?: RandomSource,
  ) {}

  async create(input: CreateTokenInput): Promise<CreatedToken> {
    const scopes = normalizeScopes(input.scopes);
    const description = (input.description ?? '').trim();
    if (description.length > MAX_DESCRIPTION_LENGTH || /[\u0000-\u001f\u007f]/.test(description)) {
      throw new InvalidInputError(
        `A token description is one line of at most ${MAX_DESCRIPTION_LENGTH} characters, such as "CI for acme-app".`,
      );
    }
    const now = this.now();
    if (input.expiresAt !== undefined) {
      const ms = input.expiresAt.getTime();
      if (Number.isNaN(ms)) throw new InvalidInputError('The expiry is not a valid date.');
      if (ms <= now.getTime()) {
        throw new InvalidInputError(`The expiry ${input.expiresAt.toISOString()} is in the past: give a future time.`);
      }
      if (ms - now.getTime() > MAX_TOKEN_LIFETIME_SECONDS * 1000) {
        throw new InvalidInputError('A token may live at most ten years: give an earlier expiry, or none.');
      }
    }
    const created = generateToken(this.random);
    const record: TokenRecord = {
      id: created.id,
      secretHash: created.secretHash,
      description,
      createdBy: input.createdBy,
      createdAt: now.toISOString(),
      scopes,
      ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt.toISOString() } : {}),
    };
    await this.store.putToken(record);
    return { token: created.token, view: this.view(record) };
  }

  async list(): Promise<TokenView[]> {
    return (await this.store.listTokens()).map((t) => this.view(t));
  }

  async get(id: string): Promise<TokenView> {
    const record = isTokenId(id) ? await this.store.getToken(id) : undefined;
    if (!record) throw new NotFoundError(`No token has the id "${id}". \`wharf token list\` shows the ids.`);
    return this.view(record);
  }

  async revoke(id: string, revokedBy: string): Promise<TokenView> {
    const record = isTokenId(id) ? await this.store.revokeToken(id, this.now().toISOString(), revokedBy) : undefined;
    if (!record) throw new NotFoundError(`No token has the id "${id}". \`wharf token list\` shows the ids.`);
    return this.view(record);
  }

  private view(record: TokenRecord): TokenView {
    const status: TokenStatus =
      record.revokedAt !== undefined
        ? 'revoked'
        : record.expiresAt !== undefined && Date.parse(record.expiresAt) <= this.now().getTime()
          ? 'expired'
          : 'active';
    return {
      id: record.id,
      description: record.description,
      scopes: record.scopes,
      createdBy: record.createdBy,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt ?? null,
      revokedAt: record.revokedAt ?? null,
      revokedBy: record.revokedBy ?? null,
      status,
    };
  }
}

const DURATION = /^(\d+)\s*(s|m|h|d|w|y)$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 };

/** `30d`, `12h`, `90m`, `1y` or an ISO 8601 date/time, as the CLI takes `--expires`. */
export function parseExpiry(text: string, now: Date): Date {
  const duration = DURATION.exec(text.trim());
  if (duration) return new Date(now.getTime() + Number(duration[1]) * UNIT_SECONDS[duration[2]!]! * 1000);
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const date = new Date(text.trim());
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new InvalidInputError(`"${text}" is not an expiry: give a duration such as 30d, 12h or 1y, or a date such as 2027-06-30.`);
}
