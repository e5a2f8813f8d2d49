/**
 * The GitHub Action (`action.yml` at the repository root): `wharf publish` for every
 * distribution in `packages-dir`, through upload sessions (any size), by trusted publishing
 * unless a token is given. The runner hands inputs over as INPUT_* variables and reads
 * workflow commands (`::error::`, `::add-mask::`) from the step's output; this module turns
 * one into the other and leaves the publishing to publish-command.ts, so the action does
 * what `wharf publish` does, with the same messages.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { publishCommand, type PublishCommandOptions } from './publish-command.ts';
import { filetypeOf } from './publish-client.ts';

type Env = Record<string, string | undefined>;

export interface ActionOutput {
  write(text: string): unknown;
}

/** The action's inputs, as action.yml declares them (defaults included, for a run by hand). */
export interface ActionInputs {
  readonly repositoryUrl: string;
  readonly packagesDir: string;
  readonly skipExisting: boolean;
  readonly token?: string;
  readonly attestations: boolean;
  readonly verbose: boolean;
}

export class ActionInputError extends Error {}

/** What @actions/core's getInput reads: INPUT_ and the name upper-cased, spaces as `_` (hyphens stay). */
export function inputOf(env: Env, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** A boolean input, read as @actions/core's getBooleanInput reads YAML 1.2's core schema. */
function booleanInput(env: Env, name: string, fallback: boolean): boolean {
  const value = inputOf(env, name);
  if (value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new ActionInputError(`Input ${name} must be true or false, not "${value}".`);
}

export function readInputs(env: Env): ActionInputs {
  const repositoryUrl = inputOf(env, 'repository-url');
  if (repositoryUrl === '') {
    throw new ActionInputError('Input repository-url is required: the Wharf index to publish to, e.g. `repository-url: ${{ vars.WHARF_URL }}` (its base URL, or its /simple/ or /legacy/ URL).');
  }
  let parsed: URL;
  try {
    parsed = new URL(repositoryUrl);
  } catch {
    throw new ActionInputError(`Input repository-url is not a URL: "${repositoryUrl}". Give the index as https://HOST[/STAGE].`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ActionInputError(`Input repository-url must be an http(s) URL, not ${parsed.protocol}//...`);
  }
  const token = inputOf(env, 'token');
  return {
    repositoryUrl,
    packagesDir: inputOf(env, 'packages-dir') || 'dist/',
    skipExisting: booleanInput(env, 'skip-existing', false),
    ...(token ? { token } : {}),
    attestations: booleanInput(env, 'attestations', true),
    verbose: booleanInput(env, 'verbose', false),
  };
}

/** Workflow command data: the runner reads `%`, CR and LF escaped (as @actions/core writes them). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function errorCommand(message: string, title = 'Wharf publish'): string {
  return `::error title=${escapeProperty(title)}::${escapeData(message)}\n`;
}

/** A `.publish.attestation` file (what gh-action-pypi-publish and `pypi-attestations sign` write) beside its distribution. */
const ATTESTATION_SUFFIX = '.publish.attestation';

export interface PackagesDir {
  readonly distributions: readonly string[];
  readonly attestations: readonly string[];
  /** Files that are neither, left alone (signatures, other attestations). */
  readonly ignored: readonly string[];
}

/**
 * The files to publish in `dir`: every wheel and sdist, and (when `withAttestations`) the
 * attestations named after one of them. Anything else there is an error before any upload,
 * as twine refuses `dist/*` with a file it does not know, except the signatures and
 * attestations twine also passes over.
 */
export async function packagesIn(dir: string, withAttestations: boolean): Promise<PackagesDir> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ActionInputError(
      code === 'ENOENT'
        ? `packages-dir ${dir} does not exist: build the distributions first (python -m build writes dist/), or download them (actions/download-artifact) into it.`
        : `packages-dir ${dir} cannot be read: ${(err as Error).message}`,
    );
  }
  const distributions: string[] = [];
  const attestations: string[] = [];
  const ignored: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if (!(await stat(file)).isFile()) {
      ignored.push(name);
      continue;
    }
    if (name.endsWith(ATTESTATION_SUFFIX)) (withAttestations ? attestations : ignored).push(file);
    else if (filetypeOf(name)) distributions.push(file);
    else if (name.endsWith('.asc') || name.endsWith('.attestation') || name.endsWith('.sigstore.json') || name.endsWith('.sigstore')) ignored.push(name);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new ActionInputError(
      `packages-dir ${dir} holds files that are not distributions: ${unknown.join(', ')}. Only wheels (.whl) and sdists (.tar.gz, .zip) are published; move the rest out, or point packages-dir at the distributions alone.`,
    );
  }
  if (distributions.length === 0) {
    throw new ActionInputError(`packages-dir ${dir} holds no wheel or sdist: build them first (python -m build), or download them into it.`);
  }
  const published = new Set(distributions.map((f) => path.basename(f)));
  const paired = attestations.filter((a) => published.has(path.basename(a).slice(0, -ATTESTATION_SUFFIX.length)));
  const unpaired = attestations.filter((a) => !paired.includes(a)).map((a) => path.basename(a));
  return { distributions, attestations: paired, ignored: [...ignored, ...unpaired] };
}

