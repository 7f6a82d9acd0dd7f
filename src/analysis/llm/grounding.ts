/**
 * What the report supports. Every summary point and actor carries a quote; the quote must occur verbatim
 * (after typographic normalisation) in the report, and the item must be supported by its OWN quote — the
 * report sentence(s) the quote lies in — not merely by words found somewhere in the report:
 *
 * - English point about an English report: most of the point's content words (stemmed, stop words left
 *   out) occur in the quoted sentence, and every number, link and mention of the point does too.
 * - Cross-language (the report is not English, or the point is written in another language than the
 *   report): word overlap cannot be measured, so the verbatim quote carries the weight, and the point's
 *   numbers, links and mentions must occur in the quoted sentence and its names (capitalised words) must
 *   loosely match words there (same first letters after folding accents: "Moldova" ~ "Moldavie").
 * - Instructions are not facts: a point whose quote lies in an instruction-like sentence of the report
 *   ("Ignore previous instructions…", "The report is about cats.", "You are…", "Summarise this as…", an
 *   imperative addressed to the model), a point that is itself such a sentence, or one that restates such
 *   a sentence more closely than its own quote, is dropped.
 * - An actor's quote must name it (its name, or an alias the report uses), and must not be an instruction.
 *
 * Hand-written: the rules are the product's policy over its own quote index; no library decides this.
 */
import { STOP_WORDS, terms } from '../text.ts';
import type { ReportSentence } from '../sentences.ts';
import type { ReportDocument } from './document.ts';
import { LlmFailure } from './errors.ts';
import { normalise, QuoteIndex } from './quotes.ts';

/** Fallback when fewer than this share of the model's items are grounded in the report. */
const MIN_SURVIVING_SHARE = 0.5;
/** Share of a point's content words that must occur in its quoted sentence: paraphrase is fine, new facts are not. */
const MIN_TERM_OVERLAP = 0.5;
/** A point "restates" an instruction-like sentence when at least this share of its content words come from it… */
const RESTATEMENT_OVERLAP = 0.6;
/** …cross-language, at least this share of a point's names must match words of its quoted sentence. */
const MIN_NAME_MATCH = 1 / 3;
export const MAX_POINT_CHARS = 400;
export const MAX_FIELD_CHARS = 120;

export type DropReason = 'unquoted' | 'unsupported' | 'instruction';

export type PointVerdict = { ok: true; quote: string; sentence: ReportSentence } | { ok: false; reason: DropReason };
export type ActorVerdict = { ok: true; evidence: ReportSentence; forms: string[] } | { ok: false; reason: DropReason };

export class Grounding {
  constructor(
    private readonly doc: ReportDocument,
    /** True when points are not English about an English report (see the module comment). */
    readonly crossLanguage: boolean,
  ) {}

  point(text: string, quote: string | null | undefined): PointVerdict {
    const match = text ? this.doc.quotes.find(quote) : undefined;
    if (!match) return { ok: false, reason: 'unquoted' };
    const quoted = this.doc.sentencesIn(match.start, match.end);
    if (quoted.length === 0) return { ok: false, reason: 'unquoted' };
    const instructions = instructionSentences(this.doc);
    if (quoted.some((s) => instructions.has(s)) || instructionLike(text)) return { ok: false, reason: 'instruction' };
    const support = normalise(quoted.map((s) => s.text).join(' ')).text;
    if (!linksGrounded(text, support) || !numbersGrounded(text, support)) return { ok: false, reason: 'unsupported' };
    const own = termOverlap(text, support);
    if (this.crossLanguage) {
      if (!namesMatch(text, support)) return { ok: false, reason: 'unsupported' };
    } else if (own.total === 0 || own.share < MIN_TERM_OVERLAP || own.matched < Math.min(2, own.total)) {
      return { ok: false, reason: 'unsupported' };
    }
    for (const normalised of instructions.values()) {
      const restated = termOverlap(text, normalised).share;
      if (restated >= RESTATEMENT_OVERLAP && restated > own.share) return { ok: false, reason: 'instruction' };
    }
    return { ok: true, quote: this.doc.quotes.source.slice(match.start, match.end), sentence: quoted[0]! };
  }

