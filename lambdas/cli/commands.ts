/**
 * Every `wharf` command and its options, in one table: lambdas/cli/command-line.ts parses
 * the arguments and prints `--help` from it. Each command's code is imported only when it
 * runs, so `wharf --help` loads no AWS SDK.
 */
import { optionGroup, type CommandSpec, type OptionGroup, type OptionValues } from './command-line.ts';
import type { ImportOptions } from './import-run.ts';
import type { ProjectAction, ProjectOptions } from './project-command.ts';
import type { PublishCommandOptions } from './publish-command.ts';
import type { ReindexOptions } from './reindex-command.ts';
import type { PublisherAction, PublisherOptions } from './publisher-command.ts';
import type { ServeOptions } from './serve-command.ts';
import type { TokenAction, TokenOptions } from './token-command.ts';

const DATA_DIR = '--data-dir DIR  the local index (default .wharf, or $WHARF_DATA_DIR)';
const REGION = '--region R  AWS region of the deployed index';
const JSON_OUT = '--json  print JSON instead of text';
const STACK = '--stack NAME  a deployed stack, with your AWS credentials (IAM)';
const LOCAL_DEFAULT = 'Where (default: the local index in .wharf, or --data-dir DIR)';

/** Where `wharf token` and `wharf publisher` manage their records. */
function tokensTableWhere(tokenHelp: string): OptionGroup {
  return optionGroup(
    LOCAL_DEFAULT,
    `--url URL  any Wharf's admin API (with --token)
     --token T  ${tokenHelp}
     ${STACK}
     --tokens-table T  a deployed tokens table by name, with your AWS credentials
     ${REGION}
     ${DATA_DIR}
     ${JSON_OUT}`,
  );
}

type SubcommandExtras = Pick<CommandSpec, 'details' | 'options'>;

/** A subcommand of `wharf token` or `wharf publisher`: its own options, then where. */
function subcommand(
  where: OptionGroup,
  run: (action: string, positionals: string[], values: OptionValues) => Promise<number>,
): (name: string, usage: string, summary: string, extra?: SubcommandExtras) => CommandSpec {
  return (name, usage, summary, extra = {}) => ({
    name,
    usage,
    summary,
    ...(extra.details ? { details: extra.details } : {}),
    options: [...(extra.options ?? []), where],
    run: (positionals, values) => run(name, positionals, values),
  });
}

const tokenSub = subcommand(tokensTableWhere('an admin token for --url (or $WHARF_TOKEN)'), async (action, positionals, values) => {
  const { tokenCommand } = await import('./token-command.ts');
  return tokenCommand(action as TokenAction, positionals, values as TokenOptions);
});

const publisherSub = subcommand(
  tokensTableWhere('for --url: an admin token, or one with upload scope on the project\n         (or $WHARF_TOKEN)'),
  async (action, positionals, values) => {
    const { publisherCommand } = await import('./publisher-command.ts');
    return publisherCommand(action as PublisherAction, positionals, values as PublisherOptions);
  },
);

/** Where the project commands act. */
const PROJECT_WHERE = optionGroup(
  LOCAL_DEFAULT,
  `--url URL  any Wharf over its API (with --token)
   --token T  a token with upload scope on the project, for --url (or $WHARF_TOKEN)
   ${STACK}
   --table T  a deployed index by table name (with --bucket), with your AWS credentials
   --bucket B  the deployed index's bucket (with --table)
   ${REGION}
   ${DATA_DIR}
   ${JSON_OUT}`,
);

