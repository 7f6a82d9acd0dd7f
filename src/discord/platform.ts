import { ChannelType, DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type Client, type Guild, type GuildBasedChannel } from 'discord.js';
import type { ChannelAccess, Platform } from '../core/command.ts';
import type { BriefingTransport } from '../briefings/transport.ts';

/** What the bot needs in a channel to post a briefing, with the names Discord's settings show. */
export const REQUIRED_CHANNEL_PERMISSIONS = [
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel' },
  { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages' },
  { flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links' },
] as const;

/** Where a briefing can live: text and announcement channels and their threads (not voice, stage, forum). */
const POSTABLE_CHANNEL_TYPES = new Set<ChannelType>([
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
]);

const THREAD_SEND = { flag: PermissionFlagsBits.SendMessagesInThreads, name: 'Send Messages in Threads' } as const;

/** The Platform commands see on Discord: channel checks answered from the guild cache, REST as fallback. */
export class DiscordPlatform implements Platform {
  readonly name = 'discord' as const;

  constructor(
    private readonly client: Client,
    readonly briefings?: BriefingTransport,
  ) {}

  async channelAccess(guildId: string, channelId: string): Promise<ChannelAccess> {
    return discordChannelAccess(this.client, guildId, channelId);
  }
}

export async function discordChannelAccess(client: Client, guildId: string, channelId: string): Promise<ChannelAccess> {
  // The gateway's GUILD_CREATE normally fills the cache; a guild it has not announced yet is asked over REST.
  const guild = client.guilds.cache.get(guildId) ?? (await client.guilds.fetch(guildId).catch(() => null));
  if (!guild) return { ok: false, missing: [], reason: "I'm not in that server" };
  const channel = await findChannel(client, guild, channelId);
  if (channel === 'no-access') return { ok: false, missing: ['View Channel'], reason: "I can't see that channel" };
  if (!channel) {
    return { ok: false, missing: [], reason: 'that channel does not exist or belongs to another server' };
  }
  if (channel.guildId !== guildId) return { ok: false, missing: [], reason: 'that channel belongs to another server' };
  if (!POSTABLE_CHANNEL_TYPES.has(channel.type)) return { ok: false, missing: [], reason: 'that is not a text or announcement channel' };
  const me = guild.members.me ?? (await guild.members.fetchMe().catch(() => null));
  if (!me) return { ok: false, missing: [], reason: "I couldn't look up my own permissions in that server" };
  const permissions = channel.permissionsFor(me);
  const needed = channel.isThread() ? [REQUIRED_CHANNEL_PERMISSIONS[0], THREAD_SEND, REQUIRED_CHANNEL_PERMISSIONS[2]] : REQUIRED_CHANNEL_PERMISSIONS;
  const missing = needed.filter((p) => !permissions.has(p.flag)).map((p) => p.name);
  if (channel.isThread() && channel.archived) return { ok: false, missing, reason: 'that thread is archived' };
  return missing.length ? { ok: false, missing } : { ok: true, missing: [] };
}

async function findChannel(client: Client, guild: Guild, channelId: string): Promise<GuildBasedChannel | null | 'no-access'> {
  const cached = guild.channels.cache.get(channelId);
  if (cached) return cached;
  try {
    const fetched = await client.channels.fetch(channelId);
    return fetched && 'guildId' in fetched ? (fetched as GuildBasedChannel) : null;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.MissingAccess) return 'no-access';
    if (error instanceof DiscordAPIError && (error.code === RESTJSONErrorCodes.UnknownChannel || error.status === 404)) return null;
    throw error;
  }
}
