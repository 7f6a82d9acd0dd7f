import { cleanInline } from './blocks.ts';
import type { Doc } from './dom.ts';

/**
 * The article's title from the strongest agreeing signals, after Readability's title rule: metadata
 * titles (og:title, twitter:title, JSON-LD headline, citation/DC title) and <title>, each with a
 * site-name part removed, and the page's main headings. A heading wins only when it agrees with a
 * metadata title (one contains the other); a candidate that is only a site, section or generic name,
 * or the page description, is never the title.
 */
export interface TitleSignals {
  metaTitles: Array<string | undefined>;
  documentTitle?: string;
  /** Site/publisher names known from metadata (og:site_name, publisher, application-name…). */
  siteNames: Array<string | undefined>;
  /** Sections, authors and other names that ride along in <title> ("| World | Jane Doe"). */
  otherNames: Array<string | undefined>;
  description?: string;
  pageUrl?: string;
  /** How many <h1> elements the page has (Readability's single-h1 rule). */
  h1Count?: number;
}

const SEPARATOR = /\s+[|–—·•»:~\/\\-]{1,2}\s+|\s*[|·•»｜│]\s*/;
const GENERIC =
  /^(home|home ?page|start|startseite|accueil|inicio|untitled|index|news|blog|article|articles|post|posts|page|page not found|not found|404|error|loading\.*|welcome|menu|search|original text|原文)$/i;

/** Letters and digits only, lower case, without a leading "the": for comparing names. */
export function compact(value: string): string {
  return value
    .normalize('NFKC')
    .toLowerCase()
    .replace(/^(the|der|die|das|le|la|les|el|il)\s+/, '')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

function hostNames(pageUrl?: string): string[] {
  try {
    const labels = new URL(pageUrl ?? '').hostname.toLowerCase().split('.');
    // Every label but the TLD and generic prefixes: "en.openpedia.example" → openpedia; "www.nbn.co.uk" → nbn.
    return labels.slice(0, -1).filter((l) => l.length > 2 && !/^(www\d?|en|de|fr|es|m|amp|news|blog|blogs|edition|co|com|org|net)$/.test(l));
  } catch {
    return [];
  }
}

/** Builds a matcher for "this text is the site's name" from every name the page gives for itself. */
export function siteMatcher(names: Array<string | undefined>, pageUrl?: string): (text: string) => boolean {
  const known = new Set(
    names
      .filter((n): n is string => Boolean(n?.trim()))
      .map(compact)
      .filter((n) => n.length >= 2),
  );
  const hosts = hostNames(pageUrl);
  const initials = new Set(
    names.flatMap((n) => {
      const words = (n ?? '')
        .normalize('NFKC')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean);
      const all = words.map((w) => w[0]).join('');
      const major = words
        .filter((w) => !/^(the|of|for|and|on|in|at|de|du|des|la|le|der|die|das|für|und)$/.test(w))
        .map((w) => w[0])
        .join('');
      return words.length >= 2 ? [all, major] : [];
    }),
  );
  return (text: string) => {
    const c = compact(text);
    if (!c) return false;
    if (known.has(c)) return true;
    // Initials of a known name ("PAQ" for "Polar Affairs Quarterly", "IISS" for "International Institute
    // for Strategic Studies"), written in capitals as sites abbreviate themselves.
    if (/^\p{Lu}{2,6}$/u.test(text.trim()) && initials.has(c)) return true;
    // The host spells the name without spaces ("gadgetdesk" for "Gadget Desk", "nbn" for "NBN").
    // Only a near-equal length counts: "Reuters poll: …" on reuters.example is a headline, not the site.
    if (hosts.some((h) => h === c || (c.length >= 5 && h.length >= 5 && Math.abs(c.length - h.length) <= 6 && (h.startsWith(c) || c.startsWith(h)))))
      return true;
    // "Openpedia, the free encyclopedia" / "Steppe Dispatch | Substack": a known name plus a tagline.
    return [...known].some((k) => k.length >= 4 && c.length <= k.length * 2.2 && c.startsWith(k));
  };
}

