import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { stripTracking } from '../urls.ts';
import { cleanInline, parseDate, splitNames, type Block, type ParsedMeta } from './blocks.ts';

type Doc = ReturnType<typeof parseHTML>['document'];
type El = ReturnType<Doc['querySelector']> & object;

/**
 * HTML article pages: metadata from meta tags / JSON-LD / <time>, main content through Mozilla Readability
 * (running on linkedom, which is much lighter than jsdom), then headings and paragraphs from the result.
 */
export function parseHtml(html: string, pageUrl?: string, opts: { extract?: boolean } = {}): { meta: ParsedMeta; blocks: Block[] } {
  const { document } = parseHTML(html);
  const meta = htmlMeta(document, pageUrl);

  // Readability mutates the document, so metadata is read first.
  let article: ReturnType<Readability<string>['parse']> = null;
  try {
    if (opts.extract === false) throw new Error('extraction not wanted');
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 200, keepClasses: false }).parse();
  } catch {
    article = null;
  }
  let blocks: Block[] = [];
  let captions: string[] = [];
  if (article?.content) {
    ({ blocks, captions } = contentBlocks(parseHTML(`<!doctype html><html><body>${article.content}</body></html>`).document));
    meta.title ??= cleanInline(article.title ?? '') || undefined;
    if (!meta.authors?.length && article.byline) meta.authors = bylineNames(article.byline);
    meta.publishedAt ??= parseDate(article.publishedTime ?? undefined);
    if (!meta.source && article.siteName) meta.source = cleanInline(article.siteName);
  }
  if (blocks.length === 0) ({ blocks, captions } = contentBlocks(parseHTML(html).document));
  if (captions.length) meta.captions = [...(meta.captions ?? []), ...captions];
  // Readability often keeps the article's own <h1>; it duplicates the title.
  if (blocks[0]?.kind === 'heading' && meta.title && sameText(blocks[0].text, meta.title)) blocks.shift();
  return { meta, blocks };
}

const sameText = (a: string, b: string) => a.replace(/\W+/g, '').toLowerCase() === b.replace(/\W+/g, '').toLowerCase();

function metaContent(document: Doc, ...selectors: string[]): string | undefined {
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      const value = cleanInline(el.getAttribute('content') ?? el.getAttribute('datetime') ?? el.getAttribute('href') ?? '');
      if (value) return value;
    }
  }
  return undefined;
}

function bylineNames(byline: string): string[] {
  const cleaned = byline
    .replace(/^\s*(by|written by|words by|author[s]?:?)\s+/i, '')
    .replace(/\s*[|•·—–-]\s*(\d|[A-Z][a-z]+ \d).*$/, '')
    .replace(/\s+(is|was)\s+.*$/, '');
  return splitNames(cleaned).filter((n) => !/^https?:/.test(n) && n.split(/\s+/).length <= 6);
}

interface JsonLdArticle {
  headline?: string;
  name?: string;
  datePublished?: string;
  author?: unknown;
  publisher?: { name?: string };
  keywords?: string | string[];
  description?: string;
  url?: string;
}

function jsonLdArticle(document: Doc): JsonLdArticle | undefined {
  const candidates: JsonLdArticle[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (obj['@graph']) visit(obj['@graph']);
    const type = ([] as unknown[]).concat(obj['@type'] ?? []).map(String);
    if (type.some((t) => /Article|Report|BlogPosting|NewsArticle|WebPage|CreativeWork|ScholarlyArticle/.test(t))) candidates.push(obj as JsonLdArticle);
  };
  for (const script of document.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      visit(JSON.parse(script.textContent ?? ''));
    } catch {
      /* malformed JSON-LD is common; ignore it */
    }
  }
  return candidates.find((c) => c.datePublished || c.author) ?? candidates[0];
}

function jsonLdAuthors(author: unknown): string[] {
  return ([] as unknown[])
    .concat(author ?? [])
    .map((a) => (typeof a === 'string' ? a : a && typeof a === 'object' && 'name' in a ? String((a as { name: unknown }).name) : ''))
    .map(cleanInline)
    .filter((n) => n && !/^https?:/.test(n));
}

