import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, StoreWriteError, type ChangeEntry, type Store } from '../../src/store/index.ts';
import { tempDir } from '../reports/helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const unique = () => `t${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

async function opened(url: string): Promise<Store> {
  const store = await createStore(url);
  cleanups.push(() => store.close());
  return store;
}

async function collect<V>(pages: AsyncIterable<Array<{ key: string; value: V }>>) {
  const sizes: number[] = [];
  const rows: Array<{ key: string; value: V }> = [];
  for await (const page of pages) {
    sizes.push(page.length);
    rows.push(...page);
  }
  return { sizes, rows };
}

/** Resolves at the first call of the watcher. */
function firstWake(store: Store): { woke: Promise<void>; stop: () => void } {
  let stop = () => {};
  const woke = new Promise<void>((done) => {
    stop = store.changes.watch(done);
  });
  cleanups.push(() => stop());
  return { woke, stop: () => stop() };
}

/** Shared behaviour of scan/putMany and the change log on every backend; `url()` gives a store URL. */
function contract(name: string, url: () => string) {
  describe(`${name}: scan and putMany`, () => {
    it('writes a batch and pages it back in key order, by prefix, without other namespaces', async () => {
      const store = await opened(url());
      const ns = unique();
      const keys = Array.from({ length: 1200 }, (_, i) => `${i % 3 === 0 ? 'a' : 'b'}-${String(i).padStart(5, '0')}`);
      const shuffled = [...keys].sort(() => Math.random() - 0.5);
      await store.putMany(
        ns,
        shuffled.map((key) => ({ key, value: { key, text: `:${key}` } })),
      );
      await store.kv(`${ns}x`).set('a-00000', { other: true });
      await store.kv(ns).set('expiring', { gone: true }, 1);
      await new Promise((done) => setTimeout(done, 20));

      const all = await collect(store.scan<{ key: string; text: string }>(ns, { pageSize: 100 }));
      expect(all.rows.map((r) => r.key)).toEqual([...keys].sort());
      expect(all.rows.every((r) => r.value.key === r.key && r.value.text === `:${r.key}`)).toBe(true);
      expect(Math.max(...all.sizes)).toBeLessThanOrEqual(100);
      expect(all.sizes.length).toBeGreaterThanOrEqual(12);

      const onlyA = await collect(store.scan(ns, { prefix: 'a-', pageSize: 7 }));
      expect(onlyA.rows.map((r) => r.key)).toEqual(keys.filter((k) => k.startsWith('a-')).sort());
      expect((await collect(store.scan(`${ns}-empty`))).rows).toEqual([]);
      // putMany overwrites, and keyv reads what it wrote
      await store.putMany(ns, [{ key: 'a-00000', value: { key: 'a-00000', text: 'new' } }]);
      expect(await store.kv(ns).get('a-00000')).toEqual({ key: 'a-00000', text: 'new' });
      await store.kv(ns).clear();
      await store.kv(`${ns}x`).clear();
    });
  });

  describe(`${name}: change log`, () => {
    it('assigns strictly increasing numbers and reads them back with since() and head()', async () => {
      const store = await opened(url());
      const ns = unique();
      const before = await store.changes.head();
      const a = await store.changes.append(ns, 'one');
      const b = await store.changes.append(ns, 'two');
      expect(a).toBeGreaterThan(before);
      expect(b).toBeGreaterThan(a);
      expect(await store.changes.head()).toBeGreaterThanOrEqual(b);
      const mine = (await store.changes.since(before, 100_000)).filter((e) => e.namespace === ns);
      expect(mine).toEqual([
        { seq: a, namespace: ns, key: 'one' },
        { seq: b, namespace: ns, key: 'two' },
      ]);
      expect(await store.changes.since(a, 1)).toHaveLength(1);
    });

    it('appendMany: one entry per key, seqs increasing in order, after earlier appends; empty batch appends nothing', async () => {
      const store = await opened(url());
      const ns = unique();
      const before = await store.changes.append(ns, 'before');
      expect(await store.changes.appendMany(ns, [])).toEqual([]);
      const keys = Array.from({ length: 300 }, (_, i) => `k${i}`).concat('k0');
      const seqs = await store.changes.appendMany(ns, keys);
      expect(seqs).toHaveLength(keys.length);
      expect(seqs[0]).toBeGreaterThan(before);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
      const mine = (await store.changes.since(before, 100_000)).filter((e) => e.namespace === ns);
      expect(mine).toEqual(keys.map((key, i) => ({ seq: seqs[i], namespace: ns, key })));
      expect(await store.changes.head()).toBeGreaterThanOrEqual(seqs.at(-1)!);
    });

    it('claimMany: wins free keys, loses held ones, a repeated key only once; values readable as with claim()', async () => {
      const first = await opened(url());
      const second = await opened(url());
      const ns = unique();
      expect(await first.claim(`${ns}:held`, { by: 'first' })).toBe(true);
      const outcome = await second.claimMany([
        { key: `${ns}:a`, value: { by: 'second', n: 1 } },
        { key: `${ns}:held`, value: { by: 'second' } },
        { key: `${ns}:b`, value: { by: 'second', n: 2 } },
        { key: `${ns}:a`, value: { by: 'second', n: 3 } },
      ]);
      expect(outcome).toEqual([true, false, true, false]);
      expect(await first.getClaim(`${ns}:a`)).toEqual({ by: 'second', n: 1 });
      expect(await first.getClaim(`${ns}:held`)).toEqual({ by: 'first' });
      expect(await first.readClaim(`${ns}:b`)).toEqual({ value: { by: 'second', n: 2 }, generation: 1 });
      // Two writers claiming overlapping batches at once: every key won exactly once.
      const keys = Array.from({ length: 200 }, (_, i) => `${ns}:race-${i}`);
      const [x, y] = await Promise.all([
        first.claimMany(keys.map((key) => ({ key, value: 'x' }))),
        second.claimMany([...keys].reverse().map((key) => ({ key, value: 'y' }))),
      ]);
      const wonByY = new Set(keys.filter((_, i) => y[keys.length - 1 - i]));
      keys.forEach((key, i) => expect(x[i] !== wonByY.has(key)).toBe(true));
      expect(await first.claimMany([])).toEqual([]);
    });

    it('two store instances appending at once: every number distinct and increasing, a following reader misses none, and watch fires on the other', async () => {
      const first = await opened(url());
      const second = await opened(url());
      const ns = unique();
      const start = await first.changes.head();
      const wakeOfSecond = firstWake(second);

      // A reader that follows the log while it is written, as a library cache does: it must never move its
      // cursor past a number that becomes visible later.
      const seen: ChangeEntry[] = [];
      let cursor = start;
      let writing = true;
      const reader = (async () => {
        while (writing || cursor < (await first.changes.head())) {
          const batch = await second.changes.since(cursor, 7);
          for (const entry of batch) if (entry.namespace === ns) seen.push(entry);
          if (batch.length) cursor = batch.at(-1)!.seq;
          else await new Promise((done) => setTimeout(done, 2));
        }
      })();
      const appends = Array.from({ length: 120 }, (_, i) => (i % 2 ? first : second).changes.append(ns, `k${i}`));
      const seqs = await Promise.all(appends);
      writing = false;
      await reader;

      expect(new Set(seqs).size).toBe(120);
      const logged = (await first.changes.since(start, 100_000)).filter((e) => e.namespace === ns);
      expect(logged.map((e) => e.seq)).toEqual([...seqs].sort((x, y) => x - y));
      for (let i = 1; i < logged.length; i++) expect(logged[i]!.seq).toBeGreaterThan(logged[i - 1]!.seq);
      expect(logged.map((e) => e.key).sort()).toEqual(Array.from({ length: 120 }, (_, i) => `k${i}`).sort());
      expect(seen).toEqual(logged);
      await wakeOfSecond.woke; // an append by the other instance woke the watcher
    });

    it('watch wakes a store when another instance appends later, and stops after unsubscribe', async () => {
      const writer = await opened(url());
      const watcher = await opened(url());
      const ns = unique();
      let calls = 0;
      const woke = new Promise<void>((done) => {
        const stop = watcher.changes.watch(() => {
          calls++;
          stop();
          done();
        });
        cleanups.push(stop);
      });
      await new Promise((done) => setTimeout(done, 300)); // the watcher is listening before the append
      const seq = await writer.changes.append(ns, 'late');
      await woke;
      expect(calls).toBe(1);
      expect((await watcher.changes.since(seq - 1, 1))[0]).toEqual({ seq, namespace: ns, key: 'late' });
    });
  });
}

