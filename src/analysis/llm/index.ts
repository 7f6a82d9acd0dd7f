import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { countTokens } from 'gpt-tokenizer';
import type { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { Report } from '../../reports/types.ts';
import type { Actor, ActorsResult, Analyzer, EngineInfo, SummariseOptions, Summary, SummarySentence } from '../types.ts';
import type { ReportSentence } from '../sentences.ts';
import { terms } from '../text.ts';
import { ReportDocument } from './document.ts';
import { normalise } from './quotes.ts';
import { classify, LlmFailure, modelAnswered, type FailureKind } from './errors.ts';
import { actorsAnswer, actorsSchema, extractJson, summaryAnswer, summarySchema, type ActorsOutput, type SummaryOutput } from './schemas.ts';
import { makeParseableResponseFormat, type AutoParseableResponseFormat } from 'openai/lib/parser';
import {
  actorsPrompt,
  makeDelimiters,
  MAX_ACTORS,
  POINTS_PER_LENGTH,
  PROMPT_VERSION,
  reducePrompt,
  summaryPrompt,
  type PromptMessages,
} from './prompts.ts';

export { PROMPT_VERSION } from './prompts.ts';
export { LlmFailure } from './errors.ts';

export type LlmTask = 'summary' | 'summary-map' | 'summary-reduce' | 'actors' | 'actors-map';

/** One request to the model, successful or not, for usage accounting. */
export interface LlmCall {
  task: LlmTask;
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** True when the server did not report usage (or the answer was unusable) and tokens were estimated. */
  estimated: boolean;
  ok: boolean;
  failure?: FailureKind;
  durationMs: number;
}

export interface LlmAnalyzerOptions {
  config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'LLM_TIMEOUT_MS' | 'LLM_MAX_RETRIES' | 'LLM_CONTEXT_TOKENS'> &
    Partial<Pick<Config, 'LLM_MAX_OUTPUT_TOKENS' | 'LLM_CONCURRENCY'>>;
  /** Answers when the model cannot: its result is returned with `engine.fallback` set. */
  fallback: Analyzer;
  logger?: Logger;
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

interface VerifiedPoint {
  text: string;
  quote: string;
  sentence: ReportSentence;
  /** The model's order (importance) among kept points. */
  rank: number;
}

interface VerifiedActor {
  name: string;
  type: Actor['type'];
  role?: string;
  affiliation?: string;
  surfaceForms: string[];
  evidence: ReportSentence;
  rank: number;
}

/** Fallback when fewer than this share of the model's items are grounded in the report. */
const MIN_SURVIVING_SHARE = 0.5;
/** Share of a point's content words that must occur in the report: paraphrase is fine, new facts are not. */
const MIN_TERM_OVERLAP = 0.5;
const MAX_POINT_CHARS = 400;
const MAX_FIELD_CHARS = 120;
/** Tokens the chat format adds per message and per reply, on top of the text. */
const MESSAGE_OVERHEAD_TOKENS = 16;

/**
 * Summaries and actors from any OpenAI-compatible chat model, grounded in the report: every point and actor
 * carries a quote that must be found in the report text, ungrounded items are dropped, and whenever the
 * model is slow, down, refuses, truncates, answers off-schema or ungrounded, the fallback engine answers
 * with `engine.fallback` saying why. Stateless apart from a small circuit breaker; caching lives in the service.
 */
export class LlmAnalyzer implements Analyzer {
  readonly name = 'llm' as const;
  readonly version = PROMPT_VERSION;
  readonly model: string;
  private readonly client: OpenAI;
  private readonly maxOutputTokens: number;
  private consecutiveTransientFailures = 0;
  private readonly fixedPromptTokens = new Map<string, number>();
  private readonly documents = new Map<string, ReportDocument>();
  private circuitOpenUntil = 0;
  private readonly slots: Semaphore;

  constructor(private readonly options: LlmAnalyzerOptions) {
    const { config } = options;
    this.model = config.OPENAI_MODEL;
    this.maxOutputTokens = config.LLM_MAX_OUTPUT_TOKENS ?? 4096;
    this.client = options.client ?? createOpenAIClient(config);
    this.slots = new Semaphore(config.LLM_CONCURRENCY ?? 4);
  }

  private get info(): EngineInfo {
    return { engine: 'llm', model: this.model, version: this.version };
  }

  async summarise(report: Report, options: SummariseOptions): Promise<Summary> {
    const wanted = POINTS_PER_LENGTH[options.length];
    try {
      const doc = this.open(report);
      const { points, dropped } = await this.summaryPoints(doc, wanted);
      const sentences: SummarySentence[] = points
        .slice(0, wanted)
        .sort((a, b) => a.sentence.index - b.sentence.index || a.rank - b.rank)
        .map((p) => ({ text: p.text, index: p.sentence.index, quote: p.quote }));
      return {
        reportId: report.id,
        length: options.length,
        sentences,
        text: sentences.map((s) => s.text).join(' '),
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
      const { actors, dropped } = await this.actorList(doc);
      return { reportId: report.id, actors, engine: { ...this.info, ...(dropped > 0 ? { unsupported: dropped } : {}) } };
    } catch (error) {
      const failure = this.failed(error, report, 'actors');
      const result = await this.options.fallback.actors(report);
      return { ...result, engine: { ...result.engine, fallback: { from: 'llm', reason: failure.message } } };
    }
  }

  private open(report: Report): ReportDocument {
    if (Date.now() < this.circuitOpenUntil) {
      throw new LlmFailure('circuit_open', `model skipped for ${Math.ceil((this.circuitOpenUntil - Date.now()) / 1000)} s after repeated failures`);
    }
    const doc = this.document(report);
    if (doc.content.length === 0) throw new LlmFailure('ungrounded', 'the report has no body text to analyse');
    return doc;
  }

  /** Recent documents by content hash: a briefing asks for the summary and the actors of the same report. */
  private document(report: Report): ReportDocument {
    const cached = this.documents.get(report.contentHash);
    if (cached && cached.report.text === report.text) return cached;
    const doc = new ReportDocument(report);
    this.documents.set(report.contentHash, doc);
    if (this.documents.size > 16) this.documents.delete(this.documents.keys().next().value!);
    return doc;
  }

  private failed(error: unknown, report: Report, task: string): LlmFailure {
    const failure = classify(error, { timeoutMs: this.options.config.LLM_TIMEOUT_MS, retries: this.options.config.LLM_MAX_RETRIES });
    const level = failure.kind === 'unexpected' ? 'error' : 'warn';
    this.options.logger?.[level]({ report: report.id, task, model: this.model, kind: failure.kind, err: failure.kind === 'unexpected' ? failure.cause : undefined }, `LLM ${task} fell back to offline: ${failure.message}`);
    return failure;
  }

  // ---- summary -------------------------------------------------------------------------------------------

  private async summaryPoints(doc: ReportDocument, wanted: number): Promise<{ points: VerifiedPoint[]; dropped: number }> {
    const title = promptTitle(doc.report.title);
    const budget = this.inputBudget(title, (t) => summaryPrompt({ title: t, body: '', points: wanted, delimiters: PLACEHOLDER_DELIMITERS }));
    const body = doc.render();
    if (fits(body, budget)) {
      const out = await this.request('summary', summaryPrompt({ title, body, points: wanted, delimiters: makeDelimiters() }), summarySchema, 'summary');
      return this.verifyPoints(doc, out.points, wanted, 'summary');
    }
    const chunks = chunkSentences(doc.content, budget);
    // Map: points per chunk, each checked against the full report. Reduce: one call over what survived.
    const perChunk = Math.max(2, Math.min(wanted, Math.ceil((wanted * 2) / chunks.length)));
    const mapped = await mapLimit(chunks, this.options.mapConcurrency ?? 3, async (chunk) => {
      const out = await this.request('summary-map', summaryPrompt({ title, body: doc.render(chunk), points: perChunk, delimiters: makeDelimiters() }), summarySchema, 'summary');
      return tolerateUngrounded(() => this.verifyPoints(doc, out.points, perChunk, 'summary'), { points: [], dropped: out.points.length });
    });
    if (mapped.every((m) => m.points.length === 0)) throw new LlmFailure('ungrounded', 'no part of the report yielded points grounded in it');
    const candidates = mapped.flatMap((m) => m.points);
    const droppedInMap = mapped.reduce((n, m) => n + m.dropped, 0);
    if (candidates.length <= wanted) return { points: candidates, dropped: droppedInMap };
    const reduceBudget = this.inputBudget(title, (t) => reducePrompt({ title: t, candidates: [], points: wanted, delimiters: PLACEHOLDER_DELIMITERS }));
    const fitting = fitCandidates(candidates, reduceBudget);
    const out = await this.request('summary-reduce', reducePrompt({ title, candidates: fitting, points: wanted, delimiters: makeDelimiters() }), summarySchema, 'summary');
    const reduced = this.verifyPoints(doc, out.points, wanted, 'summary');
    return { points: reduced.points, dropped: droppedInMap + reduced.dropped };
  }

  private verifyPoints(doc: ReportDocument, raw: SummaryOutput['points'], wanted: number, what: string): { points: VerifiedPoint[]; dropped: number } {
    const kept: VerifiedPoint[] = [];
    const seen = new Set<string>();
    let dropped = 0;
    for (const point of raw) {
      const text = cleanText(point.text, MAX_POINT_CHARS);
      const match = text ? doc.quotes.find(point.quote) : undefined;
      const sentence = match ? doc.sentenceAt(match.start) : undefined;
      if (!text || !match || !sentence || !grounded(text, doc)) {
        dropped++;
        continue;
      }
      const key = text.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      kept.push({ text: ensureSentence(text), quote: doc.quotes.source.slice(match.start, match.end), sentence, rank: kept.length });
    }
    assertEnoughSurvived(kept.length, raw.length, what);
    return { points: kept.slice(0, wanted), dropped };
  }

  // ---- actors --------------------------------------------------------------------------------------------

  private async actorList(doc: ReportDocument): Promise<{ actors: Actor[]; dropped: number }> {
    const title = promptTitle(doc.report.title);
    const budget = this.inputBudget(title, (t) => actorsPrompt({ title: t, body: '', delimiters: PLACEHOLDER_DELIMITERS }));
    const body = doc.render();
    if (fits(body, budget)) {
      const out = await this.request('actors', actorsPrompt({ title, body, delimiters: makeDelimiters() }), actorsSchema, 'actors');
      const verified = this.verifyActors(doc, out.actors);
      return { actors: rankActors(doc, verified.actors), dropped: verified.dropped };
    }
    const chunks = chunkSentences(doc.content, budget);
    // Map per chunk; the merge is deterministic (same canonical name or alias → one actor), no reduce call.
    const mapped = await mapLimit(chunks, this.options.mapConcurrency ?? 3, async (chunk) => {
      const out = await this.request('actors-map', actorsPrompt({ title, body: doc.render(chunk), delimiters: makeDelimiters() }), actorsSchema, 'actors');
      return tolerateUngrounded(() => this.verifyActors(doc, out.actors), { actors: [], dropped: out.actors.length });
    });
    if (mapped.every((m) => m.actors.length === 0)) throw new LlmFailure('ungrounded', 'no part of the report yielded actors grounded in it');
    const all = mapped.flatMap((m) => m.actors.map((a) => ({ ...a, rank: a.rank / Math.max(1, m.actors.length) })));
    return { actors: rankActors(doc, all), dropped: mapped.reduce((n, m) => n + m.dropped, 0) };
  }

  private verifyActors(doc: ReportDocument, raw: ActorsOutput['actors']): { actors: VerifiedActor[]; dropped: number } {
    const kept: VerifiedActor[] = [];
    let dropped = 0;
    for (const actor of raw) {
      const name = cleanText(actor.name, MAX_FIELD_CHARS);
      const forms = unique([name, ...actor.aliases.map((a) => cleanText(a, MAX_FIELD_CHARS))].filter((f) => f.length >= 2));
      const found = forms.filter((f) => doc.quotes.occurrences(f).length > 0);
      const evidence = doc.locate(actor.quote, 8);
      if (!name || found.length === 0 || !evidence) {
        dropped++;
        continue;
      }
      const key = name.toLowerCase();
      const same = kept.find((k) => k.name.toLowerCase() === key || k.surfaceForms.some((f) => f.toLowerCase() === key));
      if (same) {
        same.surfaceForms = unique([...same.surfaceForms, ...found]);
        continue;
      }
      const person = actor.type === 'person';
      kept.push({
        name,
        type: actor.type,
        ...(person && actor.role && linksGrounded(actor.role, doc.quotes.normalisedText) ? { role: cleanText(actor.role, MAX_FIELD_CHARS) } : {}),
        ...(person && actor.affiliation && linksGrounded(actor.affiliation, doc.quotes.normalisedText) ? { affiliation: cleanText(actor.affiliation, MAX_FIELD_CHARS) } : {}),
        surfaceForms: found,
        evidence,
        rank: kept.length,
      });
    }
    assertEnoughSurvived(kept.length, raw.length, 'actors');
    return { actors: kept, dropped };
  }

  // ---- the model call ------------------------------------------------------------------------------------

  /** Tokens left for report text once the prompt's fixed text (counted once per prompt kind), title and answer are reserved. */
  private inputBudget(title: string, emptyPrompt: (title: string) => PromptMessages): number {
    const kind = emptyPrompt('');
    const fixedKey = kind.system + kind.user;
    let fixed = this.fixedPromptTokens.get(fixedKey);
    if (fixed === undefined) {
      fixed = countTokens(kind.system) + countTokens(kind.user) + MESSAGE_OVERHEAD_TOKENS * 3;
      this.fixedPromptTokens.set(fixedKey, fixed);
    }
    const overhead = fixed + countTokens(title);
    const context = this.options.config.LLM_CONTEXT_TOKENS;
    // The answer shares the context window; small local windows (Ollama's 4096) reserve a third for it.
    const budget = context - Math.min(this.maxOutputTokens, Math.floor(context / 3)) - overhead;
    // gpt-tokenizer counts with OpenAI's o200k encoding; other models' tokenizers differ, so keep 10% slack.
    return Math.max(200, Math.floor(budget * 0.9));
  }

  private async request<S extends z.ZodType>(task: LlmTask, prompt: PromptMessages, schema: S, name: string): Promise<z.infer<S>> {
    // Waiting for a slot happens before the SDK's timeout starts: a queue here is not a slow model.
    const release = await this.slots.acquire();
    try {
      return await this.send(task, prompt, schema, name);
    } finally {
      release();
    }
  }

  private async send<S extends z.ZodType>(task: LlmTask, prompt: PromptMessages, schema: S, name: string): Promise<z.infer<S>> {
    const started = performance.now();
    // Counted only when the server does not report usage (counting costs ~1 ms per 8 kB).
    const promptEstimate = () => countTokens(prompt.system) + countTokens(prompt.user) + MESSAGE_OVERHEAD_TOKENS * 3;
    const record = (call: Omit<LlmCall, 'task' | 'model' | 'durationMs'>) =>
      this.options.onCall?.({ task, model: this.model, durationMs: performance.now() - started, ...call });
    try {
      const completion = await this.client.chat.completions.parse({
        model: this.model,
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
        response_format: responseFormat(schema, name),
        max_completion_tokens: this.maxOutputTokens,
      });
      const usage = completion.usage;
      record({
        promptTokens: usage?.prompt_tokens ?? promptEstimate(),
        completionTokens: usage?.completion_tokens ?? countTokens(completion.choices[0]?.message.content ?? ''),
        estimated: !usage,
        ok: true,
      });
      this.consecutiveTransientFailures = 0;
      const message = completion.choices[0]?.message;
      if (!message) throw new LlmFailure('invalid_output', 'model returned no choices');
      if (message.refusal) throw new LlmFailure('refusal', `model refused: ${cleanText(message.refusal, 160)}`);
      if (!message.parsed) throw new LlmFailure('invalid_output', 'model returned no content');
      return message.parsed as z.infer<S>;
    } catch (caught) {
      // A 200 whose body is not a chat completion (a proxy's HTML page, another API) breaks the SDK's parsing.
      const error = caught instanceof TypeError ? new LlmFailure('invalid_output', 'model server sent something other than a chat completion', { cause: caught }) : caught;
      const failure = classify(error, { timeoutMs: this.options.config.LLM_TIMEOUT_MS, retries: this.options.config.LLM_MAX_RETRIES });
      if (!(caught instanceof LlmFailure)) {
        // The SDK threw before handing back the completion: its usage is lost, so estimate what was spent.
        const answered = modelAnswered(failure);
        record({
          promptTokens: answered ? promptEstimate() : 0,
          completionTokens: failure.kind === 'length' ? this.maxOutputTokens : 0,
          estimated: true,
          ok: false,
          failure: failure.kind,
        });
      }
      if (failure.transient) this.tripCircuit();
      throw failure;
    }
  }

  private tripCircuit(): void {
    this.consecutiveTransientFailures++;
    if (this.consecutiveTransientFailures >= (this.options.circuitThreshold ?? 3)) {
      this.circuitOpenUntil = Date.now() + (this.options.circuitCooldownMs ?? 30_000);
      this.consecutiveTransientFailures = 0;
      this.options.logger?.warn({ model: this.model }, 'LLM failing repeatedly: using the offline engine for a while');
    }
  }
}

/** The OpenAI client for the configured server. Local servers (Ollama, vLLM, LM Studio) need no key. */
export function createOpenAIClient(config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'LLM_TIMEOUT_MS' | 'LLM_MAX_RETRIES'>): OpenAI {
  return new OpenAI({
    apiKey: config.OPENAI_API_KEY ?? 'no-key',
    baseURL: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
    timeout: config.LLM_TIMEOUT_MS,
    maxRetries: config.LLM_MAX_RETRIES,
  });
}

// ---- helpers ---------------------------------------------------------------------------------------------

/** Same length as real delimiters; used only to measure the prompt's fixed size. */
const PLACEHOLDER_DELIMITERS = { open: `<<<DATA_${'0'.repeat(24)}>>>`, close: `<<<END_DATA_${'0'.repeat(24)}>>>` };

const formats = new WeakMap<z.ZodType, unknown>();
const LENIENT = new Map<z.ZodType, z.ZodType>([
  [summarySchema, summaryAnswer],
  [actorsSchema, actorsAnswer],
]);
/**
 * The strict JSON schema from `zodResponseFormat` (what the model is asked for), read back with the lenient
 * twin and fence-tolerant JSON extraction (what is accepted). Built once per schema: conversion costs ~1 ms.
 */
function responseFormat<S extends z.ZodType>(schema: S, name: string): AutoParseableResponseFormat<z.infer<S>> {
  let format = formats.get(schema) as AutoParseableResponseFormat<z.infer<S>> | undefined;
  if (!format) {
    const strict = zodResponseFormat(schema, name);
    const reader = LENIENT.get(schema) ?? schema;
    format = makeParseableResponseFormat({ type: 'json_schema', json_schema: strict.json_schema }, (content) => reader.parse(JSON.parse(extractJson(content))) as z.infer<S>);
    formats.set(schema, format);
  }
  return format;
}

/** Whether text fits the token budget; UTF-8 bytes bound the token count, so short texts skip the tokenizer. */
function fits(text: string, budgetTokens: number): boolean {
  if (Buffer.byteLength(text) <= budgetTokens) return true;
  return countTokens(text) <= budgetTokens;
}

function assertEnoughSurvived(kept: number, returned: number, what: string): void {
  if (returned === 0) throw new LlmFailure('ungrounded', `model returned no ${what === 'actors' ? 'actors' : 'points'}`);
  if (kept === 0 || kept < returned * MIN_SURVIVING_SHARE) {
    throw new LlmFailure('ungrounded', `too few ${what === 'actors' ? 'actors' : 'points'} grounded in the report (${kept} of ${returned} quotes found)`);
  }
}

/**
 * In map-reduce, one chunk of mostly ungrounded output (say, a chunk of tables or boilerplate) costs that
 * chunk's items, not the whole answer; the whole falls back only when no chunk yields anything.
 */
function tolerateUngrounded<T>(verify: () => T, empty: T): T {
  try {
    return verify();
  } catch (error) {
    if (error instanceof LlmFailure && error.kind === 'ungrounded') return empty;
    throw error;
  }
}

/**
 * A paraphrase is accepted when all of its numbers and, for English reports, most of its content words
 * occur in the report. Points are written in English, so for reports in other languages only the numbers
 * (and the verbatim quote) can be checked.
 */
function grounded(text: string, doc: ReportDocument): boolean {
  const source = doc.quotes.normalisedText;
  const pointTerms = doc.english ? terms(text) : [];
  if (pointTerms.length > 0) {
    const known = pointTerms.filter((t) => startsWord(source, t)).length;
    if (known / pointTerms.length < MIN_TERM_OVERLAP) return false;
  }
  if (!linksGrounded(text, source)) return false;
  const numbers = text.match(/\d+(?:[.,]\d+)*/g) ?? [];
  return numbers.every((n) => source.includes(n) || source.includes(n.replace(/,/g, '')));
}

/** Links and Discord mention syntax: a model may repeat them from the report, never introduce them. */
const LINK_OR_MENTION = /https?:\/\/[^\s)\]>"']+|\bwww\.[^\s)\]>"']+|@everyone|@here|<[@#][!&]?\d+>|<\/[\w -]+:\d+>|discord(?:app)?\.(?:gg|com)\/\S+/gi;

function linksGrounded(text: string, normalisedSource: string): boolean {
  for (const m of text.match(LINK_OR_MENTION) ?? []) {
    if (!normalisedSource.includes(normalise(m).text.replace(/[.,;:!?]+$/, ''))) return false;
  }
  return true;
}

/** Whether some word of the (normalised) text starts with the stem `term`. */
function startsWord(text: string, term: string): boolean {
  const needle = normalise(term).text;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (at === 0 || !/[\p{L}\p{N}]/u.test(text[at - 1]!)) return true;
  }
  return false;
}

/** Titles go into every prompt; a runaway one (a scraped page's whole lead) must not eat the budget. */
function promptTitle(title: string): string {
  const t = title.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 299)}…` : t;
}

/** Model strings are untrusted too: single line, no control characters, bounded length. */
function cleanText(value: string | null | undefined, max: number): string {
  if (!value) return '';
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001F\u007F\u200B-\u200F\u2028-\u202E\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

function ensureSentence(text: string): string {
  return /[.!?…"'”’)]$/.test(text) ? text : `${text}.`;
}

function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Consecutive sentences grouped so that each group's text stays within the token budget. */
export function chunkSentences(sentences: readonly ReportSentence[], budgetTokens: number): ReportSentence[][] {
  const chunks: ReportSentence[][] = [];
  let current: ReportSentence[] = [];
  let used = 0;
  for (const sentence of sentences) {
    const tokens = countTokens(sentence.text) + 2;
    if (current.length > 0 && used + tokens > budgetTokens) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(sentence);
    used += tokens;
  }
  if (current.length > 0) chunks.push(current);
  return chunks.length > 0 ? chunks : [[]];
}

/** Candidates for the reduce call, taken round-robin across chunks' importance order until the budget is full. */
function fitCandidates(candidates: VerifiedPoint[], budgetTokens: number): Array<{ text: string; quote: string }> {
  const byRank = [...candidates].sort((a, b) => a.rank - b.rank || a.sentence.index - b.sentence.index);
  const out: VerifiedPoint[] = [];
  let used = 0;
  for (const c of byRank) {
    const tokens = countTokens(JSON.stringify({ text: c.text, quote: c.quote })) + 1;
    if (used + tokens > budgetTokens) continue;
    out.push(c);
    used += tokens;
  }
  return out.sort((a, b) => a.sentence.index - b.sentence.index).map((c) => ({ text: c.text, quote: c.quote }));
}

function rankActors(doc: ReportDocument, verified: VerifiedActor[]): Actor[] {
  // Merge actors that different chunks named differently (a name that is another's alias).
  const merged: VerifiedActor[] = [];
  for (const actor of [...verified].sort((a, b) => a.rank - b.rank)) {
    const forms = new Set(actor.surfaceForms.map((f) => f.toLowerCase()).concat(actor.name.toLowerCase()));
    const same = merged.find((m) => forms.has(m.name.toLowerCase()) || m.surfaceForms.some((f) => forms.has(f.toLowerCase())));
    if (same) {
      same.surfaceForms = unique([...same.surfaceForms, ...actor.surfaceForms]);
      same.role ??= actor.role;
      same.affiliation ??= actor.affiliation;
    } else merged.push({ ...actor, surfaceForms: [...actor.surfaceForms] });
  }
  const counted = merged.map((a, position) => ({ actor: a, position, mentions: countMentions(doc, a.surfaceForms) }));
  const maxMentions = Math.max(1, ...counted.map((c) => c.mentions));
  const n = Math.max(1, counted.length);
  return counted
    .map(({ actor, position, mentions }): Actor => ({
      name: actor.name,
      type: actor.type,
      ...(actor.role ? { role: actor.role } : {}),
      ...(actor.affiliation ? { affiliation: actor.affiliation } : {}),
      mentions,
      aliases: actor.surfaceForms.filter((f) => f.toLowerCase() !== actor.name.toLowerCase()),
      evidence: actor.evidence.text,
      // The model's centrality order counts most; how often the report names the actor refines it.
      score: Math.round((0.6 * (1 - position / n) + 0.4 * (mentions / maxMentions)) * 1000) / 1000,
    }))
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_ACTORS);
}

/** Mentions: occurrences of the name and its aliases in the report, overlapping matches counted once. */
function countMentions(doc: ReportDocument, forms: string[]): number {
  const spans = forms.flatMap((f) => doc.quotes.occurrences(f)).sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let count = 0;
  let end = -1;
  for (const [s, e] of spans) {
    if (s >= end) {
      count++;
      end = e;
    } else end = Math.max(end, e);
  }
  return count;
}

/** Counting semaphore: at most `size` holders; others wait in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}
