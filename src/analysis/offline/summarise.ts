import type { Report } from '../../reports/types.ts';
import type { SummaryLength, SummarySentence } from '../types.ts';
import { reportSentences, type ReportSentence } from '../sentences.ts';
import { terms, wordCount, words as wordTokens } from '../text.ts';
import { stripDateline } from './segments.ts';
import { functionWords, languageData, reportLanguage } from './language.ts';
import { centroidScores, cosine, lexRank, norm, similarityMatrix, weigh, type Vector } from './lexrank.ts';

/**
 * Extractive summariser for analysis writing: biased LexRank (idf-modified cosine, damping, power
 * iteration, with the position prior as the teleport distribution), plus title/standfirst similarity,
 * the author's own conclusion ("In summary", "Key judgements", "Executive summary"), and MMR selection.
 * About 350 lines because sentence scoring, penalties and MMR selection share one candidate table; the
 * graph maths lives in lexrank.ts.
 */

export const SUMMARY_ALGORITHM_VERSION = '5';

/** Beyond this many sentences the O(n²) graph gives way to centroid similarity (bounded time/memory). */
const MAX_GRAPH_SENTENCES = 1500;
const MMR_LAMBDA = 0.72;
/** Above this similarity to a chosen sentence a candidate is a near-duplicate and is skipped. */
const DUPLICATE_SIMILARITY = 0.65;
/** Share of the shorter sentence's content terms found in a chosen one above which it is a near-duplicate. */
const DUPLICATE_OVERLAP = 0.6;
/** With a shared run of this many words ("killing at least 19"), a lower term overlap already means a restatement. */
const SHARED_RUN = 4;
const SHARED_RUN_OVERLAP = 0.3;
/** Only the opening paragraphs under an "Executive summary"/"Key points" heading are the author's summary. */
const EXECUTIVE_PARAGRAPHS = 2;
/** A labelled summary line in the body: "Summary: …", "Bottom line: …", "In brief: …". */
const SUMMARY_LABEL = /^(?:summary|bottom line|in brief|key points?|tl;?dr|the gist|résumé|resumen|zusammenfassung|sintesi|resumo)\s*[:—–-]\s+/i;

const SUMMARY_HEADING =
  /\b(?:summary|conclusions?|concluding remarks|key (?:judge?ments?|findings|takeaways|points)|bottom line|executive summary|assessment|at a glance|tl;?dr)\b/i;
/** What comes next: useful, but a forecast rather than the author's summary. */
const OUTLOOK_HEADING = /\b(?:outlook|implications|what next|looking ahead|forecast)\b/i;
/** Openers of the author's own summary paragraph. */
const SUMMARY_CUE = /^(?:in (?:summary|sum|conclusion)|to (?:conclude|sum up|summari[sz]e)|summing up|bottom line|key (?:judge?ments?|takeaways?|findings))\b/i;
/** Weaker openers that mark a summary only in the second half of a report ("Overall, …" mid-text is not one). */
const LATE_SUMMARY_CUE = /^(?:overall|all in all|in (?:short|brief)|our assessment|we assess|in the final analysis)\b/i;
const EXECUTIVE_HEADING = /\b(?:executive summary|key (?:judge?ments?|findings|takeaways|points)|bottom line|summary|at a glance|tl;?dr)\b/i;
/** Openers that lean on the previous sentence: weaker as stand-alone summary sentences. */
/** Background and chronology sections set the scene; the analysis lives elsewhere. */
const BACKGROUND_HEADING = /\b(?:background|context|history|historical|chronology|timeline|methodology|methods)\b/i;
const DANGLING_OPENER =
  /^(?:however|additionally|moreover|furthermore|also|thus|therefore|hence|still|yet|but|and|instead|likewise|similarly|meanwhile|nevertheless|nonetheless|consequently|accordingly|on the (?:one|other) hand|in addition|as a result|for (?:example|instance))\b/i;
