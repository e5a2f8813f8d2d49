/**
 * Project status markers (PEP 792, the "Project Status Markers" living spec): one status per
 * project, `active` unless set, with an optional free-text reason.
 *
 *   active       uploads allowed, files served (the default)
 *   archived     no new uploads; existing files still served
 *   quarantined  no new uploads, and no file served at all: the page lists none
 *   deprecated   as active for the index; installers may warn
 *
 * The simple pages carry it (HTML `pypi:project-status` / `pypi:project-status-reason`
 * meta tags, JSON `project-status: {status, reason}`) at api-version 1.4.
 */
import { InvalidInputError, ProjectStatusError } from './errors.ts';

export const PROJECT_STATUSES = ['active', 'archived', 'quarantined', 'deprecated'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

/** A project's status as pages and the admin API show it. */
export interface ProjectStatusMarker {
  readonly status: ProjectStatus;
  /** Free text that says why; absent when none was given. */
  readonly reason?: string;
}

export const ACTIVE: ProjectStatusMarker = { status: 'active' };

/** The longest reason kept, in characters: it is shown on one line, as a yank reason is. */
export const MAX_STATUS_REASON_LENGTH = 250;

// C0, DEL and C1 control characters, line breaks among them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function isProjectStatus(value: unknown): value is ProjectStatus {
  return typeof value === 'string' && (PROJECT_STATUSES as readonly string[]).includes(value);
}

/** Checks a status and reason as a caller gives them; the marker to store. */
export function parseStatusMarker(status: unknown, reason: unknown): ProjectStatusMarker {
  if (!isProjectStatus(status)) {
    throw new InvalidInputError(
      `${JSON.stringify(status)} is not a project status: use one of ${PROJECT_STATUSES.join(', ')} (PEP 792).`,
    );
  }
  if (reason !== undefined && reason !== null && typeof reason !== 'string') {
    throw new InvalidInputError('The status reason must be a string.');
  }
  const text = (reason ?? '').trim();
  if (CONTROL.test(text)) {
    throw new InvalidInputError('The status reason must be a single line of text, without line breaks, tabs or other control characters.');
  }
  const length = [...text].length;
  if (length > MAX_STATUS_REASON_LENGTH) {
    throw new InvalidInputError(
      `The status reason is ${length} characters long; at most ${MAX_STATUS_REASON_LENGTH} are kept. Say briefly why, e.g. "superseded by acme-client2".`,
    );
  }
  return text === '' ? { status } : { status, reason: text };
}

/** Whether the index serves the project's files (PEP 792: not when quarantined). */
export function servesFiles(marker: ProjectStatusMarker | undefined): boolean {
  return marker?.status !== 'quarantined';
}

/** Whether the status takes new files (PEP 792: not when archived or quarantined). */
export function acceptsUploads(marker: ProjectStatusMarker | undefined): boolean {
  return marker === undefined || marker.status === 'active' || marker.status === 'deprecated';
}

const because = (marker: ProjectStatusMarker) => (marker.reason ? ` (reason: ${marker.reason})` : '');

/** The refusal of an upload to a project whose status takes none, or undefined when it takes it. */
export function uploadRefusal(project: string, marker: ProjectStatusMarker | undefined): ProjectStatusError | undefined {
  if (!marker || acceptsUploads(marker)) return undefined;
  const next =
    marker.status === 'archived'
      ? `An archived project takes no new files. To publish again, first set it back to active: wharf project status ${project} active.`
      : 'A quarantined project takes no files; an admin of this index decides when it leaves quarantine.';
  return new ProjectStatusError(`Upload refused: ${project} is ${marker.status}${because(marker)}. ${next}`);
}

/** The refusal of a download of a quarantined project's file. */
export function downloadRefusal(project: string, marker: ProjectStatusMarker): ProjectStatusError {
  return new ProjectStatusError(
    `${project} is quarantined${because(marker)}: this index serves none of its files (PEP 792). Ask the index's admins why, or use another project.`,
  );
}
