import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import pMap from 'p-map';
import pRetry, { AbortError } from 'p-retry';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';
import type { Report } from '../reports/types.ts';
import type { ActorsResult, Summary, SummaryLength } from '../analysis/types.ts';
import { UserError } from '../core/errors.ts';
import {
  buildBriefing,
  emptyNoticeText,
  filtersKey,
  newReports,
  selectItems,
  type Analyse,
  type ItemAnalysis,
} from './compose.ts';
import { occurrencesAround, scheduleCron } from './schedule.ts';
import type { SubscriptionChange, SubscriptionService } from './subscriptions.ts';
import { DeliveryError, type BriefingTransport, type DeliveryFailureKind } from './transport.ts';
import type { Briefing, BriefingItem, Subscription, SubscriptionFilters } from './types.ts';
import { errorMessage } from '../core/errors.ts';

/** What briefings need from the report library. */
/** What briefings need from the report library (ReportLibrary answers from memory; async is fine too). */
export interface ReportSource {
  list(options?: { since?: Date; limit?: number }): Report[] | Promise<Report[]>;
  get(id: string): Report | undefined | Promise<Report | undefined>;
}

/** What briefings need from analysis (cached by the service). */
export interface AnalysisSource {
  summarise(report: Report, options: { length: SummaryLength }): Promise<Summary>;
  actors(report: Report): Promise<ActorsResult>;
}

export type DeliveryStatus =
  | 'delivered'
  /** Finished an occurrence that an interrupted run had started, without repeating its sent parts. */
  | 'resumed'
  | 'skipped_empty'
  | 'already_delivered'
  | 'in_progress_elsewhere'
  /** Past the grace window: not sent (a briefing that late is noise). */
  | 'missed'
  | 'paused'
  | 'removed'
  | 'failed';

export interface DeliveryOutcome {
  subscriptionId: string;
  guildId: string;
  channelId: string;
  occurrence: string;
  status: DeliveryStatus;
  /** Ids of the messages this call sent. */
  messageIds: string[];
  error?: string;
  /** For failed deliveries: the transport's failure kind ('unexpected' for an error outside the transport). */
  failure?: DeliveryFailureKind | 'unexpected';
}

/** The claim value of `delivery:<subscriptionId>:<occurrenceISO>`; updated after every message. */
export interface DeliveryRecord {
  subscriptionId: string;
  occurrence: string;
  owner: string;
  /** Bumped by each takeover of an interrupted delivery (each takeover is itself an atomic claim). */
  generation: number;
  heartbeatAt: string;
  /** Reports ingested up to here were considered; the subscription cursor moves here after delivery. */
  composedAt: string;
  /** In briefing order, so an interrupted delivery resumes with exactly the same messages. */
  reportIds: string[];
  emptyNotice?: string;
  parts: number;
  sent: string[];
  done: boolean;
  status?: 'delivered' | 'skipped_empty' | 'failed';
  error?: string;
  /** Set when the owner gave up (failure): anyone may take over without waiting for the lease. */
  released?: boolean;
}

export interface BriefingServiceOptions {
  /** Channels delivered in parallel (the Discord REST queue serialises per route anyway). */
  concurrency?: number;
  /** Attempts for a transient (5xx / network) failure per message, with exponential backoff. */
  attempts?: number;
  retryBaseMs?: number;
  /** A delivery claimed by a process on another host is left alone while its heartbeat is this fresh. */
  leaseMs?: number;
  /** After transient failures are exhausted, the occurrence is tried again this much later (within the grace window). */
  retryLaterMs?: number;
  /** How often the in-memory index is rebuilt from the store (to see changes made by other processes). */
  reindexMs?: number;
}

const DEFAULTS: Required<BriefingServiceOptions> = {
  concurrency: 50,
  attempts: 4,
  retryBaseMs: 1000,
  leaseMs: 2 * 60_000,
  retryLaterMs: 5 * 60_000,
  reindexMs: 10 * 60_000,
};

