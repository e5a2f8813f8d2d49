/**
 * Trusted publishing: configuring publishers, and exchanging a CI job's OIDC token for a
 * short-lived upload token. One use case behind the admin API, `/_/oidc/` and the CLI.
 *
 * Who may configure: an admin, or a token that may upload to the project (as a PyPI
 * project owner may). The minted token is an ordinary Wharf token (so every function's
 * guard accepts it) with `upload:<project>` for exactly the projects whose publishers
 * match, living 15 minutes.
 *
 * Pending publishers (admin only) are registered for a project name that does not exist
 * yet, and reserve it (PublisherStore.reserveName): nobody else may create the project while
 * the reservation stands (lambdas/app/upload-rights.ts). The first exchange of a pending
 * publisher checks that the name is still free, turns the publisher into an ordinary one and
 * lets the token it mints create the project (PublisherStore.grantCreate); a name taken in
 * the meantime (by an operator's import, say) makes the pending publisher unusable.
 */
import type { Principal } from '../core/access.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import {
  matchPublishers,
  MINTED_TOKEN_SECONDS,
  rulesFor,
  TrustedPublishingError,
  validatePublisher,
  type PublisherInput,
  type PublisherProvider,
  type PublisherRecord,
  type TrustedIssuers,
} from '../core/trusted-publishing.ts';
import { oneLine } from '../core/publishers/common.ts';
import type { PublisherStore } from './ports.ts';
import type { AccessGuard } from './access-guard.ts';
import type { TokenAdmin } from './token-admin.ts';
import { MAX_DESCRIPTION_LENGTH } from './token-admin.ts';

/** What the exchange needs of a verifier (lambdas/adapters/oidc-verifier.ts). */
export interface TokenVerifierPort {
  readonly audience: string;
  verify(
    token: string,
    provider?: PublisherProvider,
  ): Promise<{ provider?: PublisherProvider; issuer: string; claims: Readonly<Record<string, unknown>> }>;
}

export interface AuditLogger {
  info(message: string, extra: Record<string, unknown>): void;
}

/** Whether a project exists: all pending publishers need to know of the package data. */
export interface ProjectLookup {
  projectExists(project: string): Promise<boolean>;
}

export interface MintedToken {
  readonly token: string;
  readonly tokenId: string;
  readonly expiresAt: string;
  readonly projects: readonly string[];
}

export interface TrustedPublishingDeps {
  readonly publishers: PublisherStore;
  readonly tokenAdmin: TokenAdmin;
  readonly verifier: TokenVerifierPort;
  readonly guard: AccessGuard;
  readonly logger: AuditLogger;
  /** The issuers the deployment trusts per provider: a publisher may name only these. */
  readonly issuers: TrustedIssuers;
  /** Absent: pending publishers are refused (a store without the package data). */
  readonly projects?: ProjectLookup;
  readonly now?: () => number;
}

/**
 * Stores a pending publisher (validated with `pending`) and reserves its name; ConflictError
 * when the project exists. The admin API and the operator's CLI (straight to the tables) share it.
 */
export async function addPendingPublisher(
  publishers: PublisherStore,
  projects: ProjectLookup,
  record: PublisherRecord,
  at: Date,
): Promise<{ publisher: PublisherRecord; created: boolean }> {
  const exists = () => projects.projectExists(record.project);
  const taken = () =>
    new ConflictError(
      `The project ${record.project} exists already: a pending publisher is for a name not yet in the index. ` +
        'Add an ordinary trusted publisher instead (without --pending).',
    );
  if (await exists()) throw taken();
  // Reserve first, then look again: a project created between the two looks wins, and the reservation is lifted.
  await publishers.reserveName(record.project, record.id, at.toISOString());
  if (await exists()) {
    await publishers.releaseName(record.project, record.id, at.toISOString());
    throw taken();
  }
  return publishers.putPublisher(record);
}

export class TrustedPublishing {
  private readonly now: () => number;

  constructor(private readonly deps: TrustedPublishingDeps) {
    this.now = deps.now ?? Date.now;
  }

  get audience(): string {
    return this.deps.verifier.audience;
  }

  /** Adds a publisher (idempotent: the same one again returns the stored one, `created: false`). */
  async add(
    principal: Principal | undefined,
    input: PublisherInput,
    options: { readonly pending?: boolean } = {},
  ): Promise<{ publisher: PublisherRecord; created: boolean }> {
    const at = new Date(this.now());
    const record = validatePublisher(input, principal ? `token:${principal.tokenId}` : 'local', at, {
      issuers: this.deps.issuers,
      ...(options.pending ? { pending: true } : {}),
    });
    if (!options.pending) {
      this.deps.guard.require(principal, { kind: 'upload', project: record.project });
      return this.deps.publishers.putPublisher(record);
    }
    // Reserving a name is creating a project ahead of time: what only admins may do.
    this.deps.guard.require(principal, { kind: 'admin' });
    return addPendingPublisher(this.deps.publishers, this.requireProjects(), record, at);
  }

  /** The publishers the caller may manage, optionally of one project. */
  async list(principal: Principal | undefined, project?: string): Promise<PublisherRecord[]> {
    const all = await this.deps.publishers.listPublishers();
    return all.filter(
      (p) => (project === undefined || p.project === project) && principal !== undefined && principal.permissions.canUpload(p.project),
    );
  }

