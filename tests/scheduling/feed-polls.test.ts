import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Queue, createNodeRedisClient } from 'bullmq';
import { createClient } from '@keyv/redis';
import { createScheduler } from '../../src/scheduling/index.ts';
import { feedPollJob, reconcileJobs, startFeedPolling, type FeedSource } from '../../src/scheduling/feed-polls.ts';
import type { JobScheduler } from '../../src/scheduling/port.ts';
import { systemClock } from '../../src/core/clock.ts';

const logger = pino({ level: 'silent' });
const REDIS = process.env.SITREP_TEST_REDIS_URL;
let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});
// Through createScheduler, so the test does not depend on the in-process engine's constructor.
const inProcess = () => createScheduler({ STORE_URL: 'sqlite://./unused.sqlite', SCHEDULER: 'in-process' }, { logger });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function feedSource(ids: string[], backoff: Record<string, string> = {}): FeedSource & { polls: Record<string, number>; ids: string[] } {
  const polls: Record<string, number> = {};
  const source = {
    ids,
    polls,
    list: async () => source.ids.map((id) => ({ id })),
    get: async (id: string) => (source.ids.includes(id) ? { ...(backoff[id] ? { nextPollAt: backoff[id] } : {}) } : undefined),
    poll: async (id: string) => {
      polls[id] = (polls[id] ?? 0) + 1;
      return { status: 'ok' };
    },
  };
  return source;
}

describe('reconcileJobs', () => {
  it('upserts the desired jobs of a kind and removes the others of that kind only', async () => {
    const scheduler = await inProcess();
    cleanups.push(() => scheduler.close());
    await scheduler.upsert(feedPollJob('old', 60_000));
    await scheduler.upsert({ id: 'briefing:s1', kind: 'briefing', pattern: '0 8 * * *', timezone: 'UTC', data: { subscriptionId: 's1' } });
    const result = await reconcileJobs(scheduler, 'feed-poll', [feedPollJob('a', 60_000), feedPollJob('b', 60_000)]);
    expect(result).toEqual({ upserted: 2, removed: 1 });
    expect((await scheduler.list()).map((j) => j.id).sort()).toEqual(['briefing:s1', 'feed-poll:a', 'feed-poll:b']);
  });
});

describe('feed polling through the scheduler', () => {
  it('polls each stored feed, skips one in failure backoff, and drops a removed feed at the next reconciliation', async () => {
    const scheduler = await inProcess();
    cleanups.push(() => scheduler.close());
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const feeds = feedSource(['f1', 'f2', 'failing'], { failing: future });
    const polling = await startFeedPolling({
      scheduler,
      feeds,
      everyMs: 200,
      logger,
      clock: systemClock,
      schedule: true,
      work: true,
      reconcileEveryMs: 60_000,
    });
    cleanups.push(() => polling.stop());
    await sleep(700);
    expect(feeds.polls.f1).toBeGreaterThanOrEqual(2);
    expect(feeds.polls.f2).toBeGreaterThanOrEqual(2);
    expect(feeds.polls.failing).toBeUndefined();
    feeds.ids = ['f1'];
    await polling.reconcile();
    const f2 = feeds.polls.f2;
    await sleep(500);
    expect(feeds.polls.f2).toBe(f2);
    expect((await scheduler.list()).map((j) => j.id)).toEqual(['feed-poll:f1']);
  });

  it.skipIf(!REDIS)('fetches each feed once per interval with two worker processes on BullMQ', async () => {
    const namespace = `sitrep-test-${randomUUID()}`;
    const schedulers: JobScheduler[] = [];
    for (let i = 0; i < 2; i++) schedulers.push(await createScheduler({ STORE_URL: REDIS!, SCHEDULER: 'bullmq' }, { logger, namespace }));
    cleanups.push(async () => {
      for (const s of schedulers) await s.close();
      const client = createClient({ url: REDIS! });
      for (const name of ['sitrep-feed-poll', 'sitrep-briefing']) {
        const q = new Queue(name, { connection: createNodeRedisClient(client), prefix: namespace });
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
      if (client.isOpen) await client.close();
    });
    const feeds = feedSource(['a', 'b', 'c']);
    const pollers: Array<{ stop(): void }> = [];
    // Both schedule (as two gateways would reconcile) and both work.
    for (const scheduler of schedulers)
      pollers.push(await startFeedPolling({ scheduler, feeds, everyMs: 1_000, logger, clock: systemClock, schedule: true, work: true }));
    cleanups.push(() => pollers.forEach((p) => p.stop()));
    const t0 = Date.now();
    await sleep(3_600);
    const elapsedS = (Date.now() - t0) / 1000;
    for (const id of ['a', 'b', 'c']) {
      expect(feeds.polls[id]).toBeGreaterThanOrEqual(2);
      // One fetch per interval (the first one runs at once): never one per process.
      expect(feeds.polls[id]).toBeLessThanOrEqual(Math.floor(elapsedS) + 1);
    }
  });
});