/** A sentence about a figure or table ("Figure 1 shows …", "Table 2 lists …") describes an exhibit, like a caption. */
const EXHIBIT_SENTENCE = /^(?:as\s+)?(?:the\s+)?(?:figures?|tables?|maps?|charts?|graphs?|exhibits?|appendix)\s+(?:[A-Z]-?)?\d+[a-z]?\b/i;
/** A pointer to an exhibit inside a sentence: "(see Figure 1)", "(Table 6)". */
const EXHIBIT_POINTER = /\((?:see\s+)?(?:figures?|tables?|maps?|charts?|appendix)\s+(?:[A-Z]-?)?\d+[^)]*\)/i;
/** How the authors did the work ("We reviewed …", "For our first objective, we interviewed …"): method, not findings. */
const METHOD_SENTENCE =
  /^(?:(?:to address|for|in support of|regarding)\b[^,]{0,60},\s*)?we (?:also )?(?:reviewed|interviewed|analy[sz]ed|conducted|examined|surveyed|visited|compared|assessed|obtained|merged|calculated|selected|sampled|held|used)\b/i;
/** Audit and research-standards boilerplate. */
const STANDARDS_BOILERPLATE = /\b(?:generally accepted government auditing standards|those standards require)\b/i;
const PRONOUN_OPENER = /^(?:this|these|that|those|it|its|he|she|they|his|her|their|such|the latter|the former)\b/i;

interface Candidate extends ReportSentence {
  terms: Map<string, number>;
  wordTotal: number;
  /** Paragraph ordinal across the whole report. */
  globalParagraph: number;
  firstInParagraph: boolean;
  firstInSection: boolean;
  conclusion: boolean;
  executive: boolean;
  /** Lower-cased words, for near-duplicate checks. */
  words: string[];
}

const COUNTS: Record<Exclude<SummaryLength, 'detailed'>, number> = { brief: 2, standard: 5 };

export function summarise(report: Report, length: SummaryLength): SummarySentence[] {
  const all = reportSentences(report);
  const candidates = buildCandidates(report, all);
  if (candidates.length === 0) return [];
  const scored = scoreCandidates(report, candidates);
  let picks: number[];
  if (length === 'detailed') picks = pickDetailed(candidates, scored);
  else
    picks = mmr(
      scored,
      candidates.map((_, i) => i),
      COUNTS[length],
    );
  return picks
    .sort((a, b) => candidates[a]!.index - candidates[b]!.index)
    .map((i) => ({ text: summaryText(candidates[i]!.text), index: candidates[i]!.index }));
}

/** The sentence as shown: without a dateline ("LONDON —") or a "Summary:" label in front (still a verbatim slice). */
function summaryText(text: string): string {
  const t = stripDateline(text);
  return t.replace(SUMMARY_LABEL, '') || t;
}

function buildCandidates(report: Report, all: ReportSentence[]): Candidate[] {
  const conclusionParagraphs = findConclusion(report);
  const summaryHeading = report.sections.map((sec) => !!sec.heading && SUMMARY_HEADING.test(sec.heading));
  const executiveHeading = report.sections.map((sec) => !!sec.heading && EXECUTIVE_HEADING.test(sec.heading));
  const labelledSummary = new Set<string>();
  report.sections.forEach((sec, si) => sec.paragraphs.forEach((p, pi) => SUMMARY_LABEL.test(p.trim()) && labelledSummary.add(`${si}:${pi}`)));
  const deks = findDek(report, all);
  const lang = reportLanguage(report);
  const stop = lang !== 'en' && languageData(lang) ? functionWords(lang) : undefined;
  // The summary under such a heading is its first paragraph, or its first two when they are prose (a list is the whole summary).
  const listFirst = new Set(all.filter((x) => x.paragraph === 0 && x.item).map((x) => x.section));
  const opening = (x: ReportSentence) => x.paragraph === 0 || (x.paragraph < EXECUTIVE_PARAGRAPHS && !listFirst.has(x.section));
  const out: Candidate[] = [];
  let lastKey = '';
  let lastSection = -1;
  let paragraphOrdinal = -1;
  for (const s of all) {
    const key = `${s.section}:${s.paragraph}`;
    const firstInParagraph = key !== lastKey;
    if (firstInParagraph) paragraphOrdinal++;
    const firstInSection = s.section !== lastSection;
    lastKey = key;
    lastSection = s.section;
    if (s.boilerplate || s.row) continue;
    const t = stop ? terms(s.text).filter((w) => !stop.has(w)) : terms(s.text);
    const wordTotal = wordCount(s.text);
    if (t.length < 2 || wordTotal < 4) continue;
    const tf = new Map<string, number>();
    for (const w of t) tf.set(w, (tf.get(w) ?? 0) + 1);
    out.push({
      ...s,
      terms: tf,
      wordTotal,
      words: wordTokens(s.text),
      globalParagraph: paragraphOrdinal,
      firstInParagraph,
      firstInSection,
      conclusion: conclusionParagraphs.has(key) || (summaryHeading[s.section]! && opening(s)),
      executive: (executiveHeading[s.section]! && opening(s)) || labelledSummary.has(key) || deks.has(key),
    });
  }
  return out;
}

