/**
 * `wharf yank|unyank|delete PROJECT (VERSION | --file FILENAME)` and `wharf project status
 * PROJECT [STATUS] [--reason TEXT]`: manage what a project has published and its status
 * (PEP 792), on the local index, a deployed stack (IAM), or any Wharf over its API.
 */
import { ProjectAdmin, type AdminTarget, type ProjectStatusView } from '../app/project-admin.ts';
import { parseStatusMarker, PROJECT_STATUSES, type ProjectStatusMarker } from '../core/project-status.ts';
import { WharfError } from '../core/errors.ts';
import { localCreator } from '../local/admin-bootstrap.ts';
import { openTargetFromOptions } from './import-target.ts';
import { adminApi } from './admin-api.ts';
import { commandFailed, usageError } from './command-line.ts';
import { defaultDataDir } from './serve-command.ts';
import { TokenCommandError } from './token-target.ts';
import { awsCallerArn } from './aws-caller.ts';

export type ProjectAction = 'yank' | 'unyank' | 'delete';

export interface ProjectOptions {
  file?: string;
  reason?: string;
  yes?: boolean;
  url?: string;
  token?: string;
  stack?: string;
  table?: string;
  bucket?: string;
  region?: string;
  'data-dir'?: string;
  json?: boolean;
}

interface FileView {
  readonly filename: string;
  readonly version: string;
  readonly yanked?: boolean;
  readonly yankedReason?: string;
  readonly deletedAt?: string;
}

interface ProjectTarget {
  readonly description: string;
  run(action: ProjectAction, project: string, target: AdminTarget, reason: string): Promise<FileView[]>;
  /** The project's status; set first when `marker` is given. */
  status(project: string, marker?: ProjectStatusMarker): Promise<ProjectStatusView>;
  close(): Promise<void>;
}

interface StatusAnswer {
  project: string;
  displayName: string;
  status: ProjectStatusMarker['status'];
  reason?: string;
}

function httpTarget(url: string, token: string): ProjectTarget {
  const { base, call } = adminApi(url, token, (message) => new TokenCommandError(message));
  return {
    description: base,
    async run(action, project, target, reason) {
      const where =
        'version' in target
          ? `releases/${encodeURIComponent(target.version)}`
          : `files/${encodeURIComponent(target.filename)}`;
      const path = `/api/projects/${encodeURIComponent(project)}/${where}${action === 'delete' ? '' : `/${action}`}`;
      const value = (await call(action === 'delete' ? 'DELETE' : 'POST', path, action === 'yank' ? { reason } : undefined, 'project')) as {
        files?: FileView[];
        deleted?: FileView[];
      };
      return value.files ?? value.deleted ?? [];
    },
    async status(project, marker) {
      const path = `/api/projects/${encodeURIComponent(project)}/status`;
      const value = (await call(marker ? 'PUT' : 'GET', path, marker, 'status')) as StatusAnswer;
      return {
        project: value.project,
        displayName: value.displayName,
        status: { status: value.status, ...(value.reason !== undefined ? { reason: value.reason } : {}) },
      };
    },
    async close() {},
  };
}


async function storeTarget(options: ProjectOptions): Promise<ProjectTarget> {
  const aws = options.stack || options.table || options.bucket;
  const stores = await openTargetFromOptions({ ...options, dataDir: options['data-dir'] ?? defaultDataDir() });
  try {
    const by = aws ? await awsCallerArn(options.region) : localCreator();
    const admin = new ProjectAdmin(stores.metadata, stores.blobs);
    return {
      description: stores.description,
      async run(action, project, target, reason) {
        if (action === 'delete') return admin.delete(project, target, by);
        const files = action === 'yank' ? await admin.yank(project, target, reason) : await admin.unyank(project, target);
        return files.map((f) => ({
          filename: f.filename,
          version: f.version,
          yanked: f.yanked !== undefined,
          ...(f.yanked ? { yankedReason: f.yanked.reason } : {}),
        }));
      },
      // Straight at the stores, as the index's operator: quarantine included.
      status: (project, marker) => (marker ? admin.setStatus(project, marker, { admin: true }) : admin.status(project)),
      close: () => stores.close(),
    };
  } catch (err) {
    await stores.close();
    throw err;
  }
}

