/**
 * Every `wharf` command and its options, in one table: lambdas/cli/command-line.ts parses
 * the arguments and prints `--help` from it. Each command's code is imported only when it
 * runs, so `wharf --help` loads no AWS SDK.
 */
import type { CommandSpec, OptionSpec } from './command-line.ts';
import type { ImportOptions } from './import-run.ts';
import type { ProjectAction, ProjectOptions } from './project-command.ts';
import type { PublishCommandOptions } from './publish-command.ts';
import type { PublisherOptions } from './publisher-command.ts';
import type { ServeOptions } from './serve-command.ts';
import type { TokenOptions } from './token-command.ts';

const str = (name: string, arg: string, help: string, multiple = false): OptionSpec => ({
  name,
  type: 'string',
  arg,
  help,
  ...(multiple ? { multiple } : {}),
});
const flag = (name: string, help: string): OptionSpec => ({ name, type: 'boolean', help });

const DATA_DIR = str('data-dir', 'DIR', 'the local index (default .wharf, or $WHARF_DATA_DIR)');
const REGION = str('region', 'R', 'AWS region of the deployed index');
const JSON_OUT = flag('json', 'print JSON instead of text');
const LOCAL_DEFAULT = 'Where (default: the local index in .wharf, or --data-dir DIR)';

/** Where `wharf token` and `wharf publisher` manage their records. */
function tokensTableWhere(tokenHelp: string) {
  return {
    title: LOCAL_DEFAULT,
    options: [
      str('url', 'URL', "any Wharf's admin API (with --token)"),
      str('token', 'T', tokenHelp),
      str('stack', 'NAME', 'a deployed stack, with your AWS credentials (IAM)'),
      str('tokens-table', 'T', 'a deployed tokens table by name, with your AWS credentials'),
      REGION,
      DATA_DIR,
      JSON_OUT,
    ],
  };
}

const TOKEN_WHERE = tokensTableWhere('an admin token for --url (or $WHARF_TOKEN)');
const PUBLISHER_WHERE = tokensTableWhere('for --url: an admin token, or one with upload scope on the project\n(or $WHARF_TOKEN)');

function tokenSub(name: 'create' | 'list' | 'revoke', usage: string, summary: string, extra: Omit<CommandSpec, 'name' | 'usage' | 'summary'> = {}): CommandSpec {
  return {
    name,
    usage,
    summary,
    options: [...(extra.options ?? []), TOKEN_WHERE],
    ...(extra.details ? { details: extra.details } : {}),
    async run(positionals, values) {
      const { tokenCommand } = await import('./token-command.ts');
      return tokenCommand(name, positionals, values as TokenOptions);
    },
  };
}

function publisherSub(name: 'add' | 'list' | 'remove', usage: string, summary: string, extra: Omit<CommandSpec, 'name' | 'usage' | 'summary'> = {}): CommandSpec {
  return {
    name,
    usage,
    summary,
    options: [...(extra.options ?? []), PUBLISHER_WHERE],
    ...(extra.details ? { details: extra.details } : {}),
    async run(positionals, values) {
      const { publisherCommand } = await import('./publisher-command.ts');
      return publisherCommand(name, positionals, values as PublisherOptions);
    },
  };
}

