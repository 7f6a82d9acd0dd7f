import type { Report } from '../reports/types.ts';

/**
 * Sentence splitting tuned for analysis prose, shared by every engine so that sentence indices mean the
 * same thing everywhere (a summary sentence's `index` points into `reportSentences(report)`).
 *
 * Hand-written rather than a library: the npm splitters we could use (sbd, compromise) either break on
 * dotted acronyms followed by names ("the U.S. Secretary of State"), merge headings into the next
 * sentence, or cost milliseconds per report; the rules below are small, deterministic and linear-time.
 */

export type UnitKind = 'sentence' | 'heading' | 'item' | 'row';

export interface TextUnit {
  text: string;
  /** `heading`: a short line without final punctuation, never a summary sentence. `item`: a list item. */
  kind: UnitKind;
}

export interface ReportSentence {
  text: string;
  /** Position in the report's sentence sequence (headings excluded). */
  index: number;
  /** Index of the section in `report.sections`. */
  section: number;
  /** Index of the paragraph within its section. */
  paragraph: number;
  /** The section's heading, if any. */
  heading: string | null;
  /** True for list items (bullets, numbered lines). */
  item?: boolean;
  /** True for a table row flattened to text ("Germany | €9 billion | Air defence"): read for actors, never summarised. */
  row?: boolean;
  /** True when the sentence looks like metadata or boilerplate (byline, ISSN, caption, donate appeal). */
  boilerplate?: boolean;
}

