import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { JobScheduler } from './port.ts';

export type SchedulerEngine = JobScheduler['engine'];

/** Optional extras of the fleet engines, used by /healthz and /metrics when present. */
export interface SchedulerOps {
  healthy?(): Promise<boolean>;
  depth?(): Promise<Record<string, number>>;
}

export interface SchedulerDeps {
  logger: Logger;
  /** Namespace of the engine's keys (BullMQ prefix / pg-boss schema); tests give a unique one. */
  namespace?: string;
  /** pg-boss polling interval (seconds); tests use the minimum. */
  pollingIntervalSeconds?: number;
}

type SchedulerConfig = Pick<Config, 'STORE_URL' | 'REDIS_URL' | 'SCHEDULER'>;

/**
 * The engine for this configuration: SCHEDULER when set, otherwise from the store — SQLite runs one process,
 * so in-process (node-cron); a Redis store → BullMQ on it; a Postgres store → BullMQ when REDIS_URL is set,
 * else pg-boss on the same database.
 */
export function chooseEngine(config: SchedulerConfig): { engine: SchedulerEngine; url?: string } {
  const store = config.STORE_URL;
  const redis = config.REDIS_URL ?? (/^rediss?:\/\//.test(store) ? store : undefined);
  const postgres = /^postgres(ql)?:\/\//.test(store) ? store : undefined;
  const wanted = config.SCHEDULER ?? 'auto';
  if (wanted === 'in-process') return { engine: 'in-process' };
  if (wanted === 'bullmq') {
    if (!redis) throw new Error('SCHEDULER=bullmq needs a Redis: set REDIS_URL (or use a redis:// STORE_URL)');
    return { engine: 'bullmq', url: redis };
  }
  if (wanted === 'pg-boss') {
    if (!postgres) throw new Error('SCHEDULER=pg-boss needs a postgres:// STORE_URL');
    return { engine: 'pg-boss', url: postgres };
  }
  if (redis) return { engine: 'bullmq', url: redis };
  if (postgres) return { engine: 'pg-boss', url: postgres };
  return { engine: 'in-process' };
}

/** Builds the scheduler the configuration asks for; engines are imported only when chosen. */
export async function createScheduler(config: SchedulerConfig, deps: SchedulerDeps): Promise<JobScheduler> {
  const { engine, url } = chooseEngine(config);
  const logger = deps.logger.child({ component: 'scheduler', engine });
  if (engine === 'bullmq') {
    const { BullMqScheduler } = await import('./bullmq.ts');
    return new BullMqScheduler({ redisUrl: url!, logger, ...(deps.namespace ? { prefix: deps.namespace } : {}) });
  }
  if (engine === 'pg-boss') {
    const { PgBossScheduler } = await import('./pgboss.ts');
    return new PgBossScheduler({
      connectionString: url!,
      logger,
      ...(deps.namespace ? { schema: deps.namespace } : {}),
      ...(deps.pollingIntervalSeconds ? { pollingIntervalSeconds: deps.pollingIntervalSeconds } : {}),
    });
  }
  const { InProcessScheduler } = await import('./in-process.ts');
  return new InProcessScheduler({ logger });
}
