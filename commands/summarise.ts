import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineCommand, type CommandData } from '../src/core/command.ts';
import { summaryCard } from '../src/presentation/analysis.ts';
import { exactReport, reportChoices, resolveReportOption } from './_shared/reports.ts';
import { viewOf } from './_shared/library.ts';

const data = {
  name: 'summarise',
  description: 'Summarise a report',
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'report',
      description: 'Title or id (start typing to pick)',
      required: true,
      autocomplete: true,
      max_length: 200,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'length',
      description: 'How long a summary (default standard)',
      choices: [
        { name: 'Brief', value: 'brief' },
        { name: 'Standard', value: 'standard' },
        { name: 'Detailed', value: 'detailed' },
      ],
    },
  ],
} as const satisfies CommandData;

export default defineCommand({
  data,
  // The CLI takes both spellings; so does the terminal.
  aliases: ['summarize'],
  // The Summary button of report cards.
  actions: { summary: ([report]) => (report ? { options: { report: exactReport(report) } } : undefined) },
  // Summaries may need a model call (or a long report's first analysis): always defer.
  defer: 'public',
  async execute(input, { services }) {
    const { args } = input;
    const report = await resolveReportOption(services, viewOf(input), args.report);
    const summary = await services.analysis.summarise(report, { length: args.length ?? 'standard' });
    return { cards: [summaryCard(report, summary, services.analysis.model)] };
  },
  async autocomplete(input, { services }) {
    return input.focused.name === 'report' ? reportChoices(services, viewOf(input), input.focused.value) : [];
  },
});
