import { localisedDate } from './dates.ts';
import { cleanInline, stripInvisible } from './hygiene.ts';
import { splitDateline } from './dateline.ts';
import { detectLanguage } from './language.ts';
import { otherIdentities } from '../urls.ts';
import { cleanAuthorNames } from './names.ts';
import { createHash } from 'node:crypto';
import type { Report, ReportOrigin, ReportSection, SeriesInfo } from '../types.ts';

/** The format-neutral shape every parser reduces a document to before clean-up and sectioning. */
export interface Block {
  kind: 'heading' | 'paragraph';
  text: string;
}

/** Metadata a parser found (front matter, header lines, meta tags). Everything optional. */
export interface ParsedMeta {
  id?: string;
  title?: string;
  source?: string;
  url?: string;
  authors?: string[];
  publishedAt?: string;
  series?: SeriesInfo;
  tags?: string[];
  regions?: string[];
  standfirst?: string;
  captions?: string[];
  /** The publisher's last-modified date, when the page gives one (never used as publishedAt). */
  modifiedAt?: string;
  /** Other URLs that identify the article (canonical link, og:url, the fetched URL, a feed item's link). */
  altUrls?: string[];
  /** A dateline already split off the lead by the caller. */
  dateline?: string;
  /** The document's declared language (<html lang>), a fallback when the text is too short to detect. */
  declaredLanguage?: string;
}

/** Collapses whitespace, unifies quotes-insensitive spacing; the basis of the content hash. */
export function normaliseForHash(value: string): string {
  // NFKC is costly on long texts and a no-op on pure ASCII, which most report text is.
  const normalised = /[^\x00-\x7f]/.test(value) ? value.normalize('NFKC') : value;
  return normalised.replace(/\s+/g, ' ').trim().toLowerCase();
}

export function contentHash(title: string, text: string): string {
  return createHash('sha256')
    .update(`${normaliseForHash(title)}\n${normaliseForHash(text)}`)
    .digest('hex');
}

/** URL- and file-safe slug: ASCII letters/digits and single dashes, at most `max` characters, cut at a word. */
export function slugify(value: string, max = 80): string {
  const slug = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > max / 2 ? cut.slice(0, lastDash) : cut).replace(/-+$/, '');
}

/** Groups blocks into sections: text before the first heading is the lead (heading null). */
export function toSections(blocks: Block[]): ReportSection[] {
  const sections: ReportSection[] = [];
  let current: ReportSection | undefined;
  for (const block of blocks) {
    if (block.kind === 'heading') {
      current = { heading: block.text, paragraphs: [] };
      sections.push(current);
    } else {
      if (!current) {
        current = { heading: null, paragraphs: [] };
        sections.push(current);
      }
      current.paragraphs.push(block.text);
    }
  }
  // A heading with nothing under it (e.g. at the very end) carries no content.
  return sections.filter((s) => s.paragraphs.length > 0);
}

/**
 * Makes every heading and paragraph a substring of `report.text` when the text is exactly the sections
 * joined (as built by sectionsToText). V8 stores such substrings as slices of the parent string, so the
 * body is held in memory once instead of twice: this roughly halves a 10,000-report library's footprint.
 * The report's shape and values do not change.
 */
export function shareSectionText<R extends { text: string; sections: ReportSection[] }>(report: R): R {
  const text = report.text;
  let pos = 0;
  const take = (part: string): string | undefined => {
    if (!text.startsWith(part, pos)) return undefined;
    const slice = text.slice(pos, pos + part.length);
    pos += part.length + 2;
    return slice;
  };
  const sections: ReportSection[] = [];
  for (const section of report.sections) {
    const heading = section.heading ? take(section.heading) : null;
    if (heading === undefined) return report;
    const paragraphs: string[] = [];
    for (const paragraph of section.paragraphs) {
      const slice = take(paragraph);
      if (slice === undefined) return report;
      paragraphs.push(slice);
    }
    sections.push({ heading, paragraphs });
  }
  if (pos - 2 !== text.length && !(text.length === 0 && sections.length === 0)) return report;
  report.sections = sections;
  return report;
}

