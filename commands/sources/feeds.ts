import { formatDateTime } from '../../src/presentation/dates.ts';
import { plural, trimText } from '../../src/presentation/text.ts';

/** What `/sources` shows of a feed; matches FeedService's Feed. */
export interface FeedView {
  id: string;
  url: string;
  title?: string;
  addedBy?: string;
  addedAt?: string;
  lastPolledAt?: string;
  lastError?: string;
  failures?: number;
  itemCount?: number;
  /** New items the per-poll cap left for later polls. */
  pendingItems?: number;
}

export function feedName(feed: FeedView): string {
  return feed.title?.trim() || feed.url;
}

export function feedStatus(feed: FeedView): string {
  const lines = [feed.url];
  const stats = [
    feed.itemCount !== undefined ? plural(feed.itemCount, 'report') : undefined,
    feed.lastPolledAt ? `checked ${formatDateTime(feed.lastPolledAt)}` : 'not checked yet',
  ].filter(Boolean);
  lines.push(stats.join(' · '));
  if (feed.pendingItems && feed.pendingItems > 0) lines.push(`${plural(feed.pendingItems, 'more item')} will arrive on the next polls.`);
  if (feed.lastError) lines.push(`Last error${feed.failures && feed.failures > 1 ? ` (${feed.failures} in a row)` : ''}: ${trimText(feed.lastError, 200)}`);
  return lines.join('\n');
}
