import { XMLValidator } from 'fast-xml-parser';
import { parseFeed } from 'feedsmith';
import { UserError } from '../core/errors.ts';
import { parseHTML } from 'linkedom';
import { parseDocument } from './parsers/dom.ts';
import { cleanAuthorNames, cleanInline, parseDate, splitNames } from './parsers/blocks.ts';
import { normaliseUrl } from './urls.ts';
import { truncate } from '../core/text.ts';

/** One entry of any feed format, reduced to what ingestion needs. */
export interface FeedItem {
  guid?: string;
  link?: string;
  title?: string;
  /** The publisher's date (Atom <published>, RSS <pubDate>, JSON Feed date_published). */
  publishedAt?: string;
  /** A modification date (Atom <updated>, JSON Feed date_modified): never a published date. */
  modifiedAt?: string;
  authors: string[];
  tags: string[];
  /** Full content HTML/text when the feed carries it (content:encoded, Atom content, content_html). */
  content?: string;
  /** Description / summary: often only an excerpt. */
  summary?: string;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  title?: string;
  siteUrl?: string;
  items: FeedItem[];
}

type Loose = Record<string, unknown> | undefined;

/** Feed values are either strings or `{ value }` objects depending on the format (Atom text constructs). */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && 'value' in value) return text((value as { value: unknown }).value);
  return undefined;
}

function names(values: unknown): string[] {
  if (!Array.isArray(values)) return typeof values === 'string' ? [values] : values && typeof values === 'object' ? names([values]) : [];
  return values
    .map((v) => (typeof v === 'string' ? v : (text((v as Loose)?.name) ?? text((v as Loose)?.label) ?? text((v as Loose)?.term) ?? '')))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** People from any feed field: "a@b (Name)" → Name, "A and B" → two names, then the shared clean-up. */
function people(values: unknown): string[] {
  return cleanAuthorNames(
    names(values)
      .map(personName)
      .filter(Boolean)
      .flatMap((n) => (/,|;|&|\band\b/.test(n) && n.length < 120 ? splitNames(n) : [n])),
  );
}

/**
 * Titles are often HTML (RSS titles with escaped <em> or &amp;amp;, Atom type="html"/"xhtml"): as plain
 * text they are stripped of tags (one linkedom parse, only when there is markup) and decoded with
 * `entities` (cleanInline decodes a second level for double-escaped titles).
 */
export function plainTitle(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let out = value;
  if (/<[a-z!/]/i.test(value)) {
    const { document } = parseHTML(`<!doctype html><html><body><div>${value.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '')}</div></body></html>`);
    out = document.querySelector('div')?.textContent ?? value;
  }
  return cleanInline(out.replace(/\s+/g, ' ')) || undefined;
}

/** A title for an untitled item (JSON Feed microblog posts, some Mastodon/Bluesky bridges): its first words. */
function titleFromBody(body: string | undefined): string | undefined {
  const plain = plainTitle(body?.replace(/<\/(p|div|h\d|li)>/gi, '\n'))?.split(/(?<=[.!?])\s/)[0];
  if (!plain) return undefined;
  return truncate(plain, 100);
}

/** The document's own base (xml:base on the root element), which relative links resolve against first. */
function xmlBase(body: string): string | undefined {
  const root = /<(feed|rss|rdf:RDF|channel)\b[^>]*>/i.exec(body.slice(0, 4000))?.[0];
  return root ? /\bxml:base\s*=\s*["']([^"']+)["']/i.exec(root)?.[1] : undefined;
}

/**
 * Feeds repeat items (a re-published post, pagination overlap): items with the same guid or link are one
 * item, keeping the fullest content and any metadata the copies add.
 */
function mergeDuplicates(items: FeedItem[]): FeedItem[] {
  // Some feeds give every item the same guid (the site URL, a constant): a guid shared by items with
  // different links identifies nothing, so those items are told apart by link instead.
  const linksByGuid = new Map<string, Set<string>>();
  for (const item of items)
    if (item.guid && item.link) (linksByGuid.get(item.guid) ?? linksByGuid.set(item.guid, new Set()).get(item.guid)!).add(normaliseUrl(item.link));
  for (const item of items) if (item.guid && (linksByGuid.get(item.guid)?.size ?? 0) > 1) delete item.guid;
  const out: FeedItem[] = [];
  const index = new Map<string, FeedItem>();
  for (const item of items) {
    const keys = [item.guid && `g:${item.guid}`, item.link && `l:${normaliseUrl(item.link)}`].filter((k): k is string => Boolean(k));
    const existing = keys.map((k) => index.get(k)).find(Boolean);
    if (!existing) {
      out.push(item);
      for (const k of keys) index.set(k, item);
      continue;
    }
    const longer = (a?: string, b?: string) => ((b?.length ?? 0) > (a?.length ?? 0) ? b : a);
    existing.content = longer(existing.content, item.content);
    existing.summary = longer(existing.summary, item.summary);
    existing.publishedAt ??= item.publishedAt;
    existing.modifiedAt ??= item.modifiedAt;
    existing.title ??= item.title;
    existing.guid ??= item.guid;
    existing.link ??= item.link;
    if (!existing.authors.length) existing.authors = item.authors;
    existing.tags = [...new Set([...existing.tags, ...item.tags])];
    for (const k of keys) index.set(k, existing);
  }
  return out;
}

/** RSS <author> is often "email@example.com (Name)"; keep the name only. */
function personName(value: string): string {
  const m = /^\S+@\S+\s*\(([^)]+)\)$/.exec(value.trim());
  if (m) return m[1]!.trim();
  return /^\S+@\S+$/.test(value.trim()) ? '' : value.trim();
}

