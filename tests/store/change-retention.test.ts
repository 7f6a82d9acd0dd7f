import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type ChangeRetention, type Store } from '../../src/store/index.ts';
import { tempDir } from '../reports/helpers.ts';
import { hasRedisServer, startRedis, throwAwayDatabase } from './services.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const DAY = 24 * 3600_000;

/** Retention on one backend; `freshUrl()` gives a store URL whose change log nobody else writes. */
function retention(name: string, freshUrl: () => Promise<string>) {
  describe(`${name}: change-log retention`, () => {
    let clock = Date.parse('2026-03-01T08:00:00Z');
    const open = async (changeRetention: ChangeRetention, url?: string) => {
      const storeUrl = url ?? (await freshUrl());
      const store = await createStore(storeUrl, { now: () => clock, changeRetention: { trimEveryMs: 365 * DAY, ...changeRetention } });
      cleanups.push(() => store.close());
      return { store, url: storeUrl };
    };
    const appendN = async (store: Store, n: number, tag: string) => {
      const seqs: number[] = [];
      for (let i = 0; i < n; i++) seqs.push(await store.changes.append('reports', `${tag}${i}`));
      return seqs;
    };

    it('keeps the newest maxEntries, says so to a reader that fell behind, and never moves the head back', async () => {
      const { store } = await open({ maxEntries: 5 });
      const seqs = await appendN(store, 12, 'r');
      expect((await store.changes.since(0, 100)).map((e) => e.seq)).toEqual(seqs);
      expect(await store.changes.oldest!()).toBe(seqs[0]);
      expect(await store.changes.readSince!(0, 100)).toMatchObject({ truncated: false, trimmedThrough: 0 });

      expect(await store.changes.trim!()).toBe(7);
      expect(await store.changes.oldest!()).toBe(seqs[7]);
      expect((await store.changes.since(0, 100)).map((e) => e.key)).toEqual(['r7', 'r8', 'r9', 'r10', 'r11']);
      expect(await store.changes.head()).toBe(seqs[11]);

      const behind = await store.changes.readSince!(seqs[3]!, 100);
      expect(behind.truncated).toBe(true); // r4..r6 are gone: the reader must rebuild
      expect(behind.trimmedThrough).toBe(seqs[6]);
      const justInside = await store.changes.readSince!(seqs[6]!, 100);
      expect(justInside.truncated).toBe(false);
      expect(justInside.entries.map((e) => e.key)).toEqual(['r7', 'r8', 'r9', 'r10', 'r11']);
      expect(await store.changes.readSince!(seqs[11]!, 100)).toEqual({ entries: [], truncated: false, trimmedThrough: seqs[6] });

      expect(await store.changes.trim!()).toBe(0); // nothing more to do
      const next = await store.changes.append('reports', 'after');
      expect(next).toBeGreaterThan(seqs[11]!);
    });

    it('drops entries older than maxAgeMs, and keeps the head when every entry has aged out', async () => {
      const { store, url } = await open({ maxAgeMs: DAY, maxEntries: 1000 });
      const old = await appendN(store, 3, 'old');
      clock += 2 * DAY;
      const young = await appendN(store, 2, 'young');
      expect(await store.changes.trim!()).toBe(3);
      expect((await store.changes.since(0)).map((e) => e.key)).toEqual(['young0', 'young1']);
      expect(await store.changes.oldest!()).toBe(young[0]);
      expect((await store.changes.readSince!(old[0]!)).truncated).toBe(true);
      expect((await store.changes.readSince!(old[2]!)).truncated).toBe(false);

      clock += 2 * DAY;
      expect(await store.changes.trim!()).toBe(2);
      expect(await store.changes.since(0)).toEqual([]);
      expect(await store.changes.oldest!()).toBe(0);
      expect(await store.changes.head()).toBe(young[1]);
      // Another process opening the same store sees the same head and watermark.
      const { store: other } = await open({ maxAgeMs: DAY }, url);
      expect(await other.changes.head()).toBe(young[1]);
      expect(await other.changes.readSince!(young[0]!)).toMatchObject({ entries: [], truncated: true, trimmedThrough: young[1] });
      expect(await other.changes.append('reports', 'later')).toBeGreaterThan(young[1]!);
    });

    it('a follower that falls behind while others append and trim never misses an entry without being told', async () => {
      const { store: writer, url } = await open({ maxEntries: 15 });
      const { store: follower } = await open({ maxEntries: 15 }, url);
      let cursor = 0;
      let rebuilds = 0;
      const segments: number[][] = [[]];
      // One read of a follower that takes 2 entries per 3 appended, so it falls behind the kept window.
      const step = async () => {
        const window = await follower.changes.readSince!(cursor, 2);
        if (window.truncated) {
          // What a cache does: rebuild from the namespaces, then go on from the head it rebuilt at.
          rebuilds++;
          cursor = await follower.changes.head();
          segments.push([]);
          return;
        }
        for (const entry of window.entries) segments.at(-1)!.push(entry.seq);
        if (window.entries.length) cursor = window.entries.at(-1)!.seq;
      };
      const trims: Array<Promise<unknown>> = [];
      for (let i = 0; i < 150; i++) {
        const appended = writer.changes.append('reports', `f${i}`);
        if (i % 10 === 9) trims.push(writer.changes.trim!()); // beside the appends and reads
        if (i % 3 === 2) await step();
        await appended;
      }
      await Promise.all(trims);
      await writer.changes.trim!();
      for (let i = 0; i < 200 && cursor < (await writer.changes.head()); i++) await step();
      // Within a segment (between rebuilds) the follower saw every number, in order: nothing was skipped silently.
      for (const segment of segments) for (let i = 1; i < segment.length; i++) expect(segment[i]).toBe(segment[i - 1]! + 1);
      expect(rebuilds).toBeGreaterThan(0);
      expect(cursor).toBe(await writer.changes.head());
    });

    it('the appending process trims by itself once trimEveryMs has passed, not before', async () => {
      const { store } = await open({ maxEntries: 2, trimEveryMs: 60_000 });
      const seqs = await appendN(store, 6, 'a');
      expect(await store.changes.oldest!()).toBe(seqs[0]); // not yet: the interval has not passed
      clock += 61_000;
      const last = await store.changes.append('reports', 'trigger');
      // The trim runs beside the append (the append does not wait for it): wait until it is seen.
      for (let i = 0; i < 200 && (await store.changes.oldest!()) !== seqs[5]; i++) await new Promise((done) => setTimeout(done, 25));
      expect((await store.changes.since(0)).map((e) => e.seq)).toEqual([seqs[5], last]);
    });
  });
}

let sqliteDir: { dir: string; cleanup(): void } | undefined;
beforeAll(() => {
  sqliteDir = tempDir('sitrep-retention-');
});
afterAll(() => sqliteDir?.cleanup());
let sqliteCount = 0;
retention('SQLite', async () => `sqlite://${join(sqliteDir!.dir, `store-${++sqliteCount}.sqlite`)}`);

describe.skipIf(!hasRedisServer())('Redis (a redis-server of our own)', () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let db = 0;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());
  // One database index per test, so each starts with an empty log (the server has 16).
  retention('Redis', async () => `${server.url}/${++db}`);
});

const postgresUrl = process.env.SITREP_TEST_POSTGRES_URL;
describe.skipIf(!postgresUrl)('PostgreSQL (a database of our own on SITREP_TEST_POSTGRES_URL)', () => {
  retention('PostgreSQL', async () => {
    const db = await throwAwayDatabase(postgresUrl!);
    cleanups.unshift(() => db.drop()); // dropped after the test's stores closed
    return db.url;
  });
});
