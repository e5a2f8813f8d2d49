/**
 * Where issue 16's views meet issue 17's markers: the PEP 792 project status and the PEP 740
 * provenance in the JSON API, the web pages, the search and the front page, through the read
 * function's handler on in-memory stores, the status set as the admin API sets it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { beforeEach, describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiGatewayEvent } from '../support/api-gateway-event.ts';
import type { FetchedObject, PresignedObjectReader } from '../../lambdas/app/ports.ts';
import { ProjectAdmin } from '../../lambdas/app/project-admin.ts';
import { refreshProjectSummary } from '../../lambdas/app/project-summaries.ts';
import type { Provenance, ProvenancePublisher } from '../../lambdas/core/attestations.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import type { ProjectStatusMarker } from '../../lambdas/core/project-status.ts';
import { overviewOf, searchProjects, summaryOf } from '../../lambdas/core/project-search.ts';
import { provenanceKey } from '../../lambdas/core/storage-keys.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import type { WharfLambdaHandler } from '../../lambdas/http/lambda-handler.ts';
import { MemoryBlobStore, MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';
import { summaryFromItem, summaryItem } from '../../lambdas/adapters/dynamodb-metadata-store.ts';

function event(url: string): APIGatewayProxyEventV2 {
  return apiGatewayEvent(url, { domainName: 'wharf.test', headers: { host: 'wharf.test' } });
}

const context = { functionName: 'read', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
const bodyOf = (res: APIGatewayProxyStructuredResultV2) => String(res.body);

const PUBLISHER = { kind: 'GitHub', repository: 'acme/demo', workflow: 'release.yml', environment: 'pypi' } as const;

function provenanceOf(filename: string, publisher: ProvenancePublisher = PUBLISHER): Provenance {
  return {
    version: 1,
    attestation_bundles: [
      {
        publisher,
        attestations: [
          {
            version: 1,
            verification_material: { certificate: 'Y2VydA==', transparency_entries: [] },
            envelope: { statement: Buffer.from(filename).toString('base64'), signature: 'c2ln' },
          },
        ],
      },
    ],
  };
}

describe('project status and provenance in the JSON API and the web UI', () => {
  let metadata: MemoryMetadataStore;
  let blobs: MemoryBlobStore;
  let admin: ProjectAdmin;
  let handler: WharfLambdaHandler;
  let reads: number;
  const get = (path: string) => handler(event(path), context);

  /** Reads the memory blob store through the URLs it presigns, as FetchObjectReader reads S3. */
  const reader: PresignedObjectReader = {
    async read(url: string): Promise<FetchedObject> {
      reads++;
      const key = decodeURIComponent(new URL(url).pathname.slice(1));
      const object = blobs.objects.get(key);
      return object ? { kind: 'bytes', body: object.body } : { kind: 'missing' };
    },
  };

  async function publish(project: string, version: string, options: { attested?: boolean | ProvenancePublisher; summary?: string } = {}): Promise<DistributionFile> {
    const filename = `${project.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
    const sha256 = createHash('sha256').update(filename).digest('hex');
    let provenanceSha256: string | undefined;
    if (options.attested) {
      const bytes = Buffer.from(JSON.stringify(provenanceOf(filename, options.attested === true ? PUBLISHER : options.attested)));
      provenanceSha256 = createHash('sha256').update(bytes).digest('hex');
      await blobs.put(provenanceKey(project, sha256, filename, provenanceSha256), bytes, { contentType: 'application/json', cacheControl: 'x' });
    }
    const file: DistributionFile = {
      project,
      filename,
      version,
      packagetype: 'bdist_wheel',
      sha256,
      size: 1234,
      uploadTime: `2026-11-0${version.length}T10:00:00.000Z`,
      metadataSha256: 'ab'.repeat(32),
      ...(provenanceSha256 ? { provenanceSha256 } : {}),
    };
    await metadata.putFile(file);
    await metadata.putRelease({
      project,
      version,
      createdAt: '2026-11-01T00:00:00Z',
      metadata: { summary: options.summary ?? `The ${project} package` } as never,
    });
    await metadata.putProject({ name: project, displayName: project, createdAt: '2026-11-01T00:00:00Z' });
    await refreshProjectSummary(metadata, project);
    return file;
  }

  const setStatus = (project: string, status: ProjectStatusMarker) => admin.setStatus(project, status, { admin: true });

  beforeEach(async () => {
    metadata = new MemoryMetadataStore();
    blobs = new MemoryBlobStore();
    admin = new ProjectAdmin(metadata, blobs);
    reads = 0;
    handler = createReadFunction({
      metadata,
      signer: blobs,
      tokens: new MemoryTokenStore(),
      config: { pageCacheControl: 'max-age=42', signingWindowSeconds: 300, publicRead: true, authCacheSeconds: 0 },
      logger: new Logger({ logLevel: 'SILENT' }),
      objects: reader,
    });
    await publish('demo-pkg', '1.0', { attested: true });
    await publish('demo-pkg', '1.1');
    await publish('other-demo', '0.1');
  });

  test('the JSON API carries info.project_status, active by default, and the status with its reason once set', async () => {
    const before = JSON.parse(bodyOf(await get('/pypi/demo-pkg/json')));
    assert.deepEqual(before.info.project_status, { status: 'active' });
    await setStatus('demo-pkg', { status: 'archived', reason: 'Superseded by demo-pkg2' });
    const project = await get('/pypi/demo-pkg/json');
    assert.equal(project.statusCode, 200);
    const doc = JSON.parse(bodyOf(project));
    assert.deepEqual(doc.info.project_status, { status: 'archived', reason: 'Superseded by demo-pkg2' });
    // Archived files are still served, in urls and releases.
    assert.equal(doc.urls.length, 1);
    assert.equal(doc.releases['1.0'].length, 1);
    const release = JSON.parse(bodyOf(await get('/pypi/demo-pkg/1.0/json')));
    assert.deepEqual(release.info.project_status, { status: 'archived', reason: 'Superseded by demo-pkg2' });
    await setStatus('demo-pkg', { status: 'deprecated' });
    assert.deepEqual(JSON.parse(bodyOf(await get('/pypi/demo-pkg/json'))).info.project_status, { status: 'deprecated' });
  });

  test('a quarantined project has no JSON, as on pypi.org: 404 saying why, for the project and each release', async () => {
    // Warm the kept view first: the status must be seen on the very next request.
    assert.equal((await get('/pypi/demo-pkg/json')).statusCode, 200);
    await setStatus('demo-pkg', { status: 'quarantined', reason: 'Malware report 42' });
    for (const path of ['/pypi/demo-pkg/json', '/pypi/demo-pkg/1.0/json', '/pypi/demo-pkg/9.9/json']) {
      const res = await get(path);
      assert.equal(res.statusCode, 404, path);
      const message = JSON.parse(bodyOf(res)).message as string;
      assert.match(message, /demo-pkg is quarantined \(reason: Malware report 42\)/, path);
      assert.doesNotMatch(bodyOf(res), /\/files\//, path);
    }
    await setStatus('demo-pkg', { status: 'active' });
    assert.equal((await get('/pypi/demo-pkg/json')).statusCode, 200);
  });

  test('a quarantined project page: the banner with the reason, no install line, no file link, no provenance', async () => {
    const warm = bodyOf(await get('/project/demo-pkg/1.0/'));
    assert.match(warm, /id="install-line"/);
    assert.match(warm, /href="\/files\/demo-pkg\//);
    await setStatus('demo-pkg', { status: 'quarantined', reason: 'Malware report 42' });
    for (const path of ['/project/demo-pkg/', '/project/demo-pkg/1.0/']) {
      const res = await get(path);
      assert.equal(res.statusCode, 200, path);
      const html = bodyOf(res);
      assert.match(html, /id="project-status-banner" data-status="quarantined">This project is quarantined[^<]*<strong>Reason:<\/strong> Malware report 42<\/p>/, path);
      assert.doesNotMatch(html, /install-line/, path);
      assert.doesNotMatch(html, /\/files\//, path);
      assert.doesNotMatch(html, /\/integrity\//, path);
      assert.match(html, /id="no-files"/, path);
      // The release history still names the versions.
      assert.match(html, /id="release-history"[^]*1\.1[^]*1\.0/, path);
    }
  });

  test('archived and deprecated pages: the banner with the reason, and the install line and files stay', async () => {
    await setStatus('demo-pkg', { status: 'archived', reason: 'Use <demo-pkg2>' });
    let html = bodyOf(await get('/project/demo-pkg/'));
    assert.match(html, /data-status="archived">This project is archived[^<]*<strong>Reason:<\/strong> Use &lt;demo-pkg2&gt;<\/p>/);
    assert.match(html, /<code id="install-line">pip install demo-pkg<\/code>/);
    assert.match(html, /href="\/files\/demo-pkg\/[0-9a-f]{64}\/demo_pkg-1\.1-py3-none-any\.whl"/);
    await setStatus('demo-pkg', { status: 'deprecated' });
    html = bodyOf(await get('/project/demo-pkg/'));
    assert.match(html, /data-status="deprecated">This project is deprecated[^<]*<\/p>/);
    assert.doesNotMatch(html, /Reason:/);
    assert.match(html, /id="install-line"/);
    await setStatus('demo-pkg', { status: 'active' });
    assert.doesNotMatch(bodyOf(await get('/project/demo-pkg/')), /project-status-banner/);
  });

  test('search and latest uploads: archived marked with the reason, quarantined left out, both on the next request', async () => {
    // Warm the kept summaries.
    assert.equal(JSON.parse(bodyOf(await get('/pypi/-/search?q=demo'))).total, 2);
    await setStatus('other-demo', { status: 'archived', reason: 'Unmaintained' });
    await setStatus('demo-pkg', { status: 'quarantined', reason: 'Malware report 42' });

    const found = JSON.parse(bodyOf(await get('/pypi/-/search?q=demo')));
    assert.deepEqual(found.results.map((r: { name: string; status?: unknown }) => [r.name, r.status]), [['other-demo', { status: 'archived', reason: 'Unmaintained' }]]);
    assert.equal(found.total, 1);

    const search = bodyOf(await get('/search/?q=demo'));
    assert.match(search, /other-demo<\/a> <span class="muted">0\.1<\/span> <span class="status" data-status="archived">archived<\/span> <span class="muted status-reason">Unmaintained<\/span>/);
    assert.doesNotMatch(search, /demo-pkg/);

    const home = bodyOf(await get('/'));
    assert.match(home, /2 projects/, 'a quarantined project still counts: its page answers');
    assert.match(home, /data-status="archived"/);
    assert.doesNotMatch(home, /href="\/project\/demo-pkg\/"/);

    await setStatus('demo-pkg', { status: 'active' });
    assert.equal(JSON.parse(bodyOf(await get('/pypi/-/search?q=demo'))).total, 2);
  });

  test('an attested file names its verified publisher and links its provenance; read once per warm function', async () => {
    const res = await get('/project/demo-pkg/1.0/');
    const html = bodyOf(res);
    assert.match(
      html,
      /demo_pkg-1\.0-py3-none-any\.whl<\/a><div class="provenance">Verified attestations: published by <a href="https:\/\/github\.com\/acme\/demo" rel="nofollow noopener noreferrer">acme\/demo<\/a>, workflow <code>release\.yml<\/code>, environment <code>pypi<\/code> · <a href="\/integrity\/demo-pkg\/1\.0\/demo_pkg-1\.0-py3-none-any\.whl\/provenance">provenance<\/a><\/div>/,
    );
    // The link is the integrity route's: it serves the object byte for byte.
    const link = /href="(\/integrity\/[^"]+)"/.exec(html)![1]!;
    const served = await get(link);
    assert.equal(served.statusCode, 200);
    assert.deepEqual(JSON.parse(Buffer.from(String(served.body), served.isBase64Encoded ? 'base64' : 'utf8').toString()), provenanceOf('demo_pkg-1.0-py3-none-any.whl'));
    const after = reads;
    await get('/project/demo-pkg/1.0/');
    assert.equal(reads, after, 'the provenance object is kept: it never changes');
    // A release without attestations says nothing of provenance.
    assert.doesNotMatch(bodyOf(await get('/project/demo-pkg/1.1/')), /class="provenance"/);
    // The JSON API stays as Warehouse's: no provenance field.
    assert.doesNotMatch(bodyOf(await get('/pypi/demo-pkg/1.0/json')), /provenance|integrity/);
  });

  test('GitLab and Google publishers are named as their kind: the GitLab project linked on its instance, the service account', async () => {
    await publish('demo-pkg', '2.0', { attested: { kind: 'GitLab', repository: 'Acme/Tools/Demo', workflow_filepath: 'ci/release.yml', environment: 'pypi' } });
    assert.match(
      bodyOf(await get('/project/demo-pkg/2.0/')),
      /<div class="provenance">Verified attestations: published by GitLab project <a href="https:\/\/gitlab\.com\/Acme\/Tools\/Demo" rel="nofollow noopener noreferrer">Acme\/Tools\/Demo<\/a>, CI file <code>ci\/release\.yml<\/code>, environment <code>pypi<\/code> · <a href="\/integrity\/demo-pkg\/2\.0\//,
    );
    await publish('demo-pkg', '2.1', { attested: { kind: 'GitLab', repository: 'acme/demo', workflow_filepath: '.gitlab-ci.yml', claims: { issuer: 'https://git.acme.example' } } });
    assert.match(
      bodyOf(await get('/project/demo-pkg/2.1/')),
      /published by GitLab project <a href="https:\/\/git\.acme\.example\/acme\/demo" rel="nofollow noopener noreferrer">acme\/demo<\/a> on https:\/\/git\.acme\.example, CI file <code>\.gitlab-ci\.yml<\/code> · /,
    );
    await publish('demo-pkg', '2.2', { attested: { kind: 'Google', email: 'release@acme-build.iam.gserviceaccount.com' } });
    assert.match(bodyOf(await get('/project/demo-pkg/2.2/')), /published by Google Cloud service account <code>release@acme-build\.iam\.gserviceaccount\.com<\/code> · <a href="\/integrity\//);
    // What a stored object names is escaped, and an instance that is not http(s) is not linked.
    await publish('demo-pkg', '2.3', { attested: { kind: 'GitLab', repository: 'a/<b>', workflow_filepath: '<i>.yml', claims: { issuer: 'javascript:alert(1)' } } });
    const html = bodyOf(await get('/project/demo-pkg/2.3/'));
    assert.match(html, /published by GitLab project <code>a\/&lt;b&gt;<\/code> on javascript:alert\(1\), CI file <code>&lt;i&gt;\.yml<\/code>/);
    assert.doesNotMatch(html, /href="javascript:/);
  });

  test('a provenance object that cannot be read still marks the file attested, without a publisher', async () => {
    const file = [...metadata.files.get('demo-pkg')!.values()].find((f) => f.provenanceSha256)!;
    blobs.objects.delete(provenanceKey(file.project, file.sha256, file.filename, file.provenanceSha256!));
    const html = bodyOf(await get('/project/demo-pkg/1.0/'));
    assert.match(html, /<div class="provenance">Verified attestations · <a href="\/integrity\/demo-pkg\/1\.0\/[^"]+\/provenance">provenance<\/a><\/div>/);
  });
});

describe('summaries carry the status', () => {
  const base = { name: 'demo', displayName: 'Demo', serial: 3 };
  const latest = { version: '1.0', uploadTime: '2026-11-01T00:00:00.000Z', summary: 'A demo' };
  const last = { version: '1.0', time: '2026-11-01T00:00:00.000Z' };

  test('summaryOf keeps a status other than active, and the DynamoDB item round-trips it', () => {
    assert.equal(summaryOf({ ...base, status: { status: 'active' } }, latest, last).status, undefined);
    for (const status of [{ status: 'archived', reason: 'old' }, { status: 'quarantined' }, { status: 'deprecated', reason: 'use x' }] as const) {
      const summary = summaryOf({ ...base, status }, latest, last);
      assert.deepEqual(summary.status, status);
      assert.deepEqual(summaryFromItem(summaryItem(summary)), summary);
    }
    const plain = summaryOf(base, latest, last);
    assert.deepEqual(summaryFromItem(summaryItem(plain)), plain);
  });

  test('search leaves quarantined out and marks the others; the overview counts but does not list them', () => {
    const summaries = [
      summaryOf({ name: 'demo-a', displayName: 'demo-a', serial: 1, status: { status: 'quarantined' } }, latest, last),
      summaryOf({ name: 'demo-b', displayName: 'demo-b', serial: 1, status: { status: 'deprecated', reason: 'use demo-c' } }, latest, last),
      summaryOf({ name: 'demo-c', displayName: 'demo-c', serial: 1 }, latest, last),
    ];
    const page = searchProjects(summaries, 'demo');
    assert.deepEqual(page.results.map((r) => [r.name, r.status?.status]), [['demo-b', 'deprecated'], ['demo-c', undefined]]);
    assert.equal(searchProjects(summaries, '').total, 2);
    const overview = overviewOf(summaries);
    assert.equal(overview.projectCount, 3);
    assert.deepEqual(overview.latestUploads.map((u) => u.name).sort(), ['demo-b', 'demo-c']);
    assert.equal(overview.latestUploads.find((u) => u.name === 'demo-b')!.status?.reason, 'use demo-c');
    assert.equal(overviewOf(summaries, { canRead: (p) => p !== 'demo-c' }).projectCount, 2);
  });
});
