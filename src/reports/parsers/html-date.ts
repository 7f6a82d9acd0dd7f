import { cleanInline, parseDate } from './blocks.ts';
import { dateInUrl, dayFirstNumericDate, findDateIn } from './dates.ts';
import { inChrome, type Doc } from './dom.ts';
import type { JsonLd } from './jsonld.ts';

type El = ReturnType<Doc['querySelector']> & object;

/**
 * The publisher's date of an HTML page, from the page only: publication metadata (article:published_time
 * and its relatives, JSON-LD datePublished, itemprop), a <time> or printed date in the article's byline,
 * then a full date in the URL path. Modified dates are never a published date (see modifiedDate), and a
 * page that carries none gets none: no ingestion time, no © year, no date from the text.
 */
const PUBLISHED_META = [
  'meta[property="article:published_time"]',
  'meta[name="article:published_time"]',
  'meta[property="og:published_time"]',
  'meta[property="og:article:published_time"]',
  'meta[itemprop="datePublished"]',
  'meta[name="parsely-pub-date"]',
  'meta[name="sailthru.date"]',
  'meta[name="pubdate"]',
  'meta[name="publishdate"]',
  'meta[name="publish-date"]',
  'meta[name="publish_date"]',
  'meta[name="pdate"]',
  'meta[name="date"]',
  'meta[name="dc.date" i]',
  'meta[name="dcterms.date" i]',
  'meta[name="dc.date.issued" i]',
  'meta[name="dcterms.issued" i]',
  'meta[name="dcterms.created" i]',
  'meta[name="citation_publication_date"]',
  'meta[name="citation_date"]',
  'meta[name="citation_online_date"]',
  'meta[property="article:published"]',
  'meta[name="article:published"]',
  'meta[name="original-publish-date"]',
  'meta[name="displaydate"]',
  'meta[name="publication_date"]',
  'meta[name="publication-date"]',
  'meta[name="published_date"]',
  'meta[name="published-date"]',
  'meta[name="pub_date"]',
  'meta[name="pub-date"]',
  'meta[property="og:pubdate"]',
  'meta[name="date.published" i]',
  'meta[name="article.published"]',
  // RDFa on any element (Drupal 7 prints <span property="dc:date dc:created" content="…">).
  '[property~="dc:date"][content]',
  '[property~="dc:created"][content]',
  '[property~="dcterms:created"][content]',
  '[property~="dcterms:issued"][content]',
  '[property~="schema:datePublished"][content]',
];

const MODIFIED_META = [
  'meta[property="article:modified_time"]',
  'meta[name="article:modified_time"]',
  'meta[property="og:updated_time"]',
  'meta[itemprop="dateModified"]',
  'meta[name="last-modified"]',
  'meta[name="lastmod"]',
  'meta[name="dcterms.modified" i]',
];

function firstMeta(document: Doc, selectors: string[]): string | undefined {
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      const date = parseDate(cleanInline(el.getAttribute('content') ?? el.getAttribute('datetime') ?? ''));
      if (date) return date;
    }
  }
  return undefined;
}

/** `headerDate`: a date read from the lines under the headline (see html-header-zone.ts), if any. */
export function publishedDate(document: Doc, jsonLd: JsonLd, urls: Array<string | undefined>, headerDate?: string): string | undefined {
  return (
    firstMeta(document, PUBLISHED_META) ??
    parseDate(jsonLd.article?.datePublished) ??
    parseDate(jsonLd.article?.dateCreated) ??
    bylineDate(document) ??
    headerDate ??
    urls.map(dateInUrl).find(Boolean)
  );
}

export function modifiedDate(document: Doc, jsonLd: JsonLd): string | undefined {
  return firstMeta(document, MODIFIED_META) ?? parseDate(jsonLd.article?.dateModified) ?? updatedTime(document);
}

/** A <time> marked as the update (class "updated", itemprop dateModified, or "Updated …" in its text). */
function updatedTime(document: Doc): string | undefined {
  const marked = document.querySelector('time.updated[datetime], time[itemprop="dateModified"]');
  if (marked) return parseDate(marked.getAttribute('datetime'));
  const scope = (document.querySelector('article') ?? document.querySelector('main') ?? document.body) as El | null;
  for (const t of [...(scope?.querySelectorAll('time[datetime]') ?? [])].slice(0, 50) as El[]) {
    if (inChrome(t, OUTSIDE)) continue;
    if (/^\s*(updated|last updated|modified|aktualisiert|mis à jour|actualizado)\b/i.test(t.textContent ?? '')) return parseDate(t.getAttribute('datetime'));
  }
  return undefined;
}

const OUTSIDE = ['ASIDE', 'NAV', 'FOOTER', 'LI'];

