/** Use cases of the simple repository API: the root listing and a project page. */
import { normalizeName } from '../core/names.ts';
import {
  renderProjectHtml,
  renderProjectJson,
  renderRootHtml,
  renderRootJson,
  type ProjectPage,
} from '../core/simple-pages.ts';
import { MEDIA_JSON_V1, type SimpleFormat } from '../core/negotiation.ts';
import type { MetadataStore } from './ports.ts';

export class SimpleIndex {
  constructor(private readonly metadata: MetadataStore) {}

  /** The root listing; `visible`, when given, keeps only the projects the caller may read. */
  async rootPage(format: SimpleFormat, visible?: (project: string) => boolean): Promise<string> {
    const all = await this.metadata.listProjects();
    const projects = visible ? all.filter((p) => visible(p.name)) : all;
    return format === MEDIA_JSON_V1 ? renderRootJson(projects) : renderRootHtml(projects);
  }

  /** The rendered page, or undefined when the project has no files and no record. */
  async projectPage(name: string, format: SimpleFormat): Promise<string | undefined> {
    const page = await this.hostedProject(name);
    if (!page) return undefined;
    return this.render(page, format);
  }

  /** What Wharf itself holds for a project (one Query), or undefined when it hosts no such project. */
  async hostedProject(name: string): Promise<ProjectPage | undefined> {
    const normalized = normalizeName(name);
    const data = await this.metadata.getProjectPage(normalized);
    if (!data) return undefined;
    return { name: normalized, displayName: data.project?.displayName ?? normalized, files: data.files };
  }

  render(page: ProjectPage, format: SimpleFormat): string {
    return format === MEDIA_JSON_V1 ? renderProjectJson(page) : renderProjectHtml(page);
  }

  /** Whether Wharf hosts the project (one GetItem): upstream files are never served for it. */
  async hosts(project: string): Promise<boolean> {
    return (await this.metadata.getProject(project)) !== undefined;
  }
}
