/**
 * The scheduler port's contract on the fleet engines, on real Redis (BullMQ) and Postgres (pg-boss): two
 * scheduler instances share one engine, as two processes would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Queue, createNodeRedisClient } from 'bullmq';
import { createClient } from '@keyv/redis';
import PgBoss from 'pg-boss';
import { chooseEngine, createScheduler } from '../../src/scheduling/index.ts';
import type { JobRun, JobScheduler } from '../../src/scheduling/port.ts';
import { nextOccurrence, occurrenceId } from '../../src/scheduling/pgboss.ts';
import { scheduledMillis } from '../../src/scheduling/bullmq.ts';

const REDIS = process.env.SITREP_TEST_REDIS_URL;
const POSTGRES = process.env.SITREP_TEST_POSTGRES_URL;
const logger = pino({ level: 'silent' });

interface Seen {
  instance: string;
  run: JobRun;
  startedAt: number;
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(50);
  }
}

type Engine = { name: 'bullmq' | 'pg-boss'; url: string | undefined };
const ENGINES: Engine[] = [
  { name: 'bullmq', url: REDIS },
  { name: 'pg-boss', url: POSTGRES },
];

for (const engine of ENGINES) {
  describe.skipIf(!engine.url)(`${engine.name} scheduler shared by two processes`, () => {
    async function pair(): Promise<{ a: JobScheduler; b: JobScheduler; seen: Seen[] }> {
      const namespace = engine.name === 'bullmq' ? `sitrep-test-${randomUUID()}` : `sitrep_test_${randomUUID().replace(/-/g, '')}`;
      const config =
        engine.name === 'bullmq' ? { STORE_URL: engine.url!, SCHEDULER: 'bullmq' as const } : { STORE_URL: engine.url!, SCHEDULER: 'pg-boss' as const };
      const a = await createScheduler(config, { logger, namespace, pollingIntervalSeconds: 0.5 });
      const b = await createScheduler(config, { logger, namespace, pollingIntervalSeconds: 0.5 });
      expect(a.engine).toBe(engine.name);
      cleanups.push(async () => {
        await a.close();
        await b.close();
        await dropNamespace(engine, namespace);
      });
      const seen: Seen[] = [];
      for (const [name, s] of [
        ['a', a],
        ['b', b],
      ] as const) {
        await s.work('feed-poll', async (run) => {
          seen.push({ instance: name, run, startedAt: Date.now() });
        });
      }
      return { a, b, seen };
    }

    it('runs an upserted job once per occurrence across both', async () => {
      const { a, b, seen } = await pair();
      await a.upsert({ id: 'feed-poll:f1', kind: 'feed-poll', everyMs: 1000, data: { feedId: 'f1' } });
      await b.upsert({ id: 'feed-poll:f1', kind: 'feed-poll', everyMs: 1000, data: { feedId: 'f1' } }); // reconciliation by the other process
      await until(() => seen.length >= 4, 8_000, '4 runs');
      const instants = seen.map((s) => s.run.scheduledAt.getTime());
      expect(new Set(instants).size).toBe(instants.length);
      expect(seen.every((s) => s.run.id === 'feed-poll:f1' && s.run.data.feedId === 'f1' && s.run.kind === 'feed-poll')).toBe(true);
      // Occurrences are a second apart: the scheduled instant is the occurrence's, not the start time.
      const sorted = [...instants].sort((x, y) => x - y);
      for (let i = 1; i < sorted.length; i++) expect(Math.round((sorted[i]! - sorted[i - 1]!) / 1000)).toBeGreaterThanOrEqual(1);
      expect((await a.list()).map((j) => j.id)).toEqual(['feed-poll:f1']);
    });

    it('never runs a removed job again, on either', async () => {
      const { a, b, seen } = await pair();
      await a.upsert({ id: 'feed-poll:gone', kind: 'feed-poll', everyMs: 1000, data: { feedId: 'gone' } });
      await until(() => seen.length >= 2, 8_000, '2 runs');
      await b.remove('feed-poll:gone');
      const removedAt = Date.now();
      await sleep(2_500);
      expect(seen.filter((s) => s.startedAt > removedAt)).toEqual([]);
      expect(await a.list()).toEqual([]);
    });

    it('applies a changed pattern on both at once', async () => {
      const { a, b, seen } = await pair();
      await a.upsert({ id: 'feed-poll:c', kind: 'feed-poll', everyMs: 1000, data: { v: '1' } });
      await until(() => seen.length >= 1, 8_000, 'a first run');
      await b.upsert({ id: 'feed-poll:c', kind: 'feed-poll', pattern: '*/2 * * * * *', timezone: 'Europe/Paris', data: { v: '2' } });
      const changedAt = Date.now();
      await until(() => seen.filter((s) => s.run.scheduledAt.getTime() > changedAt).length >= 2, 8_000, '2 runs after the change');
      const after = seen.filter((s) => s.run.scheduledAt.getTime() > changedAt);
      for (const s of after) {
        expect(s.run.data.v).toBe('2');
        expect(s.run.scheduledAt.getUTCSeconds() % 2).toBe(0);
      }
      expect(new Set(after.map((s) => s.run.scheduledAt.getTime())).size).toBe(after.length);
      expect(await a.list()).toEqual([{ id: 'feed-poll:c', kind: 'feed-poll', pattern: '*/2 * * * * *', timezone: 'Europe/Paris', data: { v: '2' } }]);
    });
  });
}

