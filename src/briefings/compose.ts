import type { Actor, Summary } from '../analysis/types.ts';
import { reportDate, type Report } from '../reports/types.ts';
import { localDate, longLocalDate } from './schedule.ts';
import type { Briefing, BriefingFormat, BriefingItem, SubscriptionFilters } from './types.ts';

/** What composition needs from analysis: the brief summary and the actors of a report (cached upstream). */
export interface ItemAnalysis {
  summary: Summary;
  actors: Actor[];
}
export type Analyse = (report: Report) => Promise<ItemAnalysis>;

export const EMPTY_FILTERS: SubscriptionFilters = { topics: [], actors: [], regions: [], sources: [] };

/** How many top actors of a report count for the header and ranking (the rest are minor mentions). */
const ACTORS_PER_REPORT = 8;
const TOP_ACTORS = 5;
/** Recency half-life: a report two days older weighs half as much as a fresh one. */
const RECENCY_HALF_LIFE_HOURS = 48;
const SALIENCE_WEIGHT = 0.5;

export function hasFilters(filters: Partial<SubscriptionFilters> | undefined): boolean {
  return Boolean(filters && Object.values(filters).some((terms) => terms && terms.length > 0));
}

/** Filters with every list present, terms lowercased and sorted: equal keys mean equal briefings. */
export function filtersKey(filters: Partial<SubscriptionFilters> | undefined): string {
  const norm = (terms?: string[]) => [...new Set((terms ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))].sort();
  return JSON.stringify([norm(filters?.topics), norm(filters?.actors), norm(filters?.regions), norm(filters?.sources)]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-word, case-insensitive, Unicode-aware: "Iran" does not match "Tirana", "EU" not "Europe". */
function termMatcher(term: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(term.trim())}(?![\\p{L}\\p{N}])`, 'iu');
}

function anyTermIn(terms: string[], haystacks: Array<string | undefined>): boolean {
  const text = haystacks.filter(Boolean).join('\n');
  return terms.some((term) => termMatcher(term).test(text));
}

function sameName(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'base' }) === 0;
}

/** Whether a report's actors include one of the wanted names (canonical name, alias, or a word of a name: "Putin"). */
function actorsMatch(wanted: string[], actors: Actor[]): boolean {
  return wanted.some((term) => {
    const matcher = termMatcher(term);
    return actors.some((actor) => sameName(actor.name, term) || actor.aliases.some((alias) => sameName(alias, term)) || matcher.test(actor.name));
  });
}

function sourceMatches(wanted: string[], report: Report): boolean {
  const hosts: string[] = [];
  for (const url of [report.url, report.origin.kind === 'feed' ? report.origin.feedUrl : undefined]) {
    if (!url) continue;
    try {
      hosts.push(new URL(url).hostname.replace(/^www\./, '').toLowerCase());
    } catch {
      // not a URL; the source name still counts
    }
  }
  return wanted.some((term) => {
    const t = term
      .trim()
      .toLowerCase()
      .replace(/^www\./, '');
    return sameName(report.source, term) || termMatcher(term).test(report.source) || hosts.some((h) => h === t || h.endsWith(`.${t}`));
  });
}

/**
 * Filters: within a list any term may match; every non-empty list must match (topics AND actors AND ...).
 * Topics look in title, standfirst, tags and text; regions in the report's regions and tags, its state
 * actors, then title and standfirst; actors in the analysis' actor names and aliases. All case-insensitive.
 */
export async function matchesFilters(report: Report, filters: Partial<SubscriptionFilters>, analyse: Analyse): Promise<boolean> {
  const { topics = [], actors = [], regions = [], sources = [] } = filters;
  if (sources.length > 0 && !sourceMatches(sources, report)) return false;
  if (topics.length > 0 && !anyTermIn(topics, [report.title, report.standfirst, report.tags.join('\n'), report.text])) return false;
  if (regions.length > 0) {
    const listed = [...report.regions, ...report.tags];
    const direct = regions.some((r) => listed.some((l) => sameName(l, r))) || anyTermIn(regions, [report.title, report.standfirst]);
    if (!direct) {
      const { actors: found } = await analyse(report);
      if (
        !actorsMatch(
          regions,
          found.filter((a) => a.type === 'state'),
        )
      )
        return false;
    }
  }
  if (actors.length > 0) {
    const { actors: found } = await analyse(report);
    if (!actorsMatch(actors, found)) return false;
  }
  return true;
}

function keyActors(actors: Actor[]): Actor[] {
  return [...actors].sort((a, b) => b.score - a.score).slice(0, ACTORS_PER_REPORT);
}

/** The actors present in the most items (ties: more mentions first). */
export function topActorsOf(items: BriefingItem[], limit = TOP_ACTORS): Briefing['topActors'] {
  const tally = new Map<string, { name: string; type: Actor['type']; reports: number; mentions: number }>();
  for (const item of items) {
    for (const actor of keyActors(item.actors)) {
      const key = actor.name.toLowerCase();
      const entry = tally.get(key) ?? { name: actor.name, type: actor.type, reports: 0, mentions: 0 };
      entry.reports += 1;
      entry.mentions += actor.mentions;
      tally.set(key, entry);
    }
  }
  return [...tally.values()]
    .sort((a, b) => b.reports - a.reports || b.mentions - a.mentions || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name, type, reports }) => ({ name, type, reports }));
}

/**
 * Ranks items: recency (exponential decay on the report's date) plus salience (how much of the day's
 * shared story the report's main actors carry). Ties keep the newest first.
 */
export function rankItems(items: BriefingItem[], at: Date): BriefingItem[] {
  const presence = new Map<string, number>();
  for (const item of items)
    for (const actor of keyActors(item.actors)) presence.set(actor.name.toLowerCase(), (presence.get(actor.name.toLowerCase()) ?? 0) + 1);
  const score = (item: BriefingItem) => {
    const ageHours = Math.max(0, (at.getTime() - Date.parse(reportDate(item.report))) / 3_600_000);
    const recency = Number.isFinite(ageHours) ? Math.pow(0.5, ageHours / RECENCY_HALF_LIFE_HOURS) : 0;
    const main = keyActors(item.actors).slice(0, 3);
    const salience =
      items.length > 1 && main.length > 0
        ? main.reduce((sum, a) => sum + ((presence.get(a.name.toLowerCase()) ?? 1) - 1), 0) / (main.length * (items.length - 1))
        : 0;
    return recency + SALIENCE_WEIGHT * salience;
  };
  return items
    .map((item) => ({ item, score: score(item) }))
    .sort((a, b) => b.score - a.score || reportDate(b.item.report).localeCompare(reportDate(a.item.report)))
    .map(({ item }) => item);
}

export interface BuildOptions {
  /** The occurrence (or now): the header's date is this instant's date in `timezone`. */
  at: Date;
  timezone: string;
  format: BriefingFormat;
  /** When set and there are no items, the briefing carries this notice. */
  emptyNotice?: string;
}

/** Items already ranked → Briefing. Pure: the same inputs give the same briefing (resumes rely on it). */
export function buildBriefing(items: BriefingItem[], options: BuildOptions): Briefing {
  const briefing: Briefing = {
    title: `Sitrep briefing — ${longLocalDate(options.at, options.timezone)}`,
    date: localDate(options.at, options.timezone),
    timezone: options.timezone,
    format: options.format,
    topActors: topActorsOf(items),
    items,
  };
  if (items.length === 0 && options.emptyNotice) briefing.emptyNotice = options.emptyNotice;
  return briefing;
}

/**
 * Whether a report was published long before it was ingested (an old article found late, e.g. in a feed's
 * archive): such a report is not news, so briefings leave it out. Undated reports are never stale.
 */
export function isStale(report: Pick<Report, 'publishedAt' | 'ingestedAt'>, maxAgeMs: number | undefined): boolean {
  if (maxAgeMs === undefined || !report.publishedAt) return false;
  const age = Date.parse(report.ingestedAt) - Date.parse(report.publishedAt);
  return Number.isFinite(age) && age > maxAgeMs;
}

/**
 * The reports that are new after `cursor` (by ingestion time), without feed backlog or stale reports
 * (published more than `maxAgeMs` before they were ingested), oldest first by published date when known.
 */
export function newReports<T extends Pick<Report, 'backfill' | 'publishedAt' | 'ingestedAt'>>(
  reports: T[],
  cursor: string | Date | undefined,
  maxAgeMs?: number,
): T[] {
  const after = cursor === undefined ? undefined : new Date(cursor).getTime();
  return reports
    .filter((r) => !r.backfill && !isStale(r, maxAgeMs) && (after === undefined || Date.parse(r.ingestedAt) > after))
    .sort((a, b) => reportDate(a).localeCompare(reportDate(b)) || a.ingestedAt.localeCompare(b.ingestedAt));
}

/** Analyses and filters candidates, then ranks them: the items of a briefing. */
export async function selectItems(candidates: Report[], filters: Partial<SubscriptionFilters>, analyse: Analyse, at: Date): Promise<BriefingItem[]> {
  const kept: Report[] = [];
  for (const report of candidates) if (await matchesFilters(report, filters, analyse)) kept.push(report);
  const items = await Promise.all(
    kept.map(async (report) => {
      const { summary, actors } = await analyse(report);
      return { report, summary, actors: keyActors(actors) };
    }),
  );
  return rankItems(items, at);
}

/** "Nothing new since Thursday 26 November 2026 [matching topics: Taiwan]." */
export function emptyNoticeText(since: Date | undefined, timezone: string, filters: Partial<SubscriptionFilters> | undefined): string {
  const parts: string[] = [];
  if (filters?.topics?.length) parts.push(`topics: ${filters.topics.join(', ')}`);
  if (filters?.actors?.length) parts.push(`actors: ${filters.actors.join(', ')}`);
  if (filters?.regions?.length) parts.push(`regions: ${filters.regions.join(', ')}`);
  if (filters?.sources?.length) parts.push(`sources: ${filters.sources.join(', ')}`);
  const what = parts.length > 0 ? `No new reports matching ${parts.join('; ')}` : 'No new reports';
  return since ? `${what} since ${longLocalDate(since, timezone)}.` : `${what}.`;
}
