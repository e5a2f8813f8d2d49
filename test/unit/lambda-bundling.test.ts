/**
 * What lib/bundling.ts leaves out of a Lambda bundle, checked on real builds: in an entry
 * that sends three S3 commands through the SDK (test/support/sdk-s3-bundle-entry.ts; no
 * function does since they moved to Wharf's own S3 client, but the same options bundle the
 * IAM, Secrets Manager and Lambda clients), the schemas of commands it never sends
 * (lib/sdk-schema-keys.ts) and the default credential chain's links beyond the environment
 * (lambdas/functions/lambda-credential-provider.ts); in the sweeper, modules of lambdas/ it
 * imports but never uses (lib/own-modules-plugin.ts). If an SDK update changes the
 * generated schema files so that the rewrite no longer applies, these fail instead of a
 * cold start silently growing by a whole schema again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { bundle, ENTRY_CHUNK } from '../../lib/bundling.ts';
import { literalSchemaKeys, SDK_SCHEMA_FILE } from '../../lib/sdk-schema-keys.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('literalSchemaKeys', () => {
  test('writes a computed key that names a string constant of the file as that string', () => {
    const source = ['const _e = "error";', 'const _c = "client";', 'const _hE = "httpError";', 'export var X$ = [-3, n0, _e, { [_e]: _c, [_hE]: 403 }, [_e], [0]];'].join('\n');
    const { code, rewritten } = literalSchemaKeys(source);
    assert.equal(rewritten, 2);
    assert.match(code, /\{ "error": _c, "httpError": 403 \}/);
    // An array of one constant is not a key: left as it is.
    assert.match(code, /, \[_e\], \[0\]\];$/);
  });

  test('leaves a key alone whose name is not a string constant of the file', () => {
    const source = 'const _n = 3;\nexport var Y$ = { [_n]: 1, [_other]: 2 };';
    assert.deepEqual(literalSchemaKeys(source), { code: source, rewritten: 0 });
  });

  test("still applies to the installed S3 client's schema file", () => {
    const require = createRequire(import.meta.url);
    const file = path.join(path.dirname(require.resolve('@aws-sdk/client-s3/package.json')), 'dist-es/schemas/schemas_0.js');
    assert.match(file, SDK_SCHEMA_FILE);
    const { rewritten } = literalSchemaKeys(readFileSync(file, 'utf8'));
    assert.ok(rewritten > 500, `only ${rewritten} keys rewritten: has the SDK changed how it writes schemas?`);
  });
});

test('no module of lambdas/ is imported for its side effects alone, as lib/own-modules-plugin.ts assumes', () => {
  const bare: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, 'lambdas'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    for (const line of readFileSync(file, 'utf8').split('\n')) if (/^\s*import\s*['"]/.test(line)) bare.push(`${path.relative(ROOT, file)}: ${line.trim()}`);
  }
  assert.deepEqual(bare, []);
});

describe('a Lambda bundle that sends S3 commands through the SDK (built as the stack builds a function)', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'wharf-bundling-'));
  after(() => rmSync(outdir, { recursive: true, force: true }));
  const built = bundle('test/support/sdk-s3-bundle-entry.ts', outdir, ROOT, { metafile: true });

  /** The code a cold start loads: the entry chunk and what it imports statically. */
  async function coldStart(): Promise<string> {
    const { metafile } = await built;
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const i of metafile!.outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    visit(path.relative(ROOT, path.join(outdir, ENTRY_CHUNK)));
    return [...seen].map((f) => readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
  }

  test('carries the schemas of the S3 commands it sends, and not those of the rest of S3', async () => {
    const code = await coldStart();
    for (const used of ['ListObjectsV2Request', 'HeadObjectOutput', 'DeleteObjectRequest']) assert.ok(code.includes(`"${used}"`), `${used} is missing`);
    for (const unused of ['SelectObjectContentRequest', 'PutBucketLifecycleConfigurationRequest', 'AnalyticsConfiguration']) {
      assert.ok(!code.includes(`"${unused}"`), `${unused} is in the cold start`);
    }
  });

  test('takes credentials from the environment alone: no other link of the default chain is bundled', async () => {
    const { metafile } = await built;
    const inputs = Object.keys(metafile!.inputs);
    assert.ok(inputs.some((i) => i.endsWith('lambdas/functions/lambda-credential-provider.ts')));
    assert.ok(inputs.some((i) => i.includes('@aws-sdk/credential-provider-env/')));
    for (const gone of ['@aws-sdk/credential-provider-node/', '@aws-sdk/credential-provider-sso/', '@aws-sdk/credential-provider-ini/', '@aws-sdk/nested-clients/']) {
      assert.deepEqual(inputs.filter((i) => i.includes(gone)), [], `${gone} is bundled`);
    }
  });

});

describe('a Lambda bundle (the sweeper, built as the stack builds it)', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'wharf-bundling-'));
  after(() => rmSync(outdir, { recursive: true, force: true }));
  const built = bundle('lambdas/functions/sweeper-handler.ts', outdir, ROOT, { metafile: true });

  test('leaves out the upload rules, which its configuration module imports but it never runs', async () => {
    const { metafile } = await built;
    // What lands in some chunk (metafile.inputs also names what was read and then dropped).
    const inputs = Object.values(metafile!.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([i]) => i));
    for (const unused of ['lambdas/core/legacy-upload.ts', 'lambdas/core/core-metadata.ts', 'lambdas/core/requirements.ts']) {
      assert.ok(!inputs.some((i) => i.endsWith(unused)), `${unused} is bundled`);
    }
  });
});
