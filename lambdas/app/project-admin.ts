/**
 * Managing what a project has published: yank and un-yank (PEP 592) a file or a whole
 * release, with a reason, delete a file or a release, and set the project's status
 * (PEP 792: active, archived, quarantined, deprecated).
 *
 * Deleting keeps a tombstone, so the filename is never used again, and removes the bytes.
 * The order makes every step safe to repeat and never lets the index point at missing
 * bytes: tombstone first (from then on the page no longer shows the file, and uploads of
 * the filename are refused), then the file's index entry, then its bytes and `.metadata`.
 * Deleting again after a crash at any step finishes the job; deleting what is already
 * deleted succeeds and returns the tombstones.
 *
 * Who may do this is the caller's concern (the HTTP layer checks scopes first).
 */
import { ForbiddenError, InvalidInputError, NotFoundError } from '../core/errors.ts';
import { ACTIVE, type ProjectStatusMarker } from '../core/project-status.ts';
import { isSafeFilename } from '../core/filenames.ts';
import type { DistributionFile, Tombstone } from '../core/model.ts';
import { isValidName, normalizeName } from '../core/names.ts';
import { distributionKey, metadataKey, provenanceKey } from '../core/storage-keys.ts';
import { isValidVersion, sortVersions, versionsEqual } from '../core/versions.ts';
import type { BlobStore, MetadataStore } from './ports.ts';
import { refreshProjectSummary } from './project-summaries.ts';

/** One file by its filename, or a release: every file whose version equals `version` under PEP 440. */
export type AdminTarget = { readonly filename: string } | { readonly version: string };

/** The longest yank reason kept, in characters; a reason is shown on one line by pip. */
export const MAX_YANK_REASON_LENGTH = 250;

// C0, DEL and C1 control characters, line breaks among them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const quote = (value: string): string => JSON.stringify(value);
const byFilename = <T extends { readonly filename: string }>(a: T, b: T): number =>
  a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0;

function checkProject(project: string): string {
  if (!isValidName(project)) {
    throw new InvalidInputError(
      `${quote(project)} is not a valid project name: use ASCII letters, digits, "-", "_" and ".", starting and ending with a letter or digit.`,
    );
  }
  return normalizeName(project);
}

function checkTarget(target: AdminTarget): AdminTarget {
  if ('filename' in target) {
    if (!isSafeFilename(target.filename)) {
      throw new InvalidInputError(
        `${quote(target.filename)} is not a distribution filename: give the file's own name, such as example_pkg-1.0-py3-none-any.whl, without a directory.`,
      );
    }
    return { filename: target.filename };
  }
  if (!isValidVersion(target.version)) {
    throw new InvalidInputError(
      `${quote(target.version)} is not a valid PEP 440 version, such as 1.0, 2.1.3rc1 or 1.0.post1 (https://peps.python.org/pep-0440/).`,
    );
  }
  return { version: target.version };
}

function checkReason(given: string): string {
  const reason = given.trim();
  if (CONTROL.test(reason)) {
    throw new InvalidInputError(
      'The yank reason must be a single line of text, without line breaks, tabs or other control characters: pip shows it on one line.',
    );
  }
  const length = [...reason].length;
  if (length > MAX_YANK_REASON_LENGTH) {
    throw new InvalidInputError(
      `The yank reason is ${length} characters long; at most ${MAX_YANK_REASON_LENGTH} are kept. Say briefly why, e.g. "broken on Windows, use 1.0.1".`,
    );
  }
  return reason;
}

const day = (iso: string) => iso.slice(0, 10);

/** A project's status as the admin API and the CLI show it. */
export interface ProjectStatusView {
  /** Normalized name. */
  readonly project: string;
  readonly displayName: string;
  readonly status: ProjectStatusMarker;
}

export class ProjectAdmin {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Yanks the target's files with `reason` (which may be empty). Files yanked before
   * with another reason get this one. Returns the target's files, sorted by filename.
   */
  async yank(project: string, target: AdminTarget, reason: string): Promise<DistributionFile[]> {
    const name = checkProject(project);
    const checked = checkTarget(target);
    const kept = checkReason(reason);
    const files = await this.liveFiles(name, checked, 'yank');
    const yanked = await this.setYanked(files, { reason: kept });
    // Also when nothing changed: a retry repairs a summary a crash left behind.
    await refreshProjectSummary(this.metadata, name);
    return yanked;
  }

