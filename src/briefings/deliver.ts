import pRetry, { AbortError } from 'p-retry';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import { nonceFor, type DeliveryRecord, type Lease } from './delivery-ledger.ts';
import type { SubscriptionService } from './subscriptions.ts';
import { DeliveryError, type BriefingTransport, type DeliveryFailureKind, type OpenedThread } from './transport.ts';
import type { Briefing, Subscription, TargetKind } from './types.ts';

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

/** Runs one request, retrying transient failures and rate limits with backoff; other failures at once. */
export async function withRetry<T>(request: () => Promise<T>, policy: SendPolicy): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await request();
      } catch (error) {
        const retryable = error instanceof DeliveryError && (error.kind === 'transient' || error.kind === 'rate_limited');
        if (!retryable) throw new AbortError(error as Error);
        throw error;
      }
    },
    { retries: policy.attempts - 1, minTimeout: policy.retryBaseMs, factor: 2, randomize: true },
  );
}

/** Sends one message, retrying transient failures and rate limits with backoff; other failures at once. */
export async function sendWithRetry(transport: BriefingTransport, channelId: string, message: unknown, nonce: string, policy: SendPolicy): Promise<string> {
  const { messageId } = await withRetry(() => transport.send(channelId, message, { nonce }), policy);
  return messageId;
}

/** Where and how one delivery posts (the subscription's target, resolved for this briefing). */
export interface PostTarget {
  kind: TargetKind;
  guildId: string;
  /** The subscription's channel: text, announcement or forum channel, or the thread itself. */
  channelId: string;
  /** Title of the thread or forum post the briefing opens (at most 100 characters). */
  threadName: string;
  /** Names a forum tag may match (the subscription's regions and topics, then the reports'). */
  tagNames: string[];
}

export const MAX_THREAD_NAME = 100;

export function postTargetOf(sub: Subscription, briefing: Briefing): PostTarget {
  const named = sub.name && sub.name !== 'daily' ? ` (${sub.name})` : '';
  const title = `${briefing.title}${named}`;
  const threadName = title.length > MAX_THREAD_NAME ? `${title.slice(0, MAX_THREAD_NAME - 1)}…` : title;
  const tagNames = [
    ...sub.filters.regions,
    ...sub.filters.topics,
    ...briefing.items.flatMap((item) => [...(item.report.regions ?? []), ...(item.report.tags ?? [])]),
  ];
  return { kind: sub.target ?? 'channel', guildId: sub.guildId, channelId: sub.channelId, threadName, tagNames };
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

function missingCapability(transport: BriefingTransport, what: string): DeliveryError {
  return new DeliveryError(`The ${transport.name} transport cannot ${what}`, 'other');
}

/**
 * Sends the parts not yet sent, in order. Each part is recorded as `sending` (with its nonce) before its
 * request, in the same write that records the previous part as sent (and, for the first, `before`: the
 * composed briefing), so a resume after a crash re-sends at most the part that was in flight, under the
 * same nonce. Returns the change recording the last part as sent, for the caller's final write.
 *
 * Threads (targets `new-thread`, `forum`): the thread's id is recorded before any part goes into it, and a
 * resume continues in it. A thread started on the first message is found again by that message (Discord
 * gives the thread the message's id); a forum post has no nonce, so its request is recorded as `opening`
 * first and a resume that finds `opening` adopts the bot's post of that name before opening another.
 * Announcements: each sent message is crossposted, and recorded as crossposted, once.
 */
export async function sendParts(
  lease: Lease,
  messages: unknown[],
  transport: BriefingTransport,
  target: PostTarget,
  policy: SendPolicy,
  before?: RecordChange,
): Promise<{ sentNow: string[]; unrecorded: RecordChange | undefined }> {
  const sentNow: string[] = [];
  let unrecorded: RecordChange | undefined = (r) => {
    before?.(r);
    r.parts = messages.length;
  };
  const record = lease.record;
  let threadId = record.thread?.id;
  const later = (change: RecordChange) => {
    const previous = unrecorded;
    unrecorded = (r) => {
      previous?.(r);
      change(r);
    };
  };
  const fail = (error: unknown) => new PartFailedError(error, sentNow, unrecorded);

  /** Starts the thread of a `new-thread` briefing on its first message (idempotent, see above). */
  const openFromFirst = async () => {
    if (threadId || target.kind !== 'new-thread') return;
    const messageId = record.sent[0] ?? sentNow[0];
    if (!messageId) return;
    if (!transport.openThread) throw fail(missingCapability(transport, 'open threads'));
    try {
      const opened = await withRetry(
        () => transport.openThread!({ kind: 'from-message', guildId: target.guildId, channelId: target.channelId, messageId, name: target.threadName }),
        policy,
      );
      threadId = opened.threadId;
    } catch (error) {
      throw fail(error);
    }
    const id = threadId;
    later((r) => {
      r.thread = { id, name: target.threadName };
    });
  };

  const crossposted = new Set(record.crossposted ?? []);
  /** Crossposts what was sent and not crossposted yet (announcement target). */
  const crosspostSent = async () => {
    if (target.kind !== 'announcement') return;
    if (!transport.crosspost) throw fail(missingCapability(transport, 'crosspost'));
    for (const id of [...record.sent, ...sentNow]) {
      if (crossposted.has(id)) continue;
      try {
        await withRetry(() => transport.crosspost!(target.channelId, id), policy);
      } catch (error) {
        throw fail(error);
      }
      crossposted.add(id);
      later((r) => {
        r.crossposted = [...(r.crossposted ?? []), id];
      });
    }
  };

  // A resume first finishes what the interrupted run did after its last sent part.
  await openFromFirst();
  if (record.sent.length > 0) await crosspostSent();

  for (let part = record.sent.length; part < messages.length; part++) {
    const nonce = nonceFor(lease.key, part);
    const opensForumPost = target.kind === 'forum' && part === 0;
    let adopted: OpenedThread | undefined;
    if (opensForumPost && record.opening) {
      try {
        adopted = await transport.findThread?.({ guildId: target.guildId, channelId: target.channelId, name: record.opening.name });
      } catch (error) {
        throw fail(error);
      }
    }
    const previous = unrecorded;
    if (!adopted) {
      await lease.update((r) => {
        previous?.(r);
        r.sending = { part, nonce, at: lease.now() };
        if (opensForumPost) r.opening = { name: target.threadName, at: lease.now() };
      });
      unrecorded = undefined;
    }
    let messageId: string;
    try {
      if (opensForumPost) {
        if (!transport.openThread) throw missingCapability(transport, 'open forum posts');
        const opened =
          adopted ??
          (await withRetry(
            () =>
              transport.openThread!({
                kind: 'forum',
                guildId: target.guildId,
                channelId: target.channelId,
                name: target.threadName,
                message: messages[part],
                tagNames: target.tagNames,
              }),
            policy,
          ));
        threadId = opened.threadId;
        messageId = opened.firstMessageId ?? opened.threadId;
      } else {
        const channelId = threadId && part > 0 ? threadId : target.channelId;
        messageId = await sendWithRetry(transport, channelId, messages[part], nonce, policy);
      }
    } catch (error) {
      throw new PartFailedError(error, sentNow, unrecorded);
    }
    sentNow.push(messageId);
    const thread = opensForumPost && threadId ? { id: threadId, name: target.threadName } : undefined;
    later((r) => {
      r.sent.push(messageId);
      delete r.sending;
      if (thread) {
        r.thread = thread;
        delete r.opening;
      }
    });
    if (part === 0) await openFromFirst();
    await crosspostSent();
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
