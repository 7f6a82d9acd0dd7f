import { PermissionFlagsBits, Routes, type Client, type RESTPostAPIChannelMessageResult } from 'discord.js';
import type { BriefingTransport, SendOptions } from '../briefings/transport.ts';
import type { Briefing } from '../briefings/types.ts';
import type { Reply } from '../core/reply.ts';
import { presentBriefing } from '../briefings/present.ts';
import { renderBriefingMessages, toRestBody, type DiscordMessage } from './render.ts';
import { toDeliveryError } from './errors.ts';

/**
 * Posts briefings to Discord channels over REST (no cached channel needed: a channel the gateway has not
 * announced yet still works). discord.js queues and retries 429s itself; what still fails is mapped to a
 * DeliveryError so the delivery policy can pause (forbidden), drop (not_found) or retry (transient).
 */
export class DiscordBriefingTransport implements BriefingTransport<DiscordMessage> {
  readonly name = 'discord';

  constructor(
    private readonly client: Client,
    private readonly present: (briefing: Briefing) => Reply = presentBriefing,
  ) {}

  renderBriefing(briefing: Briefing): DiscordMessage[] {
    return renderBriefingMessages(this.present(briefing));
  }

  /**
   * With a nonce, Discord answers a repeat (a retry after a lost response, a resume after a crash) with the
   * message it already created instead of posting it twice (`enforce_nonce`).
   */
  async send(channelId: string, message: DiscordMessage, options: SendOptions = {}): Promise<{ messageId: string }> {
    const body = options.nonce ? { ...toRestBody(message), nonce: options.nonce.slice(0, 25), enforce_nonce: true } : toRestBody(message);
    try {
      const result = (await this.client.rest.post(Routes.channelMessages(channelId), { body })) as RESTPostAPIChannelMessageResult;
      return { messageId: result.id };
    } catch (error) {
      throw toDeliveryError(error);
    }
  }

  /** Best effort: the guild's system channel, when the bot may post there. Never throws. */
  async notifyModerators(guildId: string, text: string): Promise<void> {
    try {
      const guild = this.client.guilds.cache.get(guildId);
      const channel = guild?.systemChannel ?? guild?.publicUpdatesChannel;
      const me = guild?.members.me;
      if (!channel || !me) return;
      const perms = channel.permissionsFor(me);
      if (!perms.has(PermissionFlagsBits.ViewChannel) || !perms.has(PermissionFlagsBits.SendMessages)) return;
      const [first] = renderBriefingMessages({ content: text });
      if (first) await this.send(channel.id, first);
    } catch {
      // A note to moderators must never turn into a second failure.
    }
  }
}
