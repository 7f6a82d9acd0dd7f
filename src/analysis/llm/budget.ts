import { countTokens } from 'gpt-tokenizer';
import type { ReportSentence } from '../sentences.ts';
import type { PromptMessages } from './prompts.ts';
import { cleanText } from './untrusted.ts';

/** Tokens the chat format adds per message and per reply, on top of the text. */
export const MESSAGE_OVERHEAD_TOKENS = 16;

/** Same length as real delimiters; used only to measure the prompt's fixed size. */
export const PLACEHOLDER_DELIMITERS = { open: `<<<DATA_${'0'.repeat(24)}>>>`, close: `<<<END_DATA_${'0'.repeat(24)}>>>` };

/** Tokens of a whole prompt (system + user + chat framing). */
export function promptTokens(prompt: PromptMessages): number {
  return countTokens(prompt.system) + countTokens(prompt.user) + MESSAGE_OVERHEAD_TOKENS * 3;
}

/**
 * How much report text fits one request: the context window minus the answer reserve, the prompt's fixed
 * text (counted once per prompt kind) and the title, with slack for tokenizers other than OpenAI's.
 */
export class TokenBudget {
  /** Keyed by the prompt kind's fixed text: a handful of entries (tasks × point counts). */
  private readonly fixedPromptTokens = new Map<string, number>();

  constructor(
    private readonly contextTokens: number,
    private readonly maxOutputTokens: number,
  ) {}

  /** Tokens left for report text in a prompt built by `emptyPrompt` (which must leave the body empty). */
  input(title: string, emptyPrompt: (title: string) => PromptMessages): number {
    const kind = emptyPrompt('');
    const fixedKey = kind.system + kind.user;
    let fixed = this.fixedPromptTokens.get(fixedKey);
    if (fixed === undefined) {
      fixed = promptTokens(kind);
      this.fixedPromptTokens.set(fixedKey, fixed);
    }
    const overhead = fixed + countTokens(title);
    const context = this.contextTokens;
    // The answer shares the context window; small local windows (Ollama's 4096) reserve a third for it.
    const budget = context - Math.min(this.maxOutputTokens, Math.floor(context / 3)) - overhead;
    // gpt-tokenizer counts with OpenAI's o200k encoding; other models' tokenizers differ, so keep 10% slack.
    return Math.max(200, Math.floor(budget * 0.9));
  }
}

/** Whether text fits the token budget; UTF-8 bytes bound the token count, so short texts skip the tokenizer. */
export function fits(text: string, budgetTokens: number): boolean {
  if (Buffer.byteLength(text) <= budgetTokens) return true;
  return countTokens(text) <= budgetTokens;
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

/** A candidate point for the reduce call. */
export interface Candidate {
  text: string;
  quote: string;
  rank: number;
  sentence: ReportSentence;
}

/** Candidates for the reduce call, taken in importance order across chunks until the budget is full. */
export function fitCandidates(candidates: readonly Candidate[], budgetTokens: number): Array<{ text: string; quote: string }> {
  const byRank = [...candidates].sort((a, b) => a.rank - b.rank || a.sentence.index - b.sentence.index);
  const out: Candidate[] = [];
  let used = 0;
  for (const c of byRank) {
    const tokens = countTokens(JSON.stringify({ text: c.text, quote: c.quote })) + 1;
    if (used + tokens > budgetTokens) continue;
    out.push(c);
    used += tokens;
  }
  return out.sort((a, b) => a.sentence.index - b.sentence.index).map((c) => ({ text: c.text, quote: c.quote }));
}

/** Titles go into every prompt; a runaway one (a scraped page's whole lead) must not eat the budget. */
export function promptTitle(title: string): string {
  return cleanText(title, 300);
}
