import { truncate } from '../../core/text.ts';

/**
 * Untrusted one-line strings (model output, error messages from a model server, report titles in prompts):
 * control and bidi/zero-width characters become spaces, whitespace collapses, and the result is at most
 * `max` characters, ending in "…" when cut (core's one truncate).
 */
export function cleanText(value: string | null | undefined, max: number): string {
  if (!value) return '';
  // eslint-disable-next-line no-control-regex
  const text = value
    .replace(/[\u0000-\u001F\u007F\u200B-\u200F\u2028-\u202E\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(text, max);
}
