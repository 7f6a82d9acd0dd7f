import type { Report } from '../../reports/types.ts';
import type { Actor, ActorType } from '../types.ts';
import { reportSentences } from '../sentences.ts';
import { STOP_WORDS } from '../text.ts';
import { gazetteer, tokenize, type EntityMatch, type EntityRef, type Token } from './gazetteer.ts';
import peopleData from './data/people.json' with { type: 'json' };

/**
 * Key actors without a model: gazetteer matches for states, organisations and groups; people from
 * capitalised name sequences anchored by a role ("Chinese Minister of Defence Li Shangfu", "Viktor
 * Khrenin, the Belarusian Minister of Defence") or by repetition; surname coreference; salience from
 * mentions weighted by position, title/lead presence and role.
 */

export const ACTORS_ALGORITHM_VERSION = '2';

const MAX_ACTORS = 25;
const ROLE_HEADS = new Set(peopleData.roleHeads);
const ROLE_WORDS = new Set([...peopleData.roleHeads, ...peopleData.roleModifiers]);
const HONORIFICS = new Set(peopleData.honorifics);
const PARTICLES = new Set(peopleData.particles);
const SUFFIXES = new Set(peopleData.suffixes);
const NOT_NAMES = new Set(peopleData.notNames.map((w) => w.toLowerCase()));
const TOPIC_NOUNS = /^(?:conflict|war|crisis|invasion|file|issue|question|dossier|front|theatre|theater|campaign)$/i;
const TEMPORAL = new Set(
  'january february march april may june july august september october november december monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow now'.split(' '),
);
const SPEECH_VERBS =
  /^(?:said|says|told|stated|announced|warned|argued|added|noted|claimed|declared|insisted|stressed|urged|called|wrote|tweeted|vowed|pledged|denied|accused|met|visited|signed|ordered)$/i;

interface Segment {
  text: string;
  /** Body sentence index; -1 for the title, -2 for the standfirst. */
  index: number;
  tokens: Token[];
  entities: EntityMatch[];
  /** Token index → entity covering it. */
  entityAt: Array<EntityMatch | undefined>;
  /** A headline in title case (or capitals): no new people are found in it, only known ones. */
  titleCase: boolean;
}

interface Mention {
  seg: number;
  surface: string;
  weight: number;
  /** The name used attributively for a theatre or topic ("the Ukraine conflict"). */
  topic?: boolean;
}

interface Accumulator {
  name: string;
  type: ActorType;
  role?: string;
  roleRank: number;
  affiliation?: string;
  mentions: Mention[];
  evidence?: { seg: number; quality: number };
}

