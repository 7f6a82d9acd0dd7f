import pMap from 'p-map';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';
import type { JobScheduler } from '../scheduling/port.ts';
import { InProcessScheduler } from '../scheduling/in-process.ts';
import { BriefingComposer, type AnalysisSource, type CompositionContext, type ReportSource } from './composer.ts';
import { DeliveryLedger, type DeliveryRecord } from './delivery-ledger.ts';
import { FAILURE_POLICY } from './deliver.ts';
import { OccurrenceDelivery, type DeliveryOutcome, type SendNowResult } from './occurrence.ts';
import { latestOccurrence } from './schedule.ts';
import { ScheduleIndex, type Due } from './schedule-index.ts';
import { BriefingJobs } from './scheduler.ts';
import type { SubscriptionService } from './subscriptions.ts';
import type { BriefingTransport } from './transport.ts';
import type { Briefing, Subscription, SubscriptionFilters } from './types.ts';

export type { AnalysisSource, ReportSource } from './composer.ts';
export type { DeliveryOutcome, DeliveryStatus, SendNowResult } from './occurrence.ts';
export type { DeliveryRecord } from './delivery-ledger.ts';
export { LEDGER_RETENTION_MS, nonceFor } from './delivery-ledger.ts';

export interface BriefingServiceOptions {
  /** Channels delivered in parallel (the Discord REST queue serialises per route anyway). */
  concurrency?: number;
  /** Attempts for a transient (5xx / network) failure per message, with exponential backoff. */
  attempts?: number;
  retryBaseMs?: number;
  /** A delivery's lease: renewed while sending; past it another process may take the delivery over. */
  leaseMs?: number;
  /** After transient failures are exhausted, the occurrence is tried again this much later (within the grace window). */
  retryLaterMs?: number;
  /** How often runDue's in-memory index is rebuilt from the store. */
  reindexMs?: number;
}

const DEFAULTS: Required<BriefingServiceOptions> = {
  concurrency: 50,
  attempts: 4,
  retryBaseMs: 1000,
  leaseMs: 30_000,
  retryLaterMs: 5 * 60_000,
  reindexMs: 10 * 60_000,
};

/** How long an occurrence's composition memo is kept (all of one minute's jobs share it). */
const CONTEXT_TTL_MS = 2 * 60_000;

/**
 * Scheduled, exactly-once briefings (the façade). Composition is in composer.ts, the claim protocol in
 * delivery-ledger.ts, sending and the failure policy in deliver.ts, the scheduler wiring in scheduler.ts
 * (each subscription is a `briefing:<id>` job of the scheduler port; `runOccurrence` is the handler), and
 * the index for catch-up passes in schedule-index.ts.
 */
