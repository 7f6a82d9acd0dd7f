import pMap from 'p-map';
import type { ReportSentence } from '../sentences.ts';
import { chunkSentences, fitCandidates, fits, PLACEHOLDER_DELIMITERS, promptTitle } from './budget.ts';
import type { TaskContext } from './client.ts';
import type { ReportDocument } from './document.ts';
import { LlmFailure } from './errors.ts';
import { assertEnoughSurvived, ensureSentence, type Grounding, MAX_POINT_CHARS, tolerateUngrounded } from './grounding.ts';
import { cleanText } from './untrusted.ts';
import { makeDelimiters, reducePrompt, summaryPrompt } from './prompts.ts';
import { summarySchema, type SummaryOutput } from './schemas.ts';

export interface VerifiedPoint {
  text: string;
  quote: string;
  sentence: ReportSentence;
  /** The model's order (importance) among kept points. */
  rank: number;
}

/**
 * Up to `wanted` grounded points for the report: one call when it fits the budget, else map-reduce over
 * sentence-aligned chunks (points per chunk, each checked against the report, then one call merging
 * what survived).
 */
export async function summaryPoints(
  ctx: TaskContext,
  doc: ReportDocument,
  grounding: Grounding,
  wanted: number,
  /** English name of the language to write in; English when absent. */
  language?: string,
): Promise<{ points: VerifiedPoint[]; dropped: number }> {
  const { client, budget } = ctx;
  const title = promptTitle(doc.report.title);
  const bodyBudget = budget.input(title, (t) => summaryPrompt({ title: t, body: '', points: wanted, delimiters: PLACEHOLDER_DELIMITERS, language }));
  const body = doc.render();
  if (fits(body, bodyBudget)) {
    const out = await client.request(
      'summary',
      summaryPrompt({ title, body, points: wanted, delimiters: makeDelimiters(), language }),
      summarySchema,
      'summary',
    );
    return verifyPoints(grounding, out.points, wanted);
  }
  const chunks = chunkSentences(doc.content, bodyBudget);
  const perChunk = Math.max(2, Math.min(wanted, Math.ceil((wanted * 2) / chunks.length)));
  const mapped = await pMap(
    chunks,
    async (chunk) => {
      const out = await client.request(
        'summary-map',
        summaryPrompt({ title, body: doc.render(chunk), points: perChunk, delimiters: makeDelimiters(), language }),
        summarySchema,
        'summary',
      );
      return tolerateUngrounded(() => verifyPoints(grounding, out.points, perChunk), { points: [], dropped: out.points.length });
    },
    { concurrency: ctx.mapConcurrency },
  );
  if (mapped.every((m) => m.points.length === 0)) throw new LlmFailure('ungrounded', 'no part of the report yielded points grounded in it');
  const candidates = mapped.flatMap((m) => m.points);
  const droppedInMap = mapped.reduce((n, m) => n + m.dropped, 0);
  if (candidates.length <= wanted) return { points: candidates, dropped: droppedInMap };
  const reduceBudget = budget.input(title, (t) => reducePrompt({ title: t, candidates: [], points: wanted, delimiters: PLACEHOLDER_DELIMITERS, language }));
  const fitting = fitCandidates(candidates, reduceBudget);
  const out = await client.request(
    'summary-reduce',
    reducePrompt({ title, candidates: fitting, points: wanted, delimiters: makeDelimiters(), language }),
    summarySchema,
    'summary',
  );
  // A merged point must still be supported by its one quote; whatever the reduce step loses that way is
  // made up from the verified candidates, so the reduce call can improve the summary but never sink it.
  const reduced = tolerateUngrounded(() => verifyPoints(grounding, out.points, wanted), { points: [], dropped: out.points.length });
  return { points: topUp(reduced.points, candidates, wanted), dropped: droppedInMap + reduced.dropped };
}

/** `points`, then the best-ranked candidates from sentences the points do not already use, up to `wanted`. */
function topUp(points: VerifiedPoint[], candidates: readonly VerifiedPoint[], wanted: number): VerifiedPoint[] {
  const out = [...points];
  const used = new Set(points.map((p) => p.sentence.index));
  for (const c of [...candidates].sort((a, b) => a.rank - b.rank || a.sentence.index - b.sentence.index)) {
    if (out.length >= wanted) break;
    if (used.has(c.sentence.index)) continue;
    used.add(c.sentence.index);
    out.push({ ...c, rank: out.length });
  }
  return out;
}

/** Points supported by their own quotes (see grounding.ts); the rest are dropped and counted. */
function verifyPoints(grounding: Grounding, raw: SummaryOutput['points'], wanted: number): { points: VerifiedPoint[]; dropped: number } {
  const kept: VerifiedPoint[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for (const point of raw) {
    const text = cleanText(point.text, MAX_POINT_CHARS);
    const verdict = grounding.point(text, point.quote);
    if (!verdict.ok) {
      dropped++;
      continue;
    }
    const key = text.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push({ text: ensureSentence(text), quote: verdict.quote, sentence: verdict.sentence, rank: kept.length });
  }
  assertEnoughSurvived(kept.length, raw.length, 'points');
  return { points: kept.slice(0, wanted), dropped };
}
