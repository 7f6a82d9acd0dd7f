import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { ReportLibrary } from '../../src/reports/library.ts';
import { createStore, type Store } from '../../src/store/index.ts';
import { logger, makeReport, mutableClock, tempDir, testConfig } from './helpers.ts';

const articles = resolve(import.meta.dirname, '../fixtures/articles');

/** Polls `check` until it is true or `ms` passed (the bound for cross-process visibility is 5 s). */
async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function openLibrary(url: string): Promise<{ store: Store; library: ReportLibrary }> {
  const store = await createStore(url);
  const library = new ReportLibrary({ store, logger, clock: mutableClock() });
  await library.open();
  return { store, library };
}

describe('one store, two processes: the store is the truth (SQLite)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let apps: App[];
  beforeEach(() => {
    tmp = tempDir('sitrep-sync-');
    apps = [];
  });
  afterEach(async () => {
    for (const app of apps) await app.close();
    tmp.cleanup();
  });
  const openApp = async () => {
    const app = await createApp(testConfig({ STORE_URL: `sqlite://${join(tmp.dir, 'sitrep.sqlite')}` }), { logger });
    apps.push(app);
    return app;
  };

  it('a report ingested through one app is found by search, get and listSince on the other within 5 s, without a restart', async () => {
    const bot = await openApp();
    const cli = await openApp();
    expect(bot.reports.search('Hormuz')).toEqual([]);
    const before = bot.reports.headSeq();
    copyFileSync(join(articles, 'hormuz-pasted.txt'), join(tmp.dir, 'hormuz.txt'));
    const [result] = await cli.ingest.ingestPath(join(tmp.dir, 'hormuz.txt'));
    expect(result!.report.seq).toBeGreaterThan(before);
    expect(await within(5_000, () => bot.reports.search('Hormuz')[0]?.id === result!.report.id)).toBe(true);
    expect(bot.reports.get(result!.report.id)?.title).toBe(result!.report.title);
    const since = await bot.reports.listSince(before);
    expect(since.map((r) => r.id)).toEqual([result!.report.id]);
    expect(since[0]!.seq).toBe(result!.report.seq);
    expect(bot.reports.headSeq()).toBeGreaterThanOrEqual(result!.report.seq!);
    expect(await bot.reports.listSince(bot.reports.headSeq())).toEqual([]);
    expect((await bot.reports.load(result!.report.id))?.text).toBe((await cli.reports.load(result!.report.id))!.text);
    expect(bot.reports.get(result!.report.id)).not.toHaveProperty('text'); // memory holds metadata only

    // A delete is seen too.
    await cli.reports.delete(result!.report.id);
    expect(await within(5_000, () => bot.reports.get(result!.report.id) === undefined)).toBe(true);
    expect(bot.reports.search('Hormuz')).toEqual([]);
  });

  it('restarted, a library knows every report’s seq: listSince continues a cursor', async () => {
    const first = await openApp();
    await first.reports.upsertMany([makeReport({ id: 'seq-a' }), makeReport({ id: 'seq-b' })]);
    const cursor = first.reports.get('seq-a')!.seq!;
    await first.close();
    const again = await openApp();
    expect((await again.reports.listSince(cursor)).map((r) => r.id)).toEqual(['seq-b']);
    expect((await again.reports.listSince(0)).map((r) => r.id)).toEqual(['seq-a', 'seq-b']);
  });

  it('two writers of different articles with the same id never overwrite each other; one article from two writers stays one report', async () => {
    const a = await openApp();
    const b = await openApp();
    const one = makeReport({ id: 'shared-slug', title: 'First article', contentHash: 'one', origin: { kind: 'file', path: '/a/shared-slug.md' } });
    const two = makeReport({ id: 'shared-slug', title: 'Second article', contentHash: 'two', origin: { kind: 'file', path: '/b/shared-slug.md' } });
    const [ra, rb] = await Promise.all([a.reports.upsertMany([one]), b.reports.upsertMany([two])]);
    const ids = [ra[0]!.report.id, rb[0]!.report.id].sort();
    expect(ids).toEqual(['shared-slug', 'shared-slug-2']);
    expect(await within(5_000, () => a.reports.count() === 2 && b.reports.count() === 2)).toBe(true);
    expect(
      a.reports
        .list()
        .map((r) => r.title)
        .sort(),
    ).toEqual(['First article', 'Second article']);

    const article = (contentHash: string) =>
      makeReport({
        id: 'same-article',
        url: 'https://news.example/2025/06/one-article',
        contentHash,
        origin: { kind: 'url', url: 'https://news.example/2025/06/one-article?utm_source=x' },
      });
    const [sa, sb] = await Promise.all([a.reports.upsertMany([article('v1')]), b.reports.upsertMany([article('v1')])]);
    expect(sa[0]!.report.id).toBe('same-article');
    expect(sb[0]!.report.id).toBe('same-article');
    expect(await within(5_000, () => a.reports.count() === 3 && b.reports.count() === 3)).toBe(true);
  });

  it('batches from two writers (ids claimed in one round per batch): same-id articles never overwrite each other, one article stays one report', async () => {
    const a = await openApp();
    const b = await openApp();
    const batch = (writer: string) => [
      ...Array.from({ length: 20 }, (_, i) =>
        makeReport({
          id: `slug-${i}`,
          title: `${writer} article ${i}`,
          contentHash: `${writer}-${i}`,
          origin: { kind: 'file', path: `/${writer}/slug-${i}.md` },
        }),
      ),
      makeReport({ id: `${writer}-only`, title: `Only ${writer}`, contentHash: `${writer}-only`, origin: { kind: 'file', path: `/${writer}/only.md` } }),
      makeReport({
        id: 'common',
        url: 'https://news.example/2025/07/common',
        title: 'Common article',
        contentHash: 'common',
        origin: { kind: 'url', url: 'https://news.example/2025/07/common' },
      }),
    ];
    const [ra, rb] = await Promise.all([a.reports.upsertMany(batch('a')), b.reports.upsertMany(batch('b'))]);
    const created = [...ra, ...rb].filter((r) => r.status === 'created').map((r) => r.report.id);
    expect(new Set(created).size).toBe(created.length);
    for (let i = 0; i < 20; i++) expect([ra[i]!.report.id, rb[i]!.report.id].sort()).toEqual([`slug-${i}`, `slug-${i}-2`]);
    expect(ra.at(-1)!.report.id).toBe('common');
    expect(rb.at(-1)!.report.id).toBe('common');
    expect(await within(5_000, () => a.reports.count() === 43 && b.reports.count() === 43)).toBe(true);
    const titles = a.reports.list().map((r) => r.title);
    for (const writer of ['a', 'b']) for (let i = 0; i < 20; i++) expect(titles).toContain(`${writer} article ${i}`);
  });
});

