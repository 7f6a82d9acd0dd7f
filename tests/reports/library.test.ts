import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportLibrary } from '../../src/reports/library.ts';
import { createStore } from '../../src/store/index.ts';
import { harness, logger, makeReport, type Harness } from './helpers.ts';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

describe('ReportLibrary.upsert', () => {
  it('creates, then is a no-op for the same content, then updates keeping ingestedAt', async () => {
    const r = makeReport({ contentHash: 'a' });
    expect(await h.reports.upsert(r)).toBe('created');
    expect(await h.reports.upsert({ ...r, ingestedAt: '2030-01-01T00:00:00.000Z' })).toBe('unchanged');
    h.clock.set(new Date('2025-04-01T00:00:00Z'));
    expect(await h.reports.upsert({ ...r, text: 'changed', contentHash: 'b', ingestedAt: '2025-04-01T00:00:00.000Z' })).toBe('updated');
    const stored = h.reports.get(r.id)!;
    expect(stored.contentHash).toBe('b');
    expect(stored.ingestedAt).toBe(r.ingestedAt);
    expect(stored.updatedAt).toBe('2025-04-01T00:00:00.000Z');
    expect(h.reports.count()).toBe(1);
  });

  it('counts a metadata-only change as an update without touching the content timestamp', async () => {
    const r = makeReport();
    await h.reports.upsert(r);
    h.clock.set(new Date('2025-05-01T00:00:00Z'));
    expect(await h.reports.upsert({ ...r, tags: ['sanctions'] })).toBe('updated');
    expect(h.reports.get(r.id)!.tags).toEqual(['sanctions']);
    expect(h.reports.get(r.id)!.updatedAt).toBe(r.updatedAt);
  });

  it('stores a different document whose id collides under a suffixed id, and ignores an identical copy', async () => {
    const a = makeReport({ id: 'same-slug', contentHash: 'x', origin: { kind: 'file', path: '/a/same-slug.md' } });
    const b = makeReport({ id: 'same-slug', contentHash: 'y', origin: { kind: 'file', path: '/b/same-slug.md' } });
    const copy = makeReport({ id: 'same-slug', contentHash: 'x', origin: { kind: 'file', path: '/c/same-slug.md' } });
    await h.reports.upsert(a);
    expect(await h.reports.upsert(b)).toBe('created');
    expect(h.reports.get('same-slug-2')?.origin).toEqual(b.origin);
    expect(await h.reports.upsert(copy)).toBe('unchanged');
    // Re-ingesting b finds its suffixed id again rather than creating same-slug-3.
    expect(await h.reports.upsert({ ...b, contentHash: 'y2' })).toBe('updated');
    expect(h.reports.count()).toBe(2);
  });

  it('keeps the backfill flag decided when the report was first seen', async () => {
    const r = makeReport({ backfill: true });
    await h.reports.upsert(r);
    await h.reports.upsert({ ...r, backfill: undefined, contentHash: 'new' });
    expect(h.reports.get(r.id)!.backfill).toBe(true);
  });
});

describe('ReportLibrary reads', () => {
  beforeEach(async () => {
    await h.reports.upsertMany([
      makeReport({ id: 'old', title: 'Baltic cables and hybrid warfare', source: 'Nordic Review', publishedAt: '2024-01-01T00:00:00.000Z', text: 'Finland and Estonia investigate the Eagle S tanker.', ingestedAt: '2025-03-01T09:00:00.000Z' }),
      makeReport({ id: 'new', title: 'Li Shangfu in Moscow', source: 'SpecialEurasia', authors: ['Guido Keller'], publishedAt: '2025-02-01T00:00:00.000Z', text: 'China’s defence minister Li Shangfu met Sergei Shoigu in Moscow to discuss Belarus.', ingestedAt: '2025-03-02T09:00:00.000Z' }),
      makeReport({ id: 'mid', title: 'Sahel juntas and Russia', source: 'Sahel Watch', publishedAt: '2024-06-01T00:00:00.000Z', text: 'Africa Corps replaces Wagner in Mali; Moscow courts the juntas. China is mentioned once.', ingestedAt: '2025-03-03T09:00:00.000Z' }),
      makeReport({ id: 'undated', title: 'China and Belarus trade', source: 'SpecialEurasia', text: 'The Belt and Road Initiative runs through Minsk; China invests in the Great Stone park.', ingestedAt: '2025-01-15T00:00:00.000Z' }),
    ]);
  });

  it('lists newest first by published date, falling back to ingestion time', () => {
    expect(h.reports.list().map((r) => r.id)).toEqual(['new', 'undated', 'mid', 'old']);
    expect(h.reports.list({ limit: 2 }).map((r) => r.id)).toEqual(['new', 'undated']);
    expect(h.reports.list({ source: 'specialeurasia' }).map((r) => r.id)).toEqual(['new', 'undated']);
    expect(h.reports.list({ since: new Date('2025-03-02T00:00:00Z') }).map((r) => r.id)).toEqual(['new', 'mid']);
  });

  it('searches with ranking: title beats a passing mention; names, typos and prefixes match', () => {
    expect(h.reports.search('china')[0]!.id).toBe('undated'); // in the title there, only in the text elsewhere
    expect(h.reports.search('china').map((r) => r.id)).toEqual(expect.arrayContaining(['new', 'mid']));
    expect(h.reports.search('Shoigu').map((r) => r.id)).toEqual(['new']);
    expect(h.reports.search('Keller').map((r) => r.id)).toEqual(['new']);
    expect(h.reports.search('Shangfo').map((r) => r.id)).toEqual(['new']); // typo
    expect(h.reports.search('Balti').map((r) => r.id)).toEqual(['old']); // prefix
    expect(h.reports.search('xylophone')).toEqual([]);
  });

  it('suggests by title prefix first; an empty prefix lists the latest', () => {
    expect(h.reports.suggest('').map((s) => s.id)).toEqual(['new', 'undated', 'mid', 'old']);
    expect(h.reports.suggest('', 2)).toHaveLength(2);
    expect(h.reports.suggest('sah')[0]).toEqual({ id: 'mid', title: 'Sahel juntas and Russia' });
    expect(h.reports.suggest('minsk').map((s) => s.id)).toContain('undated');
  });

  it('resolves an id, an exact title in any case, then the best search hit', () => {
    expect(h.reports.resolve('mid')?.id).toBe('mid');
    expect(h.reports.resolve('li shangfu in moscow')?.id).toBe('new');
    expect(h.reports.resolve('hybrid warfare cables')?.id).toBe('old');
    expect(h.reports.resolve('   ')).toBeUndefined();
  });

  it('reports its sources and count', () => {
    expect(h.reports.sources()).toEqual(['Nordic Review', 'Sahel Watch', 'SpecialEurasia']);
    expect(h.reports.count()).toBe(4);
  });

  it('survives a restart: a new library on the same SQLite file loads everything and searches it', async () => {
    const url = h.store.url;
    await h.store.close();
    const store = await createStore(url);
    try {
      const again = new ReportLibrary({ store, logger, clock: h.clock });
      await again.load();
      expect(again.count()).toBe(4);
      expect(again.get('new')?.authors).toEqual(['Guido Keller']);
      expect(again.search('Shoigu').map((r) => r.id)).toEqual(['new']);
      expect(await again.upsert(again.get('new')!)).toBe('unchanged');
    } finally {
      await store.close();
    }
    h.store = await createStore(url); // so afterEach can close it
  });
});
