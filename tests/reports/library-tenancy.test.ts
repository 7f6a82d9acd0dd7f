import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeedService } from '../../src/reports/feeds.ts';
import { ReportLibrary, type View } from '../../src/reports/library.ts';
import type { ReportMeta } from '../../src/reports/types.ts';
import { createStore } from '../../src/store/index.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { harness, logger, makeReport, mutableClock, type Harness } from './helpers.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures');
const feedBody = (name: string) => () => ({
  headers: { 'content-type': name.endsWith('.json') ? 'application/feed+json' : 'application/rss+xml' },
  body: readFileSync(join(fixtures, 'feeds', name), 'utf8').replaceAll('{{BASE}}', server.url),
});

let server: TestHttpServer;
let h: Harness;
let feeds: FeedService;
beforeEach(async () => {
  server = await startHttpServer({
    '/rss.xml': feedBody('rss.xml'),
    '/atom.xml': feedBody('atom.xml'),
    '/pages/baltic': { headers: { 'content-type': 'text/html' }, body: readFileSync(join(fixtures, 'articles', 'baltic-cables.html')) },
  });
  h = await harness();
  feeds = new FeedService({ config: h.config, logger, clock: h.clock, store: h.store, reports: h.reports, ingest: h.ingest });
});
afterEach(async () => {
  h.reports.close();
  await h.close();
  await server.close();
});

/** Every library read, as seen from one view: the ids each one lets through. */
async function seenBy(library: ReportLibrary, view: View, probe: ReportMeta[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const r of library.list(view)) ids.add(r.id);
  for (const r of await library.listSince(0, view)) ids.add(r.id);
  for (const r of probe) {
    if (library.get(r.id, view)) ids.add(r.id);
    if (await library.load(r.id, view)) ids.add(r.id);
    if (library.resolve(r.id, view)) ids.add(r.id);
    if (library.resolve(r.title, view)) ids.add(r.id);
    for (const hit of library.search(r.title, { ...view, limit: 50 })) ids.add(hit.id);
    for (const s of library.suggest(r.title.slice(0, 6), 25, view)) ids.add(s.id);
    if (r.url && library.findByUrl(r.url, view)) ids.add(r.id);
  }
  return [...ids].sort();
}

