import type { Report } from '../../reports/types.ts';
import type { Actor, ActorType } from '../types.ts';
import { gazetteer, type EntityRef } from './gazetteer.ts';
import { lowercaseVocabulary, nameSpans, referenceKeys, roleRank, type NameSpan } from './names.ts';
import { buildSegments, type Segment } from './segments.ts';
import { discoverEntities } from './discover.ts';
import { hasRules } from './language.ts';

/**
 * Key actors without a model: gazetteer matches for states, organisations and groups; people from
 * capitalised name sequences anchored by a role ("Chinese Minister of Defence Li Shangfu", "Viktor
 * Khrenin, the Belarusian Minister of Defence") or by repetition; surname coreference; salience from
 * mentions weighted by position, title/lead presence and role.
 */

export const ACTORS_ALGORITHM_VERSION = '6';

const MAX_ACTORS = 25;
const TOPIC_NOUNS = /^(?:conflict|war|crisis|invasion|file|issue|question|dossier|front|theatre|theater|campaign)$/i;

interface Mention {
  seg: number;
  surface: string;
  weight: number;
  /** The name used attributively for a theatre or topic ("the Ukraine conflict"). */
  topic?: boolean;
  /** Named only through an adjective ("Western powers" for the West). */
  adjectival?: boolean;
}

interface Accumulator {
  name: string;
  type: ActorType;
  role?: string;
  roleRank: number;
  affiliation?: string;
  mentions: Mention[];
  evidence?: { seg: number; quality: number };
  /** Surface forms seen without counting as a mention (the acronym of a definition). */
  extraAliases?: string[];
}

export interface ActorOptions {
  /** Extra person detector (e.g. compromise), used by the benchmark to measure whether it helps. */
  personDetector?: (text: string) => string[];
  /** Language whose rules apply (ISO 639-1); English when absent. Without rules for it, no people are read. */
  lang?: string;
}

