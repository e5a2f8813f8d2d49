/** The read model of the JSON API, the search and the front page (issue 16), on in-memory stores. */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { type Zippable, strToU8, zipSync } from 'fflate';

import { Ingest } from '../../lambdas/app/ingest.ts';
import { ProjectAdmin } from '../../lambdas/app/project-admin.ts';
import { ProjectViews } from '../../lambdas/app/project-views.ts';
import { refreshAllSummaries } from '../../lambdas/app/project-summaries.ts';
import { SimpleIndex } from '../../lambdas/app/simple-index.ts';
import { InvalidInputError } from '../../lambdas/core/errors.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import { overviewOf, searchProjects, type ProjectSummary } from '../../lambdas/core/project-search.ts';
import {
  latestRelease,
  projectUrlsOf,
  releaseGroups,
  specifierSetString,
  type WarehouseProjectJson,
  type WarehouseReleaseJson,
} from '../../lambdas/core/warehouse-json.ts';
import { MemoryBlobStore, MemoryMetadataStore } from '../support/memory-stores.ts';

const WHEEL_FILE = 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n';

/** A wheel of `name` `version` whose METADATA carries `headers` (one per line) and a README. */
function makeWheel(name: string, version: string, headers: readonly string[] = [], tags = 'py3-none-any'): { filename: string; bytes: Uint8Array } {
  const module = name.replace(/[-.]+/g, '_').toLowerCase();
  const distInfo = `${module}-${version}.dist-info`;
  const metadata = [`Metadata-Version: 2.1`, `Name: ${name}`, `Version: ${version}`, ...headers].join('\n');
  const files: Record<string, string> = {
    [`${module}/__init__.py`]: `VERSION = ${JSON.stringify(version + tags)}\n`,
    [`${distInfo}/METADATA`]: `${metadata}\n\n# ${name}\n\nThe README of ${version}.\n`,
    [`${distInfo}/WHEEL`]: WHEEL_FILE,
    [`${distInfo}/RECORD`]: `${module}/__init__.py,,\n`,
  };
  const zippable: Zippable = {};
  for (const [path, content] of Object.entries(files)) zippable[path] = strToU8(content);
  return { filename: `${module}-${version}-${tags}.whl`, bytes: zipSync(zippable) };
}

