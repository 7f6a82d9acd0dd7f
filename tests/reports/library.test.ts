import MiniSearch from 'minisearch';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReportLibrary } from '../../src/reports/library.ts';
import type { Report } from '../../src/reports/types.ts';
import { createStore, type Store } from '../../src/store/index.ts';
import { harness, logger, makeReport, mutableClock, type Harness } from './helpers.ts';

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

  it('one article, one report: a shared URL (link, canonical, og:url, fetched URL) makes it the same report under any id', async () => {
    const byUrl = makeReport({
      id: 'by-url',
      url: 'https://news.example/2025/07/story',
      contentHash: 'u',
      origin: { kind: 'url', url: 'https://news.example/2025/07/story?utm_source=x' },
    });
    const fromFeed = makeReport({
      id: 'from-feed',
      url: 'https://mirror.example/story',
      altUrls: ['news.example/2025/07/story'],
      contentHash: 'f',
      origin: { kind: 'feed', feedId: 'f1', feedUrl: 'https://news.example/rss', guid: 'g1' },
    });
    await h.reports.upsert(byUrl);
    expect(await h.reports.upsert(fromFeed)).toBe('updated');
    expect(h.reports.count()).toBe(1);
    expect(h.reports.findByUrl('https://mirror.example/story')?.id).toBe('by-url');
    expect(h.reports.findByUrl('https://news.example/2025/07/story')?.id).toBe('by-url');
    // …but two items of one feed with different guids stay two, even when the feed gives them one link.
    const other = makeReport({
      id: 'from-feed-2',
      url: 'https://mirror.example/story',
      contentHash: 'g',
      origin: { kind: 'feed', feedId: 'f1', feedUrl: 'https://news.example/rss', guid: 'g2' },
    });
    expect(await h.reports.upsert(other)).toBe('created');
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
      makeReport({
        id: 'old',
        title: 'Baltic cables and hybrid warfare',
        source: 'Nordic Review',
        publishedAt: '2024-01-01T00:00:00.000Z',
        text: 'Finland and Estonia investigate the Eagle S tanker.',
        ingestedAt: '2025-03-01T09:00:00.000Z',
      }),
      makeReport({
        id: 'new',
        title: 'Li Shangfu in Moscow',
        source: 'SpecialEurasia',
        authors: ['Guido Keller'],
        publishedAt: '2025-02-01T00:00:00.000Z',
        text: 'China’s defence minister Li Shangfu met Sergei Shoigu in Moscow to discuss Belarus.',
        ingestedAt: '2025-03-02T09:00:00.000Z',
      }),
      makeReport({
        id: 'mid',
        title: 'Sahel juntas and Russia',
        source: 'Sahel Watch',
        publishedAt: '2024-06-01T00:00:00.000Z',
        text: 'Africa Corps replaces Wagner in Mali; Moscow courts the juntas. China is mentioned once.',
        ingestedAt: '2025-03-03T09:00:00.000Z',
      }),
      makeReport({
        id: 'undated',
        title: 'China and Belarus trade',
        source: 'SpecialEurasia',
        text: 'The Belt and Road Initiative runs through Minsk; China invests in the Great Stone park.',
        ingestedAt: '2025-01-15T00:00:00.000Z',
      }),
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
    // No any-word fallback: one shared word ("china") is not a match for the whole value.
    expect(h.reports.resolve('purple xylophone china')).toBeUndefined();
    expect(h.reports.search('purple xylophone china').length).toBeGreaterThan(0); // search still widens
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
      expect(await again.upsert((await again.load('new'))!)).toBe('unchanged');
    } finally {
      await store.close();
    }
    h.store = await createStore(url); // so afterEach can close it
  });
});

/** A report whose sections are its text cut into a lead and two titled sections (as the parsers produce). */
function sectionedReport(n: number, overrides: Partial<Report> = {}): Report {
  const sections = [
    { heading: null, paragraphs: [`Lead paragraph ${n} on Baltic security, marker${n}.`] },
    { heading: 'Background', paragraphs: [`Background ${n}: pipelines and cables.`, `Second paragraph ${n}.`] },
    { heading: 'Scenario', paragraphs: [`Scenario ${n}: sanctions tighten.`] },
  ];
  const text = sections.map((s) => [s.heading, ...s.paragraphs].filter(Boolean).join('\n\n')).join('\n\n');
  return makeReport({ id: `lib-${n}`, title: `Library report ${n}`, text, sections, contentHash: `h-${n}`, ...overrides });
}

async function reopen(url: string): Promise<{ store: Store; library: ReportLibrary }> {
  const store = await createStore(url);
  const library = new ReportLibrary({ store, logger, clock: mutableClock() });
  await library.load();
  return { store, library };
}

