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

/** Refresh the summaries of `projects` (normalized names), `concurrency` at a time; how many there were. */
export async function refreshProjectSummaries(
  metadata: Pick<MetadataStore, 'getProjectPage' | 'getRelease' | 'putProjectSummary'>,
  projects: readonly string[],
  concurrency: number,
  onProject?: (project: string, done: number) => void,
): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < projects.length) {
      const project = projects[next++]!;
      await refreshProjectSummary(metadata, project);
      onProject?.(project, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, projects.length)) }, worker));
  return projects.length;
}

/**
 * Every project's summary computed again from its files (`wharf reindex`): what an index
 * written before search existed needs once, and what repairs any summary a crash left
 * behind. One root-listing Query, then per project its page Query and a GetItem.
 */
export async function refreshAllSummaries(
  metadata: Pick<MetadataStore, 'listProjects' | 'getProjectPage' | 'getRelease' | 'putProjectSummary'>,
  concurrency: number,
  onProject?: (project: string, done: number, total: number) => void,
): Promise<number> {
  const projects = (await metadata.listProjects()).map((p) => p.name);
  return refreshProjectSummaries(metadata, projects, concurrency, onProject && ((project, done) => onProject(project, done, projects.length)));
}
