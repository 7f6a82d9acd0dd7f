import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { feedName, feedStatus, type FeedView } from './feeds.ts';

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'list',
  description: 'The feeds this server follows',
} as const satisfies SubcommandData;

export default defineSubcommand({
  data,
  guildOnly: true,
  moderator: true,
  async execute({ guildId }, { services }) {
    const feeds: FeedView[] = await services.feeds.list(guildId);
    if (feeds.length === 0) return { content: 'This server follows no feeds yet. Add one with /sources add.', ephemeral: true };
    return {
      ephemeral: true,
      cards: [{ title: `Feeds followed by this server (${feeds.length})`, fields: feeds.map((feed) => ({ name: feedName(feed), value: feedStatus(feed) })) }],
    };
  },
});