/** Removes site, section and author parts before or after a separator; keeps the headline's own separators. */
function stripNameParts(title: string, isName: (part: string) => boolean): string {
  let out = cleanInline(title);
  // Blogger and some CMSs put the site first with a colon: "Blog Name: Post Title".
  const colon = /^([^:]{2,60}):\s+(\S.*)$/.exec(out);
  if (colon && isName(colon[1]!)) out = colon[2]!;
  for (let guard = 0; guard < 6; guard++) {
    const parts = splitOnce(out);
    if (!parts) break;
    const [head, tail] = parts;
    // "Headline - Site" keeps what precedes the last separator; "Site | Headline" what follows the first.
    if (isName(tail.part)) out = tail.rest;
    else if (isName(head.part) && head.rest.split(/\s+/).length >= 2) out = head.rest;
    else break;
  }
  return out;
}

/** The first and last separator splits: { part, rest } for the head and the tail of a title. */
function splitOnce(title: string): [{ part: string; rest: string }, { part: string; rest: string }] | undefined {
  const re = new RegExp(SEPARATOR.source, 'g');
  const seps = [...title.matchAll(re)].filter((m) => m.index! > 0 && m.index! + m[0].length < title.length);
  if (!seps.length) return undefined;
  const first = seps[0]!;
  const last = seps[seps.length - 1]!;
  return [
    { part: title.slice(0, first.index), rest: title.slice(first.index! + first[0].length) },
    { part: title.slice(last.index! + last[0].length), rest: title.slice(0, last.index) },
  ];
}

const key = (s: string) =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');

/** One title contains the other and the shorter is most of the longer: the same headline. */
export function agrees(a: string, b: string): boolean {
  const ka = key(a);
  const kb = key(b);
  if (!ka || !kb) return false;
  if (ka === kb) return true;
  const [short, long] = ka.length <= kb.length ? [ka, kb] : [kb, ka];
  return long.includes(short) && short.length >= long.length * 0.6;
}

/**
 * The runs of a title before and after each separator ("A | B | C" → "A", "A | B", "B | C", "C") that
 * are long enough to be a headline: a heading equal to one of them is the headline and the rest is a
 * site or section name that nothing else on the page spells out (Readability's rule for <title>).
 */
function pieces(title: string): string[] {
  if (title.length > 300) return [];
  const re = new RegExp(SEPARATOR.source, 'g');
  const out: string[] = [];
  for (const m of title.matchAll(re)) {
    if (!m.index) continue;
    out.push(title.slice(0, m.index), title.slice(m.index + m[0].length));
  }
  return out.filter((p) => p.trim().split(/\s+/).length >= 3 || key(p).length >= 10);
}

type El = ReturnType<Doc['querySelector']> & object;
const KICKER_PART = /kicker|eyebrow|overline|label|flag|badge|rubric|category|dachzeile|surtitre/i;

/**
 * A heading's text without the kicker the markup nests in it (<h1><span class="kicker">Exclusive</span>
 * Headline</h1>), with a space at element boundaries so nothing is glued ("ExclusiveHeadline").
 */
function headingText(el: El): string {
  const without = spacedText(el, true);
  // A "kicker" class on the element that holds the whole headline: keep it.
  return without.split(/\s+/).length >= 2 ? without : spacedText(el, false);
}

function spacedText(el: El, skipKickers: boolean): string {
  let out = '';
  const walk = (node: El) => {
    for (const child of node.childNodes) {
      if (child.nodeType === 3) out += child.textContent ?? '';
      else if (child.nodeType === 1) {
        const c = child as unknown as El;
        if (/^(SCRIPT|STYLE|SVG|BUTTON)$/.test(c.tagName) || (skipKickers && KICKER_PART.test(c.getAttribute('class') ?? ''))) continue;
        out += ' ';
        walk(c);
        out += ' ';
      }
    }
  };
  walk(el);
  return cleanInline(out.replace(/\s+/g, ' '));
}

