import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineCommandGroup, defineSubcommand, type ActionRoute, type SubcommandData } from '../src/core/command.ts';
import type { CardAction } from '../src/core/reply.ts';
import { UserError } from '../src/core/errors.ts';
import { reportCard } from '../src/presentation/reports.ts';
import { plural, quoted } from '../src/presentation/text.ts';
import { filterChoices, reportChoices, resolveReportOption } from './_shared/reports.ts';
import { libraryFor, viewOf } from './_shared/library.ts';
import { addArticle } from './_shared/articles.ts';

const SEARCH_RESULTS = 5;
const DEFAULT_LATEST = 5;
const MAX_PAGE = 20;
const PAGE_OPTION = {
  type: ApplicationCommandOptionType.Integer,
  name: 'page',
  description: 'Page of results (default 1)',
  min_value: 1,
  max_value: MAX_PAGE,
} as const;

/** Previous / Next buttons: stateless actions that run the same subcommand for another page. */
function pageActions(action: string, page: number, hasMore: boolean, args: string[]): CardAction[] {
  const actions: CardAction[] = [];
  if (page > 1) actions.push({ kind: 'action', label: '◀ Previous', action, args: [String(page - 1), ...args] });
  if (hasMore && page < MAX_PAGE) actions.push({ kind: 'action', label: 'Next ▶', action, args: [String(page + 1), ...args] });
  return actions;
}

const pageOf = (value: string | undefined) => (value && /^\d{1,2}$/.test(value) ? Number(value) : undefined);

const latestData = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'latest',
  description: 'The most recent reports',
  options: [
    { type: ApplicationCommandOptionType.Integer, name: 'count', description: 'How many (1-10, default 5)', min_value: 1, max_value: 10 },
    { type: ApplicationCommandOptionType.String, name: 'source', description: 'Only reports from this publisher', autocomplete: true, max_length: 100 },
    PAGE_OPTION,
  ],
} as const satisfies SubcommandData;

const latest = defineSubcommand({
  data: latestData,
  async execute(input, { services }) {
    const { args } = input;
    const library = libraryFor(services, viewOf(input));
    const count = args.count ?? DEFAULT_LATEST;
    let sourceName: string | undefined;
    if (args.source) {
      const wanted = args.source.toLowerCase();
      const names = await library.sources();
      sourceName = names.find((name) => name.toLowerCase() === wanted);
      if (!sourceName) {
        throw new UserError(
          names.length > 0 ? `No reports from ${quoted(args.source)}. Known sources: ${names.slice(0, 20).join(', ')}.` : 'The library has no reports yet.',
          'unknown_source',
        );
      }
    }
    const page = args.page ?? 1;
    const window = await library.list({ limit: count * page + 1, source: sourceName });
    const reports = await library.fullMany(window.slice(count * (page - 1), count * page));
    if (reports.length === 0) {
      if (page > 1)
        return {
          content: `There is no page ${page}: the library has ${plural(window.length, 'report')}${sourceName ? ` from ${sourceName}` : ''}.`,
          ephemeral: true,
        };
      return { content: 'The library has no reports yet. Add some with /sources add, or run sitrep ingest on the host.' };
    }
    return {
      content: `${plural(reports.length, 'latest report')}${sourceName ? ` from ${sourceName}` : ''}${page > 1 ? ` (page ${page})` : ''}:`,
      cards: reports.map((report) => reportCard(report)),
      actions: pageActions('report-latest-page', page, window.length > count * page, [String(count), sourceName ?? '']),
    };
  },
  async autocomplete(input, { services }) {
    return input.focused.name === 'source' ? filterChoices(await libraryFor(services, viewOf(input)).sources(), input.focused.value) : [];
  },
});

const searchData = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'search',
  description: 'Search reports by title, actors and text',
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'query',
      description: 'Words to look for, e.g. "china belarus defence"',
      required: true,
      max_length: 200,
    },
    PAGE_OPTION,
  ],
} as const satisfies SubcommandData;

const search = defineSubcommand({
  data: searchData,
  async execute(input, { services }) {
    const { args } = input;
    const page = args.page ?? 1;
    const library = libraryFor(services, viewOf(input));
    const window = library.search(args.query, { limit: SEARCH_RESULTS * page + 1 });
    const reports = await library.fullMany(window.slice(SEARCH_RESULTS * (page - 1), SEARCH_RESULTS * page));
    if (reports.length === 0) {
      if (page > 1) return { content: `There is no page ${page} of reports matching ${quoted(args.query)}.`, ephemeral: true };
      return { content: `No reports match ${quoted(args.query)}. Try fewer or different words.`, ephemeral: true };
    }
    return {
      content: `${plural(reports.length, 'report')} matching ${quoted(args.query)}, best first${page > 1 ? ` (page ${page})` : ''}:`,
      cards: reports.map((report) => reportCard(report)),
      actions: pageActions('report-search-page', page, window.length > SEARCH_RESULTS * page, [args.query]),
    };
  },
});

const showData = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'show',
  description: 'Show one report',
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'report',
      description: 'Title or id (start typing to pick)',
      required: true,
      autocomplete: true,
      max_length: 200,
    },
  ],
} as const satisfies SubcommandData;

const show = defineSubcommand({
  data: showData,
  async execute(input, { services }) {
    return { cards: [reportCard(await resolveReportOption(services, viewOf(input), input.args.report))] };
  },
  async autocomplete(input, { services }) {
    return input.focused.name === 'report' ? reportChoices(services, viewOf(input), input.focused.value) : [];
  },
});

const addData = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'add',
  description: "Add one article to this server's library (moderators)",
  options: [{ type: ApplicationCommandOptionType.String, name: 'url', description: 'https://… address of the article', required: true, max_length: 2000 }],
} as const satisfies SubcommandData;

const add = defineSubcommand({
  data: addData,
  guildOnly: true,
  moderator: true,
  // A fetch and a parse: may take a few seconds.
  defer: 'public',
  async execute({ args, guildId }, { services }) {
    const { report, status } = await addArticle(services, args.url, guildId);
    const said =
      status === 'created'
        ? 'Added to this server’s library'
        : status === 'updated'
          ? 'Updated in this server’s library'
          : 'Already in the library (unchanged)';
    return { content: `${said}:`, cards: [reportCard(report)] };
  },
});

export default defineCommandGroup({
  data: { name: 'report', description: 'Find analysis reports in the library' },
  subcommands: [latest, search, show, add],
  // Previous / Next: the same subcommand for another page, replacing the message.
  actions: {
    'report-latest-page': ([page, count, source]): ActionRoute | undefined =>
      pageOf(page) ? { subcommand: 'latest', options: { page: pageOf(page), count: pageOf(count), source: source || undefined }, update: true } : undefined,
    'report-search-page': ([page, query]): ActionRoute | undefined =>
      pageOf(page) && query ? { subcommand: 'search', options: { page: pageOf(page), query }, update: true } : undefined,
  },
});