describe('a library that fell behind the change log’s retention', () => {
  it('rescans the store and ends up with every report (and without a deleted one), then follows the log again', async () => {
    const tmp = tempDir('sitrep-behind-');
    const url = `sqlite://${join(tmp.dir, 'sitrep.sqlite')}`;
    const retention = { maxEntries: 3, trimEveryMs: 60 * 60_000 };
    const readerStore = await createStore(url, { changeRetention: retention });
    const writerStore = await createStore(url, { changeRetention: retention });
    try {
      const writer = new ReportLibrary({ store: writerStore, logger, clock: mutableClock(), follow: false });
      await writer.open();
      const early = makeReport({ title: 'Early report about the Danube ferry' });
      const doomed = makeReport({ title: 'Report that will be deleted' });
      await writer.upsertMany([early, doomed]);
      // follow: false — this library reads the log only when asked, so it can fall behind on purpose.
      const reader = new ReportLibrary({ store: readerStore, logger, clock: mutableClock(), follow: false });
      await reader.open();
      expect(reader.count()).toBe(2);

      const later = Array.from({ length: 12 }, (_, i) => makeReport({ title: `Later report ${i} on the Caspian quota` }));
      for (const report of later) await writer.upsert(report); // one change entry each
      await writer.upsert({ ...early, title: 'Early report about the Danube ferry, revised', contentHash: 'revised' });
      await writer.delete(doomed.id);
      expect(await writerStore.changes.trim!()).toBeGreaterThan(0);
      const window = await readerStore.changes.readSince!(reader.headSeq(), 1000);
      expect(window.truncated).toBe(true);

      await reader.catchUp();
      expect(reader.count()).toBe(13);
      expect(reader.get(doomed.id)).toBeUndefined();
      expect(reader.get(early.id)?.title).toBe('Early report about the Danube ferry, revised');
      for (const report of later) expect(reader.get(report.id)?.seq).toBe(writer.get(report.id)?.seq);
      expect(reader.search('Caspian quota', { limit: 50 })).toHaveLength(12);
      expect(reader.headSeq()).toBe(await readerStore.changes.head());
      const listed = await reader.listSince(0);
      expect(listed).toHaveLength(13);

      // And it follows the log normally again from there.
      const next = makeReport({ title: 'After the rescan: Arctic shipping' });
      await writer.upsert(next);
      await reader.catchUp();
      expect(reader.search('Arctic shipping')[0]?.id).toBe(next.id);
      reader.close();
      writer.close();
    } finally {
      await readerStore.close();
      await writerStore.close();
      tmp.cleanup();
    }
  });
});

const backends = [
  ['Redis', process.env.SITREP_TEST_REDIS_URL],
  ['Postgres', process.env.SITREP_TEST_POSTGRES_URL],
] as const;
for (const [name, url] of backends) {
  describe.skipIf(!url)(`one store, two processes on ${name}`, () => {
    it('a report written by one library is found by search on the other within 5 s', async () => {
      const unique = `sync${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const one = await openLibrary(url!);
      const two = await openLibrary(url!);
      try {
        const report = makeReport({ id: `${unique}-report`, title: `Quarantine ${unique} report`, text: `The ${unique} archipelago dispute.` });
        const stored = (await one.library.upsertMany([report]))[0]!.report;
        expect(stored.seq).toBeGreaterThan(0);
        expect(await within(5_000, () => two.library.search(unique)[0]?.id === report.id)).toBe(true);
        expect(two.library.get(report.id)?.seq).toBe(stored.seq);
        await one.library.delete(report.id);
        expect(await within(5_000, () => two.library.get(report.id) === undefined)).toBe(true);
      } finally {
        one.library.close();
        two.library.close();
        await one.store.close();
        await two.store.close();
      }
    });
  });
}
