import { hash } from 'node:crypto';
import type Keyv from 'keyv';
import MiniSearch, { type Options as MiniSearchOptions } from 'minisearch';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';
import { reportDate, type Report } from './types.ts';
import { normaliseUrl } from './urls.ts';
import { decodeReport, decodeValue, encodedRows, encodeReport, encodeValue, ESCAPED_STRING, toStored } from './report-codec.ts';

export type UpsertStatus = 'created' | 'updated' | 'unchanged';

export interface ListOptions {
  limit?: number;
  source?: string;
  /** Only reports first ingested at or after this instant. */
  since?: Date;
}

interface IndexedReport {
  id: string;
  title: string;
  names: string;
  source: string;
  text: string;
}

const NAMESPACE = 'reports';
/** Where the search index snapshot lives (its own namespace, so listing reports never reads it). */
const INDEX_NAMESPACE = 'reports-index';
const SNAPSHOT_KEY = 'snapshot';
/** Below this many reports, rebuilding the index is quicker than reading a snapshot. */
const SNAPSHOT_MIN_REPORTS = 200;
/** Rows per SQL statement when writing and per page when loading (SQLite). */
const SQL_WRITE_ROWS = 200;
const SQL_READ_PAGE = 1_000;

/**
 * English function words are left out of the index: they occur in every report, so they cost the most
 * memory and time while ranking nothing. (A fixed list: a stop-word package would add a dependency for
 * a hundred words.)
 */