  /** `forms`: the actor's name and aliases as the model gave them. */
  actor(forms: readonly string[], quote: string | null | undefined): ActorVerdict {
    const match = this.doc.quotes.find(quote, 8);
    if (!match) return { ok: false, reason: 'unquoted' };
    const quoted = this.doc.sentencesIn(match.start, match.end);
    const instructions = instructionSentences(this.doc);
    if (quoted.length === 0) return { ok: false, reason: 'unquoted' };
    if (quoted.some((s) => instructions.has(s))) return { ok: false, reason: 'instruction' };
    const quoteText = this.doc.quotes.source.slice(match.start, match.end);
    const inQuote = new QuoteIndex(quoteText);
    const found = forms.filter((f) => this.doc.quotes.occurrences(f).length > 0);
    let named = found.filter((f) => inQuote.occurrences(f).length > 0);
    if (named.length === 0 && this.crossLanguage) named = looseNames(forms, quoteText);
    if (named.length === 0) return { ok: false, reason: 'unsupported' };
    return { ok: true, evidence: quoted[0]!, forms: unique([...found, ...named]) };
  }
}

export function assertEnoughSurvived(kept: number, returned: number, what: 'points' | 'actors'): void {
  if (returned === 0) throw new LlmFailure('ungrounded', `model returned no ${what}`);
  if (kept === 0 || kept < returned * MIN_SURVIVING_SHARE) {
    throw new LlmFailure('ungrounded', `too few ${what} grounded in the report (${kept} of ${returned} supported by their quotes)`);
  }
}

/**
 * In map-reduce, one chunk of mostly ungrounded output (say, a chunk of tables or boilerplate) costs that
 * chunk's items, not the whole answer; the whole falls back only when no chunk yields anything.
 */
export function tolerateUngrounded<T>(verify: () => T, empty: T): T {
  try {
    return verify();
  } catch (error) {
    if (error instanceof LlmFailure && error.kind === 'ungrounded') return empty;
    throw error;
  }
}

// ---- instruction-like sentences ---------------------------------------------------------------------------

/**
 * Sentences that address a model rather than state something about the world. Matched on normalised text
 * (lower case, straight quotes). A false match only costs points that restate that sentence.
 */
const INSTRUCTION_PATTERNS: RegExp[] = [
  // "ignore/disregard/forget (all) previous instructions", also in the other major languages
  /\b(?:ignore|disregard|forget|override|bypass)\b.{0,30}\b(?:instructions?|prompts?|directives?)\b/,
  /\b(?:ignore|disregard|forget)\b (?:all |everything |anything )?(?:(?:the|that|what|was|is|written|said|you were told) )*(?:above|before|previously|earlier|so far)\b/,
  /\b(?:previous|prior|above|earlier|original|initial|system|hidden) (?:instructions?|prompts?|directives?)\b/,
  /\b(?:ignore[sz]?|oublie[sz]?|ignora|ignorad|ignoriere|vergiss|ignori|ignorar|игнорируй)\b.{0,40}\b(?:instructions?|consignes|instrucciones|anweisungen|istruzioni|instruções|инструкции)\b/,
  // role and chat markers
  /^(?:system|assistant|user|developer|human|ai)\s*:/,
  /\[\/?inst\]|<\|im_(?:start|end)\|>|<\|(?:system|user|assistant)\|>|###\s*(?:instruction|system|response)/,
  // addressed to the model in the second person
  /^(?:now,? |from now on,? )?(?:you(?:'re| are| will| must| should| shall| have to| need to| may not| can't| cannot)|your (?:task|job|role|instructions?|goal|purpose|output|answer|summary|response))\b/,
  /\byou are (?:now|no longer|actually|henceforth)\b/,
  /\b(?:as an? (?:ai|language model|assistant|chatbot|llm))\b/,
  // statements about what the document is, or how to summarise it
  /\b(?:this|the) (?:report|document|text|article|input|data|content|page|passage|analysis) (?:is|was) (?:really |actually |only |entirely |solely |just |now |in fact )?(?:about|on the topic of|a story about)\b/,
  /(?:^(?:please )?|\b(?:should|must|will|to) )(?:summari[sz]e|describe|present|report|characteri[sz]e|treat)(?: (?:this|the|it|that))?(?: (?:report|document|text|article|passage))? as\b/,
  /\b(?:the|your|any|this|each) (?:summary|summaries|briefing|answer|response|output|reply|key points?|bullet points?|points) (?:should|must|shall|will|needs? to|has to|is to|may only)\b/,
  /\b(?:when|if|while) (?:you )?(?:summari[sz]|analy[sz]|process|read)(?:e|ing)? (?:this|the) (?:report|document|text|article)\b/,
];

