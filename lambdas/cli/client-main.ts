/**
 * Entry of the single-file client (client/dist/wharf.mjs, built by `npm run build:clients`),
 * which the index serves at /client/wharf.mjs: `wharf publish` for any CI, run with plain
 * `node wharf.mjs publish dist/* --url https://INDEX` and nothing installed. The command is
 * the CLI's own (the `publish` entry of commands.ts: same options, help and messages); only
 * the default of publishing to a local server found by its data directory is left out.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { type CommandSpec, helpPointer, renderHelp, resolveInvocation, UsageError } from './command-line.ts';
import { COMMANDS } from './commands.ts';

const LOCAL_ONLY = new Set(['data-dir']);

/** `wharf publish` as this client has it: no --data-dir, and --url is where to publish. */
function publishSpec(): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === 'publish');
  if (!spec) throw new Error('commands.ts has no publish command');
  return {
    ...spec,
    options: (spec.options ?? []).map((group) => ({
      ...group,
      options: group.options
        .filter((o) => !LOCAL_ONLY.has(o.name))
        .map((o) => (o.name === 'url' ? { ...o, help: 'the index: its base URL, or its /simple/ or /legacy/ URL (required)' } : o)),
    })),
  };
}

function topHelp(publish: CommandSpec): string {
  return [
    "wharf.mjs: Wharf's publish client in one file, served by the index (GET /client/wharf.mjs).",
    'Needs Node.js 20 or later and nothing else.',
    '',
    '  node wharf.mjs publish dist/* --url https://YOUR-INDEX [--token T | --trusted-publishing]',
    '',
    renderHelp([publish]),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const publish = publishSpec();
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && argv.length === 1)) {
    process.stdout.write(topHelp(publish));
    return 0;
  }
  try {
    const invocation = resolveInvocation([publish], first === 'help' ? [...argv.slice(1), '--help'] : argv);
    if (invocation.action === 'help') {
      process.stdout.write(invocation.path.length === 0 ? topHelp(publish) : renderHelp(invocation.path));
      return 0;
    }
    if (typeof invocation.values['url'] !== 'string') {
      throw new UsageError('wharf publish: --url is required: the index to publish to, e.g. --url https://YOUR-INDEX.', invocation.path);
    }
    return await publish.run!(invocation.positionals, invocation.values);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message.replace(/\. Commands: publish\.$/, '. This client has one command: publish.')}\n`);
    process.stderr.write(`${helpPointer(err.path).replace('`wharf ', '`node wharf.mjs ')}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wharf: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
