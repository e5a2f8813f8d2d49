/**
 * The rule every way of publishing shares: a token with upload scope for a project may add
 * files to it once it exists, and only `upload:*` or admin may bring a new name into the
 * index (so a project-scoped token cannot claim names). The legacy upload and upload
 * sessions both ask here, after checking the upload scope itself.
 *
 * A name that a pending trusted publisher reserves (lambdas/app/trusted-publishing.ts) is
 * created only by a token minted from that publisher: not by `upload:*`, not by an admin,
 * who lifts the reservation by removing the pending publisher.
 *
 * A new name that an open Upload 2.0 publishing session holds for its first release
 * (lambdas/app/publishing-sessions.ts) is taken by no other way in meanwhile: not by a
 * legacy upload, not by the first session API, not by a token other than the session's.
 */
import type { AccessGuard } from './access-guard.ts';
import type { Principal } from '../core/access.ts';
import { ConflictError, NameReservedError } from '../core/errors.ts';
import type { MetadataStore, PublisherStore } from './ports.ts';

export class UploadRights {
  constructor(
    private readonly guard: Pick<AccessGuard, 'require'>,
    private readonly metadata: Pick<MetadataStore, 'getProject'>,
    /** Absent: no name is ever reserved (an index without trusted publishing). */
    private readonly reservations?: Pick<PublisherStore, 'reservationOf'>,
    private readonly now: () => number = Date.now,
    /** Absent: no publishing session holds names (an index without Upload 2.0). */
    private readonly sessionNames?: { nameHolder(project: string): Promise<{ readonly id: string; readonly tokenId: string } | undefined> },
  ) {}

  /** Throws ForbiddenError when `project` is new and the caller may not create projects. */
  async requireCreateIfNew(principal: Principal, project: string): Promise<void> {
    if (await this.metadata.getProject(project)) return;
    const reservation = await this.reservations?.reservationOf(project, Math.floor(this.now() / 1000));
    if (reservation && reservation.publishers.length > 0) {
      if (reservation.tokens.includes(principal.tokenId)) return;
      throw new NameReservedError(
        `The name "${project}" is reserved for a pending trusted publisher (${reservation.publishers.join(', ')}): ` +
          'its first release must come from that CI job, by trusted publishing. ' +
          'An admin lifts the reservation by removing the pending publisher (`wharf publisher list`, `wharf publisher remove ID`).',
      );
    }
    this.guard.require(principal, { kind: 'create-project', project });
    const session = await this.sessionNames?.nameHolder(project);
    if (session && session.tokenId !== principal.tokenId) {
      throw new ConflictError(
        `The name "${project}" is held by an open publishing session (${session.id}) for its first release: ` +
          'wait until that session is published or cancelled, then upload again.',
      );
    }
  }
}
