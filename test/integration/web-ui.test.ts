/**
 * The web UI in a real browser: Debian's headless Chromium, driven by playwright-core,
 * against local Wharfs that Debian's twine published to. A person's path through it:
 * search, open a project, read its rendered description, see the yanked release and why,
 * copy the install line; the same with scripts off, on a phone, in dark mode; a hostile
 * README that must stay inert; a private index that refuses a browser without a token and
 * shows a scoped token only its own projects, by Basic credentials or the sign-in form.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { DynamoDbTokenStore } from '../../lambdas/adapters/dynamodb-token-store.ts';
import { TokenAdmin } from '../../lambdas/app/token-admin.ts';
import { createDynamoDbClient } from '../../lambdas/local/embedded-stores.ts';
import { startLocalWharf, type LocalWharf } from '../../lambdas/local/local-wharf.ts';
import { buildWheel, wheelFilename, type WheelOptions } from '../support/dist-builder.ts';
import { cleanEnv, describeRun, missingTool, run } from '../support/processes.ts';

// page.evaluate takes the browser-side code as strings: this project type-checks without the DOM's types.

const CHROMIUM = process.env['WHARF_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
/** As DESIGN.md says Debian's Chromium runs headless here. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const scratch = await mkdtemp(path.join(tmpdir(), 'wharf-web-ui-'));
after(() => rm(scratch, { recursive: true, force: true }));

function twineEnv(): NodeJS.ProcessEnv {
  const home = path.join(scratch, 'home');
  return cleanEnv({ HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring', NO_COLOR: '1', TERM: 'dumb', NO_PROXY: '127.0.0.1,localhost' });
}

const missing =
  (await missingTool(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} does not exist (apt-get install -y chromium)`);
  }, "Debian's chromium")) ??
  (await missingTool(async () => {
    const r = await run('twine', ['--version'], { env: twineEnv() });
    if (r.code !== 0) throw new Error(describeRun(r));
  }, "Debian's twine (apt-get install -y twine)"));

const README = [
  '# Web Demo',
  '',
  'A **rendered** README with a table:',
  '',
  '| Feature | Works |',
  '|---------|-------|',
  '| tables  | ~~no~~ yes |',
  '',
  '```python',
  'import web_demo',
  '```',
].join('\n');

const HOSTILE = [
  '# Evil README',
  '',
  '<script>window.pwned = "script"; alert("script")</script>',
  '<img src="https://img.invalid/x.png" onerror="window.pwned = \'onerror\'; alert(\'onerror\')" alt="broken">',
  '<a id="js-link" href="javascript:window.pwned=\'link\';alert(\'link\')">click me</a>',
  '[md link](javascript:alert("md"))',
  '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
  '<div onmouseover="window.pwned=\'hover\'" style="position:fixed;inset:0;background:red">cover</div>',
  '<svg onload="window.pwned=\'svg\'"><circle r="5"/></svg>',
  '<iframe srcdoc="<script>parent.pwned=1</script>"></iframe>',
  '<details open ontoggle="window.pwned=\'toggle\'"><summary>more</summary>inside</details>',
].join('\n');

function wheel(name: string, version: string, summary: string, description: string, contentType = 'text/markdown'): WheelOptions {
  return {
    name,
    version,
    headers: [
      ['Summary', summary],
      ['Requires-Python', '>=3.9'],
      ['Classifier', 'Programming Language :: Python :: 3'],
      ['Project-URL', 'Source, https://git.example.org/web-demo'],
      ['Description-Content-Type', contentType],
    ],
    description,
  };
}

async function tokenFor(wharf: LocalWharf, scopes: string[]): Promise<string> {
  const dynamodb = createDynamoDbClient(wharf.stores);
  try {
    return (await new TokenAdmin(new DynamoDbTokenStore(dynamodb, wharf.stores.tokensTableName)).create({ scopes, createdBy: 'test' })).token;
  } finally {
    dynamodb.destroy();
  }
}

/** Builds the wheels and publishes them all with one `twine upload`, as a release job does. */
async function twineUpload(wharf: LocalWharf, token: string, wheels: readonly WheelOptions[], dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const w of wheels) {
    const file = path.join(dir, wheelFilename(w));
    await writeFile(file, buildWheel(w));
    files.push(file);
  }
  const r = await run('twine', ['upload', '--disable-progress-bar', '--non-interactive', '--repository-url', `${wharf.url}/legacy/`, '-u', '__token__', '-p', token, ...files], { env: twineEnv() });
  assert.equal(r.code, 0, describeRun(r));
}

