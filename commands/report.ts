import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineCommandGroup, defineSubcommand, type SubcommandData } from '../src/core/command.ts';
import { UserError } from '../src/core/errors.ts';
import { reportCard } from '../src/presentation/reports.ts';
import { plural, quoted } from '../src/presentation/text.ts';
import { filterChoices, reportChoices, resolveReportOption } from './_shared/reports.ts';

const SEARCH_RESULTS = 5;
const DEFAULT_LATEST = 5;

const latestData = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'latest',
  description: 'The most recent reports',
  options: [
    { type: ApplicationCommandOptionType.Integer, name: 'count', description: 'How many (1-10, default 5)', min_value: 1, max_value: 10 },
    { type: ApplicationCommandOptionType.String, name: 'source', description: 'Only reports from this publisher', autocomplete: true, max_length: 100 },
  ],
} as const satisfies SubcommandData;

const latest = defineSubcommand({
  data: latestData,
  async execute({ args }, { services }) {
    const count = args.count ?? DEFAULT_LATEST;
    let sourceName: string | undefined;
    if (args.source) {
      const wanted = args.source.toLowerCase();
      const names = await services.reports.sources();
      sourceName = names.find((name) => name.toLowerCase() === wanted);
      if (!sourceName) {
        throw new UserError(
          names.length > 0 ? `No reports from ${quoted(args.source)}. Known sources: ${names.slice(0, 20).join(', ')}.` : 'The library has no reports yet.',
          'unknown_source',
        );
      }
    }
    const reports = await services.reports.list({ limit: count, source: sourceName });
    if (reports.length === 0) return { content: 'The library has no reports yet. Add some with /sources add, or run sitrep ingest on the host.' };
    return {
      content: `${plural(reports.length, 'latest report')}${sourceName ? ` from ${sourceName}` : ''}:`,
      cards: reports.map((report) => reportCard(report)),
    };
  },
  async autocomplete(input, { services }) {
    return input.focused.name === 'source' ? filterChoices(await services.reports.sources(), input.focused.value) : [];
  },
});

const searchData = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'search',
  description: 'Search reports by title, actors and text',
  options: [{ type: ApplicationCommandOptionType.String, name: 'query', description: 'Words to look for, e.g. "china belarus defence"', required: true, max_length: 200 }],
} as const satisfies SubcommandData;

const search = defineSubcommand({
  data: searchData,
  async execute({ args }, { services }) {
    const reports = await services.reports.search(args.query, { limit: SEARCH_RESULTS });
    if (reports.length === 0) return { content: `No reports match ${quoted(args.query)}. Try fewer or different words.`, ephemeral: true };
    return {
      content: `${plural(reports.length, 'report')} matching ${quoted(args.query)}, best first:`,
      cards: reports.map((report) => reportCard(report)),
    };
  },
});

const showData = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'show',
  description: 'Show one report',
  options: [{ type: ApplicationCommandOptionType.String, name: 'report', description: 'Title or id (start typing to pick)', required: true, autocomplete: true, max_length: 200 }],
} as const satisfies SubcommandData;

const show = defineSubcommand({
  data: showData,
  async execute({ args }, { services }) {
    return { cards: [reportCard(await resolveReportOption(services, args.report))] };
  },
  async autocomplete(input, { services }) {
    return input.focused.name === 'report' ? reportChoices(services, input.focused.value) : [];
  },
});

export default defineCommandGroup({
  data: { name: 'report', description: 'Find analysis reports in the library' },
  subcommands: [latest, search, show],
});
