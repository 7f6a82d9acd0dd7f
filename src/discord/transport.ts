import { DiscordAPIError, Routes, type Client, type RESTPostAPIChannelMessageResult } from 'discord.js';
import { DeliveryError, type BriefingTransport, type SendOptions } from '../briefings/transport.ts';
import type { Briefing } from '../briefings/types.ts';
import type { Reply } from '../core/reply.ts';
import { presentBriefing } from '../presentation/briefing.ts';
import { renderBriefingMessages, toRestBody, type DiscordMessage } from './render.ts';
import { toDeliveryError } from './errors.ts';
import { discordChannelAccess } from './platform.ts';

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
      const failure = toDeliveryError(error);
      // "not_found" removes the subscription. A 404 without Discord's Unknown Channel code may only mean an
      // unknown route (Discord answers those with code 0) or a proxy: believe it only if the channel is gone too.
      if (failure.kind === 'not_found' && failure.code === undefined && !(await this.channelIsGone(channelId))) {
        throw new DeliveryError(failure.message, 'other', failure.code, failure.status);
      }
      throw failure;
    }
  }

  private async channelIsGone(channelId: string): Promise<boolean> {
    try {
      await this.client.rest.get(Routes.channel(channelId));
      return false;
    } catch (error) {
      return error instanceof DiscordAPIError && error.status === 404;
    }
  }

  /**
   * Best effort: the guild's system channel (or its community updates channel), when the bot may post
   * there. The guild and channel are asked over REST when the gateway did not give them. Never throws.
   */
  async notifyModerators(guildId: string, text: string): Promise<void> {
    try {
      const guild = this.client.guilds.cache.get(guildId) ?? (await this.client.guilds.fetch(guildId).catch(() => null));
      const channelId = guild?.systemChannelId ?? guild?.publicUpdatesChannelId;
      if (!channelId) return;
      const access = await discordChannelAccess(this.client, guildId, channelId);
      // The note is plain text: Embed Links is not needed for it.
      if (!access.ok && (access.reason !== undefined || access.missing.some((name) => name !== 'Embed Links'))) return;
      // The note is the bot's own text (no report text): its channel mention (<#id>) is kept; it never pings.
      const [first] = renderBriefingMessages({ content: text }, { isKnownChannel: () => true });
      if (first) await this.send(channelId, first);
    } catch {
      // A note to moderators must never turn into a second failure.
    }
  }
}
