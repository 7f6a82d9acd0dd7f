import type { Clock } from '../core/clock.ts';
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { FetchResponse, SafeFetcher } from '../net/safe-fetch.ts';
import type { Store } from '../store/index.ts';
import { discoverFeedLinks, parseFeedDocument, type FeedItem, type ParsedFeed } from './feed-items.ts';
import type { Ingestor } from './ingest.ts';
import type { ReportLibrary } from './library.ts';
import { FeedRegistry, followed, follows, type Feed, type SeenKeys } from './feed-registry.ts';
import { contentHash } from './parsers/blocks.ts';
import { parseReport } from './parsers/index.ts';
import type { Report, ReportMeta } from './types.ts';
import { normaliseUrl, stripTracking } from './urls.ts';
import { errorMessage } from '../core/errors.ts';

export type { Feed } from './feed-registry.ts';

export interface PollResult {
  feedId: string;
  url: string;
  status: 'ok' | 'not-modified' | 'error' | 'skipped';
  /** Reports created by this poll (never backlog: a first poll's items are marked `backfill`). */
  created: ReportMeta[];
  updated: number;
  /** Items already known (by guid, link or content). */
  duplicates: number;
  /** New items beyond the per-poll cap, left for the next polls. */
  deferred: number;
  error?: string;
}

const MAX_SEEN_KEYS = 6_000;
/** Items handled per poll; the rest are picked up by the next poll (they are not marked seen). */
const MAX_ITEMS_PER_POLL = 200;
/** A description (no content field) shorter than this, as text, is an excerpt: the page is fetched. */
const EXCERPT_CHARS = 1000;
/** A content field shorter than this is treated as a teaser too. */
const FULL_CONTENT_CHARS = 300;
const ARTICLE_FETCH_CONCURRENCY = 4;
/** On a feed's first poll (backlog), article pages are fetched for at most this many newest excerpt items. */
const BACKLOG_PAGE_FETCHES = 10;
const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;

function plainLength(html: string): number {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim().length;
}

