import { ChannelType, InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { ChannelRef, CommandContext, CommandModule } from '../src/core/command.ts';
import type { Reply } from '../src/core/reply.ts';
import { UserError } from '../src/core/errors.ts';
import type { BriefingFormat, EmptyPolicy, Subscription } from '../src/briefings/types.ts';
import { presentBriefing } from '../src/briefings/present.ts';
import { parseSubscribeInput, type SubscribeInput } from '../src/briefings/subscriptions.ts';
import { scheduleText, subscriptionDetails } from '../src/commands-support/cards.ts';
import { channelLabel, channelOption, optionalChoice, optionalList, requireGuild, requireModerator, requiredString } from '../src/commands-support/options.ts';
import { filterChoices } from '../src/commands-support/reports.ts';
import { timeZoneChoices } from '../src/commands-support/timezones.ts';
import { formatDate, joinList, plural } from '../src/commands-support/format.ts';

const FORMATS: readonly BriefingFormat[] = ['compact', 'full'];
const EMPTY_POLICIES: readonly EmptyPolicy[] = ['skip', 'notice'];
const TEXT_CHANNELS = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

const data = new SlashCommandBuilder()
  .setName('briefing')
  .setDescription('Daily briefings of new reports in a channel')
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((sub) =>
    sub
      .setName('subscribe')
      .setDescription('Post a briefing of new reports in a channel every day (moderators)')
      .addChannelOption((o) => o.setName('channel').setDescription('Where to post').setRequired(true).addChannelTypes(...TEXT_CHANNELS))
      .addStringOption((o) =>
        o.setName('time').setDescription('HH:MM, 24-hour (e.g. 08:00), or a cron expression such as "0 8 * * 1-5"').setRequired(true).setMaxLength(100),
      )
      .addStringOption((o) => o.setName('timezone').setDescription('IANA timezone, e.g. Europe/Rome (start typing a city)').setRequired(true).setAutocomplete(true))
      .addStringOption((o) => o.setName('topics').setDescription('Only reports about these topics or keywords, comma-separated').setMaxLength(300))
      .addStringOption((o) =>
        o
          .setName('format')
          .setDescription('compact: headlines with a line each; full: summaries and actors (default)')
          .addChoices({ name: 'compact', value: 'compact' }, { name: 'full', value: 'full' }),
      )
      .addStringOption((o) =>
        o
          .setName('empty')
          .setDescription('On days with nothing new (default: skip)')
          .addChoices({ name: 'skip the day', value: 'skip' }, { name: 'post a short notice', value: 'notice' }),
      )
      .addStringOption((o) => o.setName('actors').setDescription('Only reports naming these actors, comma-separated (e.g. China, NATO)').setMaxLength(300))
      .addStringOption((o) => o.setName('regions').setDescription('Only reports about these regions, comma-separated').setMaxLength(300))
      .addStringOption((o) => o.setName('sources').setDescription('Only reports from these publishers, comma-separated').setMaxLength(300)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('unsubscribe')
      .setDescription('Stop the briefing in a channel (moderators)')
      .addChannelOption((o) => o.setName('channel').setDescription('The subscribed channel').setRequired(true).addChannelTypes(...TEXT_CHANNELS)),
  )
  .addSubcommand((sub) => sub.setName('list').setDescription("This server's briefing subscriptions"))
  .addSubcommand((sub) =>
    sub
      .setName('preview')
      .setDescription('Preview the next briefing (only you see it)')
      .addChannelOption((o) => o.setName('channel').setDescription('A subscribed channel (default: this one, or all new reports)').addChannelTypes(...TEXT_CHANNELS)),
  )
  .addSubcommand((sub) =>
    sub
      .setName('send-now')
      .setDescription("Post a channel's briefing now (moderators)")
      .addChannelOption((o) => o.setName('channel').setDescription('The subscribed channel').setRequired(true).addChannelTypes(...TEXT_CHANNELS)),
  );

const REMOVALS_SHOWN = 5;
const REMOVALS_SHOWN_DAYS = 30;
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

async function requireAccess(ctx: CommandContext, guildId: string, channel: ChannelRef): Promise<void> {
  const access = await ctx.platform.channelAccess(guildId, channel.id);
  if (access.ok) return;
  if (access.missing.length > 0) {
    throw new UserError(`I can't post in ${channelLabel(channel)}: missing ${joinList(access.missing)}. Give me these permissions there and try again.`, 'missing_permissions');
  }
  throw new UserError(`I can't post in ${channelLabel(channel)}: ${access.reason ?? 'the channel is not available to me'}.`, 'channel_unavailable');
}

async function requireSubscription(ctx: CommandContext, guildId: string, channel: ChannelRef): Promise<Subscription> {
  const subscription = await ctx.app.subscriptions.get(guildId, channel.id);
  if (!subscription) throw new UserError(`${channelLabel(channel)} has no briefing. Set one up with /briefing subscribe.`, 'not_subscribed');
  return subscription;
}

const command: CommandModule = {
  data,
  moderatorOnly: ['subscribe', 'unsubscribe', 'send-now'],

  async execute(input, ctx): Promise<Reply> {
    const { app } = ctx;
    const guildId = requireGuild(input);
    switch (input.subcommand) {
      case 'subscribe': {
        requireModerator(input);
        const channel = channelOption(input, 'channel', true);
        const when = requiredString(input, 'time');
        const timezone = requiredString(input, 'timezone');
        const format = optionalChoice(input, 'format', FORMATS);
        const emptyPolicy = optionalChoice(input, 'empty', EMPTY_POLICIES);
        const request: SubscribeInput = {
          guildId,
          channelId: channel.id,
          // One option takes either form: "08:00", or a cron expression (it has spaces or asterisks).
          ...(/[\s*]/.test(when) ? { cron: when } : { time: when }),
          timezone,
          topics: optionalList(input, 'topics'),
          actors: optionalList(input, 'actors'),
          regions: optionalList(input, 'regions'),
          sources: optionalList(input, 'sources'),
          format,
          emptyPolicy,
          createdBy: input.invoker.id,
        };
        // Input mistakes are reported before asking Discord about the channel, and nothing is written.
        parseSubscribeInput(request);
        await requireAccess(ctx, guildId, channel);
        const existing = await app.subscriptions.get(guildId, channel.id);
        const subscription = await app.subscriptions.subscribe(request);
        return {
          cards: [
            {
              title: `${existing ? 'Briefing updated' : 'Briefing scheduled'} for ${channelLabel(channel)}`,
              description: subscriptionDetails(subscription),
              footer: 'Preview it with /briefing preview · post one now with /briefing send-now',
            },
          ],
        };
      }
      case 'unsubscribe': {
        requireModerator(input);
        const channel = channelOption(input, 'channel', true);
        const removed = await app.subscriptions.unsubscribe(guildId, channel.id);
        if (!removed) throw new UserError(`${channelLabel(channel)} has no briefing to stop.`, 'not_subscribed');
        return { content: `Stopped the briefing in ${channelLabel(channel)} (${lowerFirst(scheduleText(removed))}).` };
      }
      case 'list': {
        const subscriptions = await app.subscriptions.list(guildId);
        const label = (channelId: string) => (ctx.platform.name === 'discord' ? `<#${channelId}>` : `#${channelId}`);
        // Subscriptions the bot removed itself (channel deleted, access lost) are shown so moderators learn why.
        const since = new Date(app.clock.now().getTime() - REMOVALS_SHOWN_DAYS * 86_400_000).toISOString();
        const removals = (await app.subscriptions.removalLog(guildId))
          .filter((r) => r.at >= since && r.reason !== 'unsubscribed' && !subscriptions.some((s) => s.id === r.subscription.id))
          .slice(-REMOVALS_SHOWN);
        const removedField =
          removals.length > 0
            ? [{ name: 'Recently removed', value: removals.map((r) => `${label(r.subscription.channelId)} on ${formatDate(r.at)}: ${r.reason}`).join('\n') }]
            : [];
        if (subscriptions.length === 0) {
          const content = 'No briefings in this server yet. A moderator can add one with /briefing subscribe.';
          return removedField.length > 0 ? { content, ephemeral: true, cards: [{ fields: removedField }] } : { content, ephemeral: true };
        }
        return {
          ephemeral: true,
          cards: [
            {
              title: `Briefings in this server (${subscriptions.length})`,
              fields: [...subscriptions.map((s) => ({ name: `${s.paused ? '⏸ ' : ''}${label(s.channelId)}`, value: subscriptionDetails(s) })), ...removedField],
            },
          ],
        };
      }
      case 'preview': {
        const named = channelOption(input, 'channel');
        // A named channel must have a briefing; without one, this channel's briefing or else all new reports.
        const subscription = named
          ? await requireSubscription(ctx, guildId, named)
          : input.channelId
            ? await app.subscriptions.get(guildId, input.channelId)
            : undefined;
        const briefing = subscription ? await app.briefings.composeFor(subscription) : await app.briefings.composeLatest({});
        const reply = presentBriefing(briefing);
        const note = subscription
          ? `Preview of the next briefing for ${named ? channelLabel(named) : 'this channel'} (only you see it).`
          : 'Preview of all new reports: this channel has no briefing subscription.';
        return { ...reply, content: [note, reply.content].filter(Boolean).join('\n'), ephemeral: true };
      }
      case 'send-now': {
        requireModerator(input);
        const channel = channelOption(input, 'channel', true);
        const subscription = await requireSubscription(ctx, guildId, channel);
        const transport = ctx.platform.briefings;
        if (!transport) throw new UserError('Sending a briefing now is not available here.', 'unsupported');
        await requireAccess(ctx, guildId, channel);
        const { messageIds } = await app.briefings.sendNow(subscription, transport);
        return {
          content:
            messageIds.length > 0
              ? `Posted the briefing in ${channelLabel(channel)} (${plural(messageIds.length, 'message')}).`
              : `Nothing was posted in ${channelLabel(channel)}: no new reports, and the subscription skips quiet days.`,
          ephemeral: true,
        };
      }
      default:
        throw new UserError('Use /briefing subscribe, unsubscribe, list, preview or send-now.');
    }
  },

  async autocomplete(input) {
    if (input.focused.name === 'timezone') return timeZoneChoices(input.focused.value);
    if (input.focused.name === 'format') return filterChoices(FORMATS, input.focused.value);
    return [];
  },

  defers: (input) => input.subcommand === 'preview' || input.subcommand === 'send-now',
  // Both answer privately, so the "thinking…" placeholder must be private too.
  defersEphemeral: (input) => input.subcommand === 'preview' || input.subcommand === 'send-now',
};

export default command;
