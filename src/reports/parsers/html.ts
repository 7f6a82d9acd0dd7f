import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { stripTracking } from '../urls.ts';
import { cleanInline, type Block, type ParsedMeta } from './blocks.ts';
import { parseDocument, type Doc } from './dom.ts';
import { bylineNames, htmlAuthors } from './html-authors.ts';
import { headerZoneMeta } from './html-header-zone.ts';
import { dropArticleHeader } from './html-lead.ts';
import { cleanAuthorNames, DESK_NAME } from './names.ts';
import { modifiedDate, publishedDate } from './html-date.ts';
import { chooseTitle, compact, mainHeadings, siteMatcher } from './html-title.ts';
import { ARTICLE_TYPE, readJsonLd, type JsonLd, type JsonLdArticle } from './jsonld.ts';

type El = ReturnType<Doc['querySelector']> & object;

/**
 * HTML article pages: metadata from meta tags / JSON-LD / <time>, main content through Mozilla Readability
 * (running on linkedom, which is much lighter than jsdom), then headings and paragraphs from the result.
 * Slightly over ~350 lines: it is the orchestration of one page parse (title, dates, authors, lead, blocks
 * are each in their own html-*.ts module); splitting the orchestration itself would only scatter one flow.
 */
export function parseHtml(html: string, pageUrl?: string, opts: { extract?: boolean } = {}): { meta: ParsedMeta; blocks: Block[]; page: PageSignals } {
  // Feed content from Blogger and older CMSs separates paragraphs with <br><br> instead of <p>; Readability
  // does this itself for whole pages, so only fragments need it.
  if (opts.extract === false && /<br\s*\/?>\s*<br/i.test(html)) html = html.replace(/(?:<br\s*\/?>\s*){2,}/gi, '</p><p>');
  const document = parseDocument(html);
  const { meta, page, isPublisher } = htmlMeta(document, pageUrl);

  // Readability mutates the document, so metadata and summary boxes are read first.
  const keyPoints = opts.extract === false ? [] : summaryBoxes(document);
  const marked = takeMarkedCaptions(document);
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
    const content = parseHTML(`<!doctype html><html><body>${withLineBreaks(article.content)}</body></html>`).document;
    const headings = content.querySelectorAll('h2, h3, h4');
    page.linkedHeadings = [...headings].filter((h) => {
      const link = h.querySelector('a[href]');
      return link && cleanInline(link.textContent ?? '').length >= cleanInline(h.textContent ?? '').length * 0.8;
    }).length;
    page.headings = headings.length;
    ({ blocks, captions } = contentBlocks(content));
    meta.title ??= cleanInline(article.title ?? '') || undefined;
    if (!meta.authors?.length && article.byline && !/^(photo|image|illustration)/i.test(article.byline))
      meta.authors = cleanAuthorNames(bylineNames(article.byline)).filter((n) => !isPublisher(n) && !DESK_NAME.test(n));
    if (!meta.source && article.siteName) meta.source = cleanInline(article.siteName);
  }
  if (blocks.length === 0) ({ blocks, captions } = contentBlocks(parseHTML(withLineBreaks(html)).document));
  // A "Key Points" box that Readability dropped as a sidebar is the publisher's own summary: it goes right
  // after the lead (which keeps its place as the untitled opening section).
  const missing = keyPoints.filter((box) => !box.some((b) => b.kind === 'paragraph' && blocks.some((x) => x.text === b.text)));
  if (missing.length) {
    const firstHeading = blocks.findIndex((b) => b.kind === 'heading');
    const at = firstHeading < 0 ? blocks.length : firstHeading;
    blocks = [...blocks.slice(0, at), ...missing.flat(), ...blocks.slice(at)];
  }
  // Footnote references (<sup>1</sup>, <a href="#fn1">[1]</a>) are stripped as text markers by the clean-up.
  captions = [...marked, ...captions];
  if (captions.length) meta.captions = [...(meta.captions ?? []), ...captions];
  // Readability often keeps the article's own <h1>; it duplicates the title.
  if (blocks[0]?.kind === 'heading' && meta.title && sameText(blocks[0].text, meta.title)) blocks.shift();
  if (opts.extract !== false) {
    const header = dropArticleHeader(blocks, {
      title: meta.title,
      authors: meta.authors,
      descriptions: [meta.standfirst, page.description],
      isSite: siteMatcher([meta.source], pageUrl),
    });
    blocks = header.blocks;
    if (!meta.standfirst && header.subtitle && header.subtitle.length > 40) meta.standfirst = header.subtitle;
  }
  return { meta, blocks, page };
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

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(list);
  if (typeof value === 'string')
    return value
      .split(/\s*[,;]\s*/)
      .map(cleanInline)
      .filter(Boolean);
  return [];
}

