import type { Logger } from '../logger.ts';
import { occurrencesAround, scheduleCron } from './schedule.ts';
import type { SubscriptionChange, SubscriptionService } from './subscriptions.ts';
import type { Subscription } from './types.ts';

/** One due delivery: the subscription and the occurrence being delivered. */
export interface Due {
  subscriptionId: string;
  occurrence: number;
}

export type Around = { latest?: Date; next: Date };

/** What a subscription's index entry depends on. */
function signature(sub: Subscription): string {
  return JSON.stringify([sub.schedule, sub.scheduledAt ?? sub.createdAt, sub.paused ? 1 : 0, sub.lastDelivery?.occurrence]);
}

/**
 * In-memory index of due instants → subscriptions due then, for `BriefingService.runDue` (the catch-up pass at
 * start-up, the CLI, tests and benchmarks): a due lookup is a map scan of instants however many subscriptions
 * exist. Live scheduling goes through the scheduler port instead (see scheduler.ts).
 */
export class ScheduleIndex {
  /** due instant (ms) → subscription id → occurrence (ms) to deliver. */
  private readonly index = new Map<number, Map<string, number>>();
  private readonly dueOf = new Map<string, number>();
  /** What each indexed subscription's entry was computed from: unchanged subscriptions are not recomputed. */
  private readonly signatures = new Map<string, string>();
  /** Subscriptions taken off the index by a running pass (re-placed when their delivery ends). */
  private readonly delivering = new Set<string>();
  private indexedAt: number | undefined;
  private indexing: Promise<void> | undefined;
  accepts: (sub: Subscription) => boolean = () => true;

  constructor(private readonly deps: { subscriptions: SubscriptionService; logger: Logger; graceMs: () => number; reindexMs: number }) {}

  get size(): number {
    return this.dueOf.size;
  }

  /** The next instant anything is due, if any. */
  get nextDueAt(): Date | undefined {
    let min: number | undefined;
    for (const at of this.index.keys()) if (min === undefined || at < min) min = at;
    return min === undefined ? undefined : new Date(min);
  }

  /**
   * Builds the index on first use, then refreshes it every `reindexMs` from the store. A refresh recomputes
   * only subscriptions whose schedule, pause or last delivery changed, and occurrences are computed once per
   * distinct (cron, timezone).
   */
  async ensure(now: Date): Promise<void> {
    if (this.indexedAt !== undefined && now.getTime() - this.indexedAt < this.deps.reindexMs) return;
    this.indexing ??= (async () => {
      try {
        const subscriptions = await this.deps.subscriptions.list();
        const seen = new Set<string>();
        const memo = new Map<string, Around>();
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

  onChange(change: SubscriptionChange, now: Date): void {
    if (this.indexedAt === undefined) return; // built on first use
    if (change.kind === 'remove') {
      this.unindex(change.subscription.id);
      this.signatures.delete(change.subscription.id);
    } else if (!this.delivering.has(change.subscription.id)) {
      this.indexSubscription(change.subscription, now);
    }
  }

  /**
   * Places a subscription in the index: at its latest occurrence when that one is within the grace window,
   * after the subscription was created and not yet delivered (a catch-up), else at its next occurrence.
   */
  indexSubscription(sub: Subscription, now: Date, memo?: Map<string, Around>): void {
    this.unindex(sub.id);
    this.signatures.set(sub.id, signature(sub));
    if (sub.paused || !this.accepts(sub)) return;
    try {
      const { latest, next } = this.around(sub, now, memo);
      const occurrence = catchUpOccurrence(sub, latest) ?? next;
      this.place(sub.id, occurrence.getTime(), occurrence.getTime());
    } catch (error) {
      this.deps.logger.warn({ err: error, subscription: sub.id }, 'subscription has an unusable schedule; not scheduled');
    }
  }

  around(sub: Subscription, now: Date, memo?: Map<string, Around>): Around {
    const key = `${scheduleCron(sub.schedule)}|${sub.schedule.timezone}`;
    let around = memo?.get(key);
    if (!around) {
      around = occurrencesAround(sub.schedule, now, this.deps.graceMs());
      memo?.set(key, around);
    }
    return around;
  }

  place(subscriptionId: string, dueAt: number, occurrence: number): void {
    this.unindex(subscriptionId);
    let bucket = this.index.get(dueAt);
    if (!bucket) this.index.set(dueAt, (bucket = new Map()));
    bucket.set(subscriptionId, occurrence);
    this.dueOf.set(subscriptionId, dueAt);
  }

  /** Places a subscription at its next occurrence after `now` (after a delivery ended). */
  placeNext(sub: Subscription, now: Date, memo?: Map<string, Around>): void {
    this.signatures.set(sub.id, signature(sub));
    const next = this.around(sub, now, memo).next.getTime();
    this.place(sub.id, next, next);
  }

  unindex(subscriptionId: string): void {
    const dueAt = this.dueOf.get(subscriptionId);
    if (dueAt === undefined) return;
    const bucket = this.index.get(dueAt);
    bucket?.delete(subscriptionId);
    if (bucket && bucket.size === 0) this.index.delete(dueAt);
    this.dueOf.delete(subscriptionId);
  }

  /** Takes every entry due at or before `now` off the index (they are re-placed by `done`). */
  takeDue(now: Date): Due[] {
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

  done(subscriptionId: string): void {
    this.delivering.delete(subscriptionId);
  }
}

/**
 * The occurrence to catch up, if any: only one of the current schedule, set before it fell due (moving
 * today's time to a time already past does not post a second briefing), and not delivered yet.
 */
export function catchUpOccurrence(sub: Subscription, latest: Date | undefined): Date | undefined {
  if (latest === undefined) return undefined;
  if (latest.getTime() <= Date.parse(sub.scheduledAt ?? sub.createdAt)) return undefined;
  if (sub.lastDelivery?.occurrence === latest.toISOString()) return undefined;
  return latest;
}