/**
 * A standfirst left in the body: a short opening paragraph (one to three sentences) followed by a paragraph
 * that opens with a dateline ("ADEN, Yemen (Reuters) —"), as news and analysis pages print them.
 */
function findDek(report: Report, all: ReportSentence[]): Set<string> {
  const first = report.sections[0]?.paragraphs;
  if (report.standfirst || !first || first.length < 2 || report.sections[0]!.heading) return new Set();
  const opening = all.filter((s) => s.section === 0 && s.paragraph === 0);
  if (opening.length === 0 || opening.some((s) => s.boilerplate || s.item)) return new Set();
  const next = first[1]!.trim();
  if (opening.length <= 3 && stripDateline(next) !== next) return new Set(['0:0']);
  // Or a short one- or two-sentence opening set apart above a longer body: the page's standfirst.
  const paragraphs = report.sections.reduce((n, sec) => n + sec.paragraphs.length, 0);
  const words = opening.reduce((n, s) => n + wordCount(s.text), 0);
  return opening.length <= 2 && words <= 50 && paragraphs >= 4 ? new Set(['0:0']) : new Set();
}

/** Paragraph keys (`section:paragraph`) of the author's closing summary: from an "In summary" cue to the section's end. */
function findConclusion(report: Report): Set<string> {
  const keys = new Set<string>();
  const total = report.sections.reduce((n, sec) => n + sec.paragraphs.length, 0);
  let ordinal = 0;
  report.sections.forEach((section, s) => {
    let inside = false;
    section.paragraphs.forEach((p, i) => {
      const text = p.trim();
      if (SUMMARY_CUE.test(text) || (LATE_SUMMARY_CUE.test(text) && ordinal >= total / 2)) inside = true;
      if (inside) keys.add(`${s}:${i}`);
      ordinal++;
    });
  });
  return keys;
}

