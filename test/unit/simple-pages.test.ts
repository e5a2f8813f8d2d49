import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeHtml } from '../../lambdas/core/html.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import { API_VERSION, STATUS_API_VERSION } from '../../lambdas/core/page-model.ts';
import {
  renderProjectHtml,
  renderProjectJson,
  renderRootHtml,
  renderRootJson,
} from '../../lambdas/core/simple-pages.ts';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const SHA_M = 'c'.repeat(64);

function file(overrides: Partial<DistributionFile> = {}): DistributionFile {
  return {
    project: 'demo-pkg',
    filename: 'demo_pkg-1.0.0-py3-none-any.whl',
    version: '1.0.0',
    packagetype: 'bdist_wheel',
    sha256: SHA_A,
    size: 1234,
    uploadTime: '2026-11-01T12:00:00.000Z',
    ...overrides,
  };
}

const page = (files: DistributionFile[], displayName = 'Demo_Pkg') => ({ name: 'demo-pkg', displayName, files });

describe('HTML escaping', () => {
  test('escapes the five HTML specials and leaves the rest', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    assert.equal(escapeHtml('plain-text 1.0'), 'plain-text 1.0');
    // Repeated calls behave the same (no regex state carried over).
    assert.equal(escapeHtml('<'), '&lt;');
    assert.equal(escapeHtml('<'), '&lt;');
  });
});

describe('PEP 503 / 629 HTML', () => {
  test('root page: repository-version meta and one normalized link per project', () => {
    const html = renderRootHtml([
      { name: 'demo-pkg', displayName: 'Demo_Pkg' },
      { name: 'other', displayName: 'other' },
    ]);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, new RegExp(`<meta name="pypi:repository-version" content="${API_VERSION}">`));
    assert.match(html, /<a href="demo-pkg\/">Demo_Pkg<\/a>/);
    assert.match(html, /<a href="other\/">other<\/a>/);
  });

  test('project page: hash fragment, requires-python, PEP 658 and 714 attributes, yanked', () => {
    const html = renderProjectHtml(
      page([
        file({ requiresPython: '>=3.8', metadataSha256: SHA_M }),
        file({
          filename: 'demo_pkg-0.9.tar.gz',
          version: '0.9',
          packagetype: 'sdist',
          sha256: SHA_B,
          yanked: { reason: 'broken <build>' },
        }),
      ]),
    );
    const links = html.split('\n').filter((l) => l.includes('<a '));
    assert.equal(links.length, 2);
    // Version order: 0.9 before 1.0.0.
    assert.match(links[0]!, /demo_pkg-0\.9\.tar\.gz/);
    assert.match(
      links[0]!,
      new RegExp(`href="\\.\\./\\.\\./files/demo-pkg/${SHA_B}/demo_pkg-0\\.9\\.tar\\.gz#sha256=${SHA_B}"`),
    );
    assert.match(links[0]!, /data-yanked="broken &lt;build&gt;"/);
    assert.doesNotMatch(links[0]!, /data-core-metadata/);
    assert.match(links[1]!, /data-requires-python="&gt;=3\.8"/);
    assert.match(links[1]!, new RegExp(`data-dist-info-metadata="sha256=${SHA_M}"`));
    assert.match(links[1]!, new RegExp(`data-core-metadata="sha256=${SHA_M}"`));
    assert.doesNotMatch(links[1]!, /data-yanked/);
    assert.match(html, /<title>Links for Demo_Pkg<\/title>/);
  });

  test('a yank without a reason is an empty data-yanked attribute', () => {
    const html = renderProjectHtml(page([file({ yanked: { reason: '' } })]));
    assert.match(html, /data-yanked=""/);
  });

  test('metadata text comes out inert', () => {
    const evil = '<script>alert(1)</script>';
    const html = renderProjectHtml(
      page([file({ requiresPython: `>=3"><script>alert(1)</script>`, yanked: { reason: evil } })], evil),
    );
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /Links for &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /data-requires-python="&gt;=3&quot;&gt;&lt;script&gt;/);
    const root = renderRootHtml([{ name: 'x', displayName: evil }]);
    assert.doesNotMatch(root, /<script>/);
  });

  test('filenames with + are percent-encoded in links and escaped in text', () => {
    const html = renderProjectHtml(page([file({ filename: 'demo_pkg-1.0.0+local-py3-none-any.whl', version: '1.0.0+local' })]));
    assert.match(html, /demo_pkg-1\.0\.0%2Blocal-py3-none-any\.whl#sha256=/);
    assert.match(html, />demo_pkg-1\.0\.0\+local-py3-none-any\.whl</);
  });
});

