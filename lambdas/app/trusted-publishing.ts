/**
 * Trusted publishing: configuring publishers, and exchanging a CI job's OIDC token for a
 * short-lived upload token. One use case behind the admin API, `/_/oidc/` and the CLI.
 *
 * Who may configure: an admin, or a token that may upload to the project (as a PyPI
 * project owner may). The minted token is an ordinary Wharf token (so every function's
 * guard accepts it) with `upload:<project>` for exactly the projects whose publishers
 * match, living 15 minutes.
 */
import { TRUSTED_PUBLISHING_CREATOR } from '../core/networks.ts';
import type { Principal } from '../core/access.ts';
import { NotFoundError } from '../core/errors.ts';
import {
  matchPublishers,
  MINTED_TOKEN_SECONDS,
  requireGitHubClaims,
  TrustedPublishingError,
  validatePublisher,
  workflowFilenameOf,
  type PublisherInput,
  type PublisherProvider,
  type PublisherRecord,
} from '../core/trusted-publishing.ts';
import type { PublisherStore } from './ports.ts';
import type { AccessGuard } from './access-guard.ts';
import type { TokenAdmin } from './token-admin.ts';
import { MAX_DESCRIPTION_LENGTH } from './token-admin.ts';

/** What the exchange needs of a verifier (lambdas/adapters/oidc-verifier.ts). */
export interface TokenVerifierPort {
  readonly audience: string;
  verify(token: string, provider?: PublisherProvider): Promise<{ issuer: string; claims: Readonly<Record<string, unknown>> }>;
}

export interface AuditLogger {
  info(message: string, extra: Record<string, unknown>): void;
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
  readonly now?: () => number;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
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
  async add(principal: Principal | undefined, input: PublisherInput): Promise<{ publisher: PublisherRecord; created: boolean }> {
    const record = validatePublisher(input, principal ? `token:${principal.tokenId}` : 'local', new Date(this.now()));
    this.deps.guard.require(principal, { kind: 'upload', project: record.project });
    return this.deps.publishers.putPublisher(record);
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
    const removed = await this.deps.publishers.deletePublisher(id, `token:${principal.tokenId}`, new Date(this.now()).toISOString());
    if (!removed) throw new NotFoundError(`No trusted publisher has the id "${id}" (any more).`);
    return removed;
  }

  /**
   * Exchanges an OIDC identity token for an upload token. Throws TrustedPublishingError
   * (422 with Warehouse's error codes) for anything the caller can fix; nothing is stored
   * unless the exchange succeeds, except that the token's `jti` is spent just before the
   * upload token is made.
   */
  async exchange(oidcToken: string, provider?: PublisherProvider): Promise<MintedToken> {
    const { issuer, claims } = await this.deps.verifier.verify(oidcToken, provider);
    requireGitHubClaims(claims);
    const candidates = await this.deps.publishers.publishersForRepository('github', text(claims['repository_id']));
    const matched = matchPublishers(candidates, claims);

    const nowMs = this.now();
    const exp = typeof claims['exp'] === 'number' ? claims['exp'] : Math.floor(nowMs / 1000) + MINTED_TOKEN_SECONDS;
    // Spent first: two concurrent exchanges of one token cannot both mint.
    if (!(await this.deps.publishers.markTokenUsed(issuer, text(claims['jti']), exp, Math.floor(nowMs / 1000)))) {
      throw new TrustedPublishingError('invalid-reuse-token', 'invalid token: already used. Each identity token is exchanged once; request a fresh one.');
    }

    const projects = [...new Set(matched.map((p) => p.project))].sort();
    const repository = text(claims['repository']);
    const workflow = workflowFilenameOf(text(claims['job_workflow_ref'])) ?? text(claims['job_workflow_ref']);
    const runId = text(claims['run_id']);
    const description = `Trusted publishing: ${repository} ${workflow} run ${runId || '?'}`
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .slice(0, MAX_DESCRIPTION_LENGTH);
    const created = await this.deps.tokenAdmin.create({
      scopes: projects.map((p) => `upload:${p}`),
      description,
      expiresAt: new Date(nowMs + MINTED_TOKEN_SECONDS * 1000),
      createdBy: `${TRUSTED_PUBLISHING_CREATOR}github:${repository}`.slice(0, 200),
    });
    const expiresAt = created.view.expiresAt!;
    // The audit line: who got which rights, from which run. Never the secret.
    this.deps.logger.info('trusted-publishing', {
      trustedPublishing: {
        tokenId: created.view.id,
        projects,
        publishers: matched.map((p) => p.id),
        issuer,
        repository,
        repositoryId: text(claims['repository_id']),
        workflow,
        jobWorkflowRef: text(claims['job_workflow_ref']),
        ref: text(claims['ref']),
        sha: text(claims['sha']),
        environment: text(claims['environment']) || null,
        runId,
        runAttempt: text(claims['run_attempt']),
        actor: text(claims['actor']),
        expiresAt,
      },
    });
    return { token: created.token, tokenId: created.view.id, expiresAt, projects };
  }
}
