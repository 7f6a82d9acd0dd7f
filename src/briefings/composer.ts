import type { Clock } from '../core/clock.ts';
import type { Logger } from '../logger.ts';
import type { Report, ReportMeta } from '../reports/types.ts';
import type { ActorsResult, Summary, SummaryLength } from '../analysis/types.ts';
import { leadSummary } from '../analysis/lead.ts';
import { buildBriefing, emptyNoticeText, filtersKey, newReports, selectItems, type Analyse, type ItemAnalysis } from './compose.ts';
import type { DeliveryRecord } from './delivery-ledger.ts';
import type { BriefingTransport } from './transport.ts';
import type { Briefing, BriefingItem, Subscription, SubscriptionFilters } from './types.ts';

/**
 * What briefings need from the report library. Reads take the subscription's server as the view (tenancy):
 * a server's briefing sees the operator's library plus that server's own reports, nothing else.
 */
export interface ReportSource {
  list(options?: { guildId?: string | null; limit?: number }): ReportMeta[] | Promise<ReportMeta[]>;
  get(id: string, view?: { guildId?: string | null }): ReportMeta | undefined | Promise<ReportMeta | undefined>;
  listSince(afterSeq: number, opts?: { guildId?: string | null; limit?: number }): Promise<ReportMeta[]>;
  headSeq(): number;
  /** Full reports (text and sections) read from the store, in order; invisible or missing ones left out. */
  loadMany(ids: string[], view?: { guildId?: string | null }): Promise<Report[]>;
}

/** What briefings need from analysis (cached by the service). */
export interface AnalysisSource {
  summarise(report: Report, options: { length: SummaryLength }): Promise<Summary>;
  actors(report: Report): Promise<ActorsResult>;
}

/** Per occurrence: reports and analyses are fetched once, and equal briefings are composed (and rendered) once. */
export interface CompositionContext {
  at: Date;
  /** Report metadata per server view, read once per occurrence. */
  metas: Map<string, Promise<ReportMeta[]>>;
  analyses: Map<string, Promise<ItemAnalysis>>;
  briefings: Map<string, Promise<Composed>>;
  rendered: WeakMap<Briefing, unknown[]>;
}

export interface Composed {
  briefing: Briefing;
  reportIds: string[];
  /** Where the cursor moves once this briefing is delivered. */
  cursor: { seq?: number; time?: string };
}

const LATEST_FALLBACK_COUNT = 5;
const PAGE = 1000;

export class BriefingComposer {
  constructor(private readonly deps: { clock: Clock; logger: Logger; reports: ReportSource; analysis: AnalysisSource; maxAgeMs: number }) {}

  newContext(at: Date): CompositionContext {
    return { at, metas: new Map(), analyses: new Map(), briefings: new Map(), rendered: new WeakMap() };
  }

  /** Every report's metadata as `guildId` sees it (undefined: the operator's view of everything). */
  private allMetas(ctx: CompositionContext, guildId: string | null | undefined): Promise<ReportMeta[]> {
    const key = guildId === undefined ? '*' : String(guildId);
    let metas = ctx.metas.get(key);
    if (!metas) {
      metas = Promise.resolve(this.deps.reports.list(guildId === undefined ? {} : { guildId }));
      ctx.metas.set(key, metas);
    }
    return metas;
  }

  /** The full reports for these metadata rows (text lives in the store), in order. */
  private full(metas: ReportMeta[], guildId: string | null | undefined): Promise<Report[]> {
    return this.deps.reports.loadMany(
      metas.map((m) => m.id),
      guildId === undefined ? undefined : { guildId },
    );
  }

  analyser(ctx: CompositionContext): Analyse {
    return (report) => {
      const key = `${report.id}:${report.contentHash}`;
      let pending = ctx.analyses.get(key);
      if (!pending) {
        pending = Promise.all([this.deps.analysis.summarise(report, { length: 'brief' }), this.deps.analysis.actors(report)]).then(
          ([summary, actors]) => ({ summary, actors: actors.actors }),
          (error: unknown) => {
            // One report the analysis chokes on must not hold back every channel's briefing.
            this.deps.logger.warn({ err: error, report: report.id }, 'analysis failed; briefing shows the report with its lead only');
            return { summary: leadSummary(report, error), actors: [] };
          },
        );
        ctx.analyses.set(key, pending);
      }
      return pending;
    };
  }

