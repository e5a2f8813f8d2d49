/**
 * Publishing from AWS: configuring AWS publishers, and exchanging a signed
 * `sts:GetCallerIdentity` request for a short-lived upload token (the scheme of Vault's AWS
 * IAM auth method). The request is checked (lambdas/core/aws-sts-request.ts), sent to STS,
 * and the role session STS answers is matched against the publishers of its account
 * (lambdas/core/aws-publisher.ts). The minted token is an ordinary Wharf token with
 * `upload:<project>` for exactly the projects whose publishers match, living 15 minutes.
 *
 * Who may configure: an admin, or a token that may upload to the project, as for GitHub
 * publishers (lambdas/app/trusted-publishing.ts).
 */
import type { Principal } from '../core/access.ts';
import { InvalidInputError, NotFoundError } from '../core/errors.ts';
import {
  AwsIdentityError,
  matchAwsPublishers,
  roleArnOf,
  roleSessionOf,
  validateAwsPublisher,
  type AwsPublisherInput,
  type AwsPublisherRecord,
} from '../core/aws-publisher.ts';
import { acceptedStsHosts, checkStsRequest, MAX_AGE_SECONDS, SERVER_ID_HEADER, type StsEndpoints, type StsRequestInput } from '../core/aws-sts-request.ts';
import type { AccessGuard } from './access-guard.ts';
import type { AwsPublisherStore, CallerIdentityPort } from './aws-identity-ports.ts';
import type { PublisherStore } from './ports.ts';
import { MAX_DESCRIPTION_LENGTH, type TokenAdmin } from './token-admin.ts';
import type { AuditLogger, MintedToken } from './trusted-publishing.ts';

/** Lifetime of a minted upload token, as for OIDC trusted publishing (and PyPI). */
export const AWS_MINTED_TOKEN_SECONDS = 15 * 60;
/** The "issuer" under which spent signatures are remembered, beside spent OIDC token ids. */
const SPENT_SIGNATURES = 'aws:sts:GetCallerIdentity';

export interface AwsIdentityDeps {
  readonly publishers: AwsPublisherStore;
  /** Where spent signatures are remembered (the OIDC `jti` store). */
  readonly spent: Pick<PublisherStore, 'markTokenUsed'>;
  readonly sts: CallerIdentityPort;
  readonly tokenAdmin: TokenAdmin;
  readonly guard: AccessGuard;
  readonly logger: AuditLogger;
  /** This deployment's audience: the value X-Wharf-Server-ID must carry. */
  readonly serverId: string;
  readonly endpoints: StsEndpoints;
  readonly now?: () => number;
}

export interface AwsMintedToken extends MintedToken {
  /** The role session STS named. */
  readonly identity: string;
}

/**
 * Stores a checked publisher (the same one again: the stored one, `created: false`). Given
 * again with a role id, it pins an unpinned one to it; another id than the one pinned is
 * refused: remove the publisher first.
 */
export async function storeAwsPublisher(store: AwsPublisherStore, record: AwsPublisherRecord): Promise<{ publisher: AwsPublisherRecord; created: boolean }> {
  const result = await store.putAwsPublisher(record);
  if (result.created || record.roleId === '' || result.publisher.roleId === record.roleId) return result;
  if (result.publisher.roleId === '') {
    const pinned = await store.pinRoleId(result.publisher, record.roleId);
    if (pinned?.roleId === record.roleId) return { publisher: pinned, created: false };
  }
  const stored = findById(await store.listAwsPublishers(), result.publisher.id) ?? result.publisher;
  throw new InvalidInputError(
    `A publisher of ${record.project} for ${roleArnOf(record)} exists with role id ${stored.roleId || '(not pinned yet)'}, not ${record.roleId}: ` +
      `remove it (\`wharf publisher remove ${stored.id}\`) and add it again.`,
  );
}

function findById(publishers: readonly AwsPublisherRecord[], id: string): AwsPublisherRecord | undefined {
  return publishers.find((p) => p.id === id);
}

export class AwsIdentity {
  private readonly now: () => number;

