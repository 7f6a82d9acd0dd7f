import { cleanInline, parseDate, splitNames, type ParsedMeta } from './blocks.ts';
import { findDateIn } from './dates.ts';
import { readMetaLine } from './text.ts';
import { inChrome, type Doc } from './dom.ts';
import { jsonLdAuthors, type JsonLd } from './jsonld.ts';
import { cleanAuthorNames, DESK_NAME, stripBylinePrefix } from './names.ts';

type El = ReturnType<Doc['querySelector']> & object;

/**
 * Authors of an HTML page, strongest source first: JSON-LD author (people, and organisations other than
 * the publisher), author metadata (citation_author, DC creator, author, article:author, byl, parsely…),
 * links to author pages in the byline (rel=author, /author/…, /staff/…), then byline elements. Element
 * text is read with spaces between elements, so "<span>By</span><a>Jane Doe</a>" is "By Jane Doe".
 * Every name goes through cleanAuthorNames (prefixes, job titles, social labels, desks, placeholders).
 */
export function htmlAuthors(document: Doc, jsonLd: JsonLd, isPublisher: (name: string) => boolean): string[] {
  // On a page a "… Desk" or "… Bureau" byline is the paper's own desk, never a person; feeds keep such
  // names (some publishers sign their feed items only that way, and it is all the feed gives).
  // "Yann Le Bihan - Le Phare Breton": the paper named after the writer is not part of the name.
  const withoutPublisher = (n: string) => {
    const parts = n.split(/\s+[-–—|]\s+/);
    return parts.length > 1 && isPublisher(parts[parts.length - 1]!) ? parts.slice(0, -1).join(' - ') : n;
  };
  const keep = (names: string[]) => [...new Set(cleanAuthorNames(names.map(withoutPublisher)).filter((n) => !isPublisher(n) && !DESK_NAME.test(n)))];
  const fromLd = keep(jsonLdAuthors(jsonLd.article?.author, jsonLd.byId).flatMap((a) => (a.organization ? [a.name] : bylineNames(a.name))));
  if (fromLd.length) return fromLd;
  const fromMeta = keep(metaAuthors(document, isPublisher));
  if (fromMeta.length) return fromMeta;
  const fromLinks = keep(authorLinks(document).flatMap(bylineNames));
  if (fromLinks.length) return fromLinks;
  const fromByline = keep(bylineElement(document));
  if (fromByline.length) return fromByline;
  return keep(metaLineNames(document));
}

/**
 * The weakest source: a post's meta line that lists a name among the date and reading time, without
 * marking it ("February 8, 2023 · 6 min · Kristaps Ozols", Hugo and Jekyll themes). Read with the plain
 * text byline rules; only a name of two to four capitalised words counts, so a section label does not.
 */
function metaLineNames(document: Doc): string[] {
  const scope = (document.querySelector('article') ?? document.querySelector('main') ?? document.body) as El | null;
  for (const el of [...(scope?.querySelectorAll('[class*="post-meta" i], [class*="entry-meta" i], [class*="article-meta" i], [class*="meta" i]') ?? [])].slice(
    0,
    100,
  )) {
    if (inChrome(el as El, OUTSIDE_ARTICLE)) continue;
    const text = spacedText(el as El);
    if (!text || text.length > 160) continue;
    const found: ParsedMeta = {};
    if (!readMetaLine(text, found) || !found.authors?.length) continue;
    const names = found.authors.filter((n) => /^\p{Lu}[\p{L}'’.-]+(\s+\p{Lu}[\p{L}'’.-]+){1,3}$/u.test(n));
    if (names.length) return names;
  }
  return [];
}

const META_SELECTORS = [
  'meta[name="citation_author"]',
  'meta[name="dc.creator" i]',
  'meta[name="dcterms.creator" i]',
  'meta[name="author"]',
  'meta[property="author"]',
  'meta[property="article:author"]',
  'meta[name="article:author"]',
  'meta[property="og:article:author"]',
  'meta[name="byl"]',
  'meta[name="parsely-author"]',
  'meta[name="sailthru.author"]',
  'meta[name="cxenseparse:author" i]',
];

/**
 * Authors from meta tags. The first selector that names anyone wins, and every element it matches counts:
 * scholarly and think-tank pages repeat `citation_author` / `DC.creator` once per author. A value that
 * names the publication ("DER KURIER, Hamburg, Germany") is not a byline at all and is skipped whole.
 */
