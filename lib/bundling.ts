/**
 * How a Wharf function is bundled: one esbuild call, shared by the CDK construct
 * (lib/wharf-function.ts) and `npm run bench`, so what the bench weighs is what deploys.
 *
 * ESM with code splitting: the entry chunk `index.mjs` holds what every cold start needs;
 * whatever a handler loads with `import()` (the S3 and Lambda clients, jose, the upstream
 * proxy) lands in `chunks/` and is read from disk only when a request first needs it.
 * NodejsFunction cannot do this: it always passes `--outfile`, and esbuild splits only into
 * an `outdir`.
 *
 * Three settings keep code that a function never runs out of what its cold start loads:
 * the SDK's schemas of commands it does not send (lib/sdk-schema-keys.ts, a plugin), the
 * default credential chain's links that cannot answer on Lambda (an alias to
 * lambdas/functions/lambda-credential-provider.ts), and the modules of lambdas/ whose exports
 * it never uses (lib/own-modules-plugin.ts).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, type BuildResult, build } from 'esbuild';
import type { ILocalBundling } from 'aws-cdk-lib';
import { ownModulesPlugin } from './own-modules-plugin.ts';
import { sdkSchemaKeysPlugin } from './sdk-schema-keys.ts';

/** The Lambda handler setting for a bundle made by `bundleOptions`. */
export const BUNDLE_HANDLER = 'index.handler';

/** The entry chunk's file name inside the bundle directory. */
export const ENTRY_CHUNK = 'index.mjs';

/** esbuild options for one function: `entry` (its `*-handler.ts`) into the directory `outdir`. */
export function bundleOptions(entry: string, outdir: string, projectRoot: string): BuildOptions {
  return {
    absWorkingDir: projectRoot,
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    // .mjs: Node loads every chunk as ESM without a package.json beside it.
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    // Bundle the AWS SDK: the exact version we test with, not whatever the runtime has.
    external: [],
    // On Lambda the default credential chain always answers from the environment: only that
    // link is bundled (lambdas/functions/lambda-credential-provider.ts says why).
    alias: { '@aws-sdk/credential-provider-node': './lambdas/functions/lambda-credential-provider.ts' },
    minify: true,
    sourcemap: true,
    // Stack traces need the mappings, not the sources: keeps the asset small.
    sourcesContent: false,
    // ESM output cannot `require`; CommonJS dependencies bundled into it still do. Every
    // chunk gets the banner, and each chunk is a module of its own, so none collide.
    banner: { js: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
    // Only the AWS SDK schemas of the commands a function sends (lib/sdk-schema-keys.ts), and
    // only the modules of lambdas/ whose exports it uses (lib/own-modules-plugin.ts).
    plugins: [sdkSchemaKeysPlugin(), ownModulesPlugin(projectRoot)],
  };
}

/** Bundles one function (`bundleOptions`), with its metafile when asked. */
export async function bundle(entry: string, outdir: string, projectRoot: string, options: { metafile?: boolean } = {}): Promise<BuildResult<{ metafile: boolean }>> {
  return build({ ...bundleOptions(entry, outdir, projectRoot), metafile: options.metafile ?? false });
}

/** This file, run as a program by `EsbuildBundling`: `bundling.ts ENTRY OUTDIR PROJECT_ROOT`. */
const THIS_FILE = fileURLToPath(import.meta.url);

/** Where this process built each function (project root and entry), for `EsbuildBundling`. */
const BUILT = new Map<string, string>();

/**
 * Local bundling for `Code.fromAsset`: esbuild from node_modules, offline. Its fields are
 * part of the CDK asset cache key, so two functions never share a bundle.
 *
 * CDK asks for the bundle synchronously, and esbuild runs plugins only in its asynchronous
 * API: the build runs in a child Node process (this file as a program), about 0.3 s a function.
 * A process builds each function once and copies that build for every later synth (the CDK
 * tests synthesize the stack several times; the sources do not change under a running synth).
 */
export class EsbuildBundling implements ILocalBundling {
  constructor(
    readonly entry: string,
    readonly projectRoot: string,
    /** Files copied into the bundle beside index.mjs: name in the bundle to source path. */
    readonly extraFiles: Readonly<Record<string, string>> = {},
  ) {}

  tryBundle(outputDir: string): boolean {
    const key = `${this.projectRoot}\0${this.entry}`;
    let built = BUILT.get(key);
    if (built === undefined) {
      if (BUILT.size === 0) process.once('exit', () => BUILT.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
      built = mkdtempSync(join(tmpdir(), 'wharf-bundle-'));
      execFileSync(process.execPath, ['--import', 'tsx', THIS_FILE, this.entry, built, this.projectRoot], {
        // `--import tsx` resolves from here, and tsx is a dependency of the project.
        cwd: this.projectRoot,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      BUILT.set(key, built);
    }
    cpSync(built, outputDir, { recursive: true });
    for (const [name, source] of Object.entries(this.extraFiles)) copyFileSync(source, join(outputDir, name));
    return true;
  }
}

if (process.argv[1] === THIS_FILE) {
  const [entry, outdir, projectRoot] = process.argv.slice(2);
  if (!entry || !outdir || !projectRoot) throw new Error('Usage: bundling.ts ENTRY OUTDIR PROJECT_ROOT');
  await bundle(entry, outdir, projectRoot);
}
