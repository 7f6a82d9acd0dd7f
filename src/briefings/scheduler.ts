import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { JobScheduler, RecurringJob } from '../scheduling/port.ts';
import { scheduleCron } from './schedule.ts';
import type { SubscriptionChange, SubscriptionService } from './subscriptions.ts';
import type { Subscription } from './types.ts';

export const BRIEFING_JOB_PREFIX = 'briefing:';

/** The scheduler job of a subscription: its cron pattern in its timezone. */
export function briefingJob(sub: Subscription): RecurringJob {
  return {
    id: `${BRIEFING_JOB_PREFIX}${sub.id}`,
    kind: 'briefing',
    pattern: scheduleCron(sub.schedule),
    timezone: sub.schedule.timezone,
    data: { subscriptionId: sub.id },
  };
}

/**
 * Keeps the scheduler's `briefing:<id>` jobs equal to the subscriptions: reconciled at start, then each
 * subscribe, schedule change, pause, resume and unsubscribe upserts or removes the job at once (so a
 * cancelled time never fires). Changes to one job are applied in order.
 */
export class BriefingJobs {
  private unlisten: (() => void) | undefined;
  private readonly pending = new Map<string, Promise<void>>();
  /** pattern|timezone last written per job: a delivery (which updates the subscription) rewrites nothing. */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly deps: {
      subscriptions: SubscriptionService;
      scheduler: JobScheduler;
      logger: Logger;
      accepts: (sub: Subscription) => boolean;
    },
  ) {}

  async start(): Promise<void> {
    this.unlisten ??= this.deps.subscriptions.onChange((change) => void this.apply(change));
    const subscriptions = await this.deps.subscriptions.list();
    const wanted = new Map<string, RecurringJob>();
    for (const sub of subscriptions) if (this.wanted(sub)) wanted.set(`${BRIEFING_JOB_PREFIX}${sub.id}`, briefingJob(sub));
    const known = await this.deps.scheduler.list();
    for (const job of known) {
      if (job.kind !== 'briefing') continue;
      const want = wanted.get(job.id);
      // Another process's subscriptions (another transport) are left to that process.
      const sub = subscriptions.find((s) => `${BRIEFING_JOB_PREFIX}${s.id}` === job.id);
      if (!want && (!sub || this.deps.accepts(sub))) await this.remove(job.id);
    }
    for (const job of wanted.values()) {
      const same = known.find((k) => k.id === job.id && k.pattern === job.pattern && k.timezone === job.timezone);
      if (same) this.applied.set(job.id, `${job.pattern}|${job.timezone}`);
      else await this.upsert(job);
    }
    this.deps.logger.debug({ jobs: wanted.size }, 'briefing jobs reconciled');
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = undefined;
  }

  /** Resolves once every change heard so far has reached the scheduler. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending.values()]);
  }

  private wanted(sub: Subscription): boolean {
    return !sub.paused && this.deps.accepts(sub);
  }

  private apply(change: SubscriptionChange): Promise<void> {
    const sub = change.subscription;
    if (!this.deps.accepts(sub)) return Promise.resolve();
    const id = `${BRIEFING_JOB_PREFIX}${sub.id}`;
    if (change.kind === 'remove' || sub.paused) return this.remove(id);
    return this.upsert(briefingJob(sub));
  }

  private upsert(job: RecurringJob): Promise<void> {
    const signature = `${job.pattern}|${job.timezone}`;
    if (this.applied.get(job.id) === signature) return this.pending.get(job.id) ?? Promise.resolve();
    this.applied.set(job.id, signature);
    return this.enqueue(job.id, () => this.deps.scheduler.upsert(job));
  }

  private remove(id: string): Promise<void> {
    this.applied.delete(id);
    return this.enqueue(id, () => this.deps.scheduler.remove(id));
  }

  private enqueue(id: string, step: () => Promise<void>): Promise<void> {
    const next = (this.pending.get(id) ?? Promise.resolve())
      .then(step)
      .catch((error: unknown) => this.deps.logger.error({ job: id, err: errorMessage(error) }, 'could not update the briefing job'));
    this.pending.set(id, next);
    void next.finally(() => {
      if (this.pending.get(id) === next) this.pending.delete(id);
    });
    return next;
  }
}
