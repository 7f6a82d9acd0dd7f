import { cleanInline } from './hygiene.ts';

/**
 * Person names from any byline source (HTML, feeds, text headers). What a byline carries besides names
 * is removed or refused by general rules: written-by prefixes in several languages, affiliations in
 * brackets, honorifics, a dateline place ("David Smith in Washington"), job titles, social-network
 * labels, e-mail addresses and URLs, wire agencies and desks ("Associated Press", "Our Foreign Staff"),
 * placeholders ("admin", "Staff"), photo credits. ALL-CAPS names become Title Case.
 */

const HONORIFIC = /^(dr|prof|professor|mr|mrs|ms|mx|sir|dame)\.?\s+/i;
/** Job titles and affiliations that bylines list next to names ("Jane Doe, Senior Fellow"). */
const ROLE =
  /\b(fellow|director|analyst|researcher|correspondent|chair(man|woman|person)?|associate|programme|program|lecturer|candidate|intern|contributors?|editor|reporter|professor of|head of|senior|junior|deputy|adjunct|visiting|non-?resident|emerit(us|a)|institute|university|centre|center|department|ministry|staff writer|writer|columnist|ceo|cto|coo|cfo|founder|co-founder|president|manager|producer|photographer|journalist|redakteur(in)?|korrespondent(in)?|journaliste|periodista|corresponsal)\b/i;
/** Section kickers, placeholders and desks printed where a byline would be. */
const KICKER =
  /^(commentary|analysis|opinion|op-ed|report|article|news|briefing|brief|policy brief|insights?|podcast|explainer|feature|interview|essay|review|blog|update|research|perspective|editorial|in focus|special report|news ?wires?|wires|wire services?|(news )?agenc(y|ies)|newsroom|news desk|web desk|city desk|foreign desk|staff|unknown|admin|administrator|anonymous|guest|guest author|guest contributor|editor|editors|the editors|editorial (staff|team|board|desk)|webmaster|site admin|redaktion|la rédaction|rédaction|redacción|redazione|redação|redacao|redactie|redaktionen|toimitus|agencias|agences|agenturen|agenzie|agências|编辑部|編集部|記者)$/i;
/** Wire agencies and publishers' desks: they sign agency copy, they are not its authors. */
const WIRE =
  /^(the )?(associated press|ap|a\.p\.|reuters|thomson reuters|afp|agence france[- ]presse|dpa|deutsche presse-agentur|epd|kna|apa|sda|ansa|efe|europa press|xinhua|xinhua news agency|tass|ria novosti|interfax|kyodo( news)?|jiji( press)?|yonhap|pti|ians|ani|bernama|antara|anadolu( agency)?|aa|press association|pa( media| wire)?|upi|united press international|bloomberg( news)?|cnn( wire)?|bbc news|(ap|afp|reuters|bloomberg|cnn) staff|our (own |foreign |political |city |business |sports? |special |diplomatic |defence |defense |economics? )?(staff|correspondents?|reporters?|desk|team)|(foreign|political|city|business|sports?|news|staff) (staff|reporters?|writers?|desk|team|correspondents?)|by our staff|staff and agencies|agencies)$/i;
const DESK_TAIL = /\s(staff|team|newsroom|editors|reporters|correspondents|service|wires?|redaktion|rédaction|redacción|redação)$/i;
/** "Politics Desk", "Paris Bureau" on an article page: a desk signing for its paper (see html-authors.ts). */
export const DESK_NAME = /^\S.*\s(desk|bureau)$/i;
const SOCIAL =
  /^(twitter|x|facebook|linkedin|instagram|threads|bluesky|mastodon|tiktok|youtube|email|e-mail|mail|rss|follow|follow me|website|bio|more|profile|contact|@\S+)$/i;
const CREDIT = /^(photo(graph)?s?|image|illustration|picture|video|graphic|foto|bild)s?\s*(by\b|:|©)/i;

