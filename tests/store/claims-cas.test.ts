import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.ts';
import { tempDir } from '../reports/helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const unique = () => `cas-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}:`;
let clockMs = Date.parse('2026-03-01T00:00:00Z');

async function opened(url: string): Promise<Store> {
  const store = await createStore(url, { now: () => clockMs });
  cleanups.push(() => store.close());
  return store;
}

function contract(name: string, url: () => string) {
  describe(`${name}: claims with compare-and-set`, () => {
    it('starts at generation 1 and moves on only from the generation it was read at', async () => {
      const store = await opened(url());
      const key = `${unique()}delivery:a`;
      expect(await store.readClaim(key)).toBeUndefined();
      expect(await store.updateClaimIf(key, 1, { ghost: true })).toBe(false); // no claim, nothing to update
      expect(await store.readClaim(key)).toBeUndefined();

      expect(await store.claim(key, { step: 'claimed' })).toBe(true);
      expect(await store.readClaim(key)).toEqual({ value: { step: 'claimed' }, generation: 1 });
      expect(await store.updateClaimIf(key, 1, { step: 'sending' })).toBe(true);
      expect(await store.updateClaimIf(key, 1, { step: 'stale writer' })).toBe(false);
      expect(await store.readClaim(key)).toEqual({ value: { step: 'sending' }, generation: 2 });
      await store.updateClaim(key, { step: 'sent' }); // unconditional, and it still moves the generation on
      expect(await store.readClaim(key)).toEqual({ value: { step: 'sent' }, generation: 3 });
      expect(await store.getClaim(key)).toEqual({ step: 'sent' });
      expect(await store.listClaims(key)).toEqual([{ key, value: { step: 'sent' } }]);
      expect(await store.claim(key, { step: 'again' })).toBe(false);
    });

    it('of two store instances racing from the same generation, exactly one wins and its value stays', async () => {
      const first = await opened(url());
      const second = await opened(url());
      const key = `${unique()}delivery:race`;
      await first.claim(key, { owner: 'nobody' });
      for (let round = 0; round < 5; round++) {
        const [a, b] = await Promise.all([first.readClaim(key), second.readClaim(key)]);
        expect(a!.generation).toBe(b!.generation);
        const results = await Promise.all([
          first.updateClaimIf(key, a!.generation, { owner: 'first', round }),
          second.updateClaimIf(key, b!.generation, { owner: 'second', round }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] ? 'first' : 'second';
        expect(await second.readClaim(key)).toEqual({ value: { owner: winner, round }, generation: a!.generation + 1 });
      }
    });

    it('loses no update when several instances read-modify-write the same claim at once', async () => {
      const stores = [await opened(url()), await opened(url()), await opened(url())];
      const key = `${unique()}delivery:counter`;
      await stores[0]!.claim(key, { count: 0 });
      const increment = async (store: Store) => {
        for (;;) {
          const { value, generation } = (await store.readClaim<{ count: number }>(key))!;
          if (await store.updateClaimIf(key, generation, { count: value.count + 1 })) return;
        }
      };
      await Promise.all(Array.from({ length: 30 }, (_, i) => increment(stores[i % 3]!)));
      expect(await stores[1]!.readClaim(key)).toEqual({ value: { count: 30 }, generation: 31 });
    });

    it('forgets the generation of a pruned claim: claiming it again starts at 1', async () => {
      const store = await opened(url());
      const prefix = unique();
      const key = `${prefix}delivery:old`;
      clockMs = Date.parse('2026-03-01T00:00:00Z');
      await store.claim(key, { n: 1 });
      await store.updateClaim(key, { n: 2 });
      expect((await store.readClaim(key))!.generation).toBe(2);
      expect(await store.pruneClaims(prefix, new Date('2026-03-02T00:00:00Z'))).toBe(1);
      expect(await store.readClaim(key)).toBeUndefined();
      expect(await store.claim(key, { n: 3 })).toBe(true);
      expect(await store.readClaim(key)).toEqual({ value: { n: 3 }, generation: 1 });
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
      const tmp = tempDir('sitrep-cas-');
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
