import { STOP_WORDS } from '../text.ts';
import type { Token } from './gazetteer.ts';
import type { Segment } from './segments.ts';
import peopleData from './data/people.json' with { type: 'json' };
import { FOREIGN_ROLE_HEADS, FOREIGN_ROLE_MODIFIERS, functionWords } from './language.ts';

/**
 * People in analysis prose: capitalised name sequences (with particles, hyphens, initials and Jr./Sr.),
 * and the role and affiliation the text gives them on either side: "Chinese Minister of Defence Li
 * Shangfu", "Mali's junta leader Assimi Goïta", "Viktor Khrenin, the Belarusian Minister of Defence",
 * "Mark Rutte, Secretary-General of NATO". Vocabulary lives in data/people.json (English) and
 * data/languages.json (titles of the other supported languages). Kept in one file (~380 lines) because the
 * span reader and the two role readers share their token predicates.
 */

const ROLE_HEADS = new Set(peopleData.roleHeads);
export const ROLE_WORDS = new Set([...peopleData.roleHeads, ...peopleData.roleModifiers]);
const HONORIFICS = new Set(peopleData.honorifics);
export const PARTICLES = new Set(peopleData.particles);
export const SUFFIXES = new Set(peopleData.suffixes);
export const NOT_NAMES = new Set(peopleData.notNames.map((w) => w.toLowerCase()));
const TEMPORAL = new Set(
  'january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow now'.split(
    ' ',
  ),
);
const SPEECH_VERBS =
  /^(?:said|says|told|stated|announced|warned|argued|added|noted|claimed|declared|insisted|stressed|urged|called|wrote|tweeted|vowed|pledged|denied|accused|met|visited|signed|ordered|dijo|afirmó|declaró|aseguró|anunció|advirtió|sagte|erklärte|betonte|warnte|disse|afirmou|declarou|affirme|déclare|estime|заявил|сказал)$/iu;
