/**
 * The scheduler port on pg-boss (Postgres), for a fleet whose store is Postgres and that has no Redis.
 *
 * Why not pg-boss's own `schedule()`: the installed pg-boss 10 keeps one schedule per queue (the `key`
 * option that allows several arrived in pg-boss 11), checks cron only to the minute (no `everyMs`, no
 * second-level test patterns) and does not tell the worker which occurrence a run is for. So each
 * occurrence is a pg-boss job of its kind's queue, deferred with `startAfter` to its instant and given a
 * deterministic id (a UUID derived from job id, definition version and instant): whichever processes enqueue
 * it, pg-boss inserts it once (`ON CONFLICT DO NOTHING`) and one worker takes it. The worker that takes an
 * occurrence first enqueues the next one, then runs the handler. The definitions live in one small table
 * beside pg-boss's (`sitrep_recurring`), with a version that every run checks: a removed job or an
 * outdated pattern's pending occurrence is dropped when it comes due, so a change applies to every process
 * at once and nothing runs at a cancelled time.
 */
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import { CronExpressionParser } from 'cron-parser';
import type { Logger } from '../logger.ts';
import { errorMessage } from '../core/errors.ts';
import type { JobHandler, JobKind, JobScheduler, RecurringJob } from './port.ts';
import { validate } from './bullmq.ts';

export interface PgBossSchedulerOptions {
  connectionString: string;
  logger: Logger;
  /** Postgres schema of pg-boss and of the definitions table (default `sitrep_jobs`); tests use a unique one. */
  schema?: string;
  /** How often idle workers look for due occurrences (default 1 s; pg-boss's minimum is 0.5 s). */
  pollingIntervalSeconds?: number;
  closeGraceMs?: number;
}

interface OccurrenceData {
  id: string;
  version: number;
  at: number;
}

interface DefinitionRow {
  id: string;
  kind: JobKind;
  pattern: string | null;
  timezone: string | null;
  every_ms: string | null;
  data: Record<string, string>;
  version: number;
}

