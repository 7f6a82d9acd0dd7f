import { SlashCommandBuilder } from 'discord.js';
import pMap from 'p-map';
import type { App } from '../src/app.ts';
import type { CommandModule } from '../src/core/command.ts';
import type { Report } from '../src/reports/types.ts';
import { actorPresenceCard, actorsCard, type ActorPresence } from '../src/commands-support/cards.ts';
import { optionalString } from '../src/commands-support/options.ts';
import { recentReports, reportChoices, resolveReportOption } from '../src/commands-support/reports.ts';
import { llmConfigured } from '../src/config.ts';

export const RECENT_DAYS = 7;
/** Reports analysed for the overview: the most recent ones, so one command never triggers hundreds of analyses. */
export const OVERVIEW_MAX_REPORTS = 40;
const OVERVIEW_ACTORS = 10;
const ANALYSIS_CONCURRENCY = 4;

const data = new SlashCommandBuilder()
  .setName('actors')
  .setDescription('Key actors of a report, or the most present actors of the last 7 days')
  .addStringOption((o) => o.setName('report').setDescription('Title or id; leave empty for the last 7 days').setAutocomplete(true));

/** Actors ranked by how many recent reports mention them, then by mentions. */
export async function actorPresence(app: App, reports: Report[]): Promise<ActorPresence[]> {
  const results = await pMap(reports, async (report) => ({ report, result: await app.analysis.actors(report) }), { concurrency: ANALYSIS_CONCURRENCY });
  const byName = new Map<string, ActorPresence & { score: number }>();
  for (const { report, result } of results) {
    for (const actor of result.actors) {
      const key = actor.name.toLowerCase();
      const entry = byName.get(key) ?? { name: actor.name, type: actor.type, role: actor.role, affiliation: actor.affiliation, mentions: 0, reports: [], score: 0 };
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

const command: CommandModule = {
  data,

  async execute(input, { app }) {
    const model = llmConfigured(app.config) ? app.config.OPENAI_MODEL : undefined;
    const value = optionalString(input, 'report');
    if (value) {
      const report = await resolveReportOption(app, value);
      return { cards: [actorsCard(report, await app.analysis.actors(report), model)] };
    }
    const { reports, total, fallback } = await recentReports(app, RECENT_DAYS, OVERVIEW_MAX_REPORTS);
    if (reports.length === 0) return { content: 'The library has no reports yet, so there are no actors to show.' };
    const presence = await actorPresence(app, reports);
    return {
      cards: [actorPresenceCard(presence.slice(0, OVERVIEW_ACTORS), { days: RECENT_DAYS, reportCount: total, analysed: reports.length, fallback })],
    };
  },

  async autocomplete(input, { app }) {
    return input.focused.name === 'report' ? reportChoices(app, input.focused.value) : [];
  },

  // The overview analyses many reports; a single report is quick offline but not on a model.
  defers: (input, { app }) => llmConfigured(app.config) || !optionalString(input, 'report'),
};

export default command;
