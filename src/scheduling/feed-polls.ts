import type { Logger } from '../logger.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import { metrics } from '../ops/metrics.ts';
import type { JobKind, JobScheduler, RecurringJob } from './port.ts';

/** What feed polling needs of the feed service (FeedService satisfies it). */
export interface FeedSource {
  list(): Promise<Array<{ id: string }>>;
  get(id: string): Promise<{ nextPollAt?: string } | undefined>;
  poll(feedId: string): Promise<{ status: string }>;
}

export const feedPollJobId = (feedId: string) => `feed-poll:${feedId}`;

export function feedPollJob(feedId: string, everyMs: number): RecurringJob {
  return { id: feedPollJobId(feedId), kind: 'feed-poll', everyMs, data: { feedId } };
}

/**
 * Makes the engine's recurring jobs of `kind` exactly `desired`: upserts each (a no-op for an unchanged
 * one on every engine) and removes the others. Idempotent, so any number of processes may run it.
 */
export async function reconcileJobs(scheduler: JobScheduler, kind: JobKind, desired: RecurringJob[]): Promise<{ upserted: number; removed: number }> {
  const wanted = new Set(desired.map((job) => job.id));
  for (const job of desired) await scheduler.upsert(job);
  const stale = (await scheduler.list()).filter((job) => job.kind === kind && !wanted.has(job.id));
  for (const job of stale) await scheduler.remove(job.id);
  return { upserted: desired.length, removed: stale.length };
}

export interface FeedPolling {
  /** Reconciles now (after a feed was added or removed, say); also runs every `reconcileEveryMs`. */
  reconcile(): Promise<void>;
  stop(): void;
}

/**
 * Feed polls as scheduler jobs (`feed-poll:<feedId>`, every FEED_POLL_MINUTES): the engine hands each
 * occurrence to one worker, so a feed is fetched once per interval however many processes run, and only
 * that worker touches its seen-items and conditional-GET state for that poll. Processes that schedule
 * (gateways, `all`) keep the jobs equal to the stored feeds — the store is the truth, a feed added or
 * removed through any process is picked up within `reconcileEveryMs`; processes that work (workers, `all`)
 * run the polls, skipping a feed still in its failure backoff.
 */
export function startFeedPolling(opts: {
  scheduler: JobScheduler;
  feeds: FeedSource;
  everyMs: number;
  logger: Logger;
  clock: Clock;
  schedule: boolean;
  work: boolean;
  reconcileEveryMs?: number;
}): Promise<FeedPolling> {
  const { scheduler, feeds, logger } = opts;
  const reconcile = async () => {
    const list = await feeds.list();
    const result = await reconcileJobs(
      scheduler,
      'feed-poll',
      list.map((feed) => feedPollJob(feed.id, opts.everyMs)),
    );
    if (result.removed) logger.info(result, 'feed poll jobs reconciled');
  };
  let timer: NodeJS.Timeout | undefined;
  return (async () => {
    if (opts.work) {
      await scheduler.work('feed-poll', async (run) => {
        const feedId = run.data.feedId;
        if (!feedId) return;
        const feed = await feeds.get(feedId);
        if (!feed) return; // removed since: the next reconciliation drops its job
        if (feed.nextPollAt && Date.parse(feed.nextPollAt) > opts.clock.now().getTime()) {
          metrics.feedPolls.inc({ outcome: 'skipped' });
          return;
        }
        const result = await feeds.poll(feedId);
        metrics.feedPolls.inc({ outcome: result.status });
      });
    }
    if (opts.schedule) {
      await reconcile().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'could not reconcile feed poll jobs'));
      timer = setInterval(
        () => void reconcile().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'could not reconcile feed poll jobs')),
        opts.reconcileEveryMs ?? 60_000,
      );
      timer.unref();
    }
    return {
      reconcile,
      stop() {
        if (timer) clearInterval(timer);
        timer = undefined;
      },
    };
  })();
}