function file(version: string, overrides: Partial<DistributionFile> = {}): DistributionFile {
  return {
    project: 'demo',
    filename: `demo-${version}-py3-none-any.whl`,
    version,
    packagetype: 'bdist_wheel',
    sha256: 'a'.repeat(64),
    size: 10,
    uploadTime: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const latestOf = (files: DistributionFile[]) => latestRelease(releaseGroups(files))?.version;

describe('latest release (as pypi.org picks it)', () => {
  test('the highest final release wins over a higher pre-release', () => {
    assert.equal(latestOf([file('1.0'), file('2.0rc1'), file('1.1'), file('2.0.dev3')]), '1.1');
  });
  test('a yanked release is passed over for the highest one not yanked', () => {
    assert.equal(latestOf([file('1.0'), file('1.1', { yanked: { reason: 'broken' } })]), '1.0');
  });
  test('only pre-releases not yanked: the highest of them', () => {
    assert.equal(latestOf([file('1.0', { yanked: { reason: '' } }), file('2.0a1'), file('2.0b1')]), '2.0b1');
  });
  test('everything yanked: the highest final release, else the highest', () => {
    assert.equal(latestOf([file('1.0', { yanked: { reason: '' } }), file('2.0a1', { yanked: { reason: '' } })]), '1.0');
    assert.equal(latestOf([file('2.0a1', { yanked: { reason: '' } }), file('2.0a2', { yanked: { reason: '' } })]), '2.0a2');
  });
  test('PEP 440 order, not string order; equal versions are one release', () => {
    const groups = releaseGroups([file('1.10'), file('1.9'), file('1.0', { filename: 'demo-1.0.tar.gz', packagetype: 'sdist', uploadTime: '2025-12-31T00:00:00.000Z' }), file('1.0.0')]);
    // A release is named as its first upload spelled it.
    assert.deepEqual(groups.map((g) => g.version), ['1.10', '1.9', '1.0']);
    assert.equal(groups[2]!.files.length, 2);
  });
  test('a release is yanked only when every file is, with the first reason given', () => {
    const partly = releaseGroups([file('1.0', { yanked: { reason: 'x' } }), file('1.0', { filename: 'demo-1.0.tar.gz', packagetype: 'sdist' })]);
    assert.equal(partly[0]!.yanked, false);
    assert.equal(partly[0]!.yankedReason, undefined);
    const wholly = releaseGroups([
      file('1.0', { filename: 'demo-1.0-a.whl', yanked: { reason: '' } }),
      file('1.0', { filename: 'demo-1.0-b.whl', yanked: { reason: 'CVE-2026-1' } }),
    ]);
    assert.equal(wholly[0]!.yanked, true);
    assert.equal(wholly[0]!.yankedReason, 'CVE-2026-1');
  });
});

describe('Requires-Python as Warehouse stores it (str of a SpecifierSet)', () => {
  test('spaces dropped, specifiers sorted; what packaging would refuse stays as given', () => {
    assert.equal(specifierSetString('>= 3.8, <4'), '<4,>=3.8');
    assert.equal(specifierSetString('!=3.0.*,>=2.7'), '!=3.0.*,>=2.7');
    assert.equal(specifierSetString('>=3.9'), '>=3.9');
    assert.equal(specifierSetString('python 3'), 'python 3');
  });
});

describe('project_urls as Warehouse builds them', () => {
  test('Homepage and Download first, a Project-URL repeating them left out, the rest in order', () => {
    const urls = projectUrlsOf({
      metadata_version: '2.1',
      requires_dist: [],
      license_files: [],
      classifiers: [],
      provides_extra: [],
      dynamic: [],
      home_page: 'https://example.org',
      project_urls: [
        { label: 'Home-Page', url: 'https://example.org' },
        { label: 'Source', url: 'https://git.example.org/demo' },
      ],
    });
    assert.deepEqual(urls, { Homepage: 'https://example.org', Source: 'https://git.example.org/demo' });
    assert.deepEqual(Object.keys(urls!), ['Homepage', 'Source']);
  });
});

function summary(name: string, text: string, overrides: Partial<ProjectSummary> = {}): ProjectSummary {
  return { name, displayName: name, version: '1.0', summary: text, uploadTime: '2026-01-01T00:00:00.000Z', lastUpload: { version: '1.0', time: '2026-01-01T00:00:00.000Z' }, serial: 1, ...overrides };
}

describe('search ranking, paging and filtering', () => {
  const all = [
    summary('requests-toolbelt', 'Utilities for requests'),
    summary('requests', 'HTTP for Humans'),
    summary('my-requests', 'Another one'),
    summary('httpx', 'The next generation HTTP client'),
    summary('requests-oauthlib', 'OAuth for requests'),
    summary('secret-requests', 'Nobody may see this'),
    summary('gone', 'All files deleted', { version: undefined }),
  ];
  const canRead = (p: string) => p !== 'secret-requests';

  test('exact > prefix > substring > summary words; shorter names first within a rank', () => {
    const page = searchProjects(all, 'Requests', { canRead });
    assert.deepEqual(page.results.map((r) => r.name), ['requests', 'requests-oauthlib', 'requests-toolbelt', 'my-requests']);
    assert.equal(page.total, 4);
    const http = searchProjects(all, 'http', { canRead });
    // httpx by its name; requests by "HTTP for Humans"; httpx is not counted twice.
    assert.deepEqual(http.results.map((r) => r.name), ['httpx', 'requests']);
  });

  test('a query is compared as a normalized name: Requests_OAuthlib finds requests-oauthlib first', () => {
    assert.equal(searchProjects(all, 'Requests_OAuthlib').results[0]!.name, 'requests-oauthlib');
  });

  test('every word of a query must appear in the name or summary', () => {
    assert.deepEqual(searchProjects(all, 'generation client').results.map((r) => r.name), ['httpx']);
    assert.equal(searchProjects(all, 'generation banana').total, 0);
  });

  test('a project the caller may not read is in no result, no count, no page', () => {
    const page = searchProjects(all, 'secret', { canRead });
    assert.equal(page.total, 0);
    assert.deepEqual(page.results, []);
    assert.equal(searchProjects(all, 'secret').total, 1);
    assert.equal(overviewOf(all, { canRead }).projectCount, 5);
  });

  test('pages of pageSize, in rank order; past the end is empty, not an error', () => {
    const p1 = searchProjects(all, 'requests', { pageSize: 2, canRead });
    const p2 = searchProjects(all, 'requests', { pageSize: 2, page: 2, canRead });
    const p3 = searchProjects(all, 'requests', { pageSize: 2, page: 3, canRead });
    assert.deepEqual([...p1.results, ...p2.results].map((r) => r.name), ['requests', 'requests-oauthlib', 'requests-toolbelt', 'my-requests']);
    assert.equal(p1.pageCount, 2);
    assert.deepEqual(p3.results, []);
    assert.equal(p3.total, 4);
  });

  test('bad paging and overlong queries are refused with a message', () => {
    assert.throws(() => searchProjects(all, 'x', { page: 0 }), InvalidInputError);
    assert.throws(() => searchProjects(all, 'x', { pageSize: 101 }), /1 to 100/);
    assert.throws(() => searchProjects(all, 'x'.repeat(201)), /at most 200/);
  });

  test('an empty query lists every visible project with a release, by name', () => {
    const page = searchProjects(all, '  ', { canRead, pageSize: 100 });
    assert.deepEqual(page.results.map((r) => r.name), ['httpx', 'requests', 'my-requests', 'requests-oauthlib', 'requests-toolbelt']);
  });

  test('overview: the latest uploads first, only readable projects', () => {
    const recent = [
      summary('old', 'x', { lastUpload: { version: '0.1', time: '2026-01-01T00:00:00.000Z' } }),
      summary('new', 'y', { lastUpload: { version: '0.9', time: '2026-03-01T00:00:00.000Z' } }),
      summary('hidden', 'z', { lastUpload: { version: '9', time: '2026-04-01T00:00:00.000Z' } }),
    ];
    const overview = overviewOf(recent, { canRead: (p) => p !== 'hidden' });
    assert.equal(overview.projectCount, 2);
    assert.deepEqual(overview.latestUploads.map((u) => [u.name, u.version]), [['new', '0.9'], ['old', '0.1']]);
  });
});

describe('ProjectViews over the write path', () => {
  let metadata: MemoryMetadataStore;
  let blobs: MemoryBlobStore;
  let ingest: Ingest;
  let admin: ProjectAdmin;
  let views: ProjectViews;
  let clock: number;
  const links = { base: 'https://pkgs.example.org' };

  const upload = async (name: string, version: string, headers: string[] = [], tags?: string) => {
    const { filename, bytes } = makeWheel(name, version, headers, tags);
    return (await ingest.ingest(filename, bytes)).file;
  };

  beforeEach(() => {
    metadata = new MemoryMetadataStore();
    blobs = new MemoryBlobStore();
    clock = Date.UTC(2026, 0, 1);
    const now = () => new Date((clock += 60_000));
    ingest = new Ingest(metadata, blobs, now);
    admin = new ProjectAdmin(metadata, blobs, now);
    views = new ProjectViews(metadata, new SimpleIndex(metadata));
  });

  test('/pypi/NAME/json: info of the latest release, every release, digests and sizes as stored', async () => {
    const first = await upload('Demo.Pkg', '1.0', ['Summary: First', 'Requires-Python: >=3.9', 'Project-URL: Source, https://git.example.org/demo', 'Classifier: License :: OSI Approved :: MIT License', 'Requires-Dist: idna>=3']);
    const second = await upload('Demo.Pkg', '1.1', ['Summary: Second', 'Description-Content-Type: text/markdown']);
    await upload('Demo.Pkg', '2.0rc1', ['Summary: Pre']);

    const view = await views.project('DEMO_pkg', links);
    assert.ok(view);
    const doc = view.document as WarehouseProjectJson;
    assert.equal(doc.info.name, 'Demo.Pkg');
    assert.equal(doc.info.version, '1.1');
    assert.equal(doc.info.summary, 'Second');
    assert.equal(doc.info.description_content_type, 'text/markdown');
    assert.match(doc.info.description!, /The README of 1\.1/);
    assert.equal(doc.info.yanked, false);
    assert.equal(doc.info.yanked_reason, null);
    assert.equal(doc.info.package_url, 'https://pkgs.example.org/project/demo-pkg/');
    assert.equal(doc.info.release_url, 'https://pkgs.example.org/project/demo-pkg/1.1/');
    assert.deepEqual(Object.keys(doc.releases).sort(), ['1.0', '1.1', '2.0rc1']);
    assert.equal(doc.urls.length, 1);
    const [url] = doc.urls;
    assert.equal(url!.filename, second.filename);
    assert.deepEqual(url!.digests, { sha256: second.sha256 });
    assert.equal(url!.size, second.size);
    assert.equal(url!.upload_time_iso_8601, second.uploadTime);
    assert.equal(url!.upload_time, second.uploadTime.slice(0, 19));
    assert.equal(url!.url, `https://pkgs.example.org/files/demo-pkg/${second.sha256}/${second.filename}`);
    assert.equal(url!.python_version, 'py3');
    assert.deepEqual(url!['core-metadata'], { sha256: second.metadataSha256 });
    const old = doc.releases['1.0']![0]!;
    assert.equal(old.requires_python, '>=3.9');
    assert.deepEqual(old.digests, { sha256: first.sha256 });
    assert.equal(doc.last_serial, view.serial);
    assert.deepEqual(JSON.parse(view.json.body), doc);

    const release = await views.release('demo-pkg', '1.0.0', links);
    const one = release!.document as WarehouseReleaseJson;
    assert.equal(one.info.version, '1.0');
    assert.equal(one.info.requires_python, '>=3.9');
    assert.deepEqual(one.info.project_urls, { Source: 'https://git.example.org/demo' });
    assert.deepEqual(one.info.requires_dist, ['idna>=3']);
    assert.deepEqual(one.info.classifiers, ['License :: OSI Approved :: MIT License']);
    assert.equal('releases' in one, false, 'a release document has no releases, as on pypi.org');
    assert.equal(await views.release('demo-pkg', '3.0', links), undefined);
    assert.equal(await views.release('demo-pkg', 'not a version', links), undefined);
    assert.equal(await views.project('nothing-here', links), undefined);
  });

  test('a yank and a delete show on the next view, and in the search summary', async () => {
    await upload('demo', '1.0', ['Summary: One']);
    const two = await upload('demo', '2.0', ['Summary: Two']);
    assert.equal((await views.project('demo', links))!.latest.version, '2.0');
    assert.equal((await views.search('demo')).results[0]!.version, '2.0');

    await admin.yank('demo', { version: '2.0' }, 'broken wheel, use 1.0');
    const yanked = await views.project('demo', links);
    const doc = yanked!.document as WarehouseProjectJson;
    assert.equal(doc.info.version, '1.0');
    assert.equal(doc.releases['2.0']![0]!.yanked, true);
    assert.equal(doc.releases['2.0']![0]!.yanked_reason, 'broken wheel, use 1.0');
    const twoDoc = (await views.release('demo', '2.0', links))!.document;
    assert.equal(twoDoc.info.yanked, true);
    assert.equal(twoDoc.info.yanked_reason, 'broken wheel, use 1.0');
    assert.equal((await views.search('demo')).results[0]!.version, '1.0');
    assert.equal((await views.search('demo')).results[0]!.summary, 'One');

    await admin.unyank('demo', { version: '2.0' });
    assert.equal((await views.search('demo')).results[0]!.version, '2.0');

    await admin.delete('demo', { filename: two.filename }, 'test');
    const after = (await views.project('demo', links))!.document as WarehouseProjectJson;
    assert.deepEqual(Object.keys(after.releases), ['1.0']);
    assert.equal((await views.search('demo')).results[0]!.version, '1.0');

    const [one] = (await views.project('demo', links))!.releases[0]!.files;
    await admin.delete('demo', { filename: one!.filename }, 'test');
    assert.equal(await views.project('demo', links), undefined);
    assert.equal((await views.search('demo')).total, 0);
    assert.equal((await views.overview()).projectCount, 0);
  });

  test('a kept view costs the serial read; a write is seen on the next request', async () => {
    await upload('demo', '1.0');
    const a = await views.project('demo', links);
    let pageReads = 0;
    const original = metadata.getProjectPage.bind(metadata);
    metadata.getProjectPage = async (p) => {
      pageReads++;
      return original(p);
    };
    const b = await views.project('demo', links);
    assert.equal(b, a, 'the same kept view');
    assert.equal(pageReads, 0);
    await upload('demo', '1.1');
    const readsByUpload = pageReads;
    const c = await views.project('demo', links);
    assert.equal(pageReads, readsByUpload + 1);
    assert.equal(c!.latest.version, '1.1');
  });

  test('search re-reads only the summary shards that changed', async () => {
    for (const name of ['a', 'bb', 'ccc', 'dddd', 'eeeee']) await upload(name, '1.0', [`Summary: project ${name}`]);
    assert.equal((await views.search('project')).total, 5);
    const before = [...metadata.summaryListings];
    assert.equal((await views.search('project')).total, 5);
    assert.deepEqual(metadata.summaryListings, before, 'nothing changed: no shard read');
    await upload('ccc', '2.0', ['Summary: project ccc again']);
    assert.equal((await views.search('again')).results[0]!.name, 'ccc');
    const reread = metadata.summaryListings.map((n, shard) => n - before[shard]!);
    assert.deepEqual(reread, [0, 0, 0, 1], "only ccc's shard (3 % 4) was read again");
  });

  test('overview counts projects and lists the latest uploads with the version just published', async () => {
    await upload('alpha', '1.0', ['Summary: A']);
    await upload('beta', '2.0', ['Summary: B']);
    await upload('alpha', '0.9.1', ['Summary: backport']);
    const overview = await views.overview();
    assert.equal(overview.projectCount, 2);
    assert.deepEqual(overview.latestUploads.map((u) => [u.name, u.version, u.summary]), [['alpha', '0.9.1', 'A'], ['beta', '2.0', 'B']]);
  });

  test('wharf reindex: an index written before summaries existed becomes searchable', async () => {
    await upload('old-one', '1.0', ['Summary: written long ago']);
    await upload('old-two', '2.0', ['Summary: also old']);
    // As a table written before this release: files and listing, no summaries.
    metadata.summaries.clear();
    for (let i = 0; i < metadata.summarySerials.length; i++) metadata.summarySerials[i]! += 1;
    assert.equal((await views.search('old')).total, 0);
    const seen: string[] = [];
    assert.equal(await refreshAllSummaries(metadata, 4, (project) => seen.push(project)), 2);
    assert.deepEqual(seen.sort(), ['old-one', 'old-two']);
    const found = await views.search('old');
    assert.deepEqual(found.results.map((r) => [r.name, r.version, r.summary]), [['old-one', '1.0', 'written long ago'], ['old-two', '2.0', 'also old']]);
  });

  test('an older summary never replaces a newer one', async () => {
    await upload('demo', '1.0', ['Summary: old']);
    const stale = metadata.summaries.get('demo')!;
    await upload('demo', '2.0', ['Summary: new']);
    assert.equal(await metadata.putProjectSummary(stale), false);
    assert.equal((await views.search('demo')).results[0]!.summary, 'new');
  });
});
