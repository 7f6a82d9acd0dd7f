import { afterEach, describe, expect, it } from 'vitest';
import { AnalysisCache } from '../../../src/analysis/cache.ts';
import type { Store } from '../../../src/store/index.ts';
import { silentLogger, tempStore, type TempStore } from './helpers.ts';

let temp: TempStore | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  temp?.cleanup();
});

describe('AnalysisCache (lru-cache fetch over the store)', () => {
  it('computes once for concurrent identical requests and tells each caller how it got the value', async () => {
    temp = tempStore();
    store = await temp.open();
    const cache = new AnalysisCache<{ n: number }>(store, silentLogger, `cache-test`);
    let computed = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const compute = async () => {
      computed++;
      await gate;
      return { n: computed };
    };
    const pending = Array.from({ length: 5 }, () => cache.getOrCompute('k', compute, () => undefined));
    release();
    const outcomes = await Promise.all(pending);
    expect(computed).toBe(1);
    expect(outcomes.map((o) => o.source).sort()).toEqual(['computed', 'shared', 'shared', 'shared', 'shared']);
    for (const o of outcomes) expect(o.value).toEqual({ n: 1 });
    expect((await cache.getOrCompute('k', compute, () => undefined)).source).toBe('cache');
    await cache.flush();

    // Another process (a fresh cache over the same store) reads it back without computing.
    const other = new AnalysisCache<{ n: number }>(store, silentLogger, `cache-test`);
    expect(await other.getOrCompute('k', compute, () => undefined)).toEqual({ value: { n: 1 }, source: 'cache' });
    expect(computed).toBe(1);
  });

  it('expires short-lived entries in memory by the injected clock', async () => {
    temp = tempStore();
    store = await temp.open();
    let now = Date.parse('2026-05-01T09:00:00Z');
    const cache = new AnalysisCache<{ n: number }>(store, silentLogger, 'cache-ttl-test', { now: () => new Date(now) });
    let computed = 0;
    const compute = async () => ({ n: ++computed });
    const ttl = () => 60_000;
    expect((await cache.getOrCompute('k', compute, ttl)).source).toBe('computed');
    // Remove the stored row, so only the memory layer can answer from here on.
    await cache.flush();
    await store.kv('cache-ttl-test').delete('k');
    now += 59_000;
    expect(await cache.getOrCompute('k', compute, ttl)).toEqual({ value: { n: 1 }, source: 'cache' });
    now += 2_000;
    expect(await cache.getOrCompute('k', compute, ttl)).toEqual({ value: { n: 2 }, source: 'computed' });
    // Results without a TTL stay.
    expect((await cache.getOrCompute('forever', compute, () => undefined)).source).toBe('computed');
    now += 365 * 24 * 3600_000;
    expect((await cache.getOrCompute('forever', compute, () => undefined)).source).toBe('cache');
    await cache.flush();
  });
});