  /** The project's status (PEP 792): `active` unless one was set. */
  async status(project: string): Promise<ProjectStatusView> {
    const name = checkProject(project);
    const record = await this.metadata.getProject(name);
    if (!record) throw this.noProject(name);
    return { project: name, displayName: record.displayName, status: record.status ?? ACTIVE };
  }

  /**
   * Sets the project's status (PEP 792), with an optional reason; `active` clears it.
   * Putting a project into quarantine, or taking it out, is for admins only: a quarantine
   * is the index's answer to malware, which the project's own upload token must not undo.
   */
  async setStatus(project: string, marker: ProjectStatusMarker, by: { readonly admin: boolean }): Promise<ProjectStatusView> {
    const name = checkProject(project);
    const current = await this.status(name);
    if (!by.admin && (marker.status === 'quarantined' || current.status.status === 'quarantined')) {
      throw new ForbiddenError(
        current.status.status === 'quarantined'
          ? `${name} is quarantined; only an admin of this index may change its status. Ask one to review it.`
          : `Only an admin of this index may quarantine a project. To stop uploads yourself, archive it: wharf project status ${name} archived.`,
      );
    }
    const updated = await this.metadata.setProjectStatus(name, marker);
    if (!updated) throw this.noProject(name);
    return { project: name, displayName: updated.displayName, status: updated.status ?? ACTIVE };
  }

  private noProject(name: string): NotFoundError {
    return new NotFoundError(`There is no project ${name} in this index: /simple/ lists the projects it has.`);
  }

  /** Un-yanks the target's files. Returns them, sorted by filename. */
  async unyank(project: string, target: AdminTarget): Promise<DistributionFile[]> {
    const name = checkProject(project);
    const checked = checkTarget(target);
    const files = await this.liveFiles(name, checked, 'un-yank');
    const unyanked = await this.setYanked(files, undefined);
    await refreshProjectSummary(this.metadata, name);
    return unyanked;
  }

  /**
   * Deletes the target's files: their tombstones first, then their index entries, then
   * their bytes. Returns the target's tombstones, sorted by filename: for a release, those
   * of files deleted before too (whose remaining steps, if any, are done again).
   */
  async delete(project: string, target: AdminTarget, deletedBy: string): Promise<Tombstone[]> {
    const name = checkProject(project);
    const checked = checkTarget(target);

    let files: DistributionFile[];
    let earlier: Tombstone[];
    if ('filename' in checked) {
      const [found, tombstone] = await Promise.all([
        this.metadata.getFile(name, checked.filename),
        this.metadata.getTombstone(name, checked.filename),
      ]);
      // Lookups find a file under any spelling of its identity; only its own name targets it.
      const file = found?.filename === checked.filename ? found : undefined;
      files = file && !tombstone ? [file] : [];
      earlier = tombstone ? [tombstone] : [];
      if (files.length === 0 && earlier.length === 0) throw await this.notFound(name, checked);
    } else {
      const [page, tombstones] = await Promise.all([
        this.metadata.getProjectPage(name),
        this.metadata.listTombstones(name),
      ]);
      files = (page?.files ?? []).filter((f) => versionsEqual(f.version, checked.version));
      earlier = tombstones.filter((t) => versionsEqual(t.version, checked.version));
      if (files.length === 0 && earlier.length === 0) throw await this.notFound(name, checked);
    }

    const deletedAt = this.now().toISOString();
    // Every tombstone before any removal: the whole release leaves the page at once.
    const created: Tombstone[] = [];
    for (const file of files) {
      created.push(
        await this.metadata.putTombstone({
          project: name,
          filename: file.filename,
          sha256: file.sha256,
          version: file.version,
          deletedAt,
          deletedBy,
        }),
      );
    }
    // A concurrent delete can make a file show up in both lists: one tombstone per filename.
    const tombstones = [...new Map([...earlier, ...created].map((t) => [t.filename, t])).values()].sort(byFilename);
    for (const tombstone of tombstones) await this.finishDeletion(tombstone);
    // The latest release may have been the one deleted; search must not show it any more.
    await refreshProjectSummary(this.metadata, name);
    return tombstones;
  }

