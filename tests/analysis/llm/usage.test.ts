import { afterEach, describe, expect, it } from 'vitest';
import { UsageLedger } from '../../../src/analysis/usage.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { formatUsage } from '../../../src/cli/usage.ts';
import { tempStore, type TempStore } from './helpers.ts';

let temp: TempStore | undefined;
afterEach(() => temp?.cleanup());

const call = (model: string, promptTokens: number, completionTokens: number, ok = true) =>
  ({ kind: 'call', task: 'summary', model, promptTokens, completionTokens, estimated: !ok, ok }) as const;

describe('UsageLedger', () => {
  it('sums what several processes sharing one store recorded, across days, without losing updates', async () => {
    temp = tempStore();
    const storeA = await temp.open();
    const storeB = await temp.open();
    // The first ledger's clock reads 23:59 at UTC+1: days are UTC, so it records 2026-11-26, then 2026-11-27.
    let day = '2026-11-26';
    const a = new UsageLedger(storeA, { now: () => new Date(`${day}T23:59:00+01:00`) });
    const b = new UsageLedger(storeB, { now: () => new Date('2026-11-27T08:00:00Z') });
    // Interleaved, un-awaited records from both "processes".
    for (let i = 0; i < 20; i++) {
      a.record(call('gpt-4o-mini', 100, 10));
      b.record(call('gpt-4o-mini', 200, 20));
      if (i === 9) day = '2026-11-27';
    }
    b.record(call('llama3.1:8b', 50, 5, false));
    a.record({ kind: 'cache_hit', task: 'summary', engine: 'llm', model: 'gpt-4o-mini' });
    b.record({ kind: 'fallback', task: 'actors', model: 'gpt-4o-mini', reason: 'model timed out after 60000 ms (after 2 retries)' });
    b.record({ kind: 'fallback', task: 'summary', model: 'gpt-4o-mini', reason: 'model timed out after 30000 ms (after 1 retry)' });
    await Promise.all([a.flush(), b.flush()]);
    await storeA.close();
    await storeB.close();

    const reopened = await temp.open();
    const totals = await new UsageLedger(reopened, systemClock).totals();
    await reopened.close();
    expect(totals.since).toBe('2026-11-26');
    expect(totals.models).toEqual([
      { model: 'gpt-4o-mini', calls: 40, failedCalls: 0, promptTokens: 6000, completionTokens: 600, totalTokens: 6600, estimatedCalls: 0 },
      { model: 'llama3.1:8b', calls: 1, failedCalls: 1, promptTokens: 50, completionTokens: 5, totalTokens: 55, estimatedCalls: 1 },
    ]);
    expect(totals).toMatchObject({ calls: 41, promptTokens: 6050, completionTokens: 605, totalTokens: 6655, cacheHits: 1, fallbacks: 2 });
    expect(totals.fallbackReasons).toEqual({ 'model timed out after N ms (after N retries)': 1, 'model timed out after N ms (after N retry)': 1 });

    const text = formatUsage(totals, { model: 'gpt-4o-mini' });
    expect(text).toMatch(/since 2026-11-26/);
    expect(text).toMatch(/all models\s+41\s+1\s+6,050\s+605\s+6,655/);
    expect(text).toMatch(/1 call with locally estimated token counts/);
  });

  it('reports nothing recorded on an empty store', async () => {
    temp = tempStore();
    const store = await temp.open();
    const totals = await new UsageLedger(store, systemClock).totals();
    await store.close();
    expect(totals).toEqual({ calls: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, cacheHits: 0, fallbacks: 0, fallbackReasons: {}, models: [] });
    expect(formatUsage(totals)).toMatch(/No model calls recorded/);
  });
});
