import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { scheduleAside } from '../../src/presentation/subscriptions.ts';
import { channelLabel } from '../../src/presentation/text.ts';
import { describerOf, NAME_OPTION, nameArg, requireSubscription, TEXT_CHANNELS } from './shared.ts';

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'unsubscribe',
  description: 'Stop the briefing in a channel (moderators)',
  options: [
    { type: ApplicationCommandOptionType.Channel, name: 'channel', description: 'The subscribed channel', required: true, channel_types: [...TEXT_CHANNELS] },
    NAME_OPTION,
  ],
} as const satisfies SubcommandData;

export default defineSubcommand({
  data,
  guildOnly: true,
  moderator: true,
  async execute({ args, guildId }, { services }) {
    const name = nameArg(args.name);
    const subscription = await requireSubscription(services, guildId, args.channel, name, 'has no briefing to stop.');
    await services.subscriptions.remove(subscription.id, 'unsubscribed');
    return {
      content: `Stopped the briefing in ${channelLabel(args.channel)}${name ? ` (“${name}”)` : ''} ${scheduleAside(subscription, describerOf(services))}.`,
    };
  },
});
