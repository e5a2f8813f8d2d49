/**
 * The rule every way of publishing shares: a token with upload scope for a project may add
 * files to it once it exists, and only `upload:*` or admin may bring a new name into the
 * index (so a project-scoped token cannot claim names). The legacy upload and upload
 * sessions both ask here, after checking the upload scope itself.
 */
import type { AccessGuard } from './access-guard.ts';
import type { Principal } from '../core/access.ts';
import type { MetadataStore } from './ports.ts';

export class UploadRights {
  constructor(
    private readonly guard: Pick<AccessGuard, 'require'>,
    private readonly metadata: Pick<MetadataStore, 'getProject'>,
  ) {}

  /** Throws ForbiddenError when `project` is new and the caller may not create projects. */
  async requireCreateIfNew(principal: Principal, project: string): Promise<void> {
    if (!(await this.metadata.getProject(project))) {
      this.guard.require(principal, { kind: 'create-project', project });
    }
  }
}
