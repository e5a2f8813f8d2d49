/**
 * The machinery behind the `wharf` command table (lambdas/cli/commands.ts): one spec per
 * command both parses its arguments and prints its `--help`, so the two never drift apart.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in help, e.g. DIR. */
  readonly arg?: string;
  readonly multiple?: boolean;
  /** What it does; a line break starts an indented continuation line. */
  readonly help: string;
}

export interface OptionGroup {
  /** e.g. "Options" or "Where (default: ...)". */
  readonly title: string;
  readonly options: readonly OptionSpec[];
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandSpec {
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** What follows `wharf NAME` in the usage line, e.g. "PATH... [options]". */
  readonly usage: string;
  /** Paragraphs shown between the usage line and the options. */
  readonly details?: readonly string[];
  readonly options?: readonly OptionGroup[];
  readonly subcommands?: readonly CommandSpec[];
  /** Whether it takes positional arguments. @default true */
  readonly takesArguments?: boolean;
  run?(positionals: string[], values: OptionValues): Promise<number>;
}

/**
 * A group of options written as its help reads: a line per option, `--name ARG  what it
 * does` (an ARG makes it take a value; `ARG...` makes it repeatable), and deeper-indented
 * continuation lines. What the help shows is then what the parser takes.
 */
export function optionGroup(title: string, text: string): OptionGroup {
  const options: OptionSpec[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const option = /^\s*--([a-z0-9-]+)(?: ([A-Z][A-Z0-9/_-]*)(\.\.\.)?)?\s{2,}(\S.*)$/.exec(line);
    if (option) {
      const [, name = '', arg, repeat, help = ''] = option;
      options.push({ name, type: arg ? 'string' : 'boolean', ...(arg ? { arg } : {}), ...(repeat ? { multiple: true } : {}), help });
      continue;
    }
    const last = options.pop();
    if (!last || !/^\s{4,}\S/.test(line)) throw new Error(`Not an option line in "${title}": ${line}`);
    options.push({ ...last, help: `${last.help}\n${line.trim()}` });
  }
  return { title, options };
}

/** Bad usage: said in a line or two, with a pointer to the help, and exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help to point at. */
    readonly path: readonly CommandSpec[] = [],
    /** Print the whole help after the message (a command named without its subcommand). */
    readonly withHelp = false,
  ) {
    super(message);
  }
}

const HELP_OPTION: OptionSpec = { name: 'help', type: 'boolean', help: 'show this help' };

function optionLabel(o: OptionSpec): string {
  const name = o.name === 'help' ? '-h, --help' : `--${o.name}`;
  return o.type === 'string' ? `${name} ${o.arg ?? 'VALUE'}` : name;
}

function optionLines(groups: readonly OptionGroup[]): string[] {
  const all = groups.flatMap((g) => g.options);
  const width = Math.min(Math.max(...all.map((o) => optionLabel(o).length)) + 2, 28);
  const lines: string[] = [];
  for (const group of groups) {
    lines.push('', `${group.title}:`);
    for (const o of group.options) {
      const label = optionLabel(o);
      const [first = '', ...rest] = (o.help + (o.multiple ? ' (repeatable)' : '')).split('\n');
      if (label.length + 2 > width) lines.push(`  ${label}`, `  ${' '.repeat(width)}${first}`);
      else lines.push(`  ${label.padEnd(width)}${first}`);
      for (const more of rest) lines.push(`  ${' '.repeat(width)}${more}`);
    }
  }
  return lines;
}

/** `wharf token create --help`: the usage line, what it does, and every option. */
export function renderHelp(path: readonly CommandSpec[]): string {
  const spec = path[path.length - 1]!;
  const name = ['wharf', ...path.map((c) => c.name)].join(' ');
  const lines = [`Usage: ${name} ${spec.usage}`.trimEnd(), '', spec.summary];
  for (const paragraph of spec.details ?? []) lines.push('', ...paragraph.split('\n').map((l) => `  ${l}`));
  if (spec.subcommands) {
    lines.push('', 'Commands:');
    for (const sub of spec.subcommands) lines.push(`  ${name} ${sub.name} ${sub.usage}`.trimEnd(), `      ${sub.summary}`);
    lines.push('', `Run \`${name} <command> --help\` for a command's options.`);
  } else {
    lines.push(...optionLines([...(spec.options ?? []), { title: 'Help', options: [HELP_OPTION] }]));
  }
  return `${lines.join('\n')}\n`;
}

