import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics (prom-client), one registry per process, served on METRICS_PORT at
 * /metrics. Defined here so every module can increment them without knowing about HTTP:
 * `import { metrics } from '../ops/metrics.ts'; metrics.briefingsDelivered.inc()`.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'sitrep_' });

const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });
const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });

export const metrics = {
  briefingsDelivered: counter('sitrep_briefings_delivered_total', 'Briefing occurrences delivered to a channel'),
  briefingsFailed: counter('sitrep_briefings_failed_total', 'Briefing deliveries that failed, by failure kind', ['kind']),
  claims: counter('sitrep_claims_total', 'Delivery claims by outcome: won, lost, taken_over', ['outcome']),
  rateLimited: counter('sitrep_discord_rate_limited_total', 'Discord answers 429 (rate limited), by scope', ['scope']),
  queueDepth: gauge('sitrep_queue_depth', 'Scheduled runs waiting, delayed or active in the scheduler engine, by kind', ['kind']),
  feedPolls: counter('sitrep_feed_polls_total', 'Feed polls run, by outcome', ['outcome']),
  feedFetches: counter('sitrep_feed_fetches_total', 'HTTP fetches of feeds, by status class', ['status']),
  modelCalls: counter('sitrep_model_calls_total', 'Requests to the language model, by outcome', ['outcome']),
  libraryLag: gauge('sitrep_library_lag', "Store change-log entries this process's library has not absorbed yet"),
  storeWriteFailures: counter('sitrep_store_write_failures_total', 'Writes the store did not take'),
  uncaught: counter('sitrep_unhandled_rejections_total', 'Promise rejections nobody handled (logged)'),
  shardsReady: gauge('sitrep_gateway_shards_ready', 'Gateway shards of this process that are connected and ready'),
};
