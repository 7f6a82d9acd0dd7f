import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeedService } from '../../src/reports/feeds.ts';
import { startHttpServer, streamFiller, type RouteResponse, type TestHttpServer } from '../support/http-server.ts';
import { harness, logger, type Harness } from './helpers.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures');
const feedFixture = (name: string) => readFileSync(join(fixtures, 'feeds', name));

let server: TestHttpServer;
let h: Harness;
let feeds: FeedService;

/** Serves a fixture with {{BASE}} replaced by the server URL, honouring If-None-Match with a content ETag. */
function serveFeed(name: string | (() => string), type: string) {
  return (req: IncomingMessage): RouteResponse => {
    const raw = typeof name === 'function' ? Buffer.from(name()) : feedFixture(name);
    const body = Buffer.from(raw.toString('latin1').replaceAll('{{BASE}}', server.url), 'latin1');
    const etag = `"${body.length}-${body.subarray(0, 400).toString('base64').length}-${body.toString('latin1').split('<item').length}"`;
    if (req.headers['if-none-match'] === etag) return { status: 304 };
    return { headers: { 'content-type': type, etag }, body };
  };
}

function makeFeeds(env: Record<string, string> = {}) {
  return new FeedService({ config: { ...h.config, ...env } as typeof h.config, logger, clock: h.clock, store: h.store, reports: h.reports, ingest: h.ingest });
}

beforeEach(async () => {
  server = await startHttpServer({
    '/rss.xml': serveFeed('rss.xml', 'application/rss+xml; charset=utf-8'),
    '/atom.xml': serveFeed('atom.xml', 'application/atom+xml'),
    '/feed.json': serveFeed('feed.json', 'application/feed+json'),
    '/excerpt.xml': serveFeed('rss-excerpt.xml', 'application/rss+xml'),
    '/cyrillic.xml': serveFeed('rss-windows-1251.xml', 'text/xml; charset=windows-1251'),
    '/malformed.xml': serveFeed('malformed.xml', 'application/xml'),
    '/site': serveFeed('site.html', 'text/html'),
    '/pages/baltic': { headers: { 'content-type': 'text/html' }, body: readFileSync(join(fixtures, 'articles', 'baltic-cables.html')) },
    '/server-error.xml': { status: 500, body: 'oops' },
  });
  h = await harness();
  feeds = makeFeeds();
});
afterEach(async () => {
  feeds.stop();
  await h.close();
  await server.close();
});

