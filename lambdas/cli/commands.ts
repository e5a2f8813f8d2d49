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
import type { RetentionOptions } from './retention-command.ts';
import type { PublisherAction, PublisherOptions } from './publisher-options.ts';
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

/** Where the retention commands act. */
const RETENTION_WHERE = optionGroup(
  LOCAL_DEFAULT,
  `--url URL  any Wharf over its admin API (with --token)
   --token T  an admin token, for --url (or $WHARF_TOKEN)
   ${STACK}
   --table T  a deployed index by table name (with --bucket), with your AWS credentials
   --bucket B  the deployed index's bucket (with --table)
   ${REGION}
   ${DATA_DIR}
   ${JSON_OUT}`,
);

const RETENTION_RUN_OPTIONS = `--project P  only this project (default: every project a rule matches)
   --max-releases N  releases per call to the index before asking for more (default 500)`;

const RETENTION_KINDS =
  'Versions by PEP 440: pre = a pre-release segment (1.0a1, 1.0rc1), dev = a development\n' +
  'segment (1.0.dev3), local = a local label (1.0+ci.42); final = none of these, post-releases\n' +
  '(1.0.post1) included. Quarantined and archived projects are left alone.';

function retentionRunSpec(mode: 'plan' | 'apply', usage: string, summary: string, details: string, own = ''): CommandSpec {
  return {
    name: mode,
    usage,
    summary,
    details: [details, RETENTION_KINDS],
    options: [optionGroup('Options', `${RETENTION_RUN_OPTIONS}${own}`), RETENTION_WHERE],
    async run(positionals, values) {
      const { retentionRunCommand } = await import('./retention-command.ts');
      return retentionRunCommand(mode, positionals, values as RetentionOptions);
    },
  };
}

