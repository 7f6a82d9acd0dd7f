import type { Report } from '../../reports/types.ts';
import { reportSentences } from '../sentences.ts';
import { STOP_WORDS } from '../text.ts';
import { gazetteer, tokenize, type EntityMatch, type Token } from './gazetteer.ts';
import { NOT_NAMES, PARTICLES, ROLE_WORDS } from './names.ts';

/** The texts actors are read from (title, standfirst, body sentences), tokenised, with gazetteer matches. */

export interface Segment {
  text: string;
  /** Body sentence index; -1 for the title, -2 for the standfirst. */
  index: number;
  tokens: Token[];
  entities: EntityMatch[];
  /** Token index → entity covering it. */
  entityAt: Array<EntityMatch | undefined>;
  /** A headline in title case (or capitals): no new people are found in it, only known ones. */
  titleCase: boolean;
  /** Language whose rules apply (ISO 639-1). */
  lang: string;
  /** A list item or a table cell: a bare name there is a listed actor. */
  listed?: boolean;
}

export function buildSegments(report: Report, lang = 'en'): Segment[] {
  const gaz = gazetteer(lang);
  const raw: Array<{ text: string; index: number; item?: boolean }> = [{ text: report.title, index: -1 }];
  if (report.standfirst) raw.push({ text: report.standfirst, index: -2 });
  for (const s of reportSentences(report)) if (!s.boilerplate) raw.push({ text: s.text, index: s.index, item: s.item });
  const parts = raw.flatMap(({ text, index, item }) => {
    const cells = textParts(text);
    return cells.map((part) => ({ text: part, index, listed: !!item || cells.length > 1 }));
  });
  return parts.map(({ text, index, listed }): Segment => {
    const tokens = tokenize(text, lang);
    const titleCase = index === -1 && isTitleCase(tokens);
    const entities = gaz.matchAll(tokens).filter((m) => titleCase || !partOfLargerName(tokens, m, lang));
    const entityAt: Array<EntityMatch | undefined> = new Array(tokens.length);
    for (const m of entities) for (let k = m.start; k < m.end; k++) entityAt[k] = m;
    return { text, index, tokens, entities, entityAt, titleCase, lang, ...(listed ? { listed } : {}) };
  });
}

/**
 * A dateline opening a news story says where it was filed, not who acts: "LONDON —", "KYIV, Ukraine
 * (Reuters) -", "Paris, 3 March (AFP) –". Capitals, or a news agency in brackets, tell it from prose.
 */
const DATELINE_CAPS = /^\p{Lu}[\p{Lu}\p{M}'.]+(?:[ -]\p{Lu}[\p{Lu}\p{M}'.]+){0,3}(?:,\s*[^—–()]{1,40}?)?\s*(?:\([^)]{1,30}\))?\s*[—–-]{1,2}\s+/u;
const DATELINE_AGENCY =
  /^\p{Lu}[\p{L}\p{M}'.-]+(?: \p{Lu}[\p{L}\p{M}'.-]+){0,2}(?:,\s*[^—–()]{1,40}?)?\s*\((?:AP|AFP|Reuters|dpa|EFE|ANSA|Xinhua|TASS|RIA Novosti|Anadolu|Europa Press|Lusa|Interfax)\)\s*[—–-]{1,2}\s+/u;

export function stripDateline(text: string): string {
  const m = DATELINE_CAPS.exec(text) ?? DATELINE_AGENCY.exec(text);
  return m && m[0].length < text.length ? text.slice(m[0].length) : text;
}

/** Table rows flattened to text ("Name | Role | Country", tab-separated cells) are read cell by cell. */
function textParts(text: string): string[] {
  const body = stripDateline(text);
  const cells = body
    .split(/\s+\|\s+|\t+/)
    .map((c) => c.trim())
    .filter(Boolean);
  return cells.length >= 2 ? cells : [body];
}

/** "Ukraine Peace Talks Stall as Kremlin Hardens Terms": capitals there say nothing about names. */
function isTitleCase(tokens: Token[]): boolean {
  const words = tokens.filter((t) => t.word && t.text.length > 3);
  return words.length >= 3 && words.filter((t) => t.cap).length / words.length >= 0.7;
}

/**
 * A one-word state or seat name inside a longer proper name is not a mention of the state: "George
 * Washington", "Michael Jordan", "the Moscow Conference on International Security" (an event named after
 * its host city; we deliberately do not count it as a Russia mention). Role words after it keep it
 * ("Belarus President", "China Defence Minister").
 */
function partOfLargerName(tokens: Token[], m: EntityMatch, lang: string): boolean {
  if (m.end - m.start !== 1) return false;
  const prev = tokens[m.start - 1];
  if (prev?.text === '-' && PARTICLES.has(tokens[m.start - 2]?.text.toLowerCase() ?? '')) return true; // "al-Houthi"
  if (m.ref.type !== 'state' || m.ref.via === 'demonym') return false;
  const gaz = gazetteer(lang);
  const before = tokens[m.start - 1];

  const after = tokens[m.end];
  const nameLike = (t: Token | undefined, k: number): boolean =>
    !!t &&
    t.cap &&
    t.word &&
    !/^\p{Lu}+$/u.test(t.text) &&
    !ROLE_WORDS.has(t.text.toLowerCase()) &&
    !STOP_WORDS.has(t.text.toLowerCase()) &&
    !NOT_NAMES.has(t.text.toLowerCase()) &&
    !gaz.matchAt(tokens, k);
  if (m.start >= 1 && nameLike(before, m.start - 1) && !PARTICLES.has(before!.text.toLowerCase())) return true;
  // "Moscow Conference", "Washington Institute": a seat followed by a capitalised noun names something else.
  const nounAfter =
    !!after &&
    after.cap &&
    after.word &&
    !/^\p{Lu}+$/u.test(after.text) &&
    !ROLE_WORDS.has(after.text.toLowerCase()) &&
    !STOP_WORDS.has(after.text.toLowerCase()) &&
    !gaz.matchAt(tokens, m.end);
  return m.ref.via !== 'name' ? nounAfter : false;
}