/** Candidate main headings: every h1, then h2s marked as the title (class/itemprop/testid). */
export function mainHeadings(document: Doc): string[] {
  const out: string[] = [];
  const push = (el: El | null | undefined) => {
    const text = el ? headingText(el) : '';
    if (text && text.length <= 300 && !out.includes(text)) out.push(text);
  };
  for (const h of document.querySelectorAll('h1')) push(h as El);
  for (const h of document.querySelectorAll(
    '[itemprop="headline"], [class*="headline" i], [class*="title" i], [data-testid*="headline" i], [data-testid*="title" i]',
  )) {
    if (/^H[1-4]$/.test(h.tagName)) push(h as El);
  }
  return out;
}

export function chooseTitle(signals: TitleSignals, headings: string[]): string | undefined {
  const isSite = siteMatcher(signals.siteNames, signals.pageUrl);
  const others = new Set(signals.otherNames.filter((n): n is string => Boolean(n?.trim())).map(compact));
  const isName = (part: string) => isSite(part) || others.has(compact(part)) || /^by\s+\S/i.test(part.trim()) || /^medium$|^substack$/i.test(part.trim());
  const usable = (t: string | undefined): t is string => {
    if (!t) return false;
    const c = compact(t);
    return c.length > 0 && !GENERIC.test(t.trim()) && !isSite(t) && !others.has(c) && !(signals.description && compact(signals.description) === c);
  };
  const cleaned = (t: string | undefined) => (t ? stripNameParts(t, isName) : undefined);

  const metaTitles = signals.metaTitles.map(cleaned).filter(usable);
  const docTitle = cleaned(signals.documentTitle);
  const headingsOk = headings.filter(usable);
  // A heading that agrees with a metadata title (or, without metadata, with <title>) is the cleanest form
  // of the headline (no site name, no kicker); it is preferred only when it is not the longer of the two.
  const references = metaTitles.length ? metaTitles : usable(docTitle) ? [docTitle] : [];
  for (const reference of references) {
    const heading = headingsOk.find((h) => agrees(h, reference)) ?? headingsOk.find((h) => pieces(reference).some((p) => agrees(h, p)));
    if (heading) return heading.length <= reference.length ? heading : reference;
  }
  // No metadata title agrees with any heading, but <title> does: two signals against one. The metadata
  // then names a section or channel ("Business Monday", "Allergies Health Center"), not the article.
  if (metaTitles.length && usable(docTitle)) {
    const heading = headingsOk.find((h) => agrees(h, docTitle));
    if (heading) return heading.length <= docTitle.length ? heading : docTitle;
  }
  // Readability's rule: a <title> under 15 characters says little ("x", "Home"); a single h1 says more.
  if (!metaTitles.length && references.length && references[0]!.length < 15 && signals.h1Count === 1 && headings[0] && headingsOk[0] === headings[0])
    return headings[0];
  if (references.length) return references[0];
  // <title> unusable (site name, "Home") and no metadata: a headline-marked heading or the only h1.
  if (documentTitle(signals.documentTitle, isName)) return documentTitle(signals.documentTitle, isName);
  return headingsOk[0];
}

/** The <title> part that is not a name, when the whole title was only a site name plus a generic word. */
function documentTitle(title: string | undefined, isName: (part: string) => boolean): string | undefined {
  if (!title) return undefined;
  const parts = title
    .split(SEPARATOR)
    .map((p) => p.trim())
    .filter(Boolean);
  const rest = parts.filter((p) => !isName(p) && !GENERIC.test(p));
  return parts.length > 1 && rest.length === 1 && rest[0]!.split(/\s+/).length >= 3 ? rest[0] : undefined;
}