export class BriefingService {
  private readonly options: Required<BriefingServiceOptions>;
  private readonly composer: BriefingComposer;
  private readonly ledger: DeliveryLedger;
  private readonly index: ScheduleIndex;
  private readonly delivery: OccurrenceDelivery;
  private readonly contexts = new Map<string, CompositionContext>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private transport: BriefingTransport | undefined;
  private accepts: (sub: Subscription) => boolean = () => true;
  private scheduler: JobScheduler | undefined;
  private ownsScheduler = false;
  private jobs: BriefingJobs | undefined;
  private starting: Promise<void> | undefined;
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
      /** The scheduler engine (fleet: BullMQ / pg-boss); an in-process node-cron one by default. */
      scheduler?: JobScheduler;
      options?: BriefingServiceOptions;
    },
  ) {
    const leaseFromConfig = deps.config.BRIEFING_LEASE_SECONDS === undefined ? {} : { leaseMs: deps.config.BRIEFING_LEASE_SECONDS * 1000 };
    this.options = { ...DEFAULTS, ...leaseFromConfig, ...deps.options };
    this.composer = new BriefingComposer({
      clock: deps.clock,
      logger: deps.logger,
      reports: deps.reports,
      analysis: deps.analysis,
      maxAgeMs: deps.config.BRIEFING_MAX_AGE_DAYS * 24 * 3_600_000,
    });
    this.ledger = new DeliveryLedger({ store: deps.store, clock: deps.clock, logger: deps.logger, leaseMs: this.options.leaseMs });
    this.delivery = new OccurrenceDelivery({
      clock: deps.clock,
      logger: deps.logger,
      composer: this.composer,
      ledger: this.ledger,
      subscriptions: deps.subscriptions,
      graceMs: () => this.graceMs,
      sendPolicy: this.options,
    });
    this.index = new ScheduleIndex({ subscriptions: deps.subscriptions, logger: deps.logger, graceMs: () => this.graceMs, reindexMs: this.options.reindexMs });
    this.unlisten = deps.subscriptions.onChange((change) => this.index.onChange(change, this.deps.clock.now()));
  }

  private get graceMs(): number {
    return this.deps.config.BRIEFING_GRACE_HOURS * 3_600_000;
  }

  // ---------------------------------------------------------------- composition

  /** The briefing a subscription would get at `at` (default now): reports new since its cursor, filtered and ranked. */
  composeFor(sub: Subscription, at: Date = this.deps.clock.now()): Promise<Briefing> {
    return this.composer.composeFor(sub, at);
  }

  /** Today's briefing without a subscription (CLI, local mode, /briefing preview without one). */
  composeLatest(opts: { since?: Date; timezone?: string; filters?: Partial<SubscriptionFilters>; guildId?: string | null } = {}): Promise<Briefing> {
    return this.composer.composeLatest(opts);
  }

  /** `/briefing preview`: the next run's briefing, under the next run's date, from what is new now. */
  async preview(sub: Subscription): Promise<{ briefing: Briefing; nextRunAt?: Date }> {
    const nextRunAt = this.deps.subscriptions.nextRunAt(sub, this.deps.clock.now());
    return { briefing: await this.composer.composeFor(sub, nextRunAt ?? this.deps.clock.now()), nextRunAt };
  }

  // ---------------------------------------------------------------- scheduling

  /**
   * Schedules every accepted subscription as a `briefing:<id>` job on the scheduler port, delivers
   * occurrences missed within the grace window, and resumes unfinished deliveries (after a crash) as soon as
   * their lease runs out. `accept` limits the subscriptions this process delivers: the Discord bot takes
   * Discord guilds only, local mode only its own, so the two never post each other's briefings.
   * `work: false` (a fleet's gateway) only keeps the jobs in step with subscription changes made here;
   * the workers that share the engine deliver.
   */
  start(transport: BriefingTransport, options: { accept?: (sub: Subscription) => boolean; work?: boolean } = {}): Promise<void> {
    this.transport = transport;
    if (options.accept) this.accepts = options.accept;
    this.index.accepts = this.accepts;
    this.unlisten ??= this.deps.subscriptions.onChange((change) => this.index.onChange(change, this.deps.clock.now()));
    this.starting ??= this.startScheduling(options.work ?? true).catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'could not start briefing scheduling'),
    );
    return this.starting;
  }

  private async startScheduling(work: boolean): Promise<void> {
    if (!this.scheduler) {
      this.ownsScheduler = !this.deps.scheduler;
      this.scheduler = this.deps.scheduler ?? new InProcessScheduler({ logger: this.deps.logger });
    }
    if (work) {
      await this.scheduler.work('briefing', async (run) => {
        await this.runOccurrence(run.data.subscriptionId ?? '', run.scheduledAt);
      });
    }
    this.jobs = new BriefingJobs({
      subscriptions: this.deps.subscriptions,
      scheduler: this.scheduler,
      logger: this.deps.logger,
      accepts: (s) => this.accepts(s),
    });
    await this.jobs.start();
    if (!work) return;
    // Catch-up of occurrences missed while no process ran, then resumption of interrupted deliveries.
    const now = this.deps.clock.now();
    const outcomes = await this.runDue(now);
    for (const outcome of outcomes) this.retryLaterIfUseful(outcome, now);
    await this.resumeIncomplete();
  }

  /** Resolves when every subscription change heard so far has reached the scheduler (tests, shutdown). */
  async settled(): Promise<void> {
    await this.starting;
    await this.jobs?.settled();
  }

  async stop(): Promise<void> {
    this.jobs?.stop();
    this.jobs = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.unlisten?.();
    this.unlisten = undefined;
    await this.delivery.releaseAll();
    const scheduler = this.scheduler;
    this.scheduler = undefined;
    this.starting = undefined;
    if (scheduler && this.ownsScheduler) await scheduler.close();
  }

  /** Number of subscriptions in runDue's schedule index (for diagnostics and benchmarks). */
  get indexedCount(): number {
    return this.index.size;
  }

  /** The next instant runDue's index has anything due, if any. */
  get nextDueAt(): Date | undefined {
    return this.index.nextDueAt;
  }

  /**
   * The scheduler's job handler: delivers one occurrence of one subscription. A run for an instant that is
   * no longer an occurrence of the subscription's schedule (it changed, or the job is stale) posts nothing.
   */
  async runOccurrence(
    subscriptionId: string,
    scheduledAt: Date,
    transport: BriefingTransport | undefined = this.transport,
  ): Promise<DeliveryOutcome | undefined> {
    if (!transport) throw new Error('BriefingService.runOccurrence needs a transport: call start(transport) or pass one');
    const sub = await this.deps.subscriptions.getById(subscriptionId);
    if (!sub || sub.paused || !this.accepts(sub)) return undefined;
    const occurrence = new Date(Math.floor(scheduledAt.getTime() / 1000) * 1000);
    if (!isOccurrenceOf(sub, occurrence)) {
      this.deps.logger.info({ subscription: sub.id, scheduledAt: occurrence.toISOString() }, 'run for a time the schedule no longer has; nothing posted');
      return undefined;
    }
    const now = this.deps.clock.now();
    const outcome = await this.delivery.deliverGuarded(sub, occurrence, now, transport, this.contextFor(occurrence, now));
    this.retryLaterIfUseful(outcome, now);
    return outcome;
  }

  /** Retries a failed occurrence later (a transient failure, or a delivery held by a lease), within grace. */
  private retryLaterIfUseful(outcome: DeliveryOutcome, now: Date): void {
    if (!this.scheduler || !retryable(outcome)) return;
    const occurrence = Date.parse(outcome.occurrence);
    const delay = this.retryDelayMs(outcome);
    if (now.getTime() + delay - occurrence > this.graceMs) return;
    this.later(delay, () => this.runOccurrence(outcome.subscriptionId, new Date(occurrence)));
  }

  /**
   * A delivery held by a lease (another process's, or our own after a store fault cut a delivery short) can be
   * taken over as soon as the lease runs out, so it is retried then; Discord-side failures wait retryLaterMs.
   */
  private retryDelayMs(outcome: DeliveryOutcome): number {
    const heldByLease = outcome.status === 'in_progress_elsewhere' || (outcome.status === 'failed' && (outcome.failure ?? 'unexpected') === 'unexpected');
    return heldByLease ? Math.min(this.options.retryLaterMs, this.options.leaseMs + 1_000) : this.options.retryLaterMs;
  }

  private later(ms: number, fn: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn().catch((error: unknown) => this.deps.logger.error({ err: error }, 'briefing retry failed'));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private contextFor(occurrence: Date, now: Date): CompositionContext {
    for (const [key, ctx] of this.contexts) if (now.getTime() - ctx.at.getTime() > CONTEXT_TTL_MS) this.contexts.delete(key);
    const key = occurrence.toISOString();
    let ctx = this.contexts.get(key);
    if (!ctx) this.contexts.set(key, (ctx = this.composer.newContext(now)));
    return ctx;
  }

  /**
   * Resumes unfinished deliveries (scheduled or send-now) inside the grace window: at once when the owner
   * released them or its lease is over, else as soon as the lease runs out — seconds after a crash, well
   * inside Discord's nonce window, so a part in flight at the crash is answered by Discord with the message
   * it already created.
   */
  async resumeIncomplete(transport: BriefingTransport | undefined = this.transport): Promise<void> {
    if (!transport) return;
    const now = this.deps.clock.now();
    for (const { key, record } of await this.ledger.incomplete()) {
      if (now.getTime() - Date.parse(record.occurrence) > this.graceMs) continue;
      // A message Discord refused ('other') would be refused again: the policy gives that occurrence up.
      if (record.status === 'failed' && record.error?.startsWith('other:')) continue;
      const wait = record.released ? 0 : this.ledger.leaseRemainingMs(record);
      this.later(wait + 100, () => this.resume(key, record, transport));
    }
  }

  private async resume(key: string, record: DeliveryRecord, transport: BriefingTransport): Promise<DeliveryOutcome | undefined> {
    const sub = await this.deps.subscriptions.getById(record.subscriptionId);
    if (!sub || sub.paused || !this.accepts(sub)) return undefined;
    const occurrence = new Date(record.occurrence);
    const manual = key.includes(':manual:');
    const now = this.deps.clock.now();
    return this.delivery.deliverGuarded(sub, occurrence, now, transport, this.contextFor(occurrence, now), { manual });
  }

  // ---------------------------------------------------------------- catch-up pass (index)

  /** Delivers every occurrence due at `now` (and missed ones within the grace window), in parallel. */
  async runDue(now: Date = this.deps.clock.now(), transport: BriefingTransport | undefined = this.transport): Promise<DeliveryOutcome[]> {
    if (!transport) throw new Error('BriefingService.runDue needs a transport: call start(transport) or pass one');
    await this.index.ensure(now);
    await this.ledger.prune(now);
    const due = this.index.takeDue(now);
    if (due.length === 0) return [];
    const ctx = this.composer.newContext(now);
    const outcomes = await pMap(due, (d) => this.deliverDue(d, now, transport, ctx), { concurrency: this.options.concurrency });
    const delivered = outcomes.filter((o): o is DeliveryOutcome => o !== undefined);
    const counts: Record<string, number> = {};
    for (const o of delivered) counts[o.status] = (counts[o.status] ?? 0) + 1;
    this.deps.logger.info({ due: due.length, ...counts }, 'briefings delivered');
    return delivered;
  }

  private async deliverDue(due: Due, now: Date, transport: BriefingTransport, ctx: CompositionContext): Promise<DeliveryOutcome | undefined> {
    try {
      const sub = await this.deps.subscriptions.getById(due.subscriptionId);
      if (!sub || sub.paused) return undefined; // removed or paused since it was indexed; re-indexed on change
      // A slow pass or a sleeping process may find a later occurrence already due: deliver only the latest.
      const { latest } = this.index.around(sub, now);
      const occurrence = latest && latest.getTime() > due.occurrence ? latest : new Date(due.occurrence);
      const outcome = await this.delivery.deliverGuarded(sub, occurrence, now, transport, ctx);
      await this.reindexAfter(sub.id, occurrence, now, outcome);
      return outcome;
    } finally {
      this.index.done(due.subscriptionId);
    }
  }

  private async reindexAfter(subscriptionId: string, occurrence: Date, now: Date, outcome: DeliveryOutcome): Promise<void> {
    if (outcome.status === 'paused' || outcome.status === 'removed') return;
    const retryAt = now.getTime() + this.retryDelayMs(outcome);
    if (retryable(outcome) && retryAt - occurrence.getTime() <= this.graceMs) {
      this.index.place(subscriptionId, retryAt, occurrence.getTime());
      return;
    }
    const sub = await this.deps.subscriptions.getById(subscriptionId);
    if (!sub || sub.paused) return;
    this.index.placeNext(sub, now);
  }

  // ---------------------------------------------------------------- delivery

  /** Posts a subscription's briefing now (moderator's /briefing send-now), as a delivery like the others. */
  sendNow(sub: Subscription, transport: BriefingTransport): Promise<SendNowResult> {
    return this.delivery.sendNow(sub, transport, this.options.leaseMs);
  }
}

function retryable(outcome: DeliveryOutcome): boolean {
  return outcome.status === 'in_progress_elsewhere' || (outcome.status === 'failed' && FAILURE_POLICY[outcome.failure ?? 'unexpected'] === 'retry_later');
}

/** Whether `at` is an occurrence of the subscription's current schedule, set before it fell due. */
function isOccurrenceOf(sub: Subscription, at: Date): boolean {
  if (at.getTime() <= Date.parse(sub.scheduledAt ?? sub.createdAt)) return false;
  try {
    return latestOccurrence(sub.schedule, at)?.getTime() === at.getTime();
  } catch {
    return false;
  }
}
