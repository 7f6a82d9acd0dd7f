import type { Card, CardField } from '../core/reply.ts';
import type { Report } from '../reports/types.ts';
import { reportDate } from '../reports/types.ts';
import type { Actor, ActorsResult, EngineInfo, Summary } from '../analysis/types.ts';
import type { Subscription } from '../briefings/types.ts';
import { capitalise, formatDate, formatDateTime, joinList, plural, trimText } from './format.ts';

/**
 * Presentation of core results as transport-neutral cards. Plain data and plain text: the Discord
 * renderer applies Discord's limits and escaping, the terminal renderer prints the same cards.
 */

export const LEAD_MAX_CHARS = 600;

/** The standfirst when the publisher gave one, else the first paragraph of the body, trimmed. */
export function reportLead(report: Report, max = LEAD_MAX_CHARS): string | undefined {
  const first = report.standfirst?.trim() || report.sections.flatMap((section) => section.paragraphs).find((p) => p.trim().length > 0);
  const fallback = first ?? report.text.split(/\n\s*\n/).find((p) => p.trim().length > 0);
  return fallback ? trimText(fallback, max) : undefined;
}

export function seriesLine(report: Report): string | undefined {
  const series = report.series;
  if (!series) return undefined;
  const parts = [
    series.name,
    series.issn ? `ISSN ${series.issn}` : undefined,
    series.volume ? `Volume ${series.volume}` : undefined,
    series.issue ? `Issue ${series.issue}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** One line naming a report in lists: "Title — Source, 14 Aug 2023". */
export function reportLine(report: Report): string {
  const date = formatDate(reportDate(report));
  return `${report.title} — ${[report.source, date].filter(Boolean).join(', ')}`;
}

export function reportCard(report: Report, options: { lead?: boolean } = {}): Card {
  const fields: CardField[] = [];
  fields.push({ name: report.authors.length > 1 ? 'Authors' : 'Author', value: report.authors.length > 0 ? report.authors.join(', ') : 'Not stated', inline: true });
  fields.push({ name: 'Published', value: formatDate(report.publishedAt) ?? `Unknown (added ${formatDate(report.ingestedAt) ?? 'recently'})`, inline: true });
  const series = seriesLine(report);
  if (series) fields.push({ name: 'Series', value: series, inline: true });
  const topics = [...new Set([...report.regions, ...report.tags])];
  if (topics.length > 0) fields.push({ name: 'Topics', value: topics.slice(0, 12).join(', ') });
  const lead = options.lead === false ? undefined : reportLead(report);
  return {
    title: report.title,
    url: report.url,
    author: report.source,
    description: lead,
    fields,
    footer: `Report id: ${report.id}`,
    timestamp: report.publishedAt,
  };
}

/**
 * "Engine: offline (extractive)" / "Engine: LLM · model gpt-4o-mini" / "… · fell back from LLM: timeout".
 * The engine's cache version ("s3.a3") is left out: it means nothing to readers.
 */
export function engineFooter(engine: EngineInfo, configuredModel?: string): string {
  const base = engine.engine === 'llm' ? `Engine: LLM · model ${engine.model ?? configuredModel ?? 'unknown'}` : 'Engine: offline (extractive)';
  const dropped = engine.unsupported ? ` · ${plural(engine.unsupported, 'unsupported point')} dropped` : '';
  if (!engine.fallback) return base + dropped;
  const from = engine.fallback.from === 'llm' ? `LLM${configuredModel ? ` (${configuredModel})` : ''}` : engine.fallback.from;
  return `${base} · fell back from ${from}: ${engine.fallback.reason}${dropped}`;
}

export function summaryCard(report: Report, summary: Summary, configuredModel?: string): Card {
  const points = summary.sentences.length > 0 ? summary.sentences.map((s) => `• ${s.text.trim()}`).join('\n') : summary.text.trim();
  return {
    title: `Summary: ${report.title}`,
    url: report.url,
    author: [report.source, formatDate(reportDate(report))].filter(Boolean).join(' · '),
    description: points || 'The report has no text to summarise.',
    fields: [{ name: 'Length', value: capitalise(summary.length), inline: true }, { name: 'Report id', value: report.id, inline: true }],
    footer: engineFooter(summary.engine, configuredModel),
  };
}

export const ACTOR_TYPE_LABEL: Record<Actor['type'], string> = {
  person: 'Person',
  state: 'State',
  organisation: 'Organisation',
  group: 'Group',
};

export function actorDetail(actor: Actor): string {
  const role = [actor.role, actor.affiliation].filter(Boolean).join(', ');
  return [ACTOR_TYPE_LABEL[actor.type] ?? actor.type, role || undefined, plural(actor.mentions, 'mention')].filter(Boolean).join(' · ');
}

export const ACTORS_SHOWN = 15;

export function actorsCard(report: Report, result: ActorsResult, configuredModel?: string): Card {
  const actors = [...result.actors].sort((a, b) => b.score - a.score);
  const shown = actors.slice(0, ACTORS_SHOWN);
  const more = actors.length - shown.length;
  return {
    title: `Key actors: ${report.title}`,
    url: report.url,
    author: [report.source, formatDate(reportDate(report))].filter(Boolean).join(' · '),
    description:
      actors.length === 0
        ? 'No actors were found in this report.'
        : `${plural(actors.length, 'actor')} found, most central first.${more > 0 ? ` Showing the top ${shown.length}.` : ''}`,
    fields: shown.map((actor) => ({ name: actor.name, value: actorDetail(actor) })),
    footer: `${engineFooter(result.engine, configuredModel)} · Report id: ${report.id}`,
  };
}

/** An actor's presence across several reports (the `/actors` overview). */
export interface ActorPresence {
  name: string;
  type: Actor['type'];
  role?: string;
  affiliation?: string;
  mentions: number;
  reports: Report[];
}

export function actorPresenceCard(
  presence: ActorPresence[],
  context: { days: number; reportCount: number; analysed: number; fallback?: boolean },
): Card {
  const scope = context.fallback
    ? `No reports from the last ${context.days} days; showing ${context.analysed === 1 ? 'the most recent report' : `the ${context.analysed} most recent reports`} instead`
    : `${plural(context.analysed, 'report')} from the last ${context.days} days${
        context.analysed < context.reportCount ? ` (the ${context.analysed} most recent of ${context.reportCount})` : ''
      }`;
  const only = context.analysed === 1 ? presence[0]?.reports[0] : undefined;
  const description =
    presence.length === 0
      ? `${scope}. No actors were found in ${context.analysed === 1 ? 'it' : 'them'}.`
      : only
        ? `${scope}: “${only.title}”. Ranked by mentions.`
        : `${scope}. Ranked by number of reports, then mentions.`;
  return {
    title: context.fallback ? 'Key actors of the latest reports' : `Key actors of the last ${context.days} days`,
    description,
    fields: presence.map((actor) => {
      const role = [actor.role, actor.affiliation].filter(Boolean).join(', ');
      const head = [ACTOR_TYPE_LABEL[actor.type] ?? actor.type, role || undefined, `${plural(actor.reports.length, 'report')}, ${plural(actor.mentions, 'mention')}`]
        .filter(Boolean)
        .join(' · ');
      // With a single report every actor appears in it: the description names it once instead.
      if (context.analysed === 1) return { name: actor.name, value: head };
      const titles = actor.reports.slice(0, 3).map((r) => `– ${r.title}`);
      const rest = actor.reports.length - titles.length;
      if (rest > 0) titles.push(`…and ${plural(rest, 'more report')}`);
      return { name: actor.name, value: `${head}\n${titles.join('\n')}` };
    }),
    footer: 'Use /actors report:<title> for one report.',
  };
}

export function scheduleText(subscription: Pick<Subscription, 'schedule'>): string {
  const s = subscription.schedule;
  return s.kind === 'daily' ? `Every day at ${s.time} (${s.timezone})` : `Cron "${s.cron}" (${s.timezone})`;
}

export function filtersText(subscription: Pick<Subscription, 'filters'>): string {
  const f = subscription.filters;
  const parts = [
    f.topics.length > 0 ? `topics: ${f.topics.join(', ')}` : undefined,
    f.actors.length > 0 ? `actors: ${f.actors.join(', ')}` : undefined,
    f.regions.length > 0 ? `regions: ${f.regions.join(', ')}` : undefined,
    f.sources.length > 0 ? `sources: ${f.sources.join(', ')}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'All new reports';
}

/** The lines describing one subscription, used by subscribe confirmations and `/briefing list`. */
export function subscriptionDetails(subscription: Subscription): string {
  const lines = [
    scheduleText(subscription),
    `Filters: ${filtersText(subscription)}`,
    `Format: ${subscription.format} · on quiet days: ${subscription.emptyPolicy === 'skip' ? 'skip' : 'post a short notice'}`,
  ];
  if (subscription.paused) lines.push(`PAUSED since ${formatDateTime(subscription.paused.at)}: ${subscription.paused.reason}`);
  if (subscription.lastDelivery) lines.push(`Last briefing: ${formatDateTime(subscription.lastDelivery.at)}`);
  return lines.join('\n');
}

export function listOf(items: string[], max: number): string {
  const shown = items.slice(0, max);
  return items.length > max ? `${joinList(shown)} and ${items.length - max} more` : joinList(shown);
}
