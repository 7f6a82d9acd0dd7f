import { LOCAL_GUILD_ID, type Invoker, type Platform } from '../core/command.ts';
import type { BriefingTransport } from '../briefings/transport.ts';

/** Local mode has one pretend server with one channel; the person at the keyboard is its moderator. */
export { LOCAL_GUILD_ID };
export const LOCAL_CHANNEL_ID = 'terminal';

export function localInvoker(name = process.env.USER ?? process.env.USERNAME ?? 'you'): Invoker {
  return { id: 'local-user', name, isModerator: true };
}

export function terminalPlatform(briefings?: BriefingTransport): Platform {
  return {
    name: 'terminal',
    briefings,
    async channelAccess(guildId, channelId) {
      if (guildId === LOCAL_GUILD_ID && channelId === LOCAL_CHANNEL_ID) return { ok: true, missing: [] };
      return { ok: false, missing: [], reason: `local mode has only the #${LOCAL_CHANNEL_ID} channel` };
    },
  };
}
