/** Upstream pages as untrusted input, name patterns, rendering, and the UpstreamIndex rules. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UpstreamIndex } from '../../lambdas/app/upstream-index.ts';
import { NamePatterns, parseUpstreamUrl, UpstreamContentError } from '../../lambdas/core/upstream.ts';
import { parseUpstreamHtml, parseUpstreamJson, parseUpstreamPage } from '../../lambdas/core/upstream-page.ts';
import { renderPageHtml as renderLinkPageHtml, renderPageJson as renderLinkPageJson } from '../../lambdas/core/simple-pages.ts';
import { upstreamSettings, type UpstreamSettings } from '../../lambdas/config/upstream-config.ts';
import { type CachedUpstreamPage, type UpstreamFetcher, type UpstreamPageResponse, type UpstreamStore } from '../../lambdas/app/upstream-ports.ts';
import { UpstreamFailure } from '../../lambdas/core/errors.ts';

const SHA = 'a'.repeat(64);
const SHA2 = 'b'.repeat(64);
const PAGE_URL = 'https://up.example/simple/demo/';

function jsonPage(files: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'Demo', versions: ['1.0'], files, ...extra });
}

describe('parseUpstreamJson', () => {
  test('keeps hashes, Requires-Python, yanks, core metadata, size and upload time; resolves URLs', () => {
    const page = parseUpstreamJson(
      jsonPage([
        {
          filename: 'demo-1.0-py3-none-any.whl',
          url: '../../files/demo-1.0-py3-none-any.whl#frag',
          hashes: { sha256: SHA.toUpperCase() },
          'requires-python': '>=3.8',
          'core-metadata': { sha256: SHA2 },
          yanked: 'bad <b>',
          size: 10,
          'upload-time': '2026-01-02T03:04:05.123456Z',
        },
        { filename: 'demo-1.0.tar.gz', url: 'https://files.example/demo-1.0.tar.gz', hashes: { sha256: SHA2 }, 'dist-info-metadata': true, yanked: true },
      ]),
      PAGE_URL,
      'demo',
    );
    assert.deepEqual(page.files[0], {
      filename: 'demo-1.0-py3-none-any.whl',
      url: 'https://up.example/files/demo-1.0-py3-none-any.whl',
      sha256: SHA,
      requiresPython: '>=3.8',
      yanked: { reason: 'bad <b>' },
      coreMetadata: { sha256: SHA2 },
      size: 10,
      uploadTime: '2026-01-02T03:04:05.123456Z',
    });
    assert.deepEqual(page.files[1]!.coreMetadata, {});
    assert.deepEqual(page.files[1]!.yanked, { reason: '' });
    assert.deepEqual(page.versions, ['1.0']);
    assert.equal(page.dropped, 0);
  });

  test('drops files nothing could verify or name safely', () => {
    const page = parseUpstreamJson(
      jsonPage([
        { filename: 'demo-1.0.tar.gz', url: 'x', hashes: { md5: 'abc' } },
        { filename: '../evil.whl', url: 'x', hashes: { sha256: SHA } },
        { filename: 'demo-1.0.exe', url: 'x', hashes: { sha256: SHA } },
        { filename: 'demo-1.0.zip', url: 'javascript:alert(1)', hashes: { sha256: SHA } },
        { filename: 'demo-1.0.zip', url: 'https://user:pw@h/x.zip', hashes: { sha256: SHA } },
        { filename: 'demo-1.1.zip', url: 'ok.zip', hashes: { sha256: 'xyz' } },
        'not an object',
        { filename: 'demo-1.0.tar.gz', url: 'a.tar.gz', hashes: { sha256: SHA } },
        { filename: 'demo-1.0.tar.gz', url: 'b.tar.gz', hashes: { sha256: SHA2 } },
      ]),
      PAGE_URL,
      'demo',
    );
    assert.deepEqual(page.files.map((f) => f.url), ['https://up.example/simple/demo/a.tar.gz']);
    assert.equal(page.dropped, 8);
  });

  test('refuses a page that is not one, or names another project', () => {
    assert.throws(() => parseUpstreamJson('{', PAGE_URL, 'demo'), UpstreamContentError);
    assert.throws(() => parseUpstreamJson('{"name":"demo"}', PAGE_URL, 'demo'), /no "files" list/);
    assert.throws(() => parseUpstreamJson(jsonPage([], { name: 'other' }), PAGE_URL, 'demo'), /names another project/);
    assert.throws(() => parseUpstreamPage('x', 'application/octet-stream', PAGE_URL, 'demo'), /not a simple index page/);
  });

  test('strips control characters from strings it keeps', () => {
    const page = parseUpstreamJson(jsonPage([{ filename: 'demo-1.0.tar.gz', url: 'a.tar.gz', hashes: { sha256: SHA }, 'requires-python': '>=3\u0000.8\n' }]), PAGE_URL, 'demo');
    assert.equal(page.files[0]!.requiresPython, '>=3.8');
  });
});

describe('parseUpstreamHtml', () => {
  test('reads anchors, fragments and data- attributes, entities decoded, <base> honoured', () => {
    const html = `<!DOCTYPE html><html><head><base href="https://cdn.example/pkgs/"></head><body>
      <a href="demo-1.0.tar.gz#sha256=${SHA}" data-requires-python="&gt;=3.8" data-yanked="" data-core-metadata="sha256=${SHA2}">demo-1.0.tar.gz</a>
      <a href="/x/demo-1.1.tar.gz#md5=abc">demo-1.1.tar.gz</a>
      <A HREF="demo-1.2.tar.gz#sha256=${SHA2}" data-dist-info-metadata="true">demo-1.2.tar.gz</A>
    </body></html>`;
    const page = parseUpstreamHtml(html, PAGE_URL, 'demo');
    assert.deepEqual(page.files, [
      { filename: 'demo-1.0.tar.gz', url: 'https://cdn.example/pkgs/demo-1.0.tar.gz', sha256: SHA, requiresPython: '>=3.8', yanked: { reason: '' }, coreMetadata: { sha256: SHA2 } },
      { filename: 'demo-1.2.tar.gz', url: 'https://cdn.example/pkgs/demo-1.2.tar.gz', sha256: SHA2, coreMetadata: {} },
    ]);
    assert.equal(page.dropped, 1);
  });
});

describe('rendering upstream links', () => {
  const page = parseUpstreamHtml(
    `<a href="https://h/demo-1.0.tar.gz?a=1&amp;b=2#sha256=${SHA}" data-requires-python="&quot;&gt;&lt;script&gt;" data-yanked="&lt;i&gt;">demo-1.0.tar.gz</a>`,
    PAGE_URL,
    'demo',
  );
  const links = { name: 'demo', displayName: 'demo', links: page.files.map((f) => ({ filename: f.filename, href: f.url, sha256: f.sha256, ...(f.requiresPython ? { requiresPython: f.requiresPython } : {}), ...(f.yanked ? { yanked: f.yanked } : {}) })) };

  test('HTML escapes every upstream value', () => {
    const html = renderLinkPageHtml(links);
    assert.ok(!html.includes('<script>'));
    assert.match(html, /href="https:\/\/h\/demo-1\.0\.tar\.gz\?a=1&amp;b=2#sha256=a{64}"/);
    assert.match(html, /data-requires-python="&quot;&gt;&lt;script&gt;"/);
    assert.match(html, /data-yanked="&lt;i&gt;"/);
  });

  test('JSON without sizes is api-version 1.0; with sizes and versions 1.1', () => {
    const v10 = JSON.parse(renderLinkPageJson(links));
    assert.equal(v10.meta['api-version'], '1.0');
    assert.equal(v10.versions, undefined);
    assert.equal(v10.files[0].yanked, '<i>');
    const v11 = JSON.parse(renderLinkPageJson({ ...links, versions: ['1.0'], links: links.links.map((l) => ({ ...l, size: 3 })) }));
    assert.equal(v11.meta['api-version'], '1.1');
    assert.deepEqual(v11.versions, ['1.0']);
  });
});

describe('settings', () => {
  test('name patterns are normalized; a prefix keeps its separator', () => {
    const p = new NamePatterns(['Acme_*', 'Secret.App']);
    assert.deepEqual(p.patterns, ['acme-*', 'secret-app']);
    assert.ok(p.matches('acme-tools'));
    assert.ok(!p.matches('acmeville'));
    assert.ok(p.matches('secret-app'));
    assert.ok(!p.matches('secret-app2'));
  });

  test('upstream URLs: normalized, http(s) only, no credentials', () => {
    assert.equal(parseUpstreamUrl('https://mirror.example/simple'), 'https://mirror.example/simple/');
    assert.throws(() => parseUpstreamUrl('ftp://x/'), /http or https/);
    assert.throws(() => parseUpstreamUrl('https://u:p@x/'), /credentials/);
    assert.throws(() => parseUpstreamUrl('nope'), /not a URL/);
    assert.throws(() => upstreamSettings({ mode: 'proxy', copyLimitBytes: -1 }), /copy limit/);
  });
});

class FakeFetcher implements UpstreamFetcher {
  calls = 0;
  answer: UpstreamPageResponse | Error = { status: 200, contentType: 'application/vnd.pypi.simple.v1+json', body: '', url: PAGE_URL };
  async fetchPage(): Promise<UpstreamPageResponse> {
    this.calls++;
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
  async fetchFile(): Promise<Uint8Array | 'too-large' | 'too-slow'> {
    return 'too-slow';
  }
  async streamFile(): Promise<AsyncIterable<Uint8Array>> {
    throw new Error('unused');
  }
}

class FakeStore implements UpstreamStore {
  pages = new Map<string, CachedUpstreamPage>();
  files: string[] = [];
  async getPage(p: string) {
    return this.pages.get(p);
  }
  async putPage(p: string, c: CachedUpstreamPage) {
    this.pages.set(p, c);
  }
  async hasFile() {
    return false;
  }
  async listFiles() {
    return this.files;
  }
  async putFile() {}
  async putStreamVerified() {
    return false;
  }
}

describe('UpstreamIndex', () => {
  function setup(mode: 'proxy' | 'cache' = 'proxy') {
    let now = Date.parse('2026-11-22T00:00:00Z');
    const settings: UpstreamSettings = upstreamSettings({ mode, url: 'https://up.example/simple/', pageTtlSeconds: 60 });
    const fetcher = new FakeFetcher();
    const store = new FakeStore();
    const index = new UpstreamIndex(settings, fetcher, store, undefined, () => now);
    return { index, fetcher, store, tick: (s: number) => (now += s * 1000) };
  }
  const body = (files: { filename: string; sha: string }[]) =>
    jsonPage(files.map((f) => ({ filename: f.filename, url: f.filename, hashes: { sha256: f.sha } })), { name: 'demo' });

  test('a page is fetched once per TTL, then served stale (saying why) when the upstream fails', async () => {
    const { index, fetcher, tick } = setup();
    fetcher.answer = { status: 200, contentType: 'application/vnd.pypi.simple.v1+json', body: body([{ filename: 'demo-1.0.tar.gz', sha: SHA }]), url: PAGE_URL };
    assert.equal((await index.page('demo'))!.state, 'fetched');
    assert.equal((await index.page('demo'))!.state, 'cached');
    assert.equal(fetcher.calls, 1);
    tick(61);
    fetcher.answer = new UpstreamFailure(504, 'too slow');
    const stale = (await index.page('demo'))!;
    assert.equal(stale.state, 'stale');
    assert.equal(stale.problem, 'too slow');
    await assert.rejects(index.page('other'), (e: unknown) => e instanceof UpstreamFailure && e.status === 504);
  });

  test('an upstream 404 is undefined and remembered briefly; a 500 is a 502', async () => {
    const { index, fetcher, tick } = setup();
    fetcher.answer = { status: 404, contentType: '', body: '', url: PAGE_URL };
    assert.equal(await index.page('demo'), undefined);
    assert.equal(await index.page('demo'), undefined);
    assert.equal(fetcher.calls, 1);
    tick(61);
    fetcher.answer = { status: 500, contentType: '', body: '', url: PAGE_URL };
    await assert.rejects(index.page('demo'), (e: unknown) => e instanceof UpstreamFailure && e.status === 502 && /answered 500/.test(e.message));
  });

  test('cache mode keeps copied files listed after the upstream drops them; proxy mode does not', async () => {
    for (const mode of ['cache', 'proxy'] as const) {
      const { index, fetcher, store, tick } = setup(mode);
      fetcher.answer = { status: 200, contentType: 'application/vnd.pypi.simple.v1+json', body: body([{ filename: 'demo-1.0.tar.gz', sha: SHA }, { filename: 'demo-1.1.tar.gz', sha: SHA2 }]), url: PAGE_URL };
      await index.page('demo');
      store.files = [`${SHA}/demo-1.0.tar.gz`];
      tick(61);
      fetcher.answer = { status: 200, contentType: 'application/vnd.pypi.simple.v1+json', body: body([]), url: PAGE_URL };
      const page = (await index.page('demo'))!;
      assert.deepEqual(page.page.files.map((f) => f.filename), mode === 'cache' ? ['demo-1.0.tar.gz'] : [], mode);
    }
  });

  test('mixed pages put Wharf first and drop upstream files with a hosted filename', async () => {
    const { index, fetcher } = setup();
    fetcher.answer = { status: 200, contentType: 'application/vnd.pypi.simple.v1+json', body: body([{ filename: 'demo-1.0.tar.gz', sha: SHA2 }, { filename: 'demo-2.0.tar.gz', sha: SHA2 }]), url: PAGE_URL };
    const result = (await index.page('demo'))!;
    const local = { project: 'demo', filename: 'demo-1.0.tar.gz', version: '1.0', packagetype: 'sdist' as const, sha256: SHA, size: 1, uploadTime: '2026-01-01T00:00:00Z' };
    const page = index.linkPage('demo', result, { displayName: 'Demo', files: [local] });
    assert.deepEqual(page.links.map((l) => [l.filename, l.sha256]), [['demo-1.0.tar.gz', SHA], ['demo-2.0.tar.gz', SHA2]]);
  });
});