const LATEST_FALLBACK_COUNT = 5;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Delivery claims are kept this long, then pruned. */
export const LEDGER_RETENTION_MS = 14 * DAY_MS;

/** Services alive in this process: a claim owned by one of them is not abandoned, whatever its age. */
const liveInstances = new Set<string>();

/** One due delivery: the subscription and the occurrence being delivered. */
interface Due {
  subscriptionId: string;
  occurrence: number;
}

/** Per tick: reports and analyses are fetched once, and equal briefings are composed (and rendered) once. */
interface TickContext {
  at: Date;
  reports?: Promise<Report[]>;
  analyses: Map<string, Promise<ItemAnalysis>>;
  briefings: Map<string, Promise<{ briefing: Briefing; reportIds: string[] }>>;
  rendered: WeakMap<Briefing, unknown[]>;
  /** Occurrences around `at` per distinct (cron, timezone). */
  schedules: Map<string, { latest?: Date; next: Date }>;
}

/**
 * Scheduled, exactly-once briefings.
 *
 * Scheduling: one node-cron task ticks every minute; an in-memory index maps each due instant to the
 * subscriptions due then, so an idle tick is a map lookup however many subscriptions exist. The index is
 * rebuilt on start, kept current through SubscriptionService change events, and refreshed periodically.
 *
 * Exactly once: `delivery:<subscriptionId>:<occurrenceISO>` is claimed atomically in the store before
 * the first message; each sent message id is recorded right after it is sent, so an interrupted delivery
 * resumes from the next message. Each message also carries a nonce derived from (claim, part) which
 * Discord uses to drop a repeat of a message it already got, covering the gap between sending a message and
 * recording it. On start, occurrences missed within BRIEFING_GRACE_HOURS are delivered once, late.
 */
