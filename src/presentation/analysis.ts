import type { Card } from '../core/reply.ts';
import type { Report } from '../reports/types.ts';
import type { Actor, ActorsResult, EngineInfo, Summary } from '../analysis/types.ts';
import { reportLanguage, sourceLine } from './reports.ts';
import { capitalise, plural } from './text.ts';

/** Summary and actor cards. */

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
  const language = reportLanguage(report);
  return {
    title: `Summary: ${report.title}`,
    url: report.url,
    author: sourceLine(report),
    description: points || 'The report has no text to summarise.',
    fields: [
      { name: 'Length', value: capitalise(summary.length), inline: true },
      ...(language ? [{ name: 'Language', value: language, inline: true }] : []),
      { name: 'Report id', value: report.id, inline: true },
    ],
    footer: engineFooter(summary.engine, configuredModel),
  };
}

const ACTOR_TYPE_LABEL: Record<Actor['type'], string> = {
  person: 'Person',
  state: 'State',
  organisation: 'Organisation',
  group: 'Group',
};

function roleOf(actor: Pick<Actor, 'role' | 'affiliation'>): string | undefined {
  return [actor.role, actor.affiliation].filter(Boolean).join(', ') || undefined;
}

function actorDetail(actor: Actor): string {
  return [ACTOR_TYPE_LABEL[actor.type] ?? actor.type, roleOf(actor), plural(actor.mentions, 'mention')].filter(Boolean).join(' · ');
}

const ACTORS_SHOWN = 15;

/** What the engine says about its own limits ("no rules for this language"), when it said something. */
function noteOf(engine: EngineInfo): string | undefined {
  return engine.note?.trim() || undefined;
}

export function actorsCard(report: Report, result: ActorsResult, configuredModel?: string): Card {
  const actors = [...result.actors].sort((a, b) => b.score - a.score);
  const shown = actors.slice(0, ACTORS_SHOWN);
  const more = actors.length - shown.length;
  const description =
    actors.length === 0
      ? 'No actors were found in this report.'
      : `${plural(actors.length, 'actor')} found, most central first.${more > 0 ? ` Showing the top ${shown.length}.` : ''}`;
  return {
    title: `Key actors: ${report.title}`,
    url: report.url,
    author: sourceLine(report),
    description,
    fields: shown.map((actor) => ({ name: actor.name, value: actorDetail(actor) })),
    footer: `${engineFooter(result.engine, configuredModel)} · Report id: ${report.id}`,
    ...(noteOf(result.engine) ? { description: `${description}\n\nNote: ${noteOf(result.engine)}` } : {}),
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

export function actorPresenceCard(presence: ActorPresence[], context: { days: number; reportCount: number; analysed: number; fallback?: boolean }): Card {
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
      const head = [
        ACTOR_TYPE_LABEL[actor.type] ?? actor.type,
        roleOf(actor),
        `${plural(actor.reports.length, 'report')}, ${plural(actor.mentions, 'mention')}`,
      ]
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