export async function projectCommand(action: ProjectAction, args: string[], options: ProjectOptions): Promise<number> {
  const usage = usageError(`wharf ${action}`);
  const [project, version, ...extra] = args;
  if (!project) return usage('name the project.');
  if (extra.length > 0) return usage(`unexpected argument "${extra[0]}".`);
  if ((version === undefined) === (options.file === undefined)) return usage('give either a VERSION or --file FILENAME.');
  if (options.reason !== undefined && action !== 'yank') return usage('--reason goes with yank.');
  if (action === 'delete' && !options.yes) {
    return usage('deleting removes the files for good and their names can never be used again: add --yes to confirm.');
  }
  const target: AdminTarget = version !== undefined ? { version } : { filename: options.file! };

  const where = await openWhere(options, usage);
  if (typeof where === 'number') return where;
  try {
    const files = await where.run(action, project, target, options.reason ?? '');
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ project, action, files }, null, 2)}\n`);
      return 0;
    }
    const past = { yank: 'Yanked', unyank: 'Un-yanked', delete: 'Deleted' }[action];
    process.stdout.write(`${past} in ${where.description}:\n`);
    for (const f of files) {
      const note = action === 'yank' && f.yankedReason ? ` (reason: ${f.yankedReason})` : '';
      process.stdout.write(`  ${f.filename}${note}\n`);
    }
    return 0;
  } catch (err) {
    return commandFailed(`wharf ${action}`, err, (e): e is Error => e instanceof WharfError || e instanceof TokenCommandError);
  } finally {
    await where.close();
  }
}

/** Where the command acts: a Wharf over its API (--url), or the stores themselves; a usage error's exit code. */
async function openWhere(options: ProjectOptions, usage: (message: string) => number): Promise<ProjectTarget | number> {
  if (options.url) {
    const token = options.token ?? process.env['WHARF_TOKEN'];
    if (!token) return usage('--url needs a token with upload scope for the project: pass --token T or set WHARF_TOKEN.');
    return httpTarget(options.url, token);
  }
  if (options.token) return usage('--token goes with --url.');
  return storeTarget(options);
}

/** `wharf project status PROJECT [STATUS] [--reason TEXT]`: read the status, or set it. */
export async function projectStatusCommand(args: string[], options: ProjectOptions): Promise<number> {
  const usage = usageError('wharf project status');
  const [project, status, ...extra] = args;
  if (!project) return usage('name the project.');
  if (extra.length > 0) return usage(`unexpected argument "${extra[0]}".`);
  if (options.reason !== undefined && status === undefined) return usage(`--reason goes with a STATUS (${PROJECT_STATUSES.join(', ')}).`);
  let marker: ProjectStatusMarker | undefined;
  if (status !== undefined) {
    try {
      marker = parseStatusMarker(status, options.reason);
    } catch (err) {
      return usage((err as Error).message);
    }
  }
  const where = await openWhere(options, usage);
  if (typeof where === 'number') return where;
  try {
    const view = await where.status(project, marker);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ project: view.project, status: view.status.status, ...(view.status.reason !== undefined ? { reason: view.status.reason } : {}) }, null, 2)}\n`,
      );
      return 0;
    }
    const reason = view.status.reason ? ` (reason: ${view.status.reason})` : '';
    process.stdout.write(`${view.project} is ${view.status.status}${reason}${marker ? ` now, in ${where.description}` : ''}.\n`);
    return 0;
  } catch (err) {
    return commandFailed('wharf project status', err, (e): e is Error => e instanceof WharfError || e instanceof TokenCommandError);
  } finally {
    await where.close();
  }
}