async function dropNamespace(engine: Engine, namespace: string): Promise<void> {
  if (engine.name === 'bullmq') {
    const client = createClient({ url: engine.url! });
    const connection = createNodeRedisClient(client);
    for (const kind of ['briefing', 'feed-poll']) {
      const q = new Queue(`sitrep-${kind}`, { connection, prefix: namespace });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    if (client.isOpen) await client.close();
  } else {
    const boss = new PgBoss({ connectionString: engine.url!, schema: namespace, schedule: false, supervise: false, migrate: false });
    await boss.start().catch(() => undefined);
    await boss.getDb().executeSql(`DROP SCHEMA IF EXISTS ${namespace} CASCADE`, []);
    await boss.stop({ graceful: false, wait: true, timeout: 1000 }).catch(() => undefined);
  }
}

describe('engine choice and occurrence arithmetic', () => {
  it('picks the engine from the store unless SCHEDULER says otherwise', () => {
    expect(chooseEngine({ STORE_URL: 'sqlite://./x.sqlite', SCHEDULER: 'auto' }).engine).toBe('in-process');
    expect(chooseEngine({ STORE_URL: 'redis://h:1', SCHEDULER: 'auto' })).toEqual({ engine: 'bullmq', url: 'redis://h:1' });
    expect(chooseEngine({ STORE_URL: 'postgres://u@h/db', SCHEDULER: 'auto' })).toEqual({ engine: 'pg-boss', url: 'postgres://u@h/db' });
    expect(chooseEngine({ STORE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://r:2', SCHEDULER: 'auto' })).toEqual({ engine: 'bullmq', url: 'redis://r:2' });
    expect(() => chooseEngine({ STORE_URL: 'sqlite://x', SCHEDULER: 'bullmq' })).toThrow(/REDIS_URL/);
    expect(() => chooseEngine({ STORE_URL: 'redis://h:1', SCHEDULER: 'pg-boss' })).toThrow(/postgres/);
  });

  it('computes the same next occurrence in every process, strictly after the given instant', () => {
    const daily = { id: 'briefing:s1', kind: 'briefing' as const, pattern: '30 7 * * *', timezone: 'Asia/Tokyo', data: {} };
    const at = Date.parse('2026-11-27T10:00:00Z');
    expect(new Date(nextOccurrence(daily, at)).toISOString()).toBe('2026-11-27T22:30:00.000Z');
    const every = { id: 'feed-poll:f', kind: 'feed-poll' as const, everyMs: 60_000, data: {} };
    const n1 = nextOccurrence(every, at);
    expect(n1).toBeGreaterThan(at);
    expect(n1 - at).toBeLessThanOrEqual(60_000);
    expect(nextOccurrence(every, n1)).toBe(n1 + 60_000);
    expect(nextOccurrence(every, n1 - 1)).toBe(n1);
  });

  it('derives stable UUIDs per occurrence and reads the instant from a BullMQ iteration id', () => {
    const id = occurrenceId('briefing:s1', 1, 1000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(occurrenceId('briefing:s1', 1, 1000)).toBe(id);
    expect(occurrenceId('briefing:s1', 2, 1000)).not.toBe(id);
    expect(scheduledMillis({ id: 'repeat:briefing:s1:1796146908000', opts: {}, timestamp: 1, delay: 0 } as never)).toBe(1796146908000);
    expect(scheduledMillis({ id: 'other', opts: { prevMillis: 42 }, timestamp: 1, delay: 0 } as never)).toBe(42);
  });
});
