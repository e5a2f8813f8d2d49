/**
 * The layout is the architecture, and this test keeps it so: it reads every import of
 * lambdas/, lib/ and bin/ and fails on an import cycle, on a layer importing from a layer
 * above it, on lambdas/core reaching for AWS, Node's I/O or the environment, and on lib/
 * importing anything of lambdas/ but its configuration and core.
 *
 *   core       pure rules: names, versions, filenames, archives, pages, tokens
 *   config     the environment contract and settings           (core)
 *   app        use cases and the ports they own                 (core, config)
 *   adapters   DynamoDB, S3, HTTP, Lambda behind those ports    (core, config, app ports)
 *   http       routing, negotiation, the error table            (core, config, app)
 *   functions  composition roots: one per Lambda function       (all of the above)
 *   local      the local server and embedded stores             (all of the above)
 *   cli        the wharf command                                (everything)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const rel = path.join(dir, entry);
    if (statSync(path.join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|mts|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

/** Every module a file names, relative ones resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    specs.push(spec.startsWith('.') ? path.normalize(path.join(path.dirname(file), spec)) : spec);
  }
  return specs;
}

const FILES = [...sources('lambdas'), ...sources('lib'), ...sources('bin')];
const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

/** The layer of a file under lambdas/ (its folder), or undefined elsewhere. */
function layerOf(file: string): string | undefined {
  const match = /^lambdas\/([^/]+)\//.exec(file);
  return match?.[1];
}

const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  config: ['core', 'config'],
  app: ['core', 'config', 'app'],
  adapters: ['core', 'config', 'app', 'adapters'],
  http: ['core', 'config', 'app', 'http'],
  functions: ['core', 'config', 'app', 'adapters', 'http', 'functions'],
  local: ['core', 'config', 'app', 'adapters', 'http', 'functions', 'local'],
  cli: ['core', 'config', 'app', 'adapters', 'http', 'functions', 'local', 'cli'],
};

describe('architecture', () => {
  test('every file of lambdas/ sits in a known layer', () => {
    const stray = FILES.filter((f) => f.startsWith('lambdas/') && !(layerOf(f)! in ALLOWED));
    assert.deepEqual(stray, [], `files outside the layers ${Object.keys(ALLOWED).join(', ')}`);
  });

  test('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of GRAPH.get(file) ?? []) {
        if (!GRAPH.has(next)) continue;
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of FILES) if (!state.has(file)) visit(file);
    assert.deepEqual(cycles, []);
  });

  test('no layer imports from a layer above it; adapters take only the ports of app/', () => {
    const wrong: string[] = [];
    for (const [file, imports] of GRAPH) {
      const layer = layerOf(file);
      if (layer === undefined || !(layer in ALLOWED)) continue;
      for (const target of imports) {
        const to = layerOf(target);
        if (to === undefined) continue;
        if (!ALLOWED[layer]!.includes(to)) wrong.push(`${file} imports ${target} (${layer} -> ${to})`);
        else if (layer === 'adapters' && to === 'app' && !/ports\.ts$/.test(target)) wrong.push(`${file} imports ${target} (an adapter takes only ports from app/)`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('lambdas/core is pure: no AWS, no Node I/O, no middy, no process.env', () => {
    const impure = /^(@aws-sdk\/|@aws-lambda-powertools\/|@smithy\/|@middy\/|aws-cdk-lib|node:(fs|http|https|net|tls|dgram|child_process|worker_threads|cluster|os|dns|readline)(\/|$)|(fs|http|https|net|child_process|os)$)/;
    const wrong: string[] = [];
    for (const [file, imports] of GRAPH) {
      if (layerOf(file) !== 'core') continue;
      for (const target of imports) if (impure.test(target)) wrong.push(`${file} imports ${target}`);
      if (/\bprocess\.env\b/.test(readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) wrong.push(`${file} reads process.env`);
    }
    assert.deepEqual(wrong, []);
  });

  test('only the composition roots, the local server and the CLI read process.env', () => {
    const wrong = FILES.filter((f) => {
      const layer = layerOf(f);
      if (layer === undefined || ['functions', 'local', 'cli'].includes(layer)) return false;
      const code = readFileSync(path.join(ROOT, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      return /\bprocess\.env\b/.test(code);
    });
    assert.deepEqual(wrong, []);
  });

  test('lib/ and the CDK app import only the configuration and the core of lambdas/', () => {
    const wrong: string[] = [];
    for (const [file, imports] of GRAPH) {
      if (!file.startsWith('lib/') && file !== 'bin/wharf.ts') continue;
      for (const target of imports) {
        const to = layerOf(target);
        if (to !== undefined && to !== 'config' && to !== 'core') wrong.push(`${file} imports ${target}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('the checks see the whole tree (they would catch a bad import)', () => {
    assert.ok(FILES.length > 100, `${FILES.length} files`);
    assert.ok(GRAPH.get('lambdas/functions/read-handler.ts')?.includes('lambdas/functions/read-function.ts'));
    assert.ok(GRAPH.get('lib/package-index.ts')?.some((t) => t.startsWith('lambdas/config/')));
  });
});