/**
 * The when-and-where box of an event page ("Date: 12 May 2025 · Time: 14:00 · Location: Online") gives
 * the event's date, not the page's: a class that says event/agenda/webinar, or a box whose labels are
 * an event's.
 */
export function inEventDetails(el: El): boolean {
  const box = el.closest('[class*="event" i], [id*="event" i], [class*="webinar" i], [class*="agenda" i], [class*="calendar" i], dl, table');
  if (!box || /^(HTML|BODY)$/.test(box.tagName)) return false;
  if (/event|webinar|agenda|calendar/i.test(`${box.getAttribute('class') ?? ''} ${box.getAttribute('id') ?? ''}`)) return true;
  // (No \b: element text is glued, "12 May 2025Location: Online".)
  return /(?<!\p{Ll})(?<!reading )(venue|location|where|time|register|rsvp|ort|lieu|lugar|uhrzeit|heure|hora)\s*:/iu.test(
    cleanInline(box.textContent ?? '').slice(0, 400),
  );
}
const BYLINE_AREA =
  '[class*="byline" i], [class*="meta" i], [class*="date" i], [class*="posted" i], [class*="publish" i], [class*="publica" i], [class*="submitted" i], [class*="datum" i], [class*="fecha" i], [class*="data-pub" i], [class*="data-art" i], [class*="signature" i], [class="source" i], [class*="article-source" i], [class="info" i], [class*="infos" i], [class*="article-info" i], [class*="post-info" i], [class*="postinfo" i], [class*="entry-info" i], [class*="tarih" i], [class*="author" i], [class*="time" i], [class*="dateline" i], [class*="header" i], [data-testid*="date" i], [data-testid*="byline" i]';
const UPDATED = /\b(updated|modified|last edited|edited|aktualisiert|geändert|mis à jour|modifié|actualizado|atualizado|aggiornato)\b|更新|수정/i;

/**
 * A date in the article's byline area: <time datetime> first (the published one, not "updated"), then a
 * short printed date ("Published March 3, 2024", "Submitted by X on Wed, 11/06/2024 - 09:30", Blogger's
 * date header). Sidebars, tickers, lists of other stories and footers are not looked at.
 */
function bylineDate(document: Doc): string | undefined {
  const lang = document.documentElement?.getAttribute('lang')?.trim() || undefined;
  const scope = (document.querySelector('article') ?? document.querySelector('main') ?? document.querySelector('[role="main"]') ?? document.body) as El | null;
  if (!scope) return undefined;
  const times = [...scope.querySelectorAll('time, abbr.published, [itemprop="datePublished"]')]
    .slice(0, 200)
    .filter((t) => !inChrome(t as El, OUTSIDE)) as El[];
  const published = times.filter(
    (t) =>
      !UPDATED.test(`${t.getAttribute('class') ?? ''} ${t.parentElement?.textContent?.slice(0, 40) ?? ''}`) ||
      /\bpublished\b/i.test(t.getAttribute('class') ?? ''),
  );
  for (const t of [
    ...published.filter((t) => /published|pubdate/i.test(`${t.getAttribute('class') ?? ''} ${t.hasAttribute('pubdate') ? 'pubdate' : ''}`)),
    ...published,
  ]) {
    const date =
      parseDate(t.getAttribute('datetime') ?? t.getAttribute('title') ?? t.getAttribute('content') ?? '') ?? parseDate(cleanInline(t.textContent ?? ''));
    if (date) return date;
  }
  // The article's scope may start after its date (Blogger's date header sits above the post): look in the
  // whole page's byline-like elements too, still outside sidebars.
  for (const root of [scope, document.body as El | null]) {
    if (!root) continue;
    for (const el of [...root.querySelectorAll(BYLINE_AREA)].slice(0, 300)) {
      if (inChrome(el as El, OUTSIDE) || /^(HTML|BODY|MAIN|ARTICLE)$/.test(el.tagName) || inEventDetails(el as El)) continue;
      const text = cleanInline((el.textContent ?? '').replace(/\s+/g, ' '));
      if (!text || text.length > 120 || /^(©|copyright)/i.test(text)) continue;
      const numeric = findDateIn(text, parseDate) ? undefined : dayFirstNumericDate(text, lang);
      const found = findDateIn(text, parseDate) ?? (numeric ? { text: /\d{1,2}[/.-]\d{1,2}[/.-]\d{4}/.exec(text)![0], iso: numeric } : undefined);
      if (!found) continue;
      const before = text.slice(0, text.indexOf(found.text));
      if (UPDATED.test(before) && !/\b(published|posted|publié|veröffentlicht|publicado)\b/i.test(before)) continue;
      return found.iso;
    }
  }
  return undefined;
}