describe('adding feeds', () => {
  it('adds an RSS feed: items recorded as backlog, not announced, with feed metadata', async () => {
    const feed = await feeds.add(`${server.url}/rss.xml`, { guildId: 'g1', addedBy: 'u1' });
    expect(feed).toMatchObject({ url: `${server.url}/rss.xml`, title: 'Strategic Monitor', followers: ['g1'], addedBy: 'u1', failures: 0, itemCount: 3 });
    expect(feed.etag).toBeTruthy();
    const reports = h.reports.list();
    expect(reports).toHaveLength(3);
    expect(reports.every((r) => r.backfill === true && r.source === 'Strategic Monitor')).toBe(true);
    const peace = reports.find((r) => r.title === 'Armenia and Azerbaijan Initial a Peace Deal')!;
    expect(peace).toMatchObject({
      authors: ['Ani Grigoryan'],
      publishedAt: '2025-08-11T08:00:00.000Z',
      tags: ['South Caucasus'],
      url: `${server.url}/articles/caucasus-peace`,
    });
    expect(peace.origin).toEqual({ kind: 'feed', feedId: feed.id, feedUrl: feed.url, guid: 'sm-1001' });
    expect((await h.reports.load(peace.id))!.text).toContain('Russia, once the main broker in the South Caucasus');
  });

  it('adds Atom and JSON feeds', async () => {
    await feeds.add(`${server.url}/atom.xml`);
    await feeds.add(`${server.url}/feed.json`);
    const greenland = h.reports.list().find((r) => r.title === 'Greenland, Denmark and the United States')!;
    expect(greenland).toMatchObject({ source: 'Arctic Affairs', authors: ['Freja Nielsen'], publishedAt: '2025-08-14T10:00:00.000Z', tags: ['Arctic'] });
    const niger = h.reports.list().find((r) => r.title === 'Niger’s Uranium and the French Exit')!;
    expect(niger).toMatchObject({ source: 'Sahel Brief', authors: ['Moussa Diallo'], tags: ['Niger', 'uranium'] });
    const mali = h.reports.list().find((r) => r.title === 'Mali’s Gold and Russian Miners')!;
    expect((await h.reports.load(mali.id))!.text).toContain('gold mining licences');
    expect(h.reports.count()).toBe(4);
  });

  it('fetches the article page when an item carries only an excerpt, falling back to the excerpt', async () => {
    await feeds.add(`${server.url}/excerpt.xml`);
    const baltic = h.reports.list().find((r) => r.title.startsWith('Sabotage in the Baltic'))!;
    expect((await h.reports.load(baltic.id))!.text).toContain('Finnish authorities boarded the Eagle S');
    expect(baltic.source).toBe('Excerpt Wire');
    expect(server.requests.some((r) => r.path === '/pages/baltic')).toBe(true);
    const missing = h.reports.list().find((r) => r.title === 'A Page That Went Missing')!;
    expect((await h.reports.load(missing.id))!.text).toBe('Only this excerpt survives of the missing article about Moldova and Transnistria.');
  });

  it('decodes a windows-1251 feed', async () => {
    const feed = await feeds.add(`${server.url}/cyrillic.xml`);
    expect(feed.title).toBe('Евразийский обзор');
    const [report] = h.reports.list();
    expect(report!.title).toBe('Казахстан и Китай: новый транзитный коридор');
    expect(report!.id).toMatch(/^report-2025-08-11-[0-9a-f]{10}$/);
    expect((await h.reports.load(report!.id))!.text).toContain('Среднего коридора');
  });

  it('finds the feed advertised by an HTML page', async () => {
    const feed = await feeds.add(`${server.url}/site`);
    expect(feed.url).toBe(`${server.url}/rss.xml`);
    expect(feed.itemCount).toBe(3);
  });

  it('refuses bad, missing, broken and duplicate feeds with specific messages', async () => {
    await expect(feeds.add('feed.example/rss')).rejects.toThrow(/must start with http:\/\/ or https:\/\//);
    await expect(feeds.add(`${server.url}/nope.xml`)).rejects.toThrow(/HTTP 404/);
    await expect(feeds.add(`${server.url}/malformed.xml`)).rejects.toThrow(/is not a valid RSS, Atom, RDF or JSON feed/);
    await expect(feeds.add(`${server.url}/pages/baltic`)).rejects.toThrow(/is a web page, not a feed/);
    await feeds.add(`${server.url}/rss.xml`, { guildId: 'g1' });
    await expect(feeds.add(`${server.url}/rss.xml`, { guildId: 'g1' })).rejects.toThrow(/already followed/);
    expect((await feeds.list()).length).toBe(1);
  });

  it('refuses a loopback feed when private addresses are not allowed', async () => {
    const strict = await harness({ FETCH_ALLOW_PRIVATE: 'false' });
    try {
      const service = new FeedService({
        config: strict.config,
        logger,
        clock: strict.clock,
        store: strict.store,
        reports: strict.reports,
        ingest: strict.ingest,
      });
      await expect(service.add(`${server.url}/rss.xml`)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
      expect(server.requests).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});

describe('polling', () => {
  it('uses conditional GET: an unchanged feed answers 304 and nothing is ingested', async () => {
    const feed = await feeds.add(`${server.url}/rss.xml`);
    const result = await feeds.poll(feed.id);
    expect(result.status).toBe('not-modified');
    expect(server.requests.at(-1)!.headers['if-none-match']).toBe(feed.etag);
    expect(h.reports.count()).toBe(3);
  });

  it('ingests every item of a burst of 30 new items, announced (not backfill)', async () => {
    let items = 3;
    const itemXml = (n: number) =>
      `<item><title>Burst item number ${n}</title><link>{{BASE}}/burst/${n}</link><guid>burst-${n}</guid><pubDate>${new Date(Date.UTC(2025, 8, 1, 0, n)).toUTCString()}</pubDate><content:encoded><![CDATA[<p>${`Report ${n} on the security of the Eastern Mediterranean, where Turkey, Greece and Cyprus dispute maritime zones and gas fields. `.repeat(4)}</p>]]></content:encoded></item>`;
    server.route(
      '/burst.xml',
      serveFeed(
        () =>
          `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Burst</title>${Array.from(
            { length: items },
            (_, i) => itemXml(i + 1),
          )
            .reverse()
            .join('')}</channel></rss>`,
        'application/rss+xml',
      ),
    );
    const feed = await feeds.add(`${server.url}/burst.xml`);
    expect(h.reports.count()).toBe(3);
    items = 33;
    const result = await feeds.poll(feed.id);
    expect(result.status).toBe('ok');
    expect(result.created).toHaveLength(30);
    expect(result.duplicates).toBe(3);
    expect(result.created.every((r) => !r.backfill)).toBe(true);
    expect(h.reports.count()).toBe(33);
    expect(new Set(h.reports.list().map((r) => r.title)).size).toBe(33);
    expect((await feeds.get(feed.id))!.itemCount).toBe(33);
  });

  it('a burst larger than one poll takes is finished by the next poll, even though the feed is unchanged', async () => {
    let items = 3;
    const itemXml = (n: number) =>
      `<item><title>Wire item ${n}</title><link>{{BASE}}/wire/${n}</link><guid>wire-${n}</guid><pubDate>${new Date(Date.UTC(2025, 8, 1, 0, 0, n)).toUTCString()}</pubDate><description>${`Item ${n}: port calls, tanker movements and naval deployments in the Gulf of Oman and the Arabian Sea. `.repeat(12)}</description></item>`;
    server.route(
      '/wire.xml',
      serveFeed(
        () =>
          `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>${Array.from({ length: items }, (_, i) => itemXml(i + 1)).join('')}</channel></rss>`,
        'application/rss+xml',
      ),
    );
    const feed = await feeds.add(`${server.url}/wire.xml`);
    items = 253;
    const first = await feeds.poll(feed.id);
    expect(first.created).toHaveLength(200);
    const second = await feeds.poll(feed.id);
    expect(second.status).toBe('ok');
    expect(second.created).toHaveLength(50);
    expect(h.reports.count()).toBe(253);
    expect((await feeds.poll(feed.id)).status).toBe('not-modified');
  });

  it('a 700-item feed is absorbed over several polls with every item backlog; deferred items are counted', async () => {
    let items = 700;
    const itemXml = (n: number) =>
      `<item><title>Backlog item ${n}</title><link>{{BASE}}/backlog/${n}</link><guid>backlog-${n}</guid><pubDate>${new Date(Date.UTC(2024, 0, 1, 0, n)).toUTCString()}</pubDate><description>${`Entry ${n} on shipping insurance, convoy routes and port state control in the Black Sea. `.repeat(12)}</description></item>`;
    server.route(
      '/big.xml',
      serveFeed(
        () =>
          `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>${Array.from({ length: items }, (_, i) => itemXml(i + 1)).join('')}</channel></rss>`,
        'application/rss+xml',
      ),
    );
    const feed = await feeds.add(`${server.url}/big.xml`);
    expect(feed.itemCount).toBe(200);
    expect(feed.pendingItems).toBe(500);
    const polls = [];
    for (let i = 0; i < 3; i++) polls.push(await feeds.poll(feed.id));
    expect(polls.map((p) => p.deferred)).toEqual([300, 100, 0]);
    expect(polls.map((p) => p.created.length)).toEqual([0, 0, 0]); // nothing announced: all of it is backlog
    expect(h.reports.count()).toBe(700);
    expect(h.reports.list().every((r) => r.backfill === true)).toBe(true);
    expect((await feeds.get(feed.id))!.pendingItems).toBeUndefined();
    // An item published after the backlog was absorbed is new.
    items = 701;
    const fresh = await feeds.poll(feed.id);
    expect(fresh.created.map((r) => r.title)).toEqual(['Backlog item 701']);
    expect(fresh.created[0]!.backfill).toBeUndefined();
  });

  it('an article added by URL and later seen in a feed is one report', async () => {
    const page = `${server.url}/pages/baltic`;
    server.route(
      '/carries-baltic.xml',
      serveFeed(
        () =>
          `<?xml version="1.0"?><rss version="2.0"><channel><title>Carrier</title><item><title>Sabotage in the Baltic Sea: Who Cuts the Cables?</title><link>${page}?utm_source=rss</link><guid>carrier-1</guid><description>${'Finnish authorities boarded the Eagle S after the Estlink 2 cable was cut; investigators suspect the anchor was dragged on purpose. '.repeat(10)}</description></item></channel></rss>`,
        'application/rss+xml',
      ),
    );
    const added = await h.ingest.ingestUrl(page);
    expect(added.status).toBe('created');
    // Its link is the page's canonical URL; the feed names it by the address it was fetched from (and
    // carries the full text, so the page is not fetched again).
    expect(added.report.url).toBe('https://nordicsecurity.example/2025/01/baltic-cables');
    const feed = await feeds.add(`${server.url}/carries-baltic.xml`, { guildId: 'g1' });
    expect(h.reports.count()).toBe(1);
    const [report] = h.reports.list();
    expect(report!.id).toBe(added.report.id);
    expect(report!.origin).toMatchObject({ kind: 'feed', feedId: feed.id });
    expect(report!.scope).toEqual({ kind: 'operator' }); // still the operator's: visible everywhere
    expect(h.reports.get(report!.id, { guildId: 'g2' })).toBeDefined();
    expect(h.reports.findByUrl(`${page}?utm_source=rss`)?.id).toBe(added.report.id);
    expect(server.requests.filter((r) => r.path === '/pages/baltic')).toHaveLength(1);
  });

  it('does not duplicate items whose GUIDs, dates or links are rewritten', async () => {
    let variant = 0;
    const base = feedFixture('rss.xml').toString('utf8');
    server.route(
      '/rewrite.xml',
      serveFeed(() => {
        if (variant === 0) return base;
        // New GUIDs and dates for every item; for one item the link changes too (only the content is the same).
        return base
          .replace(/sm-100(\d)/g, 'rewritten-$1-' + variant)
          .replace(/2025 08:00:00/g, '2025 09:30:00')
          .replace('/articles/red-sea', '/articles/red-sea-updated');
      }, 'application/rss+xml'),
    );
    const feed = await feeds.add(`${server.url}/rewrite.xml`);
    variant = 1;
    const result = await feeds.poll(feed.id);
    expect(result.status).toBe('ok');
    expect(result.created).toHaveLength(0);
    expect(result.duplicates).toBe(3);
    expect(h.reports.count()).toBe(3);
  });

  it('records errors with exponential backoff, and one failing feed never stops the others', async () => {
    let healthy = true;
    server.route('/flaky.xml', (req) => (healthy ? serveFeed('atom.xml', 'application/atom+xml')(req) : { status: 500, body: 'down' }));
    let hang = false;
    server.route('/sometimes-hangs.xml', (req) => (hang ? new Promise<never>(() => undefined) : serveFeed('feed.json', 'application/feed+json')(req)));
    const flaky = await feeds.add(`${server.url}/flaky.xml`);
    const hanging = await feeds.add(`${server.url}/sometimes-hangs.xml`);
    const good = await feeds.add(`${server.url}/rss.xml`);
    healthy = false;
    hang = true;

    const results = await feeds.pollAll();
    const byId = Object.fromEntries(results.map((r) => [r.feedId, r]));
    expect(byId[flaky.id]).toMatchObject({ status: 'error' });
    expect(byId[flaky.id]!.error).toMatch(/HTTP 500/);
    expect(byId[hanging.id]!.error).toMatch(/Timed out/);
    expect(byId[good.id]!.status).toBe('not-modified');

    const failed = (await feeds.get(flaky.id))!;
    expect(failed.failures).toBe(1);
    expect(failed.lastError).toMatch(/HTTP 500/);
    const firstDelay = Date.parse(failed.nextPollAt!) - h.clock.now().getTime();
    expect(firstDelay).toBe(h.config.FEED_POLL_MINUTES * 60_000);

    // Not due yet: skipped without a request.
    const before = server.requests.filter((r) => r.path === '/flaky.xml').length;
    expect((await feeds.pollAll()).find((r) => r.feedId === flaky.id)!.status).toBe('skipped');
    expect(server.requests.filter((r) => r.path === '/flaky.xml').length).toBe(before);

    h.clock.advance(firstDelay);
    await feeds.poll(flaky.id);
    const twice = (await feeds.get(flaky.id))!;
    expect(twice.failures).toBe(2);
    expect(Date.parse(twice.nextPollAt!) - h.clock.now().getTime()).toBe(2 * firstDelay);

    healthy = true;
    h.clock.advance(2 * firstDelay);
    expect((await feeds.poll(flaky.id)).status).not.toBe('error');
    const recovered = (await feeds.get(flaky.id))!;
    expect(recovered.failures).toBe(0);
    expect(recovered.lastError).toBeUndefined();
  });

  it('refuses a 50 MB feed body with a clear error, recorded on the feed', async () => {
    let huge = false;
    server.route('/huge.xml', (req, res) => {
      if (!huge) return serveFeed('rss.xml', 'application/rss+xml')(req);
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      streamFiller(res, 50 * 1024 * 1024, 0x20);
    });
    const feed = await feeds.add(`${server.url}/huge.xml`);
    huge = true;
    const result = await feeds.poll(feed.id);
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/larger than the 5 MB limit \(FETCH_MAX_BYTES\)/);
  });
});

describe('managing feeds', () => {
  it('lists per guild, removes by id or URL, and keeps feeds in the store', async () => {
    const a = await feeds.add(`${server.url}/rss.xml`, { guildId: 'g1' });
    const b = await feeds.add(`${server.url}/atom.xml`, { guildId: 'g2' });
    expect((await feeds.list('g1')).map((f) => f.id)).toEqual([a.id]);
    expect((await feeds.list()).map((f) => f.id).sort()).toEqual([a.id, b.id].sort());

    const reopened = makeFeeds();
    expect((await reopened.list('g2'))[0]).toMatchObject({ id: b.id, title: 'Arctic Affairs' });

    expect(await feeds.remove('g2', a.id)).toBeUndefined(); // another guild's feed
    expect((await feeds.remove('g1', `${server.url}/rss.xml`))?.id).toBe(a.id);
    expect((await feeds.remove('g2', b.id))?.id).toBe(b.id);
    expect(await feeds.list()).toEqual([]);
    await expect(feeds.poll(a.id)).rejects.toThrow(/No feed with id/);
  });
});