function projectSpec(name: ProjectAction, usage: string, summary: string, own = ''): CommandSpec {
  return {
    name,
    usage,
    summary,
    options: [
      optionGroup('Options', `--file FILENAME  one file instead of a whole release\n${own}`),
      PROJECT_WHERE,
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
    takesArguments: false,
    options: [
      optionGroup(
        'Options',
        `--port N  port to listen on (default 8080, or $WHARF_PORT; 0 picks a free one)
         --host ADDR  address to listen on (default 127.0.0.1)
         --data-dir DIR  where the index keeps its data (default .wharf, or $WHARF_DATA_DIR)
         --memory  keep everything in memory: a throwaway index
         --private  reads need a token too (default on any address but loopback)
         --public  reads need no token (default on loopback); writes always do
         --quiet  no access log
         --upstream MODE  projects not hosted here: none, redirect, proxy (default) or cache
         --upstream-url URL  the upstream simple index (default https://pypi.org/simple/,
             or $WHARF_UPSTREAM_URL)
         --upstream-ttl S  seconds an upstream page is kept before asking again (default 600)
         --reserve PATTERN...  a name or prefix (acme-*) never looked up upstream
         --mix PROJECT...  a hosted project whose page also lists upstream files
         --oidc-audience A  audience trusted publishing asks CI jobs for (default "wharf")
         --oidc-github-issuer URL  GitHub Actions' OIDC issuer (default GitHub's; GHES or a test issuer)
         --sigstore-trusted-root FILE  the trusted_root.json PEP 740 attestations are verified against
             (default Sigstore's public-good root, pinned in Wharf; a private Sigstore's)`,
      ),
    ],
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
      optionGroup(
        'Where (default: the local index in .wharf)',
        `--data-dir DIR  the local index to import into (default .wharf)
         --stack NAME  import into a deployed Wharf stack (by its outputs) instead
         --table T  import into a deployed index by table name (with --bucket)
         --bucket B  the deployed index's bucket (with --table)
         ${REGION}`,
      ),
      optionGroup(
        'How',
        `--concurrency N  files imported at once (default 8, or 16 into a deployed index; at most
             128 MiB of them in memory, files over 16 MiB streamed from disk)`,
      ),
    ],
    async run(positionals, values) {
      const { importCommand } = await import('./import-run.ts');
      return importCommand(values as ImportOptions, positionals);
    },
  },
  {
    name: 'reindex',
    usage: '[options]',
    summary: "Compute every project's search summary again (once, for an index written before search existed).",
    options: [
      optionGroup(
        'Where (default: the local index in .wharf)',
        `--data-dir DIR  the local index (default .wharf)
         --stack NAME  a deployed Wharf stack (by its outputs), with your AWS credentials
         --table T  a deployed index by table name (with --bucket)
         --bucket B  the deployed index's bucket (with --table)
         ${REGION}`,
      ),
      optionGroup('How', '--concurrency N  projects at once (default 8)'),
    ],
    async run(_positionals, values) {
      const { reindexCommand } = await import('./reindex-command.ts');
      return reindexCommand(values as ReindexOptions);
    },
  },
  projectSpec(
    'yank',
    'PROJECT (VERSION | --file FILENAME) [--reason TEXT] [options]',
    'Yank a release or a file (PEP 592): pip skips it unless pinned to it.',
    '--reason TEXT  why, shown by pip to whoever pins it',
  ),
  projectSpec('unyank', 'PROJECT (VERSION | --file FILENAME) [options]', 'Undo a yank.'),
  projectSpec(
    'delete',
    'PROJECT (VERSION | --file FILENAME) --yes [options]',
    'Delete a release or a file: the bytes go, and the filename can never be used again.',
    '--yes  confirm: deleting cannot be undone',
  ),
  {
    name: 'project',
    usage: '<status> [options]',
    summary: "A project's status (PEP 792): active, archived, quarantined or deprecated.",
    subcommands: [
      {
        name: 'status',
        usage: 'PROJECT [STATUS] [--reason TEXT] [options]',
        summary: "Show a project's status, or set it.",
        details: [
          'STATUS is one of:\n' +
            '  active       the default: uploads taken, files served\n' +
            '  archived     no new uploads; its files are still served and installable\n' +
            '  quarantined  no uploads, and none of its files served: pip cannot install it\n' +
            '               (only an admin may quarantine a project or lift a quarantine)\n' +
            '  deprecated   as active; installers may warn\n' +
            'The simple pages show it (pypi:project-status, JSON project-status).',
        ],
        options: [optionGroup('Options', '--reason TEXT  why, shown on the project page (one line)'), PROJECT_WHERE],
        async run(positionals, values) {
          const { projectStatusCommand } = await import('./project-command.ts');
          return projectStatusCommand(positionals, values as ProjectOptions);
        },
      },
    ],
  },
  {
    name: 'token',
    usage: '<create|list|revoke> [options]',
    summary: 'Manage API tokens of a local or deployed index.',
    subcommands: [
      tokenSub('create', '--scope S [--scope S ...] [options]', 'Make a token; its secret is shown this once.', {
        details: ['S is read:PATTERN, upload:PATTERN or admin; PATTERN is a project name,\na prefix such as acme-*, or * for every project.'],
        options: [
          optionGroup(
            'Options',
            `--scope S...  what the token may do (at least one)
             --description TEXT  what it is for, shown by \`wharf token list\`
             --expires WHEN  a lifetime such as 90d, or a date such as 2027-06-30 (default never)`,
          ),
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
            optionGroup(
              'Options',
              `--project P  the project it may publish
               --repository OWNER/REPO  the GitHub repository the workflow is in
               --repository-id N  the repository's numeric id
               --owner OWNER  the owner, when not given in --repository
               --owner-id N  the owner's numeric id
               --workflow FILE  the workflow file, e.g. release.yml
               --environment ENV  only jobs in this GitHub environment, e.g. pypi`,
            ),
          ],
        },
      ),
      publisherSub('list', '[--project P] [options]', 'List trusted publishers.', {
        options: [optionGroup('Options', "--project P  only this project's")],
      }),
      publisherSub('remove', 'ID [options]', 'Remove a trusted publisher by its id (from `wharf publisher list`).'),
    ],
  },
  {
    name: 'publish',
    usage: 'FILE... [options]',
    summary: 'Publish wheels and sdists of any size (up to 5 GB): one Upload 2.0 (PEP 694) session per release, large files straight to S3.',
    options: [
      optionGroup(
        'Options',
        `--url URL  the index (default: the local server running on --data-dir)
         --token TOKEN  upload token (or $WHARF_TOKEN, or $TWINE_PASSWORD with TWINE_USERNAME=__token__)
         --trusted-publishing  exchange the GitHub Actions job's OIDC token for an upload token
             (the default in a job with \`id-token: write\` when no token is given;
             the index needs a publisher for the project: see \`wharf publisher\`)
         --skip-existing  files already on the index are skipped, not errors
         --attestations FILE...  PEP 740 attestations to send with the files, each named after its
             file (FILE.whl.publish.attestation, as gh-action-pypi-publish writes them)
         --concurrency N  parts uploaded in parallel (default 4)
         ${DATA_DIR}`,
      ),
    ],
    async run(positionals, values) {
      const { publishCommand } = await import('./publish-command.ts');
      return publishCommand(positionals, values as PublishCommandOptions);
    },
  },
];
