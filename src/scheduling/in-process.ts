import { CronExpressionParser } from 'cron-parser';
import cron, { type ScheduledTask } from 'node-cron';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { JobHandler, JobKind, JobRun, JobScheduler, RecurringJob } from './port.ts';

const MINUTE_MS = 60_000;

interface Group {
  task: ScheduledTask;
  ids: Set<string>;
  pattern: string;
  timezone?: string;
  /** Fires an occurrence node-cron skips (see gapOccurrence). */
  gapTimer?: NodeJS.Timeout;
}

interface Entry {
  job: RecurringJob;
  /** Key of the (pattern, timezone) group whose node-cron task fires this job. */
  group?: string;
  timer?: NodeJS.Timeout;
}

/**
 * The scheduler port in one process (the embedded SQLite default): node-cron evaluates each job's cron
 * pattern in its IANA timezone; `everyMs` jobs run on an interval. Jobs with the same pattern and timezone
 * share one node-cron task (10,000 daily subscriptions use a few hundred tasks, not 10,000). Nothing is
 * shared with other processes: a fleet uses the BullMQ or pg-boss adapter instead.
 */
export class InProcessScheduler implements JobScheduler {
  readonly engine = 'in-process' as const;
  private readonly jobs = new Map<string, Entry>();
  private readonly groups = new Map<string, Group>();
  private readonly handlers = new Map<JobKind, JobHandler>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: { logger: Logger; graceMs?: number }) {}

  async upsert(job: RecurringJob): Promise<void> {
    if (this.closed) return;
    if ((job.pattern === undefined) === (job.everyMs === undefined)) throw new Error(`Job ${job.id}: give exactly one of pattern and everyMs`);
    if (job.pattern !== undefined && !cron.validate(job.pattern)) throw new Error(`Job ${job.id}: invalid cron pattern "${job.pattern}"`);
    this.stopJob(job.id);
    const entry: Entry = { job: { ...job, data: { ...job.data } } };
    if (job.pattern !== undefined) {
      const pattern = job.pattern;
      const key = `${pattern}|${job.timezone ?? ''}`;
      let group = this.groups.get(key);
      if (!group) {
        const unit = pattern.trim().split(/\s+/).length === 6 ? 1000 : MINUTE_MS; // 6 fields: seconds
        const ids = new Set<string>();
        const created: Group = { ids, pattern, timezone: job.timezone } as Group;
        created.task = cron.schedule(
          pattern,
          (context) => {
            const at = floorTo(context.date, unit);
            for (const id of [...ids]) this.fire(id, at);
            // Once node-cron has moved on to its next match (a moment later), check the gap before it.
            setTimeout(() => this.armGap(created), 1000).unref();
          },
          { name: key, timezone: job.timezone },
        );
        this.groups.set(key, (group = created));
        this.armGap(created);
      }
      group.ids.add(job.id);
      entry.group = key;
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
    if (entry.group) {
      const group = this.groups.get(entry.group);
      group?.ids.delete(id);
      if (group && group.ids.size === 0) {
        if (group.gapTimer) clearTimeout(group.gapTimer);
        void group.task.destroy();
        this.groups.delete(entry.group);
      }
    }
    if (entry.timer) clearInterval(entry.timer);
    this.jobs.delete(id);
  }

  /**
   * node-cron matches wall-clock fields, so a time inside a spring-forward gap (02:30 on the night clocks
   * jump from 02:00 to 03:00) never matches and that day would get no run; cron-parser, which decides what
   * an occurrence is everywhere else in Sitrep, runs it an hour later. This timer fires that occurrence.
   */
  private armGap(group: Group): void {
    if (group.gapTimer) clearTimeout(group.gapTimer);
    group.gapTimer = undefined;
    if (this.closed || group.pattern.trim().split(/\s+/).length !== 5) return;
    const now = new Date();
    const at = gapOccurrence(group.pattern, group.timezone, now, group.task.getNextRun());
    const delay = at ? at.getTime() - now.getTime() : Infinity;
    if (!at || delay > 2 ** 31 - 1) return;
    group.gapTimer = setTimeout(() => {
      for (const id of [...group.ids]) this.fire(id, at);
      setTimeout(() => this.armGap(group), 1000).unref();
    }, delay);
    group.gapTimer.unref();
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

/**
 * The next occurrence after `from` by cron-parser when node-cron's next run (`nodeCronNext`) is later, i.e.
 * an occurrence node-cron will skip (a DST gap); undefined when node-cron covers it.
 */
export function gapOccurrence(pattern: string, timezone: string | undefined, from: Date, nodeCronNext: Date | null): Date | undefined {
  let next: Date;
  try {
    next = CronExpressionParser.parse(pattern, { tz: timezone, currentDate: from }).next().toDate();
  } catch {
    return undefined;
  }
  if (!nodeCronNext || next.getTime() >= nodeCronNext.getTime() - 1000) return undefined;
  return next;
}

/** node-cron reports when it fired; a 5-field pattern's occurrence is the whole minute. */
function floorTo(at: Date, unitMs: number): Date {
  return new Date(Math.floor(at.getTime() / unitMs) * unitMs);
}
