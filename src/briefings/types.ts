import type { Actor, Summary } from '../analysis/types.ts';
import type { Report } from '../reports/types.ts';

export type Schedule =
  /** Every day at HH:MM local time in `timezone` (IANA). */
  | { kind: 'daily'; time: string; timezone: string }
  /** A 5-field cron expression evaluated in `timezone`. */
  | { kind: 'cron'; cron: string; timezone: string };

export interface SubscriptionFilters {
  /** Topics or keywords; a report matches when any appears in its title, tags or text. */
  topics: string[];
  actors: string[];
  regions: string[];
  sources: string[];
}

export type BriefingFormat = 'compact' | 'full';

/**
 * Where a subscription's briefings go (docs/briefings.md, "Targets"); absent means `channel`.
 * - `channel`: a text channel, the briefing's messages in the channel;
 * - `new-thread`: a text channel, the first message in the channel and a thread started on it (titled with
 *   the date) holding the rest;
 * - `announcement`: an announcement channel, each message crossposted to the servers following it;
 * - `forum`: a forum channel, one post per briefing titled with the date, with the matching tags;
 * - `thread`: an existing thread, the briefing's messages in it.
 */
export type TargetKind = 'channel' | 'new-thread' | 'announcement' | 'forum' | 'thread';
export const TARGET_KINDS: readonly TargetKind[] = ['channel', 'new-thread', 'announcement', 'forum', 'thread'];
export type EmptyPolicy = 'skip' | 'notice';

export interface Subscription {
  id: string;
  guildId: string;
  channelId: string;
  /** How the briefing is posted in `channelId`; absent on rows from before targets: `channel`. */
  target?: TargetKind;
  /** Tells a channel's subscriptions apart (CONTRACTS §6); `daily` when absent (rows from before names). */
  name?: string;
  schedule: Schedule;
  filters: SubscriptionFilters;
  format: BriefingFormat;
  emptyPolicy: EmptyPolicy;
  createdBy: string;
  createdAt: string;
  /** When the current schedule was set (creation, or the last change of time/cron/timezone). Missed
   *  occurrences are caught up only from then on. Absent on subscriptions that never changed schedule. */
  scheduledAt?: string;
  paused?: { reason: string; at: string };
  /** Reports ingested after this instant are new for the subscription (advanced after each delivery); used
   *  when the library has no ingest sequence, and for the "nothing new since" notice. */
  cursor: string;
  /** Reports whose store-assigned ingest seq is above this are new (advanced after each delivery). */
  cursorSeq?: number;
  lastDelivery?: { occurrence: string; at: string; messageIds: string[] };
}

export interface BriefingItem {
  report: Report;
  summary: Summary;
  actors: Actor[];
}

/** Transport-neutral briefing: the Discord renderer and the terminal renderer both take this. */
export interface Briefing {
  title: string;
  /** ISO date of the occurrence in the subscription's timezone, e.g. 2026-11-27. */
  date: string;
  timezone: string;
  format: BriefingFormat;
  /** The day's most present actors across the items. */
  topActors: Array<{ name: string; type: Actor['type']; reports: number }>;
  items: BriefingItem[];
  /** Set when there was nothing new and the policy is `notice`. */
  emptyNotice?: string;
  /** Replaces the header's "N new reports" line when the items are not new ones (e.g. "the latest 5"). */
  subtitle?: string;
}
