import { XMLValidator } from 'fast-xml-parser';
import { parseFeed } from 'feedsmith';
import { UserError } from '../core/errors.ts';
import { parseDate } from './parsers/blocks.ts';

/** One entry of any feed format, reduced to what ingestion needs. */
export interface FeedItem {
  guid?: string;
  link?: string;
  title?: string;
  publishedAt?: string;
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
  if (!Array.isArray(values)) return typeof values === 'string' ? [values] : [];
  return values
    .map((v) => (typeof v === 'string' ? v : text((v as Loose)?.name) ?? text((v as Loose)?.term) ?? text((v as Loose)?.label) ?? ''))
    .map((s) => s.trim())
    .filter(Boolean);
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
      throw new UserError(`${feedUrl} is not a valid RSS, Atom, RDF or JSON feed: malformed XML at line ${check.err.line} (${check.err.msg.replace(/\s+/g, ' ')})`, 'not_a_feed');
    }
  }
  try {
    parsed = parseFeed(body.replace(/^\ufeff/, '')) as { format: string; feed: unknown };
  } catch (error) {
    throw new UserError(`${feedUrl} is not a valid RSS, Atom, RDF or JSON feed (${(error as Error).message})`, 'not_a_feed');
  }
  const feed = parsed.feed as Record<string, unknown>;
  const resolveLink = (href: string | undefined) => {
    if (!href) return undefined;
    try {
      const url = new URL(href.trim(), feedUrl);
      return /^https?:$/.test(url.protocol) ? url.toString() : undefined;
    } catch {
      return undefined;
    }
  };
  const out: ParsedFeed = { format: parsed.format as ParsedFeed['format'], items: [] };
  if (parsed.format === 'atom') {
    out.title = text(feed.title);
    out.siteUrl = resolveLink(atomLink(feed.links));
    for (const e of (feed.entries as Loose[] | undefined) ?? []) {
      out.items.push({
        guid: text(e?.id),
        link: resolveLink(atomLink(e?.links)),
        title: text(e?.title),
        publishedAt: parseDate(text(e?.published) ?? text(e?.updated)),
        authors: names(e?.authors).map(personName).filter(Boolean),
        tags: names(e?.categories),
        content: text(e?.content),
        summary: text(e?.summary),
      });
    }
  } else if (parsed.format === 'json') {
    out.title = text(feed.title);
    out.siteUrl = resolveLink(text(feed.home_page_url));
    for (const i of (feed.items as Loose[] | undefined) ?? []) {
      out.items.push({
        guid: text(i?.id),
        link: resolveLink(text(i?.url) ?? text(i?.external_url)),
        title: text(i?.title),
        publishedAt: parseDate(text(i?.date_published) ?? text(i?.date_modified)),
        authors: names(i?.authors ?? (i?.author ? [i.author] : [])),
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
        authors: [...names(i?.authors).map(personName), ...names(dc.creators)].filter(Boolean),
        tags: names(i?.categories ?? dc.subjects),
        content: text(content.encoded),
        summary: text(i?.description),
      });
    }
  }
  return out;
}

/** Finds `<link rel="alternate" type="application/rss+xml" href>` feed links in an HTML page. */
export function discoverFeedLinks(html: string, pageUrl: string): string[] {
  const links: string[] = [];
  for (const m of html.matchAll(/<link\b[^<>]*>/gi)) {
    const tag = m[0];
    if (!/rel\s*=\s*["']?[^"'>]*alternate/i.test(tag)) continue;
    if (!/type\s*=\s*["']?application\/(rss|atom|feed|rdf)\+(xml|json)/i.test(tag)) continue;
    const href = /href\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1];
    if (!href) continue;
    try {
      links.push(new URL(href.replace(/&amp;/g, '&'), pageUrl).toString());
    } catch {
      /* ignore malformed href */
    }
  }
  return links;
}
