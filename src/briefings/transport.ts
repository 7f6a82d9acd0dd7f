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

/** The thread a briefing opens: a thread started on its first message, or a forum post holding it. */
export type OpenThreadRequest =
  | { kind: 'from-message'; guildId: string; channelId: string; messageId: string; name: string }
  | { kind: 'forum'; guildId: string; channelId: string; name: string; message: unknown; tagNames: string[] };

/** A thread a briefing opened: its id, and for a forum post the id of the post's first message. */
export interface OpenedThread {
  threadId: string;
  firstMessageId?: string;
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
  /**
   * Opens the briefing's thread (targets `new-thread` and `forum`). Opening a thread on a message that
   * already has one answers with that thread (Discord gives it the message's id), so a retry never opens two.
   */
  openThread?(request: OpenThreadRequest): Promise<OpenedThread>;
  /**
   * The forum post an interrupted delivery opened but did not record: the bot's own active post in
   * `channelId` named `name`. Forum posts carry no nonce, so this is how a
   * resume adopts the post instead of opening a second one.
   */
  findThread?(request: { guildId: string; channelId: string; name: string }): Promise<OpenedThread | undefined>;
  /** Publishes a message of an announcement channel to the servers following it; a repeat is a no-op. */
  crosspost?(channelId: string, messageId: string): Promise<void>;
  /** Best-effort note to a guild's moderators (e.g. the system channel) when a subscription is paused. */
  notifyModerators?(guildId: string, text: string): Promise<void>;
}
