/**
 * The web UI's pages through the read function's handler, as API Gateway calls it: what each
 * page shows, redirects, 404s, the access rules of a private index (Basic, the sign-in
 * cookie, scoped tokens), the sign-in form's CSRF defence, the CSP and page sizes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { beforeEach, describe, test } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { refreshProjectSummary } from '../../lambdas/app/project-summaries.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import type { DistributionFile } from '../../lambdas/core/model.ts';
import { releaseMetadataOf } from '../../lambdas/core/release-metadata.ts';
import type { CoreMetadata } from '../../lambdas/core/core-metadata.ts';
import { WEB_SCRIPT, WEB_STYLE } from '../../lambdas/core/web-assets.ts';
import { createReadFunction } from '../../lambdas/functions/read-function.ts';
import type { WharfLambdaHandler } from '../../lambdas/http/lambda-handler.ts';
import { MemoryBlobStore, MemoryMetadataStore, MemoryTokenStore } from '../support/memory-stores.ts';

interface Init {
  method?: string;
  headers?: Record<string, string>;
  query?: string;
  body?: string;
}

function event(path: string, init: Init = {}): APIGatewayProxyEventV2 {
  const headers = { host: 'wharf.test', ...init.headers };
  const { cookie, ...rest } = headers as Record<string, string>;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: init.query ?? '',
    headers: rest,
    ...(cookie ? { cookies: cookie.split(/;\s*/) } : {}),
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'wharf.test',
      domainPrefix: 'wharf',
      http: { method: init.method ?? 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
    isBase64Encoded: false,
  };
}

