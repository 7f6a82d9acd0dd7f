import type { Config } from './config.ts';
import { systemClock, type Clock } from './core/clock.ts';
import type { CommandServices } from './core/command.ts';
import { createLogger, type Logger } from './logger.ts';
import { createStore, type Store } from './store/index.ts';
import { ReportLibrary } from './reports/library.ts';
import { Ingestor } from './reports/ingest.ts';
import { FeedService } from './reports/feeds.ts';
import { AnalysisService } from './analysis/service.ts';
import { SubscriptionService } from './briefings/subscriptions.ts';
import { BriefingService } from './briefings/service.ts';
import { createScheduler } from './scheduling/index.ts';
import type { JobScheduler } from './scheduling/port.ts';

/**
 * Every service, built once. Passed to transports and the CLI; commands see only the narrower
 * CommandServices (core/command.ts). Never a module singleton.
 */
export interface App extends CommandServices {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  reports: ReportLibrary;
  ingest: Ingestor;
  feeds: FeedService;
  analysis: AnalysisService;
  subscriptions: SubscriptionService;
  briefings: BriefingService;
  /** The engine recurring work runs on: in-process (node-cron) on SQLite, BullMQ on Redis, pg-boss on Postgres. */
  scheduler: JobScheduler;
  close(): Promise<void>;
}

export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
  scheduler?: JobScheduler;
}

/** Composition root: builds every service from the config (tests pass a temp store, a fixed clock). */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? (await createStore(config.STORE_URL, { now: () => clock.now().getTime(), logger }));

  const reports = new ReportLibrary({ store, logger, clock });
  await reports.load();
  const ingest = new Ingestor({ config, logger, clock, reports });
  const feeds = new FeedService({ config, logger, clock, store, reports, ingest });
  const analysis = new AnalysisService({ config, logger, store, clock });
  const subscriptions = new SubscriptionService({ store, clock });
  const scheduler = overrides.scheduler ?? (await createScheduler(config, { logger }));
  const briefings = new BriefingService({ config, logger, clock, store, reports, analysis, subscriptions, scheduler });

  let closed = false;
  return {
    config,
    logger,
    clock,
    store,
    reports,
    ingest,
    feeds,
    analysis,
    subscriptions,
    briefings,
    scheduler,
    async close() {
      if (closed) return;
      closed = true;
      await briefings.stop(); // releases in-flight deliveries
      feeds.stop();
      await scheduler.close().catch((error: unknown) => logger.warn({ err: error }, 'scheduler did not close cleanly'));
      await analysis.flush(); // cache and usage writes still in flight
      reports.close(); // stops following the store's change log
      await reports.flush(); // report writes and the search index snapshot
      await store.close();
    },
  };
}
