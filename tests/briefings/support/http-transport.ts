import type { Briefing } from '../../../src/briefings/types.ts';
import { DeliveryError, type BriefingTransport, type SendOptions } from '../../../src/briefings/transport.ts';
import { presentBriefing } from '../../../src/presentation/briefing.ts';
import { renderBriefingMessages, toRestBody, type DiscordMessage } from '../../../src/discord/render.ts';

/**
 * A plain-HTTP BriefingTransport speaking Discord's create-message route: the product's Discord renderer,
 * `nonce` + `enforce_nonce`, and a wait on 429 retry-after (what discord.js's queue does). It is the
 * fallback transport of the kill -9 test and the fan-out benchmark's second contender.
 */
export class NonceHttpTransport implements BriefingTransport<DiscordMessage> {
  readonly name = 'http';
  constructor(
    private readonly apiUrl: string,
    private readonly token = 'test-token',
  ) {}

  renderBriefing(briefing: Briefing): DiscordMessage[] {
    return renderBriefingMessages(presentBriefing(briefing));
  }

  async send(channelId: string, message: DiscordMessage, options?: SendOptions): Promise<{ messageId: string }> {
    const body = { ...toRestBody(message), ...(options?.nonce ? { nonce: options.nonce, enforce_nonce: true } : {}) };
    for (;;) {
      let response: Response;
      try {
        response = await fetch(`${this.apiUrl}/v10/channels/${channelId}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bot ${this.token}` },
          body: JSON.stringify(body),
        });
      } catch (error) {
        throw new DeliveryError(`network: ${(error as Error).message}`, 'transient');
      }
      const json = (await response.json().catch(() => ({}))) as { id?: string; message?: string; code?: number; retry_after?: number };
      if (response.ok) return { messageId: json.id! };
      if (response.status === 429) {
        await new Promise((r) => setTimeout(r, Math.ceil((json.retry_after ?? 1) * 1000)));
        continue;
      }
      const kind = response.status === 403 ? 'forbidden' : response.status === 404 ? 'not_found' : response.status >= 500 ? 'transient' : 'other';
      throw new DeliveryError(json.message ?? `HTTP ${response.status}`, kind, json.code, response.status);
    }
  }
}
