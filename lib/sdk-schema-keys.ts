/**
 * An esbuild plugin that lets esbuild drop the AWS SDK schemas a function never uses.
 *
 * Since 3.930 each SDK client describes its whole API in `dist-es/schemas/schemas_0.js`:
 * one `export var X$ = [...]` per shape and operation, with trait objects such as
 * `{ [_hH]: _xarc }` whose keys are string constants of the same file (`const _hH =
 * "httpHeader"`). esbuild must assume a computed key may run code (a getter, `toString`),
 * so it keeps every such statement, and with them all 1,000 string constants: S3's full
 * schema (64 KB minified, about a seventh of a background function's cold start) lands in
 * every bundle that sends even one S3 command (aws/aws-sdk-js-v3#7607). Writing those keys
 * as the literals they stand for is what the SDK's own code generator is being changed to
 * emit (smithy-lang/smithy-typescript#1889); with it, esbuild keeps only the schemas the
 * imported commands reach.
 *
 * Only a key whose name is a `const _x = "..."` string of the same file is rewritten, so
 * the result means exactly what the SDK's code meant. The test in
 * test/unit/sdk-schema-keys.test.ts fails if an SDK update changes the file's shape so
 * that nothing is rewritten any more.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** The generated schema modules of the SDK's clients and of their nested clients (STS, SSO). */
export const SDK_SCHEMA_FILE = /[\\/]@aws-sdk[\\/](?:client-[^\\/]+|nested-clients)[\\/]dist-es[\\/](?:submodules[\\/][^\\/]+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/** `source` with every computed key `[_x]:` whose `_x` is a string constant of it written as that string. */
export function literalSchemaKeys(source: string): { code: string; rewritten: number } {
  const strings = new Map<string, string>();
  for (const m of source.matchAll(/^const (_[A-Za-z0-9_]+) = ("[^"\\\n]*");$/gm)) strings.set(m[1]!, m[2]!);
  let rewritten = 0;
  const code = source.replace(/\[(_[A-Za-z0-9_]+)\](\s*):/g, (whole, name: string, space: string) => {
    const literal = strings.get(name);
    if (literal === undefined) return whole;
    rewritten++;
    return `${literal}${space}:`;
  });
  return { code, rewritten };
}

export function sdkSchemaKeysPlugin(): Plugin {
  return {
    name: 'wharf-sdk-schema-keys',
    setup(build) {
      build.onLoad({ filter: SDK_SCHEMA_FILE }, async (args) => ({
        contents: literalSchemaKeys(await readFile(args.path, 'utf8')).code,
        loader: 'js',
      }));
    },
  };
}
