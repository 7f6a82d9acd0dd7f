import type { Store } from '../../store/index.ts';
import type { ReportMeta, ReportScope } from '../types.ts';

/**
 * Who may see a report. A read's view: undefined = everything (CLI, operator), `null` = a direct message
 * (the operator library only), a guild id = the operator library plus that guild's reports.
 * A report is the operator's (briefs/, CLI ingest), a set of guilds' (added from Discord), and/or
 * visible to the followers of the feeds that brought it — resolved at read time, so following or
 * unfollowing a feed shows or hides its reports without rewriting them.
 */

export interface View {
  guildId?: string | null;
}

/** The namespace and key prefix of feed rows (owned by FeedService; only the audience fields are read here). */
export const FEEDS_NAMESPACE = 'feeds';
export const FEED_KEY_PREFIX = 'feed:';

/** The part of a stored feed row that decides who sees its reports. */
export interface FeedAudienceRow {
  id: string;
  /** Guilds following the feed. */
  followers?: string[];
  /** Followed by the operator (CLI): its reports are in the operator library. */
  operator?: boolean;
  /** Ids of per-guild rows merged into this one (older versions stored a feed once per guild). */
  mergedIds?: string[];
  /** Older rows: the one guild that followed it (none = added from the CLI). */
  guildId?: string;
}

interface Audience {
  operator: boolean;
  guilds: ReadonlySet<string>;
}

function audienceOf(row: FeedAudienceRow): Audience {
  const followers = row.followers ?? (row.guildId ? [row.guildId] : []);
  const operator = row.operator ?? (row.followers === undefined && !row.guildId);
  return { operator, guilds: new Set(followers) };
}

/** The feeds that brought a report (reports stored before `feedIds` name their one feed as origin). */
export function feedIdsOf(report: ReportMeta): string[] {
  return report.feedIds ?? (report.origin.kind === 'feed' ? [report.origin.feedId] : []);
}

/**
 * A report's own scope, with the default for reports stored before scopes existed: files and URLs were
 * operator ingests; a feed's report has none of its own (its feeds' followers see it).
 */
export function effectiveScope(report: ReportMeta): ReportScope | undefined {
  return report.scope ?? (feedIdsOf(report).length === 0 ? { kind: 'operator' } : undefined);
}

export class FeedAudiences {
  private readonly byFeed = new Map<string, Audience>();
  /** Row key → the feed ids it answered for, so a changed or removed row replaces exactly those. */
  private readonly byKey = new Map<string, string[]>();

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    this.byFeed.clear();
    this.byKey.clear();
    for await (const page of this.store.scan<FeedAudienceRow>(FEEDS_NAMESPACE, { prefix: FEED_KEY_PREFIX })) {
      for (const { key, value } of page) this.set(key, value);
    }
  }

  /** Re-reads one feed row (after a change-log entry for it). */
  async refresh(key: string): Promise<void> {
    if (!key.startsWith(FEED_KEY_PREFIX)) return;
    const row = (await this.store.kv<FeedAudienceRow>(FEEDS_NAMESPACE).get(key)) as FeedAudienceRow | undefined;
    this.set(key, row);
  }

  private set(key: string, row: FeedAudienceRow | undefined): void {
    for (const id of this.byKey.get(key) ?? []) this.byFeed.delete(id);
    this.byKey.delete(key);
    if (!row || typeof row.id !== 'string') return;
    const audience = audienceOf(row);
    const ids = [row.id, ...(row.mergedIds ?? [])];
    for (const id of ids) this.byFeed.set(id, audience);
    this.byKey.set(key, ids);
  }

  /** Whether `report` may be shown in `view`. */
  visible(report: ReportMeta, view: View | undefined): boolean {
    const guildId = view?.guildId;
    if (guildId === undefined) return true;
    const scope = effectiveScope(report);
    if (scope?.kind === 'operator') return true;
    if (guildId !== null && scope?.kind === 'guilds' && scope.guildIds.includes(guildId)) return true;
    for (const feedId of feedIdsOf(report)) {
      const audience = this.byFeed.get(feedId);
      if (!audience) continue;
      if (audience.operator || (guildId !== null && audience.guilds.has(guildId))) return true;
    }
    return false;
  }
}
