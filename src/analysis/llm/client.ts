import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { makeParseableResponseFormat, type AutoParseableResponseFormat } from 'openai/lib/parser';
import { countTokens } from 'gpt-tokenizer';
import pLimit, { type LimitFunction } from 'p-limit';
import type { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Clock } from '../../core/clock.ts';
import { promptTokens, type TokenBudget } from './budget.ts';
import type { CircuitBreaker } from './breaker.ts';
import { classify, LlmFailure, modelAnswered, type FailureKind } from './errors.ts';
import { cleanText } from './untrusted.ts';
import type { PromptMessages } from './prompts.ts';
import { actorsAnswer, actorsSchema, extractJson, summaryAnswer, summarySchema } from './schemas.ts';

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

export type ClientConfig = Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_MODEL' | 'LLM_TIMEOUT_MS' | 'LLM_MAX_RETRIES'> &
  Partial<Pick<Config, 'LLM_MAX_OUTPUT_TOKENS' | 'LLM_CONCURRENCY'>>;

/** The OpenAI client for the configured server. Local servers (Ollama, vLLM, LM Studio) need no key. */
export function createOpenAIClient(config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'LLM_TIMEOUT_MS' | 'LLM_MAX_RETRIES'>): OpenAI {
  return new OpenAI({
    apiKey: config.OPENAI_API_KEY ?? 'no-key',
    baseURL: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
    timeout: config.LLM_TIMEOUT_MS,
    maxRetries: config.LLM_MAX_RETRIES,
  });
}

/**
 * Structured requests to the model: at most LLM_CONCURRENCY in flight (p-limit), each parsed against its
 * schema, every call reported to `onCall` with its tokens (estimated when the server does not say), and
 * transient failures reported to the circuit breaker.
 */
export class ModelClient {
  readonly model: string;
  readonly maxOutputTokens: number;
  private readonly client: OpenAI;
  private readonly slots: LimitFunction;

  constructor(
    private readonly options: {
      config: ClientConfig;
      clock: Clock;
      breaker: CircuitBreaker;
      client?: OpenAI;
      onCall?: (call: LlmCall) => void;
    },
  ) {
    const { config } = options;
    this.model = config.OPENAI_MODEL;
    this.maxOutputTokens = config.LLM_MAX_OUTPUT_TOKENS ?? 4096;
    this.client = options.client ?? createOpenAIClient(config);
    this.slots = pLimit(config.LLM_CONCURRENCY ?? 4);
  }

  /** Whatever was thrown, as a failure with a readable reason. */
  failure(error: unknown): LlmFailure {
    return classify(error, { timeoutMs: this.options.config.LLM_TIMEOUT_MS, retries: this.options.config.LLM_MAX_RETRIES });
  }

  /** One structured request. Waiting for a slot happens before the SDK's timeout starts: a queue is not a slow model. */
  request<S extends z.ZodType>(task: LlmTask, prompt: PromptMessages, schema: S, name: string): Promise<z.infer<S>> {
    return this.slots(() => this.send(task, prompt, schema, name));
  }

  private async send<S extends z.ZodType>(task: LlmTask, prompt: PromptMessages, schema: S, name: string): Promise<z.infer<S>> {
    const { clock } = this.options;
    const started = clock.now().getTime();
    // Counted only when the server does not report usage (counting costs ~1 ms per 8 kB).
    const promptEstimate = () => promptTokens(prompt);
    const record = (call: Omit<LlmCall, 'task' | 'model' | 'durationMs'>) =>
      this.options.onCall?.({ task, model: this.model, durationMs: clock.now().getTime() - started, ...call });
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
      this.options.breaker.succeeded();
      const message = completion.choices[0]?.message;
      if (!message) throw new LlmFailure('invalid_output', 'model returned no choices');
      if (message.refusal) throw new LlmFailure('refusal', `model refused: ${cleanText(message.refusal, 160)}`);
      if (!message.parsed) throw new LlmFailure('invalid_output', 'model returned no content');
      return message.parsed as z.infer<S>;
    } catch (caught) {
      // A 200 whose body is not a chat completion (a proxy's HTML page, another API) breaks the SDK's parsing.
      const error =
        caught instanceof TypeError ? new LlmFailure('invalid_output', 'model server sent something other than a chat completion', { cause: caught }) : caught;
      const failure = this.failure(error);
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
      this.options.breaker.failed(failure);
      throw failure;
    }
  }
}

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
    format = makeParseableResponseFormat(
      { type: 'json_schema', json_schema: strict.json_schema },
      (content) => reader.parse(JSON.parse(extractJson(content))) as z.infer<S>,
    );
    formats.set(schema, format);
  }
  return format;
}

/** What the summary and actor tasks need from the engine. */
export interface TaskContext {
  client: ModelClient;
  budget: TokenBudget;
  /** Parallel model requests per report during map-reduce. */
  mapConcurrency: number;
}
