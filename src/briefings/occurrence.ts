import type { Clock } from '../core/clock.ts';
import { UserError, errorMessage } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { BriefingComposer, CompositionContext } from './composer.ts';
import { LeaseLostError, deliveryKey, type DeliveryLedger, type DeliveryRecord, type Lease } from './delivery-ledger.ts';
import { PartFailedError, applyFailurePolicy, postTargetOf, sendParts, type FailureKind, type RecordChange, type SendPolicy } from './deliver.ts';
import type { SubscriptionService } from './subscriptions.ts';
import { DeliveryError, type BriefingTransport } from './transport.ts';
import type { Briefing, Subscription } from './types.ts';

export type DeliveryStatus =
  | 'delivered'
  /** Finished an occurrence that an interrupted run had started, without repeating its sent parts. */
  | 'resumed'
  | 'skipped_empty'
  | 'already_delivered'
  | 'in_progress_elsewhere'
  /** Past the grace window: not sent (a briefing that late is noise). */
  | 'missed'
  | 'paused'
  | 'removed'
  | 'failed';

export interface DeliveryOutcome {
  subscriptionId: string;
  guildId: string;
  channelId: string;
  occurrence: string;
  status: DeliveryStatus;
  /** Ids of the messages this call sent. */
  messageIds: string[];
  error?: string;
  /** For failed deliveries: the transport's failure kind ('unexpected' for an error outside the transport). */
  failure?: FailureKind;
}

/** What `/briefing send-now` did: `posted` is false when there was nothing new and the policy is `skip`. */
export interface SendNowResult {
  messageIds: string[];
  posted: boolean;
  status: 'delivered' | 'resumed' | 'skipped_empty' | 'already_delivered';
}

/**
 * Delivers one occurrence of one subscription, exactly once: claim (delivery-ledger.ts) → compose, only
 * once the claim is won (composer.ts) → send the parts not sent yet (deliver.ts) → record the delivery and
 * move the subscription's cursor. A delivery interrupted anywhere is resumed by whoever takes it over.
 */
export class OccurrenceDelivery {
  private readonly inFlight = new Set<string>();
  /** Deliveries this instance is sending: released on stop so a restart resumes them at once. */
  private readonly active = new Set<Lease>();

