import { Queue, Worker, createNodeRedisClient, type Job } from 'bullmq';
import { createClient } from '@keyv/redis';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../core/errors.ts';
import type { JobHandler, JobKind, JobScheduler, RecurringJob } from './port.ts';

export interface BullMqSchedulerOptions {
  redisUrl: string;
  logger: Logger;
  /** Redis key prefix of every queue (default `sitrep`); tests use a unique one. */
  prefix?: string;
  /** Jobs of one kind run at once in this process (default 8). */
  concurrency?: number;
  /** How long close() waits for in-flight handlers (default 5 s, inside the 10 s stop budget). */
  closeGraceMs?: number;
}

const KINDS: JobKind[] = ['briefing', 'feed-poll'];

/**
 * The scheduler port on BullMQ job schedulers: one queue per job kind, one job scheduler per recurring job
 * (`upsertJobScheduler(id, { pattern, tz } | { every })`), one Worker per kind in the processes that work.
 * BullMQ keeps only the next iteration of a scheduler, with the id `repeat:<scheduler id>:<due ms>`, and the
 * worker that takes it adds the following one: every process sharing the Redis sees an upsert or a removal at
 * once, and each occurrence is one job, taken by one worker (at least once: handlers stay idempotent).
 */
export class BullMqScheduler implements JobScheduler {
  readonly engine = 'bullmq' as const;
  private readonly client: ReturnType<typeof createClient>;
  private readonly connection: ReturnType<typeof createNodeRedisClient>;
  private readonly queues = new Map<JobKind, Queue>();
  private readonly workers: Worker[] = [];
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly options: BullMqSchedulerOptions) {
    this.prefix = options.prefix ?? 'sitrep';
    this.client = createClient({ url: options.redisUrl });
    // Without a listener, a dropped connection would be an unhandled 'error' event.
    this.client.on('error', (error: unknown) => options.logger.warn({ err: error }, 'scheduler redis connection error'));
    this.connection = createNodeRedisClient(this.client);
  }

  private queue(kind: JobKind): Queue {
    let queue = this.queues.get(kind);
    if (!queue) {
      queue = new Queue(queueName(kind), { connection: this.connection, prefix: this.prefix });
      queue.on('error', (error) => this.options.logger.warn({ err: error, kind }, 'scheduler queue error'));
      this.queues.set(kind, queue);
    }
    return queue;
  }

  async upsert(job: RecurringJob): Promise<void> {
    validate(job);
    const repeat = job.pattern ? { pattern: job.pattern, ...(job.timezone ? { tz: job.timezone } : {}) } : { every: job.everyMs! };
    await this.queue(job.kind).upsertJobScheduler(job.id, repeat, {
      name: job.kind,
      data: job.data,
      // Finished runs are history, not state: keep a few for inspection only.
      opts: { removeOnComplete: 100, removeOnFail: 500, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } },
    });
  }

  async remove(id: string): Promise<void> {
    await Promise.all(KINDS.map((kind) => this.queue(kind).removeJobScheduler(id)));
  }

  async list(): Promise<RecurringJob[]> {
    const all: RecurringJob[] = [];
    for (const kind of KINDS) {
      const schedulers = await this.queue(kind).getJobSchedulers(0, -1, true);
      for (const s of schedulers) {
        const data = (s.template?.data ?? {}) as Record<string, string>;
        all.push(
          s.pattern ? { id: s.key, kind, pattern: s.pattern, ...(s.tz ? { timezone: s.tz } : {}), data } : { id: s.key, kind, everyMs: Number(s.every), data },
        );
      }
    }
    return all;
  }

  /** Whether Redis answers (for /healthz). */
  async healthy(): Promise<boolean> {
    return (await this.client.ping()) === 'PONG';
  }

  /** Queue depth per kind (waiting + delayed + active), for /metrics. */
  async depth(): Promise<Record<JobKind, number>> {
    const out = {} as Record<JobKind, number>;
    for (const kind of KINDS) out[kind] = await this.queue(kind).getJobCountByTypes('waiting', 'delayed', 'active', 'prioritized');
    return out;
  }

  async work(kind: JobKind, handler: JobHandler): Promise<void> {
    const worker = new Worker(
      queueName(kind),
      async (job: Job) => {
        const id = job.repeatJobKey ?? job.id ?? '';
        // A run whose scheduler was removed after the run was queued must not run ("nothing runs afterwards").
        if (job.repeatJobKey && !(await this.queue(kind).getJobScheduler(job.repeatJobKey))) return;
        await handler({
          id,
          kind,
          scheduledAt: new Date(scheduledMillis(job)),
          data: (job.data ?? {}) as Record<string, string>,
          attempt: job.attemptsMade + 1,
        });
      },
      { connection: this.connection, prefix: this.prefix, concurrency: this.options.concurrency ?? 8, autorun: true },
    );
    worker.on('error', (error) => this.options.logger.warn({ err: error, kind }, 'scheduler worker error'));
    worker.on('failed', (job, error) => this.options.logger.warn({ kind, jobId: job?.id, err: errorMessage(error) }, 'scheduled job failed'));
    this.workers.push(worker);
    await worker.waitUntilReady();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const grace = this.options.closeGraceMs ?? 5_000;
    // Worker.close() waits for in-flight handlers; past the grace they are left to BullMQ's stalled-job check.
    await withTimeout(Promise.all(this.workers.map((w) => w.close())), grace).catch(() => Promise.all(this.workers.map((w) => w.close(true))));
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
  }
}

export function queueName(kind: JobKind): string {
  return `sitrep-${kind}`;
}

/** The occurrence a run is for: BullMQ names each iteration `repeat:<scheduler id>:<due ms>`. */
export function scheduledMillis(job: Pick<Job, 'id' | 'opts' | 'timestamp' | 'delay'>): number {
  const fromId = job.id ? Number(job.id.slice(job.id.lastIndexOf(':') + 1)) : Number.NaN;
  if (Number.isFinite(fromId) && fromId > 0) return fromId;
  const prev = (job.opts as { prevMillis?: number }).prevMillis;
  if (typeof prev === 'number' && prev > 0) return prev;
  return job.timestamp + (job.delay ?? 0);
}

export function validate(job: RecurringJob): void {
  if (Boolean(job.pattern) === Boolean(job.everyMs)) throw new Error(`recurring job ${job.id}: exactly one of pattern and everyMs must be set`);
  if (job.everyMs !== undefined && !(job.everyMs >= 1000)) throw new Error(`recurring job ${job.id}: everyMs must be at least 1000`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