const STOP_WORDS = new Set(
  'a an and are as at be been but by for from had has have he her his i if in into is it its of on or our she so such than that the their them then there these they this those to was we were which while who will with would you your also not no can could may might should about after before between over under during through against among within without upon'.split(' '),
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
const INDEX_FORMAT = hash('sha1', JSON.stringify([2, INDEX_OPTIONS.fields, [...STOP_WORDS], processTerm.toString(), toIndexed.toString()]), 'base64');

/** A stored row's fingerprint: the snapshot records one per report, so a changed row is re-indexed. */
const rowHash = (raw: string) => hash('sha1', raw, 'base64');

interface IndexSnapshot {
  format: string;
  /** Report id → fingerprint of the stored row the index was built from. */
  rows: Record<string, string>;
  /** See serialiseIndex. */
  meta: unknown;
  terms: unknown;
}

type TermIndex = Map<string, Map<number, Map<number, number>>> & { set(term: string, data: Map<number, Map<number, number>>): unknown };

/** MiniSearch's term index (a radix tree of term → field → document → frequency), when it has the expected shape. */
function termIndex(index: MiniSearch<IndexedReport>): TermIndex | undefined {
  const terms = (index as unknown as { _index?: TermIndex })._index;
  return terms && typeof terms[Symbol.iterator] === 'function' && typeof terms.set === 'function' ? terms : undefined;
}

/**
 * The index as JSON: MiniSearch's own serialisation of everything but the terms (its toJSON, run with the
 * term index swapped out; `wrap` puts text before and after it), then the terms as flat arrays
 * `[term, field, [doc, freq, doc, freq…], …]`.
 * MiniSearch's toJSON would first build a plain-object copy of every posting (about 100 MB of garbage for
 * 10,000 reports), and its loadJS parses every document id back from a string key; flat number arrays
 * are quicker to write, parse and load. Undefined if MiniSearch's internals ever change shape.
 */
function serialiseIndex(index: MiniSearch<IndexedReport>, wrap: (meta: string) => [string, string] | undefined): string | undefined {
  const terms = termIndex(index);
  if (!terms) return undefined;
  const internal = index as unknown as { _index: unknown };
  let meta: string;
  try {
    internal._index = [];
    meta = JSON.stringify(index);
  } finally {
    internal._index = terms;
  }
  if (!meta.includes('"index":[]') || !meta.includes('"serializationVersion":2')) return undefined;
  // Each term's entry is joined into one flat string at once (+= would keep a rope of millions of pieces).
  const parts: string[] = [];
  const postings: number[] = [];
  const fieldParts: string[] = [];
  for (const [term, fields] of terms) {
    fieldParts.length = 0;
    for (const [fieldId, freqs] of fields) {
      postings.length = 0;
      for (const [doc, freq] of freqs) postings.push(doc, freq);
      fieldParts.push(`${fieldId},[${postings.join(',')}]`);
    }
    parts.push(`${parts.length ? ',' : ''}[${JSON.stringify(term)},${fieldParts.join(',')}]`);
  }
  // One join for the whole text: no intermediate copies of a string of several megabytes.
  const around = wrap(meta);
  if (!around) return undefined;
  parts.unshift(around[0], '[');
  parts.push(']', around[1]);
  return parts.join('');
}

/** The inverse of serialiseIndex; undefined when the snapshot or MiniSearch does not have the expected shape. */
function restoreIndex(meta: unknown, terms: unknown): MiniSearch<IndexedReport> | undefined {
  if (!meta || typeof meta !== 'object' || !Array.isArray(terms)) return undefined;
  const index = MiniSearch.loadJS({ ...(meta as Parameters<typeof MiniSearch.loadJS>[0]), index: [] }, INDEX_OPTIONS);
  const target = termIndex(index);
  if (!target) return undefined;
  for (const entry of terms as unknown[][]) {
    const data = new Map<number, Map<number, number>>();
    for (let i = 1; i + 1 < entry.length; i += 2) {
      const flat = entry[i + 1] as number[];
      const freqs = new Map<number, number>();
      for (let j = 0; j + 1 < flat.length; j += 2) freqs.set(flat[j]!, flat[j + 1]!);
      data.set(entry[i] as number, freqs);
    }
    target.set(entry[0] as string, data);
  }
  return index;
}

/** Metadata that counts as a change even when the body (and so the content hash) is the same. */
function metadataKey(r: Report): string {
  return JSON.stringify([r.title, r.source, r.url, r.authors, r.publishedAt, r.series, r.tags, r.regions, r.standfirst, r.captions]);
}

function originKey(r: Report): string {
  switch (r.origin.kind) {
    // (size/mtimeMs are a parse cache, not identity)
    case 'file':
      return `file:${r.origin.path}`;
    case 'url':
      return `url:${normaliseUrl(r.origin.url)}`;
    case 'feed':
      return `feed:${r.url ? normaliseUrl(r.url) : `${r.origin.feedId}:${r.origin.guid ?? ''}`}`;
  }
}

/**
 * How an incoming report relates to a stored one with the same id: the same document (same origin or
 * same URL: an update), a copy of it from elsewhere (same content: keep the first), or a different
 * document whose title merely slugs the same (stored under a suffixed id).
 */
function relation(existing: Report, incoming: Report): 'same' | 'copy' | 'different' {
  if (originKey(existing) === originKey(incoming)) return 'same';
  if (existing.url && incoming.url && normaliseUrl(existing.url) === normaliseUrl(incoming.url)) return 'same';
  return existing.contentHash === incoming.contentHash ? 'copy' : 'different';
}

/**
 * Every report, in memory with a MiniSearch index over it, persisted in the store's `reports` namespace.
 * Reads are synchronous and fast (Discord autocomplete has 3 s); writes go through to the store.
 */
export class ReportLibrary {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly reports = new Map<string, Report>();
  private readonly byUrl = new Map<string, string>();
  /** File path → id, built on first use. */
  private byPath: Map<string, string> | undefined;
  /** Lower-cased titles, so autocomplete does not lower-case every title on every keystroke. */
  private readonly lowerTitles = new Map<string, string>();
  private sorted: Report[] | undefined;
  private index = ReportLibrary.newIndex();
  private writing: Promise<void> = Promise.resolve();
  /** Report id → fingerprint of its stored row (see saveIndexSnapshot). */
  private rowHashes = new Map<string, string>();
  private indexedSinceSnapshot = 0;

  constructor(deps: { store: Store; logger: Logger; clock: Clock }) {
    this.store = deps.store;
    this.logger = deps.logger;
    this.clock = deps.clock;
  }

  private static newIndex(): MiniSearch<IndexedReport> {
    return new MiniSearch<IndexedReport>(INDEX_OPTIONS);
  }

  private get kv() {
    return this.store.kv<Report>(NAMESPACE);
  }

  /** The raw key/value adapter under keyv, with the SQLite `query` when there is one. */
  private adapter(kv: Keyv<unknown>) {
    return kv.store as {
      get(key: string): Promise<unknown>;
      set(key: string, value: string): Promise<unknown>;
      delete(key: string): Promise<unknown>;
      iterator?(namespace?: string): AsyncGenerator<[string, unknown]>;
      query?: (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>;
      opts?: { table?: string };
    };
  }

  /** The key keyv uses in the adapter for `key` (SQLite/Postgres prefix it with the namespace; Redis's adapter does that itself). */
  private static adapterKey(kv: Keyv<unknown>, namespace: string, key: string): string {
    return kv.useKeyPrefix && !key.startsWith(`${namespace}:`) ? `${namespace}:${key}` : key;
  }

  /** SQLite fast path: the table behind the reports namespace, when keyv prefixes keys as usual. */
  private sqliteTable(): { query: NonNullable<ReturnType<ReportLibrary['adapter']>['query']>; table: string } | undefined {
    if (this.store.kind !== 'sqlite' || !this.kv.useKeyPrefix) return undefined;
    const adapter = this.adapter(this.kv as Keyv<unknown>);
    const table = adapter.opts?.table;
    return typeof adapter.query === 'function' && table && /^[A-Za-z_][A-Za-z0-9_]*$/.test(table) ? { query: adapter.query, table } : undefined;
  }

  /**
   * Every stored row of the namespace as raw keyv strings, page by page. On SQLite this is one indexed
   * range query per page of 1,000 (keyv's own iterator pages with LIMIT/OFFSET, which rescans from the
   * start for every page); elsewhere it is the adapter's iterator.
   */
  private async *rawRows(): AsyncGenerator<Array<[string, unknown]>> {
    const sql = this.sqliteTable();
    if (sql) {
      let after = `${NAMESPACE}:`;
      const end = `${NAMESPACE};`; // ';' follows ':'; the range is exactly the keys starting with "reports:"
      for (;;) {
        const rows = await sql.query(`SELECT key, value FROM ${sql.table} WHERE key > ? AND key < ? ORDER BY key LIMIT ?`, after, end, SQL_READ_PAGE);
        if (rows.length === 0) return;
        yield rows.map((r) => [String(r.key), r.value]);
        after = String(rows.at(-1)!.key);
        if (rows.length < SQL_READ_PAGE) return;
      }
    }
    const kv = this.kv as Keyv<unknown>;
    const adapter = this.adapter(kv);
    if (typeof adapter.iterator !== 'function') throw new Error(`The ${this.store.kind} store cannot list reports (no iterator)`);
    let page: Array<[string, unknown]> = [];
    for await (const [key, raw] of adapter.iterator(kv.namespace)) {
      // (as keyv's own iterator does: a prefixing store may list other namespaces' keys)
      if (kv.useKeyPrefix && !key.startsWith(`${NAMESPACE}:`)) continue;
      page.push([key, raw]);
      if (page.length >= SQL_READ_PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }

  /**
   * (Re)loads every stored report into memory and rebuilds the index. Safe to call again to pick up writes
   * by other processes. The index comes from the stored snapshot when there is one: only reports whose
   * stored row changed since (or that are new) are re-indexed, and reports no longer stored are dropped.
   */
  async load(): Promise<void> {
    const started = Date.now();
    const loaded: Report[] = [];
    const hashes = new Map<string, string>();
    for await (const page of this.rawRows()) {
      for (const [, raw] of page) {
        const report = decodeReport(raw);
        if (!report || typeof raw !== 'string') continue;
        loaded.push(report);
        hashes.set(report.id, rowHash(raw));
      }
    }
    this.reports.clear();
    this.byUrl.clear();
    this.byPath = undefined;
    this.lowerTitles.clear();
    this.rowHashes = hashes;
    for (const report of loaded) this.remember(report);
    let snapshot = loaded.length >= SNAPSHOT_MIN_REPORTS ? await this.readSnapshot() : undefined;
    let reindexed = loaded.length;
    if (snapshot) {
      try {
        const index = snapshot.index;
        reindexed = 0;
        for (const id of Object.keys(snapshot.rows)) {
          if (!hashes.has(id) && index.has(id)) {
            index.discard(id);
            reindexed++;
          }
        }
        for (const report of loaded) {
          if (snapshot.rows[report.id] === hashes.get(report.id) && index.has(report.id)) continue;
          reindexed++;
          if (index.has(report.id)) index.replace(toIndexed(report));
          else index.add(toIndexed(report));
        }
        this.index = index;
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'search index snapshot does not fit the stored reports; rebuilding the index');
        snapshot = undefined;
        reindexed = loaded.length;
      }
    }
    if (!snapshot) {
      this.index = ReportLibrary.newIndex();
      this.index.addAll(loaded.map(toIndexed));
    }
    this.sorted = undefined;
    this.indexedSinceSnapshot = 0;
    // A missing or much-changed snapshot is rewritten in the background, ready for the next start.
    if (loaded.length >= SNAPSHOT_MIN_REPORTS && reindexed > Math.max(50, loaded.length * 0.05)) {
      void this.saveIndexSnapshot().catch((error: Error) => this.logger.warn({ err: error.message }, 'could not save the search index snapshot'));
    }
    this.logger.debug({ count: loaded.length, reindexed, snapshot: Boolean(snapshot), ms: Date.now() - started }, 'report library loaded');
  }

  private async readSnapshot(): Promise<{ rows: Record<string, string>; index: MiniSearch<IndexedReport> } | undefined> {
    try {
      const kv = this.store.kv<unknown>(INDEX_NAMESPACE);
      const snapshot = decodeValue(await this.adapter(kv).get(ReportLibrary.adapterKey(kv, INDEX_NAMESPACE, SNAPSHOT_KEY))) as IndexSnapshot | undefined;
      if (!snapshot || snapshot.format !== INDEX_FORMAT || !snapshot.rows || typeof snapshot.rows !== 'object') return undefined;
      const index = restoreIndex(snapshot.meta, snapshot.terms);
      return index && { rows: snapshot.rows, index };
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'search index snapshot unreadable; rebuilding the index');
      return undefined;
    }
  }

  /**
   * Stores the search index with the fingerprint of every row it was built from, so the next start reads
   * it instead of re-tokenising every report (see load). Taken after pending report writes, in one step
   * so it matches memory. Worth it after a large ingest; small libraries skip it.
   */
  saveIndexSnapshot(): Promise<void> {
    this.indexedSinceSnapshot = 0;
    return this.serialise(async () => {
      await new Promise((resolve) => setImmediate(resolve)); // not inside the caller's synchronous step
      if (this.reports.size < SNAPSHOT_MIN_REPORTS) return;
      for (const id of this.reports.keys()) if (!this.rowHashes.has(id)) return; // a row this process has not seen
      // Built in one synchronous step, while the index and the row fingerprints describe the same reports.
      const head = encodeValue({ format: INDEX_FORMAT, rows: Object.fromEntries(this.rowHashes), meta: 0, terms: 0 } satisfies IndexSnapshot);
      const tail = '"meta":0,"terms":0}}';
      if (!head.endsWith(tail)) return;
      const raw = serialiseIndex(this.index, (meta) =>
        // (an id starting with ":" would need keyv's escaping: no snapshot then)
        ESCAPED_STRING.test(meta) ? undefined : [`${head.slice(0, -tail.length)}"meta":${meta},"terms":`, '}}'],
      );
      if (!raw) return;
      const kv = this.store.kv<unknown>(INDEX_NAMESPACE);
      await this.adapter(kv).set(ReportLibrary.adapterKey(kv, INDEX_NAMESPACE, SNAPSHOT_KEY), raw);
    });
  }

  /** Reports indexed since the snapshot was taken or loaded (ingestion saves a new one when this is large). */
  changesSinceSnapshot(): number {
    return this.indexedSinceSnapshot;
  }

  /** Resolves once every write started so far has finished. */
  flush(): Promise<void> {
    return this.writing;
  }
  private remember(report: Report): void {
    this.reports.set(report.id, report);
    if (report.origin.kind === 'file') this.byPath?.set(report.origin.path, report.id);
    this.lowerTitles.set(report.id, report.title.toLowerCase());
    if (report.url) this.byUrl.set(normaliseUrl(report.url), report.id);
  }

  /**
   * Adds or updates one report. Same id and same content+metadata: `unchanged`, nothing written.
   * Same id, different document (another file/URL that slugs the same): stored under `id-2`, `id-3`…
   */
  async upsert(report: Report): Promise<UpsertStatus> {
    const [result] = await this.upsertMany([report]);
    return result!.status;
  }

  /** Batch form of upsert: one store round of writes, used by directory and feed ingestion. */
  async upsertMany(incoming: Report[]): Promise<Array<{ report: Report; status: UpsertStatus }>> {
    const results: Array<{ report: Report; status: UpsertStatus }> = [];
    const toWrite: Array<{ report: Report; raw: string }> = [];
    // Encoded now, in step with the index, so the row fingerprints always describe what is indexed.
    const encode = (report: Report, preEncoded?: string) => {
      const raw = preEncoded ?? encodeReport(report);
      this.rowHashes.set(report.id, rowHash(raw));
      toWrite.push({ report, raw });
    };
    for (const candidate of incoming) {
      const { report, status } = this.merge(candidate);
      results.push({ report, status });
      if (status === 'unchanged') {
        // Same content, but the file was touched: remember its new stat so it is skipped next time.
        if (report.origin.kind === 'file' && candidate.origin.kind === 'file' && report.origin.path === candidate.origin.path && report.origin.mtimeMs !== candidate.origin.mtimeMs) {
          report.origin = candidate.origin;
          encode(report);
        }
        continue;
      }
      const wasIndexed = this.index.has(report.id);
      this.remember(report);
      if (wasIndexed) this.index.replace(toIndexed(report));
      else this.index.add(toIndexed(report));
      this.indexedSinceSnapshot++;
      // A new report stored as parsed: its row may already have been encoded on the parse worker.
      encode(report, status === 'created' && report.id === candidate.id ? encodedRows.get(candidate) : undefined);
    }
    if (toWrite.length) {
      this.sorted = undefined;
      await this.write(toWrite);
    }
    return results;
  }

  /** Runs store writes one after another, in call order. */
  private serialise(run: () => Promise<void>): Promise<void> {
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Persists a batch (already encoded, see upsertMany). Writes are serialised. On SQLite a batch is one
   * transaction of multi-row upserts: keyv's SQLite adapter has no setMany, and its per-row statements
   * (one implicit transaction each) cap ingestion far below 2,000 reports/s. The rows are exactly what
   * keyv itself writes (`reports:<id>` → `{"value":…}`), so kv.get and keyv's iterator read them.
   */
  private write(batch: Array<{ report: Report; raw: string }>): Promise<void> {
    return this.serialise(async () => {
      const sql = this.sqliteTable();
      if (!sql) {
        // keyv serialises `{ value: stored }` to the same string as `raw` (report-codec.ts).
        const written: unknown = await (this.kv as Keyv<unknown>).setMany(batch.map(({ report }) => ({ key: report.id, value: toStored(report) })));
        // Some adapters (Redis) resolve to nothing on success; a boolean array reports per-entry failures.
        const failed = Array.isArray(written) ? written.filter((ok) => !ok).length : 0;
        if (failed) throw new Error(`Could not save ${failed} of ${batch.length} reports to the ${this.store.kind} store`);
        return;
      }
      await sql.query('BEGIN IMMEDIATE');
      try {
        for (let i = 0; i < batch.length; i += SQL_WRITE_ROWS) {
          const rows = batch.slice(i, i + SQL_WRITE_ROWS);
          const params: string[] = [];
          for (const { report, raw } of rows) params.push(ReportLibrary.adapterKey(this.kv as Keyv<unknown>, NAMESPACE, report.id), raw);
          await sql.query(`INSERT INTO ${sql.table}(key, value) VALUES ${rows.map(() => '(?, ?)').join(', ')} ON CONFLICT(key) DO UPDATE SET value = excluded.value`, ...params);
        }
        await sql.query('COMMIT');
      } catch (error) {
        await sql.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
  private merge(candidate: Report): { report: Report; status: UpsertStatus } {
    let id = candidate.id;
    let existing = this.reports.get(id);
    for (let n = 2; existing; n++) {
      const rel = relation(existing, candidate);
      if (rel === 'copy') return { report: existing, status: 'unchanged' };
      if (rel === 'same') break;
      id = `${candidate.id}-${n}`;
      existing = this.reports.get(id);
    }
    if (!existing) {
      return { report: { ...candidate, id }, status: 'created' };
    }
    const contentChanged = existing.contentHash !== candidate.contentHash;
    if (!contentChanged && metadataKey(existing) === metadataKey(candidate)) return { report: existing, status: 'unchanged' };
    const report: Report = {
      ...candidate,
      id,
      ingestedAt: existing.ingestedAt,
      updatedAt: contentChanged ? this.clock.now().toISOString() : existing.updatedAt,
    };
    // Whether a report was backlog is decided when it is first seen.
    if (existing.backfill) report.backfill = true;
    else delete report.backfill;
    return { report, status: 'updated' };
  }

  async delete(id: string): Promise<boolean> {
    const report = this.reports.get(id);
    if (!report) return false;
    this.reports.delete(id);
    this.rowHashes.delete(id);
    this.lowerTitles.delete(id);
    if (report.url && this.byUrl.get(normaliseUrl(report.url)) === id) this.byUrl.delete(normaliseUrl(report.url));
    this.index.discard(id);
    this.indexedSinceSnapshot++;
    this.sorted = undefined;
    await this.serialise(async () => void (await this.kv.delete(id)));
    return true;
  }

  get(id: string): Report | undefined {
    return this.reports.get(id);
  }

  /** The report ingested from this file path, if any (used to skip files that have not changed). */
  findByPath(path: string): Report | undefined {
    if (!this.byPath) {
      this.byPath = new Map();
      for (const r of this.reports.values()) if (r.origin.kind === 'file') this.byPath.set(r.origin.path, r.id);
    }
    const id = this.byPath.get(path);
    const report = id ? this.reports.get(id) : undefined;
    return report?.origin.kind === 'file' && report.origin.path === path ? report : undefined;
  }

  findByUrl(url: string): Report | undefined {
    const id = this.byUrl.get(normaliseUrl(url));
    return id ? this.reports.get(id) : undefined;
  }

  private newestFirst(): Report[] {
    this.sorted ??= [...this.reports.values()].sort((a, b) => {
      const d = reportDate(b).localeCompare(reportDate(a));
      return d !== 0 ? d : b.ingestedAt.localeCompare(a.ingestedAt) || a.id.localeCompare(b.id);
    });
    return this.sorted;
  }

  /** Newest first by published date (ingestion time when unknown). */
  list(opts: ListOptions = {}): Report[] {
    const source = opts.source?.toLowerCase();
    const since = opts.since?.toISOString();
    const out: Report[] = [];
    const limit = opts.limit ?? Infinity;
    for (const report of this.newestFirst()) {
      if (out.length >= limit) break;
      if (source && report.source.toLowerCase() !== source) continue;
      if (since && report.ingestedAt < since) continue;
      out.push(report);
    }
    return out;
  }

  /**
   * Ranked full-text search: title, names (authors, tags, regions), source, text. Exact terms first (cheap,
   * and what people type most); only when that finds too little does it widen to prefixes and typos, and
   * finally to reports matching any of the terms.
   */
  search(query: string, opts: { limit?: number } = {}): Report[] {
    const q = query.trim();
    if (!q) return [];
    const limit = opts.limit ?? 20;
    const seen = new Set<string>();
    const out: Report[] = [];
    const take = (hits: Array<{ id: unknown }>) => {
      for (const hit of hits) {
        if (out.length >= limit) return;
        const id = hit.id as string;
        if (seen.has(id)) continue;
        const report = this.reports.get(id);
        if (report) {
          seen.add(id);
          out.push(report);
        }
      }
    };
    const prefix = (term: string) => term.length >= 3;
    const fuzzy = (term: string) => (term.length >= 5 ? 0.2 : false);
    take(this.index.search(q));
    if (out.length < limit) take(this.index.search(q, { prefix }));
    // Typo tolerance expands every term into many candidates, so it is the last resort, not the default.
    if (out.length === 0) take(this.index.search(q, { prefix, fuzzy, maxFuzzy: 2 }));
    if (out.length === 0) take(this.index.search(q, { combineWith: 'OR', prefix, fuzzy, maxFuzzy: 2 }));
    return out;
  }

  /** Fast autocomplete: title/id prefix matches first, then index hits; empty prefix lists the latest. */
  suggest(prefix: string, limit = 25): Array<{ id: string; title: string }> {
    const p = prefix.trim().toLowerCase();
    const pick = (r: Report) => ({ id: r.id, title: r.title });
    if (!p) return this.list({ limit }).map(pick);
    const out = new Map<string, { id: string; title: string }>();
    for (const r of this.newestFirst()) {
      if (out.size >= limit) break;
      if (r.id.startsWith(p) || this.lowerTitles.get(r.id)!.startsWith(p)) out.set(r.id, pick(r));
    }
    if (out.size < limit) {
      const add = (hits: Array<{ id: unknown }>) => {
        for (const hit of hits) {
          if (out.size >= limit) break;
          const r = this.reports.get(hit.id as string);
          if (r && !out.has(r.id)) out.set(r.id, pick(r));
        }
      };
      add(this.index.search(p, { prefix: true }));
      if (out.size === 0 && p.length > 4) add(this.index.search(p, { prefix: true, fuzzy: 0.2, maxFuzzy: 2 }));
    }
    return [...out.values()];
  }

  /** Exact id, then exact title (case-insensitive), then the best search hit. */
  resolve(idOrTitle: string): Report | undefined {
    const value = idOrTitle.trim();
    if (!value) return undefined;
    const byId = this.reports.get(value) ?? this.reports.get(value.toLowerCase());
    if (byId) return byId;
    const lower = value.toLowerCase();
    for (const r of this.newestFirst()) if (this.lowerTitles.get(r.id) === lower) return r;
    const byUrl = /^https?:\/\//i.test(value) ? this.findByUrl(value) : undefined;
    return byUrl ?? this.search(value, { limit: 1 })[0];
  }

  count(): number {
    return this.reports.size;
  }

  /** Distinct source names, alphabetical. */
  sources(): string[] {
    return [...new Set([...this.reports.values()].map((r) => r.source))].sort((a, b) => a.localeCompare(b));
  }
}
