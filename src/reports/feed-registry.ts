import { createHash } from 'node:crypto';
import type { Store } from '../store/index.ts';
import { FEED_KEY_PREFIX, FEEDS_NAMESPACE } from './library/tenancy.ts';
import { slugify } from './parsers/blocks.ts';
import { normaliseUrl } from './urls.ts';

/**
 * Feed rows: one per normalised feed URL, with the set of guilds that follow it (and whether the
 * operator does, for feeds added from the CLI). Follower changes go to the store's change log, so every
 * process's library shows or hides the feed's reports at once. Rows of older versions (one row per guild
 * and URL, with `guildId`) are merged into one on first use.
 */

export interface Feed {
  id: string;
  url: string;
  title?: string;
  /** Guilds following the feed: its reports are visible in each. */
  followers: string[];
  /** Followed by the operator (added from the CLI): its reports are in the operator library, visible everywhere. */
  operator?: boolean;
  /** Ids of older per-guild rows merged into this one (their reports name them as origin). */
  mergedIds?: string[];
  /** Older rows only: the one guild that followed it. */
  guildId?: string;
  addedBy?: string;
  addedAt: string;
  lastPolledAt?: string;
  lastError?: string;
  failures: number;
  nextPollAt?: string;
  etag?: string;
  lastModified?: string;
  itemCount: number;
  /** Items seen but left for later polls by the per-poll cap. */
  pendingItems?: number;
}

/** Dedup keys seen per feed → report id; `backlog`: keys of first-poll items deferred to later polls. */
export interface SeenKeys {
  keys: Record<string, string>;
  backlog?: Record<string, true>;
}

export const feedKey = (id: string) => `${FEED_KEY_PREFIX}${id}`;
const seenKey = (id: string) => `seen:${id}`;

/** Whether anyone (a guild or the operator) still follows the feed. */
export const followed = (feed: Feed): boolean => feed.operator === true || feed.followers.length > 0;

/** Whether `guildId` (undefined: the operator) follows it. */
export const follows = (feed: Feed, guildId: string | undefined): boolean =>
  guildId === undefined ? feed.operator === true : feed.followers.includes(guildId);

export class FeedRegistry {
  private migrated: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  private get kv() {
    return this.store.kv<Feed>(FEEDS_NAMESPACE);
  }

  /**
   * Seen-item keys live in their own namespace: they are large (thousands of keys per feed), and listing
   * feeds scans the `feeds` namespace, which must stay cheap.
   */
  private get seenKv() {
    return this.store.kv<SeenKeys>('feed-seen');
  }

  /** One id per normalised URL (the formula of older CLI-added rows, so their ids stay). */
  static idFor(url: string): string {
    const host = (() => {
      try {
        return new URL(url).hostname.replace(/^www\./, '');
      } catch {
        return 'feed';
      }
    })();
    const digest = createHash('sha256')
      .update(`|${normaliseUrl(url)}`)
      .digest('hex')
      .slice(0, 6);
    return `${slugify(host, 40)}-${digest}`;
  }

  async get(id: string): Promise<Feed | undefined> {
    await this.migrate();
    return (await this.kv.get(feedKey(id))) as Feed | undefined;
  }

  /** Every feed, sorted by title. */
  async all(): Promise<Feed[]> {
    await this.migrate();
    return (await this.rows()).sort((a, b) => (a.title ?? a.url).localeCompare(b.title ?? b.url));
  }

  async findByUrl(url: string): Promise<Feed | undefined> {
    const key = normaliseUrl(url);
    return (await this.all()).find((f) => normaliseUrl(f.url) === key);
  }

  /** Writes a feed row; `announce` when who follows it changed (every library then re-reads its audience). */
  async put(feed: Feed, announce = false): Promise<void> {
    await this.kv.set(feedKey(feed.id), feed);
    if (announce) await this.store.changes.append(FEEDS_NAMESPACE, feedKey(feed.id));
  }

  async delete(feed: Feed): Promise<void> {
    await this.kv.delete(feedKey(feed.id));
    await this.seenKv.delete(seenKey(feed.id));
    await this.store.changes.append(FEEDS_NAMESPACE, feedKey(feed.id));
  }

  async seen(id: string): Promise<SeenKeys> {
    return ((await this.seenKv.get(seenKey(id))) as SeenKeys | undefined) ?? { keys: {} };
  }

  async saveSeen(id: string, seen: SeenKeys): Promise<void> {
    await this.seenKv.set(seenKey(id), seen);
  }

  private async rows(): Promise<Feed[]> {
    const feeds: Feed[] = [];
    for await (const page of this.store.scan<Feed>(FEEDS_NAMESPACE, { prefix: FEED_KEY_PREFIX }))
      for (const { value } of page) if (value && typeof value.id === 'string') feeds.push(value);
    return feeds;
  }

  /** Rows of older versions: `guildId` becomes `followers`, and rows of one URL become one row. */
  private migrate(): Promise<void> {
    this.migrated ??= (async () => {
      const groups = new Map<string, Feed[]>();
      for (const row of await this.rows()) {
        const key = normaliseUrl(row.url);
        groups.set(key, [...(groups.get(key) ?? []), row]);
      }
      for (const rows of groups.values()) {
        if (rows.length === 1 && Array.isArray(rows[0]!.followers)) continue;
        rows.sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.id.localeCompare(b.id));
        const [survivor, ...others] = rows as [Feed, ...Feed[]];
        const followers = new Set<string>();
        let operator = false;
        for (const row of rows) {
          for (const g of row.followers ?? (row.guildId ? [row.guildId] : [])) followers.add(g);
          if (row.operator ?? (!Array.isArray(row.followers) && !row.guildId)) operator = true;
        }
        const merged: Feed = { ...survivor, followers: [...followers].sort(), ...(operator ? { operator } : {}) };
        delete merged.guildId;
        const mergedIds = new Set([...(survivor.mergedIds ?? []), ...others.flatMap((o) => [o.id, ...(o.mergedIds ?? [])])]);
        if (mergedIds.size) merged.mergedIds = [...mergedIds].sort();
        merged.itemCount = Math.max(...rows.map((r) => r.itemCount ?? 0));
        if (others.length) {
          const seen = await this.seen(survivor.id);
          for (const other of others) Object.assign(seen.keys, (await this.seen(other.id)).keys);
          await this.saveSeen(survivor.id, seen);
        }
        await this.put(merged, true);
        for (const other of others) {
          await this.kv.delete(feedKey(other.id));
          await this.seenKv.delete(seenKey(other.id));
          await this.store.changes.append(FEEDS_NAMESPACE, feedKey(other.id));
        }
      }
    })();
    this.migrated.catch(() => (this.migrated = undefined));
    return this.migrated;
  }
}