export function sectionsToText(sections: ReportSection[]): string {
  return sections.map((s) => [s.heading, ...s.paragraphs].filter((p): p is string => Boolean(p)).join('\n\n')).join('\n\n');
}

const uniq = (values: string[]) => [...new Map(values.filter(Boolean).map((v) => [v.toLowerCase(), v])).values()];

export interface BuildInput {
  meta: ParsedMeta;
  blocks: Block[];
  origin: ReportOrigin;
  now: Date;
  /** Used for the id when neither front matter nor the caller gives one. */
  fallbackId?: string;
}

/** Assembles the final Report from metadata + cleaned blocks. */
export function buildReport({ meta, blocks: input, origin, now, fallbackId }: BuildInput): Report {
  // Every format's text passes cleanInline, but code blocks keep their spacing: strip bidi controls and
  // invisible characters from every block once more, so none reaches a summary or a briefing.
  let blocks = input.some((b) => stripInvisible(b.text) !== b.text) ? input.map((b) => ({ kind: b.kind, text: stripInvisible(b.text) })) : input;
  const title = cleanInline(meta.title ?? '') || 'Untitled report';
  let dateline = meta.dateline;
  const lead = blocks.findIndex((b) => b.kind === 'paragraph');
  if (!dateline && lead >= 0 && lead <= 1) {
    const split = splitDateline(blocks[lead]!.text);
    if (split.dateline) {
      dateline = split.dateline;
      blocks = blocks.map((b, i) => (i === lead ? { kind: 'paragraph', text: split.text } : b));
    }
  }
  const sections = toSections(blocks);
  const text = sectionsToText(sections);
  const source = cleanInline(meta.source ?? '') || sourceFromOrigin(origin);
  // Titles in non-Latin scripts slug to nothing readable: a hash of the title keeps such ids distinct.
  const readable = (slug: string) => (/[a-z]/.test(slug) ? slug : '');
  const id =
    slugify(meta.id ?? '') ||
    fallbackId ||
    readable(slugify([source, title, meta.publishedAt?.slice(0, 10)].filter(Boolean).join(' '), 96)) ||
    slugify(`report ${meta.publishedAt?.slice(0, 10) ?? ''} ${contentHash(title, '').slice(0, 10)}`);
  const iso = now.toISOString();
  const report: Report = {
    id,
    title,
    source,
    authors: uniq(cleanAuthorNames(meta.authors ?? [])),
    tags: uniq((meta.tags ?? []).map(cleanInline)),
    regions: uniq((meta.regions ?? []).map(cleanInline)),
    sections,
    text,
    contentHash: contentHash(title, text),
    ingestedAt: iso,
    updatedAt: iso,
    origin,
  };
  if (meta.url) report.url = meta.url;
  if (meta.publishedAt) report.publishedAt = meta.publishedAt;
  if (meta.modifiedAt && meta.modifiedAt !== meta.publishedAt) report.modifiedAt = meta.modifiedAt;
  if (dateline) report.dateline = cleanInline(dateline);
  const language = detectLanguage(`${title}\n${text}`) ?? meta.declaredLanguage;
  if (language) report.language = language;
  const altUrls = otherIdentities(meta.url, [...(meta.altUrls ?? []), ...(origin.kind === 'url' ? [origin.url] : [])]);
  if (altUrls.length) report.altUrls = altUrls;
  if (meta.series && Object.values(meta.series).some(Boolean)) report.series = meta.series;
  if (meta.standfirst) report.standfirst = cleanInline(meta.standfirst);
  if (meta.captions?.length) report.captions = uniq(meta.captions.map(cleanInline));
  return shareSectionText(report);
}

function sourceFromOrigin(origin: ReportOrigin): string {
  const url = origin.kind === 'url' ? origin.url : origin.kind === 'feed' ? origin.feedUrl : undefined;
  if (url) {
    try {
      return new URL(url).hostname.replace(/^www\./, '');
    } catch {
      /* fall through */
    }
  }
  return 'Unknown source';
}