function looksTruncated(html: string): boolean {
  return /(\[(…|\.\.\.|&#8230;|&hellip;)\]|…|\.\.\.|continue reading|read more|the post .* appeared first on)\W*(<\/[a-z]+>\s*)*$/i.test(html.trim());
}

const emptyResult = (feed: Pick<Feed, 'id' | 'url'>, status: PollResult['status'], error?: string): PollResult => ({
  feedId: feed.id,
  url: feed.url,
  status,
  created: [],
  updated: 0,
  duplicates: 0,
  deferred: 0,
  ...(error ? { error } : {}),
});

/**
 * Followed RSS/Atom/RDF/JSON feeds: conditional polling, dedup (guid → link → content hash), excerpt
 * expansion by fetching the article page, per-feed error recording with exponential backoff. A feed is
 * stored once per URL however many guilds follow it (see feed-registry.ts); its reports are visible to
 * its followers.
 */
export class FeedService {
  private readonly config: Config;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly reports: ReportLibrary;
  private readonly ingest: Ingestor;
  private readonly registry: FeedRegistry;
  private timer: NodeJS.Timeout | undefined;
  private kickoff: NodeJS.Timeout | undefined;
  private running: Promise<PollResult[]> | undefined;

  constructor(deps: { config: Config; logger: Logger; clock: Clock; store: Store; reports: ReportLibrary; ingest: Ingestor }) {
    this.config = deps.config;
    this.logger = deps.logger;
    this.clock = deps.clock;
    this.reports = deps.reports;
    this.ingest = deps.ingest;
    this.registry = new FeedRegistry(deps.store);
  }

  private get fetcher(): SafeFetcher {
    return this.ingest.fetcher;
  }

  /**
   * Follows a feed for a guild (or, without one, for the operator library). A URL some guild already
   * follows gains a follower (no fetch; its reports become visible here). Otherwise the URL is validated,
   * fetched and parsed (an HTML page's advertised feed is used), and its current items are recorded as
   * backlog (`backfill: true`): searchable, never announced.
   */
  async add(url: string, opts: { guildId?: string; addedBy?: string } = {}): Promise<Feed> {
    const trimmed = url.trim();
    if (!/^https?:\/\//i.test(trimmed)) {
      throw new UserError(`"${trimmed}" is not a feed URL: it must start with http:// or https://`, 'bad_url');
    }
    const known = await this.registry.findByUrl(trimmed);
    if (known) return this.follow(known, opts.guildId);
    const { response, parsed } = await this.fetchFeed(trimmed);
    const finalUrl = response.url;
    const existing = await this.registry.findByUrl(finalUrl);
    if (existing) return this.follow(existing, opts.guildId);

    const now = this.clock.now().toISOString();
    const feed: Feed = {
      id: FeedRegistry.idFor(finalUrl),
      url: finalUrl,
      followers: opts.guildId ? [opts.guildId] : [],
      ...(opts.guildId ? {} : { operator: true }),
      addedAt: now,
      failures: 0,
      itemCount: 0,
      ...(parsed.title ? { title: parsed.title } : {}),
      ...(opts.addedBy ? { addedBy: opts.addedBy } : {}),
    };
    await this.registry.put(feed, true);
    await this.reports.catchUp(); // this process's library knows the audience before the items arrive
    await this.absorb(feed, response, parsed, true);
    this.logger.info({ feed: feed.id, url: feed.url, items: feed.itemCount }, 'feed added');
    return (await this.get(feed.id)) ?? feed;
  }

  private async follow(feed: Feed, guildId: string | undefined): Promise<Feed> {
    if (follows(feed, guildId)) throw new UserError(`That feed is already followed here as "${feed.title ?? feed.url}" (id ${feed.id})`, 'duplicate_feed');
    const next: Feed = guildId === undefined ? { ...feed, operator: true } : { ...feed, followers: [...feed.followers, guildId].sort() };
    await this.registry.put(next, true);
    await this.reports.catchUp();
    this.logger.info({ feed: feed.id, guildId }, 'feed followed');
    return next;
  }

  /** Fetches a feed URL; when it is an HTML page that advertises a feed, follows that link once. */
  private async fetchFeed(url: string, conditional: { etag?: string; lastModified?: string } = {}): Promise<{ response: FetchResponse; parsed: ParsedFeed }> {
    const response = await this.fetcher.fetch(url, { kind: 'feed', ...conditional });
    if (response.notModified) return { response, parsed: { format: 'rss', items: [] } };
    const looksHtml = /html/.test(response.contentType ?? '') || /^\s*(<!doctype html|<html)/i.test(response.text.slice(0, 300));
    if (looksHtml) {
      const [discovered] = discoverFeedLinks(response.text, response.url);
      if (!discovered) throw new UserError(`${url} is a web page, not a feed, and it does not link to one (no RSS/Atom <link rel="alternate">)`, 'not_a_feed');
      const feedResponse = await this.fetcher.fetch(discovered, { kind: 'feed' });
      return { response: feedResponse, parsed: parseFeedDocument(feedResponse.text, feedResponse.url) };
    }
    return { response, parsed: parseFeedDocument(response.text, response.url) };
  }

  async get(id: string): Promise<Feed | undefined> {
    return this.registry.get(id);
  }

  /**
   * Stops following a feed for a guild (undefined: the operator, who may remove any feed outright). Its
   * reports are hidden from that guild again; a feed nobody follows is removed and no longer polled.
   */
  async remove(guildId: string | undefined, idOrUrl: string): Promise<Feed | undefined> {
    const needle = idOrUrl.trim();
    const feed = (await this.list(guildId)).find((f) => f.id === needle || normaliseUrl(f.url) === normaliseUrl(needle));
    if (!feed) return undefined;
    const rest: Feed =
      guildId === undefined ? { ...feed, followers: [], operator: false } : { ...feed, followers: feed.followers.filter((g) => g !== guildId) };
    if (followed(rest)) await this.registry.put(rest, true);
    else await this.registry.delete(feed);
    await this.reports.catchUp();
    this.logger.info({ feed: feed.id, guildId, removed: !followed(rest) }, 'feed unfollowed');
    return feed;
  }

  /** Feeds a guild follows, or every feed when `guildId` is undefined. Sorted by title. */
  async list(guildId?: string): Promise<Feed[]> {
    const feeds = await this.registry.all();
    return guildId === undefined ? feeds : feeds.filter((f) => f.followers.includes(guildId));
  }

  /** Polls one feed now. Never throws for feed problems: they are recorded on the feed and returned. */
  async poll(feedId: string): Promise<PollResult> {
    const feed = await this.get(feedId);
    if (!feed) throw new UserError(`No feed with id "${feedId}"`, 'not_found');
    if (!followed(feed)) return emptyResult(feed, 'skipped'); // nobody follows it any more
    const result = emptyResult(feed, 'ok');
    try {
      const { response, parsed } = await this.fetchFeed(feed.url, { etag: feed.etag, lastModified: feed.lastModified });
      if (response.notModified) {
        result.status = 'not-modified';
        await this.save(feed, { lastPolledAt: this.clock.now().toISOString(), failures: 0, lastError: undefined, nextPollAt: undefined });
        return result;
      }
      const absorbed = await this.absorb(feed, response, parsed, false);
      Object.assign(result, absorbed);
    } catch (error) {
      const message = errorMessage(error);
      const failures = feed.failures + 1;
      const delay = Math.min(MAX_BACKOFF_MS, this.config.FEED_POLL_MINUTES * 60_000 * 2 ** (failures - 1));
      await this.save(feed, {
        lastPolledAt: this.clock.now().toISOString(),
        failures,
        lastError: message,
        nextPollAt: new Date(this.clock.now().getTime() + delay).toISOString(),
      });
      this.logger.warn({ feed: feed.id, failures, err: message }, 'feed poll failed');
      result.status = 'error';
      result.error = message;
    }
    return result;
  }

  /** Polls every feed that is due (backoff respected). One failing feed never stops the others. */
  async pollAll(): Promise<PollResult[]> {
    if (this.running) return this.running;
    this.running = (async () => {
      const now = this.clock.now().toISOString();
      const feeds = await this.list();
      const results: PollResult[] = [];
      const queue = [...feeds];
      const worker = async () => {
        for (let feed = queue.shift(); feed; feed = queue.shift()) {
          if ((feed.nextPollAt && feed.nextPollAt > now) || !followed(feed)) {
            results.push(emptyResult(feed, 'skipped'));
            continue;
          }
          try {
            results.push(await this.poll(feed.id));
          } catch (error) {
            results.push(emptyResult(feed, 'error', errorMessage(error)));
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, feeds.length) }, worker));
      return results;
    })();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  start(): void {
    if (this.timer) return;
    const run = () => void this.pollAll().catch((error: unknown) => this.logger.error({ err: error }, 'feed polling failed'));
    this.kickoff = setTimeout(run, 2_000);
    this.kickoff.unref();
    this.timer = setInterval(run, this.config.FEED_POLL_MINUTES * 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.kickoff) clearTimeout(this.kickoff);
    this.timer = undefined;
    this.kickoff = undefined;
  }

  private async save(feed: Feed, patch: Partial<Feed>): Promise<void> {
    // Re-read so a feed removed during a poll is not resurrected.
    const current = await this.get(feed.id);
    if (!current) return;
    const next = { ...current, ...patch } as Feed;
    for (const key of Object.keys(patch) as Array<keyof Feed>) if (patch[key] === undefined) delete next[key];
    await this.registry.put(next);
    Object.assign(feed, next);
  }

  /** Ingests the new items of a fetched feed document and updates the feed record. */
  private async absorb(
    feed: Feed,
    response: FetchResponse,
    parsed: ParsedFeed,
    firstPoll: boolean,
  ): Promise<Omit<PollResult, 'feedId' | 'url' | 'status' | 'error'>> {
    const seen = await this.registry.seen(feed.id);
    seen.backlog ??= {};
    const backlog = seen.backlog;
    const source = parsed.title ?? feed.title ?? (parsed.siteUrl ? new URL(parsed.siteUrl).hostname.replace(/^www\./, '') : new URL(feed.url).hostname);
    const created: ReportMeta[] = [];
    let updated = 0;
    let duplicates = 0;

    // Oldest first, so that when a burst exceeds the per-poll cap the newest are picked up next time in order.
    const items = [...parsed.items].sort((a, b) => (a.publishedAt ?? '').localeCompare(b.publishedAt ?? ''));
    const fresh: FeedItem[] = [];
    let deferred = 0;
    for (const item of items) {
      if (this.knownKey(seen, item)) duplicates++;
      else if (fresh.length < MAX_ITEMS_PER_POLL) fresh.push(item);
      else {
        deferred++;
        // Items of the first poll left for later polls are backlog too, whichever poll stores them.
        if (firstPoll) for (const key of this.itemKeys(item)) backlog[key] = true;
      }
    }
    const isBacklog = (item: FeedItem) => firstPoll || this.itemKeys(item).some((key) => backlog[key]);

    // Backlog pages are fetched only for the newest few items of the first poll, so adding a large
    // excerpt-only feed stays quick.
    const fetchFrom = firstPoll ? Math.max(0, fresh.length - BACKLOG_PAGE_FETCHES) : 0;
    const built = await mapLimit(fresh, ARTICLE_FETCH_CONCURRENCY, (item, i) =>
      this.buildReport(feed, source, item, isBacklog(item) ? firstPoll && i >= fetchFrom : true),
    );
    const toStore: Array<{ item: FeedItem; report: Report }> = [];
    const hashesThisPoll = new Map<string, string>();
    for (let i = 0; i < fresh.length; i++) {
      const report = built[i];
      const item = fresh[i]!;
      if (!report) continue;
      const hashKey = `h:${report.contentHash}`;
      const knownId = seen.keys[hashKey] ?? hashesThisPoll.get(hashKey);
      if (knownId) {
        // Same content under a new guid/link (a feed that rewrites them): remember the alias, store nothing.
        this.remember(seen, item, report.contentHash, knownId);
        duplicates++;
        continue;
      }
      if (isBacklog(item)) report.backfill = true;
      // Visible to the feed's followers; the item's link is one of the article's identities.
      report.feedIds = [feed.id];
      if (item.link) report.altUrls = [...new Set([...(report.altUrls ?? []), normaliseUrl(item.link)])];
      for (const key of this.itemKeys(item)) delete backlog[key];
      hashesThisPoll.set(hashKey, report.id);
      toStore.push({ item, report });
    }
    const results = await this.reports.upsertMany(toStore.map((t) => t.report));
    results.forEach((r, i) => {
      const { item } = toStore[i]!;
      this.remember(seen, item, r.report.contentHash, r.report.id);
      if (r.status === 'created') created.push(r.report);
      else if (r.status === 'updated') updated++;
      else duplicates++;
    });
    trimSeen(seen);
    if (Object.keys(backlog).length === 0) delete seen.backlog;
    await this.registry.saveSeen(feed.id, seen);
    await this.save(feed, {
      title: feed.title ?? parsed.title,
      lastPolledAt: this.clock.now().toISOString(),
      failures: 0,
      lastError: undefined,
      nextPollAt: undefined,
      // With items left for the next poll, skip the validators so that poll is a full GET, not a 304.
      etag: deferred ? undefined : response.etag,
      lastModified: deferred ? undefined : response.lastModified,
      itemCount: feed.itemCount + results.filter((r) => r.status === 'created').length,
      pendingItems: deferred || undefined,
    });
    if (created.length) this.logger.info({ feed: feed.id, created: created.length, deferred, backfill: firstPoll }, 'feed items ingested');
    return { created: created.filter((r) => !r.backfill), updated, duplicates, deferred };
  }

  private itemKeys(item: FeedItem): string[] {
    const keys: string[] = [];
    if (item.guid) keys.push(`g:${item.guid}`);
    if (item.link) keys.push(`l:${normaliseUrl(item.link)}`);
    return keys;
  }

  private knownKey(seen: SeenKeys, item: FeedItem): boolean {
    const linkKey = item.link ? `l:${normaliseUrl(item.link)}` : undefined;
    if (linkKey && linkKey in seen.keys) return true;
    const guidId = item.guid ? seen.keys[`g:${item.guid}`] : undefined;
    if (!guidId) return false;
    if (!item.link) return true;
    // A known guid on an item with an unseen link: some feeds reuse one guid (the site URL, a constant) for
    // every item, so the guid counts only if the report it names is at this link. A feed that really moved
    // an article to a new link is still caught by the content hash.
    const url = this.reports.get(guidId)?.url;
    return url !== undefined && normaliseUrl(url) === normaliseUrl(item.link);
  }

  private remember(seen: SeenKeys, item: FeedItem, hash: string, reportId: string): void {
    for (const key of [...this.itemKeys(item), `h:${hash}`]) {
      delete seen.keys[key]; // re-insert so the most recent keys survive trimming
      seen.keys[key] = reportId;
    }
  }

  /** One item → report: full content from the feed, else the fetched article page, else the excerpt. */
  private async buildReport(feed: Feed, source: string, item: FeedItem, mayFetchPage = true): Promise<Report | undefined> {
    const origin = { kind: 'feed' as const, feedId: feed.id, feedUrl: feed.url, ...(item.guid ? { guid: item.guid } : {}) };
    const link = item.link ? stripTracking(item.link) : undefined;
    const meta = {
      title: item.title,
      source,
      url: link,
      authors: item.authors,
      publishedAt: item.publishedAt,
      tags: item.tags,
    };
    // A dedicated content field (content:encoded, Atom content, content_html) is the full text unless it is
    // tiny or visibly cut off; a description alone is trusted only when it is long and not cut off.
    const full =
      item.content && plainLength(item.content) >= FULL_CONTENT_CHARS && !looksTruncated(item.content)
        ? item.content
        : item.summary && plainLength(item.summary) >= EXCERPT_CHARS && !looksTruncated(item.summary)
          ? item.summary
          : undefined;
    const excerpt = [item.content, item.summary].filter((v): v is string => Boolean(v)).sort((a, b) => plainLength(b) - plainLength(a))[0];
    const body = full;
    const now = this.clock.now();
    if (!body && link && mayFetchPage) {
      try {
        return await this.ingest.fetchArticle(link, origin, meta);
      } catch (error) {
        this.logger.debug({ feed: feed.id, link, err: (error as Error).message }, 'article fetch failed; using the feed excerpt');
      }
    }
    const html = body ?? excerpt;
    if (!html && !item.title) return undefined;
    const wrapped = `<!doctype html><html><head><title>${escapeHtml(item.title ?? '')}</title></head><body><article>${/<[a-z][\s\S]*>/i.test(html ?? '') ? html : toParagraphs(html ?? '')}</article></body></html>`;
    const report = parseReport(wrapped, { format: 'html', fragment: true, url: link, origin, now, meta });
    if (!report.text) return { ...report, text: report.title, contentHash: contentHash(report.title, report.title) };
    return report;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function toParagraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p.trim())}</p>`)
    .join('');
}

function trimSeen(seen: SeenKeys): void {
  const keys = Object.keys(seen.keys);
  if (keys.length <= MAX_SEEN_KEYS) return;
  for (const key of keys.slice(0, keys.length - MAX_SEEN_KEYS)) delete seen.keys[key];
}

/** Maps with at most `limit` concurrent calls; failures become undefined (logged by the caller's function). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<Array<R | undefined>> {
  const out: Array<R | undefined> = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch {
        out[i] = undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