export class PgBossScheduler implements JobScheduler {
  readonly engine = 'pg-boss' as const;
  private readonly boss: PgBoss;
  private readonly schema: string;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: PgBossSchedulerOptions) {
    this.schema = options.schema ?? 'sitrep_jobs';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`pg-boss schema "${this.schema}" must be a plain lower-case identifier`);
    // No pg-boss cron (see the header); its maintenance (expiry, archiving) stays on.
    this.boss = new PgBoss({ connectionString: options.connectionString, schema: this.schema, schedule: false, max: 4 });
    this.boss.on('error', (error) => options.logger.warn({ err: error }, 'pg-boss error'));
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      await this.boss.start();
      for (const kind of ['briefing', 'feed-poll'] as const) {
        if (!(await this.boss.getQueue(queueName(kind))))
          await this.boss.createQueue(queueName(kind), { name: queueName(kind), retryLimit: 3, retryDelay: 5, retryBackoff: true });
      }
      await this.sql(
        `CREATE TABLE IF NOT EXISTS ${this.schema}.sitrep_recurring (
           id text PRIMARY KEY, kind text NOT NULL, pattern text, timezone text, every_ms bigint,
           data jsonb NOT NULL, version integer NOT NULL DEFAULT 1, updated_on timestamptz NOT NULL DEFAULT now())`,
      );
    })();
    return this.started;
  }

  private async sql<Row = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<{ rows: Row[] }> {
    return (await this.boss.getDb().executeSql(text, values)) as { rows: Row[] };
  }

  async upsert(job: RecurringJob): Promise<void> {
    validate(job);
    if (job.pattern) CronExpressionParser.parse(job.pattern, { tz: job.timezone ?? 'UTC' });
    await this.start();
    // The version moves only when the definition changes, so start-up reconciliation by many processes is a no-op.
    const { rows } = await this.sql<{ version: number }>(
      `INSERT INTO ${this.schema}.sitrep_recurring AS r (id, kind, pattern, timezone, every_ms, data)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, pattern = EXCLUDED.pattern, timezone = EXCLUDED.timezone,
         every_ms = EXCLUDED.every_ms, data = EXCLUDED.data, version = r.version + 1, updated_on = now()
         WHERE (r.kind, r.pattern, r.timezone, r.every_ms, r.data) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.pattern, EXCLUDED.timezone, EXCLUDED.every_ms, EXCLUDED.data)
       RETURNING version`,
      [job.id, job.kind, job.pattern ?? null, job.pattern ? (job.timezone ?? 'UTC') : null, job.everyMs ?? null, JSON.stringify(job.data)],
    );
    const version = rows[0]?.version ?? (await this.definition(job.id))?.version;
    if (version === undefined) return;
    // Idempotent: the next occurrence's id is deterministic, so this never doubles the pending one.
    await this.enqueue(job, version, nextOccurrence(job, Date.now()));
  }

  async remove(id: string): Promise<void> {
    await this.start();
    await this.sql(`DELETE FROM ${this.schema}.sitrep_recurring WHERE id = $1`, [id]);
  }

  async list(): Promise<RecurringJob[]> {
    await this.start();
    const { rows } = await this.sql<DefinitionRow>(`SELECT * FROM ${this.schema}.sitrep_recurring ORDER BY id`);
    return rows.map(toJob);
  }

  /** Whether Postgres answers and pg-boss is started (for /healthz). */
  async healthy(): Promise<boolean> {
    await this.start();
    await this.sql('SELECT 1');
    return true;
  }

  async depth(): Promise<Record<JobKind, number>> {
    await this.start();
    return { briefing: await this.boss.getQueueSize(queueName('briefing')), 'feed-poll': await this.boss.getQueueSize(queueName('feed-poll')) };
  }

  async work(kind: JobKind, handler: JobHandler): Promise<void> {
    await this.start();
    await this.boss.work<OccurrenceData>(
      queueName(kind),
      { pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1, batchSize: 1, includeMetadata: true },
      async ([job]) => {
        if (!job) return;
        const { id, version, at } = job.data;
        const row = await this.definition(id);
        // Removed, or replaced by a newer definition: this occurrence was cancelled.
        if (!row || row.version !== version) return;
        const definition = toJob(row);
        await this.enqueue(definition, version, nextOccurrence(definition, Math.max(at, Date.now())));
        try {
          await handler({ id, kind, scheduledAt: new Date(at), data: definition.data, attempt: job.retryCount + 1 });
        } catch (error) {
          this.options.logger.warn({ kind, id, err: errorMessage(error) }, 'scheduled job failed');
          throw error;
        }
      },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.boss.stop({ graceful: true, wait: true, timeout: this.options.closeGraceMs ?? 5_000 });
  }

  private async definition(id: string): Promise<DefinitionRow | undefined> {
    const { rows } = await this.sql<DefinitionRow>(`SELECT * FROM ${this.schema}.sitrep_recurring WHERE id = $1`, [id]);
    return rows[0];
  }

  private async enqueue(job: RecurringJob, version: number, at: number): Promise<void> {
    const data: OccurrenceData = { id: job.id, version, at };
    await this.boss.send(queueName(job.kind), data, { id: occurrenceId(job.id, version, at), startAfter: new Date(at), expireInSeconds: 15 * 60 });
  }
}

function toJob(row: DefinitionRow): RecurringJob {
  return row.pattern
    ? { id: row.id, kind: row.kind, pattern: row.pattern, ...(row.timezone ? { timezone: row.timezone } : {}), data: row.data }
    : { id: row.id, kind: row.kind, everyMs: Number(row.every_ms), data: row.data };
}

export function queueName(kind: JobKind): string {
  return `sitrep-${kind}`;
}

/**
 * The first occurrence strictly after `after`. Intervals are anchored to the epoch plus an offset derived
 * from the id, so every process computes the same instants and equal intervals do not all fire together.
 */
export function nextOccurrence(job: RecurringJob, after: number): number {
  if (job.pattern)
    return CronExpressionParser.parse(job.pattern, { tz: job.timezone ?? 'UTC', currentDate: new Date(after) })
      .next()
      .getTime();
  const every = job.everyMs!;
  const offset = Number.parseInt(createHash('sha1').update(job.id).digest('hex').slice(0, 8), 16) % every;
  return Math.floor((after - offset) / every) * every + offset + every;
}

/** A name-based UUID (RFC 4122 version 5 layout over SHA-1): pg-boss job ids must be UUIDs. */
export function occurrenceId(id: string, version: number, at: number): string {
  const hex = createHash('sha1').update(`sitrep:${id}:${version}:${at}`).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
