import type { Config } from './config.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { createLogger, type Logger } from './logger.ts';
import { createStore, type Store } from './store/index.ts';
import { fullReportSource, ReportLibrary } from './reports/library.ts';
import { Ingestor } from './reports/ingest.ts';
import { FeedService } from './reports/feeds.ts';
import { AnalysisService } from './analysis/service.ts';
import { SubscriptionService } from './briefings/subscriptions.ts';
import { BriefingService } from './briefings/service.ts';


/** Every service, built once. Passed to commands, transports and the CLI; never a module singleton. */
export interface App {
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
  close(): Promise<void>;
}

export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
}

/** Composition root: builds every service from the config (tests pass a temp store, a fixed clock). */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? (await createStore(config.STORE_URL, { now: () => clock.now().getTime() }));

  const reports = new ReportLibrary({ store, logger, clock });
  await reports.load();
  const ingest = new Ingestor({ config, logger, clock, reports });
  const feeds = new FeedService({ config, logger, clock, store, reports, ingest });
  const analysis = new AnalysisService({ config, logger, store });
  const subscriptions = new SubscriptionService({ store, clock });
  // (briefings compose from whole reports; the library holds metadata only, so they get the text from the store)
  const briefings = new BriefingService({ config, logger, clock, store, reports: fullReportSource(reports), analysis, subscriptions });

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
    async close() {
      if (closed) return;
      closed = true;
      briefings.stop();
      feeds.stop();
      await analysis.flush(); // cache and usage writes still in flight
      reports.close(); // stops following the store's change log
      await reports.flush(); // report writes and the search index snapshot
      await store.close();
    },
  };
}