function metaAuthors(document: Doc, isPublisher: (name: string) => boolean): string[] {
  const selectors = [...META_SELECTORS];
  const label = document.querySelector('meta[name="twitter:label1"]')?.getAttribute('content') ?? '';
  if (/written by|author/i.test(label)) selectors.push('meta[name="twitter:data1"]');
  for (const selector of selectors) {
    const names = [...document.querySelectorAll(selector)]
      .map((el) => cleanInline((el.getAttribute('content') ?? '').replace(/\s+/g, ' ')))
      .filter((v) => v && !/^https?:|^www\.|^@|^\/\//.test(v))
      // "Doe, Jane" (citation_author convention) → "Jane Doe".
      .map((v) => (/^[\p{L}'’ -]+,\s*[\p{L}.'’ -]+$/u.test(v) && selector.includes('citation') ? v.split(/,\s*/).reverse().join(' ') : v))
      .filter((v) => !v.split(/\s*,\s*/).some(isPublisher))
      .flatMap(bylineNames);
    if (names.length) return names;
  }
  return [];
}

/** Author profile paths: /author/jane, /authors/, /staff/, /people/, /profile/, /user/44, /@jane, /experts/… */
const AUTHOR_PATH =
  /\/(authors?|staff|people|person|profiles?|users?|writers?|journalists?|contributors?|experts?|columnists?|reporters?|team|signataires|autor(es|en)?|auteurs?|redakteur(e|in)?)\/[^/?#]+|\/@[\w.-]+\/?$/i;
const OUTSIDE_ARTICLE = ['NAV', 'FOOTER', 'ASIDE', 'FIGURE', 'FIGCAPTION'];

/** Names of the links to author pages in the first byline that has any. */
function authorLinks(document: Doc): string[] {
  const scope = (document.querySelector('article') ?? document.querySelector('main') ?? document.body) as El | null;
  if (!scope) return [];
  const isAuthorLink = (a: El) => {
    const rel = (a.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    if (!(rel.includes('author') || AUTHOR_PATH.test(a.getAttribute('href') ?? '') || /\b(author|username)\b/i.test(a.getAttribute('class') ?? '')))
      return false;
    // "Edited by <a href=/author/…>", "Medically reviewed by …", "Photos by …": credited, not authors.
    const parent = a.parentElement as El | null;
    const before = parent && (parent.textContent ?? '').length < 400 ? (spacedText(parent).split(spacedText(a))[0] ?? '') : '';
    return !NOT_AUTHOR_CREDIT.test(before);
  };
  const links = [...scope.querySelectorAll('a[href]')].slice(0, 500).filter((a) => !inChrome(a as El, OUTSIDE_ARTICLE) && isAuthorLink(a as El)) as El[];
  const first = links[0];
  if (!first) return [];
  const container = (first.closest('[class*="byline" i], [class*="author" i], [data-testid*="byline" i], address, [class*="meta" i], ul, p') ??
    first.parentElement) as El | null;
  let box = container;
  // A list of author cards ("Authors" with one card per person, name and affiliation): the first link's
  // own card holds one name; its parent list holds them all. Climb while that adds author links and the
  // box stays the size of a byline block, not of the article.
  for (let up = 0; box && up < 3; up++) {
    const parent = box.parentElement as El | null;
    if (!parent || /^(BODY|HTML|MAIN|ARTICLE)$/.test(parent.tagName)) break;
    const more = links.filter((a) => parent.contains(a)).length;
    if (more <= links.filter((a) => box!.contains(a)).length || cleanInline(parent.textContent ?? '').length > 600 || parent.querySelector('p:not([class])'))
      break;
    box = parent;
  }
  const inContainer = box ? links.filter((a) => box!.contains(a)) : [first];
  return inContainer.map((a) => spacedText(a)).filter((t) => t.length > 1 && t.length < 80);
}

const BYLINE =
  '[itemprop="author"], [class*="byline" i], [data-testid*="byline" i], [class*="author" i], [data-testid*="author" i], [class*="autor" i], [class*="auteur" i], [class*="yazar" i], [class*="firma" i], [class*="reporter" i], [class*="journalist" i], [class*="contributor" i], address, .fn, [class*="writer" i]';
const NAME_PART =
  '[itemprop="name"], [class*="author-name" i], [class*="authorname" i], [class*="byline-name" i], [class*="byline__author" i], [class*="author__name" i], .fn, .name, .author';

/** The first byline element (outside figures, navigation and related boxes): its name part, else its text. */
function bylineElement(document: Doc): string[] {
  for (const el of [...document.querySelectorAll(BYLINE)].slice(0, 200)) {
    if (inChrome(el as El, OUTSIDE_ARTICLE) || /^(META|LINK|SCRIPT|IMG|BODY|HTML|ARTICLE|MAIN)$/.test(el.tagName)) continue;
    const text = spacedText(el as El);
    if (!text || text.length > 200 || CREDIT_LINE.test(text)) continue;
    // Every name part, not only the first: "Opinion by <span.name>A</span> and <span.name>B</span>".
    const parts = el.matches(NAME_PART) ? [] : ([...el.querySelectorAll(NAME_PART)] as El[]).filter((p, _i, all) => !all.some((q) => q !== p && q.contains(p)));
    const names = cleanAuthorNames(parts.length ? parts.flatMap((p) => bylineNames(spacedText(p))) : bylineNames(text));
    if (names.length) return names;
  }
  return [];
}

/** Text of an element with a space between element boundaries ("<span>By</span><a>X</a>" → "By X"). */
export function spacedText(el: El): string {
  let out = '';
  const walk = (node: El) => {
    for (const child of node.childNodes) {
      if (child.nodeType === 3) out += child.textContent ?? '';
      else if (child.nodeType === 1) {
        const tag = (child as El).tagName;
        if (/^(SCRIPT|STYLE|NOSCRIPT|SVG|BUTTON)$/.test(tag)) continue;
        out += ' ';
        walk(child as unknown as El);
        out += ' ';
      }
    }
  };
  walk(el);
  return cleanInline(out.replace(/\s+/g, ' '));
}

const ORGANISATION =
  /^the\s|\s(lab|laboratory|labs|foundation|council|agency|institute|network|project|initiative|society|association|coalition|alliance|collective|group|inc\.?|llc|ltd|gmbh|post|times|journal|herald|tribune|gazette|magazine|review|daily|weekly)$/i;
const NOT_AUTHOR_CREDIT =
  /\b(edited|reviewed|medically reviewed|fact[- ]?checked|photos?|photographs?|photography|illustrations?|images?|video|graphics|translated|produced|curated|design(ed)?)\s+by\s*:?\s*$|\b(editor|photographer|reviewer|illustrator)s?\s*:\s*$/i;
const CREDIT_LINE = /^(photo(graph)?s?|image|illustration|picture|video|graphic|credit|foto|bild)s?\s*(by\b|:|©)/i;

/**
 * Names in a byline string: brackets (affiliations, "(Niamey, correspondance)") first, then prefixes,
 * a trailing date or time, "Name in City", and the split into names.
 */
export function bylineNames(byline: string): string[] {
  // Bounded: a byline is a line; metadata may hold anything.
  let text = cleanInline(byline.slice(0, 1000).replace(/\s+/g, ' '));
  // A byline block often carries the date after the names, with no separator ("Jane Doe 12.03.2024, 14:05
  // Uhr", "By A and B Updated May 19, 2024"): the names end where the date or its label begins.
  const date = findDateIn(text, parseDate);
  if (date && text.indexOf(date.text) > 0)
    text = text
      .slice(0, text.indexOf(date.text))
      .replace(/[\s,|·•–—-]*(?:입력|수정|등록|기사입력|公開|更新|掲載|投稿日|published|posted|updated|on|le|am|el|il)?\s*[:：]?\s*$/iu, '');
  text = text.replace(/\s+(?:last updated|updated|published|posted on|aktualisiert|veröffentlicht|publié le|mis à jour|publicado|actualizado)\b.*$/i, '');
  // "Written by A | Edited by B", "By A; photos by B": the other credits go with their labels.
  text = text.replace(
    /[|•·,;/]?\s*\b(?:edited|reviewed|medically reviewed|fact[- ]?checked|photos?|photographs?|photography|illustrations?|images?|graphics|translated|produced|curated)\s+by\b[^|•·;]*/gi,
    '',
  );
  const cleaned = text
    .replace(/\s*[([][^)\]]*[)\]]/g, '')
    .replace(/^.*$/, (v) => stripBylinePrefix(v))
    .replace(/\s*[|•·—–-]\s*(\d|[A-Z][a-z]+\.? \d|updated|published).*$/i, '')
    .replace(/\s+(on|le|am|el|il)\s+\p{L}*,?\s*\d.*$/iu, '')
    .replace(/\s+(is|was|ist|est|es)\s+.*$/, '');
  let names = splitNames(cleaned).filter((n) => !/^https?:/.test(n) && n.split(/\s+/).length <= 6);
  // "Von Anna Schmidt, Berlin": a lone capitalised word after full names is a place or an employer.
  if (names.some((n) => n.includes(' '))) names = names.filter((n) => n.includes(' ') || !/^\p{Lu}\p{Ll}+$/u.test(n));
  // "By Maya Torres, The Gulfside Post, and Ben Ashby, Coastal Data Lab": the organisations each writer
  // works for ride in the same comma list; a lone organisation byline is left for the caller to judge.
  return names.length > 1 ? names.filter((n) => !ORGANISATION.test(n)) : names;
}