describe('SQLite: batch claims and appends refused like single writes', () => {
  it('a store that takes no writes rejects claimMany and appendMany with StoreWriteError and records nothing', async () => {
    const tmp = tempDir('sitrep-bulk-refused-');
    cleanups.push(tmp.cleanup);
    const url = `sqlite://${join(tmp.dir, 'sitrep.sqlite')}`;
    const writable = await opened(url);
    const head = await writable.changes.head();
    const refusing = await createStore(url, { sqlitePragmas: { query_only: 1 } });
    cleanups.push(() => refusing.close());
    await expect(refusing.claimMany([{ key: 'x', value: 1 }])).rejects.toBeInstanceOf(StoreWriteError);
    await expect(refusing.changes.appendMany('ns', ['a', 'b'])).rejects.toBeInstanceOf(StoreWriteError);
    expect(refusing.health().writable).toBe(false);
    expect(await writable.getClaim('x')).toBeUndefined();
    expect(await writable.changes.head()).toBe(head);
  });
});

let sqliteUrl = '';
describe('SQLite', () => {
  afterEach(() => {
    sqliteUrl = '';
  });
  contract('SQLite', () => {
    if (!sqliteUrl) {
      const tmp = tempDir('sitrep-bulk-');
      cleanups.push(tmp.cleanup);
      sqliteUrl = `sqlite://${join(tmp.dir, 'sitrep.sqlite')}`;
    }
    return sqliteUrl;
  });

  it('another process (the CLI beside the bot) appends: watch wakes this one and since() returns the row it wrote', async () => {
    const tmp = tempDir('sitrep-bulk-');
    cleanups.push(tmp.cleanup);
    const url = `sqlite://${join(tmp.dir, 'sitrep.sqlite')}`;
    const store = await createStore(url);
    cleanups.push(() => store.close());
    const { woke } = firstWake(store);
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'change-writer.ts'), url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((done) => child.once('exit', done));
    expect(code).toBe(0);
    await woke;
    const seq = Number(out.trim());
    expect(await store.changes.since(seq - 1)).toEqual([{ seq, namespace: 'reports', key: 'from-child' }]);
    expect(await store.kv('reports').get('from-child')).toEqual({ by: 'child' });
  }, 60_000);

  it('writes a putMany batch as one transaction: a batch that does not fit leaves nothing behind', async () => {
    const tmp = tempDir('sitrep-bulk-');
    cleanups.push(tmp.cleanup);
    const store = await createStore(`sqlite://${join(tmp.dir, 'sitrep.sqlite')}`, { sqlitePragmas: { max_page_count: 20 } });
    cleanups.push(() => store.close());
    const batch = Array.from({ length: 60 }, (_, i) => ({ key: `r${i}`, value: 'x'.repeat(2000) }));
    await expect(store.putMany('reports', batch)).rejects.toBeInstanceOf(StoreWriteError);
    expect((await collect(store.scan('reports'))).rows).toEqual([]);
  });
});

const redisUrl = process.env.SITREP_TEST_REDIS_URL;
describe.skipIf(!redisUrl)('Redis (SITREP_TEST_REDIS_URL)', () => contract('Redis', () => redisUrl!));

const postgresUrl = process.env.SITREP_TEST_POSTGRES_URL;
describe.skipIf(!postgresUrl)('PostgreSQL (SITREP_TEST_POSTGRES_URL)', () => contract('PostgreSQL', () => postgresUrl!));