function idfOf(candidates: Candidate[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const c of candidates) for (const t of c.terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = candidates.length;
  const idf = new Map<string, number>();
  for (const [t, d] of df) idf.set(t, Math.log((n + 1) / d) + 0.1);
  return idf;
}

interface Scored {
  scores: number[];
  /** Multiplier applied for leaning on the previous sentence (1 when self-contained). */
  anaphora: number[];
  /** Candidate position of the previous sentence in the same paragraph, or -1. */
  previous: number[];
  similarity(i: number, j: number): number;
  /** Restates a chosen sentence (token or word-run overlap above the thresholds). */
  duplicate(i: number, j: number): boolean;
}

/** "This …", "However, …", "He …": leans on the sentence before ("This week …", "This report …" do not). */
function leansBack(text: string): boolean {
  if (DANGLING_OPENER.test(text)) return true;
  if (!PRONOUN_OPENER.test(text)) return false;
  return !/^(?:this|that|these|those)\s+(?:week|month|year|morning|evening|weekend|summer|winter|spring|autumn|report|paper|brief|analysis|study|article|commentary|assessment|chapter|section)\b/i.test(
    text,
  );
}

function nearDuplicate(a: Candidate, b: Candidate, common: Set<string>): boolean {
  const ta = [...a.terms.keys()].filter((t) => !common.has(t));
  const tb = new Set([...b.terms.keys()].filter((t) => !common.has(t)));
  if (ta.length === 0 || tb.size === 0) return false;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  const overlap = shared / Math.min(ta.length, tb.size);
  if (overlap >= DUPLICATE_OVERLAP) return true;
  return overlap >= SHARED_RUN_OVERLAP && sharesRun(a.words, b.words, SHARED_RUN);
}

function sharesRun(a: string[], b: string[], n: number): boolean {
  if (a.length < n || b.length < n) return false;
  const grams = new Set<string>();
  for (let i = 0; i + n <= a.length; i++) grams.add(a.slice(i, i + n).join(' '));
  for (let i = 0; i + n <= b.length; i++) if (grams.has(b.slice(i, i + n).join(' '))) return true;
  return false;
}

function scoreCandidates(report: Report, candidates: Candidate[]): Scored {
  const n = candidates.length;
  const idf = idfOf(candidates);
  const maxIdf = Math.log(n + 1) + 0.1;
  const vectors = candidates.map((c) => weigh(c.terms, idf, maxIdf));
  const norms = vectors.map(norm);

  const prior = positionPrior(candidates);
  const matrix = n <= MAX_GRAPH_SENTENCES ? similarityMatrix(vectors, norms) : undefined;
  const centrality = matrix ? lexRank(matrix, n, prior) : centroidScores(vectors, norms);
  const maxC = Math.max(...centrality, 1e-12);

  const titleVec = vectorOf(report.title, idf, maxIdf);
  const standfirstVec = report.standfirst ? vectorOf(report.standfirst, idf, maxIdf) : undefined;
  const hasExecutive = candidates.some((c) => c.executive);
  // A short untitled opening before the first heading works as the report's abstract (think-tank house style).
  const leadBlock = candidates.filter((c) => c.section === 0 && c.heading === null);
  const abstractLead = report.sections.length > 1 && leadBlock.length > 0 && leadBlock.length <= 4 && !report.standfirst;
  const anaphora = candidates.map((c) => (leansBack(c.text) ? (DANGLING_OPENER.test(c.text) ? 0.8 : 0.85) : 1));
  const previous = candidates.map((c, i) => {
    const p = candidates[i - 1];
    return p && p.section === c.section && p.paragraph === c.paragraph && p.index === c.index - 1 ? i - 1 : -1;
  });

  const scores = candidates.map((c, i) => {
    let score = 0.55 * (centrality[i]! / maxC) + 0.45 * prior[i]!;
    score += 0.25 * cosine(vectors[i]!, norms[i]!, titleVec.v, titleVec.n);
    if (standfirstVec) score += 0.3 * cosine(vectors[i]!, norms[i]!, standfirstVec.v, standfirstVec.n);
    if (abstractLead && c.section === 0 && c.heading === null) score += 0.25;
    if (c.executive) score += 0.6;
    else if (c.conclusion && !hasExecutive) score += c.firstInParagraph ? 0.75 : 0.35;
    score *= lengthFactor(c.wordTotal);
    if (c.item) score *= 0.85;
    if (/\?$/.test(c.text)) score *= 0.6;
    if (EXHIBIT_SENTENCE.test(c.text)) score *= 0.6;
    else if (EXHIBIT_POINTER.test(c.text)) score *= 0.9;
    if (STANDARDS_BOILERPLATE.test(c.text)) score *= 0.4;
    else if (METHOD_SENTENCE.test(c.text)) score *= 0.7;
    if (c.heading && BACKGROUND_HEADING.test(c.heading)) score *= 0.85;
    else if (c.heading && OUTLOOK_HEADING.test(c.heading) && c.firstInSection) score += 0.1;
    return score * anaphora[i]!;
  });
  const similarity = matrix ? (i: number, j: number) => matrix[i * n + j]! : (i: number, j: number) => cosine(vectors[i]!, norms[i]!, vectors[j]!, norms[j]!);
  // Terms in a quarter of the sentences ("report", "said", the report's main subject) say nothing about restatement.
  const common = new Set([...idf.keys()].filter((t) => Math.exp(idf.get(t)! - 0.1) * 1 <= (n + 1) / Math.max(3, 0.25 * n)));
  const duplicate = (i: number, j: number) => nearDuplicate(candidates[i]!, candidates[j]!, common);
  return { scores, anaphora, previous, similarity, duplicate };
}

function vectorOf(text: string, idf: Map<string, number>, fallbackIdf: number): { v: Vector; n: number } {
  const tf = new Map<string, number>();
  for (const t of terms(text)) tf.set(t, (tf.get(t) ?? 0) + 1);
  const v = weigh(tf, idf, fallbackIdf);
  return { v, n: norm(v) };
}

function lengthFactor(words: number): number {
  if (words < 6) return 0.4;
  if (words < 10) return 0.75;
  if (words < 15) return 0.9;
  if (words > 70) return 0.75;
  if (words > 50) return 0.9;
  return 1;
}

/** Leads matter in analysis writing: the report's opening, each section's first sentence, each paragraph's first. */
function positionPrior(candidates: Candidate[]): number[] {
  const n = candidates.length;
  const decay = Math.max(3, n * 0.06);
  return candidates.map((c, i) => {
    const lead = Math.exp(-i / decay);
    return 0.55 * lead + 0.25 * (c.firstInSection ? 1 : 0) + 0.2 * (c.firstInParagraph ? 1 : 0);
  });
}

/** Maximal marginal relevance over `pool` (candidate positions): relevant but not redundant. */
function mmr({ scores, anaphora, previous, similarity, duplicate }: Scored, pool: number[], k: number, already: number[] = []): number[] {
  const chosen: number[] = [];
  const remaining = new Set(pool);
  const maxScore = Math.max(...pool.map((i) => scores[i]!), 1e-12);
  // A sentence that leans on an unchosen predecessor is left out while self-contained ones remain.
  const needsPredecessor = (i: number) => {
    if (anaphora[i] === 1) return false;
    const prev = previous[i]!;
    return !(prev >= 0 && (chosen.includes(prev) || already.includes(prev)));
  };
  while (chosen.length < k && remaining.size > 0) {
    let best = -1;
    let bestValue = -Infinity;
    const strict = [...remaining].some((i) => !needsPredecessor(i));
    for (const i of remaining) {
      if (strict && needsPredecessor(i)) continue;
      let redundancy = 0;
      let dup = false;
      for (const j of [...already, ...chosen]) {
        redundancy = Math.max(redundancy, similarity(i, j));
        if (!dup && duplicate(i, j)) dup = true;
      }
      if (redundancy > DUPLICATE_SIMILARITY || dup) continue;
      // "This visit …" reads fine right after the sentence it refers to: no anaphora penalty then.
      const prev = previous[i]!;
      const relevance = prev >= 0 && (chosen.includes(prev) || already.includes(prev)) ? scores[i]! / anaphora[i]! : scores[i]!;
      const value = MMR_LAMBDA * (relevance / maxScore) - (1 - MMR_LAMBDA) * redundancy;
      // Ties resolve to the earlier sentence, keeping output deterministic.
      if (value > bestValue + 1e-12 || (Math.abs(value - bestValue) <= 1e-12 && i < best)) {
        bestValue = value;
        best = i;
      }
    }
    if (best === -1) break; // only near-duplicates left
    chosen.push(best);
    remaining.delete(best);
  }
  return chosen;
}

/** One or two sentences per section in section order; short, unsectioned reports still get a fuller summary. */
function pickDetailed(candidates: Candidate[], scored: Scored): number[] {
  const bySection = new Map<number, number[]>();
  candidates.forEach((c, i) => {
    let list = bySection.get(c.section);
    if (!list) bySection.set(c.section, (list = []));
    list.push(i);
  });
  const picks: number[] = [];
  for (const pool of bySection.values()) {
    // Long, many-section reports get one sentence per section so a detailed summary stays readable.
    const k = bySection.size <= 8 && pool.length >= 4 ? 2 : 1;
    picks.push(...mmr(scored, pool, k, picks));
  }
  // Reports with one or two sections would otherwise get a detailed summary shorter than a standard one.
  const minimum = bySection.size <= 2 ? Math.min(candidates.length, 7) : 0;
  if (picks.length < minimum) {
    const rest = candidates.map((_, i) => i).filter((i) => !picks.includes(i));
    picks.push(...mmr(scored, rest, minimum - picks.length, picks));
  }
  return picks;
}