/** "Grace Mugabe, known as Gucci Grace", "X, nicknamed Y", "X (also known as Y)", "X, dubbed “Y”". */
const NICKNAME =
  /(\p{Lu}[\p{L}\p{M}'.-]+(?:\s+\p{Lu}[\p{L}\p{M}'.-]+)+)\s*[,(]?\s*(?:also\s+|widely\s+|popularly\s+|commonly\s+|better\s+)?(?:known\s+as|nicknamed|dubbed|a\.k\.a\.?|aka|surnommée?|apodad[oa]|conocid[oa]\s+como)\s+(?:the\s+)?["“‘']?(\p{Lu}[\p{L}\p{M}'.-]+(?:\s+\p{Lu}[\p{L}\p{M}'.-]+){0,3})/gu;

export function extractActors(report: Report, options: ActorOptions = {}): Actor[] {
  const lang = options.lang ?? 'en';
  const gaz = gazetteer(lang);
  const segments = buildSegments(report, lang);
  discoverEntities(segments);
  const readPeople = hasRules(lang);
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
    seg.entities.forEach((m, k) => {
      if (m.ref.type === 'none') return;
      // "Southern African Development Community (SADC)": the definition is one mention, not two.
      const before = seg.entities[k - 1];
      if (before && before.ref.name === m.ref.name && before.end === m.start - 1 && seg.tokens[m.start - 1]!.text === '(') {
        const acc = get(m.ref.name, m.ref.type);
        (acc.extraAliases ??= []).push(seg.text.slice(seg.tokens[m.start]!.start, seg.tokens[m.end - 1]!.end));
        return;
      }
      const surface = seg.text.slice(seg.tokens[m.start]!.start, seg.tokens[m.end - 1]!.end);
      // "the Ukraine conflict", "the Syria file": the state names a theatre or topic there, not an actor.
      const asTopic = m.ref.type === 'state' && TOPIC_NOUNS.test(seg.tokens[m.end]?.text ?? '');
      const mention: Mention = { seg: s, surface, weight: mentionWeight(seg, m.ref) * (asTopic ? 0.4 : 1), topic: asTopic };
      if (m.ref.type === 'group' && m.ref.via === 'demonym') mention.adjectival = true;
      get(m.ref.name, m.ref.type).mentions.push(mention);
    });
  });

  // 2. People: name spans with roles, then decide who is a person.
  const spans = readPeople ? segments.flatMap((seg, s) => nameSpans(seg, s, lowercaseWords)) : [];
  const extra = options.personDetector ? new Set(segments.flatMap((seg) => options.personDetector!(seg.text))) : undefined;
  const fullNames = new Map<string, NameSpan[]>();
  for (const span of spans) {
    if (span.tokens.length < 2) continue;
    const key = span.tokens.join(' ');
    (fullNames.get(key) ?? fullNames.set(key, []).get(key)!).push(span);
  }
  const nicknames = readPeople ? nicknameOwners(segments, fullNames) : new Map<string, string>();
  const people = new Map<string, { spans: NameSpan[]; keys: string[] }>();
  const surnameOwners = new Map<string, string[]>();
  for (const [name, list] of fullNames) {
    if (authorNames.has(name.toLowerCase()) || nicknames.has(name)) continue;
    const tokens = name.split(' ');
    const keys = referenceKeys(tokens);
    const singles = spans.filter((sp) => sp.tokens.length === 1 && keys.includes(sp.tokens[0]!)).length;
    const untitled = list.filter((sp) => !sp.embedded);
    // "Grace Mugabe, known as Gucci Grace": the nickname right after the full name is the same mention.
    const nicknamed = [...nicknames]
      .filter(([, owner]) => owner === name)
      .flatMap(([nick]) => fullNames.get(nick) ?? [])
      .filter((sp) => !list.some((own) => own.seg === sp.seg && own.end <= sp.start && sp.start - own.end <= 8));
    list.push(...nicknamed);
    const evidence =
      nicknamed.length > 0 ||
      list.some((sp) => sp.titled || sp.speech || isListedName(segments[sp.seg]!, sp)) ||
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

  // "Mongolia's current head of state is President Ukhnaagiin Khurelsukh": a state named as the owner of the
  // sentence's subject is the office's state, when it is the only state the sentence names.
  for (const [name, { spans: list }] of people) {
    const acc = actors.get(name);
    if (!acc || acc.affiliation || !acc.role) continue;
    for (const sp of list) {
      if (!sp.role) continue;
      const seg = segments[sp.seg]!;
      const states = new Set(seg.entities.filter((e) => e.ref.type === 'state').map((e) => e.ref.name));
      const owner = seg.entities.find((e) => e.ref.type === 'state' && e.end < sp.start && seg.tokens[e.end]?.text === "'s");
      if (owner && states.size === 1) {
        acc.affiliation = owner.ref.name;
        break;
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
    const named = acc.mentions.some((m) => !m.adjectival && !isDemonymMention(m.surface, acc));
    if (!named) score *= 0.6;
    const evidenceSeg = acc.evidence?.seg ?? pickEvidence(acc, segments);
    const aliases = [...new Set([...acc.mentions.map((m) => m.surface), ...(acc.extraAliases ?? [])])];
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

/** Nickname → the full name the text gives for it (only full names that occur as name spans). */
function nicknameOwners(segments: Segment[], fullNames: Map<string, NameSpan[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const seg of segments) {
    if (!/known as|nicknamed|dubbed|a\.?k\.?a|surnomm|apodad|conocid/i.test(seg.text)) continue;
    for (const m of seg.text.replace(/[’‘]/g, "'").matchAll(NICKNAME)) {
      const words = m[1]!.split(/\s+/);
      let owner: string | undefined;
      for (let k = 0; k < words.length - 1 && !owner; k++) {
        const candidate = words.slice(k).join(' ').replace(/[,.]$/, '');
        if (fullNames.has(candidate)) owner = candidate;
      }
      const nick = m[2]!.replace(/[.,;:'"”’]+$/, '');
      if (owner && nick !== owner && fullNames.has(nick)) out.set(nick, owner);
    }
  }
  return out;
}

/** A bare name opening a list item or filling a table cell ("- Grace Mugabe, First Lady", "| Ali Khamenei |"). */
function isListedName(seg: Segment, span: NameSpan): boolean {
  if (!seg.listed || span.tokens.length < 2) return false;
  const first = seg.tokens.findIndex((t) => t.word);
  if (span.start !== first) return false;
  const next = seg.tokens[span.end]?.text;
  return next === undefined || [',', ':', '–', '—', '-', '(', ';'].includes(next);
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
