/**
 * Plain-text helpers every layer may use (services, presentation, transports): pure functions, no imports.
 * The one truncate-with-ellipsis and the one edit distance of the project live here.
 */

const ELLIPSIS = '…';

/** Where to cut `text` to at most `max` code units: the last whitespace in its last 40 %, else a hard cut that keeps surrogate pairs whole. */
export function cutPoint(text: string, max: number): number {
  const floor = Math.floor(max * 0.6);
  for (let i = Math.min(max, text.length - 1); i >= floor; i--) {
    if (/\s/.test(text[i]!)) return i;
  }
  let hard = max;
  const code = text.charCodeAt(hard - 1);
  if (code >= 0xd800 && code <= 0xdbff) hard -= 1;
  return Math.max(1, hard);
}

/**
 * The one truncate-with-ellipsis: at most `max` code units, cut at a word boundary, ending in "…".
 * `tidy` lets a caller fix the cut end (e.g. drop a dangling escape backslash or a trailing comma).
 */
export function truncate(text: string, max: number, tidy: (head: string) => string = (head) => head): string {
  if (text.length <= max) return text;
  const cut = cutPoint(text, max - ELLIPSIS.length);
  return `${tidy(text.slice(0, cut).trimEnd())}${ELLIPSIS}`;
}

/**
 * Edit distance with adjacent swaps (optimal string alignment: insert, delete, substitute, transpose each
 * cost 1), over UTF-16 code units. Hand-written: "did you mean" runs it over a dozen command names or ~400
 * zone names, and no kept library is installed (fastest-levenshtein has no transpositions). Three rows, so
 * it allocates O(|b|) however long `a` is.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur[j] = d;
    }
    [before, prev, cur] = [prev, cur, before];
  }
  return prev[b.length]!;
}