export class BriefingService {
  private readonly options: Required<BriefingServiceOptions>;
  private readonly instance = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** due instant (ms) → subscription id → occurrence (ms) to deliver. */
  private readonly index = new Map<number, Map<string, number>>();
  private readonly dueOf = new Map<string, number>();
  /** What each indexed subscription's entry was computed from: unchanged subscriptions are not recomputed. */
  private readonly signatures = new Map<string, string>();
  /** Subscriptions taken off the index by a running tick (re-placed when their delivery ends). */
  private readonly delivering = new Set<string>();
  private indexedAt: number | undefined;
  private indexing: Promise<void> | undefined;
  private readonly inFlight = new Set<string>();
  private transport: BriefingTransport | undefined;
  private accepts: (sub: Subscription) => boolean = () => true;
  private prunedAt: number | undefined;
  private task: ScheduledTask | undefined;
  private ticking: Promise<unknown> | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly deps: {
      config: Config;
      logger: Logger;
      clock: Clock;
      store: Store;
      reports: ReportSource;
      analysis: AnalysisSource;
      subscriptions: SubscriptionService;
      options?: BriefingServiceOptions;
    },
  ) {
    this.options = { ...DEFAULTS, ...deps.options };
    this.listen();
  }

  private listen(): void {
    liveInstances.add(this.instance);
    this.unlisten ??= this.deps.subscriptions.onChange((change) => this.onSubscriptionChange(change));
  }

  private get graceMs(): number {
    return this.deps.config.BRIEFING_GRACE_HOURS * 3_600_000;
  }

  // ---------------------------------------------------------------- composition

  /** The briefing a subscription would get at `at` (default now): reports new since its cursor, filtered and ranked. */
  async composeFor(sub: Subscription, at: Date = this.deps.clock.now()): Promise<Briefing> {
    const ctx = this.newTick(at);
    return (await this.composeInTick(sub, ctx, at)).briefing;
  }

  /**
   * Today's briefing without a subscription (CLI, local mode, /briefing preview): reports since `since`
   * (default 24 h ago), or the latest few reports when none is that new.
   */
  async composeLatest(opts: { since?: Date; timezone?: string; filters?: Partial<SubscriptionFilters> } = {}): Promise<Briefing> {
    const at = this.deps.clock.now();
    const timezone = opts.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
    const since = opts.since ?? new Date(at.getTime() - 24 * 3_600_000);
    const ctx = this.newTick(at);
    const all = await this.allReports(ctx);
    const analyse = this.analyser(ctx);
    let items = await selectItems(newReports(all, since), opts.filters ?? {}, analyse, at);
    let subtitle: string | undefined;
    if (items.length === 0 && !opts.since) {
      const latest = [...all].filter((r) => !r.backfill).sort((a, b) => b.ingestedAt.localeCompare(a.ingestedAt));
      const recent: BriefingItem[] = [];
      for (const item of await selectItems(latest.slice(0, 200), opts.filters ?? {}, analyse, at)) {
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

  private newTick(at: Date): TickContext {
    return { at, analyses: new Map(), briefings: new Map(), rendered: new WeakMap(), schedules: new Map() };
  }

  private allReports(ctx: TickContext): Promise<Report[]> {
    ctx.reports ??= Promise.resolve(this.deps.reports.list({}));
    return ctx.reports;
  }

  private analyser(ctx: TickContext): Analyse {
    return (report) => {
      const key = `${report.id}:${report.contentHash}`;
      let pending = ctx.analyses.get(key);
      if (!pending) {
        pending = Promise.all([
          this.deps.analysis.summarise(report, { length: 'brief' }),
          this.deps.analysis.actors(report),
        ]).then(
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

  /** Composes once per distinct (filters, format, timezone, day, report set) within a tick. */
  private async composeInTick(sub: Subscription, ctx: TickContext, occurrence: Date): Promise<{ briefing: Briefing; reportIds: string[] }> {
    const candidates = newReports(await this.allReports(ctx), sub.cursor);
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
        return { briefing, reportIds: items.map((i) => i.report.id) };
      })();
      ctx.briefings.set(key, pending);
    }
    return pending;
  }

  /** Rebuilds the exact briefing an interrupted delivery started with, from its recorded report ids. */
  private async recompose(sub: Subscription, record: DeliveryRecord, ctx: TickContext): Promise<Briefing> {
    const analyse = this.analyser(ctx);
    const items: BriefingItem[] = [];
    for (const id of record.reportIds) {
      const report = await this.deps.reports.get(id);
      if (!report) continue;
      const { summary, actors } = await analyse(report);
      items.push({ report, summary, actors: [...actors].sort((a, b) => b.score - a.score).slice(0, 8) });
    }
    return buildBriefing(items, {
      at: new Date(record.occurrence),
      timezone: sub.schedule.timezone,
      format: sub.format,
      emptyNotice: record.emptyNotice,
    });
  }

  private render(transport: BriefingTransport, briefing: Briefing, ctx: TickContext): unknown[] {
    let messages = ctx.rendered.get(briefing);
    if (!messages) {
      messages = transport.renderBriefing(briefing);
      ctx.rendered.set(briefing, messages);
    }
    return messages;
  }

  // ---------------------------------------------------------------- scheduling

  /**
   * Starts the minute tick (and an immediate catch-up of occurrences missed within the grace window).
   * `accept` limits the subscriptions this process delivers: the Discord bot takes Discord guilds only,
   * local mode only its own, so the two never post each other's briefings when they share a store.
   */
  start(transport: BriefingTransport, options: { accept?: (sub: Subscription) => boolean } = {}): void {
    this.transport = transport;
    if (options.accept) this.accepts = options.accept;
    if (this.task) return;
    this.listen();
    // A tick skipped while the event loop was busy needs no warning: the next one delivers whatever is due.
    this.task = cron.schedule('* * * * *', () => this.tick(), { name: 'sitrep-briefings', noOverlap: true, suppressMissedWarning: true });
    this.tick();
  }

  stop(): void {
    liveInstances.delete(this.instance);
    void this.task?.destroy();
    this.task = undefined;
    this.unlisten?.();
    this.unlisten = undefined;
  }

  private tick(): void {
    if (this.ticking) return;
    this.ticking = this.runDue()
      .catch((error) => this.deps.logger.error({ err: error }, 'briefing tick failed'))
      .finally(() => {
        this.ticking = undefined;
      });
  }

  /** Number of subscriptions in the schedule index (for diagnostics and benchmarks). */
  get indexedCount(): number {
    return this.dueOf.size;
  }

  /** The next instant anything is due, if any. */
  get nextDueAt(): Date | undefined {
    let min: number | undefined;
    for (const at of this.index.keys()) if (min === undefined || at < min) min = at;
    return min === undefined ? undefined : new Date(min);
  }

  /**
   * Builds the index on first use, then refreshes it every `reindexMs` from the store (to see changes made
   * by other processes, e.g. the CLI). A refresh recomputes only subscriptions whose schedule, pause or
   * last delivery changed, and occurrences are computed once per distinct (cron, timezone).
   */
  private async ensureIndex(now: Date): Promise<void> {
    if (this.indexedAt !== undefined && now.getTime() - this.indexedAt < this.options.reindexMs) return;
    this.indexing ??= (async () => {
      try {
        const subscriptions = await this.deps.subscriptions.list();
        const seen = new Set<string>();
        const memo = new Map<string, { latest?: Date; next: Date }>();
        for (const sub of subscriptions) {
          seen.add(sub.id);
          if (this.delivering.has(sub.id)) continue;
          if (this.signatures.get(sub.id) === signature(sub) && (this.dueOf.has(sub.id) || sub.paused)) continue;
          this.indexSubscription(sub, now, memo);
        }
        for (const id of [...this.signatures.keys()]) {
          if (!seen.has(id)) {
            this.unindex(id);
            this.signatures.delete(id);
          }
        }
        this.indexedAt = now.getTime();
        this.deps.logger.debug({ subscriptions: subscriptions.length, schedules: memo.size }, 'briefing schedule index refreshed');
      } finally {
        this.indexing = undefined;
      }
    })();
    await this.indexing;
  }

  private onSubscriptionChange(change: SubscriptionChange): void {
    if (this.indexedAt === undefined) return; // built on first use
    if (change.kind === 'remove') {
      this.unindex(change.subscription.id);
      this.signatures.delete(change.subscription.id);
    } else if (!this.delivering.has(change.subscription.id)) {
      this.indexSubscription(change.subscription, this.deps.clock.now());
    }
  }

  /**
   * Places a subscription in the index: at its latest occurrence when that one is within the grace window,
   * after the subscription was created and not yet delivered (a catch-up), else at its next occurrence.
   */
  private indexSubscription(sub: Subscription, now: Date, memo?: Map<string, { latest?: Date; next: Date }>): void {
    this.unindex(sub.id);
    this.signatures.set(sub.id, signature(sub));
    if (sub.paused || !this.accepts(sub)) return;
    try {
      const { latest, next } = this.around(sub, now, memo);
      // Catch up only an occurrence of the current schedule, set before it fell due (moving today's time
      // to a time already past does not post a second briefing), and not delivered yet.
      const catchUp =
        latest !== undefined &&
        latest.getTime() > Date.parse(sub.scheduledAt ?? sub.createdAt) &&
        sub.lastDelivery?.occurrence !== latest.toISOString();
      const occurrence = catchUp ? latest : next;
      this.place(sub.id, occurrence.getTime(), occurrence.getTime());
    } catch (error) {
      this.deps.logger.warn({ err: error, subscription: sub.id }, 'subscription has an unusable schedule; not scheduled');
    }
  }

  private around(sub: Subscription, now: Date, memo?: Map<string, { latest?: Date; next: Date }>): { latest?: Date; next: Date } {
    const key = `${scheduleCron(sub.schedule)}|${sub.schedule.timezone}`;
    let around = memo?.get(key);
    if (!around) {
      around = occurrencesAround(sub.schedule, now, this.graceMs);
      memo?.set(key, around);
    }
    return around;
  }

  private place(subscriptionId: string, dueAt: number, occurrence: number): void {
    this.unindex(subscriptionId);
    let bucket = this.index.get(dueAt);
    if (!bucket) this.index.set(dueAt, (bucket = new Map()));
    bucket.set(subscriptionId, occurrence);
    this.dueOf.set(subscriptionId, dueAt);
  }

  private unindex(subscriptionId: string): void {
    const dueAt = this.dueOf.get(subscriptionId);
    if (dueAt === undefined) return;
    const bucket = this.index.get(dueAt);
    bucket?.delete(subscriptionId);
    if (bucket && bucket.size === 0) this.index.delete(dueAt);
    this.dueOf.delete(subscriptionId);
  }

  private takeDue(now: Date): Due[] {
    const due: Due[] = [];
    for (const [at, bucket] of this.index) {
      if (at > now.getTime()) continue;
      for (const [subscriptionId, occurrence] of bucket) {
        due.push({ subscriptionId, occurrence });
        this.dueOf.delete(subscriptionId);
        this.delivering.add(subscriptionId);
      }
      this.index.delete(at);
    }
    return due;
  }

  /**
   * Once a day, forgets delivery claims older than LEDGER_RETENTION_MS: far past any catch-up window (at most
   * 48 h), so the ledger stays bounded (10,000 daily subscriptions would otherwise add 3.65 M rows a year).
   */
  private async pruneLedger(now: Date): Promise<void> {
    if (this.prunedAt !== undefined && now.getTime() - this.prunedAt < DAY_MS) return;
    this.prunedAt = now.getTime();
    try {
      const pruned = await this.deps.store.pruneClaims('delivery:', new Date(now.getTime() - LEDGER_RETENTION_MS));
      if (pruned > 0) this.deps.logger.info({ pruned }, 'old delivery claims pruned');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not prune old delivery claims');
    }
  }

  // ---------------------------------------------------------------- delivery

  /** One tick: delivers every due occurrence (and missed ones within the grace window), in parallel. */
  async runDue(now: Date = this.deps.clock.now(), transport: BriefingTransport | undefined = this.transport): Promise<DeliveryOutcome[]> {
    if (!transport) throw new Error('BriefingService.runDue needs a transport: call start(transport) or pass one');
    await this.ensureIndex(now);
    await this.pruneLedger(now);
    const due = this.takeDue(now);
    if (due.length === 0) return [];
    const ctx = this.newTick(now);
    const outcomes = await pMap(due, (d) => this.deliverDue(d, now, transport, ctx), { concurrency: this.options.concurrency });
    const delivered = outcomes.filter((o): o is DeliveryOutcome => o !== undefined);
    const counts: Record<string, number> = {};
    for (const o of delivered) counts[o.status] = (counts[o.status] ?? 0) + 1;
    this.deps.logger.info({ due: due.length, ...counts }, 'briefings delivered');
    return delivered;
  }

  private async deliverDue(due: Due, now: Date, transport: BriefingTransport, ctx: TickContext): Promise<DeliveryOutcome | undefined> {
    try {
      return await this.deliverDueInner(due, now, transport, ctx);
    } finally {
      this.delivering.delete(due.subscriptionId);
    }
  }

  private async deliverDueInner(due: Due, now: Date, transport: BriefingTransport, ctx: TickContext): Promise<DeliveryOutcome | undefined> {
    const sub = await this.deps.subscriptions.getById(due.subscriptionId);
    if (!sub || sub.paused) return undefined; // removed or paused since it was indexed; re-indexed on change
    // A slow tick or a sleeping process may find a later occurrence already due: deliver only the latest.
    const { latest } = this.around(sub, now, ctx.schedules);
    const occurrence = latest && latest.getTime() > due.occurrence ? latest : new Date(due.occurrence);
    const base = { subscriptionId: sub.id, guildId: sub.guildId, channelId: sub.channelId, occurrence: occurrence.toISOString(), messageIds: [] };
    let outcome: DeliveryOutcome;
    if (now.getTime() - occurrence.getTime() > this.graceMs) {
      this.deps.logger.warn({ subscription: sub.id, occurrence: base.occurrence }, 'briefing occurrence missed beyond the grace window; not sent');
      outcome = { ...base, status: 'missed' };
    } else {
      try {
        outcome = await this.deliverOccurrence(sub, occurrence, transport, ctx);
      } catch (error) {
        this.deps.logger.error({ err: error, subscription: sub.id }, 'briefing delivery failed unexpectedly');
        outcome = { ...base, status: 'failed', failure: 'unexpected', error: errorMessage(error) };
      }
    }
    await this.reschedule(sub.id, occurrence, now, outcome, ctx);
    return outcome;
  }

  private async reschedule(subscriptionId: string, occurrence: Date, now: Date, outcome: DeliveryOutcome, ctx: TickContext): Promise<void> {
    if (outcome.status === 'paused' || outcome.status === 'removed') return;
    const retryAt = now.getTime() + this.options.retryLaterMs;
    // A server error or an outage may be over in a few minutes; a refused message ('other') would be refused again.
    const retryable =
      outcome.status === 'in_progress_elsewhere' ||
      (outcome.status === 'failed' && (outcome.failure === 'transient' || outcome.failure === 'rate_limited' || outcome.failure === 'unexpected'));
    if (retryable && retryAt - occurrence.getTime() <= this.graceMs) {
      this.place(subscriptionId, retryAt, occurrence.getTime());
      return;
    }
    const sub = await this.deps.subscriptions.getById(subscriptionId);
    if (!sub || sub.paused) return;
    this.signatures.set(sub.id, signature(sub));
    const next = this.around(sub, now, ctx.schedules).next.getTime();
    this.place(subscriptionId, next, next);
  }

  /** Posts a subscription's briefing now (moderator's /briefing send-now), advancing its cursor. */
  async sendNow(sub: Subscription, transport: BriefingTransport): Promise<{ messageIds: string[] }> {
    const at = this.deps.clock.now();
    const ctx = this.newTick(at);
    const manual: Subscription = { ...sub, emptyPolicy: 'notice' }; // asked for explicitly: always answer
    const outcome = await this.deliverOccurrence(manual, at, transport, ctx, { manual: true });
    if (outcome.status === 'failed' || outcome.status === 'paused' || outcome.status === 'removed') {
      throw new UserError(`Could not post the briefing in that channel: ${outcome.error ?? outcome.status}`, 'delivery_failed');
    }
    return { messageIds: outcome.messageIds };
  }

  private async deliverOccurrence(
    sub: Subscription,
    occurrence: Date,
    transport: BriefingTransport,
    ctx: TickContext,
    opts: { manual?: boolean } = {},
  ): Promise<DeliveryOutcome> {
    const occurrenceIso = occurrence.toISOString();
    const key = `delivery:${sub.id}:${opts.manual ? 'manual:' : ''}${occurrenceIso}`;
    const base = { subscriptionId: sub.id, guildId: sub.guildId, channelId: sub.channelId, occurrence: occurrenceIso };
    if (this.inFlight.has(key)) return { ...base, status: 'in_progress_elsewhere', messageIds: [] };
    this.inFlight.add(key);
    try {
      const { record, briefing, resumed } = await this.acquire(key, sub, occurrence, ctx);
      if (!record) return { ...base, status: resumed === 'done' ? 'already_delivered' : 'in_progress_elsewhere', messageIds: [] };
      if (record.done) {
        // Claimed just now as an empty skip.
        await this.deps.subscriptions.recordDelivery(sub.id, { occurrence: occurrenceIso, at: this.nowIso(), messageIds: [], cursor: record.composedAt });
        return { ...base, status: 'skipped_empty', messageIds: [] };
      }
      const messages = this.render(transport, briefing!, ctx);
      record.parts = messages.length;
      const sentNow: string[] = [];
      for (let part = record.sent.length; part < messages.length; part++) {
        let messageId: string;
        try {
          messageId = await this.sendWithRetry(transport, sub.channelId, messages[part], nonceFor(key, part));
        } catch (error) {
          return await this.handleFailure(sub, key, record, error, base, sentNow, transport);
        }
        record.sent.push(messageId);
        sentNow.push(messageId);
        record.heartbeatAt = this.nowIso();
        await this.deps.store.updateClaim(key, record);
      }
      record.done = true;
      record.status = 'delivered';
      await this.deps.store.updateClaim(key, record);
      await this.deps.subscriptions.recordDelivery(sub.id, {
        occurrence: occurrenceIso,
        at: this.nowIso(),
        messageIds: record.sent,
        cursor: record.composedAt,
      });
      return { ...base, status: resumed === 'taken_over' ? 'resumed' : 'delivered', messageIds: sentNow };
    } finally {
      this.inFlight.delete(key);
    }
  }

  /**
   * Wins the right to deliver (sub, occurrence): a fresh claim, or a takeover of a delivery whose owner
   * died or gave up. Returns no record when someone else delivered or is delivering it.
   */
  private async acquire(
    key: string,
    sub: Subscription,
    occurrence: Date,
    ctx: TickContext,
  ): Promise<{ record?: DeliveryRecord; briefing?: Briefing; resumed?: 'done' | 'busy' | 'taken_over' }> {
    const existing = await this.deps.store.getClaim<DeliveryRecord>(key);
    if (!existing) {
      const { briefing, reportIds } = await this.composeInTick(sub, ctx, occurrence);
      const empty = briefing.items.length === 0;
      const record: DeliveryRecord = {
        subscriptionId: sub.id,
        occurrence: occurrence.toISOString(),
        owner: this.instance,
        generation: 0,
        heartbeatAt: this.nowIso(),
        composedAt: ctx.at.toISOString(),
        reportIds,
        parts: 0,
        sent: [],
        done: false,
      };
      if (briefing.emptyNotice) record.emptyNotice = briefing.emptyNotice;
      if (empty && sub.emptyPolicy === 'skip') {
        record.done = true;
        record.status = 'skipped_empty';
      }
      if (await this.deps.store.claim(key, record)) return { record, briefing };
      // Lost the race to another process: fall through to inspect its claim.
    }
    const current = existing ?? (await this.deps.store.getClaim<DeliveryRecord>(key));
    if (!current) return { resumed: 'busy' };
    if (current.done) return { resumed: 'done' };
    if (!this.ownerGone(current)) return { resumed: 'busy' };
    // Each takeover generation is its own atomic claim, so two restarted processes cannot both resume.
    if (!(await this.deps.store.claim(`${key}#takeover:${current.generation + 1}`, { owner: this.instance, at: this.nowIso() }))) {
      return { resumed: 'busy' };
    }
    const record: DeliveryRecord = { ...current, owner: this.instance, generation: current.generation + 1, heartbeatAt: this.nowIso() };
    delete record.released;
    delete record.error;
    await this.deps.store.updateClaim(key, record);
    const briefing = await this.recompose(sub, record, ctx);
    this.deps.logger.info({ subscription: sub.id, occurrence: record.occurrence, alreadySent: record.sent.length }, 'resuming interrupted briefing');
    return { record, briefing, resumed: 'taken_over' };
  }

  /** Whether the process that claimed a delivery is gone (so the delivery may be resumed). */
  private ownerGone(record: DeliveryRecord): boolean {
    if (record.released || record.owner === this.instance) return true;
    if (liveInstances.has(record.owner)) return false;
    const [host, pidText] = record.owner.split(':');
    const pid = Number(pidText);
    if (host === hostname() && Number.isInteger(pid)) {
      // Same host: a claim by our own pid from no live service is from a previous life of this process id
      // (containers reuse pids across restarts); another pid counts as gone once it no longer exists.
      if (pid === process.pid) return true;
      try {
        process.kill(pid, 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
      }
    }
    return this.deps.clock.now().getTime() - Date.parse(record.heartbeatAt) > this.options.leaseMs;
  }

  private async sendWithRetry(transport: BriefingTransport, channelId: string, message: unknown, nonce: string): Promise<string> {
    const { messageId } = await pRetry(
      async () => {
        try {
          return await transport.send(channelId, message, { nonce });
        } catch (error) {
          const retryable = error instanceof DeliveryError && (error.kind === 'transient' || error.kind === 'rate_limited');
          if (!retryable) throw new AbortError(error as Error);
          throw error;
        }
      },
      { retries: this.options.attempts - 1, minTimeout: this.options.retryBaseMs, factor: 2, randomize: true },
    );
    return messageId;
  }

  private async handleFailure(
    sub: Subscription,
    key: string,
    record: DeliveryRecord,
    error: unknown,
    base: Omit<DeliveryOutcome, 'status' | 'messageIds'>,
    sentNow: string[],
    transport: BriefingTransport,
  ): Promise<DeliveryOutcome> {
    const kind = error instanceof DeliveryError ? error.kind : 'other';
    const message = errorMessage(error);
    record.released = true;
    record.status = 'failed';
    record.error = `${kind}: ${message}`;
    await this.deps.store.updateClaim(key, record);
    const log = { subscription: sub.id, channel: sub.channelId, kind, err: error };
    if (kind === 'forbidden') {
      const reason = `${message.replace(/\.?\s*$/, '.')} Subscribe the channel again once that is fixed to resume the briefing.`;
      this.deps.logger.warn(log, 'briefing forbidden; subscription paused');
      await this.deps.subscriptions.pause(sub.id, reason);
      try {
        await transport.notifyModerators?.(sub.guildId, `Sitrep paused the daily briefing for channel ${sub.channelId}: ${reason}`);
      } catch (notifyError) {
        this.deps.logger.warn({ err: notifyError, guild: sub.guildId }, 'could not notify moderators');
      }
      return { ...base, status: 'paused', messageIds: sentNow, error: message };
    }
    if (kind === 'not_found') {
      this.deps.logger.warn(log, 'briefing channel not found; subscription removed');
      await this.deps.subscriptions.remove(sub.id, `Channel not found when delivering the briefing of ${record.occurrence} (${message})`);
      return { ...base, status: 'removed', messageIds: sentNow, error: message };
    }
    this.deps.logger.error(log, 'briefing delivery failed');
    return { ...base, status: 'failed', failure: kind, messageIds: sentNow, error: message };
  }

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }
}

/** The publisher's standfirst, or the first sentence of the text: a stand-in when analysis fails. */
function leadSummary(report: Report, error: unknown): Summary {
  const lead = report.standfirst?.trim() || (/^.+?[.!?](?=\s|$)/s.exec(report.text.trim())?.[0] ?? report.text.slice(0, 300)).trim();
  return {
    reportId: report.id,
    length: 'brief',
    sentences: [{ text: lead, index: 0 }],
    text: lead,
    engine: { engine: 'offline', version: 'lead', fallback: { from: 'offline', reason: errorMessage(error) } },
  };
}

/** What a subscription's index entry depends on. */
function signature(sub: Subscription): string {
  return JSON.stringify([sub.schedule, sub.scheduledAt ?? sub.createdAt, sub.paused ? 1 : 0, sub.lastDelivery?.occurrence]);
}

/** Discord nonces are at most 25 characters; the same (claim, part) always gives the same nonce. */
export function nonceFor(claimKey: string, part: number): string {
  return createHash('sha256').update(`${claimKey}#${part}`).digest('base64url').slice(0, 25);
}