describe('ReportLibrary persistence', () => {
  it('reloads reports equal to what was stored, including sections, and keyv reads the rows', async () => {
    const reports = [
      sectionedReport(1, { tags: ['energy'], series: { name: 'Briefs', issue: '4' }, standfirst: 'Cables cut.' }),
      // Strings starting with ":" are escaped by keyv's serialiser; they must round-trip the same way.
      sectionedReport(2, { title: ':colon title', tags: [':tag', 'plain'], authors: ['::two'] }),
      // Sections that are not the text cut into pieces are kept as they are.
      makeReport({ id: 'odd', text: 'Flat text.', sections: [{ heading: 'H', paragraphs: ['Other words.'] }] }),
      makeReport({ id: 'empty', text: '', sections: [] }),
    ];
    await h.reports.upsertMany(reports);
    const kv = h.store.kv<Record<string, unknown>>('reports');
    expect((await kv.get('lib-2'))?.title).toBe(':colon title');
    expect((await kv.get('odd'))?.sections).toEqual(reports[2]!.sections);
    const keys: string[] = [];
    for await (const [key] of (kv.iterator as unknown as () => AsyncGenerator<[string, unknown]>)()) keys.push(key);
    expect(keys.sort()).toEqual(['empty', 'lib-1', 'lib-2', 'odd']);

    const { store, library } = await reopen(h.store.url);
    try {
      for (const r of reports) expect(library.get(r.id)).toEqual(h.reports.get(r.id));
      for (const r of reports) expect(await library.load(r.id)).toEqual({ ...r, seq: h.reports.get(r.id)!.seq });
      expect((await library.load('lib-1'))!.sections[1]!.paragraphs).toEqual(['Background 1: pipelines and cables.', 'Second paragraph 1.']);
      expect(
        library
          .search('pipelines')
          .map((r) => r.id)
          .sort(),
      ).toEqual(['lib-1', 'lib-2']);
    } finally {
      await store.close();
    }
  });

  it('loads rows written by keyv itself (older format with full sections)', async () => {
    const legacy = sectionedReport(3, { title: ':legacy' });
    await h.store.kv('reports').set(legacy.id, legacy);
    const { store, library } = await reopen(h.store.url);
    try {
      expect(await library.load(legacy.id)).toEqual(legacy);
      expect(library.search('legacy')[0]?.id).toBe(legacy.id);
    } finally {
      await store.close();
    }
  });

  it('reads the search index snapshot and re-indexes only rows changed, added or deleted since', async () => {
    const many = Array.from({ length: 260 }, (_, i) => sectionedReport(1000 + i));
    await h.reports.upsertMany(many);
    await h.reports.saveIndexSnapshot();
    expect(await h.store.kv('reports-index').get('snapshot')).toBeDefined();

    // Changes after the snapshot: through the library (update, delete) and behind its back (plain keyv write).
    await h.reports.upsert({
      ...many[0]!,
      text: 'Zanzibar clove exports.',
      sections: [{ heading: null, paragraphs: ['Zanzibar clove exports.'] }],
      contentHash: 'changed',
    });
    await h.reports.delete(many[1]!.id);
    await h.store
      .kv('reports')
      .set(
        'outsider',
        makeReport({ id: 'outsider', title: 'Svalbard seed vault', text: 'Svalbard.', sections: [{ heading: null, paragraphs: ['Svalbard.'] }] }),
      );
    const rebuilt = vi.spyOn(MiniSearch.prototype, 'addAll');
    const fromSnapshot = vi.spyOn(MiniSearch, 'loadJS');
    try {
      const { store, library } = await reopen(h.store.url);
      try {
        expect(fromSnapshot).toHaveBeenCalledTimes(1);
        expect(rebuilt).not.toHaveBeenCalled();
        expect(library.count()).toBe(260); // 260 - 1 deleted + 1 outsider
        expect(library.search('Zanzibar').map((r) => r.id)).toEqual([many[0]!.id]);
        expect(library.search('marker1000').map((r) => r.id)).not.toContain(many[0]!.id); // its old text is gone
        expect(library.search('marker1002').map((r) => r.id)[0]).toBe(many[2]!.id);
        expect(library.search('Library report 1001').map((r) => r.id)).not.toContain(many[1]!.id);
        expect(library.search('Svalbard').map((r) => r.id)).toEqual(['outsider']);
        expect(library.search('Library report 1100')[0]?.id).toBe('lib-1100');
      } finally {
        await store.close();
      }
    } finally {
      rebuilt.mockRestore();
      fromSnapshot.mockRestore();
    }
  });

  it('the snapshot is stored in parts: a new save replaces the old parts, a missing part means a rebuild', async () => {
    const many = Array.from({ length: 240 }, (_, i) => sectionedReport(5000 + i));
    await h.reports.upsertMany(many);
    await h.reports.saveIndexSnapshot();
    const partKeys = async () => {
      const keys: string[] = [];
      for await (const page of h.store.scan('reports-index', { prefix: 'part:' })) keys.push(...page.map((r) => r.key));
      return keys;
    };
    const first = await partKeys();
    expect(first.length).toBeGreaterThan(0);
    await h.reports.upsert({ ...many[0]!, title: 'Retitled for a second save', contentHash: 'second' });
    await h.reports.saveIndexSnapshot();
    const second = await partKeys();
    expect(second.length).toBeGreaterThan(0);
    expect(second.some((k) => first.includes(k))).toBe(false);

    await h.store.kv('reports-index').delete(second[0]!);
    const rebuilt = vi.spyOn(MiniSearch.prototype, 'addAll');
    const added = vi.spyOn(MiniSearch.prototype, 'add');
    try {
      const { store, library } = await reopen(h.store.url);
      try {
        expect(library.count()).toBe(240);
        expect(rebuilt.mock.calls.length + added.mock.calls.length).toBeGreaterThanOrEqual(240); // every report indexed again
        expect(library.search('Retitled second save')[0]?.id).toBe(many[0]!.id);
        expect(library.search('marker5100')[0]?.id).toBe(many[100]!.id);
      } finally {
        await store.close();
      }
    } finally {
      rebuilt.mockRestore();
      added.mockRestore();
    }
  });

  it('an index read from the snapshot ranks exactly like the one it was taken from', async () => {
    const many = Array.from({ length: 230 }, (_, i) => sectionedReport(3000 + i, { authors: [`Author ${i % 7}`], tags: [`topic${i % 5}`] }));
    await h.reports.upsertMany(many);
    await h.reports.delete('lib-3003'); // a discarded document inside the saved index
    await h.reports.saveIndexSnapshot();
    const fromSnapshot = vi.spyOn(MiniSearch, 'loadJS');
    try {
      const { store, library } = await reopen(h.store.url);
      try {
        expect(fromSnapshot).toHaveBeenCalledTimes(1);
        for (const q of ['Author 3', 'topic2 sanctions', 'marker3010', 'pipelin', 'Scenaro', 'Library report 3003', 'cables Baltic']) {
          expect(library.search(q, { limit: 50 }).map((r) => r.id)).toEqual(h.reports.search(q, { limit: 50 }).map((r) => r.id));
        }
        expect(library.suggest('libr', 10)).toEqual(h.reports.suggest('libr', 10));
      } finally {
        await store.close();
      }
    } finally {
      fromSnapshot.mockRestore();
    }
  });

  it('ignores a snapshot made with other indexing rules and rebuilds the index', async () => {
    const many = Array.from({ length: 210 }, (_, i) => sectionedReport(2000 + i));
    await h.reports.upsertMany(many);
    await h.reports.saveIndexSnapshot();
    const kv = h.store.kv<Record<string, unknown>>('reports-index');
    await kv.set('snapshot', { ...(await kv.get('snapshot')), format: 'other' });
    const { store, library } = await reopen(h.store.url);
    try {
      expect(library.search('Library report 2005')[0]?.id).toBe('lib-2005');
      await library.flush(); // the rebuilt index is saved again in the background
      expect((await store.kv<Record<string, unknown>>('reports-index').get('snapshot'))?.format).not.toBe('other');
    } finally {
      await store.close();
    }
  });
});

