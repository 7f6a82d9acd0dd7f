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

type AnyEl = ReturnType<Doc['querySelector']> & object;

/** Class-name words of page chrome: lists of other stories, comments, sidebars, tickers, widgets. */
const CHROME_CLASS =
  /(^|[-_])(related|comments?|comment-list|trending|ticker|recirc(ulation)?|sidebar|widgets?|popular|most-read|more-stories|outbrain|taboola)($|[-_])/i;

/**
 * True when `el` sits in page chrome rather than the article: inside one of `tags` (e.g. ASIDE, NAV,
 * FOOTER) or an element whose class names a related/comments/sidebar box. Class words are matched
 * whole, so an article whose class is "commentary" is not "comments".
 */
export function inChrome(el: AnyEl, tags: string[]): boolean {
  for (let node: AnyEl | null = el; node; node = node.parentElement as AnyEl | null) {
    if (tags.includes(node.tagName)) return true;
    const cls = node.getAttribute('class');
    if (cls && cls.split(/\s+/).some((c: string) => CHROME_CLASS.test(c))) return true;
  }
  return false;
}
