import { cleanInline, parseDate, type ParsedMeta } from './blocks.ts';
import { findDateIn } from './dates.ts';
import { inEventDetails } from './html-date.ts';
import { inChrome, type Doc } from './dom.ts';
import { agrees } from './html-title.ts';
import { spacedText } from './html-authors.ts';
import { readMetaLine } from './text.ts';

type El = ReturnType<Doc['querySelector']> & object;

/**
 * The lines between the headline and the first paragraph of body text, read like the header of pasted
 * text ("Posted by <b>Name</b> on 12 June 2021", "Jane Doe | 3 March 2024"): the fallback for pages
 * whose byline and date carry no markup a selector could find.
 */
export function headerZoneMeta(document: Doc, title: string | undefined): ParsedMeta {
  const found: ParsedMeta = {};
  if (!title) return found;
  const all = [...document.querySelectorAll('h1, h2, h3, p, div, span, time, li, address, small, em, b, strong, tr, dd, dt')] as El[];
  const start = all.findIndex((el) => /^H[1-3]$/.test(el.tagName) && agrees(cleanInline(el.textContent ?? ''), title));
  if (start < 0) return found;
  let examined = 0;
  // Bounded: the header zone is a handful of lines, and untrusted markup may nest thousands of wrappers.
  for (const el of all.slice(start + 1, start + 80)) {
    if (inChrome(el, ['NAV', 'ASIDE', 'FOOTER', 'FIGURE', 'FIGCAPTION']) || el.querySelector('p, div, li, h1, h2, h3')) continue;
    // A small details table ("Date of publication | 19/03/2024") is header; an infobox or a data table
    // ("Date | 1–3 July 1863", a timeline) describes the subject, not the page.
    if (inEventDetails(el)) continue;
    if (el.tagName === 'TR' || el.tagName === 'DD' || el.tagName === 'DT') {
      const table = el.closest('table, dl');
      if (table && (/infobox|wikitable|sidebar|navbox/i.test(table.getAttribute('class') ?? '') || table.querySelectorAll('tr, dt').length > 6)) continue;
    }
    // Spaced at element boundaries: "<span>By X</span><span>Published: …</span>" is not "By XPublished: …".
    const text = spacedText(el);
    if (!text) continue;
    // The first paragraph of body text ends the header zone.
    if (text.length > 200 || /^H[1-3]$/.test(el.tagName) || ++examined > 8) break;
    if (text.length <= 160) {
      readMetaLine(text, found);
      // A CJK source line carries its labels mid-line: "2024-08-21 09:32　来源：Site　作者：Name".
      const cjk =
        /(?:^|[\s\u3000])(?:作者|记者|記者|撰文|文)[:：]\s*([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}·・ ]{2,12}?)(?=[\s\u3000|｜]|$)/u.exec(text);
      if (cjk && !found.authors?.length) found.authors = [cjk[1]!.trim()];
      if (cjk) found.publishedAt ??= findDateIn(text, parseDate)?.iso;
    }
    if (found.publishedAt && found.authors?.length) break;
  }
  return found;
}
