/**
 * Keeping each project's summary (lambdas/core/project-search.ts) up to date: what the
 * search and the front page read instead of every project's files.
 *
 * Every write that can change what a summary says (a new file, a yank or un-yank, a
 * delete) calls refreshProjectSummary after its own writes. It reads the project as it
 * now stands (the page Query, strongly consistent, and the latest release's metadata) and
 * stores the summary with the serial it read; the store keeps the summary of the highest
 * serial, so of two writers racing, the one that read later wins whatever order their
 * Puts land in. A crash before the refresh leaves the summary one write behind until the
 * next write to the project, and a retry of the same upload, yank or delete refreshes it.
 */
import { summaryOf, type ProjectSummary } from '../core/project-search.ts';
import { latestRelease, releaseGroups } from '../core/warehouse-json.ts';
import type { MetadataStore } from './ports.ts';

/** Recompute and store `project`'s summary (normalized name); the summary as stored, or undefined when the project is unknown. */
export async function refreshProjectSummary(
  metadata: Pick<MetadataStore, 'getProjectPage' | 'getRelease' | 'putProjectSummary'>,
  project: string,
): Promise<ProjectSummary | undefined> {
  const page = await metadata.getProjectPage(project);
  if (!page) return undefined;
  const groups = releaseGroups(page.files);
  const latest = latestRelease(groups);
  const release = latest ? await metadata.getRelease(project, latest.version) : undefined;
  let last: { version: string; time: string } | undefined;
  for (const file of page.files) {
    if (!last || file.uploadTime > last.time) last = { version: file.version, time: file.uploadTime };
  }
  const summary = summaryOf(
    { name: project, displayName: page.project?.displayName ?? project, serial: page.serial ?? 0 },
    latest
      ? {
          version: latest.version,
          uploadTime: latest.uploadTime,
          ...(release?.metadata.summary !== undefined ? { summary: release.metadata.summary } : {}),
        }
      : undefined,
    last,
  );
  await metadata.putProjectSummary(summary);
  return summary;
}