/** Names the page gives for itself besides metadata: the text of links home and of the site-title element. */
function homeNames(document: Doc, pageUrl?: string): string[] {
  let origin = '';
  try {
    origin = new URL(pageUrl ?? '').origin;
  } catch {
    /* no base */
  }
  const out: string[] = [];
  // Taglines and slogans ("The Free Encyclopedia", "Fakten und Hintergründe zur Energiewende") count too:
  // a title that is only the site's slogan is no article title.
  const selector =
    'a[href="/"], a[rel~="home"], .site-title, .site-name, .blog-title, [class*="site-title" i], [class*="logo" i], .site-description, .blog-description, [class*="tagline" i], [class*="slogan" i]';
  for (const el of [...document.querySelectorAll(selector + (origin ? `, a[href="${origin}"], a[href="${origin}/"]` : ''))].slice(0, 40)) {
    const text = cleanInline((el.textContent ?? '').replace(/\s+/g, ' ')) || cleanInline(el.querySelector('img[alt]')?.getAttribute('alt') ?? '');
    if (text && text.length <= 60 && !out.includes(text)) out.push(text);
    if (out.length >= 6) break;
  }
  return out;
}

function htmlMeta(document: Doc, pageUrl?: string): { meta: ParsedMeta; page: PageSignals; isPublisher: (name: string) => boolean } {
  const jsonLd = readJsonLd(document);
  const ld = jsonLd.article;
  const meta: ParsedMeta = {};
  // The publisher may be an @id reference into the @graph (WordPress/Yoast) rather than an inline object.
  const publisherRef = ld?.publisher as { name?: unknown; '@id'?: unknown } | undefined;
  const publisher =
    typeof publisherRef?.name === 'string'
      ? publisherRef.name
      : typeof publisherRef?.['@id'] === 'string'
        ? jsonLd.byId.get(publisherRef['@id'])?.name
        : undefined;
  if (ld && typeof publisher === 'string') ld.publisher = { name: publisher };
  const applicationName = metaContent(document, 'meta[name="application-name"]');
  const ogSiteName = metaContent(document, 'meta[property="og:site_name"]');
  let siteName =
    ogSiteName ??
    applicationName ??
    (cleanInline(typeof publisher === 'string' ? publisher : '') ||
      metaContent(document, 'meta[name="citation_publisher"]', 'meta[name="dc.publisher" i]', 'meta[name="citation_journal_title"]') ||
      '');
  // "the Guardian" in og:site_name, "The Guardian" elsewhere: prefer the capitalised spelling of the same name.
  const spelledElsewhere = [applicationName, ld?.publisher?.name].find((n) => n && n.toLowerCase() === siteName.toLowerCase());
  if (spelledElsewhere && /^\p{Ll}/u.test(siteName)) siteName = cleanInline(spelledElsewhere);
  // Platform names (og:site_name "Medium", "Substack") are where the post is hosted, not its publisher.
  if (/^(medium|substack|blogger|wordpress(\.com)?|tumblr|ghost)$/i.test(siteName) && typeof publisher === 'string' && publisher)
    siteName = cleanInline(publisher);
  meta.source = siteName || undefined;

  const publisherNames = [
    siteName,
    ogSiteName,
    applicationName,
    ld?.publisher?.name,
    metaContent(document, 'meta[name="citation_publisher"]'),
    metaContent(document, 'meta[name="twitter:site"]')?.replace(/^@/, ''),
  ];
  const isPublisher = siteMatcher(publisherNames, pageUrl);
  meta.authors = htmlAuthors(document, jsonLd, isPublisher);

  const description = metaContent(document, 'meta[property="og:description"]', 'meta[name="description"]') ?? cleanInline(ld?.description ?? '');
  meta.title = chooseTitle(
    {
      metaTitles: [
        metaContent(document, 'meta[property="og:title"]'),
        metaContent(document, 'meta[name="twitter:title"]', 'meta[property="twitter:title"]'),
        cleanInline(ld?.headline ?? ''),
        metaContent(document, 'meta[name="citation_title"]', 'meta[name="dc.title" i]', 'meta[name="dcterms.title" i]'),
      ],
      documentTitle: cleanInline((document.querySelector('title')?.textContent ?? '').replace(/\s+/g, ' ')),
      siteNames: [...publisherNames, ...homeNames(document, pageUrl)],
      otherNames: [metaContent(document, 'meta[property="article:section"]'), ...(meta.authors ?? [])],
      description,
      pageUrl,
      h1Count: document.querySelectorAll('h1').length,
    },
    mainHeadings(document),
  );

  const canonical = metaContent(document, 'link[rel="canonical"]');
  const ogUrl = metaContent(document, 'meta[property="og:url"]');
  meta.altUrls = [canonical, ogUrl].map((u) => absolute(u, pageUrl)).filter((u): u is string => Boolean(u) && !isSiteRoot(u!, pageUrl));
  const canonicalUrl = meta.altUrls[0];
  meta.url = canonicalUrl ? stripTracking(canonicalUrl) : pageUrl;
  const zone = headerZoneMeta(document, meta.title);
  if (!meta.authors?.length && zone.authors?.length)
    meta.authors = [...new Set(cleanAuthorNames(zone.authors).filter((n) => !isPublisher(n) && !DESK_NAME.test(n)))];
  meta.publishedAt = publishedDate(document, jsonLd, [canonicalUrl, pageUrl], zone.publishedAt);
  meta.modifiedAt = modifiedDate(document, jsonLd);

  // article:tag is one tag per element on most sites, but a comma-separated list in one element on others.
  const tags = [...document.querySelectorAll('meta[property="article:tag"]')].flatMap((el) => list(el.getAttribute('content') ?? ''));
  const keywords = list(metaContent(document, 'meta[name="news_keywords"]', 'meta[name="keywords"]') ?? '');
  const ldKeywords = list(ld?.keywords);
  meta.tags = (tags.length ? tags : ldKeywords.length ? ldKeywords : keywords).slice(0, 20);
  const section = metaContent(document, 'meta[property="article:section"]') ?? list(ld?.articleSection)[0];
  if (section) meta.tags = [...meta.tags, section];
  if (!meta.tags.length) delete meta.tags;

  if (description && description.length > 40 && !/\[(…|\.\.\.)\]$/.test(description) && compact(description) !== compact(meta.title ?? ''))
    meta.standfirst = description;
  const declared = (document.documentElement?.getAttribute('lang') ?? '').trim().toLowerCase().split(/[-_]/)[0];
  if (declared && /^[a-z]{2,3}$/.test(declared)) meta.declaredLanguage = declared;
  return { meta, page: { ...pageSignals(document, jsonLd, ld), description }, isPublisher };
}

