import { STOP_WORDS } from '../text.ts';
import type { ActorType } from '../types.ts';
import type { EntityMatch, EntityRef, Token } from './gazetteer.ts';
import type { Segment } from './segments.ts';

/**
 * Actors the data files do not list, found from how the text names them:
 * - acronym definitions, "Full Name (ACR)" and "ACR (Full Name)", with later mentions of either form;
 * - proper names headed by an actor noun: parties, movements, fronts, councils, regional governments,
 *   armies, militias, coalitions ("Southern Transitional Council", "Movement for Democratic Change");
 * - collective actors: "the West", "Western/Gulf/Baltic/Central Asian states", "EU member states",
 *   "NATO allies", "the Global South".
 * Found spans are added to the segments' entity matches (replacing weaker matches inside them).
 * Slightly over ~350 lines: the three discoveries share one pass over the segments and one merge step.
 */

/** Head nouns of political and armed collectives: typed `group`. */
const GROUP_HEADS = new Set(
  'party parties movement front army militia militias brigade brigades forces alliance coalition rebels cartel network volunteers fighters resistance'.split(
    ' ',
  ),
);
/** Head nouns of institutions: typed `organisation`. */
const ORG_HEADS = new Set(
  'council government authority junta congress league committee commission agency organisation organization union assembly parliament court bank fund command guard corps service ministry department office bureau mission community association corporation company institute directorate administration foundation subcommittee board secretariat tribunal'.split(
    ' ',
  ),
);
/** Heads strong enough to make a name without an acronym definition (others need "(ACR)"). */
const BARE_HEADS = new Set('party movement front army militia brigades forces alliance coalition council government authority junta league'.split(' '));
/** Modifiers that, with a state's name, still mean the state itself ("Russian Armed Forces", "Malian Army"). */
const STATE_APPARATUS = new Set('armed federal central national royal regular military interim provisional transitional'.split(' '));
const CONNECTOR = /^(?:of|for|the|and|in|on|de|du|des|la|le|del|y|et|'s|-)$/i;
const COLLECTIVE_NOUNS =
  /^(?:states|countries|nations|governments|monarchies|republics|powers|allies|partners|members|capitals|democracies|neighbours|neighbors)$/i;
const MEMBER_NOUNS = /^(?:member|members|states|countries|nations|governments|capitals)$/i;

interface Found {
  start: number;
  end: number;
  ref: EntityRef;
  /** The text's own definition: replaces a known match of the same span ("Naval Support Activity (NSA)" is not the agency). */
  override?: boolean;
}

export function discoverEntities(segments: Segment[]): void {
  const lexicon = new Map<string, EntityRef>();
  const key = (tokens: string[]) => tokens.join(' ');
  // 1. Acronym definitions, across the whole text first, so later mentions anywhere are counted.
  for (const seg of segments)
    for (const d of acronymDefinitions(seg)) {
      lexicon.set(key(d.acronym), d.ref);
      lexicon.set(key(d.full), d.ref);
    }
  for (const seg of segments) {
    const found: Found[] = [];
    if (lexicon.size > 0) found.push(...lexiconMatches(seg, lexicon));
    if (!seg.titleCase) found.push(...headedNames(seg), ...collectives(seg));
    inject(seg, found);
  }
}

function isCapWord(t: Token | undefined): boolean {
  return !!t && t.word && t.cap && !STOP_WORDS.has(t.text.toLowerCase());
}

function isAcronym(text: string): boolean {
  return /^\p{Lu}[\p{L}\p{N}&-]{1,9}$/u.test(text) && (text.match(/\p{Lu}/gu)?.length ?? 0) >= 2 && text.toUpperCase() !== text.toLowerCase();
}

/** Capitalised phrase ending right before token `end` (exclusive), connectors allowed inside. */
function phraseBefore(tokens: Token[], end: number, dashes = false): number {
  let start = end;
  let k = end - 1;
  while (k >= 0 && end - k <= 12) {
    const text = tokens[k]!.text;
    if (isCapWord(tokens[k])) start = k;
    else if (!((CONNECTOR.test(text) || (dashes && /^[–—]$/.test(text))) && k > 0 && start <= k + 1)) break;
    k--;
  }
  return start;
}

function phraseAfter(tokens: Token[], start: number): number {
  let end = start;
  let k = start;
  while (k < tokens.length && k - start < 12) {
    if (isCapWord(tokens[k])) end = k + 1;
    else if (!CONNECTOR.test(tokens[k]!.text)) break;
    k++;
  }
  return end;
}

/** The acronym's letters appear, in order, among the initials of the phrase's words (first letter first). */
function initialsMatch(acronym: string, words: string[]): boolean {
  const letters = acronym.replace(/[^\p{Lu}]/gu, '');
  const initials = words.filter((w) => /^\p{L}/u.test(w)).map((w) => w[0]!.toUpperCase());
  if (!letters || initials[0] !== letters[0]) return false;
  let i = 0;
  for (const c of initials) if (c === letters[i]) i++;
  return i >= Math.min(letters.length, 2) && i >= letters.length - 1;
}

/** Most of the acronym's letters are initials of the name, in any order (translated names). */
function lettersShared(acronym: string, words: string[]): boolean {
  const letters = acronym.replace(/[^\p{Lu}]/gu, '');
  const initials = new Set(words.map((w) => w[0]!.toUpperCase()));
  const hits = [...letters].filter((c) => initials.has(c)).length;
  return letters.length >= 3 && hits / letters.length >= 0.6 && words.length >= letters.length - 1;
}

/** A word just before a name that says what it is: "His party, La Libertad Avanza (LLA)", "the ruling Kuomintang". */
const GROUP_CUES =
  /^(?:party|parties|movement|group|coalition|alliance|militia|front|faction|bloc|opposition|ruling|rebels?|insurgents?|jihadists?|partido|parti|movimiento|mouvement|coalición|coalition)$/i;
const ORG_CUES = /^(?:agency|council|body|authority|organisation|organization|ministry|company|firm|regulator|court|bank|institution|commission)$/i;
function contextCue(t: Token[], start: number): ActorType | undefined {
  for (let k = start - 1; k >= Math.max(0, start - 4); k--) {
    const w = t[k]!.text;
    if (GROUP_CUES.test(w)) return 'group';
    if (ORG_CUES.test(w)) return 'organisation';
    if (/^[.;:!?]$/.test(w)) break;
  }
  return undefined;
}

function headType(words: string[]): ActorType | undefined {
  let type: ActorType | undefined;
  for (const w of words) {
    const lower = w.toLowerCase();
    if (GROUP_HEADS.has(lower)) type = 'group';
    else if (ORG_HEADS.has(lower) && type !== 'group') type = 'organisation';
  }
  return type;
}

function acronymDefinitions(seg: Segment): Array<{ acronym: string[]; full: string[]; ref: EntityRef }> {
  const out: Array<{ acronym: string[]; full: string[]; ref: EntityRef }> = [];
  const t = seg.tokens;
  for (let i = 0; i < t.length; i++) {
    if (t[i]!.text !== '(') continue;
    // "Full Name (ACR)", also hyphenated "(ZANU-PF)"
    let close = i + 2;
    while (t[close]?.text === '-' && t[close + 1]?.word && close - i < 6) close += 2;
    const acr = t
      .slice(i + 1, close)
      .map((x) => x.text)
      .join('');
    if (t[close]?.text === ')' && isAcronym(acr)) {
      const phraseStart = phraseBefore(t, i, true);
      let start = phraseStart;
      while (start < i && !initialsMatch(acr, words(t, start, i)) && !initialsMatch(acr, words(t, start, i, true))) start = nextWord(t, start, i);
      if (start < i) add(out, seg, t, start, i, i + 1, close);
      // A one-word name: "the opposition Kuomintang (KMT)" (add() asks the context what it is).
      else if (i - 1 >= phraseStart && isCapWord(t[i - 1]) && t[i - 1]!.text[0] === acr[0]) add(out, seg, t, i - 1, i, i + 1, close);
      continue;
    }
    // "ACR (Full Name)"
    const before = t[i - 1];
    if (before && isAcronym(before.text)) {
      const end = phraseAfter(t, i + 1);
      // The acronym may keep another language's word order ("CNSP (National Council for the Safeguard of the Homeland)").
      if (
        end > i + 1 &&
        t[end]?.text === ')' &&
        (initialsMatch(before.text, words(t, i + 1, end)) ||
          initialsMatch(before.text, words(t, i + 1, end, true)) ||
          lettersShared(before.text, words(t, i + 1, end)))
      ) {
        add(out, seg, t, i + 1, end, i - 1, i);
      }
    }
  }
  return out;
}

/** The capitalised words of a name; with `connectors`, its small words too ("Department of Energy" is DOE). */
function words(t: Token[], start: number, end: number, connectors = false): string[] {
  return t
    .slice(start, end)
    .filter((x) => x.word && (x.cap || (connectors && CONNECTOR.test(x.text))))
    .map((x) => x.text);
}

function nextWord(t: Token[], start: number, end: number): number {
  let k = start + 1;
  while (k < end && !isCapWord(t[k])) k++;
  return k;
}

function add(
  out: Array<{ acronym: string[]; full: string[]; ref: EntityRef }>,
  seg: Segment,
  t: Token[],
  fullStart: number,
  fullEnd: number,
  acrStart: number,
  acrEnd: number,
): void {
  const full = t.slice(fullStart, fullEnd).map((x) => x.text);
  const capitalised = full.filter((w) => /^\p{Lu}/u.test(w)).length;
  const cue = contextCue(t, Math.min(fullStart, acrStart));
  // One-word names need the context to say what they are: "the opposition Kuomintang (KMT)".
  if (capitalised < 2 && !(capitalised === 1 && cue && full[0]!.length >= 5)) return;
  const acronym = t.slice(acrStart, acrEnd).map((x) => x.text);
  // Already known: the acronym or the full name joins the known actor.
  const whole = seg.entityAt[fullStart];
  const fullKnown = whole && whole.start === fullStart && whole.end === fullEnd ? whole : undefined;
  const acrKnown = seg.entityAt[acrStart];
  const fullText = seg.text.slice(t[fullStart]!.start, t[fullEnd - 1]!.end);
  // The acronym joins a known actor only when the text spells out that actor (or the data knows it by acronym alone).
  const known =
    fullKnown ?? (acrKnown && (acrKnown.ref.name === acronym.join('') || acrKnown.ref.name.toLowerCase() === fullText.toLowerCase()) ? acrKnown : undefined);
  if (known) {
    if (known.ref.type !== 'none') out.push({ acronym, full, ref: known.ref });
    return;
  }
  const type = headType(full) ?? cue;
  if (!type) {
    // "Exclusive Economic Zone (EEZ)", "Belt and Road Initiative (BRI)": not actors. When the data knows the
    // acronym as something else ("Naval Support Activity (NSA)"), this text's meaning still wins: block it.
    if (acrKnown) out.push({ acronym, full, ref: { name: fullText, type: 'none', via: 'name' } });
    return;
  }
  out.push({ acronym, full, ref: { name: fullText, type, via: 'name' } });
}

function lexiconMatches(seg: Segment, lexicon: Map<string, EntityRef>): Found[] {
  const out: Found[] = [];
  const t = seg.tokens;
  const maxLen = 14;
  for (let i = 0; i < t.length; i++) {
    if (!t[i]!.word || !t[i]!.cap) continue;
    for (let j = Math.min(t.length, i + maxLen); j > i; j--) {
      const ref = lexicon.get(
        t
          .slice(i, j)
          .map((x) => x.text)
          .join(' '),
      );
      if (ref) {
        out.push({ start: i, end: j, ref, override: true });
        i = j - 1;
        break;
      }
    }
  }
  return out;
}

/** "Southern Transitional Council", "Movement for Democratic Change", "Kurdistan Regional Government". */
function headedNames(seg: Segment): Found[] {
  const out: Found[] = [];
  const t = seg.tokens;
  for (let h = 0; h < t.length; h++) {
    const head = t[h]!;
    if (!head.word || !head.cap || !BARE_HEADS.has(head.text.toLowerCase())) continue;
    let start: number;
    let end: number;
    if (/^(?:of|for)$/i.test(t[h + 1]?.text ?? '') && (isCapWord(t[h + 2]) || (/^the$/i.test(t[h + 2]?.text ?? '') && isCapWord(t[h + 3])))) {
      // "Movement for Democratic Change", "Government of National Unity"
      start = phraseBefore(t, h);
      end = phraseAfter(t, h);
      // "Movement for Democratic Change and the …": a second name starts after "and the".
      for (let k = h + 1; k < end; k++) if (/^and$/i.test(t[k]!.text) && /^the$/i.test(t[k + 1]?.text ?? '')) end = k;
      while (end > h && !isCapWord(t[end - 1])) end--;
      if (seg.entityAt[h + 2]?.ref.type === 'state' && seg.entityAt[h + 2]!.end === end) continue; // "Government of Mali"
    } else {
      start = phraseBefore(t, h);
      end = h + 1;
    }
    // Start after a possessive or a title: "Netanyahu's Likud Party", "Prime Minister X's Party".
    for (let k = h - 1; k >= start; k--) {
      if (t[k]!.text === "'s" && !/^(?:People|Workers|Women)$/i.test(t[k - 1]?.text ?? '')) {
        start = k + 1;
        break;
      }
    }
    while (start < h && !isCapWord(t[start])) start++;
    const caps = t.slice(start, end).filter((x) => isCapWord(x));
    if (caps.length < 2) continue;
    const covered = seg.entityAt[start] && seg.entityAt[start]!.start <= start && seg.entityAt[start]!.end >= end;
    if (covered || isStateApparatus(seg, start, end)) {
      h = end - 1;
      continue;
    }
    const type: ActorType = GROUP_HEADS.has(head.text.toLowerCase()) ? 'group' : 'organisation';
    out.push({ start, end, ref: { name: seg.text.slice(t[start]!.start, t[end - 1]!.end), type, via: 'name' } });
    h = end - 1;
  }
  return out;
}

/** "Russian Armed Forces", "the Malian Army", "Chinese Government": the state itself, already matched. */
function isStateApparatus(seg: Segment, start: number, end: number): boolean {
  let sawState = false;
  for (let k = start; k < end; k++) {
    const ent = seg.entityAt[k];
    if (ent && ent.ref.type === 'state') {
      sawState = true;
      k = ent.end - 1;
      continue;
    }
    const lower = seg.tokens[k]!.text.toLowerCase();
    if (STATE_APPARATUS.has(lower) || BARE_HEADS.has(lower) || CONNECTOR.test(lower)) continue;
    return false;
  }
  return sawState;
}

/** Collective actors: "the West", "Western powers", "Gulf monarchies", "EU member states", "NATO allies". */
function collectives(seg: Segment): Found[] {
  const out: Found[] = [];
  const t = seg.tokens;
  const group = (name: string): EntityRef => ({ name, type: 'group', via: 'name' });
  for (let i = 0; i < t.length; i++) {
    const w = t[i]!;
    if (!w.word || !w.cap) continue;
    // "the West" (not "West Africa", "the West Bank")
    if (w.text === 'West' && /^the$/i.test(t[i - 1]?.text ?? '') && !isCapWord(t[i + 1])) {
      out.push({ start: i, end: i + 1, ref: group('the West') });
      continue;
    }
    if (w.text === 'Global' && /^(?:South|North)$/.test(t[i + 1]?.text ?? '')) {
      out.push({ start: i, end: i + 2, ref: group(`the Global ${t[i + 1]!.text}`) });
      i++;
      continue;
    }
    // Modifier: an organisation ("EU member states", "NATO allies") or one or two capitalised non-state words.
    const ent = seg.entityAt[i];
    if (ent && ent.start === i && ent.ref.type === 'organisation') {
      const org = ent.ref.name === 'European Union' ? 'EU' : ent.ref.name;
      let k = ent.end;
      if (/^member$/i.test(t[k]?.text ?? '') && MEMBER_NOUNS.test(t[k + 1]?.text ?? '')) k += 2;
      else if (MEMBER_NOUNS.test(t[k]?.text ?? '') && !/^member$/i.test(t[k]!.text)) k += 1;
      else if (/^(?:allies|partners)$/i.test(t[k]?.text ?? '')) {
        out.push({ start: i, end: k + 1, ref: group(`${org} allies`) });
        i = k;
        continue;
      } else k = -1;
      if (k > 0) {
        out.push({ start: i, end: k, ref: group(`${org} member states`) });
        i = k - 1;
        continue;
      }
    }
    if (ent && ent.ref.type === 'state') continue; // "Russian allies": one state's partners, not a bloc
    let k = i;
    // "Gulf monarchies": a word that also starts a known name ("Gulf Cooperation Council") still modifies here.
    while (k < t.length && k - i < 2 && isCapWord(t[k]) && (!seg.entityAt[k] || seg.entityAt[k]!.ref.type !== 'state' || k === i)) k++;
    if (k === i || !COLLECTIVE_NOUNS.test(t[k]?.text ?? '') || t[k]!.cap) continue;
    const modifier = t
      .slice(i, k)
      .map((x) => x.text)
      .join(' ');
    if (
      /^(?:Eastern|Northern|Southern|Other|Some|Many|Several|Both|All|Most|These|Those|Neighbouring|Neighboring|Friendly|Hostile|Partner|Member|Allied)$/.test(
        modifier,
      )
    )
      continue;
    const name = /^Western$/.test(modifier) ? 'the West' : /^(?:allies|partners)$/i.test(t[k]!.text) ? `${modifier} allies` : `${modifier} states`;
    // "Western powers" names the West only through an adjective: weaker evidence than "the West" itself.
    out.push({ start: i, end: k + 1, ref: { ...group(name), via: name === 'the West' ? 'demonym' : 'name' } });
    i = k;
  }
  return out;
}

/** Adds found spans to a segment's matches: they replace overlapping matches unless a longer one exists. */
function inject(seg: Segment, found: Found[]): void {
  if (found.length === 0) return;
  let entities = seg.entities;
  const added = new Set<EntityMatch>();
  for (const f of found) {
    const overlapping = entities.filter((m) => m.start < f.end && f.start < m.end);
    // Earlier finds win (acronym definitions, then headed names, then collectives); so do longer known names.
    if (overlapping.some((m) => added.has(m))) continue;
    if (overlapping.some((m) => m.end - m.start > f.end - f.start && m.ref.type !== 'none')) continue;
    if (!f.override && overlapping.some((m) => m.start === f.start && m.end === f.end && m.ref.type !== 'none')) continue;
    entities = entities.filter((m) => !overlapping.includes(m));
    const match: EntityMatch = { start: f.start, end: f.end, ref: f.ref };
    added.add(match);
    entities.push(match);
  }
  entities.sort((a, b) => a.start - b.start);
  seg.entities = entities;
  seg.entityAt = new Array(seg.tokens.length);
  for (const m of entities) for (let k = m.start; k < m.end; k++) seg.entityAt[k] = m;
}
