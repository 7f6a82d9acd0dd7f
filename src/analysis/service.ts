import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';
import type { Report } from '../reports/types.ts';
import type { ActorsResult, EngineName, Summary, SummaryLength } from './types.ts';
import { OfflineAnalyzer } from './offline/index.ts';

export interface AnalysisRequest {
  /** Force an engine; by default the LLM when one is configured, else offline. */
  engine?: EngineName;
}

/**
 * The one entry point for summaries and actors. Picks the engine, caches results in the store by
 * (content hash, task, length, engine, version) and falls back to the offline engine.
 * (Issue 4 extends it with the LLM engine, usage accounting and in-flight de-duplication.)
 */
export class AnalysisService {
  private readonly offline = new OfflineAnalyzer();
  private readonly cache;

  constructor(private readonly deps: { config: Config; logger: Logger; store: Store }) {
    this.cache = deps.store.kv<Summary | ActorsResult>('analysis');
  }

  async summarise(report: Report, options: { length: SummaryLength } & AnalysisRequest): Promise<Summary> {
    const key = `${report.contentHash}:summary:${options.length}:offline:${this.offline.version}`;
    const cached = (await this.cache.get(key)) as Summary | undefined;
    if (cached) return { ...cached, reportId: report.id };
    const result = await this.offline.summarise(report, { length: options.length });
    await this.cache.set(key, result);
    return result;
  }

  async actors(report: Report, _options: AnalysisRequest = {}): Promise<ActorsResult> {
    const key = `${report.contentHash}:actors:offline:${this.offline.version}`;
    const cached = (await this.cache.get(key)) as ActorsResult | undefined;
    if (cached) return { ...cached, reportId: report.id };
    const result = await this.offline.actors(report);
    await this.cache.set(key, result);
    return result;
  }
}
