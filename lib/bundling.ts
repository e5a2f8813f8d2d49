/**
 * How a Wharf function is bundled: one esbuild call, shared by the CDK construct
 * (lib/wharf-function.ts) and `npm run bench`, so what the bench weighs is what deploys.
 *
 * ESM with code splitting: the entry chunk `index.mjs` holds what every cold start needs;
 * whatever a handler loads with `import()` (the S3 and Lambda clients, jose, the upstream
 * proxy, the SDK's other credential providers) lands in `chunks/` and is read from disk
 * only when a request first needs it. NodejsFunction cannot do this: it always passes
 * `--outfile`, and esbuild splits only into an `outdir`.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, buildSync } from 'esbuild';
import type { ILocalBundling } from 'aws-cdk-lib';

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
    minify: true,
    sourcemap: true,
    // Stack traces need the mappings, not the sources: keeps the asset small.
    sourcesContent: false,
    // ESM output cannot `require`; CommonJS dependencies bundled into it still do. Every
    // chunk gets the banner, and each chunk is a module of its own, so none collide.
    banner: { js: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  };
}

/**
 * Local bundling for `Code.fromAsset`: esbuild from node_modules, in-process, offline.
 * Its fields are part of the CDK asset cache key, so two functions never share a bundle.
 */
export class EsbuildBundling implements ILocalBundling {
  constructor(
    readonly entry: string,
    readonly projectRoot: string,
    /** Files copied into the bundle beside index.mjs: name in the bundle to source path. */
    readonly extraFiles: Readonly<Record<string, string>> = {},
  ) {}

  tryBundle(outputDir: string): boolean {
    buildSync(bundleOptions(this.entry, outputDir, this.projectRoot));
    for (const [name, source] of Object.entries(this.extraFiles)) copyFileSync(source, join(outputDir, name));
    return true;
  }
}