/** A canonical link to the site's front page (a common CMS misconfiguration) identifies no article. */
function isSiteRoot(url: string, pageUrl?: string): boolean {
  try {
    const u = new URL(url);
    const page = pageUrl ? new URL(pageUrl) : undefined;
    return (u.pathname === '/' || u.pathname === '') && !u.search && (!page || page.pathname.length > 1);
  } catch {
    return true;
  }
}

export interface PageSignals {
  /** The page says it is an article (og:type article or an Article-like JSON-LD type). */
  declaresArticle: boolean;
  /** The page says it is a site front page / listing (og:type website, WebSite/CollectionPage JSON-LD). */
  declaresIndex: boolean;
  /** Teaser cards: <article> elements or headings that are links to other pages. */
  teasers: number;
  /** JSON-LD isAccessibleForFree: false (the publisher's own paywall marker). */
  paywalled: boolean;
  /** In the extracted content: h2–h4 headings, and those that are (almost) entirely a link elsewhere. */
  headings?: number;
  linkedHeadings?: number;
  /** og:description or meta description, as the page gives it. */
  description?: string;
}

function pageSignals(document: Doc, jsonLd: JsonLd, ld: JsonLdArticle | undefined): PageSignals {
  const ogType = metaContent(document, 'meta[property="og:type"]')?.toLowerCase();
  const declaresArticle = ogType === 'article' || jsonLd.types.some((t) => ARTICLE_TYPE.test(t));
  const declaresIndex = ogType === 'website' || jsonLd.types.some((t) => /^(WebSite|CollectionPage|ItemList|SearchResultsPage|Blog)$/.test(t));
  const linkedHeadings = [...document.querySelectorAll('h2 a[href], h3 a[href], h4 a[href]')].length;
  const articles = document.querySelectorAll('article').length;
  const free = ld?.isAccessibleForFree;
  const paywalled = free === false || (typeof free === 'string' && /^false$/i.test(free));
  return { declaresArticle, declaresIndex, teasers: Math.max(linkedHeadings, articles), paywalled };
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

const LINE_BREAK = '\u2028';

const SUMMARY_HEADING =
  /^(key (points|takeaways|findings|judge?ments|messages|insights)|main (points|findings)|summary|executive summary|at a glance|in brief|highlights|the bottom line|bottom line|tl;?dr|what you need to know)\s*:?$/i;
const SUMMARY_CLASS = /\bkey-?(points|takeaways|findings|judge?ments)|\btldr\b|\bat-a-glance|\bhighlights\b|\bsummary-box|\bin-brief/i;

/** Boxes of key points (aside/div/section titled "Key Points", "Key Takeaways", …) as heading + items. */
function summaryBoxes(document: Doc): Block[][] {
  const boxes: Block[][] = [];
  for (const box of document.querySelectorAll('aside, section, div')) {
    if (boxes.length >= 2) break;
    const heading = box.querySelector('h2, h3, h4, h5, strong, p');
    const title = cleanInline(heading?.textContent ?? '');
    if (!SUMMARY_HEADING.test(title) && !SUMMARY_CLASS.test(box.getAttribute('class') ?? '')) continue;
    const items = [...box.querySelectorAll('li, p')]
      .filter((el) => !el.querySelector('li, p'))
      .map((el) => ({ el, text: cleanInline((el.textContent ?? '').replace(/\s+/g, ' ')) }))
      // Teaser lists ("Highlights" of other articles) are links; key points are statements.
      .filter(
        ({ el, text }) => text.length > 40 && text !== title && !isLinkOnly(el as El, text) && !(text.length < 300 && isLinkOnly(el as El, text.slice(0, 149))),
      )
      .map(({ text }) => text);
    // A real key-points box is a handful of substantial items, not a whole page section.
    if (items.length === 0 || items.length > 8 || box.querySelectorAll('p, li').length > 12) continue;
    if (boxes.some((b) => b.some((x) => items.includes(x.text)))) continue;
    boxes.push([
      { kind: 'heading', text: SUMMARY_HEADING.test(title) ? title.replace(/:$/, '') : 'Key Points' },
      ...items.map((text) => ({ kind: 'paragraph' as const, text })),
    ]);
  }
  return boxes;
}

const CAPTION_MARK = 'figcaption, [class*="caption" i], [class*="credit" i], [itemprop="caption"], [itemprop="copyrightHolder"], [class*="photo-source" i]';

/**
 * Photo captions and credits the markup marks as such (class "caption"/"credit", figcaption): taken out
 * of the document before Readability, which drops class names, so none of them can open the text.
 * Only short elements that hold no paragraphs of their own are taken: a wrapper named "caption-wrap"
 * around the whole article is not a caption.
 */
function takeMarkedCaptions(document: Doc): string[] {
  const out: string[] = [];
  for (const el of [...document.querySelectorAll(CAPTION_MARK)]) {
    if (!el.isConnected || /^(BODY|HTML|MAIN|ARTICLE)$/.test(el.tagName)) continue;
    // A caption describes an image: outside a figure, a class-marked element counts only next to one.
    const nearImage =
      el.tagName === 'FIGCAPTION' ||
      el.closest('figure') ||
      el.parentElement?.querySelector('img, picture, video') ||
      el.parentElement?.parentElement?.querySelector('img, picture, video');
    if (!nearImage) continue;
    const text = cleanInline((el.textContent ?? '').replace(/\s+/g, ' '));
    if (text.length > 400 || el.querySelectorAll('p').length > 2) continue;
    if (text && !out.includes(text)) out.push(text);
    el.remove();
  }
  return out;
}

/** <br> is a line break in the text, not nothing: without this "Outlook<br>A truce" reads "OutlookA truce". */
function withLineBreaks(html: string): string {
  return html.includes('<br') || html.includes('<BR') ? html.replace(/<br\s*\/?>/gi, LINE_BREAK) : html;
}

/**
 * A short block that is nothing but a link to another page ("Ukraine war: live updates", a related-article
 * list item, "Download the full report (PDF)") is navigation, not text of this article.
 */
function isLinkOnly(el: El, text: string): boolean {
  if (text.length > 150) return false;
  const links = [...el.querySelectorAll('a[href]')].filter((a) => !(a.getAttribute('href') ?? '').startsWith('#'));
  if (!links.length) return false;
  const linked = links.reduce((n, a) => n + cleanInline(a.textContent ?? '').length, 0);
  return linked >= text.replace(/[\s|•·,;:–—-]+/g, ' ').trim().length * 0.9;
}
const BLOCK_TAGS = new Set([
  'P',
  'LI',
  'BLOCKQUOTE',
  'PRE',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'FIGCAPTION',
  'DT',
  'DD',
  'TD',
  'TH',
  'DIV',
  'SECTION',
  'ARTICLE',
  'UL',
  'OL',
  'TABLE',
  'TBODY',
  'TR',
  'FIGURE',
  'HEADER',
  'FOOTER',
  'MAIN',
  'ASIDE',
  'NAV',
  'DL',
  'THEAD',
]);
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
      if (['UL', 'OL', 'TABLE', 'TBODY', 'TR', 'THEAD'].includes(tag)) return;
      const raw = el.textContent ?? '';
      // "<b>Outlook</b><br>Text…": a bold line on its own is a heading (Blogger, e-mail newsletters).
      const lead = el.firstElementChild as El | null;
      const firstLine = raw.split(LINE_BREAK)[0]!;
      if (
        lead &&
        /^(B|STRONG)$/.test(lead.tagName) &&
        raw.includes(LINE_BREAK) &&
        cleanInline(lead.textContent ?? '') === cleanInline(firstLine) &&
        firstLine.length < 90 &&
        !/[.,;]$/.test(firstLine.trim())
      ) {
        blocks.push({ kind: 'heading', text: cleanInline(firstLine) });
        const rest = cleanInline(raw.slice(raw.indexOf(LINE_BREAK) + 1).replace(/\s+/g, ' '));
        if (rest) blocks.push({ kind: 'paragraph', text: rest });
        return;
      }
      const text = cleanInline(raw.replace(/\s+/g, ' '));
      if (text && !isLinkOnly(el, text)) blocks.push({ kind: 'paragraph', text });
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
  // Footnote lists (WordPress, Substack, Pandoc, DPUB-ARIA) are references, not analysis.
  for (const el of document.querySelectorAll(
    '.footnotes, .footnote, .wp-block-footnotes, .endnotes, section[role="doc-endnotes"], [role="doc-footnote"], aside.footnote',
  ))
    el.remove();
  // Footnote references (<sup>1</sup>, <a href="#fn1">[1]</a>) would otherwise glue digits to words.
  for (const el of document.querySelectorAll('sup, a[href^="#fn"], a[href^="#footnote"], a[href^="#note"], a[href^="#_ftn"], a[href^="#endnote"]')) {
    if (/^\s*[[(]?\s*(\d{1,3}|[ivx]{1,5}|\*)\s*[\])]?\s*$/i.test(el.textContent ?? '')) el.remove();
  }
  if (document.body) visit(document.body as unknown as El);
  return { blocks, captions };
}