const MONTH_NAME = /^(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Parses the date formats publishers print ("2023-08-14", "August 14, 2023", "14 Aug 2023", RFC 2822,
 * ISO with time). Date-only values become UTC midnight so the calendar day never shifts with the host zone.
 */
export function parseDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value !== 'string') return undefined;
  const s = value.trim().replace(/(\d)(st|nd|rd|th)\b/gi, '$1');
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return utc(+m[1]!, +m[2]! - 1, +m[3]!);
  m = /^(?:[A-Za-z]+,?\s+)?([A-Za-z]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})$/.exec(s);
  if (m && monthIndex(m[1]!) >= 0) return utc(+m[3]!, monthIndex(m[1]!), +m[2]!);
  m = /^(?:[A-Za-z]+,?\s+)?(\d{1,2})\s+([A-Za-z]{3,})\.?,?\s+(\d{4})$/.exec(s);
  if (m && monthIndex(m[2]!) >= 0) return utc(+m[3]!, monthIndex(m[2]!), +m[1]!);
  // Numeric dates only where the order is unambiguous: 2024/03/05, or day first when the day is over 12
  // (05/03/2024 could be 5 March or May 3); dotted 05.03.2024 is always day-first.
  m = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/.exec(s);
  if (m) return utc(+m[1]!, +m[2]! - 1, +m[3]!);
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s);
  if (m) return utc(+m[3]!, +m[2]! - 1, +m[1]!);
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m && +m[1]! > 12 !== +m[2]! > 12) return +m[1]! > 12 ? utc(+m[3]!, +m[2]! - 1, +m[1]!) : utc(+m[3]!, +m[1]! - 1, +m[2]!);
  // "March 2024": reports often carry only a month; the first of the month keeps "latest" ordering right.
  m = /^([A-Za-z]{3,})\.?,?\s+(\d{4})$/.exec(s);
  if (m && monthIndex(m[1]!) >= 0 && MONTH_NAME.test(m[1]!)) return utc(+m[2]!, monthIndex(m[1]!), 1);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(s)) {
    const t = Date.parse(s.replace(' ', 'T').replace(/T(\d{2}:\d{2}(:\d{2})?)\s+/, 'T$1'));
    const t2 = Number.isNaN(t) ? Date.parse(s) : t;
    if (!Number.isNaN(t2)) return new Date(t2).toISOString();
  }
  return dateTime(s) ?? localisedDate(s);
}

/** Offsets of the zone abbreviations feeds print (RFC 822 names plus common European and Asian ones). */
const ZONES: Record<string, number> = {
  Z: 0,
  UT: 0,
  UTC: 0,
  GMT: 0,
  WET: 0,
  BST: 60,
  WEST: 60,
  CET: 60,
  MET: 60,
  CEST: 120,
  MEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  IST: 330,
  SGT: 480,
  HKT: 480,
  AWST: 480,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
};

/**
 * RFC 822 dates as feeds really write them ("Tue, 5 Mar 2024 9:00:00 CET", two-digit years, full day and
 * month names, am/pm), and "March 5, 2024 9:00 am". Date.parse rejects most zone names and is
 * implementation-defined for the rest, so the parts are read explicitly.
 */
