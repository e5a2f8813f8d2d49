/**
 * The `wharf` command. From the checkout: `npx wharf <command>` (package.json's bin,
 * bin/wharf-cli.mjs), or `npm run wharf -- <command>`; `npm start` is `wharf serve`.
 * The commands and their options are the table in lambdas/cli/commands.ts.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { helpPointer, renderHelp, resolveInvocation, UsageError } from './command-line.ts';
import { COMMANDS } from './commands.ts';

function topHelp(): string {
  const lines = [
    'Usage: wharf <command> [options]',
    '',
    'Wharf, a Python package index: run it locally, load it, publish to it, manage who may.',
    '',
    '  In the Wharf checkout (any folder of it), after npm ci: npx wharf <command>, or npm run wharf -- <command>.',
    '  Anywhere else: node /path/to/wharf/bin/wharf-cli.mjs <command> (there, npx would fetch an unrelated',
    '  npm package that is also called wharf).',
    '',
    'Commands:',
  ];
  const names = COMMANDS.map((c) => (c.subcommands ? `${c.name} ${c.subcommands.map((s) => s.name).join('|')}` : c.name));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  COMMANDS.forEach((c, i) => lines.push(`  ${names[i]!.padEnd(width)}${c.summary}`));
  lines.push('', 'Run `wharf <command> --help` (or `wharf help <command>`) for its options.');
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    process.stdout.write(topHelp());
    return 0;
  }
  try {
    // `wharf help token create` is `wharf token create --help`.
    const invocation = resolveInvocation(COMMANDS, first === 'help' ? [...rest, '--help'] : argv);
    if (invocation.action === 'help') {
      process.stdout.write(invocation.path.length === 0 ? topHelp() : renderHelp(invocation.path));
      return 0;
    }
    const spec = invocation.path[invocation.path.length - 1]!;
    return await spec.run!(invocation.positionals, invocation.values);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    if (err.withHelp) process.stderr.write(`\n${renderHelp(err.path)}`);
    else process.stderr.write(`${helpPointer(err.path)}\n`);
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
