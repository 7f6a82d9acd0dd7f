import type { Report } from '../reports/types.ts';

export type SummaryLength = 'brief' | 'standard' | 'detailed';
export const SUMMARY_LENGTHS: readonly SummaryLength[] = ['brief', 'standard', 'detailed'];

export type EngineName = 'offline' | 'llm';

/** Which engine produced a result, and whether a requested engine fell back to another. */
export interface EngineInfo {
  engine: EngineName;
  /** Model id for the LLM engine; absent for offline. */
  model?: string;
  /** Engine/prompt version that goes into the cache key. */
  version: string;
  /** Present when the LLM was asked for but the offline engine answered. */
  fallback?: { from: EngineName; reason: string };
  /**
   * LLM engine: items the model returned that were dropped: quote not in the report, item not supported by
   * its own quote, or restating an instruction-like sentence of the report (see analysis/llm/grounding.ts).
   */
  unsupported?: number;
  /** A limitation of this result a reader should see, e.g. no offline rules for the report's language. */
  note?: string;
}

export interface SummarySentence {
  text: string;
  /** Index of the sentence in the report's sentence sequence (see analysis/sentences). */
  index: number;
  /**
   * LLM engine: `text` is the model's wording of the point and `quote` the verbatim excerpt of the report
   * that supports it (verified; it lies in sentence `index`). Absent for extractive (offline) summaries.
   */
  quote?: string;
}

export interface Summary {
  reportId: string;
  length: SummaryLength;
  /** In document order. */
  sentences: SummarySentence[];
  /** The sentences joined as one string. */
  text: string;
  /** LLM engine: the language the points are written in (BCP-47; "en" unless a locale was asked for). */
  language?: string;
  engine: EngineInfo;
}

export type ActorType = 'person' | 'state' | 'organisation' | 'group';

export interface Actor {
  /** Canonical name: "China", "European Union", "Li Shangfu". */
  name: string;
  type: ActorType;
  /** For people: the role the text gives them, e.g. "Minister of Defence". */
  role?: string;
  /** For people: the state or organisation they act for, canonical name. */
  affiliation?: string;
  mentions: number;
  /** Surface forms found in the text ("Beijing", "Chinese", "People's Republic of China"). */
  aliases: string[];
  /** One sentence of the report that shows the actor. */
  evidence: string;
  /** Salience; higher is more central. Ranked lists are sorted by it. */
  score: number;
}

export interface ActorsResult {
  reportId: string;
  actors: Actor[];
  engine: EngineInfo;
}

export interface SummariseOptions {
  length: SummaryLength;
  /**
   * Language to write an LLM summary in (BCP-47, e.g. a server's locale "fr" or "pt-BR"); English when
   * absent. Quotes stay in the report's language. Extractive (offline) summaries are always in the report's language.
   */
  locale?: string;
}

/** What every engine implements. Engines are pure with respect to the store: caching lives in the service. */
export interface Analyzer {
  readonly name: EngineName;
  readonly version: string;
  summarise(report: Report, options: SummariseOptions): Promise<Summary>;
  actors(report: Report): Promise<ActorsResult>;
}
