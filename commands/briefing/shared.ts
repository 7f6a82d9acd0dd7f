import { ApplicationCommandOptionType, ChannelType } from 'discord-api-types/v10';
import type { ChannelAccess, ChannelRef, CommandContext, CommandServices } from '../../src/core/command.ts';
import { UserError } from '../../src/core/errors.ts';
import { withinDeadline } from '../../src/core/deadline.ts';
import type { Subscription } from '../../src/briefings/types.ts';
import type { ScheduleDescriber } from '../../src/presentation/subscriptions.ts';
import { subscriptionName } from '../../src/presentation/subscriptions.ts';
import { channelLabel, joinList } from '../../src/presentation/text.ts';

/** Where a briefing can be posted from the picker (docs/briefings.md, Targets): text, announcement and forum channels, threads. */
export const TEXT_CHANNELS = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildForum,
  ChannelType.PublicThread,
  ChannelType.AnnouncementThread,
] as const;

/** The subscription's name (CONTRACTS §6): several briefings per channel, told apart by it. */
export const NAME_OPTION = {
  type: ApplicationCommandOptionType.String,
  name: 'name',
  description: 'Which briefing of the channel, when it has several (default "daily")',
  max_length: 32,
} as const;

export const DEFAULT_NAME = 'daily';
/** How long a command waits for Discord (a channel check, a posted briefing): the answer must fit the interaction. */
export const POST_DEADLINE_MS = 10_000;
const NAME_PATTERN = /^[\p{L}\p{N} _-]{1,32}$/u;

/** A subscription name as typed, checked: 1–32 letters, digits, "-", "_" or spaces. */
export function nameArg(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!NAME_PATTERN.test(value)) throw new UserError('A briefing name has 1-32 letters, digits, spaces, "-" or "_", e.g. daily or evening-news.', 'bad_name');
  return value;
}

const nameOf = (subscription: Subscription) => subscriptionName(subscription) ?? DEFAULT_NAME;

/** What the services offer to describe schedules (nextRunAt, describeSchedule), whichever has them. */
export function describerOf(services: CommandServices): ScheduleDescriber {
  const candidates = [services.subscriptions, services.briefings] as unknown as Array<Record<string, unknown>>;
  const pick = <K extends keyof ScheduleDescriber>(key: K): ScheduleDescriber[K] => {
    const owner = candidates.find((c) => typeof c[key] === 'function');
    return owner ? ((owner[key] as (...args: never[]) => unknown).bind(owner) as ScheduleDescriber[K]) : undefined;
  };
  return { describeSchedule: pick('describeSchedule'), nextRunAt: pick('nextRunAt') };
}

/** The briefings of one channel. */
async function channelSubscriptions(services: CommandServices, guildId: string, channelId: string): Promise<Subscription[]> {
  return (await services.subscriptions.list(guildId)).filter((s) => s.channelId === channelId);
}

/**
 * The subscription a command targets: by name, or the channel's only one. Undefined when the channel has
 * none (or none of that name); a UserError when several match and no name says which.
 */
export async function findSubscription(
  services: CommandServices,
  guildId: string,
  channel: ChannelRef,
  name: string | undefined,
): Promise<Subscription | undefined> {
  const subscriptions = await channelSubscriptions(services, guildId, channel.id);
  if (name !== undefined) return subscriptions.find((s) => nameOf(s).toLowerCase() === name.toLowerCase());
  if (subscriptions.length <= 1) return subscriptions[0];
  throw new UserError(
    `${channelLabel(channel)} has ${subscriptions.length} briefings (${joinList(subscriptions.map(nameOf))}): say which with name:.`,
    'ambiguous_subscription',
  );
}

export async function requireSubscription(
  services: CommandServices,
  guildId: string,
  channel: ChannelRef,
  name: string | undefined,
  missing = 'has no briefing. Set one up with /briefing subscribe.',
): Promise<Subscription> {
  const subscription = await findSubscription(services, guildId, channel, name);
  if (!subscription)
    throw new UserError(`${channelLabel(channel)} ${name ? `has no briefing named “${name}”. See /briefing list.` : missing}`, 'not_subscribed');
  return subscription;
}

/** Refuses a channel the bot cannot post in, naming the missing permissions. */
export async function requireAccess(ctx: CommandContext, guildId: string, channel: ChannelRef, options?: { newThread?: boolean }): Promise<ChannelAccess> {
  // A REST call of an interactive command: bounded, so the answer never waits on Discord's own retries.
  const checking = options ? ctx.platform.channelAccess(guildId, channel.id, options) : ctx.platform.channelAccess(guildId, channel.id);
  const outcome = await withinDeadline(checking, ctx.platform.postDeadlineMs ?? POST_DEADLINE_MS);
  if (!outcome.done) {
    checking.catch(() => undefined);
    throw new UserError(`Discord did not answer in time about ${channelLabel(channel)}; nothing was changed. Try again in a moment.`, 'discord_timeout');
  }
  const access = outcome.value;
  if (access.ok) return access;
  if (access.missing.length > 0) {
    throw new UserError(
      `I can't post in ${channelLabel(channel)}: missing ${joinList(access.missing)}. Give me these permissions there and try again.`,
      'missing_permissions',
    );
  }
  throw new UserError(`I can't post in ${channelLabel(channel)}: ${access.reason ?? 'the channel is not available to me'}.`, 'channel_unavailable');
}
