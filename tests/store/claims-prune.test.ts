import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.ts';

const redisUrl = process.env.SITREP_TEST_REDIS_URL;
const postgresUrl = process.env.SITREP_TEST_POSTGRES_URL;
let store: Store | undefined;
let dir: string | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The store's clock, set by each test (claims are stamped with it). */
let clockMs = 0;
const now = () => clockMs;

async function exercisePrune(s: Store, ns: string) {
  clockMs = Date.parse('2026-01-01T00:00:00Z');
  expect(await s.claim(`${ns}delivery:a:old`, { n: 1 })).toBe(true);
  expect(await s.claim(`${ns}other:old`, { n: 2 })).toBe(true);
  clockMs = Date.parse('2026-02-01T00:00:00Z');
  expect(await s.claim(`${ns}delivery:a:new`, { n: 3 })).toBe(true);

  expect(await s.pruneClaims(`${ns}delivery:`, new Date('2026-01-15T00:00:00Z'))).toBe(1);
  expect(await s.getClaim(`${ns}delivery:a:old`)).toBeUndefined();
  expect(await s.getClaim(`${ns}delivery:a:new`)).toEqual({ n: 3 });
  expect(await s.getClaim(`${ns}other:old`)).toEqual({ n: 2 }); // another prefix is untouched
  // A pruned key can be claimed again: the ledger only forgets what is past any catch-up window.
  expect(await s.claim(`${ns}delivery:a:old`, { n: 4 })).toBe(true);
}

describe('pruning delivery claims', () => {
  it('deletes only old claims under the prefix (SQLite)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitrep-claims-'));
    store = await createStore(`sqlite://${join(dir, 'store.sqlite')}`, { now });
    await exercisePrune(store, '');
  });

  it.skipIf(!redisUrl)('deletes only old claims under the prefix (Redis)', async () => {
    store = await createStore(redisUrl!, { now });
    await exercisePrune(store, `prune-test-${process.pid}-${Date.now()}:`);
  });

  it.skipIf(!postgresUrl)('deletes only old claims under the prefix (PostgreSQL)', async () => {
    store = await createStore(postgresUrl!, { now });
    await exercisePrune(store, `prune-test-${process.pid}-${Date.now()}:`);
  });
});