/** Whether the arguments ask for help: `-h` or `--help` anywhere before a `--`. */
function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

export interface Invocation {
  readonly path: readonly CommandSpec[];
  readonly action: 'help' | 'run';
  readonly positionals: string[];
  readonly values: OptionValues;
}

/**
 * Finds the command (and subcommand) the arguments name and parses its options. Help is
 * an action, not an error; anything else that does not fit is a UsageError.
 */
export function resolveInvocation(commands: readonly CommandSpec[], args: readonly string[], parents: readonly CommandSpec[] = []): Invocation {
  const [name, ...rest] = args;
  const where = ['wharf', ...parents.map((c) => c.name)].join(' ');
  const known = commands.map((c) => c.name).join(', ');
  if (name === undefined || name.startsWith('-')) {
    if (name !== undefined && asksForHelp([name])) return { path: parents, action: 'help', positionals: [], values: {} };
    throw new UsageError(
      name === undefined
        ? `${where}: name a command (${known}).`
        : `${where}: unknown option ${name.split('=')[0]}; name a command first (${known}).`,
      parents,
    );
  }
  const spec = commands.find((c) => c.name === name);
  if (!spec) {
    throw new UsageError(`${where}: unknown ${parents.length > 0 ? 'subcommand' : 'command'} "${name}". Commands: ${known}.`, parents);
  }
  const path = [...parents, spec];
  if (spec.subcommands) {
    if (rest.length === 0) throw new UsageError(`${where} ${name}: name one of ${spec.subcommands.map((c) => c.name).join(', ')}.`, path, true);
    return resolveInvocation(spec.subcommands, rest, path);
  }
  if (asksForHelp(rest)) return { path, action: 'help', positionals: [], values: {} };
  const options = Object.fromEntries(
    (spec.options ?? []).flatMap((g) => g.options).map((o) => [o.name, { type: o.type, ...(o.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: spec.takesArguments ?? true, strict: true });
    return { path, action: 'run', positionals, values: values as OptionValues };
  } catch (err) {
    throw new UsageError(`${where} ${name}: ${parseErrorMessage(err)}`, path);
  }
}

/** node:util's parse errors, in a line that names the option and no advice about `--`. */
function parseErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}: this command takes options only.`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? message}.`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /argument missing/.test(message)
      ? `${option ?? 'an option'} needs a value.`
      : `${option ?? 'an option'} takes no value.`;
  }
  return message.split('\n')[0]!;
}

/** The help command to point a usage error at: `wharf token create --help`. */
export function helpPointer(path: readonly CommandSpec[]): string {
  return helpLine(['wharf', ...path.map((c) => c.name)].join(' '));
}

function helpLine(command: string): string {
  return `Run \`${command} --help\` for usage.`;
}

/** A command's own usage error, in the same two lines: `wharf token create: ...` and where its help is. */
export function usageMessage(command: string, message: string): string {
  return `${command}: ${message}\n${helpLine(command)}\n`;
}

/** A usage error of `command`: said on stderr with where its help is, as exit code 2. */
export function usageError(command: string): (message: string) => number {
  return (message) => {
    process.stderr.write(usageMessage(command, message));
    return 2;
  };
}

/**
 * A command's failure as the user sees it: an error the command knows (a domain error, its
 * own) is one line on stderr and exit 1; anything else is a bug and goes on up.
 */
export function commandFailed(command: string, err: unknown, known: (err: unknown) => err is Error): number {
  if (!known(err)) throw err;
  process.stderr.write(`${command}: ${err.message}\n`);
  return 1;
}
