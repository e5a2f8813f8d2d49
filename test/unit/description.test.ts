import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseContentType, renderDescription, sanitizeDescriptionHtml } from '../../lambdas/core/description.ts';

const md = (text: string, images: 'https' | 'none' = 'https') =>
  renderDescription({ text, contentType: 'text/markdown' }, { images });

describe('descriptions', () => {
  test('Markdown is rendered GitHub-flavoured: headings, tables, strikethrough, autolinks, fenced code', () => {
    const { html, renderedAs } = md('# Title\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\nSee https://example.com/x\n\n```python\nprint(1)\n```\n');
    assert.equal(renderedAs, 'markdown');
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<table>[\s\S]*<td><s>2<\/s><\/td>/);
    assert.match(html, /<a href="https:\/\/example.com\/x" rel="nofollow noopener noreferrer ugc">/);
    assert.match(html, /<pre><code class="language-python">print\(1\)/);
  });

  test('variant=CommonMark is strict CommonMark: no tables, no autolinks', () => {
    const { html } = renderDescription({ text: '| a |\n|---|\n| 1 |\n\nhttps://example.com', contentType: 'text/markdown; variant=CommonMark' }, { images: 'https' });
    assert.doesNotMatch(html, /<table>|<a /);
  });

  test('no script, event handler, javascript:/data: link, style or frame survives', () => {
    const hostile = [
      '<script>window.pwned=1</script>',
      '<img src="https://x.test/a.png" onerror="window.pwned=1" alt="a">',
      '<a href="javascript:window.pwned=1">js</a> [md](javascript:alert(1)) <a href="JaVaScRiPt:alert(1)">mixed</a>',
      '<a href="data:text/html,<script>x</script>">data</a> <a href="vbscript:x">vb</a>',
      '<div style="position:fixed;inset:0" class="install banner" onclick="x()" id="install-line">styled</div>',
      '<iframe src="https://evil.test"></iframe><object data="x"></object><embed src="x"><form action="https://evil.test"><input name="token"></form>',
      '<svg onload="window.pwned=1"><circle/></svg><math><mi>x</mi></math>',
      '<style>body{display:none}</style><link rel="stylesheet" href="https://evil.test/x.css"><meta http-equiv="refresh" content="0;url=https://evil.test">',
      '<a href="//evil.test/x">protocol-relative</a> <base href="https://evil.test/">',
    ].join('\n\n');
    const { html } = md(hostile);
    for (const banned of [/<script/i, /\son\w+=/i, /(href|src)="[^"]*(javascript|data|vbscript):/i, /style=/i, /<style/i, /<iframe/i, /<object/i, /<embed/i, /<form/i, /<input/i, /<svg/i, /<link/i, /<meta/i, /<base/i, /\sid=/i, /\sclass="install/i, /href="\/\/evil/]) {
      assert.doesNotMatch(html, banned, `${banned} in ${html}`);
    }
    // markdown-it refuses the link, leaving inert text; the words stay, only the markup goes.
    assert.match(html, /\[md\]\(javascript:alert\(1\)\)/);
    assert.match(html, /styled/);
    assert.match(html, /protocol-relative/);
  });

  test('images: https only by default, none at all under the `none` policy (their alt text stays)', () => {
    const text = '![badge](https://img.test/b.svg) ![plain](http://img.test/p.png) <img src="data:image/png;base64,AAAA" alt="inline">';
    const https = md(text).html;
    assert.match(https, /<img src="https:\/\/img.test\/b.svg" alt="badge" \/>/);
    assert.doesNotMatch(https, /http:\/\/img|data:/);
    const none = md(text, 'none').html;
    assert.doesNotMatch(none, /<img/);
    assert.match(none, /<span>badge<\/span>/);
  });

  test('reStructuredText, plain text and a missing content type are preformatted, escaped', () => {
    for (const contentType of ['text/x-rst', 'text/plain', undefined, 'text/html']) {
      const { html, renderedAs } = renderDescription({ text: 'Title\n=====\n\n<b onclick="x()">hi</b>', contentType }, { images: 'https' });
      assert.equal(renderedAs, 'preformatted', String(contentType));
      assert.equal(html, '<pre class="description-text">Title\n=====\n\n&lt;b onclick=&quot;x()&quot;&gt;hi&lt;/b&gt;</pre>');
    }
  });

  test('an empty description renders nothing; a cut one says so', () => {
    assert.equal(renderDescription({ text: '  \n', contentType: 'text/markdown' }, { images: 'https' }).renderedAs, 'empty');
    const cut = renderDescription({ text: 'start', contentType: 'text/plain', truncatedFromBytes: 100_000 }, { images: 'https' });
    assert.match(cut.html, /cut to fit the index: it is 100,000 bytes in full/);
  });

  test('content types are read as packaging writes them', () => {
    assert.deepEqual(parseContentType('text/markdown; charset=UTF-8; variant=GFM'), { type: 'text/markdown', variant: 'gfm' });
    assert.deepEqual(parseContentType('Text/Markdown'), { type: 'text/markdown', variant: undefined });
    assert.equal(parseContentType(''), undefined);
    assert.equal(sanitizeDescriptionHtml('<p>ok</p>', 'https'), '<p>ok</p>');
  });
});
