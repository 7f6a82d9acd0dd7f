import type { Report } from '../../reports/types.ts';
import { reportSentences, type ReportSentence } from '../sentences.ts';
import { STOP_WORDS } from '../text.ts';
import { primaryLanguage } from './language.ts';
import { QuoteIndex } from './quotes.ts';

/**
 * The report as the LLM engine sees it: the shared sentence sequence (so `index` means the same as in the
 * offline engine), a quote index over those sentences, and rendering of sentence ranges as prompt text.
 * Quotes are verified against the sentences, i.e. the body without headings; metadata and boilerplate
 * (bylines, ISSN lines, captions) are neither sent to the model nor accepted as support.
 */
export class ReportDocument {
  readonly sentences: ReportSentence[];
  /** Sentences sent to the model (boilerplate left out). */
  readonly content: ReportSentence[];
  readonly quotes: QuoteIndex;
  private readonly starts: number[] = [];
  private isEnglish?: boolean;

  constructor(readonly report: Report) {
    this.sentences = reportSentences(report);
    this.content = this.sentences.filter((s) => !s.boilerplate);
    if (this.content.length === 0) this.content = this.sentences;
    let offset = 0;
    const parts: string[] = [];
    for (const sentence of this.sentences) {
      this.starts.push(offset);
      parts.push(sentence.text);
      offset += sentence.text.length + 1;
    }
    this.quotes = new QuoteIndex(parts.join(' '));
  }

  /** The sentence in which a verified quote starts, or undefined when the quote is not in the report. */
  locate(quote: string | null | undefined, minChars?: number): ReportSentence | undefined {
    const match = this.quotes.find(quote, minChars);
    if (!match) return undefined;
    return this.sentenceAt(match.start);
  }

  /** The sentence containing an offset of the joined sentence text. */
  sentenceAt(offset: number): ReportSentence | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.sentences[lo];
  }

  /** The sentences a span [start, end) of the joined sentence text touches, in order. */
  sentencesIn(start: number, end: number): ReportSentence[] {
    const first = this.sentenceAt(start);
    const last = this.sentenceAt(Math.max(start, end - 1));
    if (!first || !last) return [];
    return this.sentences.slice(this.sentences.indexOf(first), this.sentences.indexOf(last) + 1);
  }

  /**
   * Whether the report is English: its detected language when the report carries one, else whether a fifth
   * or more of its words are English stop words.
   */
  get english(): boolean {
    if (this.isEnglish === undefined) {
      const detected = primaryLanguage((this.report as Report & { language?: string }).language);
      if (detected) return (this.isEnglish = detected === 'en');
      const sample = this.quotes.normalisedText.slice(0, 20_000).match(/[\p{L}']+/gu) ?? [];
      const stop = sample.filter((w) => STOP_WORDS.has(w)).length;
      this.isEnglish = sample.length > 0 && stop / sample.length >= 0.2;
    }
    return this.isEnglish;
  }

  /** Renders sentences as paragraphs under their headings (Markdown-ish), for the prompt. */
  render(sentences: readonly ReportSentence[] = this.content): string {
    let out = '';
    let section = -1;
    let paragraph = -1;
    for (const s of sentences) {
      if (s.section !== section) {
        if (out) out += '\n\n';
        if (s.heading) out += `## ${s.heading}\n\n`;
        section = s.section;
        paragraph = s.paragraph;
      } else if (s.paragraph !== paragraph) {
        out += '\n\n';
        paragraph = s.paragraph;
      } else if (out) {
        out += s.item ? '\n' : ' ';
      }
      out += s.item ? `- ${s.text}` : s.text;
    }
    return out;
  }
}
