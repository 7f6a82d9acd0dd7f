import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../src/store/index.ts';
import { tempDir } from '../reports/helpers.ts';
import { LEGACY_CLAIM, LEGACY_REPORTS, LEGACY_SUBSCRIPTION, LEGACY_USAGE } from '../fixtures/store/legacy-content.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/store/legacy-keyv-sqlite.sqlite');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A copy of the file the previous version (keyv + @keyv/sqlite on sqlite3) wrote; see make-legacy-fixture.ts. */
async function openLegacyCopy(): Promise<{ url: string; store: Store }> {
  const tmp = tempDir('sitrep-legacy-');
  cleanups.push(tmp.cleanup);
  const path = join(tmp.dir, 'sitrep.sqlite');
  copyFileSync(FIXTURE, path);
  const url = `sqlite://${path}`;
  const store = await createStore(url, { now: () => Date.parse('2026-02-01T00:00:00Z') });
  cleanups.push(() => store.close());
  return { url, store };
}

describe('a SQLite file written by the previous store (keyv + @keyv/sqlite)', () => {
  it('reads every row, the keyv-escaped strings, TTLs and claims as they were written', async () => {
    const { store } = await openLegacyCopy();
    const reports = store.kv('reports');
    for (const report of LEGACY_REPORTS) expect(await reports.get(report.id)).toEqual(report);
    expect(((await reports.get('colon-title')) as { title: string }).title).toBe(':colon first: a title that keyv escapes');
    expect(await store.kv('subscriptions').get(LEGACY_SUBSCRIPTION.id)).toEqual(LEGACY_SUBSCRIPTION);
    expect(await store.kv('usage').get('2026-01-01')).toEqual(LEGACY_USAGE);
    expect(await store.kv('usage').get('expired')).toBeUndefined();

    expect(await store.getClaim(LEGACY_CLAIM.key)).toEqual(LEGACY_CLAIM.value);
    expect(await store.readClaim(LEGACY_CLAIM.key)).toEqual({ value: LEGACY_CLAIM.value, generation: 1 });
    expect(await store.listClaims('delivery:')).toEqual([LEGACY_CLAIM]);
    expect(await store.claim(LEGACY_CLAIM.key, { again: true })).toBe(false);

    const scanned = [];
    for await (const page of store.scan('reports')) scanned.push(...page);
    expect(scanned).toEqual([...LEGACY_REPORTS].sort((a, b) => (a.id < b.id ? -1 : 1)).map((r) => ({ key: r.id, value: r })));
    const iterated = [];
    for await (const entry of (reports.iterator as unknown as () => AsyncGenerator<[string, unknown]>)()) iterated.push(entry[0]);
    expect(iterated.sort()).toEqual(LEGACY_REPORTS.map((r) => r.id).sort());
  });

  it('takes writes of every kind and keeps them after a reopen', async () => {
    const { url, store } = await openLegacyCopy();
    await store.kv('reports').set('new-one', { id: 'new-one', title: ':new' });
    await store.putMany('reports', [
      { key: 'bulk-1', value: { n: 1 } },
      { key: 'bulk-2', value: { n: 2 } },
    ]);
    await store.kv('subscriptions').delete(LEGACY_SUBSCRIPTION.id);
    expect(await store.updateClaimIf(LEGACY_CLAIM.key, 1, { ...LEGACY_CLAIM.value, done: false })).toBe(true);
    expect(await store.updateClaimIf(LEGACY_CLAIM.key, 1, { stale: true })).toBe(false);
    const seq = await store.changes.append('reports', 'new-one');
    await store.close();

    const again = await createStore(url);
    cleanups.push(() => again.close());
    expect(await again.kv('reports').get('new-one')).toEqual({ id: 'new-one', title: ':new' });
    expect(await again.kv('reports').get('bulk-2')).toEqual({ n: 2 });
    expect(await again.kv('reports').get('sahel-outlook')).toEqual(LEGACY_REPORTS[0]);
    expect(await again.kv('subscriptions').get(LEGACY_SUBSCRIPTION.id)).toBeUndefined();
    expect(await again.readClaim(LEGACY_CLAIM.key)).toEqual({ value: { ...LEGACY_CLAIM.value, done: false }, generation: 2 });
    expect(await again.changes.since(seq - 1)).toEqual([{ seq, namespace: 'reports', key: 'new-one' }]);
  });
});
