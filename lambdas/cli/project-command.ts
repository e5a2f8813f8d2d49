/**
 * `wharf yank|unyank|delete PROJECT (VERSION | --file FILENAME)`: manage what a project
 * has published, on the local index, a deployed stack (IAM), or any Wharf over its API.
 */
import { ProjectAdmin, type AdminTarget } from '../app/project-admin.ts';
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
  close(): Promise<void>;
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

  let where: ProjectTarget;
  if (options.url) {
    const token = options.token ?? process.env['WHARF_TOKEN'];
    if (!token) return usage('--url needs a token with upload scope for the project: pass --token T or set WHARF_TOKEN.');
    where = httpTarget(options.url, token);
  } else {
    if (options.token) return usage('--token goes with --url.');
    where = await storeTarget(options);
  }
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
