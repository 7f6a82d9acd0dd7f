import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { withinDeadline } from '../../src/core/deadline.ts';
import { UserError } from '../../src/core/errors.ts';
import { channelLabel, plural } from '../../src/presentation/text.ts';
import { NAME_OPTION, nameArg, POST_DEADLINE_MS, requireAccess, requireSubscription, TEXT_CHANNELS } from './shared.ts';

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'send-now',
  description: "Post a channel's briefing now (moderators)",
  options: [
    { type: ApplicationCommandOptionType.Channel, name: 'channel', description: 'The subscribed channel', required: true, channel_types: [...TEXT_CHANNELS] },
    NAME_OPTION,
  ],
} as const satisfies SubcommandData;

export default defineSubcommand({
  data,
  guildOnly: true,
  moderator: true,
  defer: 'ephemeral',
  async execute({ args, guildId }, ctx) {
    const { services, platform } = ctx;
    const { channel } = args;
    const subscription = await requireSubscription(services, guildId, channel, nameArg(args.name));
    const transport = platform.briefings;
    if (!transport) throw new UserError('Sending a briefing now is not available here.', 'unsupported');
    await requireAccess(ctx, guildId, channel);
    const sending = services.briefings.sendNow(subscription, transport);
    const outcome = await withinDeadline(sending, platform.postDeadlineMs ?? POST_DEADLINE_MS);
    if (!outcome.done) {
      // The delivery goes on in the background under its claim; its outcome is logged, not lost.
      sending.catch((error: unknown) => services.logger.warn({ err: error, subscription: subscription.id }, 'send-now failed after the answer'));
      throw new UserError('Discord did not accept the message in time; it will be retried at the next run.', 'post_timeout');
    }
    const { messageIds } = outcome.value;
    return {
      content:
        messageIds.length > 0
          ? `Posted the briefing in ${channelLabel(channel)} (${plural(messageIds.length, 'message')}).`
          : `Nothing was posted in ${channelLabel(channel)}: no new reports, and the subscription skips quiet days.`,
      ephemeral: true,
    };
  },
});
