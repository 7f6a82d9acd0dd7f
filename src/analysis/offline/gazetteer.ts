import { createRequire } from 'node:module';
import type { ActorType } from '../types.ts';
import organisationsData from './data/organisations.json' with { type: 'json' };
import statesExtra from './data/states-extra.json' with { type: 'json' };
import { languageData } from './language.ts';

/**
 * Known actors and the surface forms that name them: states from the world-countries package (names,
 * official names, alternate spellings, demonyms, capitals) plus the curated extras, and organisations and
 * armed groups from data/organisations.json. Matching is over tokens, longest match first.
 */

export type Via = 'name' | 'demonym' | 'capital' | 'metonym';

export interface EntityRef {
  /** Canonical name; also the aggregation key. */
  name: string;
  /** `none` marks a phrase that blocks matches inside it ("South China Sea"). */
  type: ActorType | 'none';
  via: Via;
}

export interface Token {
  text: string;
  start: number;
  end: number;
  /** Starts with an upper-case letter. */
  cap: boolean;
  word: boolean;
}

interface Country {
  cca2: string;
  cca3: string;
  translations?: Record<string, { common: string; official: string }>;
  independent: boolean | null;
  name: { common: string; official: string };
  altSpellings: string[];
  capital?: string[];
  demonyms?: { eng?: { m: string; f: string }; fra?: { m: string; f: string } };
}

const require = createRequire(import.meta.url);
const countries = require('world-countries') as Country[];

