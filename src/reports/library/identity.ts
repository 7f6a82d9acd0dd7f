import type { Report, ReportMeta, ReportScope } from '../types.ts';
import { normaliseUrl } from '../urls.ts';
import { effectiveScope, feedIdsOf } from './tenancy.ts';

/**
 * Identity and merge rules: when two reports are the same article, a copy, or different documents that
 * merely slug to the same id; and how an update is merged into what is stored.
 */

export type UpsertStatus = 'created' | 'updated' | 'unchanged';

/** Metadata that counts as a change even when the body (and so the content hash) is the same. */
export function metadataKey(r: ReportMeta): string {
  return JSON.stringify([
    r.title,
    r.source,
    r.url,
    r.authors,
    r.publishedAt,
    r.series,
    r.tags,
    r.regions,
    r.standfirst,
    r.captions,
    r.language,
    r.dateline,
    r.altUrls,
    r.scope,
    r.feedIds,
  ]);
}

export function originKey(r: ReportMeta): string {
  switch (r.origin.kind) {
    // (size/mtimeMs are a parse cache, not identity)
    case 'file':
      return `file:${r.origin.path}`;
    case 'url':
      return `url:${normaliseUrl(r.origin.url)}`;
    case 'feed':
      return `feed:${r.url ? normaliseUrl(r.url) : `${r.origin.feedId}:${r.origin.guid ?? ''}`}`;
  }
}

/**
 * Every normalised URL that names this article: its link, the other URLs the parser saw (canonical,
 * og:url, the fetched URL, a feed item's link) and the URL it was added by.
 */
export function identityUrls(r: ReportMeta): string[] {
  const urls = new Set<string>();
  if (r.url) urls.add(normaliseUrl(r.url));
  for (const alt of r.altUrls ?? []) urls.add(normaliseUrl(alt));
  if (r.origin.kind === 'url') urls.add(normaliseUrl(r.origin.url));
  // A site's front page is no article's identity (some pages give it as their canonical URL).
  return [...urls].filter((u) => !/^[^/]+\/$/.test(u));
}

/** The report with `altUrls` holding every identity but its own link (normalised), as stored. */
export function withIdentities<R extends ReportMeta>(report: R): R {
  const own = report.url ? normaliseUrl(report.url) : undefined;
  const alt = identityUrls(report)
    .filter((u) => u !== own)
    .sort();
  const out = { ...report };
  if (alt.length) out.altUrls = alt;
  else delete out.altUrls;
  return out;
}

/**
 * A copy of a stored report arriving from another source (same content): the stored one is kept, but
 * it becomes visible to the copy's audience too.
 */
export function mergeAudience<R extends ReportMeta>(existing: R, candidate: R): { report: R; status: UpsertStatus } {
  const merged = withAudience({ ...existing }, existing, candidate);
  return metadataKey(merged) === metadataKey(existing) ? { report: existing, status: 'unchanged' } : { report: merged, status: 'updated' };
}

/**
 * Two items of one feed with different guids are different articles even when they share a link (some
 * feeds point every item at one section page).
 */
export function distinctFeedItems(a: ReportMeta, b: ReportMeta): boolean {
  return (
    a.origin.kind === 'feed' &&
    b.origin.kind === 'feed' &&
    a.origin.feedId === b.origin.feedId &&
    Boolean(a.origin.guid && b.origin.guid) &&
    a.origin.guid !== b.origin.guid
  );
}

/** What a claimed id records, so another writer can tell its own article from a different one. */
export interface IdentityClaim {
  origin: string;
  urls: string[];
  contentHash: string;
}

export function identityClaim(r: ReportMeta): IdentityClaim {
  return { origin: originKey(r), urls: identityUrls(r), contentHash: r.contentHash };
}

export function sameArticle(a: IdentityClaim, b: IdentityClaim): boolean {
  return a.origin === b.origin || a.urls.some((u) => b.urls.includes(u)) || a.contentHash === b.contentHash;
}

/**
 * How an incoming report relates to a stored one with the same id: the same document (same origin or
 * a shared URL: an update), a copy of it from elsewhere (same content: keep the first), or a different
 * document whose title merely slugs the same (stored under a suffixed id).
 */
export function relation(existing: ReportMeta, incoming: ReportMeta): 'same' | 'copy' | 'different' {
  if (originKey(existing) === originKey(incoming)) return 'same';
  const known = new Set(identityUrls(existing));
  if (!distinctFeedItems(existing, incoming) && identityUrls(incoming).some((u) => known.has(u))) return 'same';
  return existing.contentHash === incoming.contentHash ? 'copy' : 'different';
}

/**
 * Gives `target` the audiences of both reports: their feeds and their scopes united. What the defaults
 * already say (a feed report's origin feed, a file's operator scope) is left implicit, so re-ingesting an
 * unchanged report stays `unchanged`.
 */
export function withAudience<R extends ReportMeta>(target: R, a: ReportMeta, b: ReportMeta): R {
  const feedIds = union(feedIdsOf(a), feedIdsOf(b));
  delete target.feedIds;
  if (feedIds && JSON.stringify(feedIds) !== JSON.stringify(feedIdsOf(target))) target.feedIds = feedIds;
  const scope = mergeScope(effectiveScope(a), effectiveScope(b));
  delete target.scope;
  if (scope && JSON.stringify(scope) !== JSON.stringify(effectiveScope(target))) target.scope = scope;
  return target;
}

/** Both audiences: operator beats guilds; guild lists are united. */
export function mergeScope(a: ReportScope | undefined, b: ReportScope | undefined): ReportScope | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.kind === 'operator' || b.kind === 'operator') return { kind: 'operator' };
  return { kind: 'guilds', guildIds: [...new Set([...a.guildIds, ...b.guildIds])].sort() };
}

const union = (a: string[] | undefined, b: string[] | undefined): string[] | undefined => {
  const all = [...new Set([...(a ?? []), ...(b ?? [])])];
  return all.length ? all.sort() : undefined;
};

/**
 * The stored report after `candidate` (the same article) arrives again: the candidate's content and
 * metadata, the first ingestion time, the backlog status decided when it was first seen, and every
 * identity and audience either of them had (an article seen by URL and then in a feed stays findable by
 * both and visible to both audiences).
 */
export function mergeUpdate<R extends ReportMeta>(existing: R, candidate: R, nowIso: string): { report: R; status: UpsertStatus } {
  const merged: R = { ...candidate, id: existing.id, ingestedAt: existing.ingestedAt };
  withAudience(merged, existing, candidate);
  const url = merged.url ? normaliseUrl(merged.url) : undefined;
  const altUrls = union(
    [...identityUrls(existing), ...identityUrls(candidate)].filter((u) => u !== url),
    undefined,
  );
  if (altUrls) merged.altUrls = altUrls;
  else delete merged.altUrls;
  // Whether a report was backlog is decided when it is first seen.
  if (existing.backfill) merged.backfill = true;
  else delete merged.backfill;
  if (existing.seq !== undefined) merged.seq = existing.seq;
  else delete merged.seq;
  const contentChanged = existing.contentHash !== candidate.contentHash;
  merged.updatedAt = contentChanged ? nowIso : existing.updatedAt;
  if (!contentChanged && metadataKey(existing) === metadataKey(merged)) return { report: existing, status: 'unchanged' };
  return { report: merged, status: 'updated' };
}
