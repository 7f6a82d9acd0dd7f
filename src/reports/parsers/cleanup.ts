import { parseDate, type Block } from './blocks.ts';

/**
 * Boilerplate removal shared by every format. These are general rules about what publisher chrome looks
 * like (calls to action addressed to the reader, share bars, syndication footers, author bios, trailing
 * "related" lists, cookie banners, image credits), not matches on any one publisher's wording.
 */

export interface CleanupResult {
  blocks: Block[];
  /** Image captions and credit lines pulled out of the body. */
  captions: string[];
  /** Publisher name read from removed chrome ("appeared first on X", "© 2025 X"), if any. */
  sourceHint?: string;
  /** Human-readable list of what was removed and why (debug logging, tests). */
  removed: Array<{ rule: string; text: string }>;
}

const ADDRESSES_READER = /\b(you|your|yourself|we|us|our)\b/i;

/** Verbs and phrases of a call to action asking for money or a sign-up. */
const APPEAL_CUES: RegExp[] = [
  /\bdonat(e|ion|ions|ing)\b/i,
  /\bsubscri(be|bing|ption)\b/i,
  /\bsign[ -]?up\b/i,
  /\bnewsletter\b/i,
  /\b(become|join) (a |our )?(member|patron|supporter|subscriber)s?\b/i,
  /\bpatreon\b|\bbuy me a coffee\b|\bko-fi\b/i,
  /\bsupport (us|our|independent|the work)\b/i,
  /\b(one-time|monthly|yearly|annual) (contribution|donation|gift)\b/i,
  /\bcontribut(e|ion)\b/i,
  /\b(now is your chance|don'?t miss|click here|join us)\b/i,
  /\bunlock\b.*\b(access|content|reports?)\b/i,
  /\bpaywall\b|\bpremium (content|access|subscribers?)\b/i,
];
/** A single cue that is unmistakably a call to action. */
const STRONG_APPEAL =
  /\b(donate now|subscribe now|subscribe today|subscribe for free|thanks for reading|upgrade to paid|become a paid subscriber|sign up (now|today|for (free|our|the))|support us|become a (member|patron|subscriber)|subscribe to (our|the|my)\b[\p{L}\p{N}' -]{0,40}\bnewsletter|(sign up|subscribe) to [\p{L}\p{N}' -]{0,40}, (our|the|a) [\p{L} -]{0,30}newsletter|(get|delivered|straight) (it |them |our [\p{L} ]{1,30})?(to|in|into) your inbox|make a donation|give now|forward (this|it)( email| newsletter| post)? to a (friend|colleague)|(subscribe|log ?in|sign in) to (continue|keep) reading|(for|available to) (paying )?subscribers only|already a subscriber)\b/iu;

function isAppeal(text: string): boolean {
  // An imperative call to action needs no pronoun ("Become a member…"), but only when short.
  if (STRONG_APPEAL.test(text) && (text.length < 300 || ADDRESSES_READER.test(text))) return true;
  if (!ADDRESSES_READER.test(text)) return false;
  const hits = APPEAL_CUES.filter((re) => re.test(text)).length;
  // Analysis can mention donations or subscriptions; an appeal talks to the reader AND stacks cues.
  return hits >= 2 && (text.length < 900 || /!|\bnow\b/i.test(text));
}

const SOCIAL =
  /\b(facebook|twitter|x\.com|linkedin|whatsapp|telegram|reddit|email|e-mail|print|pinterest|tumblr|pocket|mastodon|bluesky|threads|copy link)\b/gi;

function isSharePrompt(text: string): boolean {
  if (text.length > 200) return false;
  if (/^(share|share this|share on|share via|share article|click to share|tweet this|follow us|like us|spread the word)\b/i.test(text)) return true;
  if (/^(like this|share this)\s*:/i.test(text)) return true;
  // A line made (almost) only of social network names is a share bar.
  const socials = text.match(SOCIAL)?.length ?? 0;
  const words = text.split(/\s+/).filter(Boolean).length;
  return socials >= 2 && socials >= words * 0.6;
}

const SYNDICATION =
  /^(the post .+ appeared first on .+|this (post|article|piece|analysis|report|story) (was )?(originally |first )+(published|appeared|posted)\b.*|originally (published|posted) (at|on|by|in)\b.*|.{1,200}? was (originally|first) (published|posted) (in|on|at|by) .{2,200}|(a version of )?this (post|article|piece|analysis|commentary|essay|op-ed) (is|was) (republished|reprinted|cross-posted|adapted) .{2,200})$/i;

/** Publisher disclaimers: about the text, not part of the analysis. */
const DISCLAIMER =
  /^(disclaimer\s*:|the (views|opinions|analysis) (expressed|presented|contained) (in this|here|herein|in the)\b|(the )?(views|opinions) expressed (here |herein )?are (those of|the author|solely)|this (article|commentary|analysis|paper|report) (reflects|represents|presents) (only )?the (personal )?(views|opinions))/i;

/** A one-line source list at the end ("Sources: Reuters, AFP, Interfax"). */
const SOURCES_LINE = /^(sources?|references?|notes?|bibliography|further reading|data)\s*:\s*\S/i;

/** Page numbers and running footers left by text copied out of a PDF. */
const PAGE_FURNITURE = /^((page|p\.)\s*\d{1,4}(\s*(of|\/)\s*\d{1,4})?|\d{1,4}\s*(of|\/)\s*\d{1,4}|\d{1,4}|-\s*\d{1,4}\s*-)$/i;

/** "Figure 1: …", "Table 2. …", "Map 3 — …": a caption for something not in the text. */
const FIGURE_CAPTION = /^(figure|fig\.|table|chart|map|graph|graphic|exhibit|infographic|image)\s*\d{1,3}[a-z]?\s*[.:—–-]\s*\S/i;

const COOKIE = /\b(we use cookies|uses cookies|use of cookies|cookie (policy|settings|preferences|consent)|accept (all )?cookies|manage cookies)\b/i;

const CREDIT =
  /(\((?:photo|image|picture|credits?|source|foto)\s*:|^(?:photo|image|picture|credits?|foto|photograph|illustration)\s*(?:credit)?\s*[:\-–—]|\bvia wikimedia commons\b|\bcc by(?:-sa|-nd|-nc)*\s*\d|\b(?:getty images|shutterstock|afp photo|reuters\/|ap photo|alamy|istock)\b|©\s*\w)/i;

function isCredit(text: string): boolean {
  return text.length < 320 && CREDIT.test(text) && !/[.!?]["”’]?\s+[A-Z][^()]{60,}/.test(text.replace(/\([^)]*\)/g, ''));
}

const TRAIL_HEADING =
  /^(related( posts| articles| stories| content| reading| reports)?|read more|read next|more (from|on|in|like this|stories|articles)\b.*|you (may|might) also (like|be interested in|enjoy)|recommended( for you| reading| articles)?|further reading|popular( posts| articles)?|latest( posts| articles| news)?|most read|trending( now)?|tags?|filed under|categories|comments?|leave a (reply|comment)|\d+ comments?|similar (posts|articles)|explore more on these topics|more on this (story|topic)|topics|reuse this content|most popular|in (this|the same) series|read the full (report|paper)|download (the )?(full )?(report|pdf))\s*:?$/i;

const ADVERT =
  /^(subscribe|subscribed|sign up|sign in|log in|share|share this post|reply|donate|follow|follow us|like|upvote|listen now|watch now|get the app|open in app|posted (via|from|with) [\w. ]{2,30}|reuse this content|skip (to|past) (main )?(content|advertisement)|advertisement|advertisements|sponsored( content)?|ad|continue reading( below)?|scroll to continue|story continues below( advertisement)?|loading\.{3}|like loading\.{3}|print this page|print friendly, pdf & email)$/i;

const COPYRIGHT = /^(©|\(c\)|copyright\b).{0,200}$|all rights reserved\.?$/i;

const ABOUT_AUTHOR = /^(about the authors?|about (him|her|them)|author bio(graphy)?|the authors?|author|biography|about)\s*:?$/i;

const INLINE_READ_MORE = /^(read more|read also|see also|also read|related|read|watch|listen)\s*[:|»›>-]\s*\S.{0,200}$/i;

/** A byline left in the body ("By Jane Doe and John Roe", "Written by …"): metadata, not content. */
const BYLINE =
  /^([Bb]y|[Ww]ritten by|[Ww]ords by|[Tt]ext by|[Aa]nalysis by)\s+\p{Lu}[\p{L}.'’-]+(\s+\p{Lu}?[\p{L}.'’-]+){0,4}((\s*,\s*|\s+and\s+|\s*&\s*)\p{Lu}[\p{L}.'’-]+(\s+\p{Lu}?[\p{L}.'’-]+){0,4})*\s*([|•·,–—-].{0,60})?$/u;

/** Lines that are chrome wherever they appear (used by the text parser to skip a leading banner). */
export function isBoilerplateLine(text: string): boolean {
  return (COOKIE.test(text) && text.length < 600) || isSharePrompt(text) || ADVERT.test(text);
}

export function cleanupBlocks(input: Block[], opts: { authors?: string[] } = {}): CleanupResult {
  const removed: CleanupResult['removed'] = [];
  const captions: string[] = [];
  const drop = (rule: string, text: string) => removed.push({ rule, text });
  const blocks: Block[] = [];

  const authors = opts.authors ?? [];
  for (const [index, block] of input.entries()) {
    const text = block.kind === 'paragraph' ? stripFootnoteMarkers(block.text.trim()) : block.text.trim();
    if (!text) continue;
    if (block.kind === 'paragraph' && isAppeal(text)) drop('appeal', text);
    else if (isSharePrompt(text)) drop('share', text);
    else if (text.length < 400 && (SYNDICATION.test(text) || /\bappeared first on\b/i.test(text))) drop('syndication', text);
    else if (COOKIE.test(text) && text.length < 600) drop('cookie', text);
    else if (ADVERT.test(text)) drop('advert', text);
    else if (block.kind === 'paragraph' && INLINE_READ_MORE.test(text) && text.length < 220) drop('read-more', text);
    else if (COPYRIGHT.test(text) && text.length < 200) drop('copyright', text);
    else if (block.kind === 'paragraph' && text.length < 160 && !/[.!?]$/.test(text) && (BYLINE.test(text) || (index < 6 && isAuthorLine(text, authors))))
      drop('byline', text);
    else if (block.kind === 'heading' && text.length < 80 && isAppeal(text)) drop('appeal', text);
    else if (PAGE_FURNITURE.test(text)) drop('page-furniture', text);
    else if (text.length < 600 && DISCLAIMER.test(text)) drop('disclaimer', text);
    else if (block.kind === 'paragraph' && text.length < 400 && index >= input.length - 4 && SOURCES_LINE.test(text)) drop('references', text);
    else if (index < 8 && block.kind === 'paragraph' && isDateOrReadingLine(text)) drop('dateline', text);
    else if (isCredit(text) || (block.kind === 'paragraph' && FIGURE_CAPTION.test(text) && text.length < 320)) {
      captions.push(text);
      drop('caption', text);
    } else blocks.push({ kind: block.kind, text });
  }

  cutReferenceSections(blocks, drop);
  cutTrailingChrome(blocks, drop, authors);
  return { blocks, captions, removed, sourceHint: sourceHint(removed) };
}

function sourceHint(removed: CleanupResult['removed']): string | undefined {
  for (const { rule, text } of removed) {
    const m =
      rule === 'syndication'
        ? (/appeared first on\s+(.{2,60}?)\.?\s*$/i.exec(text) ?? /was (?:originally|first) published in\s+(.{2,60}?)\s+on Medium\b/i.exec(text))
        : rule === 'copyright'
          ? /^(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*([^.|]{2,60}?)\.?\s*(?:all rights reserved\.?)?$/i.exec(text)
          : null;
    if (m?.[1] && !/^(the )?author/i.test(m[1])) return m[1].trim();
  }
  return undefined;
}

/** Removes trailing "Related Posts"/"Read more"/bio/copyright material that follows the article. */
function cutTrailingChrome(blocks: Block[], drop: (rule: string, text: string) => void, authors: string[]): void {
  // A trail heading starts chrome when nothing substantial (a long prose paragraph) follows it.
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const isTrail = TRAIL_HEADING.test(b.text) && b.text.length < 60;
    const isBio = ABOUT_AUTHOR.test(b.text) && b.text.length < 40;
    if (!isTrail && !isBio) continue;
    const rest = blocks.slice(i + 1);
    const substantial = rest.filter((r) => r.kind === 'paragraph' && r.text.length > 200).length;
    if (isBio ? rest.filter((r) => r.kind === 'heading').length === 0 : substantial === 0) {
      for (const r of blocks.splice(i)) drop(isBio ? 'bio' : 'trail', r.text);
      break;
    }
  }
  // Trailing copyright lines, and an author-bio paragraph at the very end ("Jane Doe is a senior fellow at…").
  while (blocks.length) {
    const last = blocks[blocks.length - 1]!;
    if (COPYRIGHT.test(last.text)) drop('copyright', blocks.pop()!.text);
    else if (isBioParagraph(last.text, authors) && blocks.length > 1) drop('bio', blocks.pop()!.text);
    else if (last.kind === 'heading') drop('dangling-heading', blocks.pop()!.text);
    else break;
  }
}

function isBioParagraph(text: string, authors: string[]): boolean {
  if (text.length > 700) return false;
  const bioVerb =
    /^\s*(?:[A-Z][\w'’.-]+\s+){1,4}(is|was|has been|serves as|works as)\s+(an?|the)\s+[^.]{0,120}\b(fellow|analyst|researcher|director|professor|journalist|editor|contributor|correspondent|writer|author|expert|associate|consultant|lecturer|scholar|student|founder|head|officer|specialist)\b/;
  if (!bioVerb.test(text)) return false;
  if (authors.length === 0) return /\b(fellow|analyst|researcher|professor|journalist|contributor|editor)\b/i.test(text);
  return authors.some((a) => {
    const surname = a.trim().split(/\s+/).pop();
    return surname ? text.slice(0, 80).includes(surname) : false;
  });
}

/**
 * Footnote reference markers in running text ("…in 2014.[3]", "…ports.12 The…", "…Crimea.¹"): they are
 * noise to a summary and break sentence splitting. Only markers glued to a word's final punctuation or in
 * brackets are removed, so numbers that are content ("1.5 million", "Resolution 2231") stay.
 */
export function stripFootnoteMarkers(text: string): string {
  if (!/[\[\u00b9\u00b2\u00b3\u2070-\u2079]|[.,;:!?"”’)]\d/.test(text)) return text;
  return text
    .replace(/\s?\[(?:\^|fn|note\s?)?\d{1,3}(?:[,–-]\s?\d{1,3})*\]/gi, '')
    .replace(/[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+/g, '')
    .replace(/(\p{Ll}{2}[.,;:!?"”’)])\d{1,3}(?=\s+["“‘(]?\p{Lu}|\s*$)/gu, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** "Jane Doe", "Jane Doe in Kyiv", "JANE DOE · 3 March 2024": a line that only names the known author(s). */
function isAuthorLine(text: string, authors: string[]): boolean {
  if (!authors.length || text.length > 120) return false;
  let rest = text.toLowerCase();
  for (const author of authors) rest = rest.replace(author.toLowerCase(), ' ');
  if (rest === text.toLowerCase()) return false;
  // Left over: joiners, a dateline place ("in Kyiv"), a date or reading time; nothing sentence-like.
  rest = rest
    .replace(/\b(by|and|in [\p{L} ,.'-]{2,40}|\d+ min(ute)?s? read|updated|published|on)\b/gu, ' ')
    .replace(/[\d\s,.|•·:&–—-]+/g, ' ')
    .trim();
  return rest.split(/\s+/).filter(Boolean).length <= 2 && !/[.!?]$/.test(text);
}

const REFERENCE_HEADING =
  /^(notes|endnotes|end ?notes|footnotes|references|sources|sources and notes|notes and (references|sources)|bibliography|works cited|citations|reference list|literature)\s*:?$/i;

/** A citation line: numbered/bracketed entry, a URL or DOI, a page reference, "Ibid.". */
function isCitation(text: string): boolean {
  return (
    /^(\[\d{1,3}\]|\(?\d{1,3}[.)]\s|\d{1,3}\s+\p{Lu}|\^|[\u00b9\u00b2\u00b3\u2070-\u2079]|ibid\b|op\.? cit|see\b|cf\.)/iu.test(text) ||
    /https?:\/\/|www\.|\bdoi\b|\bpp?\.\s?\d|\baccessed\b|\bretrieved\b/i.test(text) ||
    (text.length < 400 && /\b(19|20)\d{2}\b/.test(text) && /["“”,]/.test(text))
  );
}

/**
 * Removes "Notes" / "References" / "Endnotes" / "Sources" sections: reference lists are not analysis, and a
 * summariser or actor extractor reading them would pick up citation titles and cited authors. The section
 * runs until the next heading that introduces real prose (e.g. an appendix), else to the end.
 */
function cutReferenceSections(blocks: Block[], drop: (rule: string, text: string) => void): void {
  for (let i = 0; i < blocks.length; i++) {
    if (!REFERENCE_HEADING.test(blocks[i]!.text) || blocks[i]!.text.length > 40) continue;
    const first = blocks[i + 1];
    // "Sources" followed by ordinary prose is a section about sources, not a reference list.
    if (!first || (first.kind === 'paragraph' && first.text.length > 200 && !isCitation(first.text))) continue;
    let end = i + 1;
    while (end < blocks.length) {
      const b = blocks[end]!;
      const next = blocks[end + 1];
      if (b.kind === 'heading' && !REFERENCE_HEADING.test(b.text) && next && next.kind === 'paragraph' && next.text.length > 200 && !isCitation(next.text))
        break;
      end++;
    }
    for (const b of blocks.splice(i, end - i)) drop('references', b.text);
    i--;
  }
}

/** Dates, "Updated …", reading times and audio players that extraction leaves above the first paragraph. */
function isDateOrReadingLine(text: string): boolean {
  if (text.length > 90) return false;
  const bare = text
    .replace(/^(published|posted|updated|last updated|first published|date|on)\s*(on)?\s*[:\-–—]?\s*/i, '')
    .replace(/\s*[·•|]\s*\d{1,3}\s*min(ute)?s?\.?\s*read$/i, '')
    .trim();
  if (parseDate(bare)) return true;
  return /^(\d{1,3}\s*min(ute)?s?\.?\s*read|listen to (this|the) (article|story|episode)( \(\d+ min(ute)?s?\))?|listen|audio|play|\d{1,2}:\d{2}( min)?)$/i.test(
    text,
  );
}
