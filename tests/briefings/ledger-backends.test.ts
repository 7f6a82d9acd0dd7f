/**
 * The claim compare-and-set the delivery ledger relies on (readClaim / updateClaimIf, CONTRACTS §1), on each
 * backend: a second writer holding a stale generation loses, whoever it is.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.ts';
import { DeliveryLedger } from '../../src/briefings/delivery-ledger.ts';
import { ManualClock, silentLogger, tempStore } from './support/harness.ts';

async function casScenario(store: Store): Promise<void> {
  const key = `delivery:cas-${randomBytes(6).toString('hex')}:2026-11-27T07:30:00.000Z`;
  expect(await store.claim(key, { n: 0 })).toBe(true);
  expect(await store.readClaim(key)).toEqual({ value: { n: 0 }, generation: 1 });
  const [a, b] = await Promise.all([store.updateClaimIf(key, 1, { n: 'a' }), store.updateClaimIf(key, 1, { n: 'b' })]);
  expect([a, b].filter(Boolean)).toHaveLength(1);
  const after = await store.readClaim<{ n: string }>(key);
  expect(after!.generation).toBe(2);
  expect(after!.value.n).toBe(a ? 'a' : 'b');
  expect(await store.updateClaimIf(key, 1, { n: 'stale' })).toBe(false);
  expect(await store.updateClaimIf(`${key}-missing`, 1, { n: 'x' })).toBe(false);

  // Through the ledger: of two contenders for an expired lease, exactly one takes over.
  const clock = new ManualClock(new Date('2026-11-27T07:30:00Z'));
  const ledger = () => new DeliveryLedger({ store, clock, logger: silentLogger, leaseMs: 1000 });
  const dkey = `${key}-ledger`;
  const fresh = () => ({
    subscriptionId: 's',
    occurrence: '2026-11-27T07:30:00.000Z',
    composed: false,
    composedAt: '',
    reportIds: [],
    parts: 0,
    sent: [],
    done: false,
  });
  expect((await ledger().acquire(dkey, fresh)).won).toBe(true);
  clock.advance(2000);
  const contenders = await Promise.all([ledger().acquire(dkey, fresh), ledger().acquire(dkey, fresh), ledger().acquire(dkey, fresh)]);
  expect(contenders.filter((c) => c.won)).toHaveLength(1);
  // Leave nothing behind in the shared test services (only this run's keys match the prefix).
  await store.pruneClaims(key.slice(0, key.indexOf(':2026')), new Date(Date.now() + 3_600_000));
}

describe('claim compare-and-set on every backend', () => {
  it('SQLite', async () => {
    const env = await tempStore();
    try {
      await casScenario(env.store);
    } finally {
      await env.cleanup();
    }
  });
  it.skipIf(!process.env.SITREP_TEST_REDIS_URL)('Redis', async () => {
    const store = await createStore(process.env.SITREP_TEST_REDIS_URL!);
    try {
      await casScenario(store);
    } finally {
      await store.close();
    }
  });
  it.skipIf(!process.env.SITREP_TEST_POSTGRES_URL)('PostgreSQL', async () => {
    const store = await createStore(process.env.SITREP_TEST_POSTGRES_URL!);
    try {
      await casScenario(store);
    } finally {
      await store.close();
    }
  });
});
