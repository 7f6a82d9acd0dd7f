import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { UserError } from '../../src/core/errors.ts';
import { quoted, trimText } from '../../src/presentation/text.ts';
import { MAX_CHOICES } from '../_shared/reports.ts';
import { feedName, type FeedView } from './feeds.ts';

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'remove',
  description: 'Stop following a feed',
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'source',
      description: 'The feed (start typing to pick)',
      required: true,
      autocomplete: true,
      max_length: 2000,
    },
  ],
} as const satisfies SubcommandData;

export default defineSubcommand({
  data,
  guildOnly: true,
  moderator: true,
  async execute({ args, guildId }, { services }) {
    const source = args.source;
    // Autocomplete sends the feed id; a typed value may also be the URL or the feed's title.
    const wanted = source.toLowerCase();
    const feeds = await services.feeds.list(guildId);
    const match = feeds.find((f) => f.id === source) ?? feeds.find((f) => f.url.toLowerCase() === wanted || f.title?.trim().toLowerCase() === wanted);
    const removed = await services.feeds.remove(guildId, match?.id ?? source);
    if (!removed) throw new UserError(`This server follows no feed matching ${quoted(source, 100)}. See /sources list.`, 'unknown_feed');
    return { content: `Stopped following ${feedName(removed)}. Reports already added stay in the library.` };
  },
  async autocomplete(input, { services }) {
    if (input.focused.name !== 'source' || !input.guildId) return [];
    const query = input.focused.value.trim().toLowerCase();
    const feeds: FeedView[] = await services.feeds.list(input.guildId);
    return feeds
      .filter((feed) => !query || feedName(feed).toLowerCase().includes(query) || feed.url.toLowerCase().includes(query))
      .slice(0, MAX_CHOICES)
      .map((feed) => ({ name: trimText(`${feedName(feed)}${feed.title ? ` (${feed.url})` : ''}`, 99), value: feed.id.slice(0, 100) }));
  },
});
