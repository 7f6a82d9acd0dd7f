import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { presentBriefing } from '../../src/presentation/briefing.ts';
import { channelLabel } from '../../src/presentation/text.ts';
import { describerOf, findSubscription, NAME_OPTION, nameArg, requireSubscription, TEXT_CHANNELS } from './shared.ts';

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'preview',
  description: 'Preview the next briefing (only you see it)',
  options: [
    {
      type: ApplicationCommandOptionType.Channel,
      name: 'channel',
      description: 'A subscribed channel (default: this one, or all new reports)',
      channel_types: [...TEXT_CHANNELS],
    },
    NAME_OPTION,
  ],
} as const satisfies SubcommandData;

export default defineSubcommand({
  data,
  guildOnly: true,
  // Answers privately, so the "thinking…" placeholder must be private too.
  defer: 'ephemeral',
  async execute({ args, guildId, channelId }, { services }) {
    const named = args.channel;
    const name = nameArg(args.name);
    // A named channel must have a briefing; without one, this channel's briefing or else all new reports.
    const subscription = named
      ? await requireSubscription(services, guildId, named, name)
      : channelId
        ? await findSubscription(services, guildId, { id: channelId }, name)
        : undefined;
    const now = services.clock.now();
    // The next run's briefing under the next run's date, when the service can tell it.
    const next = subscription ? describerOf(services).nextRunAt?.(subscription, now) : undefined;
    const briefing = subscription
      ? await services.briefings.composeFor(subscription, next ?? now)
      : await services.briefings.composeLatest({ guildId: guildId ?? null });
    const reply = presentBriefing(briefing);
    const note = subscription
      ? `Preview of the next briefing for ${named ? channelLabel(named) : 'this channel'} (only you see it).`
      : 'Preview of all new reports: this channel has no briefing subscription.';
    return { ...reply, content: [note, reply.content].filter(Boolean).join('\n'), ephemeral: true };
  },
});
