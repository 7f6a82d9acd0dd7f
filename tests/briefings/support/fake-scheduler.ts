import type { JobHandler, JobKind, JobScheduler, RecurringJob } from '../../../src/scheduling/port.ts';

/** A JobScheduler that records jobs and lets the test fire runs by hand (what an engine would do at the time). */
export class FakeScheduler implements JobScheduler {
  readonly engine = 'in-process' as const;
  readonly jobs = new Map<string, RecurringJob>();
  readonly log: string[] = [];
  private readonly handlers = new Map<JobKind, JobHandler>();

  async upsert(job: RecurringJob): Promise<void> {
    this.jobs.set(job.id, job);
    this.log.push(`upsert ${job.id} ${job.pattern} ${job.timezone}`);
  }
  async remove(id: string): Promise<void> {
    this.jobs.delete(id);
    this.log.push(`remove ${id}`);
  }
  async list(): Promise<RecurringJob[]> {
    return [...this.jobs.values()];
  }
  async work(kind: JobKind, handler: JobHandler): Promise<void> {
    this.handlers.set(kind, handler);
  }
  async close(): Promise<void> {}

  /** Fires the job's run for `scheduledAt` if the job exists (a removed job fires nothing, as engines do). */
  async fire(id: string, scheduledAt: Date): Promise<boolean> {
    const job = this.jobs.get(id);
    if (!job) return false;
    await this.handlers.get(job.kind)?.({ id, kind: job.kind, scheduledAt, data: job.data, attempt: 1 });
    return true;
  }
}
