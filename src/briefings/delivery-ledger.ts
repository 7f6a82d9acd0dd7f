import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';

/**
 * The delivery ledger: one claim per (subscription, occurrence) in the store, `delivery:<subscriptionId>:
 * <occurrenceISO>` (`…:manual:<ISO>` for /briefing send-now). It is the guard against repeats whatever the
 * scheduler does (every engine is at-least-once):
 *
 * - the first process to `claim` the key owns the delivery under a lease (`leaseUntil`), renewed while it
 *   sends; another process takes it over only once the lease has expired (or the owner released it after a
 *   failure), never by guessing whether the owner is alive;
 * - every change of the record is compare-and-set on the claim's generation (`updateClaimIf`), so of two
 *   processes that both saw an expired lease only one takes over, and an owner that lost its lease (it
 *   stalled past it) finds out at its next write and stops;
 * - each part is recorded as `sending` with its nonce before the request and `sent` with its message id
 *   after it: a resume re-sends the part in flight with the same nonce, which Discord (`enforce_nonce`)
 *   answers with the message it already created.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Delivery claims are kept this long, then pruned. */
export const LEDGER_RETENTION_MS = 14 * DAY_MS;
export const LEDGER_PREFIX = 'delivery:';

/** The claim value of a delivery. */
export interface DeliveryRecord {
  subscriptionId: string;
  occurrence: string;
  /** `manual` for /briefing send-now. */
  kind?: 'scheduled' | 'manual';
  /** Random id of the ledger (one per service instance) that holds the lease. */
  owner: string;
  /** Until then nobody else may take the delivery over (ISO); renewed while sending. */
  leaseUntil?: string;
  heartbeatAt: string;
  /** False until the owner composed the briefing (composition happens only after the claim is won). */
  composed?: boolean;
  /** When the briefing was composed. */
  composedAt: string;
  /** Where the subscription's cursor moves after delivery: the highest ingest seq considered… */
  cursorSeq?: number;
  /** …or, on a library without ingest sequence, the latest ingestion time considered. */
  cursor?: string;
  /** In briefing order, so an interrupted delivery resumes with exactly the same messages. */
  reportIds: string[];
  emptyNotice?: string;
  parts: number;
  /** Message ids of the parts sent, in order. */
  sent: string[];
  /** The part whose request is (or was, when the owner died) in flight. */
  sending?: { part: number; nonce: string; at: string };
  /**
   * The thread (new-thread and forum targets) this delivery posts into, recorded (compare-and-set) before
   * any message goes into it: a resume continues in it. `opening` marks a forum post whose request is (or
   * was) in flight, so a resume looks for it before opening another.
   */
  thread?: { id: string; name: string };
  opening?: { name: string; at: string };
  /** Ids of the sent messages already crossposted (announcement target): each is crossposted once. */
  crossposted?: string[];
  done: boolean;
  status?: 'delivered' | 'skipped_empty' | 'failed';
  error?: string;
  /** Set when the owner gave up (failure): anyone may take over without waiting for the lease. */
  released?: boolean;
  /** How many times the delivery was taken over. */
  takeovers?: number;
}

/** The owner lost the delivery: its lease expired and another process took it over. */
export class LeaseLostError extends Error {
  constructor(readonly key: string) {
    super(`Lost the lease of ${key}: another process took the delivery over`);
    this.name = 'LeaseLostError';
  }
}

export type Acquired =
  | { won: true; lease: Lease; takenOver: boolean }
  | { won: false; reason: 'done'; record: DeliveryRecord }
  | { won: false; reason: 'busy'; record?: DeliveryRecord };

/** Discord nonces are at most 25 characters; the same (claim, part) always gives the same nonce. */
export function nonceFor(claimKey: string, part: number): string {
  return createHash('sha256').update(`${claimKey}#${part}`).digest('base64url').slice(0, 25);
}

export function deliveryKey(subscriptionId: string, occurrence: Date | string, manual = false): string {
  const iso = typeof occurrence === 'string' ? occurrence : occurrence.toISOString();
  return `${LEDGER_PREFIX}${subscriptionId}:${manual ? 'manual:' : ''}${iso}`;
}

