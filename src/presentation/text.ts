/** Text helpers shared by every card and message. Output is plain text: renderers escape it for their medium. */

/** Bidi embedding, override and isolate controls and the directional marks (U+202A–202E, U+2066–2069, U+200E/F, U+061C). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** Removes bidi controls: report text must not reorder what readers see (a "txt.exe" shown as "exe.txt"). Every renderer applies it. */
export function stripBidi(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** "a, b and c". */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The one truncate and its cut point live in core (every layer uses them); presentation re-exports them. */
import { truncate } from '../core/text.ts';

export { cutPoint, truncate } from '../core/text.ts';

/**
 * Editorial trimming (a lead is a lead, not Discord limit handling): whitespace collapsed, about `max`
 * characters, preferring a sentence end, else `truncate`.
 */
export function trimText(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const slice = clean.slice(0, max);
  const sentenceEnd = Math.max(slice.lastIndexOf('. '), slice.lastIndexOf('? '), slice.lastIndexOf('! '));
  if (sentenceEnd >= max * 0.6) return slice.slice(0, sentenceEnd + 1);
  return truncate(clean, max, (head) => head.replace(/[\s,;:–—-]+$/, ''));
}

/** A value typed by someone, echoed in an answer: quoted and never longer than `max` (a 3,000-character value is not echoed whole). */
export function quoted(value: string, max = 80): string {
  return `“${trimText(value, max)}”`;
}

/** "#briefings" for a channel option; a clean label when the value named nothing. */
export function channelLabel(channel: { id: string; name?: string }): string {
  const name = channel.name?.trim() || channel.id.trim();
  return name ? `#${name}` : 'that channel';
}
