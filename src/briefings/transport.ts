import type { Briefing } from './types.ts';

/** How a delivery failed, in terms the delivery policy acts on (pause, remove, retry). */
export type DeliveryFailureKind = 'forbidden' | 'not_found' | 'rate_limited' | 'transient' | 'other';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly kind: DeliveryFailureKind,
    readonly code?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface SendOptions {
  /** At most 25 characters; the same for every retry or resume of the same message. */
  nonce?: string;
}

/**
 * Where briefings go: Discord channels, or the terminal in local mode. The core composes a Briefing,
 * asks the transport to split it into the messages it will post, and sends them one by one so an
 * interrupted briefing can resume after the last message that was sent.
 */
export interface BriefingTransport<Message = unknown> {
  readonly name: string;
  renderBriefing(briefing: Briefing): Message[];
  /**
   * Throws DeliveryError on failure. `options.nonce` is stable per (delivery, part): a Discord transport
   * should send it as the message `nonce` with `enforce_nonce: true`, so Discord drops a repeat of a
   * message it already received (a crash between sending and recording the message id).
   */
  send(channelId: string, message: Message, options?: SendOptions): Promise<{ messageId: string }>;
  /** Best-effort note to a guild's moderators (e.g. the system channel) when a subscription is paused. */
  notifyModerators?(guildId: string, text: string): Promise<void>;
}