describe('PEP 691 / 700 JSON', () => {
  test('root: meta.api-version and projects[].name', () => {
    const json = JSON.parse(renderRootJson([{ name: 'demo-pkg', displayName: 'Demo_Pkg' }]));
    assert.deepEqual(json, { meta: { 'api-version': API_VERSION }, projects: [{ name: 'Demo_Pkg' }] });
    assert.ok(Number(API_VERSION) >= 1.1);
  });

  test('project: normalized name, versions, and every file field by its PEP name', () => {
    const json = JSON.parse(
      renderProjectJson(
        page([
          file({ version: '1.10', filename: 'demo_pkg-1.10-py3-none-any.whl', requiresPython: '>=3.8', metadataSha256: SHA_M }),
          file({ version: '1.9', filename: 'demo_pkg-1.9.tar.gz', packagetype: 'sdist', sha256: SHA_B, yanked: { reason: 'bad' } }),
          file({ version: '1.2.0rc1', filename: 'demo_pkg-1.2.0rc1.tar.gz', packagetype: 'sdist', yanked: { reason: '' } }),
        ]),
      ),
    );
    assert.deepEqual(Object.keys(json).sort(), ['files', 'meta', 'name', 'project-status', 'versions']);
    // A hosted page carries its project's status (PEP 792), which needs api-version 1.4.
    assert.equal(json.meta['api-version'], STATUS_API_VERSION);
    assert.deepEqual(json['project-status'], { status: 'active' });
    assert.equal(json.name, 'demo-pkg');
    assert.deepEqual(json.versions, ['1.2.0rc1', '1.9', '1.10']);
    const [rc, v19, v110] = json.files;
    assert.deepEqual(v110, {
      filename: 'demo_pkg-1.10-py3-none-any.whl',
      url: `../../files/demo-pkg/${SHA_A}/demo_pkg-1.10-py3-none-any.whl`,
      hashes: { sha256: SHA_A },
      'requires-python': '>=3.8',
      'core-metadata': { sha256: SHA_M },
      yanked: false,
      size: 1234,
      'upload-time': '2026-11-01T12:00:00.000Z',
    });
    assert.equal(v19.yanked, 'bad');
    // Absent rather than false, and never `dist-info-metadata` in JSON (PEP 714): pip
    // 22.3-23.1 crash on that key whatever its value.
    assert.equal('core-metadata' in v19, false);
    assert.equal(JSON.stringify(json).includes('dist-info-metadata'), false);
    assert.equal('requires-python' in v19, false);
    assert.equal(rc.yanked, true);
  });

  test('strings with quotes, backslashes and control characters stay valid JSON', () => {
    const tricky = 'say "no"\\ to\n\u0001 <script>\u2028 \ud83d\ude00 \ud800 é';
    const json = JSON.parse(
      renderProjectJson(page([file({ requiresPython: tricky, yanked: { reason: tricky } }), file({ filename: 'demo_pkg-1.0.0.tar.gz', requiresPython: tricky })])),
    );
    assert.equal(json.files[0]['requires-python'], tricky);
    assert.equal(json.files[1]['requires-python'], tricky);
    assert.equal(json.files.find((f: { yanked: unknown }) => f.yanked !== false).yanked, tricky);
  });

  test('upload-time parses as an ISO 8601 UTC instant', () => {
    const json = JSON.parse(renderProjectJson(page([file()])));
    const t = json.files[0]['upload-time'];
    assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(new Date(t).toISOString(), t);
  });
});