/** Written-by prefixes, most specific first; "Von"/"di" only where they cannot be part of a name. */
const PREFIXES = [
  /^\s*(?:(?:posted|submitted|written|published|reported|reporting|story|words|text|analysis|commentary|interview|photos?) by|by|ein beitrag von|par|por|door|przez|автор|著者|作者)\s*[:：]?\s+/i,
  /^\s*(?:بقلم|كتب|كتبت)\s*[:：]?\s*/u,
  /^\s*(?:text|texte|autor(?:in)?|authors?|auteur|文|投稿者|執筆者|筆者|著者|作者|記者|撰稿)\s*[:：]\s*/i,
  /^\s*[Vv]on\s+(?!der\b|dem\b|den\b)/,
  /^\s*(?:di|af|av)\s+(?=\p{Lu})/u,
];

export function stripBylinePrefix(value: string): string {
  let out = value;
  for (const prefix of PREFIXES) out = out.replace(prefix, '');
  return out;
}

/** Degrees and post-nominals printed after a name ("Priya Nair, MD", "Jane Doe PhD"). */
const CREDENTIAL = /^(md|m\.d\.|phd|ph\.d\.|mph|rn|do|dds|mba|msc|ma|bsc|frcp|dphil|llm|jd|cfa|esq\.?)$/i;

/** Splits on separators but keeps post-nominals with no name of their own out of the list. */
function withoutCredentials(names: string[]): string[] {
  return names.map((n) => n.replace(/,?\s+(M\.?D\.?|Ph\.?D\.?|MPH|RN|DDS|MBA|FRCP|DPhil)\.?$/, '')).filter((n) => !CREDENTIAL.test(n.trim()));
}

export function cleanAuthorNames(names: string[]): string[] {
  const out: string[] = [];
  for (const raw of withoutCredentials(names)) {
    let name = stripBylinePrefix(cleanInline(raw.replace(/\s+/g, ' ')).replace(/\s*[([][^)\]]*[)\]]\s*/g, ' ')).trim();
    if (CREDIT.test(name)) continue;
    name = name.replace(HONORIFIC, '');
    const dateline = /^(\p{Lu}[\p{L}'’.-]+(?:\s+\p{Lu}[\p{L}'’.-]+){1,3})\s+(?:in|aus|à|en|a)\s+\p{Lu}[\p{L}\s,.'’-]*$/u.exec(name);
    if (dateline) name = dateline[1]!;
    // A desk ahead of the name in Japanese bylines ("経済部　佐藤 健一"), "記者" after it.
    name = name
      .replace(/^[\p{Script=Han}\p{Script=Katakana}]{1,8}(?:部|支局|総局|局|本社)[\s\u3000]+/u, '')
      .replace(/[\s\u3000]*(記者|特派員|編集委員|撮影)$/u, '');
    // Korean and Chinese bylines: "김민준 기자", "特派记者 王伟".
    name = name.replace(/\s*(선임기자|기자|특파원|논설위원)$/u, '').replace(/^(特派记者|记者|本报记者)\s*/u, '');
    // Trailing agency, social labels or job title glued on by the markup ("Daniel Frost Associated Press").
    for (let guard = 0; guard < 4; guard++) {
      const words = name.split(/\s+/);
      const tailWire = words.length > 2 ? words.findIndex((_w, i) => i >= 2 && WIRE.test(words.slice(i).join(' '))) : -1;
      if (tailWire > 0) name = words.slice(0, tailWire).join(' ');
      else if (words.length > 2 && SOCIAL.test(words[words.length - 1]!)) name = words.slice(0, -1).join(' ');
      else {
        // "Gina Trapasso CEO", "Tanner Haley Senior National Writer": a job title after two or more name words.
        const role = words.findIndex((w, i) => i >= 2 && ROLE.test(w));
        if (role < 0) break;
        name = words.slice(0, role).join(' ');
      }
    }
    name = cleanInline(name.replace(/[,;:|–—-]+$/, ''));
    if (!name || name.length < 2 || name.length > 80) continue;
    // "Gazette Staff", "Editorial Team", "Times Newsroom": a placeholder named after its paper or beat.
    if (name.includes(' ') && DESK_TAIL.test(name)) continue;
    if (/@|https?:|www\.|\d/.test(name) || ROLE.test(name) || KICKER.test(name) || WIRE.test(name) || SOCIAL.test(name)) continue;
    if (/\p{Lu}{2}/u.test(name) && name === name.toUpperCase() && name.split(/\s+/).length > 1) {
      name = name.toLowerCase().replace(/(^|[\s'’-])(\p{Ll})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
    }
    out.push(name);
  }
  return out;
}
