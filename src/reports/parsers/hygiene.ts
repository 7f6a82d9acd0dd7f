import { decodeHTML } from 'entities';

/**
 * Text hygiene applied to every string a report is made of (title, authors, standfirst, body, feed
 * fields): HTML entities decoded (`entities`, the WHATWG table), soft hyphens and zero-width characters
 * removed, non-breaking and other fixed-width spaces made plain spaces, and bidi control characters
 * stripped so report text can never reorder what a reader sees in a summary or a briefing.
 */

/** Soft hyphen, zero-width space/joiners, word joiner, invisible operators, BOM, Mongolian vowel separator. */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]/g;
/** Bidi embeddings/overrides (U+202A–202E), isolates (U+2066–2069), LRM/RLM, the Arabic letter mark. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
/** NBSP, narrow NBSP, figure space, and the other fixed-width spaces: a plain space to every reader. */
const ODD_SPACE = /[\u00a0\u2000-\u200a\u202f\u205f]/g;
const ANY_ODD = /[\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069\u061c\u00a0\u2000-\u200a\u202f\u205f]/;
/** A named or numeric character reference (the trailing semicolon is optional in HTML for old names). */
const ENTITY = /&(?:#\d{1,7};?|#x[0-9a-f]{1,6};?|[a-z][a-z0-9]{1,31};)/i;

/**
 * Decodes HTML character references, twice when the source escaped them twice ("&amp;quot;" in an RSS
 * title or a CMS field), and never a bare "&" ("AT&T" stays).
 */
export function decodeEntities(value: string): string {
  if (!value.includes('&') || !ENTITY.test(value)) return value;
  let out = decodeHTML(value);
  if (out.includes('&') && ENTITY.test(out)) out = decodeHTML(out);
  return out;
}

/** Removes invisible and bidi control characters and normalises odd spaces; cheap on clean text. */
export function stripInvisible(value: string): string {
  if (!ANY_ODD.test(value)) return value;
  // U+3000 (ideographic space) is left alone: it is an ordinary space in Japanese and Chinese text.
  return value.replace(INVISIBLE, '').replace(BIDI, '').replace(ODD_SPACE, ' ');
}

/** Both of the above: what every stored string goes through. */
export function hygiene(value: string): string {
  return stripInvisible(decodeEntities(value));
}

/**
 * Cleans an inline string: entities decoded, soft hyphens, zero-width and bidi control characters
 * removed, odd spaces made plain (see hygiene.ts), runs of spaces collapsed, trimmed.
 */
export function cleanInline(value: string): string {
  const cleaned = hygiene(value);
  return (/[ \t]{2}|\t/.test(cleaned) ? cleaned.replace(/[ \t]+/g, ' ') : cleaned).trim();
}
