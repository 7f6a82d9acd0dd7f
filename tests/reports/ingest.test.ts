import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { ingestBriefs } from '../../src/reports/ingest.ts';
import { ParsePool } from '../../src/reports/parse-pool.ts';
import { ReportLibrary } from '../../src/reports/library.ts';
import { createStore } from '../../src/store/index.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { harness, logger, tempDir, testConfig, type Harness } from './helpers.ts';

const root = resolve(import.meta.dirname, '../..');
const seed = join(root, 'tests/fixtures/reports/specialeurasia-china-russia-belarus-defence-2023.txt');
const articles = join(root, 'tests/fixtures/articles');
const SEED_ID = 'specialeurasia-china-russia-belarus-defence-2023';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

describe('ingesting files and folders', () => {
  it('ingests a folder recursively (md, txt, html), skipping other files, with progress', async () => {
    const lib = join(h.dir, 'lib');
    mkdirSync(join(lib, 'nested/deeper'), { recursive: true });
    copyFileSync(join(root, 'briefs', `${SEED_ID}.md`), join(lib, `${SEED_ID}.md`));
    copyFileSync(join(articles, 'institute-taiwan-strait.txt'), join(lib, 'nested/taiwan.txt'));
    copyFileSync(join(articles, 'baltic-cables.html'), join(lib, 'nested/deeper/baltic.html'));
    writeFileSync(join(lib, 'notes.json'), '{"not":"a report"}');
    writeFileSync(join(lib, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const progress: Array<[number, number]> = [];
    const results = await h.ingest.ingestPath(lib, { onProgress: (d, t) => progress.push([d, t]) });
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    expect(results.map((r) => r.report.id).sort()).toEqual(['baltic', SEED_ID, 'taiwan']);
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(h.reports.get('baltic')?.authors).toEqual(['Mikko Virtanen', 'Anna Lindqvist']);
  });

  it('parses on worker threads for big folders with the same result as in-thread parsing', async () => {
    const pool = await ParsePool.create(1);
    expect(pool).toBeDefined(); // workers start here, so the parallel path below really runs on them
    const direct = await pool!.parse(join(articles, 'hormuz-pasted.txt'), new Date('2025-01-01T00:00:00Z'));
    await pool!.close();
    expect(direct.title).toBe('Iran and the Strait of Hormuz: Tanker Seizures as Coercive Diplomacy');
    const inThread = await h.ingest.ingestPath(articles, { parallel: false });
    const other = await harness();
    try {
      const onWorkers = await other.ingest.ingestPath(articles, { parallel: true });
      const key = (rs: typeof inThread) => rs.map((r) => [r.report.id, r.report.contentHash, r.report.authors.join(',')].join(' ')).sort();
      expect(key(onWorkers)).toEqual(key(inThread));
      expect(onWorkers.every((r) => r.status === 'created')).toBe(true);
      expect(other.reports.search('Hormuz')[0]?.id).toBe('hormuz-pasted');
    } finally {
      await other.close();
    }
  });

  it('reports parsed and encoded on workers are stored as keyv rows that reload equal', async () => {
    const results = await h.ingest.ingestPath(articles, { parallel: true });
    expect(results.length).toBeGreaterThan(0);
    const kv = h.store.kv<Record<string, unknown>>('reports');
    const url = h.store.url;
    const before = new Map(results.map((r) => [r.report.id, h.reports.get(r.report.id)]));
    for (const id of before.keys()) expect((await kv.get(id))?.title).toBe(before.get(id)!.title);
    await h.store.close();
    h.store = await createStore(url);
    const again = new ReportLibrary({ store: h.store, logger, clock: h.clock });
    await again.load();
    expect(again.count()).toBe(before.size);
    for (const [id, report] of before) expect(again.get(id)).toEqual(report);
  });

  it('re-ingesting an unchanged file is a no-op; a changed file updates the same id with a new hash', async () => {
    const file = join(h.dir, 'report.txt');
    copyFileSync(seed, file);
    const [first] = await h.ingest.ingestPath(file);
    expect(first!.status).toBe('created');
    expect((await h.ingest.ingestPath(file))[0]!.status).toBe('unchanged');
    writeFileSync(file, readFileSync(seed, 'utf8').replace('Li Shangfu will visit', 'Li Shangfu is to visit'));
    h.clock.advance(60_000);
    const [changed] = await h.ingest.ingestPath(file);
    expect(changed!.status).toBe('updated');
    expect(changed!.report.id).toBe(first!.report.id);
    expect(changed!.report.contentHash).not.toBe(first!.report.contentHash);
    expect(changed!.report.ingestedAt).toBe(first!.report.ingestedAt);
    expect(h.reports.count()).toBe(1);
  });

  it('does not parse a file again while its size and mtime are unchanged; a touched file only refreshes the stamp', async () => {
    const file = join(h.dir, 'stamp.txt');
    copyFileSync(seed, file);
    const mtime = new Date('2025-01-01T00:00:00Z'); // whole milliseconds, so utimes can restore it exactly
    utimesSync(file, mtime, mtime);
    const [first] = await h.ingest.ingestPath(file);
    const { size } = statSync(file);
    expect(first!.report.origin).toMatchObject({ kind: 'file', size, mtimeMs: mtime.getTime() });
    // Same size, same mtime, different bytes: proof that the stamp, not a parse, decided.
    writeFileSync(file, readFileSync(seed, 'utf8').replace('Background', 'Backgroune'));
    utimesSync(file, mtime, mtime);
    const cached = (await h.ingest.ingestPath(file))[0]!.report;
    expect((await h.reports.load(cached.id))!.text).toContain('Background Information');
    // Touched without a content change: unchanged, and the new mtime is remembered.
    copyFileSync(seed, file);
    const later = new Date(mtime.getTime() + 5_000);
    utimesSync(file, later, later);
    const [touched] = await h.ingest.ingestPath(file);
    expect(touched!.status).toBe('unchanged');
    expect(h.reports.get(first!.report.id)!.origin).toMatchObject({ mtimeMs: later.getTime() });
  });

  it('skips an empty or unreadable file in a folder and reports it, without stopping the rest', async () => {
    const lib = join(h.dir, 'mixed');
    mkdirSync(lib);
    writeFileSync(join(lib, 'empty.md'), '---\ntitle: Nothing here\n---\n');
    copyFileSync(seed, join(lib, 'seed.txt'));
    const errors: string[] = [];
    const results = await h.ingest.ingestPath(lib, { onError: (path, e) => errors.push(`${path}: ${e.message}`) });
    expect(results.map((r) => r.report.id)).toEqual(['seed']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/empty\.md: .*no report text/);
  });

  it('names a missing path clearly', async () => {
    await expect(h.ingest.ingestPath(join(h.dir, 'nope'))).rejects.toThrow(/No such file or directory/);
  });

  it('ingestBriefs loads the bundled folder and tolerates a missing one', async () => {
    const results = await ingestBriefs(h.ingest, join(root, 'briefs'), logger);
    expect(results.map((r) => r.report.id)).toContain(SEED_ID);
    expect(h.reports.get(SEED_ID)?.source).toBe('SpecialEurasia');
    expect(await ingestBriefs(h.ingest, join(h.dir, 'missing'), logger)).toEqual([]);
  });
});

describe('ingesting article URLs', () => {
  let server: TestHttpServer;
  beforeEach(async () => {
    server = await startHttpServer({
      '/baltic': { headers: { 'content-type': 'text/html; charset=utf-8' }, body: readFileSync(join(articles, 'baltic-cables.html')) },
      '/feed.xml': {
        headers: { 'content-type': 'application/rss+xml' },
        body: '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
      },
      '/pdf': { headers: { 'content-type': 'application/pdf' }, body: '%PDF-1.4' },
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it('fetches, extracts and stores an article; fetching it again changes nothing', async () => {
    const first = await h.ingest.ingestUrl(`${server.url}/baltic?utm_source=newsletter`);
    expect(first.status).toBe('created');
    expect(first.report.title).toBe('Sabotage in the Baltic Sea: Who Cuts the Cables?');
    expect(first.report.origin).toEqual({ kind: 'url', url: `${server.url}/baltic?utm_source=newsletter` });
    expect(server.requests[0]!.headers['user-agent']).toMatch(/^Sitrep\/0\.1 \(\+https:\/\/github\.com\/sitrep-bot\/sitrep\)$/);
    const again = await h.ingest.ingestUrl(`${server.url}/baltic`);
    expect(again.status).toBe('unchanged');
    expect(h.reports.count()).toBe(1);
  });

  it('refuses feeds, wrong content types and missing pages with specific messages', async () => {
    await expect(h.ingest.ingestUrl(`${server.url}/feed.xml`)).rejects.toThrow(/is a feed, not an article/);
    await expect(h.ingest.ingestUrl(`${server.url}/pdf`)).rejects.toThrow(/application\/pdf, not an article page/);
    await expect(h.ingest.ingestUrl(`${server.url}/missing`)).rejects.toThrow(/HTTP 404 \(not found\)/);
    await expect(h.ingest.ingestUrl('ftp://example.org/report.txt')).rejects.toThrow(/only http and https/);
  });
});

describe('persistence across a restart (real SQLite file through createApp)', () => {
  it('keeps ingested reports after the app is closed and reopened', async () => {
    const tmp = tempDir();
    const config = testConfig({ STORE_URL: `sqlite://${join(tmp.dir, 'data', 'sitrep.sqlite')}` });
    try {
      const app = await createApp(config, { logger });
      const first = await app.ingest.ingestPath(articles);
      const ids = app.reports.list().map((r) => r.id);
      expect(ids.length).toBe(first.filter((r) => r.status === 'created').length);
      expect(ids).toContain('hormuz-pasted');
      await app.close();

      const reopened = await createApp(config, { logger });
      try {
        expect(reopened.reports.list().map((r) => r.id)).toEqual(ids);
        expect(reopened.reports.search('Hormuz tanker')[0]?.id).toBe('hormuz-pasted');
        const again = await reopened.ingest.ingestPath(articles);
        expect(again.every((r) => r.status === 'unchanged')).toBe(true);
      } finally {
        await reopened.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
