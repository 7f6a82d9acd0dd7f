import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import pMap from 'p-map';
import { defineCommand, type CommandData, type CommandServices } from '../src/core/command.ts';
import type { Report } from '../src/reports/types.ts';
import type { CardAction } from '../src/core/reply.ts';
import { actorPresenceCard, actorsCard, type ActorPresence } from '../src/presentation/analysis.ts';
import { exactReport, recentReports, reportChoices, resolveReportOption } from './_shared/reports.ts';
import { viewOf } from './_shared/library.ts';

export const RECENT_DAYS = 7;
/** Reports analysed for the overview: the most recent ones, so one command never triggers hundreds of analyses. */
export const OVERVIEW_MAX_REPORTS = 40;
const OVERVIEW_ACTORS = 10;
const MAX_PAGE = 10;
const ANALYSIS_CONCURRENCY = 4;

const data = {
  name: 'actors',
  description: 'Key actors of a report, or the most present actors of the last 7 days',
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'report',
      description: 'Title or id; leave empty for the last 7 days',
      autocomplete: true,
      max_length: 200,
    },
    { type: ApplicationCommandOptionType.Integer, name: 'page', description: 'Page of the 7-day overview (default 1)', min_value: 1, max_value: MAX_PAGE },
  ],
} as const satisfies CommandData;

/** Actors ranked by how many recent reports mention them, then by mentions. */
export async function actorPresence(services: Pick<CommandServices, 'analysis'>, reports: Report[]): Promise<ActorPresence[]> {
  const results = await pMap(reports, async (report) => ({ report, result: await services.analysis.actors(report) }), { concurrency: ANALYSIS_CONCURRENCY });
  const byName = new Map<string, ActorPresence & { score: number }>();
  for (const { report, result } of results) {
    for (const actor of result.actors) {
      const key = actor.name.toLowerCase();
      const entry = byName.get(key) ?? {
        name: actor.name,
        type: actor.type,
        role: actor.role,
        affiliation: actor.affiliation,
        mentions: 0,
        reports: [],
        score: 0,
      };
      entry.mentions += actor.mentions;
      entry.score += actor.score;
      if (!entry.role && actor.role) {
        entry.role = actor.role;
        entry.affiliation = actor.affiliation;
      }
      if (!entry.reports.includes(report)) entry.reports.push(report);
      byName.set(key, entry);
    }
  }
  return [...byName.values()]
    .sort((a, b) => b.reports.length - a.reports.length || b.mentions - a.mentions || b.score - a.score)
    .map(({ score: _score, ...presence }) => presence);
}

export default defineCommand({
  data,
  actions: {
    // The Key actors button of report cards.
    actors: ([report]) => (report ? { options: { report: exactReport(report) } } : undefined),
    // Previous / Next of the overview, replacing the message.
    'actors-page': ([page]) => (page && /^\d{1,2}$/.test(page) ? { options: { page: Number(page) }, update: true } : undefined),
  },
  // The overview analyses many reports; a single report is quick offline but not on a model.
  defer: ({ args }, { services }) => (services.analysis.model !== undefined || !args.report ? 'public' : undefined),
  async execute(input, { services }) {
    const { args } = input;
    const model = services.analysis.model;
    if (args.report) {
      const report = await resolveReportOption(services, viewOf(input), args.report);
      return { cards: [actorsCard(report, await services.analysis.actors(report), model)] };
    }
    const { reports, total, fallback } = await recentReports(services, viewOf(input), RECENT_DAYS, OVERVIEW_MAX_REPORTS);
    if (reports.length === 0) return { content: 'The library has no reports yet, so there are no actors to show.' };
    const presence = await actorPresence(services, reports);
    const page = args.page ?? 1;
    const shown = presence.slice(OVERVIEW_ACTORS * (page - 1), OVERVIEW_ACTORS * page);
    if (shown.length === 0 && page > 1) return { content: `There is no page ${page}: the overview has ${presence.length} actors.`, ephemeral: true };
    const actions: CardAction[] = [];
    if (page > 1) actions.push({ kind: 'action', label: '◀ Previous', action: 'actors-page', args: [String(page - 1)] });
    if (presence.length > OVERVIEW_ACTORS * page && page < MAX_PAGE)
      actions.push({ kind: 'action', label: 'Next ▶', action: 'actors-page', args: [String(page + 1)] });
    const card = actorPresenceCard(shown, { days: RECENT_DAYS, reportCount: total, analysed: reports.length, fallback });
    return { cards: [page > 1 ? { ...card, title: `${card.title} (page ${page})` } : card], ...(actions.length > 0 ? { actions } : {}) };
  },
  async autocomplete(input, { services }) {
    return input.focused.name === 'report' ? reportChoices(services, viewOf(input), input.focused.value) : [];
  },
});
