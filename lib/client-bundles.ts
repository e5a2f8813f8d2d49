/**
 * The two publish clients that are built from the CLI's own code and checked in:
 *
 * - `action/dist/index.js`, the GitHub Action (`action.yml` at the repository root runs it);
 * - `client/dist/wharf.mjs`, the single-file `wharf publish` that the index serves at
 *   `/client/wharf.mjs` for any other CI (`node wharf.mjs publish ...`, nothing installed).
 *
 * Each is one ESM file with every dependency inside (only `node:` built-ins stay outside);
 * the action's is a `.js` file, ESM by the repository's `"type": "module"` (a runner checks
 * the whole repository out to run it), the client's a `.mjs`, ESM wherever it is saved;
 * unminified so that a reviewer can read what CI runs and a stack trace names real
 * functions. `npm run build:clients` writes them; test/unit/client-bundles.test.ts fails
 * when a checked-in file differs from a fresh build.
 *
 * The publish command finds a local server by its data directory when no --url is given;
 * that lookup (and the AWS SDK and embedded stores it drags in) means nothing outside a
 * Wharf checkout, so these builds put lambdas/cli/no-local-server.ts in its place; and of
 * the commands of lambdas/cli/commands.ts, they carry `publish` alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, type Plugin, build } from 'esbuild';
import { PUBLISH_CLIENT_FILE } from '../lambdas/config/functions.ts';

export interface ClientBundle {
  /** What it is, for messages. */
  readonly name: string;
  /** Entry module, relative to the repository root. */
  readonly entry: string;
  /** The checked-in output, relative to the repository root. */
  readonly output: string;
  /**
   * Why `wharf publish --aws` is left out, when it is: its AWS credential chain is most of a
   * client's size, and a GitHub runner publishes by its OIDC token.
   */
  readonly withoutAws?: string;
}

export const CLIENT_BUNDLES = {
  action: {
    name: 'the GitHub Action',
    entry: 'lambdas/cli/github-action-main.ts',
    output: 'action/dist/index.js',
    withoutAws: 'Publishing with an AWS role (--aws) is not in the GitHub Action: on GitHub, publish by trusted publishing (the default), or with a token.',
  },
  client: { name: 'the single-file client', entry: 'lambdas/cli/client-main.ts', output: PUBLISH_CLIENT_FILE.source },
} as const satisfies Record<string, ClientBundle>;

/** Modules of the local-server lookup that the clients replace, by the path they are imported by. */
const LOCAL_SERVER_MODULES = /\/(import-target|admin-bootstrap)\.ts$/;

function withoutLocalServer(projectRoot: string, withoutAws: string | undefined): Plugin {
  const stub = path.join(projectRoot, 'lambdas/cli/no-local-server.ts');
  return {
    name: 'wharf-no-local-server',
    setup(b) {
      if (withoutAws !== undefined) {
        b.onResolve({ filter: /^\.\/aws-exchange\.ts$/ }, (args) => ({ path: args.path, namespace: 'wharf-without-aws' }));
        b.onLoad({ filter: /.*/, namespace: 'wharf-without-aws' }, () => ({ contents: `throw new Error(${JSON.stringify(withoutAws)});`, loader: 'js' }));
      }
      // commands.ts loads each command with import(); of those, the clients hold publish alone.
      b.onResolve({ filter: /^\.\/.*-(command|run)\.ts$/ }, (args) => {
        if (args.kind !== 'dynamic-import' || !args.importer.endsWith(`${path.sep}commands.ts`) || args.path === './publish-command.ts') return undefined;
        return { path: args.path, namespace: 'wharf-not-in-client' };
      });
      b.onLoad({ filter: /.*/, namespace: 'wharf-not-in-client' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not in this client: it publishes only (wharf publish).`)});`,
        loader: 'js',
      }));
      b.onResolve({ filter: LOCAL_SERVER_MODULES }, (args) => {
        // Only the publish command's lookup; nothing else in the clients may need them.
        if (!args.importer.endsWith(`${path.sep}publish-command.ts`)) {
          return { errors: [{ text: `${args.path} imported by ${path.relative(projectRoot, args.importer)}: the publish clients leave the local server out; import it from publish-command.ts only, or not at all.` }] };
        }
        return { path: stub };
      });
    },
  };
}

export function clientBuildOptions(bundle: ClientBundle, projectRoot: string): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    entryPoints: [path.join(projectRoot, bundle.entry)],
    outfile: path.join(projectRoot, bundle.output),
    bundle: true,
    // One file: whatever the CLI loads with import() is inlined.
    splitting: false,
    format: 'esm',
    platform: 'node',
    // GitHub runs `using: node20` actions with Node 20; other CI images have 20 or later.
    target: 'node20',
    mainFields: ['module', 'main'],
    external: [],
    minify: false,
    sourcemap: false,
    legalComments: 'inline',
    // Bundled CommonJS dependencies still `require` Node's built-ins.
    banner: {
      js: `// ${bundle.name} of Wharf, built from ${bundle.entry} by \`npm run build:clients\`. Do not edit: rebuild.\nimport { createRequire as __wharfCreateRequire } from 'node:module';\nconst require = __wharfCreateRequire(import.meta.url);`,
    },
    plugins: [withoutLocalServer(projectRoot, bundle.withoutAws)],
    logLevel: 'warning',
  };
}

/** A fresh build of `bundle`, in memory. */
export async function buildClient(bundle: ClientBundle, projectRoot: string): Promise<string> {
  const result = await build({ ...clientBuildOptions(bundle, projectRoot), write: false });
  const [file] = result.outputFiles;
  if (!file) throw new Error(`esbuild wrote nothing for ${bundle.entry}`);
  // Paths in esbuild's comments are relative to absWorkingDir: the same in every checkout.
  return file.text;
}

/** The checked-in file of `bundle`, or undefined when there is none. */
export function checkedInClient(bundle: ClientBundle, projectRoot: string): string | undefined {
  try {
    return readFileSync(path.join(projectRoot, bundle.output), 'utf8');
  } catch {
    return undefined;
  }
}
