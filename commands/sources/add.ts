import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import { defineSubcommand, type SubcommandData } from '../../src/core/command.ts';
import { UserError } from '../../src/core/errors.ts';
import { feedName, feedStatus, type FeedView } from './feeds.ts';

const data = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'add',
  description: 'Follow an RSS, Atom or JSON feed',
  options: [{ type: ApplicationCommandOptionType.String, name: 'url', description: 'https://… address of the feed', required: true, max_length: 2000 }],
} as const satisfies SubcommandData;

/** What to do next when a feed could not be fetched, by the kind of failure; nothing is added either way. */
const FETCH_ADVICE: Record<string, string> = {
  fetch_failed: 'Check the address, and that the bot’s machine can reach the internet.',
  fetch_timeout: 'The site did not answer in time; try again later, or check the address.',
  fetch_http: 'Check the address: open it in a browser, and copy the feed link from the site.',
  fetch_redirects: 'Copy the final address from a browser and add that.',
  fetch_type: 'Give the address of the RSS, Atom or JSON feed itself (or of a page that links to it).',
  fetch_too_large: 'Ask the operator to raise FETCH_MAX_BYTES, or use a smaller feed.',
};

function explainFetchError(error: unknown): unknown {
  if (!(error instanceof UserError) || !(error.code in FETCH_ADVICE)) return error;
  const message = error.message.replace(/[.\s]+$/, '');
  return new UserError(`Could not add the feed: ${message}. ${FETCH_ADVICE[error.code]} Nothing was added.`, error.code);
}

export default defineSubcommand({
  data,
  guildOnly: true,
  moderator: true,
  defer: 'public',
  async execute({ args, guildId, invoker }, { services }) {
    const feed: FeedView = await services.feeds.add(args.url, { guildId, addedBy: invoker.id }).catch((error: unknown) => {
      throw explainFetchError(error);
    });
    return {
      cards: [
        {
          title: `Now following ${feedName(feed)}`,
          url: feed.url,
          description: feedStatus(feed),
          footer: 'New reports from this feed appear in /report latest and in the briefings.',
        },
      ],
    };
  },
});