const TOKEN = /(?:\p{Lu}\.){2,}|[\p{L}\p{M}\p{N}]+(?:'(?!s\b)[\p{L}\p{M}]+)*|'s\b|[^\s]/gu;
/** Latin-script words only, except for languages written in another script (Russian: Cyrillic too). */
const LATIN = /^[\p{Script=Latin}\p{M}\s'.\-()]+$/u;
const LATIN_OR_CYRILLIC = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{M}\s'.\-()]+$/u;
/** Two-letter codes people do write as names. */
const CODES_USED_AS_NAMES = new Set(['US', 'UK', 'EU', 'UN']);
/** Not independent in world-countries but treated as actors in geopolitical writing. */
const EXTRA_STATES = new Set(['TW', 'XK', 'PS']);

/** French and Italian elisions ("l'Ukraine", "d'Iran", "dell'Unione") split off the word they precede. */
const ELISION = /^(?:[ldjmnstc]|qu|dell|all|nell|sull|dall|un)'(?=\p{L})/iu;
const ELIDING_LANGUAGES = new Set(['fr', 'it']);

export function tokenize(text: string, lang = 'en'): Token[] {
  const normalised = text.replace(/[’‘]/g, "'");
  const out: Token[] = [];
  const push = (t: string, start: number) => out.push({ text: t, start, end: start + t.length, cap: /^\p{Lu}/u.test(t), word: /^[\p{L}\p{N}]/u.test(t) });
  const elides = ELIDING_LANGUAGES.has(lang);
  for (const m of normalised.matchAll(TOKEN)) {
    const t = m[0];
    const e = elides ? ELISION.exec(t) : null;
    if (e) {
      push(e[0], m.index);
      push(t.slice(e[0].length), m.index + e[0].length);
    } else push(t, m.index);
  }
  return out;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  entries?: Array<{ ref: EntityRef; alias: string[] }>;
}

export interface EntityMatch {
  start: number;
  /** Exclusive token index. */
  end: number;
  ref: EntityRef;
}

export class Gazetteer {
  private readonly root: TrieNode = { next: new Map() };
  /** Single-word names (≥ 5 letters) for misspelling tolerance, by length. */
  private readonly fuzzyTargets = new Map<number, Array<{ word: string; ref: EntityRef }>>();
  /** Lower-cased words that occur in any alias, so they are not mistaken for people's names. */
  readonly aliasWords = new Set<string>();

  /** "Nato" for NATO: house style in English; in German every noun is capitalised ("Plan" is not PLAN). */
  private readonly titleCaseAcronyms: boolean;

  /** English names always; a report's language adds its own names for states and organisations. */
  constructor(readonly lang = 'en') {
    this.titleCaseAcronyms = lang !== 'de';
    this.loadStates();
    this.loadOrganisations();
    if (lang !== 'en') this.loadTranslations(lang);
    for (const phrase of statesExtra.notActors) this.add(phrase, { name: phrase, type: 'none', via: 'name' });
  }

  private loadStates(): void {
    const ambiguousCapitals = new Set(statesExtra.ambiguousCapitals);
    const canonical = statesExtra.canonicalNames as Record<string, string>;
    const extra = statesExtra.aliases as Record<string, string[]>;
    const demonymsExtra = statesExtra.demonyms as Record<string, string[]>;
    const metonyms = statesExtra.metonyms as Record<string, string[]>;
    const included = countries.filter((c) => c.independent === true || EXTRA_STATES.has(c.cca2));
    const demonymCount = new Map<string, number>();
    for (const c of included) {
      const d = c.demonyms?.eng;
      if (d) for (const x of new Set([d.m, d.f])) demonymCount.set(x, (demonymCount.get(x) ?? 0) + 1);
    }
    for (const c of included) {
      const name = canonical[c.cca2] ?? c.name.common;
      const state = (via: Via): EntityRef => ({ name, type: 'state', via });
      const names = new Set([c.name.common, c.name.official, name, ...c.altSpellings]);
      for (const n of names) {
        if (!LATIN.test(n) || n.includes(',')) continue;
        if (/^[A-Z]{2,3}$/.test(n) && !CODES_USED_AS_NAMES.has(n)) continue;
        this.add(n, state('name'), true);
      }
      const d = c.demonyms?.eng;
      if (d) {
        for (const x of new Set([d.m, d.f])) {
          if (demonymCount.get(x) === 1 && LATIN.test(x)) this.add(x, state('demonym'), true);
        }
      }
      for (const cap of c.capital ?? []) {
        if (!ambiguousCapitals.has(cap) && LATIN.test(cap)) this.add(cap, state('capital'), true);
      }
      for (const adjective of demonymsExtra[c.cca2] ?? []) this.add(adjective, state('demonym'), true);
      for (const alias of extra[c.cca2] ?? []) this.add(alias, state('name'), true);
      for (const seat of metonyms[c.cca2] ?? []) this.add(seat, state('metonym'), true);
    }
  }

  /** State names in the report's language (world-countries and i18n-iso-countries), organisations from data/languages.json. */
  private loadTranslations(lang: string): void {
    const data = languageData(lang);
    if (!data) return;
    const script = lang === 'ru' ? LATIN_OR_CYRILLIC : LATIN;
    const canonical = statesExtra.canonicalNames as Record<string, string>;
    const localNames = i18nNames(lang);
    for (const c of countries.filter((x) => x.independent === true || EXTRA_STATES.has(x.cca2))) {
      const ref: EntityRef = { name: canonical[c.cca2] ?? c.name.common, type: 'state', via: 'name' };
      const t = c.translations?.[data.iso3];
      const names = new Set([t?.common, t?.official, ...(localNames[c.cca2] ?? [])].filter((n): n is string => !!n));
      for (const n of names) if (script.test(n) && !n.includes(',')) this.add(n, ref);
      for (const seat of data.stateAliases?.[c.cca2] ?? []) this.add(seat, { ...ref, via: 'capital' });
      // French adjectives of nationality are written in lower case ("le président russe").
      const d = lang === 'fr' ? c.demonyms?.fra : undefined;
      if (d) for (const x of new Set([d.m, d.f])) if (x.length > 3) this.add(x.toLowerCase(), { ...ref, via: 'demonym' });
    }
    const types = new Map(organisationsData.entries.map((e) => [e.name, e.type as ActorType]));
    for (const [name, aliases] of Object.entries(data.organisations)) {
      const ref: EntityRef = { name, type: types.get(name) ?? 'organisation', via: 'name' };
      for (const alias of aliases) this.add(alias, ref);
    }
  }

  private loadOrganisations(): void {
    for (const entry of organisationsData.entries) {
      const ref = (via: Via): EntityRef => ({ name: entry.name, type: entry.type as ActorType, via });
      this.add(entry.name, ref('name'), true);
      for (const alias of entry.aliases) this.add(alias, ref(alias === 'Brussels' ? 'metonym' : 'name'), true);
    }
  }

  private add(alias: string, ref: EntityRef, fuzzy = false): void {
    const tokens = tokenize(alias, this.lang).map((t) => t.text);
    if (tokens.length === 0) return;
    let node = this.root;
    for (const t of tokens) {
      const key = t.toLowerCase();
      let child = node.next.get(key);
      if (!child) node.next.set(key, (child = { next: new Map() }));
      node = child;
      if (/^\p{L}/u.test(t)) this.aliasWords.add(key);
    }
    (node.entries ??= []).push({ ref, alias: tokens });
    const only = tokens[0]!;
    if (fuzzy && tokens.length === 1 && only.length >= 5 && /^\p{Lu}\p{Ll}+$/u.test(only) && ref.via !== 'demonym') {
      const list = this.fuzzyTargets.get(only.length) ?? [];
      if (!list.some((x) => x.word === only)) list.push({ word: only, ref });
      this.fuzzyTargets.set(only.length, list);
    }
  }

  /** Longest match starting at token `i`, honouring the alias's capitalisation. */
  matchAt(tokens: Token[], i: number): EntityMatch | undefined {
    let node = this.root;
    let best: EntityMatch | undefined;
    for (let j = i; j < tokens.length; j++) {
      const child = node.next.get(tokens[j]!.text.toLowerCase());
      if (!child) break;
      node = child;
      if (node.entries) {
        const entry = node.entries.find((e) => e.alias.every((a, k) => caseMatches(a, tokens[i + k]!.text, this.titleCaseAcronyms)));
        if (entry) best = { start: i, end: j + 1, ref: entry.ref };
      }
    }
    return best;
  }

  /** All matches in a token list, left to right, longest first, non-overlapping. */
  matchAll(tokens: Token[]): EntityMatch[] {
    const out: EntityMatch[] = [];
    for (let i = 0; i < tokens.length; ) {
      const m = tokens[i]!.word ? this.matchAt(tokens, i) : undefined;
      // "the Islamic State Sahel Province": a longer name starting one token later wins over "the Islamic State".
      const later = m && m.end > i + 1 ? this.matchAt(tokens, i + 1) : undefined;
      if (m && later && later.end > m.end) {
        i++;
        continue;
      }
      if (m) {
        out.push(m);
        i = m.end;
      } else i++;
    }
    return out;
  }

  /** A single known name within one edit (Damerau) of `word`, if exactly one exists. */
  fuzzy(word: string): EntityRef | undefined {
    const found: EntityRef[] = [];
    for (const len of [word.length - 1, word.length, word.length + 1]) {
      for (const t of this.fuzzyTargets.get(len) ?? []) {
        if (t.word !== word && damerau1(word, t.word)) found.push(t.ref);
      }
    }
    const names = new Set(found.map((f) => f.name));
    return names.size === 1 ? found[0] : undefined;
  }
}

/**
 * Acronyms of up to three letters must match exactly ("WHO", not "who"); longer ones also in title case
 * ("Nato", house style at some publishers). Capitalised alias words need a capital in the text; lower-case
 * alias words ("the", "of") match any case.
 */
function caseMatches(alias: string, text: string, titleCaseAcronyms = true): boolean {
  if (alias === text) return true;
  const letters = alias.replace(/[^\p{L}]/gu, '');
  if (letters.length >= 2 && letters === letters.toUpperCase()) {
    return titleCaseAcronyms && letters.length >= 4 && text === alias[0] + alias.slice(1).toLowerCase();
  }
  if (/^\p{Lu}/u.test(alias)) return /^\p{Lu}/u.test(text);
  return true;
}

/** True when a and b differ by exactly one edit (insert, delete, substitute, adjacent swap). */
function damerau1(a: string, b: string): boolean {
  if (a === b) return false;
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length === 1) return true;
    return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  if (l.length - s.length !== 1) return false;
  let i = 0;
  while (i < s.length && s[i] === l[i]) i++;
  return s.slice(i) === l.slice(i + 1);
}

/** i18n-iso-countries names (all variants) by alpha-2 code, for one language. */
function i18nNames(lang: string): Record<string, string[]> {
  try {
    const locale = require(`i18n-iso-countries/langs/${lang}.json`) as { countries: Record<string, string | string[]> };
    return Object.fromEntries(Object.entries(locale.countries).map(([code, v]) => [code, Array.isArray(v) ? v : [v]]));
  } catch {
    return {};
  }
}

const shared = new Map<string, Gazetteer>();
/** Built once per process and language (≈ 1–2 ms each), then shared. */
export function gazetteer(lang = 'en'): Gazetteer {
  const key = languageData(lang) ? lang : 'en';
  let g = shared.get(key);
  if (!g) shared.set(key, (g = new Gazetteer(key)));
  return g;
}