describe('tenancy: the operator library plus each guild’s own sources', () => {
  it('two guilds with different feeds never see each other’s reports through any library read; DMs see the operator library only', async () => {
    copyFileSync(join(fixtures, 'articles', 'hormuz-pasted.txt'), join(h.dir, 'hormuz.txt'));
    const [operator] = await h.ingest.ingestPath(join(h.dir, 'hormuz.txt'));
    const a = await feeds.add(`${server.url}/rss.xml`, { guildId: 'g1' });
    const b = await feeds.add(`${server.url}/atom.xml`, { guildId: 'g2' });
    const all = h.reports.list();
    const ofFeed = (id: string) => all.filter((r) => r.origin.kind === 'feed' && r.origin.feedId === id).map((r) => r.id);
    expect(ofFeed(a.id)).toHaveLength(3);
    expect(ofFeed(b.id).length).toBeGreaterThan(0);
    const operatorId = operator!.report.id;

    expect(await seenBy(h.reports, { guildId: 'g1' }, all)).toEqual([operatorId, ...ofFeed(a.id)].sort());
    expect(await seenBy(h.reports, { guildId: 'g2' }, all)).toEqual([operatorId, ...ofFeed(b.id)].sort());
    expect(await seenBy(h.reports, { guildId: null }, all)).toEqual([operatorId]);
    expect(await seenBy(h.reports, { guildId: 'g3' }, all)).toEqual([operatorId]);
    expect(await seenBy(h.reports, {}, all)).toEqual(all.map((r) => r.id).sort());
    expect(h.reports.count({ guildId: 'g1' })).toBe(4);
    expect(h.reports.count({ guildId: null })).toBe(1);
    expect(h.reports.sources({ guildId: 'g1' })).not.toContain('Arctic Affairs');
    expect(h.reports.sources({ guildId: 'g2' })).toContain('Arctic Affairs');
    expect(
      h.reports
        .suggest('', 25, { guildId: 'g2' })
        .map((s) => s.id)
        .sort(),
    ).toEqual([operatorId, ...ofFeed(b.id)].sort());
  });

  it('a feed followed by two guilds is stored and fetched once; unfollowing hides its reports; a feed nobody follows is removed', async () => {
    const first = await feeds.add(`${server.url}/rss.xml`, { guildId: 'g1' });
    const again = await feeds.add(`${server.url}/rss.xml`, { guildId: 'g2' });
    expect(again.id).toBe(first.id);
    expect(again.followers).toEqual(['g1', 'g2']);
    expect(await feeds.list()).toHaveLength(1);
    expect(server.requests.filter((r) => r.path === '/rss.xml')).toHaveLength(1);
    await expect(feeds.add(`${server.url}/rss.xml`, { guildId: 'g2' })).rejects.toThrow(/already followed here/);
    expect(h.reports.count({ guildId: 'g1' })).toBe(3);
    expect(h.reports.count({ guildId: 'g2' })).toBe(3);

    expect((await feeds.remove('g2', first.id))?.id).toBe(first.id);
    expect(h.reports.count({ guildId: 'g2' })).toBe(0);
    expect(h.reports.search('Armenia', { guildId: 'g2' })).toEqual([]);
    expect(h.reports.count({ guildId: 'g1' })).toBe(3);
    expect(await feeds.list('g2')).toEqual([]);

    await feeds.remove('g1', first.id);
    expect(await feeds.list()).toEqual([]);
    expect(h.reports.count({ guildId: 'g1' })).toBe(0);
    expect(h.reports.count()).toBe(3); // still stored; the operator's view sees everything
    const polled = server.requests.length;
    expect(await feeds.pollAll()).toEqual([]);
    expect(server.requests.length).toBe(polled);
  });

  it('an article added from a guild is visible there only; addToGuild shares it with another', async () => {
    const { report } = await h.ingest.ingestUrl(`${server.url}/pages/baltic`, { guildId: 'g1' });
    expect(h.reports.get(report.id, { guildId: 'g1' })).toBeDefined();
    expect(h.reports.get(report.id, { guildId: 'g2' })).toBeUndefined();
    expect(h.reports.get(report.id, { guildId: null })).toBeUndefined();
    expect(await h.reports.addToGuild(report.id, 'g2')).toBe(true);
    expect(h.reports.get(report.id, { guildId: 'g2' })?.scope).toEqual({ kind: 'guilds', guildIds: ['g1', 'g2'] });
    expect(h.reports.get(report.id, { guildId: null })).toBeUndefined();
    // The same article ingested by the operator joins the operator library.
    expect((await h.ingest.ingestUrl(`${server.url}/pages/baltic`)).report.id).toBe(report.id);
    expect(h.reports.get(report.id, { guildId: null })).toBeDefined();
    expect(await h.reports.addToGuild('no-such-report', 'g2')).toBe(false);
  });

  it('feeds stored once per guild by older versions become one row followed by both, and their reports stay visible', async () => {
    const url = `${server.url}/legacy.xml`;
    const row = (id: string, guildId: string, addedAt: string) => ({ id, url, guildId, addedAt, failures: 0, itemCount: 1 });
    await h.store.kv('feeds').set('feed:legacy-a', row('legacy-a', 'g1', '2025-01-01T00:00:00.000Z'));
    await h.store.kv('feeds').set('feed:legacy-b', row('legacy-b', 'g2', '2025-02-01T00:00:00.000Z'));
    await h.reports.upsert(makeReport({ id: 'legacy-item', origin: { kind: 'feed', feedId: 'legacy-b', feedUrl: url } }));

    const [feed, ...others] = await feeds.list();
    expect(others).toEqual([]);
    expect(feed).toMatchObject({ id: 'legacy-a', followers: ['g1', 'g2'], mergedIds: ['legacy-b'] });
    expect(feed).not.toHaveProperty('guildId');
    await h.reports.catchUp();
    expect(h.reports.get('legacy-item', { guildId: 'g1' })).toBeDefined();
    expect(h.reports.get('legacy-item', { guildId: 'g2' })).toBeDefined();
    expect(h.reports.get('legacy-item', { guildId: 'g3' })).toBeUndefined();
  });

  it('a follow made through one process shows the feed’s reports in another process’s library within 5 s', async () => {
    const store = await createStore(h.store.url);
    const other = new ReportLibrary({ store, logger, clock: mutableClock() });
    await other.open();
    try {
      await feeds.add(`${server.url}/rss.xml`, { guildId: 'g1' });
      await feeds.add(`${server.url}/rss.xml`, { guildId: 'g2' });
      const deadline = Date.now() + 5_000;
      while (other.count({ guildId: 'g2' }) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(other.count({ guildId: 'g2' })).toBe(3);
      await feeds.remove('g2', `${server.url}/rss.xml`);
      const hidden = Date.now() + 5_000;
      while (other.count({ guildId: 'g2' }) > 0 && Date.now() < hidden) await new Promise((r) => setTimeout(r, 100));
      expect(other.count({ guildId: 'g2' })).toBe(0);
    } finally {
      other.close();
      await store.close();
    }
  });
});
