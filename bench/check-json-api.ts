/**
 * The JSON API against real packages: imports real wheels and sdists of this machine's
 * mirrors into a fresh local Wharf, then compares `/pypi/NAME/VERSION/json` field by field
 * with what Warehouse's upload would store for the same file. The reference side is
 * computed by python3 with packaging's own `packaging.metadata` (what Warehouse's
 * forklift parses uploads with) and Warehouse's mappings (keywords joined with ", ",
 * `str(SpecifierSet)` for Requires-Python, Dynamic title-cased, Home-page/Download-URL in
 * project_urls, description "" when absent), not by Wharf's parser.
 *
 *   node --import tsx bench/check-json-api.ts [--max N] [dir ...]   (default: 200 files, /opt/pypi/files /opt/pypi-more/files)
 *
 * Exits 1 on any difference beyond the documented ones: a description cut at 64 KiB, blank
 * and `UNKNOWN` values kept as nothing, multi-line values unfolded, CRLF read as LF,
 * surrounding whitespace trimmed. Only a release's first file is compared for `info` (its
 * metadata is that file's, as on PyPI); every file for its digest, size and type.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDbMetadataStore } from '../lambdas/adapters/dynamodb-metadata-store.ts';
import { S3BlobStore } from '../lambdas/adapters/s3-blob-store.ts';
import { sdkS3Objects } from '../lambdas/adapters/s3-sdk-objects.ts';
import { importDistributions } from '../lambdas/cli/import-command.ts';
import { s3FileUploader } from '../lambdas/cli/import-target.ts';
import type { WarehouseReleaseJson } from '../lambdas/core/warehouse-json.ts';
import { createDynamoDbClient, createS3Client } from '../lambdas/local/embedded-stores.ts';
import { startLocalWharf } from '../lambdas/local/local-wharf.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { max: { type: 'string' } } });
const max = values.max === undefined ? 200 : Number(values.max);
const dirs = positionals.length > 0 ? positionals : ['/opt/pypi/files', '/opt/pypi-more/files'];

const REFERENCE = String.raw`
import json, sys, zipfile, tarfile
from packaging.metadata import parse_email
from packaging.utils import canonicalize_name, canonicalize_version
def read(path):
    if path.endswith('.whl'):
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.count('/') == 1 and n.endswith('.dist-info/METADATA'))
            return z.read(name)
    with tarfile.open(path) as t:
        member = min((m for m in t.getmembers() if m.name.count('/') == 1 and m.name.endswith('/PKG-INFO')), key=lambda m: len(m.name))
        return t.extractfile(member).read()
for path in sys.argv[1:]:
    raw, _ = parse_email(read(path))
    def spec(v):
        try:
            from packaging.specifiers import SpecifierSet
            return str(SpecifierSet(v))
        except Exception:
            return v
    urls = {}
    if raw.get('home_page'): urls['Homepage'] = raw['home_page']
    if raw.get('download_url'): urls['Download'] = raw['download_url']
    norm = lambda s: ''.join(c for c in s if c.isalnum()).lower()
    for label, url in (raw.get('project_urls') or {}).items():
        if norm(label) == 'homepage' and url == urls.get('Homepage'): continue
        if norm(label) == 'downloadurl' and url == urls.get('Download'): continue
        urls[label] = url
    info = {
        'version': raw.get('version'),
        'summary': raw.get('summary'),
        'description': raw.get('description') or '',
        'description_content_type': raw.get('description_content_type'),
        'keywords': ', '.join(raw['keywords']) if raw.get('keywords') else None,
        'license': raw.get('license'),
        'license_expression': raw.get('license_expression'),
        'license_files': raw.get('license_files') or None,
        'classifiers': raw.get('classifiers') or [],
        'author': raw.get('author'),
        'author_email': raw.get('author_email'),
        'maintainer': raw.get('maintainer'),
        'maintainer_email': raw.get('maintainer_email'),
        'requires_python': spec(raw['requires_python']) if raw.get('requires_python') else None,
        'project_urls': urls or None,
        'requires_dist': raw.get('requires_dist') or None,
        'provides_extra': raw.get('provides_extra') or None,
        'home_page': raw.get('home_page'),
        'download_url': raw.get('download_url'),
        'dynamic': [d.title() for d in raw['dynamic']] if raw.get('dynamic') else None,
    }
    print(json.dumps({'path': path, 'name': canonicalize_name(raw.get('name', '')), 'info': info}))
`;

async function corpus(): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (!/\.(whl|tar\.gz)$/.test(name)) continue;
      const full = path.join(dir, name);
      // Small files only: the check is about metadata, and the mirrors hold gigabytes.
      if ((await stat(full)).size <= 3 * 1024 * 1024) found.push(full);
    }
  }
  return found.slice(0, max);
}

const files = await corpus();
if (files.length === 0) {
  console.log(`No wheels or sdists under ${dirs.join(', ')}: this check needs the machine's real mirrors.`);
  process.exit(0);
}
/** A python3 whose packaging has packaging.metadata (22.0+): the pyenv one here, Debian's has 23.0 on some machines. */
function referencePython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import packaging.metadata'], { stdio: 'ignore' });
      return python;
    } catch {
      // next
    }
  }
  return undefined;
}
const python = referencePython();
if (!python) {
  console.log('No python3 with packaging.metadata (packaging 22+) here: the reference side cannot be computed.');
  process.exit(0);
}
const reference = new Map<string, { name: string; info: Record<string, unknown> }>();
const failedReference: string[] = [];
for (const file of files) {
  try {
    const line = execFileSync(python, ['-c', REFERENCE, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const parsed = JSON.parse(line) as { path: string; name: string; info: Record<string, unknown> };
    reference.set(parsed.path, parsed);
  } catch {
    failedReference.push(path.basename(file));
  }
}

const wharf = await startLocalWharf({ port: 0, logLevel: 'SILENT', upstream: { mode: 'none' } });
const dynamodb = createDynamoDbClient(wharf.stores);
const s3 = createS3Client(wharf.stores);
let exitCode = 0;
try {
  const summary = await importDistributions(
    {
      description: 'check',
      metadata: new DynamoDbMetadataStore(dynamodb, wharf.stores.tableName),
      blobs: new S3BlobStore(sdkS3Objects(s3, wharf.stores.bucketName)),
      files: s3FileUploader(s3, wharf.stores.bucketName),
      close: async () => undefined,
    },
    files,
  );
  const refused = new Set([...summary.refused, ...summary.failed].map((r) => r.file.path));
  const differences = new Map<string, string[]>();
  const known = new Map<string, number>();
  let compared = 0;
  let fields = 0;
  for (const file of files) {
    const ref = reference.get(file);
    if (!ref || refused.has(file)) continue;
    const version = String(ref.info.version);
    const res = await fetch(`${wharf.url}/pypi/${ref.name}/${encodeURIComponent(version)}/json`);
    if (res.status !== 200) {
      differences.set(`status ${res.status}`, [...(differences.get(`status ${res.status}`) ?? []), path.basename(file)]);
      continue;
    }
    const doc = (await res.json()) as WarehouseReleaseJson;
    // A release's metadata is its first file's (as on PyPI): another file of it may say otherwise.
    const first = [...doc.urls].sort((a, b) => (a.upload_time_iso_8601 < b.upload_time_iso_8601 ? -1 : 1))[0];
    const isFirst = first?.filename === path.basename(file);
    if (isFirst) compared++;
    const ours = doc.info as unknown as Record<string, unknown>;
    for (const [field, expected] of isFirst ? Object.entries(ref.info) : []) {
      fields++;
      let actual = ours[field];
      if (field === 'version') actual = doc.info.version;
      if (JSON.stringify(actual) === JSON.stringify(expected)) continue;
      // Documented: Wharf cuts descriptions at 64 KiB and keeps distutils' UNKNOWN as nothing.
      if (field === 'description' && typeof expected === 'string' && typeof actual === 'string' && expected.startsWith(actual) && Buffer.byteLength(expected) > 64 * 1024) {
        known.set('description cut at 64 KiB', (known.get('description cut at 64 KiB') ?? 0) + 1);
        continue;
      }
      const note = (what: string) => known.set(what, (known.get(what) ?? 0) + 1);
      const unindented = (v: string) => v.replace(/\r\n/g, '\n').replace(/\n[ \t]*\|?/g, '\n').trim();
      if (typeof expected === 'string' && typeof actual === 'string') {
        // Wharf's metadata parser normalizes what packaging keeps as written.
        if (expected.replace(/\r\n/g, '\n') === actual) {
          note(`${field}: CRLF line endings as LF`);
          continue;
        }
        if (expected.trim() === actual) {
          note(`${field}: surrounding whitespace trimmed`);
          continue;
        }
        // The core metadata spec folds multi-line values (8 spaces, or 7 and "|"); Wharf unfolds them, packaging keeps the indent.
        if (expected.includes('\n') && unindented(expected) === unindented(actual)) {
          note(`${field}: multi-line value unfolded (continuation indent removed)`);
          continue;
        }
      }
      if ((expected === '' || (typeof expected === 'string' && expected.trim() === 'UNKNOWN')) && (actual === null || actual === '')) {
        note(`${field}: blank or UNKNOWN kept as nothing`);
        continue;
      }
      if (expected === 'UNKNOWN' && actual === null) {
        known.set(`${field} UNKNOWN → null`, (known.get(`${field} UNKNOWN → null`) ?? 0) + 1);
        continue;
      }
      // The release's metadata comes from its first file; another file may say otherwise.
      const key = field;
      differences.set(key, [...(differences.get(key) ?? []), `${path.basename(file)}: expected ${JSON.stringify(expected)?.slice(0, 120)} got ${JSON.stringify(actual)?.slice(0, 120)}`]);
    }
    const bytes = await readFile(file);
    const entry = doc.urls.find((u) => u.filename === path.basename(file));
    fields += 3;
    if (!entry) differences.set('file missing from urls', [...(differences.get('file missing from urls') ?? []), path.basename(file)]);
    else {
      if (entry.digests.sha256 !== createHash('sha256').update(bytes).digest('hex')) differences.set('sha256', [...(differences.get('sha256') ?? []), entry.filename]);
      if (entry.size !== bytes.byteLength) differences.set('size', [...(differences.get('size') ?? []), entry.filename]);
      if (entry.packagetype !== (file.endsWith('.whl') ? 'bdist_wheel' : 'sdist')) differences.set('packagetype', [...(differences.get('packagetype') ?? []), entry.filename]);
    }
  }
  console.log(`JSON API vs packaging.metadata + Warehouse's mapping: ${files.length} real files, ${summary.created} imported, ${refused.size} refused by the upload rules, ${failedReference.length} packaging could not parse`);
  console.log(`  ${compared} releases' info compared with their first file, ${fields} fields (sha256, size and type of every file)`);
  for (const [what, count] of known) console.log(`  known difference: ${what} (${count})`);
  if (differences.size === 0) console.log('  no other difference');
  for (const [field, examples] of differences) {
    exitCode = 1;
    console.log(`  DIFFERENT ${field} (${examples.length}):`);
    for (const example of examples.slice(0, 5)) console.log(`    ${example}`);
  }
} finally {
  dynamodb.destroy();
  s3.destroy();
  await wharf.close();
}
process.exitCode = exitCode;
