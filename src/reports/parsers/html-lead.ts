import { parseDate, type Block } from './blocks.ts';
import { findDateIn } from './dates.ts';
import { agrees, compact } from './html-title.ts';

/**
 * The article header that extraction keeps above the body: a kicker ("Opinion", "Wirtschaft", "Spring
 * 2023"), the headline itself, the subtitle, the byline, the date line, "8 min read", "From Openpedia,
 * the free encyclopedia". None of it is text of the article: left in, a kicker or a byline opens every
 * summary and hides the dateline of the real lead. Readability drops some of these by class name; this
 * drops the rest by what they say, only above the first paragraph of body text and only short lines.
 */
export interface HeaderFacts {
  title?: string;
  authors?: string[];
  /** og:description / meta description / the standfirst already kept. */
  descriptions: Array<string | undefined>;
  isSite: (text: string) => boolean;
}

const LABEL =
  /^(by|von|par|por|door|di|af|av|published|posted|updated|last updated|publié|publicado|publicada|pubblicato|veröffentlicht|aktualisiert|gepubliceerd|mis à jour|actualizado|submitted|date|datum|fecha|投稿日|公開日|更新日|掲載)\b/i;
const READING_TIME = /\b\d+\s*(min(ute)?s?|minuten|minutes)\s*(read|lesezeit|de lecture|de lectura)\b|\b(lesezeit|temps de lecture|tiempo de lectura)\b/i;
const SENTENCE_END = /[.!?…:;"”»)]$/;
/** Headings of an author list or author bios ("Authors", "About the author", "Autoren"). */
const AUTHORS_HEADING =
  /^(about )?(the )?(authors?|contributors?|autor(en|es|in)?|auteurs?|autori|über (den|die) autor(en|in)?|à propos de l'auteur|sobre (el|la|los) autor(es|a)?)$/i;

export function dropArticleHeader(blocks: Block[], facts: HeaderFacts): { blocks: Block[]; subtitle?: string } {
  const names = (facts.authors ?? []).map(compact).filter((n) => n.length >= 3);
  const descriptions = facts.descriptions.filter((d): d is string => Boolean(d && d.length > 20));
  const mentionsAuthor = (text: string) => names.some((n) => compact(text).includes(n));
  const isDateLine = (text: string) => {
    const found = findDateIn(text, parseDate);
    // A short lead that opens with a date ("On 3 March 2024, the minister resigned.") is a sentence.
    return Boolean(
      found && (LABEL.test(text) || found.text.length >= text.length * 0.5 || (found.text.length >= text.length * 0.2 && !SENTENCE_END.test(text))),
    );
  };
  /** "From Openpedia, the free encyclopedia", "NBN News, Tbilisi": a line that names the site. */
  const siteLine = (text: string) =>
    text.length <= 80 &&
    !SENTENCE_END.test(text) &&
    text.split(/[,|·•–—]/).some((part) => facts.isSite(part.trim().replace(/^(from|von|aus|de|du|da)\s+/i, '')));
  /** A byline or a labelled date line: header wherever it sits among the first blocks. */
  const bylineLine = (text: string) => text.length <= 160 && (mentionsAuthor(text) || (isDateLine(text) && (LABEL.test(text) || !SENTENCE_END.test(text))));
  /** Certainly header: byline, date line, reading time, site-name line, a label. */
  const headerLine = (text: string) =>
    text.length <= 160 &&
    (bylineLine(text) || isDateLine(text) || READING_TIME.test(text) || siteLine(text) || (LABEL.test(text) && text.length <= 60 && !SENTENCE_END.test(text)));
  /** A kicker or a field label ("Opinion", "Spring 2023", "From:"). */
  const kicker = (text: string) => text.length <= 40 && text.split(/\s+/).length <= 4 && (!SENTENCE_END.test(text) || /^\p{L}+:$/u.test(text));
  /** A subtitle or standfirst: header only when a byline or date line follows it. */
  const subtitleLike = (text: string) => text.length <= 300 && (descriptions.some((d) => agrees(d, text)) || (text.length <= 200 && !SENTENCE_END.test(text)));

  let out = [...blocks];
  // A heading that is the headline, preceded only by short kicker lines: all of it goes.
  const titleAt = facts.title ? out.slice(0, 6).findIndex((b) => b.kind === 'heading' && agrees(b.text, facts.title!)) : -1;
  if (titleAt >= 0 && out.slice(0, titleAt).every((b) => b.text.length <= 120 && b.kind !== 'heading')) out = out.slice(titleAt + 1);

  let subtitleAt = -1;
  let header = 0;
  for (let i = 0; i < Math.min(out.length, 8); i++) {
    const b = out[i]!;
    if (b.kind !== 'paragraph') break;
    if (headerLine(b.text) || kicker(b.text)) {
      header = i + 1;
      continue;
    }
    if (subtitleLike(b.text)) {
      if (subtitleAt < 0) subtitleAt = i;
      continue;
    }
    break;
  }
  // Keep at least one paragraph: a page whose whole text looks like a header is left as it is.
  let subtitle: string | undefined;
  if (header > 0 && out.slice(header).some((b) => b.kind === 'paragraph')) {
    if (subtitleAt >= 0 && subtitleAt < header) subtitle = out[subtitleAt]!.text;
    out = out.slice(header);
  }
  // A byline that extraction left under a standfirst it could not tell from the lead.
  const late = out.slice(0, 4).findIndex((b, i) => i > 0 && b.kind === 'paragraph' && bylineLine(b.text));
  if (late > 0 && out.slice(late + 1).some((b) => b.kind === 'paragraph')) out = out.filter((_b, i) => i !== late);

  // An "Authors" section (names with affiliations, or bios) is about the writers, not the article.
  const cleaned: Block[] = [];
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    if (b.kind === 'heading' && AUTHORS_HEADING.test(b.text.trim())) {
      let j = i + 1;
      while (j < out.length && out[j]!.kind === 'paragraph' && out[j]!.text.length <= 400) j++;
      const body = out.slice(i + 1, j);
      if (body.length <= 8 && (body.length === 0 || body.some((p) => mentionsAuthor(p.text)))) {
        i = j - 1;
        continue;
      }
    }
    cleaned.push(b);
  }
  return { blocks: cleaned.some((b) => b.kind === 'paragraph') ? cleaned : out, subtitle };
}