function atomLink(links: unknown): string | undefined {
  if (!Array.isArray(links)) return undefined;
  const typed = links as Array<{ href?: string; rel?: string; type?: string }>;
  return (typed.find((l) => !l.rel || l.rel === 'alternate') ?? typed[0])?.href;
}

/**
 * Parses RSS 2.0 / Atom / RDF / JSON Feed with feedsmith and maps each to FeedItem. Throws a UserError
 * naming the problem when the document is not a feed.
 */
export function parseFeedDocument(body: string, feedUrl: string): ParsedFeed {
  let parsed: { format: string; feed: unknown };
  const trimmed = body.replace(/^\ufeff/, '').trimStart();
  if (trimmed.startsWith('<')) {
    // feedsmith parses leniently, so a truncated or broken document would yield partial items that dedup
    // would then keep forever. Structural errors are refused (the poll is retried with backoff); stray
    // characters such as an unescaped "&", common in real feeds, are tolerated.
    const check = XMLValidator.validate(trimmed);
    if (check !== true && !['InvalidChar', 'InvalidAttr', 'InvalidEntity'].includes(check.err.code)) {
      throw new UserError(
        `${feedUrl} is not a valid RSS, Atom, RDF or JSON feed: malformed XML at line ${check.err.line} (${check.err.msg.replace(/\s+/g, ' ')})`,
        'not_a_feed',
      );
    }
  }
  try {
    parsed = parseFeed(body.replace(/^\ufeff/, '')) as { format: string; feed: unknown };
  } catch (error) {
    throw new UserError(`${feedUrl} is not a valid RSS, Atom, RDF or JSON feed (${(error as Error).message})`, 'not_a_feed');
  }
  const feed = parsed.feed as Record<string, unknown>;
  const absoluteOr = (href: string | undefined, base: string) => {
    try {
      return href && /^https?:$/.test(new URL(href.trim(), base).protocol) ? new URL(href.trim(), base).toString() : undefined;
    } catch {
      return undefined;
    }
  };
  // Relative links resolve against xml:base, else (RSS) the channel's own site link, else the feed URL:
  // feeds served from a feed host (FeedBurner and the like) carry links relative to the site, not to the host.
  const declaredBase = absoluteOr(xmlBase(body), feedUrl);
  const channelLink = parsed.format === 'rss' || parsed.format === 'rdf' ? absoluteOr(text(feed.link), declaredBase ?? feedUrl) : undefined;
  const base = declaredBase ?? (channelLink && /^https?:\/\//i.test(text(feed.link) ?? '') ? channelLink : feedUrl);
  const resolveLink = (href: string | undefined) => {
    if (!href) return undefined;
    try {
      const url = new URL(href.trim(), base);
      return /^https?:$/.test(url.protocol) ? url.toString() : undefined;
    } catch {
      return undefined;
    }
  };
  const out: ParsedFeed = { format: parsed.format as ParsedFeed['format'], items: [] };
  if (parsed.format === 'atom') {
    out.title = text(feed.title);
    out.siteUrl = resolveLink(atomLink(feed.links));
    // Atom: an entry without <author> is by the feed's authors (RFC 4287 §4.2.1).
    const feedAuthors = people(feed.authors);
    for (const e of (feed.entries as Loose[] | undefined) ?? []) {
      const authors = people(e?.authors);
      out.items.push({
        guid: text(e?.id),
        link: resolveLink(atomLink(e?.links)),
        title: text(e?.title),
        publishedAt: parseDate(text(e?.published)),
        modifiedAt: parseDate(text(e?.updated)),
        authors: authors.length ? authors : feedAuthors,
        tags: names(e?.categories),
        content: text(e?.content),
        summary: text(e?.summary),
      });
    }
  } else if (parsed.format === 'json') {
    out.title = text(feed.title);
    out.siteUrl = resolveLink(text(feed.home_page_url));
    // JSON Feed 1.1 `authors` (1.0 `author`); item authors default to the feed's.
    const feedAuthors = people(feed.authors ?? (feed.author ? [feed.author] : []));
    for (const i of (feed.items as Loose[] | undefined) ?? []) {
      const authors = people(i?.authors ?? (i?.author ? [i.author] : []));
      out.items.push({
        guid: text(i?.id),
        link: resolveLink(text(i?.url) ?? text(i?.external_url)),
        title: text(i?.title),
        publishedAt: parseDate(text(i?.date_published)),
        modifiedAt: parseDate(text(i?.date_modified)),
        authors: authors.length ? authors : feedAuthors,
        tags: names(i?.tags),
        content: text(i?.content_html) ?? text(i?.content_text),
        summary: text(i?.summary),
      });
    }
  } else {
    // RSS 2.0 and RDF (RSS 1.0) share the item shape; Dublin Core carries RDF's dates and creators.
    out.title = text(feed.title);
    out.siteUrl = resolveLink(text(feed.link));
    for (const i of (feed.items as Loose[] | undefined) ?? []) {
      const dc = (i?.dc as Loose) ?? {};
      const guid = i?.guid as Loose | string | undefined;
      const content = (i?.content as Loose) ?? {};
      const guidValue = typeof guid === 'string' ? guid : text(guid?.value);
      const guidIsLink = typeof guid === 'object' && guid?.isPermaLink !== false && /^https?:\/\//.test(guidValue ?? '');
      out.items.push({
        guid: guidValue ?? text((i?.rdf as Loose)?.about),
        link: resolveLink(text(i?.link) ?? (guidIsLink ? guidValue : undefined)),
        title: text(i?.title) ?? text((dc.titles as unknown[] | undefined)?.[0]),
        publishedAt: parseDate(text(i?.pubDate) ?? text((dc.dates as unknown[] | undefined)?.[0]) ?? text(dc.date)),
        authors: people([...names(i?.authors), ...names(dc.creators), ...(text(dc.creator) ? [text(dc.creator)!] : [])]),
        tags: names(i?.categories ?? dc.subjects),
        content: text(content.encoded),
        summary: text(i?.description),
      });
    }
  }
  out.title = plainTitle(out.title);
  for (const item of out.items) {
    item.title = plainTitle(item.title) ?? titleFromBody(item.content ?? item.summary);
    item.tags = [...new Set(item.tags.map((t) => plainTitle(t)).filter((t): t is string => Boolean(t)))];
  }
  out.items = mergeDuplicates(out.items);
  return out;
}

/** Finds `<link rel="alternate" type="application/rss+xml" href>` feed links in an HTML page. */
export function discoverFeedLinks(html: string, pageUrl: string): string[] {
  // Only the <head> matters and pages can be megabytes: parse up to the end of the head when there is one.
  const headEnd = html.search(/<\/head\s*>/i);
  const document = parseDocument(headEnd > 0 ? `${html.slice(0, headEnd)}</head><body></body></html>` : html);
  const links: string[] = [];
  for (const link of document.querySelectorAll('link[rel][href][type]')) {
    const rel = (link.getAttribute('rel') ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('alternate')) continue;
    if (!/^application\/(rss|atom|feed|rdf)\+(xml|json)\b/i.test((link.getAttribute('type') ?? '').trim())) continue;
    try {
      links.push(new URL((link.getAttribute('href') ?? '').trim(), pageUrl).toString());
    } catch {
      /* ignore malformed href */
    }
  }
  return links;
}