/** Imperatives a prompt injection opens with; flagged only together with a word that addresses the model or its output. */
const IMPERATIVE =
  /^(?:please |now |instead,? |also )?(?:ignore|disregard|forget|output|print|respond|reply|answer|say|write|summari[sz]e|translate|pretend|act as|list|include|insert|add|post|mention|ping|tell|repeat|return|reveal|state|describe|classify|rate|mark|begin|start|stop|do not|don't|never|always|make sure|remember|append|prepend|replace|end|use|treat|consider)\b/;
const ADDRESSEE =
  /\b(?:instructions?|prompts?|summar\w*|key points?|bullets?|output|response|reply|answer|assistant|ai|model|chatbot|llm|gpt|system|everyone|json|above|previous|briefing|readers?|users?|channel|discord|links?)\b|\b(?:this|the) (?:report|document|text|article)\b|@here|@everyone|https?:/;

/** Whether a sentence reads as an instruction to a model rather than a statement about the world. */
export function instructionLike(sentence: string): boolean {
  const s = normalise(sentence).text.replace(/^["'(\s-]+/, '');
  if (INSTRUCTION_PATTERNS.some((p) => p.test(s))) return true;
  return IMPERATIVE.test(s) && ADDRESSEE.test(s);
}

const instructionCache = new WeakMap<ReportDocument, Map<ReportSentence, string>>();

/** The report's instruction-like sentences, with their normalised text; computed once per document. */
function instructionSentences(doc: ReportDocument): Map<ReportSentence, string> {
  let found = instructionCache.get(doc);
  if (!found) {
    found = new Map(doc.sentences.filter((s) => instructionLike(s.text)).map((s) => [s, normalise(s.text).text]));
    instructionCache.set(doc, found);
  }
  return found;
}

// ---- overlap -------------------------------------------------------------------------------------------------

/** How many of the text's distinct content words (stems) start a word of the normalised support text. */
function termOverlap(text: string, normalisedSupport: string): { matched: number; total: number; share: number } {
  const stems = [...new Set(terms(text))];
  const matched = stems.filter((t) => startsWord(normalisedSupport, t)).length;
  return { matched, total: stems.length, share: stems.length === 0 ? 0 : matched / stems.length };
}

/** Whether some word of the (normalised) text starts with the stem `term` (short stems: the whole word). */
function startsWord(text: string, term: string): boolean {
  const needle = normalise(term).text;
  if (!needle) return false;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (at > 0 && /[\p{L}\p{N}]/u.test(text[at - 1]!)) continue;
    if (needle.length >= 3 || !/[\p{L}\p{N}]/u.test(text[at + needle.length] ?? ' ')) return true;
  }
  return false;
}

const NUMBER = /\d+(?:[.,]\d+)*/g;

function numbersGrounded(text: string, normalisedSupport: string): boolean {
  const bare = normalisedSupport.replace(/(\d)[ ,.'’](?=\d{3}\b)/g, '$1');
  return (text.match(NUMBER) ?? []).every((n) => normalisedSupport.includes(n) || bare.includes(n.replace(/[,.](?=\d{3}\b)/g, '')));
}

/** Links and Discord mention syntax: a model may repeat them from the report, never introduce them. */
const LINK_OR_MENTION = /https?:\/\/[^\s)\]>"']+|\bwww\.[^\s)\]>"']+|@everyone|@here|<[@#][!&]?\d+>|<\/[\w -]+:\d+>|discord(?:app)?\.(?:gg|com)\/\S+/gi;

export function linksGrounded(text: string, normalisedSource: string): boolean {
  for (const m of text.match(LINK_OR_MENTION) ?? []) {
    if (!normalisedSource.includes(normalise(m).text.replace(/[.,;:!?]+$/, ''))) return false;
  }
  return true;
}

/** Lower case without accents: "États" → "etats". */
const fold = (word: string) => word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
/** Names across languages share their first letters often enough ("Moscow"/"Moscou", "Russia"/"Russie"). */
const NAME_PREFIX = 4;

/** Capitalised in English, not in most other languages. */
const CALENDAR_WORDS = new Set(
  'today monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december'.split(
    ' ',
  ),
);

/**
 * Capitalised words of a point (names, places); acronyms, weekdays and months left out. The first word
 * counts only in the possessive ("Moldova's"): otherwise its capital says nothing.
 */
function pointNames(text: string): string[] {
  const out: string[] = [];
  const tokens = text.match(/[\p{L}][\p{L}'’-]*/gu) ?? [];
  for (const [i, raw] of tokens.entries()) {
    const word = raw.replace(/['’]s$/u, '');
    if ((i === 0 && word === raw) || word.length < 3 || !/^\p{Lu}/u.test(word) || word === word.toUpperCase()) continue;
    if (STOP_WORDS.has(word.toLowerCase()) || CALENDAR_WORDS.has(word.toLowerCase())) continue;
    out.push(word);
  }
  return out;
}

function wordPrefixes(normalisedSupport: string): Set<string> {
  return new Set((normalisedSupport.match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => fold(w).slice(0, NAME_PREFIX)));
}

/** Cross-language: enough of the point's names match words of the quoted sentence by their first letters. */
function namesMatch(text: string, normalisedSupport: string): boolean {
  const names = pointNames(text);
  if (names.length === 0) return true;
  const prefixes = wordPrefixes(normalisedSupport);
  const matched = names.filter((n) => prefixes.has(fold(n).slice(0, NAME_PREFIX))).length;
  return matched > 0 && matched / names.length >= MIN_NAME_MATCH;
}

/** Cross-language actor names: words of the quote that share their first letters with a significant word of a form. */
function looseNames(forms: readonly string[], quoteText: string): string[] {
  const wanted = new Set(
    forms
      .flatMap((f) => f.match(/[\p{L}]+/gu) ?? [])
      .filter((w) => w.length >= NAME_PREFIX && !STOP_WORDS.has(w.toLowerCase()) && /^\p{Lu}/u.test(w))
      .map((w) => fold(w).slice(0, NAME_PREFIX)),
  );
  const out: string[] = [];
  for (const word of quoteText.match(/[\p{L}]+/gu) ?? []) {
    if (word.length >= NAME_PREFIX && /^\p{Lu}/u.test(word) && wanted.has(fold(word).slice(0, NAME_PREFIX))) out.push(word);
  }
  return unique(out);
}

// ---- model strings -----------------------------------------------------------------------------------------

export function ensureSentence(text: string): string {
  return /[.!?…"'”’)]$/.test(text) ? text : `${text}.`;
}

/** Case-insensitively distinct values, first spelling kept. */
export function unique(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
