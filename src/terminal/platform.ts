import type { BriefingSink, Invoker, Platform } from '../core/command.ts';

/** Local mode has one pretend server with one channel; the person at the keyboard is its moderator. */
/** Guild id of the terminal's local mode; never a Discord guild, so the two never deliver each other's briefings. */
export const LOCAL_GUILD_ID = 'local';
export const LOCAL_CHANNEL_ID = 'terminal';

export function localInvoker(name = process.env.USER ?? process.env.USERNAME ?? 'you'): Invoker {
  return { id: 'local-user', name, isModerator: true };
}

export function terminalPlatform(briefings?: BriefingSink): Platform {
  return {
    name: 'terminal',
    briefings,
    channelMention: (channel) => `#${channel.name?.trim() || channel.id}`,
    async channelAccess(guildId, channelId) {
      if (guildId === LOCAL_GUILD_ID && channelId === LOCAL_CHANNEL_ID) return { ok: true, missing: [] };
      return { ok: false, missing: [], reason: `local mode has only the #${LOCAL_CHANNEL_ID} channel` };
    },
  };
}
