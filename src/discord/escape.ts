import { stripBidi, cutPoint as wordCutPoint, truncate as truncateText } from '../presentation/text.ts';
import { LIMITS } from './limits.ts';

/**
 * Escaping and cutting for the Discord renderer: report text can neither ping, nor form Markdown that
 * breaks the layout, nor reorder what readers see (bidi controls), and long text is cut at word, line
 * or paragraph boundaries without leaving a dangling escape.
 */

const ZWSP = '\u200b';
const ELLIPSIS = '…';

export interface RenderOptions {
  /**
   * Channel mentions (<#id>) never ping; commands use them to link channels of the guild. Those for
   * which this returns true are kept, every other one is neutralised like any mention.
   */
  isKnownChannel?: (channelId: string) => boolean;
}

// ───────────────────────────── escaping ─────────────────────────────

const URL_PATTERN = /\bhttps?:\/\/[^\s<>]+[^\s<>.,;:!?'")\]]/gi;

/** Neutralises everything that could notify someone: @everyone, @here, <@user>, <@!user>, <@&role>. */
export function neutraliseMentions(text: string, options: RenderOptions = {}): string {
  // Stripped first: a control inside "@\u202eeveryone" must not hide a mention from the checks below.
  return stripBidi(text)
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(/<@/g, `<${ZWSP}@`)
    .replace(/<#(\d+)>/g, (whole, id: string) => (options.isKnownChannel?.(id) ? whole : `<${ZWSP}#${id}>`));
}

/** Escapes Markdown (bold, code, spoilers, headings, lists, block quotes, masked links) outside URLs. */
export function escapeText(raw: string, options: RenderOptions = {}): string {
  const text = stripBidi(raw);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    out += escapeMarkdownFully(text.slice(last, match.index));
    out += match[0];
    last = match.index + match[0].length;
  }
  out += escapeMarkdownFully(text.slice(last));
  return neutraliseMentions(out, options);
}

/**
 * Hand-written rather than discord.js's escapeMarkdown: that one costs ~30 ms on a 14 kB report (it
 * re-scans per rule and per code block) and leaves block quotes and subtext alone. Discord honours a
 * backslash before any punctuation, so escaping every Markdown character is safe and linear.
 */
function escapeMarkdownFully(text: string): string {
  if (!text) return text;
  return (
    text
      .replace(/[\\*_~|`[\]]/g, '\\$&')
      .replace(/^([ \t]*)(#{1,3} |-# |>|[-+] |\d+\. )/gm, (_whole, indent: string, marker: string) =>
        /^\d/.test(marker) ? `${indent}${marker.replace('.', '\\.')}` : `${indent}\\${marker}`,
      )
      // Timestamps (<t:…>) are kept: they ping nobody, and cards use them for the next briefing time.
      .replace(/<(a?:\w+:\d+)>/g, `<${ZWSP}$1>`)
      .replace(/<\/([\w -]+:\d+)>/g, `<${ZWSP}/$1>`)
  );
}

/** For places Discord renders without Markdown (author, footer): normalise whitespace (mentions are still neutralised). */
export function plain(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ───────────────────────────── cutting ─────────────────────────────

/** Cuts `text` to at most `max` code units at a word boundary, ending in "…" (never after a lone escape backslash). */
export function truncate(text: string, max: number): string {
  return truncateText(text, max, stripDanglingEscape);
}

/** Ends `text` (already cut from something longer) with "…", within `max`. */
export function withEllipsis(text: string, max: number): string {
  const cut = text.length <= max - ELLIPSIS.length ? text.length : cutPoint(text, max - ELLIPSIS.length);
  return `${stripDanglingEscape(text.slice(0, cut).trimEnd())}${ELLIPSIS}`;
}

/** Splits `text` into parts of at most `max` at paragraph, line, sentence or word boundaries. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = cutPoint(rest, max, true);
    const head = stripDanglingEscape(rest.slice(0, cut).trimEnd());
    parts.push(head || rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

function cutPoint(text: string, max: number, preferParagraphs = false): number {
  const window = text.slice(0, max + 1);
  const floor = Math.floor(max * 0.6);
  if (preferParagraphs) {
    for (const separator of ['\n\n', '\n', '. ']) {
      const at = window.lastIndexOf(separator);
      if (at >= floor && at + separator.length <= max) return at + separator.length;
    }
  }
  // A word boundary, else a hard cut that never splits a surrogate pair (an emoji would turn into a replacement character).
  return wordCutPoint(text, max);
}

/** A cut right after a backslash would escape the next character (or the ellipsis): drop it. */
function stripDanglingEscape(text: string): string {
  const trailing = /\\+$/.exec(text)?.[0].length ?? 0;
  return trailing % 2 === 1 ? text.slice(0, -1) : text;
}

/**
 * Escapes then truncates. Escaping only lengthens text, so raw text is cut first (one character over the
 * limit, so that truncation still marks the cut): a 1 MB report costs no more than a short one.
 */
export function escapedWithin(raw: string, max: number, options: RenderOptions): string {
  return truncate(escapeText(raw.length > max ? raw.slice(0, max + 1) : raw, options), max);
}

export function escapedParts(raw: string, max: number, parts: number, options: RenderOptions): string[] {
  const budget = max * parts;
  return splitText(escapeText(raw.length > budget ? raw.slice(0, budget + max) : raw, options), max);
}

export function nonEmpty(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? t : undefined;
}

export function validUrl(url: string | undefined): string | undefined {
  if (!url || url.length > LIMITS.url) return undefined;
  try {
    const parsed = new URL(url.trim());
    // Normalising can lengthen the URL (percent-encoding); Discord checks the length of what it receives.
    const ok = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '' && parsed.href.length <= LIMITS.url;
    return ok ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
