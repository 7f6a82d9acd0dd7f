import pMap from 'p-map';
import type { Actor } from '../types.ts';
import type { ReportSentence } from '../sentences.ts';
import { chunkSentences, fits, PLACEHOLDER_DELIMITERS, promptTitle } from './budget.ts';
import type { TaskContext } from './client.ts';
import type { ReportDocument } from './document.ts';
import { LlmFailure } from './errors.ts';
import { assertEnoughSurvived, type Grounding, linksGrounded, MAX_FIELD_CHARS, tolerateUngrounded, unique } from './grounding.ts';
import { cleanText } from './untrusted.ts';
import { actorsPrompt, makeDelimiters, MAX_ACTORS } from './prompts.ts';
import { actorsSchema, type ActorsOutput } from './schemas.ts';

interface VerifiedActor {
  name: string;
  type: Actor['type'];
  role?: string;
  affiliation?: string;
  surfaceForms: string[];
  evidence: ReportSentence;
  rank: number;
}

/**
 * The report's key actors, each grounded in it: one call when the report fits the budget, else one call
 * per chunk and a deterministic merge (same canonical name or alias → one actor), no reduce call.
 */
export async function actorList(ctx: TaskContext, doc: ReportDocument, grounding: Grounding): Promise<{ actors: Actor[]; dropped: number }> {
  const { client, budget } = ctx;
  const title = promptTitle(doc.report.title);
  const bodyBudget = budget.input(title, (t) => actorsPrompt({ title: t, body: '', delimiters: PLACEHOLDER_DELIMITERS }));
  const body = doc.render();
  if (fits(body, bodyBudget)) {
    const out = await client.request('actors', actorsPrompt({ title, body, delimiters: makeDelimiters() }), actorsSchema, 'actors');
    const verified = verifyActors(doc, grounding, out.actors);
    return { actors: rankActors(doc, verified.actors), dropped: verified.dropped };
  }
  const chunks = chunkSentences(doc.content, bodyBudget);
  const mapped = await pMap(
    chunks,
    async (chunk) => {
      const out = await client.request('actors-map', actorsPrompt({ title, body: doc.render(chunk), delimiters: makeDelimiters() }), actorsSchema, 'actors');
      return tolerateUngrounded(() => verifyActors(doc, grounding, out.actors), { actors: [], dropped: out.actors.length });
    },
    { concurrency: ctx.mapConcurrency },
  );
  if (mapped.every((m) => m.actors.length === 0)) throw new LlmFailure('ungrounded', 'no part of the report yielded actors grounded in it');
  const all = mapped.flatMap((m) => m.actors.map((a) => ({ ...a, rank: a.rank / Math.max(1, m.actors.length) })));
  return { actors: rankActors(doc, all), dropped: mapped.reduce((n, m) => n + m.dropped, 0) };
}

/** Actors whose quote is in the report and names them (see grounding.ts); the rest are dropped and counted. */
function verifyActors(doc: ReportDocument, grounding: Grounding, raw: ActorsOutput['actors']): { actors: VerifiedActor[]; dropped: number } {
  const kept: VerifiedActor[] = [];
  let dropped = 0;
  for (const actor of raw) {
    const name = cleanText(actor.name, MAX_FIELD_CHARS);
    const forms = unique([name, ...actor.aliases.map((a) => cleanText(a, MAX_FIELD_CHARS))].filter((f) => f.length >= 2));
    const verdict = name ? grounding.actor(forms, actor.quote) : undefined;
    if (!verdict?.ok) {
      dropped++;
      continue;
    }
    const { evidence, forms: found } = verdict;
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
      ...(person && actor.affiliation && linksGrounded(actor.affiliation, doc.quotes.normalisedText)
        ? { affiliation: cleanText(actor.affiliation, MAX_FIELD_CHARS) }
        : {}),
      surfaceForms: found,
      evidence,
      rank: kept.length,
    });
  }
  assertEnoughSurvived(kept.length, raw.length, 'actors');
  return { actors: kept, dropped };
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
    .map(
      ({ actor, position, mentions }): Actor => ({
        name: actor.name,
        type: actor.type,
        ...(actor.role ? { role: actor.role } : {}),
        ...(actor.affiliation ? { affiliation: actor.affiliation } : {}),
        mentions,
        aliases: actor.surfaceForms.filter((f) => f.toLowerCase() !== actor.name.toLowerCase()),
        evidence: actor.evidence.text,
        // The model's centrality order counts most; how often the report names the actor refines it.
        score: Math.round((0.6 * (1 - position / n) + 0.4 * (mentions / maxMentions)) * 1000) / 1000,
      }),
    )
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