/**
 * Runs the action: returns the exit code. Everything said to the user goes to `out` (the
 * step log); every failure also becomes an `::error::` annotation on the run.
 */
export async function runAction(env: Env, out: ActionOutput, cwd = process.cwd()): Promise<number> {
  let inputs: ActionInputs;
  let packages: PackagesDir;
  try {
    inputs = readInputs(env);
    // The runner masks secrets it knows; a token passed in from elsewhere is masked here.
    if (inputs.token) out.write(`::add-mask::${escapeData(inputs.token)}\n`);
    if (!inputs.token && !env['ACTIONS_ID_TOKEN_REQUEST_URL']) {
      throw new ActionInputError(
        'No token and no OIDC token to publish with: give the job `permissions: id-token: write` to publish by trusted publishing ' +
          '(the index needs a trusted publisher for the project: `wharf publisher add`), or pass `token: ${{ secrets.WHARF_TOKEN }}`.',
      );
    }
    packages = await packagesIn(path.resolve(cwd, inputs.packagesDir), inputs.attestations);
  } catch (err) {
    if (!(err instanceof ActionInputError)) throw err;
    out.write(errorCommand(err.message));
    return 1;
  }
  if (inputs.verbose) {
    out.write(`Index: ${inputs.repositoryUrl}\n`);
    out.write(`Publishing with: ${inputs.token ? 'the token input' : 'trusted publishing (the job\'s GitHub OIDC token)'}\n`);
    out.write(`skip-existing: ${inputs.skipExisting}, attestations: ${inputs.attestations}\n`);
    for (const file of packages.distributions) out.write(`  ${path.relative(cwd, file)} (${(await stat(file)).size} bytes)\n`);
    for (const file of packages.attestations) out.write(`  ${path.relative(cwd, file)} (attestation)\n`);
    for (const name of packages.ignored) out.write(`  ${name}: ignored\n`);
  }
  const options: PublishCommandOptions = {
    url: inputs.repositoryUrl,
    ...(inputs.token ? { token: inputs.token } : { 'trusted-publishing': true }),
    ...(inputs.skipExisting ? { 'skip-existing': true } : {}),
    ...(packages.attestations.length > 0 ? { attestations: packages.attestations } : {}),
  };
  // A step's output is no terminal: progress comes as a line at each quarter of a file.
  const stdout = { isTTY: false, write: (text: string) => out.write(text) };
  // What `wharf publish` says on stderr is a failure (a file's, or the whole run's): each
  // becomes an annotation, which also shows in the log.
  const stderr = { isTTY: false, write: (text: string) => out.write(errorCommand(text.trimEnd())) };
  return publishCommand(packages.distributions, options, { out: stdout, err: stderr, env });
}
