/**
 * The background copy of one upstream file: stored only if its bytes have the sha256 the
 * upstream's page gave. The copier function's whole job, on its own so that function does
 * not load the upstream index's page, merge and cache logic; UpstreamIndex copies with it too.
 */
import type { UpstreamFetcher, UpstreamStore } from './upstream-ports.ts';

export type CopyResult = 'stored' | 'present' | 'mismatch';

export interface UpstreamCopier {
  copyInBackground(project: string, sha256: string, filename: string, url: string): Promise<CopyResult>;
}

export class UpstreamFileCopy implements UpstreamCopier {
  constructor(
    private readonly fetcher: Pick<UpstreamFetcher, 'streamFile'>,
    private readonly store: Pick<UpstreamStore, 'hasFile' | 'putStreamVerified'>,
    private readonly log: (message: string, extra: Record<string, unknown>) => void = () => undefined,
  ) {}

  async copyInBackground(project: string, sha256: string, filename: string, url: string): Promise<CopyResult> {
    if (await this.store.hasFile(project, sha256, filename)) return 'present';
    const body = await this.fetcher.streamFile(url);
    const stored = await this.store.putStreamVerified(project, sha256, filename, body);
    this.log(stored ? 'upstream file copied' : 'upstream file did not match its sha256; not stored', { project, filename, sha256 });
    return stored ? 'stored' : 'mismatch';
  }
}
