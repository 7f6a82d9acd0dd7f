import pRetry, { AbortError } from 'p-retry';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import { nonceFor, type DeliveryRecord, type Lease } from './delivery-ledger.ts';
import type { SubscriptionService } from './subscriptions.ts';
import { DeliveryError, type BriefingTransport, type DeliveryFailureKind } from './transport.ts';
import type { Subscription } from './types.ts';

/** What happens to a subscription when a delivery fails, by the transport's failure kind. */
export type FailureAction =
  /** The bot lost access: pause the subscription and tell the guild's moderators. */
  | 'pause'
  /** The channel is gone: remove the subscription and log why. */
  | 'remove'
  /** An outage or a rate limit may be over in minutes: try the same occurrence again later (within grace). */
  | 'retry_later'
  /** The message was refused and would be refused again: give up on this occurrence; the next one runs. */
  | 'give_up';

export type FailureKind = DeliveryFailureKind | 'unexpected';

export const FAILURE_POLICY: Readonly<Record<FailureKind, FailureAction>> = {
  forbidden: 'pause',
  not_found: 'remove',
  transient: 'retry_later',
  rate_limited: 'retry_later',
  unexpected: 'retry_later',
  other: 'give_up',
};

export interface SendPolicy {
  /** Attempts for a transient (5xx / network) failure per message, with exponential backoff. */
  attempts: number;
  retryBaseMs: number;
}

/** Sends one message, retrying transient failures and rate limits with backoff; other failures at once. */
export async function sendWithRetry(transport: BriefingTransport, channelId: string, message: unknown, nonce: string, policy: SendPolicy): Promise<string> {
  const { messageId } = await pRetry(
    async () => {
      try {
        return await transport.send(channelId, message, { nonce });
      } catch (error) {
        const retryable = error instanceof DeliveryError && (error.kind === 'transient' || error.kind === 'rate_limited');
        if (!retryable) throw new AbortError(error as Error);
        throw error;
      }
    },
    { retries: policy.attempts - 1, minTimeout: policy.retryBaseMs, factor: 2, randomize: true },
  );
  return messageId;
}

/** A change to a delivery record not written yet (merged into the next write). */
export type RecordChange = (record: DeliveryRecord) => void;

/** A part failed after its retries; carries what was sent before it and the record change still to write. */
export class PartFailedError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly sentNow: string[],
    readonly unrecorded: RecordChange | undefined,
  ) {
    super(errorMessage(cause));
    this.name = 'PartFailedError';
  }
}

/**
 * Sends the parts not yet sent, in order. Each part is recorded as `sending` (with its nonce) before its
 * request, in the same write that records the previous part as sent (and, for the first, `before`: the
 * composed briefing), so a resume after a crash re-sends at most the part that was in flight, under the
 * same nonce. Returns the change recording the last part as sent, for the caller's final write.
 */
export async function sendParts(
  lease: Lease,
  messages: unknown[],
  transport: BriefingTransport,
  channelId: string,
  policy: SendPolicy,
  before?: RecordChange,
): Promise<{ sentNow: string[]; unrecorded: RecordChange | undefined }> {
  const sentNow: string[] = [];
  let unrecorded: RecordChange | undefined = (r) => {
    before?.(r);
    r.parts = messages.length;
  };
  for (let part = lease.record.sent.length; part < messages.length; part++) {
    const nonce = nonceFor(lease.key, part);
    const previous = unrecorded;
    await lease.update((r) => {
      previous?.(r);
      r.sending = { part, nonce, at: lease.now() };
    });
    unrecorded = undefined;
    let messageId: string;
    try {
      messageId = await sendWithRetry(transport, channelId, messages[part], nonce, policy);
    } catch (error) {
      throw new PartFailedError(error, sentNow, undefined);
    }
    sentNow.push(messageId);
    unrecorded = (r) => {
      r.sent.push(messageId);
      delete r.sending;
    };
  }
  return { sentNow, unrecorded };
}

export function failureKindOf(error: unknown): FailureKind {
  return error instanceof DeliveryError ? error.kind : 'unexpected';
}

/**
 * Applies the failure policy to a subscription whose delivery failed: pause (and tell moderators), remove,
 * or nothing here (retry later / give up are the scheduler's business). Returns the action taken.
 */
export async function applyFailurePolicy(
  deps: { subscriptions: SubscriptionService; logger: Logger },
  sub: Subscription,
  error: unknown,
  occurrence: string,
  transport: BriefingTransport,
): Promise<FailureAction> {
  const kind = error instanceof DeliveryError ? error.kind : 'other';
  const action = FAILURE_POLICY[kind];
  const message = errorMessage(error);
  const log = { subscription: sub.id, channel: sub.channelId, kind, err: error };
  if (action === 'pause') {
    const reason = `${message.replace(/\.?\s*$/, '.')} Subscribe the channel again once that is fixed to resume the briefing.`;
    deps.logger.warn(log, 'briefing forbidden; subscription paused');
    await deps.subscriptions.pause(sub.id, reason);
    try {
      const what = sub.name && sub.name !== 'daily' ? `the briefing "${sub.name}"` : 'the daily briefing';
      await transport.notifyModerators?.(sub.guildId, `Sitrep paused ${what} for <#${sub.channelId}>: ${reason}`);
    } catch (notifyError) {
      deps.logger.warn({ err: notifyError, guild: sub.guildId }, 'could not notify moderators');
    }
  } else if (action === 'remove') {
    deps.logger.warn(log, 'briefing channel not found; subscription removed');
    await deps.subscriptions.remove(sub.id, `Channel not found when delivering the briefing of ${occurrence} (${message})`);
  } else {
    deps.logger.error(log, 'briefing delivery failed');
  }
  return action;
}
