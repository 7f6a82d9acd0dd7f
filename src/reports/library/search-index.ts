import { hash } from 'node:crypto';
import MiniSearch, { type Options as MiniSearchOptions, type SearchOptions } from 'minisearch';
import type { Report } from '../types.ts';

/** The full-text index over reports (MiniSearch) and the queries the library runs on it. */

interface IndexedReport {
  id: string;
  title: string;
  names: string;
  source: string;
  text: string;
}

/**
 * English function words are left out of the index: they occur in every report, so they cost the most
 * memory and time while ranking nothing. (A fixed list: a stop-word package would add a dependency for
 * a hundred words.)
 */
const STOP_WORDS = new Set(
  'a an and are as at be been but by for from had has have he her his i if in into is it its of on or our she so such than that the their them then there these they this those to was we were which while who will with would you your also not no can could may might should about after before between over under during through against among within without upon'.split(
    ' ',
  ),
);

function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  return t.length < 2 || STOP_WORDS.has(t) ? null : t;
}

function toIndexed(report: Report): IndexedReport {
  return {
    id: report.id,
    title: report.title,
    names: [...report.authors, ...report.tags, ...report.regions].join(' ; '),
    source: report.source,
    text: [report.standfirst ?? '', report.text].join('\n'),
  };
}

const INDEX_OPTIONS: MiniSearchOptions<IndexedReport> = {
  fields: ['title', 'names', 'source', 'text'],
  storeFields: [],
  processTerm,
  searchOptions: { boost: { title: 4, names: 3, source: 1.5, text: 1 }, combineWith: 'AND', processTerm },
};

/**
 * Identifies how documents are indexed: a snapshot made by code that tokenised or mapped reports
 * differently (another stop-word list, other fields) is not used.
 */
export const INDEX_FORMAT = hash('sha1', JSON.stringify([4, INDEX_OPTIONS.fields, [...STOP_WORDS], processTerm.toString(), toIndexed.toString()]), 'base64');

const prefix = (term: string) => term.length >= 3;
const fuzzy = (term: string) => (term.length >= 5 ? 0.2 : false);

export type Accept = (id: string) => boolean;

/** MiniSearch's serialised form (`index` holds one [term, postings] pair per indexed term). */
export type IndexJS = ReturnType<MiniSearch['toJSON']>;

export class SearchIndex {
  private constructor(private readonly mini: MiniSearch<IndexedReport>) {}

  static empty(): SearchIndex {
    return new SearchIndex(new MiniSearch<IndexedReport>(INDEX_OPTIONS));
  }

  static of(reports: Report[]): SearchIndex {
    const index = SearchIndex.empty();
    index.mini.addAll(reports.map(toIndexed));
    return index;
  }

  /** An index serialised by toJSON (MiniSearch's own format). */
  static fromJSON(json: string): SearchIndex {
    return new SearchIndex(MiniSearch.loadJSON(json, INDEX_OPTIONS));
  }

  /** An index from toJS's plain object (MiniSearch's own format). */
  static fromJS(js: IndexJS): SearchIndex {
    return new SearchIndex(MiniSearch.loadJS(js, INDEX_OPTIONS));
  }

  /** MiniSearch's public serialisation (see snapshot.ts). */
  toJSON(): string {
    return JSON.stringify(this.mini);
  }

  /** The same as a plain object (no string of the whole index: snapshot.ts stores it in parts). */
  toJS(): IndexJS {
    return this.mini.toJSON();
  }

  has(id: string): boolean {
    return this.mini.has(id);
  }

  /** Adds the report, or replaces what was indexed for its id. */
  put(report: Report): void {
    if (this.mini.has(report.id)) this.mini.replace(toIndexed(report));
    else this.mini.add(toIndexed(report));
  }

  discard(id: string): void {
    if (this.mini.has(id)) this.mini.discard(id);
  }

  private hits(query: string, accept: Accept, options: SearchOptions = {}): string[] {
    return this.mini.search(query, { ...options, filter: (hit) => accept(hit.id as string) }).map((hit) => hit.id as string);
  }

  /**
   * Ranked ids: exact terms first (cheap, and what people type most); only when that finds too little
   * does it widen to prefixes and typos, and finally (unless `strict`) to reports matching any term.
   */
  search(query: string, limit: number, accept: Accept, opts: { strict?: boolean } = {}): string[] {
    const out = new Set<string>();
    const take = (ids: string[]) => {
      for (const id of ids) {
        if (out.size >= limit) return;
        out.add(id);
      }
    };
    take(this.hits(query, accept));
    if (out.size < limit) take(this.hits(query, accept, { prefix }));
    // Typo tolerance expands every term into many candidates, so it is the last resort, not the default.
    if (out.size === 0) take(this.hits(query, accept, { prefix, fuzzy, maxFuzzy: 2 }));
    if (out.size === 0 && !opts.strict) take(this.hits(query, accept, { combineWith: 'OR', prefix, fuzzy, maxFuzzy: 2 }));
    return [...out];
  }

  /** Autocomplete hits for a typed prefix; `typos` widens to fuzzy matches (for longer input that found nothing). */
  suggest(typed: string, accept: Accept, typos = false): string[] {
    return this.hits(typed, accept, typos ? { prefix: true, fuzzy: 0.2, maxFuzzy: 2 } : { prefix: true });
  }
}
