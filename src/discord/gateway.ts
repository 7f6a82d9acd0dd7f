import { Events, type Client } from 'discord.js';

type Packet = { t?: string | null; d?: Record<string, unknown> | null };

/**
 * Fills in dispatch fields that discord.js 14 reads without checking, so a Discord-compatible gateway that
 * leaves them out (they are newer additions to Discord's docs: monetisation, user-installed apps) cannot
 * make discord.js throw and silently drop the event. Without this, an INTERACTION_CREATE with no
 * `entitlements` never reaches the router and the user waits for an answer that never comes.
 * Hand-written because discord.js has no hook for it; the 'raw' event is emitted with the very packet
 * object discord.js then handles, so filling it in place is enough.
 */
export function normaliseDispatch(packet: Packet): void {
  const d = packet.d;
  if (!d || typeof d !== 'object') return;
  switch (packet.t) {
    case 'INTERACTION_CREATE': {
      if (!Array.isArray(d.entitlements)) d.entitlements = [];
      if (!d.authorizing_integration_owners || typeof d.authorizing_integration_owners !== 'object') d.authorizing_integration_owners = {};
      // discord.js takes the channel id from the `channel` object only; older payloads carry just `channel_id`.
      if (!d.channel && typeof d.channel_id === 'string') d.channel = { id: d.channel_id };
      // Slash commands (application command and autocomplete interactions) without `data.type` are chat-input commands.
      const data = d.data as { type?: unknown } | undefined;
      if ((d.type === 2 || d.type === 4) && data && typeof data === 'object' && data.type === undefined) data.type = 1;
      break;
    }
    case 'READY': {
      if (!Array.isArray(d.guilds)) d.guilds = [];
      const user = d.user as { id?: string } | undefined;
      // For a bot, the application shares its id with the bot user.
      if (!d.application && user?.id) d.application = { id: user.id, flags: 0 };
      break;
    }
    default:
      break;
  }
}

export function installDispatchNormaliser(client: Client): void {
  client.on(Events.Raw, (packet: Packet) => normaliseDispatch(packet));
}
