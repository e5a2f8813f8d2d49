/**
 * A release's description as HTML, rendered as PyPI renders it (readme_renderer): Markdown
 * by a real Markdown renderer, everything else as preformatted text, and all of it through
 * an HTML sanitizer made for the job, so nothing a publisher writes runs in a reader's
 * browser or restyles the page.
 *
 * This module pulls in markdown-it and sanitize-html (with postcss): the web routes load it
 * with import() on the first project page, so the simple pages' cold start never evaluates it.
 *
 * - `text/markdown` (GitHub-flavoured by default: tables, strikethrough, autolinks; raw HTML
 *   allowed as GitHub allows it, then sanitized); `variant=CommonMark` renders strict CommonMark.
 * - `text/x-rst`, and a missing content type (PyPI's default is reStructuredText): no
 *   reStructuredText renderer for Node is well kept enough (see README), so preformatted.
 * - `text/plain` and anything else: preformatted.
 */
import markdownIt, { type MarkdownIt } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { escapeHtml } from './html.ts';

/** Which images a description may show: `https` ones (badges, screenshots), or none. */
export type ImagePolicy = 'https' | 'none';

export interface DescriptionInput {
  readonly text: string | undefined;
  readonly contentType: string | undefined;
  /** The description was cut to fit the index (release-metadata.ts); its full UTF-8 size. */
  readonly truncatedFromBytes?: number;
}

export interface RenderedDescription {
  readonly html: string;
  /** What the text was rendered as. */
  readonly renderedAs: 'markdown' | 'preformatted' | 'empty';
}

export interface DescriptionOptions {
  readonly images: ImagePolicy;
}

interface ContentType {
  readonly type: string;
  readonly variant: string | undefined;
}

/** `text/markdown; charset=UTF-8; variant=GFM` → its lower-cased type and variant. */
export function parseContentType(value: string | undefined): ContentType | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const [type = '', ...params] = value.split(';').map((p) => p.trim());
  let variant: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq > 0 && param.slice(0, eq).trim().toLowerCase() === 'variant') {
      variant = param.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase();
    }
  }
  return { type: type.toLowerCase(), variant };
}

// One renderer per variant, made on first use. `html: true` as GitHub: raw HTML in a README
// is common (centered logos, <details>); the sanitizer below decides what of it stays.
let gfm: MarkdownIt | undefined;
let commonmark: MarkdownIt | undefined;
function markdownRenderer(variant: string | undefined): MarkdownIt {
  if (variant === 'commonmark') return (commonmark ??= markdownIt('commonmark', { html: true }));
  return (gfm ??= markdownIt('default', { html: true, linkify: true, typographer: false }));
}

/** Tags and attributes as readme_renderer's cleaner allows them, less what needs a style. */
const ALLOWED_TAGS = [
  'a', 'abbr', 'acronym', 'b', 'blockquote', 'br', 'code', 'dd', 'del', 'details', 'div', 'dl', 'dt', 'em',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'ol', 'p', 'pre', 's', 'samp',
  'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr',
  'tt', 'ul', 'var',
];

function sanitizerOptions(images: ImagePolicy): sanitizeHtml.IOptions {
  return {
    // With no images, `img` stays allowed only to become its alt text (transformTags).
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      // `rel` is the one the transform below sets (it runs before this filter).
      a: ['href', 'title', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      abbr: ['title'],
      acronym: ['title'],
      ol: ['start'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
    },
    // Only markdown-it's `language-x` class on code: no class of the page's own stylesheet.
    allowedClasses: { code: ['language-*'] },
    // No javascript:, data:, vbscript: or any scheme but these; no protocol-relative URLs.
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: images === 'https' ? ['https'] : [] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowedStyles: {},
    // Not kept as text either: their content is code or markup, never prose.
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'template', 'svg', 'math'],
    transformTags: {
      // A description's links point away from the index: no referrer, no opener, no ranking.
      a: (tagName, attribs) => ({
        tagName,
        attribs: attribs['href'] === undefined ? attribs : { ...attribs, rel: 'nofollow noopener noreferrer ugc' },
      }),
      // An image that the policy refuses keeps its words: its alt text.
      ...(images === 'none'
        ? { img: (_tagName: string, attribs: sanitizeHtml.Attributes) => ({ tagName: 'span', attribs: {}, text: attribs['alt'] ?? '' }) }
        : {}),
    },
    // An image whose source the policy refused is dropped whole. (Not with `none`: there the
    // transform has made it a span already, and filtering it would lose the text after it.)
    ...(images === 'https' ? { exclusiveFilter: (frame: sanitizeHtml.IFrame) => frame.tag === 'img' && !frame.attribs['src'] } : {}),
  };
}

const optionsByPolicy = new Map<ImagePolicy, sanitizeHtml.IOptions>();

/** HTML that came from anywhere, with only what the allowlist keeps. */
export function sanitizeDescriptionHtml(html: string, images: ImagePolicy): string {
  let options = optionsByPolicy.get(images);
  if (!options) optionsByPolicy.set(images, (options = sanitizerOptions(images)));
  return sanitizeHtml(html, options);
}

function truncationNote(input: DescriptionInput): string {
  if (input.truncatedFromBytes === undefined) return '';
  return (
    `<p class="note">This description was cut to fit the index: it is ${input.truncatedFromBytes.toLocaleString('en')} bytes in full. ` +
    `The whole text is in the release's files (their metadata).</p>`
  );
}

export function renderDescription(input: DescriptionInput, options: DescriptionOptions): RenderedDescription {
  const text = input.text ?? '';
  if (text.trim() === '') return { html: '', renderedAs: 'empty' };
  const type = parseContentType(input.contentType);
  if (type?.type === 'text/markdown') {
    const html = sanitizeDescriptionHtml(markdownRenderer(type.variant).render(text), options.images);
    return { html: truncationNote(input) + html, renderedAs: 'markdown' };
  }
  // Escaped, not sanitized: nothing in it is markup.
  return { html: `${truncationNote(input)}<pre class="description-text">${escapeHtml(text)}</pre>`, renderedAs: 'preformatted' };
}
