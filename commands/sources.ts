import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { CommandModule } from '../src/core/command.ts';
import { UserError } from '../src/core/errors.ts';
import type { Reply } from '../src/core/reply.ts';
import { formatDateTime, plural, trimText } from '../src/commands-support/format.ts';
import { requireGuild, requireModerator, requiredString } from '../src/commands-support/options.ts';
import { MAX_CHOICES } from '../src/commands-support/reports.ts';

/** What `/sources` shows of a feed; matches FeedService's Feed. */
interface FeedView {
  id: string;
  url: string;
  title?: string;
  addedBy?: string;
  addedAt?: string;
  lastPolledAt?: string;
  lastError?: string;
  failures?: number;
  itemCount?: number;
}

const data = new SlashCommandBuilder()
  .setName('sources')
  .setDescription("This server's report feeds (moderators)")
  .setContexts(InteractionContextType.Guild)
  // Discord requires every bit of default_member_permissions, so only one of the two moderator permissions
  // can be the default; Manage Channels is the narrower one. execute() accepts either (invoker.isModerator).
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageChannels)
  .addSubcommand((sub) =>
    sub
      .setName('add')
      .setDescription('Follow an RSS, Atom or JSON feed')
      .addStringOption((o) => o.setName('url').setDescription('https://… address of the feed').setRequired(true).setMaxLength(2000)),
  )
  .addSubcommand((sub) => sub.setName('list').setDescription('The feeds this server follows'))
  .addSubcommand((sub) =>
    sub
      .setName('remove')
      .setDescription('Stop following a feed')
      .addStringOption((o) => o.setName('source').setDescription('The feed (start typing to pick)').setRequired(true).setAutocomplete(true)),
  );

function feedName(feed: FeedView): string {
  return feed.title?.trim() || feed.url;
}

function feedStatus(feed: FeedView): string {
  const lines = [feed.url];
  const stats = [
    feed.itemCount !== undefined ? plural(feed.itemCount, 'report') : undefined,
    feed.lastPolledAt ? `checked ${formatDateTime(feed.lastPolledAt)}` : 'not checked yet',
  ].filter(Boolean);
  lines.push(stats.join(' · '));
  if (feed.lastError) lines.push(`Last error${feed.failures && feed.failures > 1 ? ` (${feed.failures} in a row)` : ''}: ${trimText(feed.lastError, 200)}`);
  return lines.join('\n');
}

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

const command: CommandModule = {
  data,
  moderatorOnly: true,

  async execute(input, { app }): Promise<Reply> {
    const guildId = requireGuild(input);
    requireModerator(input);
    switch (input.subcommand) {
      case 'add': {
        const url = requiredString(input, 'url');
        const feed: FeedView = await app.feeds.add(url, { guildId, addedBy: input.invoker.id }).catch((error: unknown) => {
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
      }
      case 'list': {
        const feeds: FeedView[] = await app.feeds.list(guildId);
        if (feeds.length === 0) return { content: 'This server follows no feeds yet. Add one with /sources add.', ephemeral: true };
        return {
          ephemeral: true,
          cards: [{ title: `Feeds followed by this server (${feeds.length})`, fields: feeds.map((feed) => ({ name: feedName(feed), value: feedStatus(feed) })) }],
        };
      }
      case 'remove': {
        const source = requiredString(input, 'source');
        // Autocomplete sends the feed id; a typed value may also be the URL or the feed's title.
        const wanted = source.toLowerCase();
        const feeds = await app.feeds.list(guildId);
        const match = feeds.find((f) => f.id === source) ?? feeds.find((f) => f.url.toLowerCase() === wanted || f.title?.trim().toLowerCase() === wanted);
        const removed = await app.feeds.remove(guildId, match?.id ?? source);
        if (!removed) throw new UserError(`This server follows no feed matching “${trimText(source, 100)}”. See /sources list.`, 'unknown_feed');
        return { content: `Stopped following ${feedName(removed)}. Reports already added stay in the library.` };
      }
      default:
        throw new UserError('Use /sources add, /sources list or /sources remove.');
    }
  },

  async autocomplete(input, { app }) {
    if (input.focused.name !== 'source' || !input.guildId) return [];
    const query = input.focused.value.trim().toLowerCase();
    const feeds: FeedView[] = await app.feeds.list(input.guildId);
    return feeds
      .filter((feed) => !query || feedName(feed).toLowerCase().includes(query) || feed.url.toLowerCase().includes(query))
      .slice(0, MAX_CHOICES)
      .map((feed) => ({ name: trimText(`${feedName(feed)}${feed.title ? ` (${feed.url})` : ''}`, 99), value: feed.id.slice(0, 100) }));
  },

  defers: (input) => input.subcommand === 'add',
};

export default command;