describe('the web UI in headless Chromium', { skip: missing ?? false }, () => {
  let browser: Browser;

  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
  });

  /** A fresh browser profile; every CSP violation it reports fails the test that opened it. */
  async function newContext(options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; violations: string[] }> {
    const context = await browser.newContext(options);
    const violations: string[] = [];
    context.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    return { context, violations };
  }

  describe('a public index', () => {
    let wharf: LocalWharf;

    before(async () => {
      wharf = await startLocalWharf({ port: 0 });
      const token = await tokenFor(wharf, ['upload:*']);
      await twineUpload(
        wharf,
        token,
        [
          wheel('Web.Demo', '1.0', 'Shows the web UI', README),
          wheel('Web.Demo', '2.0', 'Shows the web UI', README),
          wheel('evil-readme', '1.0', 'A README that tries everything', HOSTILE),
          wheel('plain-notes', '0.1', 'Notes in reStructuredText', 'Title\n=====\n\n*not* markdown', 'text/x-rst'),
        ],
        path.join(scratch, 'public'),
      );
      const yank = await fetch(`${wharf.url}/api/projects/web-demo/releases/1.0/yank`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'Crashes on import; use 2.0' }),
      });
      assert.equal(yank.status, 200, await yank.text());
    });
    after(async () => {
      await wharf?.close();
    });

    test('search finds a project; its page shows the rendered description, the yanked release with its reason, the install line', async () => {
      const { context, violations } = await newContext();
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: wharf.url });
      const page = await context.newPage();
      await page.goto(`${wharf.url}/`);
      assert.match(await page.locator('#project-count').innerText(), /^3 projects$/);
      await page.locator('.big-search input[name=q]').fill('web demo');
      await page.locator('.big-search input[name=q]').press('Enter');
      await page.waitForURL(/\/search\/\?q=web\+demo$/);
      assert.match(await page.locator('#result-count').innerText(), /1 project matches/);
      await page.locator('ul.list a.name', { hasText: 'Web.Demo' }).click();
      await page.waitForURL(`${wharf.url}/project/web-demo/`);

      assert.equal(await page.locator('h1').first().innerText(), 'Web.Demo 2.0');
      assert.equal(await page.locator('.summary').innerText(), 'Shows the web UI');
      // The description rendered as Markdown, not shown as source.
      assert.equal(await page.locator('#description h1').innerText(), 'Web Demo');
      assert.equal(await page.locator('#description strong').innerText(), 'rendered');
      assert.equal(await page.locator('#description table td s').innerText(), 'no');
      assert.equal((await page.locator('#description pre code').innerText()).trim(), 'import web_demo');
      // The release history: 2.0, then the yanked 1.0 with its reason.
      const history = page.locator('#release-history li');
      assert.equal(await history.count(), 2);
      assert.match(await history.nth(0).innerText(), /^2\.0/);
      assert.match(await history.nth(1).innerText(), /^1\.0 .*yanked Reason: Crashes on import; use 2\.0$/s);
      // The install line, and its copy button (shown only because the script ran).
      assert.equal(await page.locator('#install-line').innerText(), 'pip install Web.Demo');
      const copy = page.locator('button[data-copy=install-line]');
      assert.ok(await copy.isVisible());
      await copy.click();
      // The clipboard write is asynchronous; the button says so for two seconds.
      await page.locator('button[data-copy=install-line]', { hasText: 'Copied' }).waitFor({ timeout: 1500 });
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'pip install Web.Demo');
      // Files with size and sha256, and their download works.
      assert.match(await page.locator('#files tbody tr').first().innerText(), /web_demo-2\.0-py3-none-any\.whl\s+\d+(\.\d)? (bytes|kB)\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+[0-9a-f]{64}/);
      const href = await page.locator('#files a').first().getAttribute('href');
      const download = await fetch(new URL(href!, page.url()));
      assert.equal(download.status, 200);

      // The yanked release's own page says so, with the reason.
      await history.nth(1).locator('a').click();
      await page.waitForURL(`${wharf.url}/project/web-demo/1.0/`);
      assert.match(await page.locator('#yanked-banner').innerText(), /yanked.*Reason: Crashes on import; use 2\.0/);
      assert.equal(await page.locator('#install-line').innerText(), 'pip install Web.Demo==1.0');
      // reStructuredText: shown as preformatted text, as the README says.
      await page.goto(`${wharf.url}/project/plain-notes/`);
      assert.equal(await page.locator('pre.description-text').innerText(), 'Title\n=====\n\n*not* markdown');
      assert.deepEqual(violations, []);
      await context.close();
    });

    test('a description carrying script, event handlers and javascript: links renders inert', async () => {
      const { context } = await newContext();
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(`${wharf.url}/project/evil-readme/`);
      assert.equal(await page.locator('#description h1').innerText(), 'Evil README');
      // Poke everything that could fire: hover the cover, toggle the details, click the links.
      await page.locator('#description div', { hasText: 'cover' }).hover();
      await page.locator('#description summary').click();
      for (const link of await page.locator('#description a').all()) await link.click({ noWaitAfter: true }).catch(() => undefined);
      await page.waitForTimeout(300);
      assert.deepEqual(dialogs, [], 'no script ran a dialog');
      assert.equal(await page.evaluate('window.pwned'), undefined, 'no script set a global');
      const dom = (await page.evaluate(`(() => {
        const root = document.querySelector('#description');
        const all = [...root.querySelectorAll('*')];
        return {
          handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => el.tagName + '@' + a.name)),
          styles: all.filter((el) => el.hasAttribute('style')).length,
          scripts: root.querySelectorAll('script, iframe, svg, object, embed').length,
          hrefs: [...root.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
          pageScripts: document.scripts.length,
        };
      })()`)) as { handlers: string[]; styles: number; scripts: number; hrefs: (string | null)[]; pageScripts: number };
      assert.deepEqual(dom.handlers, []);
      assert.equal(dom.styles, 0);
      assert.equal(dom.scripts, 0);
      assert.deepEqual(dom.hrefs.filter((h) => !/^https?:/.test(h ?? '')), []);
      assert.equal(dom.pageScripts, 1, 'only the page\'s own hashed script');
      assert.equal(page.url(), `${wharf.url}/project/evil-readme/`, 'no link navigated anywhere');
      await context.close();
    });

    test('with scripts off the page works: the install line is there, selectable, no dead copy button', async () => {
      const { context } = await newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${wharf.url}/project/web-demo/`);
      assert.equal(await page.locator('#install-line').innerText(), 'pip install Web.Demo');
      assert.equal(await page.locator('button[data-copy=install-line]').isVisible(), false);
      // One click selects the whole line (user-select: all), ready for Ctrl+C.
      await page.locator('#install-line').click();
      assert.equal(await page.evaluate('String(getSelection())'), 'pip install Web.Demo');
      // The search is a plain GET form.
      await page.locator('header input[name=q]').fill('evil');
      await page.locator('header input[name=q]').press('Enter');
      await page.waitForURL(/\/search\/\?q=evil$/);
      assert.match(await page.locator('#result-count').innerText(), /1 project matches/);
      await context.close();
    });

    test('readable on a phone, light and dark', async () => {
      for (const colorScheme of ['light', 'dark'] as const) {
        const { context, violations } = await newContext({ viewport: { width: 360, height: 740 }, colorScheme, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
        const page = await context.newPage();
        await page.goto(`${wharf.url}/project/web-demo/`);
        const layout = (await page.evaluate(`({
          scrollWidth: document.documentElement.scrollWidth,
          width: window.innerWidth,
          background: getComputedStyle(document.body).backgroundColor,
          fontSize: parseFloat(getComputedStyle(document.body).fontSize),
        })`)) as { scrollWidth: number; width: number; background: string; fontSize: number };
        // A mobile viewport widens to fit what overflows: the page must fit the phone's 360 px.
        assert.ok(layout.scrollWidth <= 360 && layout.width <= 360, `no sideways scrolling: page ${layout.scrollWidth} px, viewport ${layout.width} px`);
        assert.equal(layout.background, colorScheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
        assert.ok(layout.fontSize >= 16);
        if (process.env['WHARF_SCREENSHOTS']) await page.screenshot({ path: path.join(process.env['WHARF_SCREENSHOTS'], `project-${colorScheme}.png`), fullPage: true });
        assert.deepEqual(violations, []);
        await context.close();
      }
    });
  });

  describe('a private index', () => {
    let wharf: LocalWharf;
    let scoped: string;

    before(async () => {
      wharf = await startLocalWharf({ port: 0, publicRead: false });
      const upload = await tokenFor(wharf, ['upload:*']);
      await twineUpload(
        wharf,
        upload,
        [wheel('team-app', '1.0', 'The team app', '# Team app'), wheel('secret-sauce', '1.0', 'The team secret', '# Secret')],
        path.join(scratch, 'private'),
      );
      scoped = await tokenFor(wharf, ['read:team-*']);
    });
    after(async () => {
      await wharf?.close();
    });

    test('a browser without credentials is refused: 401 with the Basic challenge, and a sign-in form', async () => {
      const { context } = await newContext();
      const page = await context.newPage();
      for (const p of ['/', '/project/team-app/', '/search/?q=secret']) {
        // Headless Chromium has no credentials dialog: the challenge ends the navigation.
        await assert.rejects(page.goto(`${wharf.url}${p}`), /ERR_INVALID_AUTH_CREDENTIALS/, p);
        // What a browser shows when its dialog is dismissed: the body, the sign-in form.
        const response = await context.request.get(`${wharf.url}${p}`);
        assert.equal(response.status(), 401, p);
        assert.equal(response.headers()['www-authenticate'], 'Basic realm="Wharf"');
        const body = await response.text();
        assert.match(body, /<form class="signin" method="post"/);
        assert.doesNotMatch(body, /secret-sauce|team-app<|The team/);
      }
      await context.close();
    });

    test('with a scoped token as Basic credentials, only the permitted projects show', async () => {
      const { context } = await newContext({ httpCredentials: { username: '__token__', password: scoped } });
      const page = await context.newPage();
      const home = await page.goto(`${wharf.url}/`);
      assert.equal(home?.status(), 200);
      assert.equal(await page.locator('#project-count').innerText(), '1 project');
      assert.doesNotMatch(await page.content(), /secret-sauce/);
      await page.goto(`${wharf.url}/search/?q=team`);
      assert.match(await page.locator('#result-count').innerText(), /^1 project matches/);
      assert.deepEqual(await page.locator('ul.list a.name').allInnerTexts(), ['team-app']);
      assert.equal((await page.goto(`${wharf.url}/project/secret-sauce/`))?.status(), 403);
      await context.close();
    });

    test('the token sign-in form: an HttpOnly SameSite=Strict cookie, only permitted projects, then sign-out', async () => {
      const { context, violations } = await newContext();
      const page = await context.newPage();
      // Where the refused page's form (or its Sign in link) leads.
      assert.equal((await page.goto(`${wharf.url}/account/login/?next=/project/team-app/`))?.status(), 200);
      // A wrong token: the form again, saying why.
      await page.locator('#token').fill('wharf_0000000000_notarealtokenatall');
      await page.locator('form.signin button[type=submit]').click();
      assert.match(await page.locator('#signin-error').innerText(), /not valid/);
      await page.locator('#token').fill(scoped);
      await page.locator('form.signin button[type=submit]').click();
      // Back where the browser was refused.
      await page.waitForURL(`${wharf.url}/project/team-app/`);
      assert.equal(await page.locator('h1').first().innerText(), 'team-app 1.0');
      const cookies = await context.cookies(wharf.url);
      const session = cookies.find((c) => c.name === 'wharf-session')!;
      assert.equal(session.value, scoped);
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Strict');
      assert.equal(await page.evaluate('document.cookie'), '', 'no script can read the cookies');

      await page.goto(`${wharf.url}/search/?q=e`);
      assert.deepEqual(await page.locator('ul.list a.name').allInnerTexts(), ['team-app']);
      assert.equal((await page.goto(`${wharf.url}/project/secret-sauce/`))?.status(), 403);

      await page.goto(`${wharf.url}/`);
      await page.locator('header button', { hasText: 'Sign out' }).click();
      // A private index signs out to its sign-in form, not to a page that would challenge.
      await page.waitForURL(`${wharf.url}/account/login/`);
      assert.equal((await context.cookies(wharf.url)).find((c) => c.name === 'wharf-session'), undefined);
      assert.equal((await context.request.get(`${wharf.url}/`)).status(), 401);
      assert.deepEqual(violations, []);
      await context.close();
    });
  });
});
