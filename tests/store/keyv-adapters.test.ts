import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.ts';
import { tempDir } from '../reports/helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const unique = () => `kv${process.pid}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function entries(store: Store, namespace: string): Promise<Array<[string, unknown]>> {
  const out: Array<[string, unknown]> = [];
  const kv = store.kv(namespace);
  for await (const entry of (kv.iterator as unknown as () => AsyncGenerator<[string, unknown]>)()) out.push(entry);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** keyv's API over each backend's adapter (our own on SQLite and PostgreSQL, @keyv/redis on Redis). */
function contract(name: string, url: () => string) {
  describe(`${name}: keyv namespaces`, () => {
    it('get/set/has/getMany/delete/deleteMany with keys that contain ":" and LIKE wildcards', async () => {
      const store = await createStore(url());
      cleanups.push(() => store.close());
      const kv = store.kv(unique());
      await kv.set('a:b', { v: 1 });
      await kv.set('100%_done', ':starts with a colon');
      await kv.set('plain', [1, 2, 3]);
      expect(await kv.get('a:b')).toEqual({ v: 1 });
      expect(await kv.get('100%_done')).toBe(':starts with a colon');
      expect(await kv.has('plain')).toBe(true);
      expect(await kv.has('missing')).toBe(false);
      expect(await kv.getMany(['plain', 'missing', 'a:b'])).toEqual([[1, 2, 3], undefined, { v: 1 }]);
      expect(await kv.delete('plain')).toBe(true);
      expect(await kv.get('plain')).toBeUndefined();
      expect(await kv.deleteMany(['a:b', '100%_done'])).toBe(true);
      expect(await kv.getMany(['a:b', '100%_done'])).toEqual([undefined, undefined]);
    });

    it('expires a value set with a TTL', async () => {
      const store = await createStore(url());
      cleanups.push(() => store.close());
      const kv = store.kv(unique());
      await kv.set('short', 1, 5);
      await kv.set('long', 2, 60_000);
      await new Promise((done) => setTimeout(done, 30));
      expect(await kv.get('short')).toBeUndefined();
      expect(await kv.get('long')).toBe(2);
    });

    it('iterates and clears only its own namespace, even when another namespace matches it as a LIKE pattern', async () => {
      const store = await createStore(url());
      cleanups.push(() => store.close());
      const base = unique();
      const mine = `${base}_x`; // '_' is a LIKE wildcard: `${base}_x:%` also matches `${base}Zx:…`
      const other = `${base}Zx`;
      await store.kv(mine).set('k1', 1);
      await store.kv(mine).set('k2', 2);
      await store.kv(other).set('k1', 'other');
      expect(await entries(store, mine)).toEqual([
        ['k1', 1],
        ['k2', 2],
      ]);
      await store.kv(mine).clear();
      expect(await entries(store, mine)).toEqual([]);
      expect(await store.kv(other).get('k1')).toBe('other');
      await store.kv(other).clear();
    });

    it('iterates past one page of rows', async () => {
      const store = await createStore(url());
      cleanups.push(() => store.close());
      const ns = unique();
      await store.putMany(
        ns,
        Array.from({ length: 1234 }, (_, i) => ({ key: `k${String(i).padStart(4, '0')}`, value: i })),
      );
      const all = await entries(store, ns);
      expect(all).toHaveLength(1234);
      expect(all[1233]).toEqual(['k1233', 1233]);
      await store.kv(ns).clear();
    });
  });
}

describe('SQLite', () => {
  let url = '';
  afterEach(() => {
    url = '';
  });
  contract('SQLite', () => {
    if (!url) {
      const tmp = tempDir('sitrep-kv-');
      cleanups.push(tmp.cleanup);
      url = `sqlite://${join(tmp.dir, 'sitrep.sqlite')}`;
    }
    return url;
  });
});

const redisUrl = process.env.SITREP_TEST_REDIS_URL;
describe.skipIf(!redisUrl)('Redis (SITREP_TEST_REDIS_URL)', () => contract('Redis', () => redisUrl!));

const postgresUrl = process.env.SITREP_TEST_POSTGRES_URL;
describe.skipIf(!postgresUrl)('PostgreSQL (SITREP_TEST_POSTGRES_URL)', () => contract('PostgreSQL', () => postgresUrl!));
