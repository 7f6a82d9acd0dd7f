/**
 * The scheduler port: recurring work (briefing occurrences, feed polls) handed to an engine.
 * One process on the embedded SQLite default runs an in-process engine on node-cron; a fleet runs
 * BullMQ job schedulers on Redis or pg-boss schedules on Postgres. Engines are at-least-once: handlers
 * must be idempotent (briefings are guarded by the delivery ledger's claims).
 */

export type JobKind = 'briefing' | 'feed-poll';

export interface RecurringJob {
  /** Stable id, e.g. `briefing:<subscriptionId>` or `feed-poll:<feedId>`; upserting an id replaces it everywhere. */
  id: string;
  kind: JobKind;
  /** A 5-field cron pattern evaluated in `timezone` (IANA)… */
  pattern?: string;
  timezone?: string;
  /** …or a fixed interval in milliseconds. Exactly one of `pattern` and `everyMs` is set. */
  everyMs?: number;
  /** Small string payload handed back to the handler (ids, never report text). */
  data: Record<string, string>;
}

export interface JobRun {
  id: string;
  kind: JobKind;
  /** The occurrence this run is for (its scheduled instant), not the moment it started. */
  scheduledAt: Date;
  data: Record<string, string>;
  /** 1 on the first attempt; engines that retry count up. */
  attempt: number;
}

export type JobHandler = (run: JobRun) => Promise<void>;

export interface JobScheduler {
  readonly engine: 'in-process' | 'bullmq' | 'pg-boss';
  /** Creates or replaces a recurring job; takes effect for every process sharing the engine at once. */
  upsert(job: RecurringJob): Promise<void>;
  /** Removes a recurring job and any of its pending runs: nothing runs for it afterwards, in any process. */
  remove(id: string): Promise<void>;
  /** The recurring jobs the engine knows, for reconciliation at start-up. */
  list(): Promise<RecurringJob[]>;
  /** Consumes runs of `kind` in this process (workers call it; a gateway that only schedules does not). */
  work(kind: JobKind, handler: JobHandler): Promise<void>;
  /** Stops consuming and scheduling; waits for in-flight handlers up to the engine's grace period. */
  close(): Promise<void>;
}
