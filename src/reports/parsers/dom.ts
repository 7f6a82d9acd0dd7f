import { parseHTML } from 'linkedom';

export type Doc = ReturnType<typeof parseHTML>['document'];

/**
 * Parses HTML with linkedom. HTML attribute names are case-insensitive, but linkedom keeps them as
 * written, so `<META NAME="author">` (old CMSs, hand-written pages) would escape every `[name=…]`
 * selector: such names are lower-cased after parsing. Pages without upper-case attributes pay one regex.
 */
export function parseDocument(html: string): Doc {
  const { document } = parseHTML(html);
  if (/<[a-zA-Z][^<>]*\s[a-z-]*[A-Z][a-zA-Z-]*\s*=/.test(html)) {
    for (const el of document.querySelectorAll('*')) {
      for (const attr of [...el.attributes]) {
        const lower = attr.name.toLowerCase();
        if (lower === attr.name) continue;
        el.removeAttribute(attr.name);
        if (!el.hasAttribute(lower)) el.setAttribute(lower, attr.value);
      }
    }
  }
  return document;
}
