import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, storeKind, type Store } from '../../src/store/index.ts';
import { ReportLibrary } from '../../src/reports/library.ts';
import { logger, makeReport, mutableClock, tempDir } from '../reports/helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function sqliteStore(): Promise<{ url: string; store: Store }> {
  const tmp = tempDir('sitrep-store-');
  cleanups.push(tmp.cleanup);
  const url = `sqlite://${join(tmp.dir, 'nested', 'sitrep.sqlite')}`;
  const store = await createStore(url);
  cleanups.push(() => store.close());
  return { url, store };
}

/** Shared behaviour every backend must have. */
function contract(name: string, open: () => Promise<{ url: string; store: Store }>) {
  describe(`${name} store`, () => {
    it('keeps namespaces apart and round-trips JSON values', async () => {
      const { store } = await open();
      const prefix = `t${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
      await store.kv(`${prefix}-a`).set('k', { nested: [1, 'two'] });
      expect(await store.kv(`${prefix}-a`).get('k')).toEqual({ nested: [1, 'two'] });
      expect(await store.kv(`${prefix}-b`).get('k')).toBeUndefined();
      await store.ping();
    });

    it('closing one store leaves another on the same URL working', async () => {
      const { url, store } = await open();
      const other = await createStore(url);
      const ns = `close-${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
      await other.kv(ns).set('k', 1);
      await store.kv(ns).get('k');
      await other.close();
      await store.kv(ns).set('k', 2);
      expect(await store.kv(ns).get('k')).toBe(2);
      await store.kv(ns).delete('k');
    });

    it('claims atomically: of 40 concurrent claims on one key, over two connections, exactly one wins', async () => {
      const { url, store } = await open();
      const other = await createStore(url);
      cleanups.push(() => other.close());
      const key = `delivery:${Date.now()}:${Math.random()}`;
      const attempts = Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).claim(key, { attempt: i }));
      const won = (await Promise.all(attempts)).filter(Boolean);
      expect(won).toHaveLength(1);
      const winner = (await store.getClaim<{ attempt: number }>(key))!;
      expect(typeof winner.attempt).toBe('number');
      await store.updateClaim(key, { ...winner, messageId: 'm1' });
      expect(await other.getClaim(key)).toEqual({ ...winner, messageId: 'm1' });
      expect((await store.listClaims(key.slice(0, 'delivery:'.length + 5))).some((c) => c.key === key)).toBe(true);
      expect(await store.claim(key, { late: true })).toBe(false);
    });

    it('lets the report library iterate and reload what it stored', async () => {
      const { url, store } = await open();
      const clock = mutableClock();
      const lib = new ReportLibrary({ store, logger, clock });
      await lib.load();
      const base = lib.count();
      const unique = `${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
      await lib.upsertMany(Array.from({ length: 25 }, (_, i) => makeReport({ id: `store-${unique}-${i}`, title: `Stored report ${unique} ${i}` })));
      const again = await createStore(url);
      cleanups.push(() => again.close());
      const reloaded = new ReportLibrary({ store: again, logger, clock });
      await reloaded.load();
      expect(reloaded.count()).toBe(base + 25);
      expect(reloaded.get(`store-${unique}-7`)?.title).toBe(`Stored report ${unique} 7`);
      for (let i = 0; i < 25; i++) await lib.delete(`store-${unique}-${i}`);
    });
  });
}

contract('SQLite', sqliteStore);

const redisUrl = process.env.SITREP_TEST_REDIS_URL;
describe.skipIf(!redisUrl)('Redis (SITREP_TEST_REDIS_URL)', () => {
  contract('Redis', async () => {
    const store = await createStore(redisUrl!);
    cleanups.push(() => store.close());
    return { url: redisUrl!, store };
  });
});

const postgresUrl = process.env.SITREP_TEST_POSTGRES_URL;
describe.skipIf(!postgresUrl)('PostgreSQL (SITREP_TEST_POSTGRES_URL)', () => {
  contract('PostgreSQL', async () => {
    const store = await createStore(postgresUrl!);
    cleanups.push(() => store.close());
    return { url: postgresUrl!, store };
  });
});

describe('SQLite durability', () => {
  it('keeps committed writes and claims after the writing process is killed with SIGKILL', async () => {
    const tmp = tempDir('sitrep-kill-');
    cleanups.push(tmp.cleanup);
    const url = `sqlite://${join(tmp.dir, 'sitrep.sqlite')}`;
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'kill-writer.ts'), url], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('written') && done());
      child.on('exit', (code) => fail(new Error(`writer exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((done) => child.once('exit', done));
    expect(child.signalCode).toBe('SIGKILL');

    const store = await createStore(url);
    cleanups.push(() => store.close());
    expect(await store.kv('reports').get('r49')).toEqual({ n: 49 });
    expect(await store.getClaim('delivery:kill-test')).toEqual({ by: 'child' });
    expect(await store.claim('delivery:kill-test', {})).toBe(false);
  }, 30_000);

  it('names an unsupported STORE_URL', () => {
    expect(() => storeKind('mysql://db')).toThrow(/Unsupported STORE_URL "mysql:\/\/db"/);
    expect(storeKind('rediss://h:6380')).toBe('redis');
  });
});
