import { ChannelType, DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type Client, type Guild, type GuildBasedChannel } from 'discord.js';
import type { BriefingSink, ChannelAccess, ChannelRef, Platform } from '../core/command.ts';

/** What the bot needs in a channel to post a briefing, with the names Discord's settings show. */
const REQUIRED_CHANNEL_PERMISSIONS = [
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
  { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages' },
  { flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links' },
] as const;

/** Where a briefing can live: text, announcement and forum channels and threads (not voice, stage, media). */
const POSTABLE_CHANNEL_TYPES = new Set<ChannelType>([
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildForum,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
]);

const THREAD_SEND = { flag: PermissionFlagsBits.SendMessagesInThreads, name: 'Send Messages in Threads' } as const;
const CREATE_THREADS = { flag: PermissionFlagsBits.CreatePublicThreads, name: 'Create Public Threads' } as const;
const MANAGE_MESSAGES = { flag: PermissionFlagsBits.ManageMessages, name: 'Manage Messages' } as const;
const [VIEW, SEND, EMBED] = REQUIRED_CHANNEL_PERMISSIONS;

type Needed = ReadonlyArray<{ flag: bigint; name: string }>;

/**
 * What each target needs (docs/briefings.md, Targets): a thread takes Send Messages in Threads instead of
 * Send Messages; opening a thread (thread per briefing, forum post) takes Create Public Threads and Send
 * Messages in Threads; crossposting in an announcement channel takes Manage Messages.
 */
function neededFor(channel: GuildBasedChannel, newThread: boolean): { needed: Needed; kind?: 'announcement' | 'forum' | 'thread' } {
  if (channel.isThread()) return { needed: [VIEW, THREAD_SEND, EMBED], kind: 'thread' };
  if (channel.type === ChannelType.GuildForum) return { needed: [VIEW, SEND, EMBED, CREATE_THREADS, THREAD_SEND], kind: 'forum' };
  if (channel.type === ChannelType.GuildAnnouncement) return { needed: [VIEW, SEND, EMBED, MANAGE_MESSAGES], kind: 'announcement' };
  return { needed: newThread ? [VIEW, SEND, EMBED, CREATE_THREADS, THREAD_SEND] : REQUIRED_CHANNEL_PERMISSIONS };
}

/** The Platform commands see on Discord: channel checks answered from the guild cache, REST as fallback. */
export class DiscordPlatform implements Platform {
  readonly name = 'discord' as const;

  constructor(
    private readonly client: Client,
    readonly briefings?: BriefingSink,
    /** How long a command waits for Discord to take a posted briefing (the interaction must be answered). */
    readonly postDeadlineMs = 10_000,
  ) {}

  /** A channel mention never pings; the renderer keeps those of the interaction's guild. */
  channelMention(channel: Pick<ChannelRef, 'id'>): string {
    return `<#${channel.id}>`;
  }

  async channelAccess(guildId: string, channelId: string, options: { newThread?: boolean } = {}): Promise<ChannelAccess> {
    return discordChannelAccess(this.client, guildId, channelId, options);
  }
}

/**
 * Whether the bot can post briefings in a channel. The channel itself is always read over REST (one GET):
 * a cached copy may have come from an interaction's resolved data, which carries no permission overwrites,
 * or from a gateway that announced the guild without its channels. Guild roles and the bot's own member
 * come from the cache when complete and are fetched otherwise; a refusal computed from cached data is
 * checked again against fresh data before it is reported.
 */
export async function discordChannelAccess(client: Client, guildId: string, channelId: string, options: { newThread?: boolean } = {}): Promise<ChannelAccess> {
  const first = await computeAccess(client, guildId, channelId, false, options.newThread ?? false);
  if (first.ok || !first.fromCache) return strip(first);
  return strip(await computeAccess(client, guildId, channelId, true, options.newThread ?? false));
}

type AccessResult = ChannelAccess & { fromCache?: boolean };

function strip({ fromCache: _fromCache, ...access }: AccessResult): ChannelAccess {
  return access;
}

async function computeAccess(client: Client, guildId: string, channelId: string, fresh: boolean, newThread: boolean): Promise<AccessResult> {
  const guild = await findGuild(client, guildId, fresh);
  if (!guild) return { ok: false, missing: [], reason: "I'm not in that server" };
  const channel = await findChannel(client, guild, channelId);
  if (channel === 'no-access') return { ok: false, missing: ['View Channel'], reason: "I can't see that channel" };
  if (!channel) {
    return { ok: false, missing: [], reason: 'that channel does not exist or belongs to another server' };
  }
  if (channel.guildId !== guildId) return { ok: false, missing: [], reason: 'that channel belongs to another server' };
  if (!POSTABLE_CHANNEL_TYPES.has(channel.type)) return { ok: false, missing: [], reason: 'that is not a text, announcement or forum channel, or a thread' };
  if (channel.isThread() && channel.parentId && !channel.parent) await findChannel(client, guild, channel.parentId);
  const cachedMe = fresh ? null : guild.members.me;
  const me = cachedMe ?? (await guild.members.fetchMe({ force: true }).catch(() => null));
  if (!me) return { ok: false, missing: [], reason: "I couldn't look up my own permissions in that server" };
  const permissions = channel.permissionsFor(me);
  if (!permissions) return { ok: false, missing: [], reason: "I couldn't work out my permissions in that channel", fromCache: !fresh };
  const { needed, kind } = neededFor(channel, newThread);
  const missing = needed.filter((p) => !permissions.has(p.flag)).map((p) => p.name);
  const typed = kind ? { kind } : {};
  if (channel.isThread() && channel.archived) return { ok: false, missing, reason: 'that thread is archived', ...typed };
  if (channel.isThread() && channel.locked) return { ok: false, missing, reason: 'that thread is locked', ...typed };
  return missing.length ? { ok: false, missing, fromCache: !fresh, ...typed } : { ok: true, missing: [], ...typed };
}

/**
 * The guild with what permission computation needs (roles with @everyone, owner): from the cache when
 * complete, otherwise GET /guilds/:id (a guild that READY listed as unavailable and GUILD_CREATE never
 * completed has neither).
 */
async function findGuild(client: Client, guildId: string, fresh: boolean): Promise<Guild | null> {
  const cached = client.guilds.cache.get(guildId);
  if (!fresh && cached && cached.roles.cache.has(guildId) && cached.ownerId) return cached;
  try {
    const guild = await client.guilds.fetch({ guild: guildId, force: true });
    return guild.roles.cache.has(guildId) ? guild : null;
  } catch (error) {
    if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404)) return null;
    throw error;
  }
}

async function findChannel(client: Client, guild: Guild, channelId: string): Promise<GuildBasedChannel | null | 'no-access'> {
  try {
    const fetched = await client.channels.fetch(channelId, { force: true, allowUnknownGuild: true });
    if (!fetched || !('guildId' in fetched)) return null;
    const channel = fetched as GuildBasedChannel;
    // A channel fetched before its guild was cached belongs to no Guild object: look it up again through the guild.
    return channel.guild ? channel : (guild.channels.cache.get(channelId) ?? channel);
  } catch (error) {
    if (error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.MissingAccess || (error.status === 403 && !error.code))) return 'no-access';
    if (error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.UnknownChannel || error.status === 404)) return null;
    throw error;
  }
}