  /**
   * The reports a subscription has not considered yet, and where its cursor moves after this briefing.
   * With the library's ingest sequence: everything with seq > the subscription's `cursorSeq`, read from the
   * store now. Otherwise: reports ingested after its time cursor.
   */
  private async candidates(sub: Subscription, ctx: CompositionContext): Promise<{ reports: Report[]; cursor: Composed['cursor'] }> {
    const { reports } = this.deps;
    if (sub.cursorSeq !== undefined) {
      const metas: ReportMeta[] = [];
      let after = sub.cursorSeq;
      for (;;) {
        const page = await reports.listSince(after, { guildId: sub.guildId, limit: PAGE });
        metas.push(...page);
        const last = page.at(-1)?.seq;
        if (page.length < PAGE || last === undefined || last <= after) break;
        after = last;
      }
      const seq = metas.reduce((max, r) => Math.max(max, r.seq ?? 0), sub.cursorSeq);
      const latest = metas.reduce<string | undefined>((max, r) => (max === undefined || r.ingestedAt > max ? r.ingestedAt : max), undefined);
      return { reports: await this.full(newReports(metas, undefined, this.deps.maxAgeMs), sub.guildId), cursor: { seq, time: latest } };
    }
    const all = await this.allMetas(ctx, sub.guildId);
    const considered = all.filter((r) => Date.parse(r.ingestedAt) > Date.parse(sub.cursor));
    const latest = considered.reduce<string | undefined>((max, r) => (max === undefined || r.ingestedAt > max ? r.ingestedAt : max), undefined);
    const cursor: Composed['cursor'] = { time: latest ? new Date(latest).toISOString() : undefined };
    // A subscription without a seq cursor yet (made before the change log) starts one now.
    cursor.seq = reports.headSeq();
    return { reports: await this.full(newReports(all, sub.cursor, this.deps.maxAgeMs), sub.guildId), cursor };
  }

  /** Composes once per distinct (filters, format, timezone, occurrence, report set) within a context. */
  async composeOccurrence(sub: Subscription, ctx: CompositionContext, occurrence: Date): Promise<Composed> {
    const { reports: candidates, cursor } = await this.candidates(sub, ctx);
    const key = JSON.stringify([
      filtersKey(sub.filters),
      sub.format,
      sub.schedule.timezone,
      occurrence.toISOString(),
      sub.emptyPolicy,
      candidates.map((r) => r.id),
    ]);
    let pending = ctx.briefings.get(key);
    if (!pending) {
      pending = (async () => {
        const items = await selectItems(candidates, sub.filters, this.analyser(ctx), ctx.at);
        const briefing = buildBriefing(items, {
          at: occurrence,
          timezone: sub.schedule.timezone,
          format: sub.format,
          emptyNotice: emptyNoticeText(new Date(sub.cursor), sub.schedule.timezone, sub.filters),
        });
        return { briefing, reportIds: items.map((i) => i.report.id), cursor: {} };
      })();
      ctx.briefings.set(key, pending);
    }
    const composed = await pending;
    return { ...composed, cursor };
  }

  /** Rebuilds the exact briefing an interrupted delivery started with, from its recorded report ids. */
  async recompose(sub: Subscription, record: DeliveryRecord, ctx: CompositionContext): Promise<Briefing> {
    const analyse = this.analyser(ctx);
    const items: BriefingItem[] = [];
    for (const report of await this.deps.reports.loadMany(record.reportIds, { guildId: sub.guildId })) {
      const { summary, actors } = await analyse(report);
      items.push({ report, summary, actors: [...actors].sort((a, b) => b.score - a.score).slice(0, 8) });
    }
    return buildBriefing(items, { at: new Date(record.occurrence), timezone: sub.schedule.timezone, format: sub.format, emptyNotice: record.emptyNotice });
  }

  render(transport: BriefingTransport, briefing: Briefing, ctx: CompositionContext): unknown[] {
    let messages = ctx.rendered.get(briefing);
    if (!messages) {
      messages = transport.renderBriefing(briefing);
      ctx.rendered.set(briefing, messages);
    }
    return messages;
  }

  /** The briefing a subscription would get at `at`: reports new since its cursor, filtered and ranked. */
  async composeFor(sub: Subscription, at: Date = this.deps.clock.now()): Promise<Briefing> {
    const ctx = this.newContext(this.deps.clock.now());
    return (await this.composeOccurrence(sub, ctx, at)).briefing;
  }

  /**
   * Today's briefing without a subscription (CLI, local mode, /briefing preview): reports published (or,
   * undated, ingested) since `since` (default 24 h ago), or the latest few reports when none is that new.
   */
  async composeLatest(opts: { since?: Date; timezone?: string; filters?: Partial<SubscriptionFilters>; guildId?: string | null } = {}): Promise<Briefing> {
    const at = this.deps.clock.now();
    const timezone = opts.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
    const since = opts.since ?? new Date(at.getTime() - 24 * 3_600_000);
    const ctx = this.newContext(at);
    const all = await this.allMetas(ctx, opts.guildId);
    const analyse = this.analyser(ctx);
    const recentlyDated = newReports(all, undefined, this.deps.maxAgeMs).filter((r) => Date.parse(r.publishedAt ?? r.ingestedAt) > since.getTime());
    let items = await selectItems(await this.full(recentlyDated, opts.guildId), opts.filters ?? {}, analyse, at);
    let subtitle: string | undefined;
    if (items.length === 0 && !opts.since) {
      const latest = newReports(all, undefined).reverse(); // newest first by published date when known
      const recent: BriefingItem[] = [];
      for (const item of await selectItems(await this.full(latest.slice(0, 200), opts.guildId), opts.filters ?? {}, analyse, at)) {
        if (recent.length >= LATEST_FALLBACK_COUNT) break;
        recent.push(item);
      }
      items = recent;
      if (items.length > 0) subtitle = `Nothing new in the last 24 hours; the latest ${items.length === 1 ? 'report' : `${items.length} reports`}.`;
    }
    const briefing = buildBriefing(items, { at, timezone, format: 'full', emptyNotice: emptyNoticeText(since, timezone, opts.filters) });
    if (subtitle) briefing.subtitle = subtitle;
    return briefing;
  }
}