  /** The steps after the tombstone; each is a no-op when done before. */
  private async finishDeletion(tombstone: Tombstone): Promise<void> {
    const { project, filename } = tombstone;
    // An upload that raced the tombstone and crashed before cleaning up can have left an
    // entry with other bytes under this filename (hidden by the tombstone): its bytes go too.
    // The entry holds the tombstone's identity, perhaps under another spelling.
    const left = await this.metadata.getFile(project, filename);
    await this.metadata.deleteFile(project, filename);
    const stored = new Map([[`${tombstone.sha256}/${filename}`, { sha256: tombstone.sha256, filename }]]);
    if (left) stored.set(`${left.sha256}/${left.filename}`, { sha256: left.sha256, filename: left.filename });
    // The provenance (PEP 740): its key is known only from the entry read above; one a
    // crash leaves behind is an orphan, which the sweep removes.
    if (left?.provenanceSha256) await this.blobs.delete(provenanceKey(project, left.sha256, left.filename, left.provenanceSha256));
    for (const blob of stored.values()) {
      await this.blobs.delete(distributionKey(project, blob.sha256, blob.filename));
      await this.blobs.delete(metadataKey(project, blob.sha256, blob.filename));
    }
  }

  private async setYanked(
    files: readonly DistributionFile[],
    yanked: { readonly reason: string } | undefined,
  ): Promise<DistributionFile[]> {
    const result: DistributionFile[] = [];
    for (const file of files) {
      if (file.yanked?.reason === yanked?.reason) {
        result.push(file);
        continue;
      }
      // Undefined when a concurrent delete removed the entry since it was read: then the
      // file is gone and not part of the answer.
      const updated = await this.metadata.setYanked(file.project, file.filename, yanked);
      if (updated) result.push(updated);
    }
    return result.sort(byFilename);
  }

  /** The target's files that are not deleted; NotFoundError when there are none. */
  private async liveFiles(project: string, target: AdminTarget, action: string): Promise<DistributionFile[]> {
    if ('filename' in target) {
      const [file, tombstone] = await Promise.all([
        this.metadata.getFile(project, target.filename),
        this.metadata.getTombstone(project, target.filename),
      ]);
      if (tombstone) {
        throw new NotFoundError(
          `${tombstone.filename} was deleted on ${day(tombstone.deletedAt)}; a deleted file cannot be ${action}ed. ` +
            `The files ${project} has are listed on its page, /simple/${project}/.`,
        );
      }
      if (file?.filename === target.filename) return [file];
    } else {
      const page = await this.metadata.getProjectPage(project);
      const files = (page?.files ?? []).filter((f) => versionsEqual(f.version, target.version));
      if (files.length > 0) return files;
      const deleted = (await this.metadata.listTombstones(project)).filter((t) => versionsEqual(t.version, target.version));
      if (deleted.length > 0) {
        throw new NotFoundError(
          `Every file of ${project} ${target.version} was deleted (${deleted.map((t) => t.filename).sort().join(', ')}); deleted files cannot be ${action}ed. ` +
            `The files ${project} has are listed on its page, /simple/${project}/.`,
        );
      }
    }
    throw await this.notFound(project, target);
  }

  /** Says what does not exist and where to see what does. */
  private async notFound(project: string, target: AdminTarget): Promise<NotFoundError> {
    const page = await this.metadata.getProjectPage(project);
    if (!page) {
      return new NotFoundError(`There is no project ${project} in this index: /simple/ lists the projects it has.`);
    }
    if ('filename' in target) {
      const other = await this.metadata.getFile(project, target.filename);
      const hint = other && other.filename !== target.filename ? ` It has ${other.filename}, the same file under its published name.` : '';
      return new NotFoundError(
        `${project} has no file ${target.filename}: its files are listed on its page, /simple/${project}/.${hint}`,
      );
    }
    const versions: string[] = [];
    for (const file of page.files) {
      if (!versions.some((v) => versionsEqual(v, file.version))) versions.push(file.version);
    }
    return new NotFoundError(
      versions.length === 0
        ? `${project} has no release ${target.version}: it has no files at all.`
        : `${project} has no release ${target.version}; its releases are ${listForMessage(versions)}.`,
    );
  }
}

/** Versions for a message: PEP 440 order, the newest 20 at most. */
function listForMessage(versions: readonly string[]): string {
  const sorted = sortVersions(versions);
  const shown = sorted.slice(-20);
  return (sorted.length > shown.length ? `${sorted.length - shown.length} older ones and ` : '') + shown.join(', ');
}