  async remove(principal: Principal | undefined, id: string): Promise<PublisherRecord> {
    const found = (await this.deps.publishers.listPublishers()).find((p) => p.id === id);
    // The same answer whether it does not exist or the caller may not see it.
    if (!found || !principal?.permissions.canUpload(found.project)) {
      throw new NotFoundError(`No trusted publisher you may manage has the id "${id}". \`wharf publisher list\` shows the ids.`);
    }
    this.deps.guard.require(principal, { kind: 'upload', project: found.project });
    const at = new Date(this.now()).toISOString();
    const removed = await this.deps.publishers.deletePublisher(id, `token:${principal.tokenId}`, at);
    if (!removed) throw new NotFoundError(`No trusted publisher has the id "${id}" (any more).`);
    return removed;
  }

  /**
   * Exchanges an OIDC identity token for an upload token. Throws TrustedPublishingError
   * (422 with Warehouse's error codes) for anything the caller can fix; nothing is stored
   * unless the exchange succeeds, except that the token's one-use id is spent just before the
   * upload token is made.
   */
  async exchange(oidcToken: string, provider?: PublisherProvider): Promise<MintedToken> {
    const verified = await this.deps.verifier.verify(oidcToken, provider);
    const { issuer, claims } = verified;
    const kind = verified.provider ?? provider ?? 'github';
    const rules = rulesFor(kind);
    const candidates = await this.deps.publishers.publishersForRepository(kind, rules.lookupKeyOfClaims(claims));
    const matched = matchPublishers(candidates, claims, kind);

    // A pending publisher is usable only while its name is free: first use is what claims the name.
    const taken: PublisherRecord[] = [];
    const usable: PublisherRecord[] = [];
    for (const publisher of matched) {
      if (publisher.pending && (await this.requireProjects().projectExists(publisher.project))) taken.push(publisher);
      else usable.push(publisher);
    }
    if (usable.length === 0) {
      throw new TrustedPublishingError(
        'project-taken',
        `valid token, but the pending publisher${taken.length > 1 ? 's' : ''} ${taken.map((p) => `${p.id} (${p.project})`).join(', ')} ` +
          `cannot be used: the project was created in the meantime by someone else. An admin removes the pending publisher ` +
          '(`wharf publisher remove ID`) and, if the project is yours, adds an ordinary one.',
      );
    }

    const nowMs = this.now();
    const nowSeconds = Math.floor(nowMs / 1000);
    const exp = typeof claims['exp'] === 'number' ? claims['exp'] : nowSeconds + MINTED_TOKEN_SECONDS;
    // Spent first: two concurrent exchanges of one token cannot both mint.
    if (!(await this.deps.publishers.markTokenUsed(issuer, rules.replayIdOf(claims, oidcToken), exp, nowSeconds))) {
      throw new TrustedPublishingError('invalid-reuse-token', 'invalid token: already used. Each identity token is exchanged once; request a fresh one.');
    }

    const projects = [...new Set(usable.map((p) => p.project))].sort();
    const identity = rules.identity(claims);
    const expiresAt = new Date(nowMs + MINTED_TOKEN_SECONDS * 1000);
    const created = await this.deps.tokenAdmin.create({
      scopes: projects.map((p) => `upload:${p}`),
      description: oneLine(`Trusted publishing: ${identity.summary}`, MAX_DESCRIPTION_LENGTH),
      expiresAt,
      createdBy: identity.createdBy.slice(0, 200),
    });
    // The names still held for these publishers: the token may create them (and nobody else may).
    const creates: string[] = [];
    for (const publisher of usable) {
      if (!this.deps.projects || (await this.deps.projects.projectExists(publisher.project))) continue;
      const reservation = await this.deps.publishers.reservationOf(publisher.project, nowSeconds);
      if (!reservation.publishers.includes(publisher.id)) continue;
      await this.deps.publishers.grantCreate(publisher.project, created.view.id, Math.floor(expiresAt.getTime() / 1000));
      creates.push(publisher.project);
    }
    const converted: string[] = [];
    for (const publisher of usable) {
      if (publisher.pending && (await this.deps.publishers.convertPending(publisher, new Date(nowMs).toISOString()))) converted.push(publisher.id);
    }
    // The audit line: who got which rights, from which run. Never the secret.
    this.deps.logger.info('trusted-publishing', {
      trustedPublishing: {
        tokenId: created.view.id,
        projects,
        publishers: usable.map((p) => p.id),
        ...(creates.length > 0 ? { mayCreate: creates } : {}),
        ...(converted.length > 0 ? { convertedPending: converted } : {}),
        provider: kind,
        issuer,
        ...identity.audit,
        expiresAt: created.view.expiresAt!,
      },
    });
    return { token: created.token, tokenId: created.view.id, expiresAt: created.view.expiresAt!, projects };
  }

  private requireProjects(): ProjectLookup {
    if (!this.deps.projects) throw new TrustedPublishingError('not-enabled', 'Pending publishers need the package data, which this index was not given.');
    return this.deps.projects;
  }
}