export class DeliveryLedger {
  /** Random per instance: a claim is ours only if we made it in this life of the process. */
  readonly owner = randomBytes(8).toString('hex');
  private prunedAt: number | undefined;

  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger; leaseMs: number }) {}

  nowIso(): string {
    return this.deps.clock.now().toISOString();
  }

  private leaseUntil(): string {
    return new Date(this.deps.clock.now().getTime() + this.deps.leaseMs).toISOString();
  }

  /** Whether a record's lease has run out (records from before leases count from their heartbeat). */
  leaseExpired(record: DeliveryRecord): boolean {
    const until = record.leaseUntil ? Date.parse(record.leaseUntil) : Date.parse(record.heartbeatAt) + this.deps.leaseMs;
    return this.deps.clock.now().getTime() >= until;
  }

  /** Milliseconds until the record's lease runs out (0 when it has). */
  leaseRemainingMs(record: DeliveryRecord): number {
    const until = record.leaseUntil ? Date.parse(record.leaseUntil) : Date.parse(record.heartbeatAt) + this.deps.leaseMs;
    return Math.max(0, until - this.deps.clock.now().getTime());
  }

  /**
   * Wins the right to deliver `key`: a fresh claim (`fresh` is the initial record, not yet composed), or a
   * takeover of a delivery whose lease expired or whose owner released it.
   */
  async acquire(key: string, fresh: () => Omit<DeliveryRecord, 'owner' | 'leaseUntil' | 'heartbeatAt'>): Promise<Acquired> {
    let current = await this.deps.store.readClaim<DeliveryRecord>(key);
    if (!current) {
      const record: DeliveryRecord = { ...fresh(), owner: this.owner, leaseUntil: this.leaseUntil(), heartbeatAt: this.nowIso() };
      // `claim()` creates generation 1 (CONTRACTS §1).
      if (await this.deps.store.claim(key, record)) return { won: true, lease: new Lease(this, this.deps.store, key, 1, record), takenOver: false };
      current = await this.deps.store.readClaim<DeliveryRecord>(key);
      if (!current) return { won: false, reason: 'busy' };
    }
    const { value, generation } = current;
    if (value.done) return { won: false, reason: 'done', record: value };
    if (!value.released && !this.leaseExpired(value)) return { won: false, reason: 'busy', record: value };
    const record: DeliveryRecord = {
      ...value,
      owner: this.owner,
      leaseUntil: this.leaseUntil(),
      heartbeatAt: this.nowIso(),
      takeovers: (value.takeovers ?? 0) + 1,
    };
    delete record.released;
    delete record.error;
    delete record.status;
    if (!(await this.deps.store.updateClaimIf(key, generation, record))) return { won: false, reason: 'busy', record: value };
    return { won: true, lease: new Lease(this, this.deps.store, key, generation + 1, record), takenOver: true };
  }

  /** Unfinished deliveries (any owner), for the resume pass at start-up. */
  async incomplete(): Promise<Array<{ key: string; record: DeliveryRecord }>> {
    const claims = await this.deps.store.listClaims<DeliveryRecord>(LEDGER_PREFIX);
    return claims.filter((c) => !c.key.includes('#') && c.value && typeof c.value === 'object' && !c.value.done).map((c) => ({ key: c.key, record: c.value }));
  }

  /** The unfinished manual deliveries of a subscription (an interrupted /briefing send-now). */
  async incompleteManual(subscriptionId: string): Promise<Array<{ key: string; record: DeliveryRecord }>> {
    const claims = await this.deps.store.listClaims<DeliveryRecord>(`${LEDGER_PREFIX}${subscriptionId}:manual:`);
    return claims.filter((c) => !c.value.done).map((c) => ({ key: c.key, record: c.value }));
  }

  read(key: string): Promise<DeliveryRecord | undefined> {
    return this.deps.store.getClaim<DeliveryRecord>(key);
  }

  /**
   * Once a day, forgets delivery claims older than LEDGER_RETENTION_MS: far past any catch-up window (at most
   * 48 h), so the ledger stays bounded (10,000 daily subscriptions would otherwise add 3.65 M rows a year).
   */
  async prune(now: Date): Promise<void> {
    if (this.prunedAt !== undefined && now.getTime() - this.prunedAt < DAY_MS) return;
    this.prunedAt = now.getTime();
    try {
      const pruned = await this.deps.store.pruneClaims(LEDGER_PREFIX, new Date(now.getTime() - LEDGER_RETENTION_MS));
      if (pruned > 0) this.deps.logger.info({ pruned }, 'old delivery claims pruned');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not prune old delivery claims');
    }
  }

  /** @internal for Lease */
  renewedFields(): Pick<DeliveryRecord, 'leaseUntil' | 'heartbeatAt'> {
    return { leaseUntil: this.leaseUntil(), heartbeatAt: this.nowIso() };
  }

  get leaseMs(): number {
    return this.deps.leaseMs;
  }
}

/**
 * A won delivery. Every write is compare-and-set on the generation this owner last wrote; writes are
 * serialised (part records and lease renewals never race each other), and a lost lease throws.
 */
export class Lease {
  private chain: Promise<unknown> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;
  private lost = false;

  constructor(
    private readonly ledger: DeliveryLedger,
    private readonly store: Store,
    readonly key: string,
    private generation: number,
    readonly record: DeliveryRecord,
  ) {}

  /** Now, from the ledger's clock. */
  now(): string {
    return this.ledger.nowIso();
  }

  /** Applies `change` to the record (and renews the lease), then writes it if nobody took the delivery over. */
  update(change: (record: DeliveryRecord) => void = () => undefined): Promise<void> {
    const write = this.chain.then(async () => {
      if (this.lost) throw new LeaseLostError(this.key);
      change(this.record);
      Object.assign(this.record, this.ledger.renewedFields());
      if (!(await this.store.updateClaimIf(this.key, this.generation, this.record))) {
        this.lost = true;
        throw new LeaseLostError(this.key);
      }
      this.generation += 1;
    });
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Renews the lease every third of its length until `stop()` (a slow send must not look abandoned). */
  keepAlive(): () => void {
    const every = Math.max(250, Math.floor(this.ledger.leaseMs / 3));
    this.heartbeat = setInterval(() => void this.update().catch(() => undefined), every);
    this.heartbeat.unref();
    return () => this.stopHeartbeat();
  }

  /**
   * Gives the delivery up (a stop while it is in flight): anyone may take it over at once, and this
   * owner writes nothing more (a send still in flight ends as a lost lease, its part resent under its nonce).
   */
  async release(): Promise<void> {
    this.stopHeartbeat();
    await this.update((r) => {
      r.released = true;
    }).catch(() => undefined);
    this.lost = true;
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