function htmlMeta(document: Doc, pageUrl?: string): ParsedMeta {
  const ld = jsonLdArticle(document);
  const meta: ParsedMeta = {};
  const siteName = metaContent(document, 'meta[property="og:site_name"]', 'meta[name="application-name"]') ?? cleanInline(ld?.publisher?.name ?? '');
  meta.source = siteName || undefined;
  let title = metaContent(document, 'meta[property="og:title"]', 'meta[name="twitter:title"]') ?? cleanInline(ld?.headline ?? '');
  if (!title) {
    title = cleanInline(document.querySelector('h1')?.textContent ?? '') || cleanInline(document.querySelector('title')?.textContent ?? '');
  }
  if (title && siteName) title = title.replace(new RegExp(`\\s*[|–—:-]\\s*${escapeRegExp(siteName)}\\s*$`, 'i'), '');
  meta.title = title || undefined;

  const ldAuthors = jsonLdAuthors(ld?.author);
  const metaAuthor = metaContent(document, 'meta[name="author"]', 'meta[property="article:author"]', 'meta[name="parsely-author"]', 'meta[name="sailthru.author"]', 'meta[name="dc.creator" i]');
  meta.authors = ldAuthors.length ? ldAuthors : metaAuthor && !/^https?:/.test(metaAuthor) ? bylineNames(metaAuthor) : undefined;
  if (!meta.authors?.length) {
    const byline = document.querySelector('[rel="author"], .byline, .author-name, [itemprop="author"]')?.textContent;
    if (byline) meta.authors = bylineNames(cleanInline(byline));
  }

  meta.publishedAt =
    parseDate(
      metaContent(
        document,
        'meta[property="article:published_time"]',
        'meta[property="og:published_time"]',
        'meta[property="og:article:published_time"]',
        'meta[itemprop="datePublished"]',
        'meta[name="parsely-pub-date"]',
        'meta[name="sailthru.date"]',
        'meta[name="pubdate"]',
        'meta[name="publish-date"]',
        'meta[name="date"]',
        'meta[name="dc.date" i]',
        'meta[name="dcterms.date" i]',
        'meta[name="citation_publication_date"]',
      ),
    ) ??
    parseDate(ld?.datePublished) ??
    parseDate(metaContent(document, 'time[datetime]', '[itemprop="datePublished"]'));

  const canonical = metaContent(document, 'link[rel="canonical"]', 'meta[property="og:url"]');
  const canonicalUrl = absolute(canonical, pageUrl);
  meta.url = canonicalUrl ? stripTracking(canonicalUrl) : pageUrl;

  const tags = [...document.querySelectorAll('meta[property="article:tag"]')].map((el) => cleanInline(el.getAttribute('content') ?? '')).filter(Boolean);
  const keywords = metaContent(document, 'meta[name="news_keywords"]', 'meta[name="keywords"]');
  meta.tags = tags.length ? tags : keywords ? keywords.split(/\s*,\s*/).filter(Boolean).slice(0, 20) : undefined;
  const section = metaContent(document, 'meta[property="article:section"]');
  if (section) meta.tags = [...(meta.tags ?? []), section];

  const description = metaContent(document, 'meta[property="og:description"]', 'meta[name="description"]') ?? cleanInline(ld?.description ?? '');
  if (description && description.length > 40 && !/\[(…|\.\.\.)\]$/.test(description)) meta.standfirst = description;
  return meta;
}

function absolute(href: string | undefined, base?: string): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href, base);
    return /^https?:$/.test(url.protocol) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const BLOCK_TAGS = new Set(['P', 'LI', 'BLOCKQUOTE', 'PRE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'FIGCAPTION', 'DT', 'DD', 'TD', 'TH', 'DIV', 'SECTION', 'ARTICLE', 'UL', 'OL', 'TABLE', 'TBODY', 'TR', 'FIGURE', 'HEADER', 'FOOTER', 'MAIN', 'ASIDE', 'NAV', 'DL', 'THEAD']);
const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'NAV', 'FORM', 'BUTTON', 'SVG', 'IFRAME', 'TEMPLATE']);

/** Walks extracted content: leaf blocks become paragraphs, h1–h6 headings, figcaptions captions. */
function contentBlocks(document: Doc): { blocks: Block[]; captions: string[] } {
  const blocks: Block[] = [];
  const captions: string[] = [];
  const visit = (el: El) => {
    const tag = el.tagName;
    if (SKIP_TAGS.has(tag)) return;
    if (/^H[1-6]$/.test(tag)) {
      const text = cleanInline(el.textContent ?? '');
      if (text) blocks.push({ kind: 'heading', text });
      return;
    }
    if (tag === 'FIGCAPTION') {
      const text = cleanInline(el.textContent ?? '');
      if (text) captions.push(text);
      return;
    }
    const children = [...el.children] as El[];
    const hasBlockChild = children.some((c) => BLOCK_TAGS.has(c.tagName));
    if (!hasBlockChild) {
      const text = cleanInline((el.textContent ?? '').replace(/\s+/g, ' '));
      if (text && !['UL', 'OL', 'TABLE', 'TBODY', 'TR', 'THEAD'].includes(tag)) blocks.push({ kind: 'paragraph', text });
      return;
    }
    // Mixed content: text directly inside a container (e.g. <div>text<p>…</p></div>) is a paragraph of its own.
    let loose = '';
    for (const node of el.childNodes) {
      if (node.nodeType === 3) loose += node.textContent ?? '';
      else if (node.nodeType === 1 && !BLOCK_TAGS.has((node as El).tagName)) loose += (node as El).textContent ?? '';
      else {
        if (cleanInline(loose)) blocks.push({ kind: 'paragraph', text: cleanInline(loose.replace(/\s+/g, ' ')) });
        loose = '';
        if (node.nodeType === 1) visit(node as El);
      }
    }
    if (cleanInline(loose)) blocks.push({ kind: 'paragraph', text: cleanInline(loose.replace(/\s+/g, ' ')) });
  };
  if (document.body) visit(document.body as unknown as El);
  return { blocks, captions };
}