/** Words that join a role phrase: "Minister of Foreign Affairs", "ministre des Affaires étrangères", "Chief of the General Staff". */
const CONNECTORS = /^(?:of|for|the|and|de|del|des|du|la|las|los|le|les|l'|d'|di|della|degli|dello|do|da|dos|das|der|für|y|et|e)$/i;
const ROMANCE = new Set(['fr', 'es', 'it', 'pt']);
/** Articles that may open an appositive role: "Viktor Khrenin, the …", "Emmanuel Macron, le …". */
const ARTICLES = /^(?:the|a|an|le|la|l'|el|il|lo|o|a|der|die|das)$/i;

/** Role vocabulary: English always, the other supported languages' titles when the report is in one of them. */
export function isRoleWord(lower: string, lang: string): boolean {
  return ROLE_WORDS.has(lower) || (lang !== 'en' && (FOREIGN_ROLE_HEADS.has(lower) || FOREIGN_ROLE_MODIFIERS.has(lower)));
}
function isRoleHead(lower: string, lang: string): boolean {
  return ROLE_HEADS.has(lower) || (lang !== 'en' && FOREIGN_ROLE_HEADS.has(lower));
}

/** Tokens k-1, k, k+1 form "word-word" written without spaces. */
function glued(tokens: Token[], dash: number): boolean {
  const a = tokens[dash - 1];
  const d = tokens[dash];
  const b = tokens[dash + 1];
  return !!a && !!d && !!b && d.text === '-' && a.word && b.word && a.end === d.start && d.end === b.start;
}

/** A hyphenated compound read whole ("Attorney-General", "Vice-President", "Commander-in-Chief"): [start, end). */
function compoundAt(tokens: Token[], k: number): { start: number; end: number; lower: string } {
  let start = k;
  while (glued(tokens, start - 1)) start -= 2;
  let end = k + 1;
  while (glued(tokens, end)) end += 2;
  const lower = tokens
    .slice(start, end)
    .map((t) => t.text)
    .join('')
    .toLowerCase();
  return { start, end, lower };
}

/** A compound is a role word when it is one whole or its last part is ("Attorney-General", "Vice-President"). */
function compoundRole(tokens: Token[], k: number, lang: string): { start: number; end: number; head: boolean } | undefined {
  const c = compoundAt(tokens, k);
  if (c.end - c.start === 1) return undefined;
  const parts = c.lower.split('-');
  const last = parts[parts.length - 1]!;
  const first = parts[0]!;
  if (isRoleWord(c.lower, lang) || isRoleWord(last, lang) || isRoleHead(first, lang)) {
    return { start: c.start, end: c.end, head: isRoleHead(c.lower, lang) || isRoleHead(last, lang) || isRoleHead(first, lang) };
  }
  return undefined;
}

export interface NameSpan {
  seg: number;
  start: number;
  end: number;
  tokens: string[];
  role?: string;
  affiliation?: string;
  /** Role or honorific found next to the name. */
  titled: boolean;
  speech: boolean;
  /** A single capitalised word opening the sentence. */
  initial?: boolean;
  /** Next to a capitalised non-name word ("Operation Prosperity Guardian"): part of another proper name. */
  embedded?: boolean;
}

/** Words of the text that appear in lower case somewhere: ordinary words, not names. */
export function lowercaseVocabulary(segments: Segment[]): Set<string> {
  const out = new Set<string>();
  for (const seg of segments) for (const t of seg.tokens) if (t.word && /^\p{Ll}/u.test(t.text)) out.add(t.text);
  return out;
}

/** Forms a later mention may use: the last name, or for East Asian order ("Li Shangfu", "Xi Jinping") the first. */
export function referenceKeys(tokens: string[]): string[] {
  const core = tokens.filter((t) => !SUFFIXES.has(t.replace(/\.$/, '')));
  const keys = [core[core.length - 1]!];
  if (core.length >= 2 && core.some((t) => t.length <= 3 && !PARTICLES.has(t.toLowerCase()))) keys.push(core[0]!);
  if (core.length === 3 && core[0]!.length <= 3) keys.push(core[0]!); // "Kim Jong Un" → "Kim"
  return [...new Set(keys)].filter((k) => k.length >= 2);
}

export function roleRank(span: NameSpan): number {
  const role = span.role!.toLowerCase();
  let rank = 1 + Math.min(role.split(' ').length, 4) * 0.1;
  if (/\b(?:president|prime minister|premier|chancellor|king|queen|emir|supreme leader|leader|sultan)\b/.test(role)) rank += 1;
  else if (/\bminister|secretary|chief|commander|general\b/.test(role)) rank += 0.6;
  if (span.affiliation) rank += 0.2;
  return rank;
}

function isNameToken(seg: Segment, k: number, lowercaseWords: Set<string>): boolean {
  const t = seg.tokens[k]!;
  if (!t.word || !t.cap || seg.entityAt[k]) return false;
  const lower = t.text.toLowerCase();
  if (NOT_NAMES.has(lower) || isRoleWord(lower, seg.lang) || HONORIFICS.has(lower) || STOP_WORDS.has(lower)) return false;
  if (seg.lang !== 'en' && functionWords(seg.lang).has(lower)) return false;
  if (lowercaseWords.has(lower)) return false;
  if (/^\p{Lu}{2,}$/u.test(t.text) && !SUFFIXES.has(t.text)) return false; // acronyms
  if (/\d/.test(t.text)) return false;
  if (/^\p{Lu}$/u.test(t.text)) return seg.tokens[k + 1]?.text === '.'; // initials "J."
  return true;
}

/** A short lower-case syllable joined by a hyphen with no spaces, right after a name word ("Ching-te"). */
function isHyphenatedSyllable(tokens: Token[], dash: number): boolean {
  const before = tokens[dash - 1];
  const dashToken = tokens[dash]!;
  const after = tokens[dash + 1];
  if (!before || !after || !after.word || after.cap) return false;
  if (before.end !== dashToken.start || dashToken.end !== after.start) return false;
  return /^\p{Ll}{1,4}$/u.test(after.text);
}

/** Maximal capitalised name sequences in a segment, with roles read from either side. */
export function nameSpans(seg: Segment, s: number, lowercaseWords: Set<string>): NameSpan[] {
  const out: NameSpan[] = [];
  const tokens = seg.tokens;
  const firstWord = tokens.findIndex((t) => t.word);
  for (let i = 0; i < tokens.length; i++) {
    if (!isNameToken(seg, i, lowercaseWords)) continue;
    let j = i;
    const words: string[] = [];
    while (j < tokens.length) {
      if (SUFFIXES.has(tokens[j]!.text) && words.length >= 2) {
        words.push(tokens[j]!.text + (tokens[j + 1]?.text === '.' ? '.' : ''));
        j += tokens[j + 1]?.text === '.' ? 2 : 1;
        break;
      }
      if (isNameToken(seg, j, lowercaseWords)) {
        words.push(tokens[j]!.text);
        j++;
        if (tokens[j]?.text === '.' && /^\p{Lu}$/u.test(tokens[j - 1]!.text)) j++; // initial's dot
        continue;
      }
      const lower = tokens[j]!.text.toLowerCase();
      if (PARTICLES.has(lower) && words.length > 0 && tokens[j + 1]?.text === '-' && isNameToken(seg, j + 2, lowercaseWords)) {
        words.push(`${tokens[j]!.text}-`);
        j += 2;
        continue;
      }
      if (PARTICLES.has(lower) && words.length > 0 && isNameToken(seg, j + 1, lowercaseWords)) {
        words.push(tokens[j]!.text);
        j++;
        continue;
      }
      if (tokens[j]!.text === '-' && words.length > 0 && isNameToken(seg, j + 1, lowercaseWords)) {
        words[words.length - 1] += '-';
        j++;
        continue;
      }
      // Hyphenated given names written with a lower-case second part: "Lai Ching-te", "Kim Jong-un", "Moon Jae-in".
      if (tokens[j]!.text === '-' && words.length > 0 && isHyphenatedSyllable(tokens, j)) {
        words[words.length - 1] += `-${tokens[j + 1]!.text}`;
        j += 2;
        continue;
      }
      break;
    }
    const joined = words.join(' ').replace(/- /g, '-').split(' ');
    const span: NameSpan = { seg: s, start: i, end: j, tokens: joined, titled: false, speech: false };
    // A capitalised sentence opener ("During", "Looking", but also "Goïta will …") counts only as a
    // reference to a person already known by full name.
    if (i === firstWord && joined.length === 1 && !titledBefore(tokens, i, seg.lang)) span.initial = true;
    span.embedded = seg.titleCase || isNameHead(tokens[i - 1]) || isNameHead(tokens[j]);
    readRoleBefore(seg, span);
    const before = { role: span.role, affiliation: span.affiliation };
    readRoleAfter(seg, span);
    // Keep the richer description: "Gen. Michael Kurilla, the head of U.S. Central Command".
    if (before.role && (!span.role || span.role === before.role || isRankOnly(span.role) || !isRankOnly(before.role))) {
      span.role = before.role;
      span.affiliation = before.affiliation ?? span.affiliation;
    }
    const next = tokens[j];
    span.speech = (!!next && SPEECH_VERBS.test(next.text)) || /^according to$/i.test(`${tokens[i - 2]?.text} ${tokens[i - 1]?.text}`);
    if (span.tokens.length > 6) span.tokens = span.tokens.slice(0, 6);
    out.push(span);
    i = j - 1;
  }
  return out;
}

/** A capitalised word that heads or ends a non-person proper name: "Operation", "Institute", "Doctrine". */
function isNameHead(t: Token | undefined): boolean {
  if (!t || !t.cap || !t.word) return false;
  const lower = t.text.toLowerCase();
  return NOT_NAMES.has(lower) && !ROLE_WORDS.has(lower) && !HONORIFICS.has(lower) && !TEMPORAL.has(lower);
}

function titledBefore(tokens: Token[], i: number, lang: string): boolean {
  const prev = tokens[i - 1];
  return !!prev && isRoleWord(prev.text.toLowerCase(), lang);
}

/** "[Affiliation] Role [,] Name": "Chinese Minister of Defence Li Shangfu", "Mali's junta leader Assimi Goïta". */
function readRoleBefore(seg: Segment, span: NameSpan): void {
  const tokens = seg.tokens;
  let k = span.start - 1;
  if (tokens[k]?.text === ',') k--;
  let roleEnd = k + 1;
  let affiliation: string | undefined;
  // "Secretary-General of NATO Mark Rutte": an organisation inside the role phrase is the affiliation.
  const ent = seg.entityAt[k];
  if (ent && ent.ref.type !== 'none' && ent.ref.via !== 'demonym' && /^(?:of|for|de|del|di|do|da|des|du)$/i.test(tokens[ent.start - 1]?.text ?? '')) {
    affiliation = ent.ref.name;
    k = ent.start - 1;
    roleEnd = k;
    k--;
  } else if (
    ent &&
    ent.ref.type === 'state' &&
    ent.ref.via === 'demonym' &&
    seg.lang !== 'en' &&
    isRoleWord(tokens[ent.start - 1]?.text.toLowerCase() ?? '', seg.lang)
  ) {
    // Romance word order: "le président russe Vladimir Poutine", "el presidente francés Emmanuel Macron".
    affiliation = ent.ref.name;
    k = ent.start - 1;
    roleEnd = k + 1;
  }
  let roleStart = -1;
  let sawHead = false;
  const lang = seg.lang;
  // "il presidente ucraino Volodymyr Zelensky": a lower-case adjective between title and name (Romance order).
  if (
    ROMANCE.has(lang) &&
    tokens[k]?.word &&
    /^\p{Ll}/u.test(tokens[k]!.text) &&
    !seg.entityAt[k] &&
    isRoleHead(tokens[k - 1]?.text.toLowerCase() ?? '', lang)
  ) {
    roleEnd = k;
    k--;
  }
  while (k >= 0) {
    const t = tokens[k]!;
    const lower = t.text.toLowerCase();
    if (seg.entityAt[k]) break;
    const prevLower = k > 0 ? tokens[k - 1]!.text.toLowerCase() : '';
    if (t.text === '.' && (isRoleWord(prevLower, lang) || HONORIFICS.has(prevLower))) {
      k--;
      continue;
    }
    const compound = t.word ? compoundRole(tokens, k, lang) : undefined;
    if (compound) {
      if (compound.head) sawHead = true;
      roleStart = compound.start;
      k = compound.start - 1;
      continue;
    }
    if (isRoleWord(lower, lang) || HONORIFICS.has(lower)) {
      if (isRoleHead(lower, lang) || HONORIFICS.has(lower)) sawHead = true;
      roleStart = k;
      k--;
      continue;
    }
    // "Chief of the General Staff", "Minister of Foreign Affairs": connectors inside a role phrase.
    if (CONNECTORS.test(lower) && roleStart !== -1) {
      let m = k;
      while (m >= 0 && CONNECTORS.test(tokens[m]!.text)) m--;
      if (m >= 0 && !seg.entityAt[m] && isRoleWord(tokens[m]!.text.toLowerCase(), lang)) {
        k = m;
        continue;
      }
    }
    if (t.cap && t.word && !seg.entityAt[k] && roleStart !== -1 && CONNECTORS.test(tokens[k - 1]?.text ?? '')) {
      roleStart = k;
      k--;
      continue;
    }
    break;
  }
  if (roleStart === -1 || !sawHead) return;
  span.titled = true;
  const roleTokens = tokens.slice(roleStart, roleEnd).filter((t) => t.text !== ',');
  const honorificOnly = roleTokens.every((t) => HONORIFICS.has(t.text.toLowerCase()) || t.text === '.');
  if (!honorificOnly) span.role = cleanRole(seg.text.slice(tokens[roleStart]!.start, tokens[roleEnd - 1]!.end));
  // Affiliation directly before the role: an entity, possibly possessive ("Mali's").
  let a = roleStart - 1;
  if (tokens[a]?.text.toLowerCase() === 'the') a--;
  if (tokens[a]?.text === "'s") a--;
  const aff = seg.entityAt[a];
  if (!affiliation && aff && aff.ref.type !== 'none' && aff.end === a + 1) affiliation = aff.ref.name;
  if (affiliation && span.role) span.affiliation = affiliation;
}

/** "Name, [the] [Affiliation('s)] Role[,.]": "Viktor Khrenin, the Belarusian Minister of Defence". */
function readRoleAfter(seg: Segment, span: NameSpan): void {
  const tokens = seg.tokens;
  let k = span.end;
  if (tokens[k]?.text !== ',') return;
  k++;
  if (ARTICLES.test(tokens[k]?.text ?? '')) k++;
  // "the group's leader", "the movement's spokesman"
  if (
    tokens[k + 1]?.text === "'s" &&
    /^(?:group|movement|party|organisation|organization|militia|junta|government|country|alliance|bloc|army)$/i.test(tokens[k]?.text ?? '')
  )
    k += 2;
  let affiliation: string | undefined;
  const ent = seg.entityAt[k];
  if (ent && ent.ref.type !== 'none') {
    affiliation = ent.ref.name;
    k = ent.end;
    if (tokens[k]?.text === "'s") k++;
  }
  const roleStart = k;
  let roleEnd = -1;
  let sawHead = false;
  const lang = seg.lang;
  while (k < tokens.length) {
    const lower = tokens[k]!.text.toLowerCase();
    const compound = tokens[k]!.word ? compoundRole(tokens, k, lang) : undefined;
    if (compound && compound.start === k) {
      if (compound.head) sawHead = true;
      k = compound.end;
      continue;
    }
    if (isRoleWord(lower, lang)) {
      if (isRoleHead(lower, lang)) sawHead = true;
      k++;
      continue;
    }
    // "président russe": a nationality adjective after the title (Romance word order) is the affiliation.
    const adj = seg.entityAt[k];
    if (adj && sawHead && lang !== 'en' && adj.ref.type === 'state' && adj.ref.via === 'demonym' && !affiliation) {
      affiliation = adj.ref.name;
      roleEnd = k;
      k = adj.end;
      continue;
    }
    if (/^(?:of|for|de|del|des|du|di|della|do|da)$/i.test(lower) && sawHead) {
      let m = k + 1;
      if (/^(?:the|la|las|los|le|les|l'|el|il|lo|o|a)$/i.test(tokens[m]?.text ?? '')) m++;
      const e = seg.entityAt[m];
      if (e && e.ref.type !== 'none') {
        // "Secretary of Defense of the United States": the entity is the affiliation, not part of the role.
        if (!affiliation) {
          affiliation = e.ref.name;
          if (tokens[e.end]?.text === ',' || tokens[e.end]?.text === '.' || e.end >= tokens.length) roleEnd = k;
        }
        m = e.end;
      }
      const startM = m;
      while (m < tokens.length && tokens[m]!.cap && tokens[m]!.word && !seg.entityAt[m]) m++;
      if (m === startM && !e) break;
      k = m;
      continue;
    }
    break;
  }
  if (!sawHead) return;
  const end = tokens[k];
  if (
    end &&
    ![',', '.', ';', ')', ':', 'and', 'said', 'who', 'et', 'y', 'e', 'qui', 'que', 'quien', 'und'].includes(end.text.toLowerCase()) &&
    !SPEECH_VERBS.test(end.text)
  )
    return;
  span.titled = true;
  const last = roleEnd > roleStart ? roleEnd : k;
  span.role = cleanRole(seg.text.slice(tokens[roleStart]!.start, tokens[last - 1]!.end).replace(/\s+of\s+(?:the\s+)?$/i, ''));
  if (affiliation) span.affiliation = affiliation;
}

const ABBREVIATED_RANKS: Record<string, string> = {
  gen: 'General',
  lt: 'Lieutenant',
  col: 'Colonel',
  adm: 'Admiral',
  capt: 'Captain',
  maj: 'Major',
  sen: 'Senator',
  rep: 'Representative',
  brig: 'Brigadier',
  sgt: 'Sergeant',
  cmdr: 'Commander',
  gov: 'Governor',
  pres: 'President',
};

function cleanRole(role: string): string {
  const cleaned = role
    .replace(/^(?:the|then|current)\s+/i, '')
    .replace(/[’']s$/, '')
    .replace(/\b(Gen|Lt|Col|Adm|Capt|Maj|Sen|Rep|Brig|Sgt|Cmdr|Gov|Pres)\.(?=\s|$)/g, (_, abbr: string) => ABBREVIATED_RANKS[abbr.toLowerCase()]!)
    .replace(/\s+/g, ' ')
    .trim();
  // "Supreme Leader Ayatollah", "Emir Sheikh": a religious or courtesy title after the office adds nothing.
  const trimmed = cleaned.replace(/\s+(?:Ayatollah|Sheikh|Sheikha|Imam|Mufti|Mullah|Rabbi|Sir|Dame|Mr|Mrs|Ms|Dr)\.?$/i, '');
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** A military rank or bare title that says less than a described office. */
function isRankOnly(role: string): boolean {
  return /^(?:General|Lieutenant|Colonel|Admiral|Captain|Major|Brigadier|Sergeant|Commander|Marshal|Lieutenant General|Major General|Brigadier General)$/i.test(
    role,
  );
}
