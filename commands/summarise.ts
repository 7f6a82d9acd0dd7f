import { SlashCommandBuilder } from 'discord.js';
import type { CommandModule } from '../src/core/command.ts';
import { SUMMARY_LENGTHS, type SummaryLength } from '../src/analysis/types.ts';
import { summaryCard } from '../src/commands-support/cards.ts';
import { optionalChoice, requiredString } from '../src/commands-support/options.ts';
import { reportChoices, resolveReportOption } from '../src/commands-support/reports.ts';
import { llmConfigured } from '../src/config.ts';

const LENGTH_LABELS: Record<SummaryLength, string> = {
  brief: 'Brief',
  standard: 'Standard',
  detailed: 'Detailed',
};

const data = new SlashCommandBuilder()
  .setName('summarise')
  .setDescription('Summarise a report')
  .addStringOption((o) => o.setName('report').setDescription('Title or id (start typing to pick)').setRequired(true).setAutocomplete(true))
  .addStringOption((o) =>
    o
      .setName('length')
      .setDescription('How long a summary (default standard)')
      .addChoices(...SUMMARY_LENGTHS.map((length) => ({ name: LENGTH_LABELS[length], value: length }))),
  );

const command: CommandModule = {
  data,

  async execute(input, { app }) {
    const report = await resolveReportOption(app, requiredString(input, 'report'));
    const length = optionalChoice(input, 'length', SUMMARY_LENGTHS) ?? 'standard';
    const summary = await app.analysis.summarise(report, { length });
    return { cards: [summaryCard(report, summary, llmConfigured(app.config) ? app.config.OPENAI_MODEL : undefined)] };
  },

  async autocomplete(input, { app }) {
    return input.focused.name === 'report' ? reportChoices(app, input.focused.value) : [];
  },

  // Summaries may need a model call (or a long report's first analysis): always defer.
  defers: () => true,
};

export default command;