function dateTime(s: string): string | undefined {
  const time = String.raw`(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([ap]\.?m\.?)?)?\s*(?:\(?([A-Z]{1,5}|[+-]\d{2}:?\d{2}|GMT[+-]\d{2}:?\d{2})\)?)?$`;
  let day: string, month: string, year: string, rest: RegExpExecArray;
  const dayFirst = new RegExp(String.raw`^(?:[A-Za-z]+,?\s+)?(\d{1,2})\s+([A-Za-z]{3,})\.?,?\s+(\d{2}|\d{4})` + time).exec(s);
  const monthFirst = new RegExp(String.raw`^(?:[A-Za-z]+,?\s+)?([A-Za-z]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})` + time).exec(s);
  if (dayFirst && MONTH_NAME.test(dayFirst[2]!)) [, day, month, year] = (rest = dayFirst) as unknown as string[];
  else if (monthFirst && MONTH_NAME.test(monthFirst[1]!)) [, month, day, year] = (rest = monthFirst) as unknown as string[];
  else {
    // JavaScript's own Date#toString format ("Tue Mar 05 2024 09:00:00 GMT+0000"), which some feeds emit.
    const t = /^[A-Za-z]{3} [A-Za-z]{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}/.test(s) ? Date.parse(s) : NaN;
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  const [, , , , h, min, sec, ampm, zone] = rest;
  let hours = h ? +h : 0;
  if (ampm && /^p/i.test(ampm) && hours < 12) hours += 12;
  if (ampm && /^a/i.test(ampm) && hours === 12) hours = 0;
  let offset = 0;
  if (zone) {
    const numeric = /^(?:GMT)?([+-])(\d{2}):?(\d{2})$/.exec(zone);
    offset = numeric ? (numeric[1] === '-' ? -1 : 1) * (+numeric[2]! * 60 + +numeric[3]!) : (ZONES[zone.toUpperCase()] ?? 0);
  }
  const fullYear = year!.length === 2 ? 2000 + +year! : +year!;
  const m = monthIndex(month!);
  if (m < 0 || +day! < 1 || +day! > 31 || hours > 23 || +(min ?? 0) > 59 || fullYear < 1900 || fullYear > 2200) return undefined;
  return new Date(Date.UTC(fullYear, m, +day!, hours, +(min ?? 0), +(sec ?? 0)) - offset * 60_000).toISOString();
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase());
}

function utc(year: number, month: number, day: number): string | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31 || year < 1900 || year > 2200) return undefined;
  return new Date(Date.UTC(year, month, day)).toISOString();
}

/** Splits "A, B and C" / "A; B" / "A & B" into names. */
/**
 * "A und B", "A et B", "A y B", "A i B": split only when both sides are full names of two or more
 * words, so "Santiago Ramón y Cajal" and "Jordi Pujol i Soley" (double surnames) stay whole.
 */
function splitOnConjunction(part: string): string[] {
  // Names are short; a long run (hostile metadata) is left whole and refused later by its length.
  if (part.length > 200) return [part];
  const m = /^(.+?)\s+(?:und|et|y|e|i|en|og|och|és|ja|и)\s+(\p{Lu}.*)$/u.exec(part);
  if (!m || m[1]!.trim().split(/\s+/).length < 2 || m[2]!.trim().split(/\s+/).length < 2) return [part];
  return [m[1]!, ...splitOnConjunction(m[2]!)];
}

export function splitNames(value: string): string[] {
  return (
    value
      // "and" in the languages bylines are written in ("Von A und B", "Par A et B", "Por A y B", "Door A en
      // B"); a short word like "y" or "e" counts only between two capitalised names.
      .split(/\s*(?:,|;|\band\b|&|\|)\s*|\s+[/–—-]\s+/i)
      // (Case-sensitive on purpose: under /i, \p{Lu} would match any letter.)
      .flatMap(splitOnConjunction)
      .map((n) => cleanInline(n))
      .filter((n) => n.length > 1 && n.length < 80)
  );
}

/**
 * The text of an ATX heading line ("## Title ##"), or undefined. Written without a backtracking regex
 * on the tail because report text is untrusted and a long run of spaces or "#" must not cost O(n²).
 */
export function atxHeading(line: string): string | undefined {
  const m = /^#{1,6}[ \t]/.exec(line);
  if (!m) return undefined;
  let text = line.slice(m[0].length).trim();
  let end = text.length;
  while (end > 0 && text[end - 1] === '#') end--;
  if (end < text.length && (end === 0 || text[end - 1] === ' ' || text[end - 1] === '\t')) text = text.slice(0, end).trim();
  return text;
}

export { cleanAuthorNames, cleanInline };
