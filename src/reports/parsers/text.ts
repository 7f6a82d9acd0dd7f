import { findDateIn } from './dates.ts';
import { atxHeading, cleanInline, parseDate, splitNames, type Block, type ParsedMeta } from './blocks.ts';
import { isBoilerplateLine } from './cleanup.ts';

/**
 * Plain text as publishers paste it: the first line is the title; a header zone of short lines before
 * the first prose paragraph holds metadata (authors, date, series/ISSN, image alt text and credits);
 * the body is paragraphs, with short title-like lines that introduce a paragraph read as section headings.
 */
export function parsePlainText(content: string): { meta: ParsedMeta; blocks: Block[] } {
  const lines = dropTableOfContents(unwrap(content)).map((l) => l.replace(BULLET, ''));
  const meta: ParsedMeta = { captions: [] };
  let i = 0;
  // Pasted pages sometimes start with a cookie banner or share bar: it is never the title.
  for (; i < lines.length && (!lines[i] || isBoilerplateLine(lines[i]!) || isPageChrome(lines[i]!)); i++) {
    // The page's address pasted above it is the report's link.
    if (/^https?:\/\/\S+$/.test(lines[i] ?? '')) meta.url ??= lines[i];
  }
  // A series label above the title ("OCCASIONAL PAPER", "Commentary") is a kicker, not the title.
  const next = nextNonEmpty(lines, i);
  if (lines[i] && next && isKicker(lines[i]!) && !isProse(next) && next.split(/\s+/).length > lines[i]!.split(/\s+/).length && !readMetaLine(next, { ...meta }))
    i = lines.indexOf(next, i + 1);
  meta.title = stripMarkdownHeading(lines[i] ?? '');
  i++;

  // Header zone: everything before the first prose paragraph or the first real heading.
  const pendingShort: string[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    if (!isProse(line) && readMetaLine(line, meta, nextNonEmpty(lines, i))) continue;
    if (isCaptionLine(line)) {
      // Short label lines just above a credit are the image's alt text / caption title.
      meta.captions!.push([...pendingShort.splice(0), line].join(' — '));
      continue;
    }
    if (isProse(line) || (looksLikeHeading(line) && isProse(nextNonEmpty(lines, i) ?? ''))) break;
    if (line.length < 120 && !/[.!?]$/.test(line)) {
      pendingShort.push(line);
      continue;
    }
    break; // Anything else is body: do not swallow content.
  }
  // Short unlabelled header lines not attached to a credit: a subtitle becomes the standfirst; one- to
  // three-word labels ("Analysis", "EUROPE") are section kickers and are dropped.
  const subtitle = pendingShort.filter((l) => l.split(/\s+/).length > 3);
  if (subtitle.length) meta.standfirst = subtitle.join(' ');

  const blocks: Block[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const md = atxHeading(line);
    if (md) {
      blocks.push({ kind: 'heading', text: md });
      continue;
    }
    const next = nextNonEmpty(lines, i);
    if (looksLikeHeading(line) && next !== undefined && isProse(next)) blocks.push({ kind: 'heading', text: line.replace(/:$/, '') });
    else blocks.push({ kind: 'paragraph', text: line });
  }
  if (!meta.captions!.length) delete meta.captions;
  return { meta, blocks };
}

