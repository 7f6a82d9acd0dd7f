import { SlashCommandBuilder } from 'discord.js';
import type { CommandModule } from '../src/core/command.ts';
import type { Reply } from '../src/core/reply.ts';
import { UserError } from '../src/core/errors.ts';
import { reportCard } from '../src/commands-support/cards.ts';
import { optionalInteger, optionalString, requiredString } from '../src/commands-support/options.ts';
import { filterChoices, fullReports, reportChoices, resolveReportOption } from '../src/commands-support/reports.ts';
import { plural } from '../src/commands-support/format.ts';

const SEARCH_RESULTS = 5;
const DEFAULT_LATEST = 5;

const data = new SlashCommandBuilder()
  .setName('report')
  .setDescription('Find analysis reports in the library')
  .addSubcommand((sub) =>
    sub
      .setName('latest')
      .setDescription('The most recent reports')
      .addIntegerOption((o) => o.setName('count').setDescription('How many (1-10, default 5)').setMinValue(1).setMaxValue(10))
      .addStringOption((o) => o.setName('source').setDescription('Only reports from this publisher').setAutocomplete(true).setMaxLength(100)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('search')
      .setDescription('Search reports by title, actors and text')
      .addStringOption((o) => o.setName('query').setDescription('Words to look for, e.g. "china belarus defence"').setRequired(true).setMaxLength(200)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('show')
      .setDescription('Show one report')
      .addStringOption((o) => o.setName('report').setDescription('Title or id (start typing to pick)').setRequired(true).setAutocomplete(true)),
  );

const command: CommandModule = {
  data,

  async execute(input, { app }): Promise<Reply> {
    switch (input.subcommand) {
      case 'latest': {
        const count = optionalInteger(input, 'count', { min: 1, max: 10 }) ?? DEFAULT_LATEST;
        const source = optionalString(input, 'source');
        let sourceName: string | undefined;
        if (source) {
          const names = await app.reports.sources();
          sourceName = names.find((name) => name.toLowerCase() === source.toLowerCase());
          if (!sourceName) {
            throw new UserError(
              names.length > 0 ? `No reports from “${source}”. Known sources: ${names.slice(0, 20).join(', ')}.` : 'The library has no reports yet.',
              'unknown_source',
            );
          }
        }
        const reports = await fullReports(app, await app.reports.list({ limit: count, source: sourceName }));
        if (reports.length === 0) return { content: 'The library has no reports yet. Add some with /sources add, or run sitrep ingest on the host.' };
        return {
          content: `${plural(reports.length, 'latest report')}${sourceName ? ` from ${sourceName}` : ''}:`,
          cards: reports.map((report) => reportCard(report)),
        };
      }
      case 'search': {
        const query = requiredString(input, 'query');
        const reports = await fullReports(app, await app.reports.search(query, { limit: SEARCH_RESULTS }));
        if (reports.length === 0) return { content: `No reports match “${query}”. Try fewer or different words.`, ephemeral: true };
        return {
          content: `${plural(reports.length, 'report')} matching “${query}”, best first:`,
          cards: reports.map((report) => reportCard(report)),
        };
      }
      case 'show': {
        const report = await resolveReportOption(app, requiredString(input, 'report'));
        return { cards: [reportCard(report)] };
      }
      default:
        throw new UserError('Use /report latest, /report search or /report show.');
    }
  },

  async autocomplete(input, { app }) {
    if (input.focused.name === 'report') return reportChoices(app, input.focused.value);
    if (input.focused.name === 'source') {
      return filterChoices(await app.reports.sources(), input.focused.value);
    }
    return [];
  },
};

export default command;
