import { llmConfigured, type Config } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage, UserError } from '../core/errors.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/index.ts';
import type { Report } from '../reports/types.ts';
import type { Actor, ActorsResult, Analyzer, EngineName, Summary, SummaryLength } from './types.ts';
import { OfflineAnalyzer } from './offline/index.ts';
import { LlmAnalyzer } from './llm/index.ts';
import { summaryLocale } from './llm/language.ts';
import { AnalysisCache, cacheKey } from './cache.ts';
import { UsageLedger, type UsageTotals } from './usage.ts';

export interface AnalysisRequest {
  /** Force an engine; by default the LLM when one is configured, else offline. */
  engine?: EngineName;
}

export interface SummaryRequest extends AnalysisRequest {
  length: SummaryLength;
  /** Language of an LLM summary (BCP-47, e.g. the server's locale); English when absent or unknown. */
  locale?: string;
}

/**
 * How long a fallback result (LLM asked, offline answered) is cached under the LLM key: long enough that a
 * model outage does not make every repeated request wait for the timeout again, short enough that the LLM
 * answer replaces it soon after the model recovers. Successful results never expire (the key holds the
 * content hash, model and prompt version, so a change of any of them is a new key).
 */
export const FALLBACK_TTL_MS = 10 * 60_000;

/**
 * The one entry point for summaries and actors. Picks the engine, caches results in the store by
 * (content hash, task, length, engine, model, version), shares identical requests in flight (the cache's
 * lru-cache `fetch()`), records model
 * usage, and falls back to the offline engine when the model cannot give a grounded answer.
 */
export class AnalysisService {
  private readonly offline: Analyzer;
  private readonly llm?: LlmAnalyzer;
  private readonly cache: AnalysisCache<Summary | ActorsResult>;
  private readonly ledger: UsageLedger;

  private readonly logger: Logger;

  constructor(deps: { config: Config; logger: Logger; store: Store; clock: Clock }) {
    this.logger = deps.logger;
    this.offline = new OfflineAnalyzer();
    this.cache = new AnalysisCache(deps.store, deps.logger, 'analysis', deps.clock);
    this.ledger = new UsageLedger(deps.store, deps.clock);
    if (llmConfigured(deps.config)) {
      this.llm = new LlmAnalyzer({
        config: deps.config,
        fallback: this.offline,
        logger: deps.logger,
        clock: deps.clock,
        onCall: ({ durationMs: _, ...call }) => this.ledger.record({ kind: 'call', ...call }),
      });
    }
  }

  /** The engine used when a request does not force one. */
  get defaultEngine(): EngineName {
    return this.llm ? 'llm' : 'offline';
  }

  /** Model id of the configured LLM, if any. */
  get model(): string | undefined {
    return this.llm?.model;
  }

  async summarise(report: Report, options: SummaryRequest): Promise<Summary> {
    const engine = this.pick(options.engine);
    // Only the LLM writes in another language; the offline engine extracts the report's own sentences.
    const locale = engine === this.llm ? summaryLocale(options.locale) : undefined;
    const key = cacheKey({ contentHash: report.contentHash, task: 'summary', length: options.length, ...this.keyParts(engine), ...(locale ? { locale } : {}) });
    const result = await this.run(key, 'summary', engine, () => engine.summarise(report, { length: options.length, ...(locale ? { locale } : {}) }));
    return { ...(result as Summary), reportId: report.id };
  }

  async actors(report: Report, options: AnalysisRequest = {}): Promise<ActorsResult> {
    const engine = this.pick(options.engine);
    const key = cacheKey({ contentHash: report.contentHash, task: 'actors', ...this.keyParts(engine) });
    const result = await this.run(key, 'actors', engine, () => engine.actors(report));
    return { ...(result as ActorsResult), reportId: report.id };
  }

  /**
   * Summary and actors together, for briefings: never rejects. When analysis itself fails (not the model:
   * that already falls back to offline), the report's standfirst or first sentence stands in as the summary,
   * marked as a fallback, and the actors are left out, so one bad report cannot hold back a briefing.
   */
  async digest(report: Report, options: SummaryRequest): Promise<{ summary: Summary; actors: Actor[] }> {
    try {
      const [summary, actors] = await Promise.all([this.summarise(report, options), this.actors(report, options.engine ? { engine: options.engine } : {})]);
      return { summary, actors: actors.actors };
    } catch (error) {
      this.logger.warn({ err: error, report: report.id }, 'analysis failed; showing the report with its lead only');
      return { summary: leadSummary(report, options.length, error), actors: [] };
    }
  }

  /** Model calls, tokens per model, cache hits and fallbacks, summed over everything the store recorded. */
  usage(): Promise<UsageTotals> {
    return this.ledger.totals();
  }

  /** Waits for pending cache and usage writes (before closing the store). */
  async flush(): Promise<void> {
    await Promise.all([this.cache.flush(), this.ledger.flush()]);
  }

  private pick(forced?: EngineName): Analyzer {
    if (forced === 'offline') return this.offline;
    if (forced === 'llm') {
      if (!this.llm) throw new UserError('No model configured: set OPENAI_API_KEY or OPENAI_BASE_URL', 'no_model');
      return this.llm;
    }
    return this.llm ?? this.offline;
  }

  private keyParts(engine: Analyzer) {
    return { engine: engine.name, model: engine === this.llm ? this.llm.model : undefined, version: engine.version };
  }

  private async run(key: string, task: 'summary' | 'actors', engine: Analyzer, compute: () => Promise<Summary | ActorsResult>) {
    const { value, source } = await this.cache.getOrCompute(key, compute, (result) => (result.engine.fallback ? FALLBACK_TTL_MS : undefined));
    // Usage is about the model: offline requests are not counted.
    if (this.llm && engine === this.llm) {
      if (source !== 'computed') this.ledger.record({ kind: 'cache_hit', task, engine: 'llm', model: this.llm.model });
      else if (value.engine.fallback) this.ledger.record({ kind: 'fallback', task, model: this.llm.model, reason: value.engine.fallback.reason });
    }
    return value;
  }
}

/** The publisher's standfirst, or the first sentence of the text: a stand-in when analysis fails. */
function leadSummary(report: Report, length: SummaryLength, error: unknown): Summary {
  const lead = report.standfirst?.trim() || (/^.+?[.!?](?=\s|$)/s.exec(report.text.trim())?.[0] ?? report.text.slice(0, 300)).trim();
  return {
    reportId: report.id,
    length,
    sentences: [{ text: lead, index: 0 }],
    text: lead,
    engine: { engine: 'offline', version: 'lead', fallback: { from: 'offline', reason: errorMessage(error) } },
  };
}
