import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { removalLine, subscriptionDetails, subscriptionName } from '../../src/presentation/subscriptions.ts';
import { DEFAULT_NAME, describerOf } from './shared.ts';

const REMOVALS_SHOWN = 5;
const REMOVALS_SHOWN_DAYS = 30;

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'list',
  description: "This server's briefing subscriptions",
} as const satisfies SubcommandData;

export default defineSubcommand({
  data,
  guildOnly: true,
  async execute({ guildId }, { services, platform }) {
    const now = services.clock.now();
    const subscriptions = await services.subscriptions.list(guildId);
    const label = (channelId: string) => platform.channelMention({ id: channelId });
    // Subscriptions the bot removed itself (channel deleted, access lost) are shown so moderators learn why.
    const since = new Date(now.getTime() - REMOVALS_SHOWN_DAYS * 86_400_000).toISOString();
    const removals = (await services.subscriptions.removalLog(guildId))
      .filter((r) => r.at >= since && r.reason !== 'unsubscribed' && !subscriptions.some((s) => s.id === r.subscription.id))
      .slice(-REMOVALS_SHOWN);
    const removedField =
      removals.length > 0
        ? [{ name: 'Recently removed', value: removals.map((r) => removalLine(label(r.subscription.channelId), r.at, r.reason)).join('\n') }]
        : [];
    if (subscriptions.length === 0) {
      const content = 'No briefings in this server yet. A moderator can add one with /briefing subscribe.';
      return removedField.length > 0 ? { content, ephemeral: true, cards: [{ fields: removedField }] } : { content, ephemeral: true };
    }
    const describer = describerOf(services);
    return {
      ephemeral: true,
      cards: [
        {
          title: `Briefings in this server (${subscriptions.length})`,
          fields: [
            ...subscriptions.map((s) => {
              // The default name is shown only beside a second briefing of the same channel.
              const shared = subscriptions.some((o) => o !== s && o.channelId === s.channelId);
              const name = shared || subscriptionName(s) !== DEFAULT_NAME ? subscriptionName(s) : undefined;
              return { name: `${s.paused ? '⏸ ' : ''}${label(s.channelId)}${name ? ` · ${name}` : ''}`, value: subscriptionDetails(s, describer, now) };
            }),
            ...removedField,
          ],
        },
      ],
    };
  },
});