function retentionRulesSpec(action: 'show' | 'set', usage: string, summary: string, details: string): CommandSpec {
  return {
    name: action,
    usage,
    summary,
    details: [details],
    options: [RETENTION_WHERE],
    async run(positionals, values) {
      const { retentionRulesCommand } = await import('./retention-command.ts');
      return retentionRulesCommand(action, positionals, values as RetentionOptions);
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
         --log-level L  the functions' log: debug, info, warn (default) or error; debug also
             shows each request's metrics (the EMF records the functions write on AWS)
         --allow-ip CIDR...  answer only these networks (203.0.113.0/24, ::1); from elsewhere
             only trusted publishing works (default: every network)
         --upstream MODE  projects not hosted here: none, redirect, proxy (default) or cache
         --upstream-url URL  the upstream simple index (default https://pypi.org/simple/,
             or $WHARF_UPSTREAM_URL)
         --upstream-ttl S  seconds an upstream page is kept before asking again (default 600)
         --reserve PATTERN...  a name or prefix (acme-*) never looked up upstream
         --mix PROJECT...  a hosted project whose page also lists upstream files
         --oidc-audience A  audience trusted publishing asks CI jobs for (default "wharf")
         --oidc-github-issuer URL  GitHub Actions' OIDC issuer (default GitHub's; GHES or a test issuer)
         --oidc-gitlab-issuers URLS  GitLab issuers trusted, comma-separated (default https://gitlab.com;
             add a self-managed instance's URL; none for none)
         --oidc-google-issuers URLS  Google's issuer (default https://accounts.google.com; none for none)
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
    name: 'retention',
    usage: '<rules|plan|apply> [options]',
    summary: 'Retention rules: remove old pre-release, dev and local versions (CI builds) by rule.',
    subcommands: [
      {
        name: 'rules',
        usage: '<show|set> [options]',
        summary: 'Show or set the retention rules (kept in the index; the daily run uses the same).',
        subcommands: [
          retentionRulesSpec('show', '[options]', 'Show the retention rules, in the order they are tried.', 'The first rule whose pattern matches a project is its rule.'),
          retentionRulesSpec(
            'set',
            'FILE [options]',
            'Replace the retention rules with those in FILE (JSON; - reads standard input).',
            'FILE holds {"rules": [RULE, ...]}; a RULE is\n' +
              '  {"pattern": "acme-*",      glob on the normalized project name (* and ?)\n' +
              '   "keepLast": 10,           keep the newest 10 pre/dev/local versions\n' +
              '   "maxAgeDays": 30,         ... and only remove those older than 30 days\n' +
              '   "kinds": ["dev"],         only these kinds (default pre, dev and local)\n' +
              '   "finals": {"keepLast": 20}}  opt final releases in (keepLast at least 1)\n' +
              'With keepLast and maxAgeDays, a version goes only when both say so.\n' +
              'An empty list ({"rules": []}) turns retention off.',
          ),
        ],
      },
      retentionRunSpec(
        'plan',
        '[--project P] [options]',
        'Show what the rules would remove now, and what they keep; changes nothing.',
        'For each project a rule matches: each version that would go (its files, and why),\nand the versions it keeps.',
      ),
      retentionRunSpec(
        'apply',
        '[--project P] --yes [options]',
        'Remove what the rules say, through the same tombstoned delete as `wharf delete`.',
        'Without --yes it prints the plan and removes nothing. Removed filenames can never\nbe uploaded again. The deployed index also runs this daily, on a schedule.',
        '\n   --yes  confirm: removing cannot be undone',
      ),
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
    summary: 'Trusted publishers: CI jobs (GitHub Actions, GitLab CI/CD, Google Cloud) and AWS IAM roles that publish with no stored token.',
    subcommands: [
      publisherSub(
        'add',
        '--project P [--provider github|gitlab|google|aws] <the provider\'s options> [--pending] [options]',
        'Trust a CI job (GitHub Actions workflow, GitLab pipeline, Google Cloud service account, AWS IAM role) to publish P.',
        {
          details: [
            "GitHub (the default): the ids pin the repository and its owner, so a renamed or\n" +
              "re-created repository cannot take over: `gh api repos/OWNER/REPO --jq '.id, .owner.id'`\n" +
              'prints them. Without --environment, jobs in any environment (or none) match.',
            'GitLab: --project-path NAMESPACE/PROJECT with its --project-id and --namespace-id\n' +
              "(`curl https://gitlab.com/api/v4/projects/NS%2FPROJ` prints .id and .namespace.id).\n" +
              'The job declares `id_tokens: WHARF_ID_TOKEN: aud: <the index\'s audience>` and runs\n' +
              '`wharf publish --trusted-publishing`.',
            "Google Cloud: --email of the service account, and its --subject (unique id, from\n" +
              "`gcloud iam service-accounts describe EMAIL --format='value(uniqueId)'`) so that a\n" +
              're-created account of the same email cannot publish.',
            '--pending (admin only): P does not exist yet; the name is reserved for this publisher\n' +
              'until its first publish creates the project (or the publisher is removed).',
            'AWS (--provider aws): a job holding the role (CodeBuild, EC2, another account)\npublishes with `wharf publish --aws`. The role id pins the role, so one deleted\nand re-created with the same name cannot take over:\n`aws iam get-role --role-name NAME --query Role.RoleId --output text` prints it.\nWithout --role-id, the first publish pins the id of the role that made it.\nIAM users are refused: their keys are long-lived secrets.',
          ],
          options: [
            optionGroup(
              'Options',
              `--project P  the project it may publish
               --provider NAME  github (default), gitlab, google or aws
               --pending  P does not exist yet: reserve the name; the first publish creates it (admin)`,
            ),
            optionGroup(
              'GitHub Actions',
              `--repository OWNER/REPO  the GitHub repository the workflow is in
               --repository-id N  the repository's numeric id
               --owner OWNER  the owner, when not given in --repository
               --owner-id N  the owner's numeric id
               --workflow FILE  the workflow file, e.g. release.yml
               --environment ENV  only jobs in this environment, e.g. pypi (GitHub and GitLab)`,
            ),
            optionGroup(
              'GitLab CI/CD',
              `--project-path NS/PROJ  the GitLab project path, e.g. acme/app or acme/tools/app
               --project-id N  the project's numeric id
               --namespace-id N  the numeric id of its namespace (group or user)
               --ci-config FILE  the CI configuration file (default .gitlab-ci.yml)
               --issuer URL  a self-managed instance the index trusts (default https://gitlab.com)`,
            ),
            optionGroup(
              'Google Cloud',
              `--email EMAIL  the service account, e.g. release@acme.iam.gserviceaccount.com
               --subject ID  the service account's unique id (recommended)`,
            ),
            optionGroup(
              'AWS IAM role',
              `--role-arn ARN  the IAM role that may publish, arn:aws:iam::ACCOUNT:role/NAME
               --role-id ID  the role's unique id, AROA... (default: pinned on first use)`,
            ),
          ],
        },
      ),
      publisherSub('list', '[--project P] [options]', 'List trusted publishers.', {
        options: [optionGroup('Options', "--project P  only this project's\n--provider P  only this provider's: github, gitlab, google or aws (default all)")],
      }),
      publisherSub('remove', 'ID [options]', 'Remove a trusted publisher by its id (from `wharf publisher list`).', {
        options: [optionGroup('Options', '--provider P  github, gitlab, google or aws (default: whichever has the id)')],
      }),
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
         --trusted-publishing  exchange the CI job's OIDC token for an upload token: $WHARF_ID_TOKEN
             (GitLab: \`id_tokens: WHARF_ID_TOKEN: aud: <audience>\`, or any OIDC token), else
             GitHub Actions' (a job with \`id-token: write\`), else the Google Cloud metadata
             server's. The default when no token is given and WHARF_ID_TOKEN or GitHub's is
             at hand. The index needs a publisher for the project: see \`wharf publisher\`
         --aws  prove the job's AWS IAM role (CodeBuild, EC2, any AWS credentials of a role)
             with a signed sts:GetCallerIdentity request, for an upload token
             (the index needs a publisher for the role: \`wharf publisher add --provider aws\`)
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