const context = { functionName: 'read', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

const META: CoreMetadata = {
  metadataVersion: '2.1',
  name: 'Demo.Pkg',
  version: '2.0',
  summary: 'A demo <package>',
  description: '# Demo\n\nSome **bold** text.\n\n<script>window.pwned = 1</script><a href="javascript:alert(1)" onclick="x()">click</a>',
  descriptionContentType: 'text/markdown',
  requiresPython: '>=3.9',
  requiresDist: [],
  classifiers: ['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License'],
  projectUrls: ['Source, https://example.com/src', 'Evil, javascript:alert(1)'],
  licenseFiles: [],
  platforms: [],
  supportedPlatforms: [],
  requiresExternal: [],
  providesExtra: [],
  providesDist: [],
  obsoletesDist: [],
  importNames: [],
  importNamespaces: [],
  dynamic: [],
  fields: new Map(),
};

function file(project: string, version: string, extra: Partial<DistributionFile> = {}): DistributionFile {
  const filename = `${project.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
  return {
    project,
    filename,
    version,
    packagetype: 'bdist_wheel',
    sha256: createHash('sha256').update(filename).digest('hex'),
    size: 12_345,
    uploadTime: `2026-11-0${version.startsWith('1') ? 1 : 2}T10:00:00.000Z`,
    ...extra,
  };
}

const bodyOf = (res: APIGatewayProxyStructuredResultV2) => String(res.body);
const cookieNamed = (res: APIGatewayProxyStructuredResultV2, name: string) =>
  res.cookies?.find((c) => c.startsWith(`${name}=`))?.split(';')[0]!.slice(name.length + 1);

describe('web UI', () => {
  let metadata: MemoryMetadataStore;
  let tokens: MemoryTokenStore;
  let handler: WharfLambdaHandler;
  const call = (path: string, init?: Init) => handler(event(path, init), context);

  async function publish(project: string, displayName: string, versions: Record<string, Partial<DistributionFile>>, summary?: string) {
    for (const [version, extra] of Object.entries(versions)) {
      await metadata.putFile(file(project, version, extra));
      const meta = { ...META, name: displayName, version, ...(summary ? { summary } : {}) } as CoreMetadata;
      await metadata.putRelease({ project, version, createdAt: '2026-11-01T00:00:00Z', metadata: releaseMetadataOf(meta) });
    }
    await metadata.putProject({ name: project, displayName, createdAt: '2026-11-01T00:00:00Z' });
    await refreshProjectSummary(metadata, project);
  }

  function makeHandler(publicRead: boolean, descriptionImages?: 'https' | 'none') {
    handler = createReadFunction({
      metadata,
      signer: new MemoryBlobStore(),
      tokens,
      config: { pageCacheControl: 'max-age=42', signingWindowSeconds: 300, publicRead, authCacheSeconds: 0, ...(descriptionImages ? { descriptionImages } : {}) },
      logger: new Logger({ logLevel: 'SILENT' }),
    });
  }

  beforeEach(async () => {
    metadata = new MemoryMetadataStore();
    tokens = new MemoryTokenStore();
    await publish('demo-pkg', 'Demo.Pkg', { '1.0': { yanked: { reason: 'Broken wheel: use 2.0' } }, '2.0': {} });
    await publish('other-tool', 'other-tool', { '0.1': {} }, 'Something for demos');
    makeHandler(true);
  });

  test('/ shows the search box, the project count and the latest uploads', async () => {
    const res = await call('/');
    assert.equal(res.statusCode, 200);
    const html = bodyOf(res);
    assert.match(html, /<form class="big-search"[^>]*action="\/search\/"/);
    assert.match(html, /2 projects/);
    assert.match(html, /href="\/project\/demo-pkg\/">Demo.Pkg<\/a> <span class="muted">2.0<\/span>/);
  });

  test('a project page: summary, rendered and sanitized description, install line, URLs, classifiers, history, files', async () => {
    const res = await call('/project/demo-pkg/');
    assert.equal(res.statusCode, 200);
    const html = bodyOf(res);
    assert.match(html, /<h1>Demo.Pkg 2.0<\/h1><p class="summary">A demo &lt;package&gt;<\/p>/);
    assert.match(html, /<code id="install-line">pip install Demo.Pkg<\/code><button type="button" data-copy="install-line" hidden>Copy<\/button>/);
    assert.match(html, /<h1>Demo<\/h1>\n<p>Some <strong>bold<\/strong> text.<\/p>/);
    assert.doesNotMatch(html.replace(/<script>[^<]*<\/script><\/body>/, ''), /<script|href="javascript:|onclick=/);
    // A project URL that is not http(s) is shown, not linked.
    assert.match(html, /<li>Evil: javascript:alert\(1\)<\/li>/);
    assert.match(html, /<a href="https:\/\/example.com\/src" rel="nofollow noopener noreferrer">Source<\/a>/);
    assert.match(html, /<dt>Requires: Python<\/dt><dd>&gt;=3.9<\/dd>/);
    assert.match(html, /<strong>Programming Language<\/strong><ul><li>Python :: 3<\/li>/);
    // Release history newest first, the yanked one marked with its reason.
    const history = /<ul class="list" id="release-history">(.*?)<\/ul>/.exec(html)![1]!;
    assert.ok(history.indexOf('2.0') < history.indexOf('1.0'));
    assert.match(history, /1\.0<\/a>.*<span class="yanked">yanked<\/span> <span class="yank-reason">Reason: Broken wheel: use 2.0<\/span>/);
    // Files with size, upload time and sha256, linked to the download path.
    const sha = createHash('sha256').update('demo_pkg-2.0-py3-none-any.whl').digest('hex');
    assert.match(html, new RegExp(`<a href="/files/demo-pkg/${sha}/demo_pkg-2.0-py3-none-any.whl">demo_pkg-2.0-py3-none-any.whl</a></td><td>12 kB</td><td><time datetime="2026-11-02T10:00:00.000Z">2026-11-02 10:00 UTC</time></td><td class="sha">${sha}</td>`));
  });

  test('a release page: pinned install line, yanked banner with reason, link to the latest', async () => {
    const html = bodyOf(await call('/project/demo-pkg/1.0/'));
    assert.match(html, /pip install Demo.Pkg==1.0/);
    assert.match(html, /id="yanked-banner">This release is yanked.*Reason: Broken wheel: use 2.0/);
    assert.match(html, /The latest is <a href="\/project\/demo-pkg\/">2.0<\/a>/);
  });

  test('non-normalized names, missing slashes and other spellings of a version redirect as pypi.org does', async () => {
    for (const [path, location] of [
      ['/project/Demo.Pkg/', '/project/demo-pkg/'],
      ['/project/demo-pkg', '/project/demo-pkg/'],
      ['/project/DEMO_pkg/2.0', '/project/demo-pkg/2.0/'],
      ['/project/demo-pkg/2.0.0/', '/project/demo-pkg/2.0/'],
      ['/search', '/search/'],
    ] as const) {
      const res = await call(path);
      assert.equal(res.statusCode, 301, path);
      assert.equal(res.headers?.['location'], location, path);
    }
  });

  test('unknown projects and releases are 404 pages that say which', async () => {
    const none = await call('/project/nope/');
    assert.equal(none.statusCode, 404);
    assert.match(bodyOf(none), /Project &quot;nope&quot; is not in this index/);
    const release = await call('/project/demo-pkg/9.9/');
    assert.equal(release.statusCode, 404);
    assert.match(bodyOf(release), /has no release 9.9/);
    assert.equal((await call('/project/demo-pkg/2.0/x/')).statusCode, 404);
  });

  test('search: by name and summary, ranked, paged; bad pages are a 400', async () => {
    const html = bodyOf(await call('/search/', { query: 'q=demo' }));
    assert.match(html, /2 projects match <strong>demo<\/strong>/);
    assert.ok(html.indexOf('Demo.Pkg') < html.indexOf('other-tool'), 'a name match ranks above a summary match');
    for (let i = 0; i < 25; i++) await publish(`demo-extra-${i}`, `demo-extra-${i}`, { '1.0': {} });
    const first = bodyOf(await call('/search/', { query: 'q=demo-extra' }));
    assert.match(first, /25 projects match/);
    assert.match(first, /Page 1 of 2<\/span><a rel="next" href="\/search\/\?q=demo-extra&amp;page=2">/);
    const second = bodyOf(await call('/search/', { query: 'q=demo-extra&page=2' }));
    assert.equal((second.match(/<li><a class="name"/g) ?? []).length, 5);
    assert.equal((await call('/search/', { query: 'q=x&page=0' })).statusCode, 400);
    assert.equal((await call('/search/', { query: `q=${'x'.repeat(300)}` })).statusCode, 400);
  });

  test('a strict CSP: the inline style and script by hash, nothing else; under 30 KB', async () => {
    const res = await call('/project/demo-pkg/');
    const csp = String(res.headers?.['content-security-policy']);
    const hash = (text: string) => createHash('sha256').update(text).digest('base64');
    assert.match(csp, /default-src 'none'/);
    assert.ok(csp.includes(`style-src 'sha256-${hash(WEB_STYLE)}'`));
    assert.ok(csp.includes(`script-src 'sha256-${hash(WEB_SCRIPT)}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /img-src https:/);
    assert.match(csp, /frame-ancestors 'none'/);
    const html = bodyOf(res);
    assert.ok(html.includes(`<style>${WEB_STYLE}</style>`) && html.includes(`<script>${WEB_SCRIPT}</script>`));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    for (const path of ['/', '/project/demo-pkg/', '/search/?q=demo', '/account/login/']) {
      const [p, q] = path.split('?');
      const size = Buffer.byteLength(bodyOf(await call(p!, { query: q ?? '' })));
      assert.ok(size < 30 * 1024, `${path}: ${size} bytes`);
    }
  });

  test('descriptionImages none: no image in a description, and the CSP allows none', async () => {
    await publish('pictures', 'pictures', { '1.0': {} });
    await metadata.putRelease({
      project: 'pictures',
      version: '2.0',
      createdAt: '2026-11-02T00:00:00Z',
      metadata: releaseMetadataOf({ ...META, name: 'pictures', version: '2.0', description: '![build badge](https://img.test/b.svg)' }),
    });
    await metadata.putFile(file('pictures', '2.0'));
    const shown = async () => {
      const res = await call('/project/pictures/2.0/');
      return { html: bodyOf(res), csp: String(res.headers?.['content-security-policy']) };
    };
    const https = await shown();
    assert.match(https.html, /<img src="https:\/\/img.test\/b.svg" alt="build badge" \/>/);
    makeHandler(true, 'none');
    const none = await shown();
    assert.doesNotMatch(none.html, /<img/);
    assert.match(none.html, /<span>build badge<\/span>/);
    assert.match(none.csp, /img-src 'none'/);
  });

  describe('a private index', () => {
    let readAll: string;
    let scoped: string;

    beforeEach(async () => {
      await publish('secret-thing', 'secret-thing', { '1.0': {} }, 'Demo secrets');
      const admin = new TokenAdmin(tokens);
      readAll = (await admin.create({ scopes: ['read:*'], createdBy: 'test' })).token;
      scoped = (await admin.create({ scopes: ['read:demo-*'], createdBy: 'test' })).token;
      makeHandler(false);
    });

    const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`__token__:${token}`).toString('base64')}` });

    test('a browser without credentials gets 401 with the Basic challenge and the sign-in form', async () => {
      for (const path of ['/', '/project/demo-pkg/', '/search/']) {
        const res = await call(path);
        assert.equal(res.statusCode, 401, path);
        assert.equal(res.headers?.['www-authenticate'], 'Basic realm="Wharf"');
        assert.match(bodyOf(res), /<form class="signin" method="post" action="\/account\/login\/">/);
        assert.ok(cookieNamed(res, 'wharf-csrf'), 'the form\'s CSRF cookie is set');
      }
      assert.doesNotMatch(bodyOf(await call('/project/secret-thing/')), /Demo secrets/);
    });

    test('a scoped token sees only the projects it may read, in counts, lists and search', async () => {
      const home = bodyOf(await call('/', { headers: basic(scoped) }));
      assert.match(home, /1 project</);
      assert.doesNotMatch(home, /secret-thing|other-tool/);
      const found = bodyOf(await call('/search/', { query: 'q=demo', headers: basic(scoped) }));
      assert.match(found, /1 project matches/);
      assert.doesNotMatch(found, /secret-thing/);
      const denied = await call('/project/secret-thing/', { headers: basic(scoped) });
      assert.equal(denied.statusCode, 403);
      assert.match(bodyOf(denied), /may not read &quot;secret-thing&quot;/);
      // The same answer for a project that does not exist: nothing is revealed.
      assert.equal((await call('/project/no-such-secret/', { headers: basic(scoped) })).statusCode, 403);
      assert.match(bodyOf(await call('/', { headers: basic(readAll) })), /3 projects/);
    });

    test('sign-in: CSRF-checked form, an HttpOnly SameSite=Strict cookie, then the pages; sign-out clears it', async () => {
      const form = await call('/account/login/', { query: 'next=/project/demo-pkg/' });
      assert.equal(form.statusCode, 200);
      const csrf = cookieNamed(form, 'wharf-csrf')!;
      assert.match(bodyOf(form), new RegExp(`name="csrf" value="${csrf}"`));
      const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
        call('/account/login/', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://wharf.test', cookie: `wharf-csrf=${csrf}`, ...headers },
          body: new URLSearchParams(fields).toString(),
        });

      // Without the cookie's value, or from another site: refused, nothing set.
      const forged = await post({ token: scoped, csrf: 'x'.repeat(43), next: '/' });
      assert.equal(forged.statusCode, 403);
      assert.equal(cookieNamed(forged, 'wharf-session'), undefined);
      const crossSite = await post({ token: scoped, csrf, next: '/' }, { origin: 'https://evil.test' });
      assert.equal((await post({ token: scoped, csrf, next: '/' }, { 'sec-fetch-site': 'cross-site' })).statusCode, 403);
      assert.equal(crossSite.statusCode, 403);
      // A bad token: the form again, saying why, with no Basic challenge over it.
      const bad = await post({ token: 'wharf_nottherightone_AAAAAAAAAAAAAAAA', csrf, next: '/' });
      assert.equal(bad.statusCode, 403);
      assert.equal(bad.headers?.['www-authenticate'], undefined);
      assert.match(bodyOf(bad), /This token is not valid/);

      const ok = await post({ token: scoped, csrf, next: '/project/demo-pkg/' });
      assert.equal(ok.statusCode, 303);
      assert.equal(ok.headers?.['location'], '/project/demo-pkg/');
      const set = ok.cookies!.find((c) => c.startsWith('wharf-session='))!;
      assert.match(set, /; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
      const session = cookieNamed(ok, 'wharf-session')!;
      const newCsrf = cookieNamed(ok, 'wharf-csrf')!;
      assert.notEqual(newCsrf, csrf);

      const cookie = `wharf-session=${session}; wharf-csrf=${newCsrf}`;
      const page = await call('/project/demo-pkg/', { headers: { cookie } });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers?.['cache-control']), /private/);
      assert.match(bodyOf(page), new RegExp(`Signed in with token .*name="csrf" value="${newCsrf}"><button type="submit">Sign out`));
      assert.equal((await call('/project/secret-thing/', { headers: { cookie } })).statusCode, 403);

      // An off-site next is not followed.
      const offsite = await post({ token: scoped, csrf, next: '//evil.test/' });
      assert.equal(offsite.headers?.['location'], '/');

      const out = await call('/account/logout/', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://wharf.test', cookie },
        body: `csrf=${newCsrf}`,
      });
      assert.equal(out.statusCode, 303);
      assert.equal(out.headers?.['location'], '/account/login/');
      assert.match(out.cookies!.find((c) => c.startsWith('wharf-session='))!, /^wharf-session=; .*Max-Age=0/);
      const forgedOut = await call('/account/logout/', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: 'csrf=wrong',
      });
      assert.equal(forgedOut.statusCode, 403);
    });

    test('behind https the cookies are Secure and __Host- prefixed', async () => {
      const form = await call('/account/login/', { headers: { 'x-forwarded-proto': 'https' } });
      const set = form.cookies!.find((c) => c.startsWith('__Host-wharf-csrf='))!;
      assert.match(set, /; Secure$/);
      const csrf = cookieNamed(form, '__Host-wharf-csrf')!;
      const ok = await call('/account/login/', {
        method: 'POST',
        headers: { 'x-forwarded-proto': 'https', 'content-type': 'application/x-www-form-urlencoded', origin: 'https://wharf.test', cookie: `__Host-wharf-csrf=${csrf}` },
        body: new URLSearchParams({ token: readAll, csrf, next: '/' }).toString(),
      });
      assert.equal(ok.statusCode, 303);
      assert.match(ok.cookies!.find((c) => c.startsWith('__Host-wharf-session='))!, /HttpOnly; SameSite=Strict; Max-Age=28800; Secure$/);
      // A plain-http cookie name is not read behind https.
      const res = await call('/', { headers: { 'x-forwarded-proto': 'https', cookie: `wharf-session=${readAll}` } });
      assert.equal(res.statusCode, 401);
    });

    test('a revoked token in the cookie is dropped, and the sign-in form says why', async () => {
      const admin = new TokenAdmin(tokens);
      const id = readAll.split('_')[1]!;
      await admin.revoke(id, 'test');
      const res = await call('/', { headers: { cookie: `wharf-session=${readAll}` } });
      assert.equal(res.statusCode, 401);
      assert.match(bodyOf(res), /was revoked/);
      assert.match(res.cookies!.find((c) => c.startsWith('wharf-session='))!, /Max-Age=0/);
    });

    test('the cookie also lets the browser download what the page links', async () => {
      const sha = createHash('sha256').update('demo_pkg-2.0-py3-none-any.whl').digest('hex');
      const path = `/files/demo-pkg/${sha}/demo_pkg-2.0-py3-none-any.whl`;
      assert.equal((await call(path)).statusCode, 401);
      assert.equal((await call(path, { headers: { cookie: `wharf-session=${scoped}` } })).statusCode, 302);
    });
  });
});
