import type OpenAI from 'openai';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Logger } from '../../logger.ts';
import type { Report } from '../../reports/types.ts';
import type { ActorsResult, Analyzer, EngineInfo, SummariseOptions, Summary, SummarySentence } from '../types.ts';
import { actorList } from './actors.ts';
import { TokenBudget } from './budget.ts';
import { CircuitBreaker } from './breaker.ts';
import { ModelClient, type ClientConfig, type LlmCall, type TaskContext } from './client.ts';
import { ReportDocument } from './document.ts';
import { LlmFailure } from './errors.ts';
import { Grounding } from './grounding.ts';
import { languageName, summaryLocale } from './language.ts';
import { POINTS_PER_LENGTH, PROMPT_VERSION } from './prompts.ts';
import { summaryPoints } from './summary.ts';

export { createOpenAIClient, type LlmCall } from './client.ts';

export interface LlmAnalyzerOptions {
  config: ClientConfig & Pick<Config, 'LLM_CONTEXT_TOKENS'>;
  /** Answers when the model cannot: its result is returned with `engine.fallback` set. */
  fallback: Analyzer;
  logger?: Logger;
  /** Time source for the circuit breaker and call durations (the system clock by default). */
  clock?: Clock;
  /** Told about every model request (the service persists usage from it). */
  onCall?: (call: LlmCall) => void;
  /** An OpenAI client to use instead of one built from the config. */
  client?: OpenAI;
  /** After this many consecutive transient failures (timeouts, 5xx, 429, unreachable) the model is skipped… */
  circuitThreshold?: number;
  /** …for this long, so a model outage does not make every request wait for the timeout. */
  circuitCooldownMs?: number;
  /** Parallel model requests during map-reduce. */
  mapConcurrency?: number;
}

/**
 * Summaries and actors from any OpenAI-compatible chat model, grounded in the report: every point and actor
 * carries a quote that must be found in the report text, ungrounded items are dropped, and whenever the
 * model is slow, down, refuses, truncates, answers off-schema or ungrounded, the fallback engine answers
 * with `engine.fallback` saying why. Stateless apart from a circuit breaker and a few parsed documents;
 * caching of results lives in the service.
 *
 * Layout: summary.ts and actors.ts run the tasks (map-reduce for long reports), grounding.ts decides what
 * the report supports, budget.ts sizes prompts, client.ts talks to the model, breaker.ts skips a failing one.
 */
export class LlmAnalyzer implements Analyzer {
  readonly name = 'llm' as const;
  readonly version = PROMPT_VERSION;
  readonly model: string;
  private readonly tasks: TaskContext;
  private readonly breaker: CircuitBreaker;
  /** Recent documents by content hash: a briefing asks for the summary and the actors of the same report. */
  private readonly documents = new LRUCache<string, ReportDocument>({ max: 16 });

  constructor(private readonly options: LlmAnalyzerOptions) {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    this.model = config.OPENAI_MODEL;
    this.breaker = new CircuitBreaker({
      threshold: options.circuitThreshold ?? 3,
      cooldownMs: options.circuitCooldownMs ?? 30_000,
      clock,
      onOpen: () => options.logger?.warn({ model: this.model }, 'LLM failing repeatedly: using the offline engine for a while'),
    });
    const client = new ModelClient({
      config,
      clock,
      breaker: this.breaker,
      ...(options.client ? { client: options.client } : {}),
      ...(options.onCall ? { onCall: options.onCall } : {}),
    });
    this.tasks = { client, budget: new TokenBudget(config.LLM_CONTEXT_TOKENS, client.maxOutputTokens), mapConcurrency: options.mapConcurrency ?? 3 };
  }

  private get info(): EngineInfo {
    return { engine: 'llm', model: this.model, version: this.version };
  }

  async summarise(report: Report, options: SummariseOptions): Promise<Summary> {
    const wanted = POINTS_PER_LENGTH[options.length];
    const locale = summaryLocale(options.locale);
    try {
      const doc = this.open(report);
      // Points in English about an English report are checked word by word against their quotes; any other
      // pairing of languages relies on the verbatim quote plus names and numbers (see grounding.ts).
      const grounding = new Grounding(doc, !doc.english || locale !== undefined);
      const { points, dropped } = await summaryPoints(this.tasks, doc, grounding, wanted, locale ? languageName(locale) : undefined);
      const sentences: SummarySentence[] = points
        .slice(0, wanted)
        .sort((a, b) => a.sentence.index - b.sentence.index || a.rank - b.rank)
        .map((p) => ({ text: p.text, index: p.sentence.index, quote: p.quote }));
      return {
        reportId: report.id,
        length: options.length,
        sentences,
        text: sentences.map((s) => s.text).join(' '),
        language: locale ?? 'en',
        engine: { ...this.info, ...(dropped > 0 ? { unsupported: dropped } : {}) },
      };
    } catch (error) {
      const failure = this.failed(error, report, 'summary');
      const result = await this.options.fallback.summarise(report, options);
      return { ...result, engine: { ...result.engine, fallback: { from: 'llm', reason: failure.message } } };
    }
  }

  async actors(report: Report): Promise<ActorsResult> {
    try {
      const doc = this.open(report);
      // Actor names are canonical English; their quotes and aliases are in the report's language.
      const { actors, dropped } = await actorList(this.tasks, doc, new Grounding(doc, !doc.english));
      return { reportId: report.id, actors, engine: { ...this.info, ...(dropped > 0 ? { unsupported: dropped } : {}) } };
    } catch (error) {
      const failure = this.failed(error, report, 'actors');
      const result = await this.options.fallback.actors(report);
      return { ...result, engine: { ...result.engine, fallback: { from: 'llm', reason: failure.message } } };
    }
  }

  private open(report: Report): ReportDocument {
    this.breaker.check();
    const doc = this.document(report);
    if (doc.content.length === 0) throw new LlmFailure('ungrounded', 'the report has no body text to analyse');
    return doc;
  }

  private document(report: Report): ReportDocument {
    const cached = this.documents.get(report.contentHash);
    if (cached && cached.report.text === report.text) return cached;
    const doc = new ReportDocument(report);
    this.documents.set(report.contentHash, doc);
    return doc;
  }

  private failed(error: unknown, report: Report, task: string): LlmFailure {
    const failure = this.tasks.client.failure(error);
    const level = failure.kind === 'unexpected' ? 'error' : 'warn';
    this.options.logger?.[level](
      { report: report.id, task, model: this.model, kind: failure.kind, err: failure.kind === 'unexpected' ? failure.cause : undefined },
      `LLM ${task} fell back to offline: ${failure.message}`,
    );
    return failure;
  }
}