  constructor(private readonly deps: AwsIdentityDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** What a client needs to sign a request for this index (GET /_/aws/server-id). */
  get signingInfo(): { serverId: string; header: string; endpoints: string[]; maxAgeSeconds: number } {
    return {
      serverId: this.deps.serverId,
      header: SERVER_ID_HEADER,
      endpoints: [...acceptedStsHosts(this.deps.endpoints).keys()].map((h) => `https://${h}/`),
      maxAgeSeconds: MAX_AGE_SECONDS,
    };
  }

  /**
   * Adds a publisher (the same one again returns the stored one, `created: false`). Adding
   * it again with another role id than the one stored is refused: remove it first.
   */
  async add(principal: Principal | undefined, input: AwsPublisherInput): Promise<{ publisher: AwsPublisherRecord; created: boolean }> {
    const record = validateAwsPublisher(input, principal ? `token:${principal.tokenId}` : 'local', new Date(this.now()));
    this.deps.guard.require(principal, { kind: 'upload', project: record.project });
    return storeAwsPublisher(this.deps.publishers, record);
  }

  async list(principal: Principal | undefined, project?: string): Promise<AwsPublisherRecord[]> {
    const all = await this.deps.publishers.listAwsPublishers();
    return all.filter((p) => (project === undefined || p.project === project) && principal !== undefined && principal.permissions.canUpload(p.project));
  }

  async remove(principal: Principal | undefined, id: string): Promise<AwsPublisherRecord> {
    const found = (await this.deps.publishers.listAwsPublishers()).find((p) => p.id === id);
    if (!found || !principal?.permissions.canUpload(found.project)) {
      throw new NotFoundError(`No AWS publisher you may manage has the id "${id}". \`wharf publisher list\` shows the ids.`);
    }
    this.deps.guard.require(principal, { kind: 'upload', project: found.project });
    const removed = await this.deps.publishers.deleteAwsPublisher(id, `token:${principal.tokenId}`, new Date(this.now()).toISOString());
    if (!removed) throw new NotFoundError(`No AWS publisher has the id "${id}" (any more).`);
    return removed;
  }

  /**
   * Exchanges a signed GetCallerIdentity request for an upload token. AwsIdentityError
   * for anything the caller can fix; nothing is stored unless the exchange succeeds, except
   * that the signature is spent just before the token is made (and a role id pinned).
   */
  async exchange(input: StsRequestInput): Promise<AwsMintedToken> {
    const nowMs = this.now();
    const request = checkStsRequest(input, this.deps.endpoints, this.deps.serverId, nowMs);
    const identity = await this.deps.sts.callerIdentity(request);
    const session = roleSessionOf(identity);
    const candidates = await this.deps.publishers.awsPublishersForAccount(session.account);
    let matched = matchAwsPublishers(candidates, session);

    // Spent first: two concurrent exchanges of one signed request cannot both mint.
    const expiresAt = Math.floor(request.signedAt.getTime() / 1000) + MAX_AGE_SECONDS + 60;
    if (!(await this.deps.spent.markTokenUsed(SPENT_SIGNATURES, request.signatureHash, expiresAt, Math.floor(nowMs / 1000)))) {
      throw new AwsIdentityError('invalid-reuse-token', 'This signed request was exchanged before: each one is exchanged once. Sign a new one.');
    }

    // First use of a publisher without a role id: this role's id is the one from now on.
    const pinned: string[] = [];
    const kept: AwsPublisherRecord[] = [];
    for (const publisher of matched) {
      if (publisher.roleId !== '') {
        kept.push(publisher);
        continue;
      }
      const now = await this.deps.publishers.pinRoleId(publisher, session.roleId);
      if (now && now.roleId === session.roleId) {
        kept.push(now);
        pinned.push(publisher.id);
      }
    }
    matched = kept;
    if (matched.length === 0) {
      throw new AwsIdentityError('invalid-publisher', `The publishers of role ${session.roleName} were changed while this request was checked (another role id was pinned, or they were removed). Sign a new request.`);
    }

    const projects = [...new Set(matched.map((p) => p.project))].sort();
    const description = `Trusted publishing: AWS ${session.arn}`.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_DESCRIPTION_LENGTH);
    const created = await this.deps.tokenAdmin.create({
      scopes: projects.map((p) => `upload:${p}`),
      description,
      expiresAt: new Date(nowMs + AWS_MINTED_TOKEN_SECONDS * 1000),
      createdBy: `aws:${session.arn}`.slice(0, 200),
    });
    const tokenExpiresAt = created.view.expiresAt!;
    // The audit line: who got which rights, signed with which key. Never the secret.
    this.deps.logger.info('trusted-publishing', {
      trustedPublishing: {
        provider: 'aws',
        tokenId: created.view.id,
        projects,
        publishers: matched.map((p) => p.id),
        pinnedRoleIds: pinned,
        arn: session.arn,
        account: session.account,
        roleName: session.roleName,
        roleId: session.roleId,
        sessionName: session.sessionName,
        accessKeyId: request.accessKeyId,
        stsHost: request.host,
        signedAt: request.signedAt.toISOString(),
        expiresAt: tokenExpiresAt,
      },
    });
    return { token: created.token, tokenId: created.view.id, expiresAt: tokenExpiresAt, projects, identity: session.arn };
  }
}
