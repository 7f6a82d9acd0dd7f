/**
 * Quote verification: is a model's "verbatim" quote really in the report? Models copy text with small
 * typographic drift (curly vs straight quotes, en dash vs hyphen, "..." vs "…", re-flowed whitespace,
 * capitalisation), so both sides are normalised first. An offset map from normalised back to original
 * characters lets a verified quote be mapped to the report sentence that contains it.
 * (Hand-written: no maintained library does offset-preserving typographic normalisation.)
 */

export interface NormalisedText {
  /** Lower-cased text with typography folded and whitespace collapsed. */
  text: string;
  /** `offsets[i]` is the index in the original string of normalised character `i`. */
  offsets: Uint32Array;
}

const FOLD: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u0060': "'",
  '\u00B4': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2039': "'",
  '\u203A': "'",
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\uFE58': '-',
  '\uFE63': '-',
  '\uFF0D': '-',
  '\u2026': '...',
};
/** Invisible characters that never count: soft hyphen, zero-width spaces/joiners, BOM. */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/;
const SPACE = /\s/;
const GLUE_AFTER = new Set(['-', '"']);
const GLUE_BEFORE = new Set(['-', '"', ';', ':', '!', '?']);

// Linear, one pass, char codes for ASCII (this runs over every report on every model call).
export function normalise(input: string): NormalisedText {
  const out: string[] = [];
  // Folding never yields more than 3 characters per input character ("…" → "...").
  let offsets = new Uint32Array(input.length + 8);
  let n = 0;
  const push = (c: string, i: number) => {
    if (n === offsets.length) {
      const grown = new Uint32Array(offsets.length * 2);
      grown.set(offsets);
      offsets = grown;
    }
    out.push(c);
    offsets[n++] = i;
  };
  let pendingSpace = false;
  let last = '';
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    let folded: string;
    if (code < 128) {
      if (code === 32 || (code >= 9 && code <= 13)) {
        pendingSpace = out.length > 0;
        continue;
      }
      folded = code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : code === 96 ? "'" : input[i]!;
    } else {
      const ch = input[i]!;
      if (INVISIBLE.test(ch)) continue;
      if (SPACE.test(ch)) {
        pendingSpace = out.length > 0;
        continue;
      }
      folded = FOLD[ch] ?? ch.normalize('NFKC').toLowerCase();
    }
    // Spaces around dashes and double quotes, and before ; : ! ?, are dropped, so "14 – 19" matches "14-19"
    // and French typography (« un jour », « vraiment ? ») matches a model's "un jour", "vraiment?".
    if (pendingSpace && !GLUE_BEFORE.has(folded[0]!) && !GLUE_AFTER.has(last)) push(' ', i);
    pendingSpace = false;
    if (folded.length === 1) push(folded, i);
    else for (const c of folded) push(c, i);
    last = folded[folded.length - 1]!;
  }
  return { text: out.join(''), offsets: offsets.subarray(0, n) };
}

/** Trims what models wrap quotes in: surrounding quote marks, spaces and trailing/leading ellipses. */
function trimQuote(normalised: string): string {
  return normalised.replace(/^(?:[\s"'(\[]|\.\.\.)+/, '').replace(/(?:[\s"')\]]|\.\.\.)+$/, '');
}

export interface QuoteMatch {
  /** Start and end (exclusive) of the quote in the original text. */
  start: number;
  end: number;
}

/** Minimum normalised length of a quote (per fragment) so that trivial quotes ("China") do not count. */
export const MIN_QUOTE_CHARS = 12;

/**
 * The report text, normalised once, against which many quotes are checked.
 * A quote may elide words with an ellipsis ("A ... B"): each fragment must then occur, in order.
 */
export class QuoteIndex {
  private readonly norm: NormalisedText;

  constructor(readonly source: string) {
    this.norm = normalise(source);
  }

  find(quote: string | null | undefined, minChars = MIN_QUOTE_CHARS): QuoteMatch | undefined {
    if (!quote) return undefined;
    const fragments = trimQuote(normalise(quote).text)
      .split('...')
      .map((f) => trimQuote(f.trim()))
      .filter((f) => f.length > 0);
    if (fragments.length === 0) return undefined;
    if (fragments.some((f) => f.length < Math.min(minChars, 6)) || fragments.join(' ').length < minChars) return undefined;
    let from = 0;
    let first = -1;
    let lastEnd = -1;
    for (const fragment of fragments) {
      const at = this.norm.text.indexOf(fragment, from);
      if (at < 0) return undefined;
      if (first < 0) first = at;
      lastEnd = at + fragment.length;
      from = lastEnd;
    }
    const start = this.norm.offsets[first]!;
    const end = this.norm.offsets[lastEnd - 1]! + 1;
    return { start, end };
  }

  /** Whole-word occurrences of `phrase` (case- and typography-insensitive), as normalised [start, end) spans. */
  occurrences(phrase: string): Array<[number, number]> {
    const needle = trimQuote(normalise(phrase).text);
    const out: Array<[number, number]> = [];
    if (!needle) return out;
    const hay = this.norm.text;
    for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
      if (isBoundary(hay, at - 1) && isBoundary(hay, at + needle.length)) out.push([at, at + needle.length]);
    }
    return out;
  }

  /** Original-text offset of a normalised offset. */
  originalOffset(normalisedOffset: number): number {
    return this.norm.offsets[Math.min(normalisedOffset, this.norm.offsets.length - 1)] ?? 0;
  }

  /** Normalised text (for vocabulary checks). */
  get normalisedText(): string {
    return this.norm.text;
  }
}

function isBoundary(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return true;
  return !/[\p{L}\p{N}]/u.test(text[i]!);
}