/** Recognises metadata lines; returns true when `line` was consumed into `meta`. */
export function readMetaLine(rawLine: string, meta: ParsedMeta, next?: string): boolean {
  // Reading-time badges ride along on date lines ("Mar 3, 2024 · 12 min read").
  const line = rawLine.replace(/\s*[·•|–—-]?\s*\d{1,3}\s*min(ute)?s?\.?\s*read\b\.?/i, '').trim();
  if (!line) return /min/i.test(rawLine);
  // "Autor: Tomasz Wiśniewski | 14 listopada 2024", "Автор: …", "Yazar: …": a labelled author in other
  // languages (the label needs its colon, so a sentence that begins with the word is not read as one).
  const labelled =
    /^(?:autor(?:in|es|en|a)?|auteurs?|autore|autori|auteur\(e\)|yazar|автор|autorzy|words|text|texte|story|reporting|作者|記者|撰文|著者|執筆者|投稿者|筆者)\s*[:：]\s*(\S.{1,200})$/iu.exec(
      line,
    );
  if (labelled) {
    // "Words: A / Photos: B": the photographer's credit is cut off with its label.
    const value = labelled[1]!.replace(/\s*[/|,;]?\s*\b(?:photos?|photography|pictures|images|illustrations?|video|fotos?|bilder?|graphics)\s*[:：].*$/i, '');
    const [namesPart, ...rest] = value.split(/\s*[|•·]\s*/);
    for (const part of rest) meta.publishedAt ??= parseDate(part.replace(/^(published|posted|updated)\s*(on)?\s*:?\s*/i, ''));
    const date = findDate(namesPart!);
    if (date) meta.publishedAt ??= date.iso;
    const names = splitNames(date ? namesPart!.slice(0, namesPart!.indexOf(date.text)).replace(/[\s,]*([|•·,–—-])?\s*$/, '') : namesPart!);
    if (names.length && !meta.authors?.length) meta.authors = names;
    return names.length > 0;
  }
  const authors =
    /^(?:authors?|by|written by|words by|text by|analysis by|commentary by|opinion by|reporting by|reported by|prepared by|contributors?|author\(s\)|von|par|por|door|przez|di)\s*[:\-–—]?\s+(.{2,200})$/i.exec(
      line,
    );
  // "Von Anna Schmidt", "Par Claire Dubois", "Por Ana Ruiz", "Door Sanne de Vries": the written-by word of
  // other languages, only when a capitalised name follows it (so "Par exemple" or "di solito" are not bylines).
  const foreignBy =
    /^(?:Von|VON|Par|PAR|Por|POR|Door|DOOR|Przez|PRZEZ|di)\s+\p{Lu}\p{Ll}+(?:\s+(?:\p{Lu}[\p{L}'’.-]+|de|van|der|von|le|la|da|di|del|dos|y))+(?:\s*(?:,|und|et|y|en|i|e|and|&)\s*\p{Lu}[\p{L}'’.-]+(?:\s+(?:\p{Lu}[\p{L}'’.-]+|de|van|der|von|le|la|da|di|del|dos))+)*\s*(?:$|[|•·,–—-])/u.test(
      line,
    );
  if (
    authors &&
    (/[:\-–—]/.test(line.slice(0, 14)) ||
      /^(?:[Bb]y|BY)\s+\p{Lu}/u.test(line) ||
      foreignBy ||
      /^(written|words|text|analysis|commentary|reporting|reported|prepared) by\s+\p{Lu}/iu.test(line))
  ) {
    const [namesPart, ...rest] = authors[1]!.split(/\s*[|•·]\s*/);
    for (const part of rest) meta.publishedAt ??= parseDate(part.replace(/^(published|posted|updated)\s*(on)?\s*:?\s*/i, ''));
    let names = namesPart!;
    const date = findDate(names);
    if (date) {
      meta.publishedAt ??= date.iso;
      names = names
        .slice(0, names.indexOf(date.text))
        .replace(
          /[\s,|•·–—-]*(?:\b(?:published|posted|updated|last updated|first published|date|on|publié(?: le)?|veröffentlicht(?: am)?|publicado(?: el)?)\b)?\s*:?\s*$/i,
          '',
        );
    }
    meta.authors = splitNames(names);
    return meta.authors.length > 0;
  }
  if (/\bISSN\b|\b(volume|vol\.)\s*\d+.*\b(issue|no\.)\s*\d+/i.test(line) && line.length < 160) {
    const issn = /\bISSN[:\s]*([0-9]{4}-[0-9]{3}[0-9Xx])/.exec(line)?.[1];
    const volume = /\b(?:volume|vol\.?)\s*(\w+)/i.exec(line)?.[1];
    const issue = /\b(?:issue|no\.?)\s*(\w+)/i.exec(line)?.[1];
    const name = line
      .split(/\bISSN\b|\b(?:volume|vol\.)\s*\d/i)[0]!
      .trim()
      .replace(/[,;:|–—-]+$/, '')
      .trim();
    meta.series = { ...(name ? { name } : {}), ...(issn ? { issn } : {}), ...(volume ? { volume } : {}), ...(issue ? { issue } : {}) };
    return true;
  }
  const dated =
    /^(?:published|posted|date|updated|first published|last updated|date of publication|publication date|date published)(?: on)?\s*[:\-–—]?\s*(.+)$/i.exec(
      line,
    );
  const date = parseDate(dated ? dated[1]! : line);
  if (date && line.length < 60) {
    if (!dated || !/updated/i.test(line)) meta.publishedAt ??= date;
    return true;
  }
  // Combined lines: "Published on 14 August 2023 by Guido Keller", "By Jane Roe on March 3, 2024",
  // "14 August 2023 | Guido Keller".
  if (line.length < 160) {
    const found = findDate(line);
    const byNames = /\bby\s+(\p{Lu}[^|•·]*?)(?:\s+(?:on|in|[|•·,–—-])\s+.*)?$/u.exec(
      line
        .replace(found?.text ?? '\u0000', ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    const separated = /[|•·]|\s[–—-]\s/.test(line);
    if (found && (/^(published|posted|updated|by|date)\b/i.test(line) || byNames || separated)) {
      if (!/^(last )?updated/i.test(line)) meta.publishedAt ??= found.iso;
      const names = byNames?.[1] ?? (separated ? line.split(/\s*[|•·]\s*|\s[–—-]\s/).find((part) => !findDate(part) && /^\p{Lu}/u.test(part)) : undefined);
      if (names && !meta.authors?.length) meta.authors = splitNames(names.replace(/\s+(on|in)\s*$/i, ''));
      return true;
    }
  }
  if (!meta.authors?.length && (isNameList(line) || (next !== undefined && isSingleName(line) && findDate(next) !== undefined && next.length < 60))) {
    meta.authors = splitNames(line);
    return true;
  }
  const source = /^(?:source|publisher|published by)\s*[:\-–—]\s*(.{2,80})$/i.exec(line);
  if (source) {
    meta.source = source[1]!.trim();
    return true;
  }
  const tags = /^(?:tags|topics|keywords)\s*[:\-–—]\s*(.{2,300})$/i.exec(line);
  if (tags) {
    meta.tags = tags[1]!.split(/\s*[,;|]\s*/).filter(Boolean);
    return true;
  }
  return false;
}

const CAPTION =
  /(\((?:photo|image|picture|credits?|source|foto)\s*:|^(?:photo|image|picture|credits?|foto|photograph|illustration|caption)\s*(?:credit)?\s*[:\-–—]|\bvia wikimedia commons\b|\bcc by(?:-sa|-nd|-nc)*\s*\d|\b(?:getty images|shutterstock|afp photo|ap photo|alamy|istock)\b|©)/i;

function isCaptionLine(line: string): boolean {
  return line.length < 320 && CAPTION.test(line);
}

/** A body paragraph: long enough and reading like sentences. */
function isProse(line: string): boolean {
  const words = line.split(/\s+/).length;
  return (words >= 14 && /[.!?:;"”’)\]]$/.test(line)) || words >= 25;
}

const SMALL_WORDS = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'but',
  'of',
  'in',
  'on',
  'at',
  'to',
  'for',
  'by',
  'with',
  'from',
  'as',
  'vs',
  'via',
  'into',
  'over',
  'after',
  'amid',
  'its',
  'their',
  'is',
  'are',
  'and/or',
  'about',
  'against',
  'between',
  'under',
  'up',
  'out',
  'de',
  'la',
  'le',
  'del',
  'der',
  'van',
  'von',
]);

/** Short line, no final punctuation (a question mark is allowed), title-ish case. */
export function looksLikeHeading(line: string): boolean {
  const text = line.replace(/^(\d+(\.\d+)*[.)]?|[IVXLC]+\.)\s+/, '');
  if (!text || text.length > 90) return false;
  const words = text.split(/\s+/);
  if (words.length > 12) return false;
  if (/[.,;!…]$/.test(text) || (/:$/.test(text) && words.length > 6)) return false;
  if (!/^[\p{Lu}\p{N}"“'‘]/u.test(text)) return false;
  if (text === text.toUpperCase() && /\p{Lu}/u.test(text)) return true; // ALL CAPS heading
  if (words.length <= 4) return true;
  const significant = words.filter((w) => !SMALL_WORDS.has(w.toLowerCase().replace(/[^\p{L}/]/gu, '')));
  const capitalised = significant.filter((w) => /^[\p{Lu}\p{N}"“'‘(]/u.test(w)).length;
  return capitalised / Math.max(1, significant.length) >= 0.6 || words.length <= 7;
}

function nextNonEmpty(lines: string[], i: number): string | undefined {
  for (let j = i + 1; j < lines.length; j++) if (lines[j]) return lines[j];
  return undefined;
}

function stripMarkdownHeading(line: string): string {
  return cleanInline(atxHeading(line) ?? line);
}

/**
 * Splits into logical lines. Blank-line separated blocks whose lines are hard-wrapped prose (e.g. pasted
 * from email or a PDF at ~70 columns) are joined back into one paragraph; otherwise each line stands alone.
 */
function unwrap(content: string): string[] {
  const normalised = content
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0/g, ' ')
    .replace(/\f/g, '\n');
  const out: string[] = [];
  for (const block of normalised.split(/\n[ \t]*\n/)) {
    const lines = block.split('\n').map(cleanInline).filter(Boolean);
    if (lines.length >= 2 && isHardWrapped(lines)) out.push(joinWrapped(lines));
    else out.push(...lines);
    out.push('');
  }
  return out;
}

function isHardWrapped(lines: string[]): boolean {
  const body = lines.slice(0, -1);
  const lengths = body.map((l) => l.length);
  const max = Math.max(...lengths);
  // Wrapped prose: all but the last line are long-ish, similar length, and mostly do not end a sentence.
  const last = lines[lines.length - 1]!.length;
  // Two lines alone are only a wrap when the second continues a sentence; "Label: value" lines never are.
  if (lines.length === 2 && !/^[\p{Ll}(,;]/u.test(lines[1]!)) return false;
  if (lines.some((l) => /^[\p{Lu}][\p{L} ]{0,24}:\s/u.test(l))) return false;
  return (
    max <= 110 &&
    last <= max + 5 &&
    lengths.every((n) => n >= 50 && n >= max * 0.6) &&
    body.filter((l) => /[.!?:]$/.test(l)).length <= body.length / 2 &&
    !body.some((l) => /^[-*•]\s/.test(l))
  );
}

function joinWrapped(lines: string[]): string {
  return lines.reduce((acc, line) => (acc.endsWith('-') && /^[a-z]/.test(line) ? acc.slice(0, -1) + line : `${acc} ${line}`));
}

const DATE_IN_TEXT =
  /\b(\d{4}-\d{2}-\d{2}|(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?\d{4})\b/i;

/** Finds a printed date inside a longer line. */
function findDate(line: string): { text: string; iso: string } | undefined {
  const m = DATE_IN_TEXT.exec(line);
  const iso = m ? parseDate(m[1]!) : undefined;
  // Other shapes (dd.mm.yyyy, 19/03/2024, 2024年3月19日, month names beyond English) as dates.ts reads them.
  return m && iso ? { text: m[1]!, iso } : findDateIn(line, parseDate);
}

/** Words that make a capitalised two-word phrase a place, body or topic rather than a person. */
const NOT_NAME =
  /^(north|south|east|west|middle|central|eastern|western|northern|southern|united|states?|republic|kingdom|sea|gulf|strait|africa|asia|europe|america|pacific|atlantic|indian|arctic|ocean|china|russia|iran|security|defence|defense|policy|foreign|affairs|global|international|national|world|war|peace|report|analysis|research|institute|centre|center|council|programme|program|studies|group|news|review|journal|series|paper|brief|commentary|the|of|for|on|in|key|executive|summary|introduction|conclusion|background|overview|chapter|part|section|european|union|nato|un)$/i;

/**
 * An unlabelled byline: "Jane Doe and John Roe", "Dr. Jane Doe, Prof. John Roe". Every part must be
 * two to four capitalised words, none of them a place/topic word; a lone name needs an honorific, since a
 * single two-word line ("Foreign Affairs") is more often a kicker than a person.
 */
/** One person's name on its own line: two to four capitalised words, no place/topic words. */
function isSingleName(line: string): boolean {
  const words = line.replace(/^(dr|prof|professor|mr|mrs|ms|sir|dame)\.?\s+/i, '').split(/\s+/);
  return (
    line.length < 60 && words.length >= 2 && words.length <= 4 && words.every((w) => /^\p{Lu}[\p{L}'’.-]*$/u.test(w) && !NOT_NAME.test(w.replace(/\.$/, '')))
  );
}

function isNameList(line: string): boolean {
  if (line.length > 120 || /[\d@:|.!?]$/.test(line) || /\d/.test(line)) return false;
  const parts = line.split(/\s*(?:,|;|\band\b|&)\s*/).filter(Boolean);
  const honorific = /^(dr|prof|professor|mr|mrs|ms|sir|dame)\.?\s+/i;
  const nameLike = (part: string) => {
    const words = part.replace(honorific, '').split(/\s+/);
    return words.length >= 2 && words.length <= 4 && words.every((w) => /^\p{Lu}[\p{L}'’.-]*$/u.test(w) && !NOT_NAME.test(w.replace(/\.$/, '')));
  };
  if (!parts.every(nameLike)) return false;
  return parts.length >= 2 || honorific.test(line);
}

/** List bullets pasted from PDFs and web pages; the item text is what matters. */
const BULLET = /^[•●▪◦‣∙○■□➢►–]\s+/;

/** Short series/format labels printed above a title. */
function isKicker(line: string): boolean {
  const words = line.split(/\s+/);
  if (words.length > 4 || /[.!?:]$/.test(line)) return false;
  return (
    (line === line.toUpperCase() && /\p{Lu}{3}/u.test(line)) ||
    /^(occasional|policy|research|working|discussion|briefing|conference|white|special|analysis|commentary|insight|report|brief|paper|explainer|op-ed|opinion|feature|in focus)\b[\p{L} ]*$/iu.test(
      line,
    )
  );
}

/** A table-of-contents entry: text, dot leaders (or a tab/space run), page number. */
const TOC_ENTRY = /^\S.{0,120}?(\s?\.){3,}\s*\d{1,4}$|^\S.{0,120}?\s?…+\s*\d{1,4}$/;

/** Drops a pasted table of contents (its "Contents" label and dot-leader entries). */
function dropTableOfContents(lines: string[]): string[] {
  const out = lines.filter((l) => l.length > 300 || !TOC_ENTRY.test(l));
  if (out.length === lines.length) return lines;
  return out.filter((l, idx) => {
    if (!/^(table of )?contents$/i.test(l)) return true;
    const following = lines.indexOf(l) >= 0 ? lines.slice(lines.indexOf(l) + 1).find(Boolean) : undefined;
    return !(following && TOC_ENTRY.test(following)) && idx >= 0;
  });
}

/** Navigation pasted along with a page: breadcrumbs ("Home » Analysis » Europe"), menus, a bare URL. */
function isPageChrome(line: string): boolean {
  if (line.length > 200) return false;
  if (/^https?:\/\/\S+$/.test(line)) return true;
  if ((line.match(/\s[»›>/|]\s|\s?[»›]\s?/g) ?? []).length >= 2 && /^(home|start|startseite|accueil|inicio)\b/i.test(line)) return true;
  return /^(skip to (main )?content|menu|search|main menu|navigation|toggle navigation|open menu|close|sign in|log in|subscribe|donate)$/i.test(line);
}