function projectSpec(name: ProjectAction, usage: string, summary: string, own: OptionSpec[], details: string[] = []): CommandSpec {
  return {
    name,
    usage,
    summary,
    details,
    options: [
      { title: 'Options', options: [str('file', 'FILENAME', 'one file instead of a whole release'), ...own] },
      {
        title: LOCAL_DEFAULT,
        options: [
          str('url', 'URL', 'any Wharf over its API (with --token)'),
          str('token', 'T', 'a token with upload scope on the project, for --url (or $WHARF_TOKEN)'),
          str('stack', 'NAME', 'a deployed stack, with your AWS credentials (IAM)'),
          str('table', 'T', 'a deployed index by table name (with --bucket), with your AWS credentials'),
          str('bucket', 'B', "the deployed index's bucket (with --table)"),
          REGION,
          DATA_DIR,
          JSON_OUT,
        ],
      },
    ],
    async run(positionals, values) {
      const { projectCommand } = await import('./project-command.ts');
      return projectCommand(name, positionals, values as ProjectOptions);
    },
  };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'serve',
    usage: '[options]',
    summary: 'Run Wharf locally, with embedded DynamoDB and S3 (what `npm start` does).',
    options: [
      {
        title: 'Options',
        options: [
          str('port', 'N', 'port to listen on (default 8080, or $WHARF_PORT; 0 picks a free one)'),
          str('host', 'ADDR', 'address to listen on (default 127.0.0.1)'),
          str('data-dir', 'DIR', 'where the index keeps its data (default .wharf, or $WHARF_DATA_DIR)'),
          flag('memory', 'keep everything in memory: a throwaway index'),
          flag('private', 'reads need a token too (default on any address but loopback)'),
          flag('public', 'reads need no token (default on loopback); writes always do'),
          flag('quiet', 'no access log'),
          str('upstream', 'MODE', 'projects not hosted here: none, redirect, proxy (default) or cache'),
          str('upstream-url', 'URL', 'the upstream simple index (default https://pypi.org/simple/,\nor $WHARF_UPSTREAM_URL)'),
          str('upstream-ttl', 'S', 'seconds an upstream page is kept before asking again (default 600)'),
          str('reserve', 'PATTERN', 'a name or prefix (acme-*) never looked up upstream', true),
          str('mix', 'PROJECT', 'a hosted project whose page also lists upstream files', true),
          str('oidc-audience', 'A', 'audience trusted publishing asks CI jobs for (default "wharf")'),
          str('oidc-github-issuer', 'URL', "GitHub Actions' OIDC issuer (default GitHub's; GHES or a test issuer)"),
        ],
      },
    ],
    takesArguments: false,
    async run(_positionals, values) {
      const { serveCommand } = await import('./serve-command.ts');
      return serveCommand(values as ServeOptions);
    },
  },
  {
    name: 'import',
    usage: 'PATH... [options]',
    summary: 'Load wheels and sdists from files or directories (a dist/, a pypiserver directory).',
    options: [
      {
        title: 'Where (default: the local index in .wharf)',
        options: [
          str('data-dir', 'DIR', 'the local index to import into (default .wharf)'),
          str('stack', 'NAME', 'import into a deployed Wharf stack (by its outputs) instead'),
          str('table', 'T', 'import into a deployed index by table name (with --bucket)'),
          str('bucket', 'B', "the deployed index's bucket (with --table)"),
          REGION,
        ],
      },
    ],
    async run(positionals, values) {
      const { importCommand } = await import('./import-run.ts');
      return importCommand(values as ImportOptions, positionals);
    },
  },
  projectSpec('yank', 'PROJECT (VERSION | --file FILENAME) [--reason TEXT] [options]', 'Yank a release or a file (PEP 592): pip skips it unless pinned to it.', [
    str('reason', 'TEXT', 'why, shown by pip to whoever pins it'),
  ]),
  projectSpec('unyank', 'PROJECT (VERSION | --file FILENAME) [options]', 'Undo a yank.', []),
  projectSpec(
    'delete',
    'PROJECT (VERSION | --file FILENAME) --yes [options]',
    'Delete a release or a file: the bytes go, and the filename can never be used again.',
    [flag('yes', 'confirm: deleting cannot be undone')],
  ),
  {
    name: 'token',
    usage: '<create|list|revoke> [options]',
    summary: 'Manage API tokens of a local or deployed index.',
    subcommands: [
      tokenSub('create', '--scope S [--scope S ...] [options]', 'Make a token; its secret is shown this once.', {
        details: ['S is read:PATTERN, upload:PATTERN or admin; PATTERN is a project name,\na prefix such as acme-*, or * for every project.'],
        options: [
          {
            title: 'Options',
            options: [
              str('scope', 'S', 'what the token may do (at least one)', true),
              str('description', 'TEXT', 'what it is for, shown by `wharf token list`'),
              str('expires', 'WHEN', 'a lifetime such as 90d, or a date such as 2027-06-30 (default never)'),
            ],
          },
        ],
      }),
      tokenSub('list', '[options]', 'List tokens (never their secrets).'),
      tokenSub('revoke', 'ID [options]', 'Revoke a token by its id (from `wharf token list`).'),
    ],
  },
  {
    name: 'publisher',
    usage: '<add|list|remove> [options]',
    summary: 'Trusted publishers: GitHub Actions workflows that publish with no stored token.',
    subcommands: [
      publisherSub(
        'add',
        '--project P --repository OWNER/REPO --repository-id N --owner-id N --workflow FILE [--environment ENV] [options]',
        'Trust a GitHub Actions workflow to publish P with no stored token.',
        {
          details: [
            "The ids pin the repository and its owner, so a renamed or re-created\nrepository cannot take over: `gh api repos/OWNER/REPO --jq '.id, .owner.id'`\nprints them. Without --environment, jobs in any environment (or none) match.",
          ],
          options: [
            {
              title: 'Options',
              options: [
                str('project', 'P', 'the project it may publish'),
                str('repository', 'OWNER/REPO', 'the GitHub repository the workflow is in'),
                str('repository-id', 'N', "the repository's numeric id"),
                str('owner', 'OWNER', 'the owner, when not given in --repository'),
                str('owner-id', 'N', "the owner's numeric id"),
                str('workflow', 'FILE', 'the workflow file, e.g. release.yml'),
                str('environment', 'ENV', 'only jobs in this GitHub environment, e.g. pypi'),
              ],
            },
          ],
        },
      ),
      publisherSub('list', '[--project P] [options]', 'List trusted publishers.', {
        options: [{ title: 'Options', options: [str('project', 'P', "only this project's")] }],
      }),
      publisherSub('remove', 'ID [options]', 'Remove a trusted publisher by its id (from `wharf publisher list`).'),
    ],
  },
  {
    name: 'publish',
    usage: 'FILE... [options]',
    summary: 'Publish wheels and sdists of any size (up to 5 GB) straight to S3, through upload sessions.',
    options: [
      {
        title: 'Options',
        options: [
          str('url', 'URL', 'the index (default: the local server running on --data-dir)'),
          str('token', 'TOKEN', 'upload token (or $WHARF_TOKEN, or $TWINE_PASSWORD with TWINE_USERNAME=__token__)'),
          flag(
            'trusted-publishing',
            "exchange the GitHub Actions job's OIDC token for an upload token\n(the default in a job with `id-token: write` when no token is given;\nthe index needs a publisher for the project: see `wharf publisher`)",
          ),
          flag('skip-existing', 'files already on the index are skipped, not errors'),
          str('concurrency', 'N', 'parts uploaded in parallel (default 4)'),
          DATA_DIR,
        ],
      },
    ],
    async run(positionals, values) {
      const { publishCommand } = await import('./publish-command.ts');
      return publishCommand(positionals, values as PublishCommandOptions);
    },
  },
];
