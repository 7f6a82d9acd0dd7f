import cron, { type ScheduledTask } from 'node-cron';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { JobHandler, JobKind, JobRun, JobScheduler, RecurringJob } from './port.ts';

const MINUTE_MS = 60_000;

/**
 * The scheduler port in one process (the embedded SQLite default): node-cron evaluates each job's cron
 * pattern in its IANA timezone (DST included); `everyMs` jobs run on an interval. Nothing is shared with
 * other processes: a fleet uses the BullMQ or pg-boss adapter instead.
 */
export class InProcessScheduler implements JobScheduler {
  readonly engine = 'in-process' as const;
  private readonly jobs = new Map<string, { job: RecurringJob; task?: ScheduledTask; timer?: NodeJS.Timeout }>();
  private readonly handlers = new Map<JobKind, JobHandler>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: { logger: Logger; graceMs?: number }) {}

  async upsert(job: RecurringJob): Promise<void> {
    if (this.closed) return;
    if ((job.pattern === undefined) === (job.everyMs === undefined)) throw new Error(`Job ${job.id}: give exactly one of pattern and everyMs`);
    this.stopJob(job.id);
    const entry: { job: RecurringJob; task?: ScheduledTask; timer?: NodeJS.Timeout } = { job: { ...job, data: { ...job.data } } };
    if (job.pattern !== undefined) {
      if (!cron.validate(job.pattern)) throw new Error(`Job ${job.id}: invalid cron pattern "${job.pattern}"`);
      const unit = job.pattern.trim().split(/\s+/).length === 6 ? 1000 : MINUTE_MS; // 6 fields: seconds
      entry.task = cron.schedule(job.pattern, (context) => this.fire(job.id, floorTo(context.date, unit)), {
        name: job.id,
        timezone: job.timezone,
      });
    } else {
      entry.timer = setInterval(() => this.fire(job.id, new Date()), job.everyMs);
      entry.timer.unref();
    }
    this.jobs.set(job.id, entry);
  }

  async remove(id: string): Promise<void> {
    this.stopJob(id);
  }

  async list(): Promise<RecurringJob[]> {
    return [...this.jobs.values()].map((e) => ({ ...e.job, data: { ...e.job.data } }));
  }

  async work(kind: JobKind, handler: JobHandler): Promise<void> {
    this.handlers.set(kind, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.jobs.keys()]) this.stopJob(id);
    const grace = this.deps.graceMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, grace);
        timer.unref();
      }),
    ]);
    if (timer) clearTimeout(timer);
  }

  private stopJob(id: string): void {
    const entry = this.jobs.get(id);
    if (!entry) return;
    if (entry.task) void entry.task.destroy();
    if (entry.timer) clearInterval(entry.timer);
    this.jobs.delete(id);
  }

  private fire(id: string, scheduledAt: Date): void {
    const entry = this.jobs.get(id);
    if (!entry || this.closed) return; // removed since: nothing runs for it
    const handler = this.handlers.get(entry.job.kind);
    if (!handler) return;
    const run: JobRun = { id, kind: entry.job.kind, scheduledAt, data: { ...entry.job.data }, attempt: 1 };
    const running = handler(run)
      .catch((error: unknown) => this.deps.logger.error({ job: id, err: errorMessage(error) }, 'scheduled job failed'))
      .finally(() => this.running.delete(running));
    this.running.add(running);
  }
}

/** node-cron reports when it fired; a 5-field pattern's occurrence is the whole minute. */
function floorTo(at: Date, unitMs: number): Date {
  return new Date(Math.floor(at.getTime() / unitMs) * unitMs);
}
