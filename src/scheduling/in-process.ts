/**
 * STAND-IN (fleet branch): a minimal one-process engine so createScheduler() and its tests run here.
 * The `briefings` engineer owns this file; at merge the lead keeps their implementation.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../core/errors.ts';
import type { JobHandler, JobKind, JobScheduler, RecurringJob } from './port.ts';

export class InProcessScheduler implements JobScheduler {
  readonly engine = 'in-process' as const;
  private readonly jobs = new Map<string, { job: RecurringJob; stop(): void }>();
  private readonly handlers = new Map<JobKind, JobHandler>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: { logger: Logger }) {}

  async upsert(job: RecurringJob): Promise<void> {
    this.jobs.get(job.id)?.stop();
    const fire = (at: Date) => this.fire(job, at);
    let stop: () => void;
    if (job.pattern) {
      const task: ScheduledTask = cron.schedule(job.pattern, (ctx) => fire(ctx.date), { timezone: job.timezone, noOverlap: true, suppressMissedWarning: true });
      stop = () => void task.destroy();
    } else {
      const timer = setInterval(() => fire(new Date()), job.everyMs);
      stop = () => clearInterval(timer);
    }
    this.jobs.set(job.id, { job, stop });
  }

  async remove(id: string): Promise<void> {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  async list(): Promise<RecurringJob[]> {
    return [...this.jobs.values()].map((j) => j.job);
  }

  async work(kind: JobKind, handler: JobHandler): Promise<void> {
    this.handlers.set(kind, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { stop } of this.jobs.values()) stop();
    this.jobs.clear();
    await Promise.allSettled([...this.running]);
  }

  private fire(job: RecurringJob, at: Date): void {
    const handler = this.handlers.get(job.kind);
    if (!handler || this.closed) return;
    const run = handler({ id: job.id, kind: job.kind, scheduledAt: at, data: job.data, attempt: 1 })
      .catch((error: unknown) => this.deps.logger.warn({ id: job.id, err: errorMessage(error) }, 'scheduled job failed'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