  constructor(
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      composer: BriefingComposer;
      ledger: DeliveryLedger;
      subscriptions: SubscriptionService;
      graceMs: () => number;
      sendPolicy: SendPolicy;
    },
  ) {}

  private get graceMs(): number {
    return this.deps.graceMs();
  }

  /** Posts a subscription's briefing now (moderator's /briefing send-now), as a delivery like the others. */
  async sendNow(sub: Subscription, transport: BriefingTransport, leaseMs: number): Promise<SendNowResult> {
    // An interrupted send-now (a crash, a restart) is finished, never reposted whole.
    const now = this.deps.clock.now();
    const pending = (await this.deps.ledger.incompleteManual(sub.id))
      .filter((p) => now.getTime() - Date.parse(p.record.occurrence) <= this.graceMs)
      .sort((a, b) => a.record.occurrence.localeCompare(b.record.occurrence))
      .at(-1);
    let occurrence = now;
    if (pending) {
      const ready = await this.waitForLease(pending.key, leaseMs);
      if (ready?.done) return { messageIds: ready.sent, posted: ready.sent.length > 0, status: 'already_delivered' };
      occurrence = new Date(pending.record.occurrence);
    }
    const outcome = await this.deliverOccurrence(sub, occurrence, transport, this.deps.composer.newContext(now), { manual: true });
    switch (outcome.status) {
      case 'delivered':
      case 'resumed':
        return { messageIds: outcome.messageIds, posted: true, status: outcome.status };
      case 'skipped_empty':
        return { messageIds: [], posted: false, status: 'skipped_empty' };
      case 'already_delivered':
        return { messageIds: [], posted: false, status: 'already_delivered' };
      case 'in_progress_elsewhere':
        throw new UserError('A briefing is being posted in that channel right now; try again in a minute.', 'delivery_in_progress');
      default:
        throw new UserError(`Could not post the briefing in that channel: ${outcome.error ?? outcome.status}`, 'delivery_failed');
    }
  }

  /** Waits (at most one lease) for an unfinished delivery's lease to run out or for it to finish. */
  private async waitForLease(key: string, leaseMs: number): Promise<DeliveryRecord | undefined> {
    const deadline = performance.now() + leaseMs + 1000;
    for (;;) {
      const record = await this.deps.ledger.read(key);
      if (!record || record.done || record.released || this.deps.ledger.leaseExpired(record) || record.owner === this.deps.ledger.owner) return record;
      if (performance.now() > deadline) return record;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Gives up every delivery in flight (a stop): a restart or another process resumes them at once. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.active].map((lease) => lease.release()));
    this.active.clear();
  }

  /** Delivers an occurrence unless it is past the grace window; never throws. */
  async deliverGuarded(
    sub: Subscription,
    occurrence: Date,
    now: Date,
    transport: BriefingTransport,
    ctx: CompositionContext,
    opts: { manual?: boolean } = {},
  ): Promise<DeliveryOutcome> {
    const base = { subscriptionId: sub.id, guildId: sub.guildId, channelId: sub.channelId, occurrence: occurrence.toISOString(), messageIds: [] };
    if (now.getTime() - occurrence.getTime() > this.graceMs) {
      this.deps.logger.warn({ subscription: sub.id, occurrence: base.occurrence }, 'briefing occurrence missed beyond the grace window; not sent');
      return { ...base, status: 'missed' };
    }
    try {
      return await this.deliverOccurrence(sub, occurrence, transport, ctx, opts);
    } catch (error) {
      this.deps.logger.error({ err: error, subscription: sub.id }, 'briefing delivery failed unexpectedly');
      return { ...base, status: 'failed', failure: 'unexpected', error: errorMessage(error) };
    }
  }

  async deliverOccurrence(
    sub: Subscription,
    occurrence: Date,
    transport: BriefingTransport,
    ctx: CompositionContext,
    opts: { manual?: boolean } = {},
  ): Promise<DeliveryOutcome> {
    const occurrenceIso = occurrence.toISOString();
    const key = deliveryKey(sub.id, occurrence, opts.manual);
    const base = { subscriptionId: sub.id, guildId: sub.guildId, channelId: sub.channelId, occurrence: occurrenceIso };
    if (this.inFlight.has(key)) return { ...base, status: 'in_progress_elsewhere', messageIds: [] };
    this.inFlight.add(key);
    try {
      const acquired = await this.deps.ledger.acquire(key, () => ({
        subscriptionId: sub.id,
        occurrence: occurrenceIso,
        kind: opts.manual ? 'manual' : 'scheduled',
        composed: false,
        composedAt: ctx.at.toISOString(),
        reportIds: [],
        parts: 0,
        sent: [],
        done: false,
      }));
      if (!acquired.won) return { ...base, status: acquired.reason === 'done' ? 'already_delivered' : 'in_progress_elsewhere', messageIds: [] };
      const { lease, takenOver } = acquired;
      const stopKeepAlive = lease.keepAlive();
      this.active.add(lease);
      try {
        let briefing: Briefing;
        let composedChange: RecordChange | undefined;
        // Records from before `composed` existed were composed before their claim.
        if (lease.record.composed === false) {
          // Only the winner of the claim composes (no N-fold analysis or model calls across a fleet).
          const composed = await this.deps.composer.composeOccurrence(sub, ctx, occurrence);
          briefing = composed.briefing;
          const skip = briefing.items.length === 0 && sub.emptyPolicy === 'skip';
          // Recorded with the first part's "sending" (one write): what a resume rebuilds the briefing from.
          composedChange = (r) => {
            r.composed = true;
            r.composedAt = ctx.at.toISOString();
            r.reportIds = composed.reportIds;
            if (composed.cursor.seq !== undefined) r.cursorSeq = composed.cursor.seq;
            if (composed.cursor.time !== undefined) r.cursor = composed.cursor.time;
            if (briefing.emptyNotice) r.emptyNotice = briefing.emptyNotice;
          };
          if (skip) {
            await lease.update((r) => {
              composedChange?.(r);
              r.done = true;
              r.status = 'skipped_empty';
            });
            await this.recordDelivery(sub, lease.record, []);
            return { ...base, status: 'skipped_empty', messageIds: [] };
          }
        } else {
          briefing = await this.deps.composer.recompose(sub, lease.record, ctx);
          if (takenOver)
            this.deps.logger.info({ subscription: sub.id, occurrence: occurrenceIso, alreadySent: lease.record.sent.length }, 'resuming interrupted briefing');
        }
        const messages = this.deps.composer.render(transport, briefing, ctx);
        let sentNow: string[];
        let unrecorded: RecordChange | undefined;
        try {
          ({ sentNow, unrecorded } = await sendParts(lease, messages, transport, postTargetOf(sub, briefing), this.deps.sendPolicy, composedChange));
        } catch (error) {
          if (!(error instanceof PartFailedError)) throw error;
          return await this.failed(sub, lease.record, error, base, transport, (change) =>
            lease.update((r) => {
              error.unrecorded?.(r);
              change(r);
            }),
          );
        }
        await lease.update((r) => {
          unrecorded?.(r);
          r.done = true;
          r.status = 'delivered';
        });
        await this.recordDelivery(sub, lease.record, lease.record.sent);
        return { ...base, status: takenOver ? 'resumed' : 'delivered', messageIds: sentNow };
      } catch (error) {
        if (error instanceof LeaseLostError) return { ...base, status: 'in_progress_elsewhere', messageIds: [] };
        // Let another attempt (this process's retry, another process) take over at once.
        await lease
          .update((r) => {
            r.released = true;
            r.error = `unexpected: ${errorMessage(error)}`;
          })
          .catch(() => undefined);
        throw error;
      } finally {
        stopKeepAlive();
        this.active.delete(lease);
      }
    } finally {
      this.inFlight.delete(key);
    }
  }

  private async recordDelivery(sub: Subscription, record: DeliveryRecord, messageIds: string[]): Promise<void> {
    await this.deps.subscriptions.recordDelivery(sub.id, {
      occurrence: record.occurrence,
      at: this.deps.clock.now().toISOString(),
      messageIds,
      cursor: record.cursor,
      cursorSeq: record.cursorSeq,
    });
  }

  private async failed(
    sub: Subscription,
    record: DeliveryRecord,
    failure: PartFailedError,
    base: Omit<DeliveryOutcome, 'status' | 'messageIds'>,
    transport: BriefingTransport,
    update: (change: (r: DeliveryRecord) => void) => Promise<void>,
  ): Promise<DeliveryOutcome> {
    const error = failure.cause;
    const kind = error instanceof DeliveryError ? error.kind : 'other';
    const message = errorMessage(error);
    await update((r) => {
      r.released = true;
      r.status = 'failed';
      r.error = `${kind}: ${message}`;
    });
    const action = await applyFailurePolicy({ subscriptions: this.deps.subscriptions, logger: this.deps.logger }, sub, error, record.occurrence, transport);
    const status = action === 'pause' ? 'paused' : action === 'remove' ? 'removed' : 'failed';
    return { ...base, status, messageIds: failure.sentNow, error: message, ...(status === 'failed' ? { failure: kind } : {}) };
  }
}