interface NameSpan {
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

export interface ActorOptions {
  /** Extra person detector (e.g. compromise), used by the benchmark to measure whether it helps. */
  personDetector?: (text: string) => string[];
}

export function extractActors(report: Report, options: ActorOptions = {}): Actor[] {
  const gaz = gazetteer();
  const segments = buildSegments(report);
  const lowercaseWords = lowercaseVocabulary(segments);
  const authorNames = new Set(report.authors.flatMap((a) => [a.toLowerCase(), a.split(/\s+/).pop()!.toLowerCase()]));
  const actors = new Map<string, Accumulator>();
  const get = (name: string, type: ActorType): Accumulator => {
    let a = actors.get(name);
    if (!a) actors.set(name, (a = { name, type, roleRank: 0, mentions: [] }));
    return a;
  };

  // 1. Gazetteer entities.
  segments.forEach((seg, s) => {
    for (const m of seg.entities) {
      if (m.ref.type === 'none') continue;
      const surface = seg.text.slice(seg.tokens[m.start]!.start, seg.tokens[m.end - 1]!.end);
      // "the Ukraine conflict", "the Syria file": the state names a theatre or topic there, not an actor.
      const asTopic = m.ref.type === 'state' && TOPIC_NOUNS.test(seg.tokens[m.end]?.text ?? '');
      get(m.ref.name, m.ref.type).mentions.push({ seg: s, surface, weight: mentionWeight(seg, m.ref) * (asTopic ? 0.4 : 1), topic: asTopic });
    }
  });

  // 2. People: name spans with roles, then decide who is a person.
  const spans = segments.flatMap((seg, s) => nameSpans(seg, s, lowercaseWords));
  const extra = options.personDetector ? new Set(segments.flatMap((seg) => options.personDetector!(seg.text))) : undefined;
  const fullNames = new Map<string, NameSpan[]>();
  for (const span of spans) {
    if (span.tokens.length < 2) continue;
    const key = span.tokens.join(' ');
    (fullNames.get(key) ?? fullNames.set(key, []).get(key)!).push(span);
  }
  const people = new Map<string, { spans: NameSpan[]; keys: string[] }>();
  const surnameOwners = new Map<string, string[]>();
  for (const [name, list] of fullNames) {
    if (authorNames.has(name.toLowerCase())) continue;
    const tokens = name.split(' ');
    const keys = referenceKeys(tokens);
    const singles = spans.filter((sp) => sp.tokens.length === 1 && keys.includes(sp.tokens[0]!)).length;
    const untitled = list.filter((sp) => !sp.embedded);
    const evidence =
      list.some((sp) => sp.titled || sp.speech) ||
      (untitled.length > 0 && untitled.length + singles >= 2) ||
      (extra?.has(name) ?? false);
    if (!evidence) continue;
    people.set(name, { spans: [...list], keys });
    for (const k of keys) surnameOwners.set(k, [...(surnameOwners.get(k) ?? []), name]);
  }
  // Titled single names ("President Lukashenko") join the one full name they match, or stand alone.
  for (const span of spans) {
    if (span.tokens.length !== 1) continue;
    const word = span.tokens[0]!;
    if (authorNames.has(word.toLowerCase())) continue;
    const owners = surnameOwners.get(word);
    if (owners?.length === 1) people.get(owners[0]!)!.spans.push(span);
    else if (!owners && span.titled && span.role) {
      const existing = people.get(word);
      if (existing) existing.spans.push(span);
      else people.set(word, { spans: [span], keys: [word] });
    }
  }
  for (const [name, { spans: list }] of people) {
    const acc = get(name, 'person');
    for (const sp of list) {
      const seg = segments[sp.seg]!;
      const surface = seg.text.slice(seg.tokens[sp.start]!.start, seg.tokens[sp.end - 1]!.end);
      acc.mentions.push({ seg: sp.seg, surface, weight: mentionWeight(seg) * (sp.tokens.length > 1 ? 1 : 0.9) });
      if (sp.role) {
        const rank = roleRank(sp);
        if (rank > acc.roleRank) {
          acc.roleRank = rank;
          acc.role = sp.role;
          if (sp.affiliation) acc.affiliation = sp.affiliation;
          acc.evidence = { seg: sp.seg, quality: 3 };
        } else if (!acc.affiliation && sp.affiliation) acc.affiliation = sp.affiliation;
      }
    }
  }

  // 3. Misspelt gazetteer names ("Minks" for Minsk): a lone capitalised word one edit from a name whose
  //    actor the text already mentions, which is not a person's name and is not an ordinary word.
  const personWords = new Set([...people.keys()].flatMap((n) => n.split(' ')));
  const wordCounts = new Map<string, number>();
  for (const seg of segments) for (const t of seg.tokens) if (t.cap) wordCounts.set(t.text, (wordCounts.get(t.text) ?? 0) + 1);
  for (const span of spans) {
    if (span.tokens.length !== 1 || span.titled || span.initial) continue;
    const word = span.tokens[0]!;
    if (word.length < 5 || personWords.has(word) || lowercaseWords.has(word.toLowerCase()) || (wordCounts.get(word) ?? 0) > 2) continue;
    const seg = segments[span.seg]!;
    if (span.start === 0) continue;
    const ref = gaz.fuzzy(word);
    if (!ref || ref.type === 'none' || !actors.has(ref.name)) continue;
    actors.get(ref.name)!.mentions.push({ seg: span.seg, surface: word, weight: mentionWeight(seg, ref) });
  }

  // 4. Rank.
  const result: Actor[] = [];
  for (const acc of actors.values()) {
    if (acc.mentions.length === 0) continue;
    if (acc.type === 'person' && authorNames.has(acc.name.toLowerCase())) continue;
    const distinct = new Set(acc.mentions.filter((m) => !m.topic).map((m) => m.seg)).size;
    let score = acc.mentions.reduce((sum, m) => sum + m.weight, 0) + 0.3 * distinct;
    if (acc.type === 'person' && acc.role) score += 0.5 + 0.25 * acc.roleRank;
    // Mentioned only as an adjective ("Chinese sources") is weaker evidence of an actor than a name.
    const named = acc.mentions.some((m) => !isDemonymMention(m.surface, acc));
    if (!named) score *= 0.6;
    const evidenceSeg = acc.evidence?.seg ?? pickEvidence(acc, segments);
    const aliases = [...new Set(acc.mentions.map((m) => m.surface))];
    const actor: Actor = {
      name: acc.name,
      type: acc.type,
      mentions: acc.mentions.length,
      aliases,
      evidence: segments[evidenceSeg]!.text,
      score: Math.round(score * 1000) / 1000,
    };
    if (acc.role) actor.role = acc.role;
    if (acc.affiliation && acc.affiliation !== acc.name) actor.affiliation = acc.affiliation;
    result.push(actor);
  }
  // A state or organisation also acts through the officials the text names for it.
  const byName = new Map(result.map((a) => [a.name, a]));
  const boost = new Map<string, number>();
  for (const a of result) {
    if (a.type !== 'person' || !a.affiliation) continue;
    if (byName.has(a.affiliation)) boost.set(a.affiliation, (boost.get(a.affiliation) ?? 0) + 0.3 * a.score);
  }
  for (const [name, extra] of boost) {
    const a = byName.get(name)!;
    a.score = Math.round((a.score + extra) * 1000) / 1000;
  }
  result.sort((a, b) => b.score - a.score || b.mentions - a.mentions || a.name.localeCompare(b.name));
  return result.slice(0, MAX_ACTORS);
}

function buildSegments(report: Report): Segment[] {
  const gaz = gazetteer();
  const raw: Array<{ text: string; index: number }> = [{ text: report.title, index: -1 }];
  if (report.standfirst) raw.push({ text: report.standfirst, index: -2 });
  for (const s of reportSentences(report)) if (!s.boilerplate) raw.push({ text: s.text, index: s.index });
  return raw.map(({ text, index }) => {
    const tokens = tokenize(text);
    const titleCase = index === -1 && isTitleCase(tokens);
    const entities = gaz.matchAll(tokens).filter((m) => titleCase || !partOfLargerName(tokens, m));
    const entityAt: Array<EntityMatch | undefined> = new Array(tokens.length);
    for (const m of entities) for (let k = m.start; k < m.end; k++) entityAt[k] = m;
    return { text, index, tokens, entities, entityAt, titleCase };
  });
}

/** "Ukraine Peace Talks Stall as Kremlin Hardens Terms": capitals there say nothing about names. */
function isTitleCase(tokens: Token[]): boolean {
  const words = tokens.filter((t) => t.word && t.text.length > 3);
  return words.length >= 3 && words.filter((t) => t.cap).length / words.length >= 0.7;
}

/**
 * A one-word state or seat name inside a longer proper name is not a mention of the state: "George
 * Washington", "Michael Jordan", "the Moscow Conference on International Security" (an event named after
 * its host city; we deliberately do not count it as a Russia mention). Role words after it keep it
 * ("Belarus President", "China Defence Minister").
 */
function partOfLargerName(tokens: Token[], m: EntityMatch): boolean {
  if (m.end - m.start !== 1) return false;
  const prev = tokens[m.start - 1];
  if (prev?.text === '-' && PARTICLES.has(tokens[m.start - 2]?.text.toLowerCase() ?? '')) return true; // "al-Houthi"
  if (m.ref.type !== 'state' || m.ref.via === 'demonym') return false;
  const gaz = gazetteer();
  const before = tokens[m.start - 1];

  const after = tokens[m.end];
  const nameLike = (t: Token | undefined, k: number): boolean =>
    !!t &&
    t.cap &&
    t.word &&
    !/^\p{Lu}+$/u.test(t.text) &&
    !ROLE_WORDS.has(t.text.toLowerCase()) &&
    !STOP_WORDS.has(t.text.toLowerCase()) &&
    !NOT_NAMES.has(t.text.toLowerCase()) &&
    !gaz.matchAt(tokens, k);
  if (m.start >= 1 && nameLike(before, m.start - 1) && !PARTICLES.has(before!.text.toLowerCase())) return true;
  // "Moscow Conference", "Washington Institute": a seat followed by a capitalised noun names something else.
  const nounAfter =
    !!after &&
    after.cap &&
    after.word &&
    !/^\p{Lu}+$/u.test(after.text) &&
    !ROLE_WORDS.has(after.text.toLowerCase()) &&
    !STOP_WORDS.has(after.text.toLowerCase()) &&
    !gaz.matchAt(tokens, m.end);
  return m.ref.via !== 'name' ? nounAfter : false;
}

function mentionWeight(seg: Segment, ref?: EntityRef): number {
  const base = ref?.via === 'demonym' ? 0.6 : 1;
  if (seg.index === -1) return base * 3;
  if (seg.index === -2) return base * 2;
  return base * (1 + Math.exp(-seg.index / 4));
}

function isDemonymMention(surface: string, acc: Accumulator): boolean {
  return acc.type === 'state' && /(?:an|ian|ese|ish|i|ic|ch)$/.test(surface) && !surface.includes(' ') && surface !== acc.name;
}

function pickEvidence(acc: Accumulator, segments: Segment[]): number {
  let best = acc.mentions[0]!.seg;
  let bestQuality = -Infinity;
  for (const m of acc.mentions) {
    const seg = segments[m.seg]!;
    let q = 0;
    if (seg.index >= 0) q += 2;
    if (!isDemonymMention(m.surface, acc)) q += 1;
    const words = seg.tokens.filter((t) => t.word).length;
    if (words >= 8 && words <= 45) q += 1;
    q -= m.seg * 0.001;
    if (q > bestQuality) {
      bestQuality = q;
      best = m.seg;
    }
  }
  return best;
}

/** Words of the text that appear in lower case somewhere: ordinary words, not names. */
function lowercaseVocabulary(segments: Segment[]): Set<string> {
  const out = new Set<string>();
  for (const seg of segments) for (const t of seg.tokens) if (t.word && /^\p{Ll}/u.test(t.text)) out.add(t.text);
  return out;
}

/** Forms a later mention may use: the last name, or for East Asian order ("Li Shangfu", "Xi Jinping") the first. */
function referenceKeys(tokens: string[]): string[] {
  const core = tokens.filter((t) => !SUFFIXES.has(t.replace(/\.$/, '')));
  const keys = [core[core.length - 1]!];
  if (core.length >= 2 && core.some((t) => t.length <= 3 && !PARTICLES.has(t.toLowerCase()))) keys.push(core[0]!);
  if (core.length === 3 && core[0]!.length <= 3) keys.push(core[0]!); // "Kim Jong Un" → "Kim"
  return [...new Set(keys)].filter((k) => k.length >= 2);
}

function roleRank(span: NameSpan): number {
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
  if (NOT_NAMES.has(lower) || ROLE_WORDS.has(lower) || HONORIFICS.has(lower) || STOP_WORDS.has(lower)) return false;
  if (lowercaseWords.has(lower)) return false;
  if (/^\p{Lu}{2,}$/u.test(t.text) && !SUFFIXES.has(t.text)) return false; // acronyms
  if (/\d/.test(t.text)) return false;
  if (/^\p{Lu}$/u.test(t.text)) return seg.tokens[k + 1]?.text === '.'; // initials "J."
  return true;
}

/** Maximal capitalised name sequences in a segment, with roles read from either side. */
function nameSpans(seg: Segment, s: number, lowercaseWords: Set<string>): NameSpan[] {
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
      break;
    }
    const joined = words.join(' ').replace(/- /g, '-').split(' ');
    const span: NameSpan = { seg: s, start: i, end: j, tokens: joined, titled: false, speech: false };
    // A capitalised sentence opener ("During", "Looking", but also "Goïta will …") counts only as a
    // reference to a person already known by full name.
    if (i === firstWord && joined.length === 1 && !titledBefore(tokens, i)) span.initial = true;
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

function titledBefore(tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1];
  return !!prev && ROLE_WORDS.has(prev.text.toLowerCase());
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
  if (ent && ent.ref.type !== 'none' && ent.ref.via !== 'demonym' && /^(?:of|for)$/i.test(tokens[ent.start - 1]?.text ?? '')) {
    affiliation = ent.ref.name;
    k = ent.start - 1;
  }
  let roleStart = -1;
  let sawHead = false;
  while (k >= 0) {
    const t = tokens[k]!;
    const lower = t.text.toLowerCase();
    if (seg.entityAt[k]) break;
    const prevLower = k > 0 ? tokens[k - 1]!.text.toLowerCase() : '';
    if (t.text === '.' && (ROLE_WORDS.has(prevLower) || HONORIFICS.has(prevLower))) {
      k--;
      continue;
    }
    if (ROLE_WORDS.has(lower) || HONORIFICS.has(lower) || (t.text === '-' && roleStart !== -1)) {
      if (ROLE_HEADS.has(lower) || HONORIFICS.has(lower)) sawHead = true;
      roleStart = k;
      k--;
      continue;
    }
    // "Minister of Foreign Affairs": "of"/"for"/"the"/"and" inside a role phrase, and capitalised portfolio words.
    if (/^(?:of|for|the|and)$/i.test(lower) && roleStart !== -1 && k > 0 && ROLE_WORDS.has(tokens[k - 1]!.text.toLowerCase())) {
      k--;
      continue;
    }
    if (t.cap && t.word && !seg.entityAt[k] && roleStart !== -1 && /^(?:of|for)$/i.test(tokens[k - 1]?.text ?? '')) {
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
  if (/^(?:the|a|an)$/i.test(tokens[k]?.text ?? '')) k++;
  // "the group's leader", "the movement's spokesman"
  if (tokens[k + 1]?.text === "'s" && /^(?:group|movement|party|organisation|organization|militia|junta|government|country|alliance|bloc|army)$/i.test(tokens[k]?.text ?? '')) k += 2;
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
  while (k < tokens.length) {
    const lower = tokens[k]!.text.toLowerCase();
    if (ROLE_WORDS.has(lower) || (lower === '-' && ROLE_WORDS.has(tokens[k + 1]?.text.toLowerCase() ?? ''))) {
      if (ROLE_HEADS.has(lower)) sawHead = true;
      k++;
      continue;
    }
    if (/^(?:of|for)$/i.test(lower) && sawHead) {
      let m = k + 1;
      if (tokens[m]?.text.toLowerCase() === 'the') m++;
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
  if (end && ![',', '.', ';', ')', 'and', 'said', 'who'].includes(end.text.toLowerCase())) return;
  span.titled = true;
  const last = roleEnd > roleStart ? roleEnd : k;
  span.role = cleanRole(seg.text.slice(tokens[roleStart]!.start, tokens[last - 1]!.end).replace(/\s+of\s+(?:the\s+)?$/i, ''));
  if (affiliation) span.affiliation = affiliation;
}

const ABBREVIATED_RANKS: Record<string, string> = {
  gen: 'General', lt: 'Lieutenant', col: 'Colonel', adm: 'Admiral', capt: 'Captain', maj: 'Major', sen: 'Senator',
  rep: 'Representative', brig: 'Brigadier', sgt: 'Sergeant', cmdr: 'Commander', gov: 'Governor', pres: 'President',
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
  return /^(?:General|Lieutenant|Colonel|Admiral|Captain|Major|Brigadier|Sergeant|Commander|Marshal|Lieutenant General|Major General|Brigadier General)$/i.test(role);
}
