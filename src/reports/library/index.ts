// Why this file is longer than ~350 lines: it is the library's façade. Every write and every absorbed
// change-log entry must update the cache (cache.ts), the search index and the store in one serialised
// step, and every read must apply the tenancy view; the rules themselves live beside it (identity,
// tenancy, search-index, snapshot, repository, cache), this file only sequences them.
import type { Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../logger.ts';
import type { Store } from '../../store/index.ts';
import type { Report, ReportMeta } from '../types.ts';
import { distinctFeedItems, identityUrls, mergeAudience, mergeUpdate, relation, withAudience, withIdentities, type UpsertStatus } from './identity.ts';
import { REPORTS_NAMESPACE, ReportRepository } from './repository.ts';
import { ReportCache, toMeta } from './cache.ts';
import { SearchIndex } from './search-index.ts';
import { fingerprint, readSnapshot, SNAPSHOT_MIN_REPORTS, writeSnapshot } from './snapshot.ts';
import { FEEDS_NAMESPACE, FeedAudiences, type View } from './tenancy.ts';

export type { UpsertStatus } from './identity.ts';
export type { View } from './tenancy.ts';

export interface ListOptions extends View {
  limit?: number;
  source?: string;
  /** Only reports first ingested at or after this instant. */
  since?: Date;
}

/** How often the library reads the store's change log even without a wake-up (issue 9: visible within 5 s). */
const CATCH_UP_MS = 2_000;
const CHANGES_PAGE = 1_000;

/**
 * The report library: a cache of the store's reports with a search index over them, fed by the store's
 * change log, so reports written by any process (CLI ingest, another bot) appear here within seconds.
 * Reads are synchronous and fast (Discord autocomplete has 3 s); writes go to the store first, then to
 * the change log (whose seq each report records).
 */
export class ReportLibrary {
  private readonly store: Store;
  private readonly repo: ReportRepository;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly follows: boolean;
  /** Metadata only: text and sections stay in the store (see load). */
  private readonly reports = new ReportCache();
  private index = SearchIndex.empty();
  private readonly audiences: FeedAudiences;
  /** The change-log position everything before which is in memory. */
  private absorbed = 0;
  private writing: Promise<void> = Promise.resolve();
  private indexedSinceSnapshot = 0;
  private stopFollowing: (() => void) | undefined;
  private catching: Promise<void> | undefined;

  /** `follow: false` skips the change-log subscription (a one-shot CLI command needs none). */
  constructor(deps: { store: Store; logger: Logger; clock: Clock; follow?: boolean }) {
    this.store = deps.store;
    this.repo = new ReportRepository(deps.store);
    this.logger = deps.logger;
    this.clock = deps.clock;
    this.follows = deps.follow ?? true;
    this.audiences = new FeedAudiences(deps.store);
  }

  /**
   * (Re)loads the metadata of every stored report and the feed audiences, builds the index (from the
   * stored snapshot when there is one: only reports changed since are re-indexed), then follows the
   * change log. Report text is read page by page for indexing and not kept.
   */
  async open(): Promise<void> {
    const started = Date.now();
    // Read before the scan: anything written during it is absorbed again by the first catch-up.
    const head = await this.repo.head();
    let built = await this.scanAndIndex(true).catch((error: unknown) => {
      this.logger.warn({ err: errorMessage(error) }, 'search index snapshot does not fit the stored reports; rebuilding the index');
      return undefined;
    });
    built ??= await this.scanAndIndex(false);
    await this.audiences.load();
    this.reports.clear();
    for (const meta of built.metas) this.reports.remember(meta);
    this.index = built.index;
    this.absorbed = Math.max(this.absorbed, head);
    this.indexedSinceSnapshot = 0;
    // A missing or much-changed snapshot is rewritten in the background, ready for the next start.
    const count = built.metas.length;
    if (count >= SNAPSHOT_MIN_REPORTS && built.reindexed > Math.max(50, count * 0.05)) {
      void this.saveIndexSnapshot().catch((error: unknown) => this.logger.warn({ err: errorMessage(error) }, 'could not save the search index snapshot'));
    }
    this.follow();
    this.logger.debug({ count, reindexed: built.reindexed, ms: Date.now() - started }, 'report library loaded');
  }

  private async scanAndIndex(useSnapshot: boolean): Promise<{ metas: ReportMeta[]; index: SearchIndex; reindexed: number }> {
    const snapshot = useSnapshot ? await readSnapshot(this.store, this.logger) : undefined;
    const index = snapshot?.index ?? SearchIndex.empty();
    const metas: ReportMeta[] = [];
    const present = new Set<string>();
    let reindexed = 0;
    for await (const page of this.repo.scan()) {
      for (const report of page) {
        present.add(report.id);
        if (snapshot?.rows[report.id] !== fingerprint(report) || !index.has(report.id)) {
          index.put(report);
          reindexed++;
        }
        metas.push(toMeta(report));
      }
    }
    for (const id of Object.keys(snapshot?.rows ?? {})) {
      if (!present.has(id) && index.has(id)) {
        index.discard(id);
        reindexed++;
      }
    }
    return { metas, index, reindexed };
  }

  /** Loads every stored report (see open); with an id, the full stored report (see loadReport). */
  load(): Promise<void>;
  load(id: string, view?: View): Promise<Report | undefined>;
  load(id?: string, view?: View): Promise<Report | undefined | void> {
    return id === undefined ? this.open() : this.loadReport(id, view);
  }

  /** The full report (text and sections) as the store holds it now, if visible in `view`. */
  async loadReport(id: string, view?: View): Promise<Report | undefined> {
    const meta = this.get(id, view);
    if (!meta) return undefined;
    const stored = await this.repo.read(meta.id);
    if (!stored) return undefined;
    if (stored.seq === undefined && meta.seq !== undefined) stored.seq = meta.seq;
    return stored;
  }

  /** Full reports for these ids (read from the store in one round), in order; missing or invisible ones left out. */
  async loadMany(ids: string[], view?: View): Promise<Report[]> {
    const visible = ids.filter((id) => this.get(id, view));
    const out: Report[] = [];
    for (let i = 0; i < visible.length; i += CHANGES_PAGE) {
      const page = visible.slice(i, i + CHANGES_PAGE);
      const rows = await this.repo.readMany(page);
      rows.forEach((row, j) => {
        if (!row) return;
        row.seq ??= this.reports.get(page[j]!)?.seq;
        if (row.seq === undefined) delete row.seq;
        out.push(row);
      });
    }
    return out;
  }

  private follow(): void {
    if (!this.follows || this.stopFollowing) return;
    const wake = () => void this.catchUp();
    const unwatch = this.repo.watch(wake);
    const timer = setInterval(wake, CATCH_UP_MS);
    timer.unref();
    this.stopFollowing = () => {
      unwatch();
      clearInterval(timer);
    };
  }

  /** Stops following the change log (the app calls this before closing the store). */
  close(): void {
    this.stopFollowing?.();
    this.stopFollowing = undefined;
  }

  /**
   * Absorbs every change-log entry after the library's position: reports written or deleted by any
   * process, and feed rows whose followers changed. Never throws (a failed catch-up is retried by the next).
   */
  catchUp(): Promise<void> {
    this.catching ??= this.serialise(() => this.absorbChanges())
      .catch((error: unknown) => this.logger.warn({ err: errorMessage(error) }, 'could not read the store change log'))
      .finally(() => (this.catching = undefined));
    return this.catching;
  }

  private async absorbChanges(): Promise<void> {
    for (;;) {
      const { entries, truncated, trimmedThrough } = await this.repo.readSince(this.absorbed, CHANGES_PAGE);
      if (truncated) {
        this.logger.warn({ absorbed: this.absorbed, trimmedThrough }, 'the change log was trimmed past this library; rescanning the stored reports');
        await this.rescan();
        this.absorbed = Math.max(this.absorbed, trimmedThrough); // never loops on a log whose head lags its watermark
        continue;
      }
      if (entries.length === 0) return;
      const reportSeqs = new Map<string, number>();
      const feedKeys = new Set<string>();
      for (const entry of entries) {
        if (entry.namespace === REPORTS_NAMESPACE) reportSeqs.set(entry.key, entry.seq);
        else if (entry.namespace === FEEDS_NAMESPACE) feedKeys.add(entry.key);
      }
      // Entries this process wrote itself (or already read) are skipped.
      const stale = [...reportSeqs].filter(([id, seq]) => (this.reports.get(id)?.seq ?? -1) < seq);
      const rows = await this.repo.readMany(stale.map(([id]) => id));
      stale.forEach(([id, seq], i) => {
        const row = rows[i];
        if (!row) return this.forget(id);
        if (row.seq === undefined || row.seq < seq) row.seq = seq;
        this.index.put(row);
        this.reports.remember(row);
        this.indexedSinceSnapshot++;
      });
      for (const key of feedKeys) await this.audiences.refresh(key);
      this.absorbed = entries.at(-1)!.seq;
      if (entries.length < CHANGES_PAGE) return;
    }
  }

  /**
   * Brings the cache back in step with the store after missing change-log entries (trimmed by retention
   * before this library read them): every stored report is read; changed or new ones are re-indexed, ones
   * no longer stored are forgotten, and the library continues from the log's head read before the scan
   * (anything written during the scan is read again from the log).
   */
  private async rescan(): Promise<void> {
    const head = await this.repo.head();
    const present = new Set<string>();
    for await (const page of this.repo.scan()) {
      for (const report of page) {
        present.add(report.id);
        const known = this.reports.get(report.id);
        if (known && fingerprint(known) === fingerprint(report) && this.index.has(report.id)) continue;
        this.index.put(report);
        this.reports.remember(report);
        this.indexedSinceSnapshot++;
      }
    }
    for (const meta of [...this.reports.values()]) if (!present.has(meta.id)) this.forget(meta.id);
    await this.audiences.load();
    this.absorbed = Math.max(this.absorbed, head);
  }

  /**
   * Stores the search index with the fingerprint of every report it was built from, so the next start
   * reads it instead of re-tokenising every report (see open). Taken after pending report writes, in one
   * step so it matches memory. Worth it after a large ingest; small libraries skip it.
   */
  saveIndexSnapshot(): Promise<void> {
    this.indexedSinceSnapshot = 0;
    return this.serialise(async () => {
      await new Promise((resolve) => setImmediate(resolve)); // not inside the caller's synchronous step
      if (this.reports.size < SNAPSHOT_MIN_REPORTS) return;
      // Built in one synchronous step, while the index and the fingerprints describe the same reports.
      const rows: Record<string, string> = {};
      for (const report of this.reports.values()) rows[report.id] = fingerprint(report);
      await writeSnapshot(this.store, rows, this.index.toJS());
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

  /** Runs store writes (and catch-ups) one after another, in call order. */
  private serialise<T>(run: () => Promise<T>): Promise<T> {
    const next = this.writing.then(run, run);
    this.writing = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private forget(id: string): void {
    if (!this.reports.forget(id)) return;
    this.index.discard(id);
    this.indexedSinceSnapshot++;
  }

  /**
   * Adds or updates one report. Same article and same content+metadata: `unchanged`, nothing written.
   * Same id, different document (another file/URL that slugs the same): stored under `id-2`, `id-3`…
   */
  async upsert(report: Report): Promise<UpsertStatus> {
    const [result] = await this.upsertMany([report]);
    return result!.status;
  }

  /** Batch form of upsert: one store round of writes, used by directory and feed ingestion. */
  upsertMany(incoming: Report[]): Promise<Array<{ report: ReportMeta; status: UpsertStatus }>> {
    return this.serialise(async () => {
      const results: Array<{ report: ReportMeta; status: UpsertStatus }> = [];
      const toWrite: Report[] = [];
      const touched: Report[] = [];
      const preclaimed = await this.claimNewIds(incoming);
      for (const candidate of incoming) {
        let { report, status } = this.merge(candidate);
        if (status === 'created') ({ report, status } = await this.claim(candidate, report as Report, preclaimed));
        if (status === 'unchanged') {
          results.push({ report, status });
          // Same content, but the file was touched: remember its new stat so it is skipped next time.
          if (
            report.origin.kind === 'file' &&
            candidate.origin.kind === 'file' &&
            report.origin.path === candidate.origin.path &&
            report.origin.mtimeMs !== candidate.origin.mtimeMs
          ) {
            report.origin = candidate.origin;
            const full = await this.withText(report);
            if (full) touched.push(full);
          }
          continue;
        }
        const full = await this.withText(report);
        if (!full) continue; // deleted by another process meanwhile
        results.push({ report: full, status });
        this.index.put(full);
        this.reports.remember(full);
        this.indexedSinceSnapshot++;
        toWrite.push(full);
      }
      if (toWrite.length) {
        // Row first, then the change-log entry (a process that reads the entry finds the row), then the
        // row again with the seq it was given (so a restarted process knows every report's position).
        await this.repo.write(toWrite);
        const seqs = await this.repo.announceMany(toWrite.map((report) => report.id));
        toWrite.forEach((report, i) => {
          report.seq = seqs[i]!;
          const meta = this.reports.get(report.id);
          if (meta) meta.seq = report.seq;
        });
        await this.repo.write(toWrite);
      }
      // (a parse cache only: not announced, so briefings do not see the report as new)
      if (touched.length) await this.repo.write(touched);
      return results;
    });
  }

  /** The full report for a merge result: itself when it carries its text, else the stored text under its metadata. */
  private async withText(report: Report | ReportMeta): Promise<Report | undefined> {
    if ('text' in report && typeof report.text === 'string') return report;
    const stored = await this.repo.read(report.id);
    return stored && { ...stored, ...report, text: stored.text, sections: stored.sections };
  }

  /** The stored report this candidate is, or where a new one goes (in memory; see claim for other processes). */
  private merge(candidate: Report, tried: ReadonlySet<string> = new Set()): { report: Report | ReportMeta; status: UpsertStatus } {
    // One article, one report: a stored report sharing any identity URL is this article, whatever its id.
    for (const url of identityUrls(candidate)) {
      const known = this.reports.byIdentity(url, true);
      if (known && !distinctFeedItems(known, candidate)) return mergeUpdate(known, candidate, this.clock.now().toISOString());
    }
    let id = candidate.id;
    let existing = this.reports.get(id);
    for (let n = 2; existing || tried.has(id); n++) {
      if (existing) {
        const rel = relation(existing, candidate);
        if (rel === 'copy') return mergeAudience(existing, candidate);
        if (rel === 'same') return mergeUpdate(existing, candidate, this.clock.now().toISOString());
      }
      id = `${candidate.id}-${n}`;
      existing = this.reports.get(id);
    }
    return { report: withAudience(withIdentities({ ...candidate, id }), candidate, candidate), status: 'created' };
  }

  /**
   * Makes a new report's id this article's across processes: the id is claimed in the store; when another
   * writer holds it for the same article, this becomes an update of that report; for a different article,
   * the next free suffix is tried.
   */
  private async claim(candidate: Report, proposed: Report, preclaimed?: Map<Report, string>): Promise<{ report: Report | ReportMeta; status: UpsertStatus }> {
    const tried = new Set<string>();
    let report = proposed;
    if (preclaimed?.get(candidate) === report.id) return { report, status: 'created' };
    for (let attempt = 0; attempt < 100; attempt++) {
      const outcome = await this.repo.claimId(report.id, report);
      if (outcome === 'won') return { report, status: 'created' };
      const stored = await this.repo.read(report.id);
      if (stored) {
        this.index.put(stored);
        this.reports.remember(stored);
      } else if (outcome === 'same') {
        return { report, status: 'created' }; // the other writer has not written it yet; ours is the same article
      }
      tried.add(report.id);
      const next = this.merge(candidate, tried);
      if (next.status !== 'created') return next;
      report = next.report as Report;
    }
    throw new Error(`Could not find a free report id for "${candidate.id}"`);
  }

  /**
   * Claims, in one store round, the ids of the batch's new reports (a folder ingest: thousands of them),
   * instead of one round each in claim(). Only candidates that are new by themselves and collide with no
   * other candidate of the batch (by id or identity URL) are claimed here; the rest take claim()'s path, in
   * order. A pre-claimed id is used only when the candidate still proposes it in upsertMany's loop.
   */
  private async claimNewIds(incoming: Report[]): Promise<Map<Report, string>> {
    const preclaimed = new Map<Report, string>();
    if (incoming.length < 2) return preclaimed;
    const proposals: Array<{ candidate: Report; report: Report }> = [];
    const ids = new Map<string, number>();
    const urls = new Map<string, number>();
    const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
    for (const candidate of incoming) {
      const { report, status } = this.merge(candidate);
      count(ids, candidate.id);
      for (const url of identityUrls(candidate)) count(urls, url);
      if (status === 'created') proposals.push({ candidate, report: report as Report });
    }
    const alone = proposals.filter(
      ({ candidate, report }) => ids.get(candidate.id) === 1 && report.id === candidate.id && identityUrls(candidate).every((url) => urls.get(url) === 1),
    );
    const won = await this.repo.claimIds(alone.map((p) => p.report));
    alone.forEach(({ candidate, report }, i) => won[i] && preclaimed.set(candidate, report.id));
    return preclaimed;
  }

  /**
   * Adds a guild to a report's audience (a report added from Discord, `/report add`): the report stays
   * visible wherever it was, and is now visible in that guild too. False when there is no such report.
   */
  addToGuild(id: string, guildId: string): Promise<boolean> {
    return this.serialise(async () => {
      const known = this.reports.get(id);
      const stored = known && (await this.repo.read(id));
      if (!known || !stored) return false;
      const next = withAudience({ ...stored, seq: known.seq }, known, { ...known, scope: { kind: 'guilds', guildIds: [guildId] }, feedIds: [] });
      if (JSON.stringify(next.scope) === JSON.stringify(known.scope)) return true;
      await this.repo.write([next]);
      next.seq = await this.repo.announce(id);
      await this.repo.write([next]);
      this.index.put(next);
      this.reports.remember(next);
      return true;
    });
  }

  /** Deletes a report from the store (and so from every process's library). */
  delete(id: string): Promise<boolean> {
    // In the write queue, so a catch-up never reads the row back between its removal and the forgetting.
    return this.serialise(async () => {
      if (!this.reports.has(id)) return false;
      await this.repo.remove(id);
      await this.repo.announce(id);
      this.forget(id);
      return true;
    });
  }

  private visible(report: ReportMeta | undefined, view: View | undefined): report is ReportMeta {
    return report !== undefined && this.audiences.visible(report, view);
  }

  /** A report's metadata (its text: `load`). */
  get(id: string, view?: View): ReportMeta | undefined {
    const report = this.reports.get(id);
    return this.visible(report, view) ? report : undefined;
  }

  /** The report ingested from this file path, if any (used to skip files that have not changed). */
  findByPath(path: string): ReportMeta | undefined {
    return this.reports.findByPath(path);
  }

  /** The report any of whose identities (link, canonical, og:url, fetched URL) is this URL. */
  findByUrl(url: string, view?: View): ReportMeta | undefined {
    const report = this.reports.byIdentity(url);
    return this.visible(report, view) ? report : undefined;
  }

  /** Newest first by published date (ingestion time when unknown). */
  list(opts: ListOptions = {}): ReportMeta[] {
    const source = opts.source?.toLowerCase();
    const since = opts.since?.toISOString();
    const out: ReportMeta[] = [];
    const limit = opts.limit ?? Infinity;
    for (const report of this.reports.newestFirst()) {
      if (out.length >= limit) break;
      if (source && report.source.toLowerCase() !== source) continue;
      if (since && report.ingestedAt < since) continue;
      if (!this.audiences.visible(report, opts)) continue;
      out.push(report);
    }
    return out;
  }

  /**
   * Reports whose seq is > `afterSeq`, oldest first (a briefing subscription's cursor). Only what the
   * library has absorbed in order (seq ≤ headSeq()), so a cursor set from the result never passes a
   * report written by another process that is not read yet.
   */
  async listSince(afterSeq: number, opts: View & { limit?: number } = {}): Promise<ReportMeta[]> {
    await this.catchUp();
    const out: ReportMeta[] = [];
    const limit = opts.limit ?? Infinity;
    for (const report of this.reports.seqOrder()) {
      if (out.length >= limit || report.seq! > this.absorbed) break;
      if (report.seq! <= afterSeq || !this.audiences.visible(report, opts)) continue;
      out.push(report);
    }
    return out;
  }

  /** The highest seq the library has absorbed (its position in the store's change log). */
  headSeq(): number {
    return this.absorbed;
  }

  private accept(view: View | undefined): (id: string) => boolean {
    return view?.guildId === undefined ? () => true : (id) => this.visible(this.reports.get(id), view);
  }

  /**
   * Ranked full-text search: title, names (authors, tags, regions), source, text. Exact terms first; only
   * when that finds too little does it widen to prefixes and typos, and finally to reports matching any term.
   */
  search(query: string, opts: View & { limit?: number } = {}): ReportMeta[] {
    const q = query.trim();
    if (!q) return [];
    return this.index
      .search(q, opts.limit ?? 20, this.accept(opts))
      .map((id) => this.reports.get(id))
      .filter((r): r is ReportMeta => r !== undefined);
  }

  /** Fast autocomplete: title/id prefix matches first, then index hits; empty prefix lists the latest. */
  suggest(prefix: string, limit = 25, view?: View): Array<{ id: string; title: string }> {
    const p = prefix.trim().toLowerCase();
    const pick = (r: ReportMeta) => ({ id: r.id, title: r.title });
    if (!p) return this.list({ limit, ...view }).map(pick);
    const out = new Map<string, { id: string; title: string }>();
    for (const r of this.reports.newestFirst()) {
      if (out.size >= limit) break;
      if ((r.id.startsWith(p) || this.reports.lowerTitle(r.id)!.startsWith(p)) && this.audiences.visible(r, view)) out.set(r.id, pick(r));
    }
    const add = (ids: string[]) => {
      for (const id of ids) {
        if (out.size >= limit) break;
        const r = this.reports.get(id);
        if (r && !out.has(r.id)) out.set(r.id, pick(r));
      }
    };
    if (out.size < limit) add(this.index.suggest(p, this.accept(view)));
    if (out.size === 0 && p.length > 4) add(this.index.suggest(p, this.accept(view), true));
    return [...out.values()];
  }

  /**
   * Exact id, then exact title (case-insensitive), then a URL, then the best search hit that matches every
   * word (exactly, by prefix or with a typo). A value that matches nothing that well resolves to nothing:
   * callers say so and offer `suggest()`, never an arbitrary report that shares one word.
   */
  resolve(idOrTitle: string, view?: View): ReportMeta | undefined {
    const value = idOrTitle.trim();
    if (!value) return undefined;
    const byId = this.get(value, view) ?? this.get(value.toLowerCase(), view);
    if (byId) return byId;
    const lower = value.toLowerCase();
    for (const r of this.reports.newestFirst()) if (this.reports.lowerTitle(r.id) === lower && this.audiences.visible(r, view)) return r;
    if (/^https?:\/\//i.test(value)) return this.findByUrl(value, view);
    const [best] = this.index.search(value, 1, this.accept(view), { strict: true });
    return best ? this.reports.get(best) : undefined;
  }

  count(view?: View): number {
    if (view?.guildId === undefined) return this.reports.size;
    let n = 0;
    for (const r of this.reports.values()) if (this.audiences.visible(r, view)) n++;
    return n;
  }

  /** Distinct source names, alphabetical. */
  sources(view?: View): string[] {
    const names = new Set<string>();
    for (const r of this.reports.values()) if (this.audiences.visible(r, view)) names.add(r.source);
    return [...names].sort((a, b) => a.localeCompare(b));
  }
}

/**
 * The library as a source of full reports (text read from the store), for consumers that still compose
 * from whole reports (briefings, until they read by cursor with listSince + load). `list` reads every
 * listed report's row, so callers should narrow it with `since`/`limit`.
 */
export function fullReportSource(library: ReportLibrary): {
  list(options?: ListOptions): Promise<Report[]>;
  get(id: string): Promise<Report | undefined>;
} {
  return {
    list: (options) => library.loadMany(library.list(options).map((r) => r.id)),
    get: (id) => library.load(id),
  };
}
