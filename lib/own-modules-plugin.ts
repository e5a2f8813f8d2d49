/**
 * An esbuild plugin that declares Wharf's own modules (`lambdas/`) free of import-time side
 * effects, as a package's `"sideEffects": false` would: a module that a function imports but
 * whose exports it never uses is then left out whole.
 *
 * Without it esbuild keeps every top-level statement it cannot prove pure (an
 * `Object.freeze({...})`, a CommonJS dependency's `require`) of every module on an import
 * path, used or not: the copier, which reads one setting of the upload configuration's
 * module, carried the upload rules, core metadata parsing and PEP 440 behind it.
 *
 * It holds because no module of lambdas/ is imported for its side effects alone (no bare
 * `import './x.ts'`); test/unit/lambda-bundling.test.ts checks that. Only the Lambda bundles
 * use it (lib/bundling.ts); the CLI's bundles are built as they were.
 */
import path from 'node:path';
import type { Plugin } from 'esbuild';

const RESOLVING = Symbol('wharf-own-modules');

export function ownModulesPlugin(projectRoot: string): Plugin {
  const own = path.join(path.resolve(projectRoot), 'lambdas') + path.sep;
  return {
    name: 'wharf-own-modules',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === RESOLVING || !args.importer.startsWith(own)) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING });
        // Errors and anything outside lambdas/ go the default way, which reports them as usual.
        if (resolved.errors.length > 0 || resolved.external || !resolved.path.startsWith(own)) return undefined;
        return { path: resolved.path, namespace: resolved.namespace, sideEffects: false };
      });
    },
  };
}