const redisUrl = process.env.SITREP_TEST_REDIS_URL;
describe.skipIf(!redisUrl)('ReportLibrary on Redis (SITREP_TEST_REDIS_URL)', () => {
  it('reloads equal reports and reconciles the snapshot with other writers', async () => {
    const unique = `redis-${Date.now().toString(36)}`;
    const store = await createStore(redisUrl!);
    try {
      const library = new ReportLibrary({ store, logger, clock: mutableClock() });
      await library.load();
      const base = library.count();
      const many = Array.from({ length: 210 }, (_, i) => sectionedReport(i, { id: `${unique}-${i}`, title: `${unique} report ${i}`, tags: [':x'] }));
      await library.upsertMany(many);
      await library.saveIndexSnapshot();
      await library.delete(`${unique}-0`);
      const { store: store2, library: again } = await reopen(redisUrl!);
      try {
        expect(again.count()).toBe(base + 209);
        expect(again.get(`${unique}-5`)).toEqual(library.get(`${unique}-5`));
        expect(again.search(`${unique} report 17`)[0]?.id).toBe(`${unique}-17`);
        expect(again.get(`${unique}-0`)).toBeUndefined();
      } finally {
        await store2.close();
      }
      for (const r of many.slice(1)) await library.delete(r.id);
    } finally {
      await store.close();
    }
  });
});
