import { terms } from '../text.ts';
import type { ReportDocument } from './document.ts';
import { LlmFailure } from './errors.ts';
import { normalise } from './quotes.ts';

/** Fallback when fewer than this share of the model's items are grounded in the report. */
const MIN_SURVIVING_SHARE = 0.5;
/** Share of a point's content words that must occur in the report: paraphrase is fine, new facts are not. */
const MIN_TERM_OVERLAP = 0.5;
export const MAX_POINT_CHARS = 400;
export const MAX_FIELD_CHARS = 120;

export function assertEnoughSurvived(kept: number, returned: number, what: 'points' | 'actors'): void {
  if (returned === 0) throw new LlmFailure('ungrounded', `model returned no ${what}`);
  if (kept === 0 || kept < returned * MIN_SURVIVING_SHARE) {
    throw new LlmFailure('ungrounded', `too few ${what} grounded in the report (${kept} of ${returned} quotes found)`);
  }
}

/**
 * In map-reduce, one chunk of mostly ungrounded output (say, a chunk of tables or boilerplate) costs that
 * chunk's items, not the whole answer; the whole falls back only when no chunk yields anything.
 */
export function tolerateUngrounded<T>(verify: () => T, empty: T): T {
  try {
    return verify();
  } catch (error) {
    if (error instanceof LlmFailure && error.kind === 'ungrounded') return empty;
    throw error;
  }
}

/**
 * A paraphrase is accepted when all of its numbers and, for English reports, most of its content words
 * occur in the report. Points are written in English, so for reports in other languages only the numbers
 * (and the verbatim quote) can be checked.
 */
export function grounded(text: string, doc: ReportDocument): boolean {
  const source = doc.quotes.normalisedText;
  const pointTerms = doc.english ? terms(text) : [];
  if (pointTerms.length > 0) {
    const known = pointTerms.filter((t) => startsWord(source, t)).length;
    if (known / pointTerms.length < MIN_TERM_OVERLAP) return false;
  }
  if (!linksGrounded(text, source)) return false;
  const numbers = text.match(/\d+(?:[.,]\d+)*/g) ?? [];
  return numbers.every((n) => source.includes(n) || source.includes(n.replace(/,/g, '')));
}

/** Links and Discord mention syntax: a model may repeat them from the report, never introduce them. */
const LINK_OR_MENTION = /https?:\/\/[^\s)\]>"']+|\bwww\.[^\s)\]>"']+|@everyone|@here|<[@#][!&]?\d+>|<\/[\w -]+:\d+>|discord(?:app)?\.(?:gg|com)\/\S+/gi;

export function linksGrounded(text: string, normalisedSource: string): boolean {
  for (const m of text.match(LINK_OR_MENTION) ?? []) {
    if (!normalisedSource.includes(normalise(m).text.replace(/[.,;:!?]+$/, ''))) return false;
  }
  return true;
}

/** Whether some word of the (normalised) text starts with the stem `term`. */
function startsWord(text: string, term: string): boolean {
  const needle = normalise(term).text;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (at === 0 || !/[\p{L}\p{N}]/u.test(text[at - 1]!)) return true;
  }
  return false;
}

/** Model strings are untrusted too: single line, no control characters, bounded length. */
export function cleanText(value: string | null | undefined, max: number): string {
  if (!value) return '';
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001F\u007F\u200B-\u200F\u2028-\u202E\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

export function ensureSentence(text: string): string {
  return /[.!?…"'”’)]$/.test(text) ? text : `${text}.`;
}

/** Case-insensitively distinct values, first spelling kept. */
export function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