/** Titles and other abbreviations that are never the end of a sentence. */
const ALWAYS_ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'gen',
  'lt',
  'col',
  'maj',
  'capt',
  'cpt',
  'sgt',
  'cpl',
  'pvt',
  'adm',
  'cmdr',
  'cdr',
  'brig',
  'gov',
  'sen',
  'rep',
  'pres',
  'amb',
  'hon',
  'rev',
  'fr',
  'st',
  'mt',
  'ft',
  'jr',
  'sr',
  'vs',
  'v',
  'approx',
  'est',
  'e.g',
  'i.e',
  'cf',
  'viz',
  'al',
  'ca',
  'inc',
  'ltd',
  'co',
  'corp',
  'dept',
  'univ',
  'assn',
  'bros',
  'gens',
  'govt',
  'min',
  'lieut',
  'supt',
  'messrs',
  'mme',
  'mlle',
]);
/** Abbreviations that only hold before a number ("No. 5", "Jan. 14", "p. 3"). */
const NUMERIC_ABBREVIATIONS = new Set([
  'no',
  'nos',
  'nr',
  'fig',
  'figs',
  'vol',
  'vols',
  'pp',
  'p',
  'art',
  'sec',
  'ch',
  'para',
  'op',
  'ed',
  'eds',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);
/** Abbreviations that end a sentence only when a typical sentence opener follows ("… etc. The …"). */
const SOFT_ABBREVIATIONS = new Set(['etc', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec']);
/** Words that typically open a sentence; after "U.S." or "etc." they signal a boundary. */
const SENTENCE_OPENERS = new Set([
  'the',
  'a',
  'an',
  'this',
  'that',
  'these',
  'those',
  'it',
  'its',
  'he',
  'she',
  'they',
  'we',
  'i',
  'there',
  'in',
  'on',
  'at',
  'for',
  'but',
  'and',
  'however',
  'meanwhile',
  'moreover',
  'as',
  'while',
  'with',
  'since',
  'after',
  'before',
  'if',
  'when',
  'such',
  'both',
  'yet',
  'nevertheless',
  'furthermore',
  'additionally',
  'by',
  'from',
  'his',
  'her',
  'their',
  'our',
  'some',
  'many',
  'most',
  'one',
  'other',
  'what',
  'why',
  'how',
]);

const TABLE_ROW = /\S\s+\|\s+\S|\S\t+\S/;
const BULLET = /^\s*(?:[-*•·▪◦‣–—]|\(?\d{1,3}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)])\s+/i;
const CLOSERS = `"'”’»)]}`;
const MAX_SENTENCE_WORDS = 120;
const CHUNK_WORDS = 60;

/** Split one paragraph of body text into sentences, list items and headings. */
export function splitUnits(paragraph: string): TextUnit[] {
  const lines = paragraph
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return [];
  // A table flattened to lines ("Name | Role", tab-separated cells): every row is a unit of its own.
  const tableLines = lines.filter((l) => TABLE_ROW.test(l)).length;
  if (lines.length > 1 && tableLines >= Math.max(2, Math.ceil(lines.length / 2))) {
    return lines.map((line) => ({ text: line, kind: TABLE_ROW.test(line) ? 'row' : 'sentence' }));
  }
  const bulletLines = lines.filter((l) => BULLET.test(l)).length;
  if (lines.length > 1 && bulletLines >= Math.max(2, Math.ceil(lines.length / 2))) {
    // A list: every line is a unit; continuation lines join the item above.
    const items: string[] = [];
    for (const line of lines) {
      if (BULLET.test(line) || items.length === 0) items.push(line);
      else items[items.length - 1] += ` ${line}`;
    }
    const units: TextUnit[] = [];
    for (const item of items) {
      const isBullet = BULLET.test(item);
      const body = isBullet ? item.replace(BULLET, '') : item;
      if (!isBullet && isHeadingLine(body)) {
        units.push({ text: body, kind: 'heading' });
        continue;
      }
      for (const s of splitSentences(body)) units.push({ text: s, kind: isBullet ? 'item' : 'sentence' });
    }
    return units;
  }
  const units: TextUnit[] = [];
  // A heading line glued to the paragraph below it ("Background\nOn August 14th ...").
  let start = 0;
  while (start < lines.length - 1 && isHeadingLine(lines[start]!)) {
    units.push({ text: lines[start]!, kind: 'heading' });
    start++;
  }
  const text = lines.slice(start).join(' ');
  if (lines.length - start === 1 && isHeadingLine(text)) return [...units, { text, kind: 'heading' }];
  const isBullet = BULLET.test(text) && lines.length - start === 1;
  for (const s of splitSentences(isBullet ? text.replace(BULLET, '') : text)) {
    units.push({ text: s, kind: isBullet ? 'item' : 'sentence' });
  }
  return units;
}

/** A short line with no sentence-final punctuation: a heading, not a sentence. */
export function isHeadingLine(line: string): boolean {
  const t = line.trim();
  if (!t || t.length > 120 || TABLE_ROW.test(t)) return false;
  if (/[.!?。！？:;,"”’')\]]$/.test(t)) return false;
  const words = t.split(/\s+/);
  if (words.length > 14) return false;
  // Headings start with a capital letter, a digit ("1. Introduction") or a non-Latin script letter.
  return /^[\p{Lu}\p{N}\p{Lo}]/u.test(t);
}

/** Split running text into sentences. Linear in the text length. */
export function splitSentences(text: string): string[] {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (!clean) return [];
  const out: string[] = [];
  let start = 0;
  const n = clean.length;
  for (let i = 0; i < n; i++) {
    const ch = clean[i]!;
    if (ch === '。' || ch === '！' || ch === '？') {
      let end = i + 1;
      while (end < n && CLOSERS.includes(clean[end]!)) end++;
      push(out, clean.slice(start, end));
      start = end;
      while (start < n && clean[start] === ' ') start++;
      i = start - 1;
      continue;
    }
    if (ch !== '.' && ch !== '!' && ch !== '?' && ch !== '…') continue;
    // Absorb runs of terminators ("?!", "...") and closing quotes/brackets.
    let end = i + 1;
    while (end < n && /[.!?…]/.test(clean[end]!)) end++;
    while (end < n && CLOSERS.includes(clean[end]!)) end++;
    // Footnote markers stay with the sentence they annotate: "… in 2023.[12] Next", "… 2023.¹² Next".
    const footnote = /^(?:\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)+/.exec(clean.slice(end, end + 12));
    if (footnote) end += footnote[0].length;
    if (end >= n) break;
    if (clean[end] !== ' ') {
      i = end - 1;
      continue;
    }
    const nextStart = end + 1;
    const next = clean.slice(nextStart, nextStart + 40);
    if (!isBoundary(clean, start, i, ch, end, next)) {
      i = end - 1;
      continue;
    }
    push(out, clean.slice(start, end));
    start = nextStart;
    i = nextStart - 1;
  }
  if (start < n) push(out, clean.slice(start));
  return out.flatMap(capLength);
}

function push(out: string[], s: string): void {
  const t = s.trim();
  if (t) out.push(t);
}

function isBoundary(text: string, sentenceStart: number, i: number, ch: string, end: number, next: string): boolean {
  // The next sentence must start like one: capital, digit, opening quote/bracket, or a non-Latin letter.
  const firstNext = next.replace(/^["'“‘«(\[]+/, '');
  if (!/^[\p{Lu}\p{N}\p{Lo}"'“‘«(\[]/u.test(next) || (firstNext && /^\p{Ll}/u.test(firstNext))) return false;
  if (ch !== '.') return true;
  if (end > i + 1 && text[i + 1] === '.') return true; // "..." followed by a capital
  // The word carrying the period.
  let ws = i;
  while (ws > sentenceStart && !/\s/.test(text[ws - 1]!)) ws--;
  const word = text.slice(ws, i).replace(/^["'“‘«(\[]+/, '');
  const lower = word.toLowerCase();
  const nextWord = (firstNext.match(/^[\p{L}\p{N}'’-]+/u)?.[0] ?? '').toLowerCase();
  const nextIsNumber = /^\d/.test(firstNext);
  if (/^\p{Lu}$/u.test(word)) return false; // an initial: "J. R. Smith"
  // Dotted acronyms (U.S., U.K., e.g., i.e.) end a sentence only before a typical sentence opener.
  if (/^(?:\p{L}\.)+\p{L}$/u.test(word)) {
    if (lower === 'e.g' || lower === 'i.e') return false;
    return SENTENCE_OPENERS.has(nextWord);
  }
  if (SOFT_ABBREVIATIONS.has(lower) && !nextIsNumber) return SENTENCE_OPENERS.has(nextWord);
  if (ALWAYS_ABBREVIATIONS.has(lower)) return false;
  if (NUMERIC_ABBREVIATIONS.has(lower) && nextIsNumber) return false;
  return true;
}

/** Split run-on text (no punctuation at all, scraped tables) so no unit grows without bound. */
function capLength(sentence: string): string[] {
  if (sentence.length < MAX_SENTENCE_WORDS * 2) return [sentence];
  const words = sentence.split(' ');
  if (words.length <= MAX_SENTENCE_WORDS) return [sentence];
  const parts = sentence.split(/(?<=;)\s+/);
  const out: string[] = [];
  for (const part of parts) {
    const w = part.split(' ');
    if (w.length <= MAX_SENTENCE_WORDS) out.push(part);
    else for (let k = 0; k < w.length; k += CHUNK_WORDS) out.push(w.slice(k, k + CHUNK_WORDS).join(' '));
  }
  return out;
}

const BOILERPLATE: RegExp[] = [
  /^\s*(?:by|authors?|written by|words by|editor|edited by|reviewed by|prepared by|compiled by)\s*[:|]/i,
  /\bISSN\b|\bISBN\b|\bDOI\s*:|\bdoi\.org\//i,
  /\b(?:credits?|photos?|images?|pictures?|sources?|captions?|illustrations?|graphics?)\s*:/i,
  // Picture credits and captions: "(AFP via Getty Images)", "Reuters/Jane Doe", "File photo", "Pictured: …".
  /\bvia Getty Images\b|\bGetty Images\b|\bAP Photo\b|\b(?:Reuters|AFP|EPA|AP)\s*\/\s*\p{Lu}|\bfile (?:photo|picture|image)\b|^\s*pictured\b|\bphotograph(?:ed)? by\b/iu,
  /\bCC[- ]BY\b|\bCC0\b|Wikimedia Commons|Creative Commons|All rights reserved|©|\(c\)\s*\d{4}/i,
  /\b(?:donat(?:e|ion)s?|subscribe|subscription|newsletter|sign up|support (?:us|our)|become a (?:member|patron)|patreon)\b/i,
  /\b(?:related posts?|read more|share this|follow us|click here|cookie|privacy policy|terms of (?:use|service))\b/i,
  /^\s*(?:tags?|categories|filed under|keywords)\s*:/i,
  /^\s*(?:geopolitical report|policy brief|working paper|commentary)\b.*\b(?:volume|vol\.|issue|no\.)\s*\d/i,
  /\b(?:do you like|has our .* (?:research|work)|our mission)\b/i,
];

/** Metadata or site boilerplate that slipped into the body: never summary material. */
export function isBoilerplate(sentence: string): boolean {
  return BOILERPLATE.some((re) => re.test(sentence));
}

const cache = new WeakMap<object, ReportSentence[]>();

/**
 * Every sentence of the report body in reading order, headings excluded. Deterministic; memoised per
 * sections array (reports are immutable once built), so the result is frozen: copy before changing it.
 */
export function reportSentences(report: Pick<Report, 'sections'>): ReportSentence[] {
  const cached = cache.get(report.sections);
  if (cached) return cached;
  const out = computeSentences(report);
  for (const s of out) Object.freeze(s);
  Object.freeze(out);
  cache.set(report.sections, out);
  return out;
}

function computeSentences(report: Pick<Report, 'sections'>): ReportSentence[] {
  const out: ReportSentence[] = [];
  report.sections.forEach((section, s) => {
    section.paragraphs.forEach((paragraph, p) => {
      const units = splitUnits(paragraph).filter((u) => u.kind !== 'heading');
      const flags = units.map((u) => isBoilerplate(u.text));
      // An appeal paragraph ("Do you like our work? … Donate now") is boilerplate as a whole.
      const boilerplateParagraph = flags.filter(Boolean).length >= Math.max(2, Math.ceil(units.length / 3));
      units.forEach((unit, k) => {
        const entry: ReportSentence = { text: unit.text, index: out.length, section: s, paragraph: p, heading: section.heading };
        if (unit.kind === 'item') entry.item = true;
        if (unit.kind === 'row') entry.row = true;
        if (flags[k] || boilerplateParagraph) entry.boilerplate = true;
        out.push(entry);
      });
    });
  });
  return out;
}
