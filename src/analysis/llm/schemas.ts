import { z } from 'zod';

/**
 * Structured-output schemas. Object roots and nullable (never optional) fields, as OpenAI's strict
 * json_schema mode requires; counts are asked for in the prompt and enforced in code, because `minItems`
 * and `maxItems` are not honoured by every OpenAI-compatible server.
 * Plain `zod` (v4) works with openai 6's `zodResponseFormat`: the helper detects v4 schemas (`_zod`) and
 * converts them with `z.toJSONSchema`; no `zod/v3` import is needed.
 */
export const summarySchema = z.object({
  points: z.array(
    z.object({
      text: z.string().describe('One key point, a single plain sentence in your own words.'),
      quote: z.string().describe('A verbatim excerpt copied exactly from the report that supports the point.'),
    }),
  ),
});

export const ACTOR_TYPES = ['person', 'state', 'organisation', 'group'] as const;

export const actorsSchema = z.object({
  actors: z.array(
    z.object({
      name: z.string().describe('Canonical English name, e.g. "China" (not "Beijing"), "Li Shangfu".'),
      type: z.enum(ACTOR_TYPES),
      role: z.string().nullable().describe('For people: the role the report gives them; otherwise null.'),
      affiliation: z.string().nullable().describe('For people: the state or organisation they act for; otherwise null.'),
      aliases: z.array(z.string()).describe('Other forms the report uses for this actor, copied exactly.'),
      quote: z.string().describe('A verbatim excerpt copied exactly from the report that shows the actor.'),
    }),
  ),
});

/*
 * What is accepted back. The strict schemas above are what the model is asked for; answers are read with
 * these lenient twins so that one malformed item (a missing quote, "organization" for "organisation",
 * aliases left out) becomes one unsupported item for the quote check to drop, rather than failing the
 * whole answer. Answers that are not the requested shape at all still fail.
 */
const text = z.string().catch('');
const optionalText = z
  .string()
  .nullish()
  .catch(null)
  .transform((v) => v ?? null);

const TYPE_SYNONYMS: Record<string, (typeof ACTOR_TYPES)[number]> = {
  person: 'person',
  individual: 'person',
  people: 'person',
  leader: 'person',
  official: 'person',
  state: 'state',
  country: 'state',
  nation: 'state',
  government: 'state',
  organisation: 'organisation',
  organization: 'organisation',
  org: 'organisation',
  institution: 'organisation',
  company: 'organisation',
  ministry: 'organisation',
  group: 'group',
  movement: 'group',
  militia: 'group',
  party: 'organisation',
};

export const summaryAnswer = z.preprocess(
  (v) => (Array.isArray(v) ? { points: v } : v),
  z.object({ points: z.array(z.object({ text, quote: optionalText }).catch({ text: '', quote: null })) }),
);

export const actorsAnswer = z.preprocess(
  (v) => (Array.isArray(v) ? { actors: v } : v),
  z.object({
    actors: z.array(
      z
        .object({
          name: text,
          type: z.preprocess((v) => (typeof v === 'string' ? (TYPE_SYNONYMS[v.trim().toLowerCase()] ?? 'organisation') : 'organisation'), z.enum(ACTOR_TYPES)),
          role: optionalText,
          affiliation: optionalText,
          aliases: z.array(z.string()).catch([]).default([]),
          quote: optionalText,
        })
        .catch({ name: '', type: 'organisation', role: null, affiliation: null, aliases: [], quote: null }),
    ),
  }),
);

export type SummaryOutput = z.infer<typeof summaryAnswer>;
export type ActorsOutput = z.infer<typeof actorsAnswer>;

/** The JSON text of an answer: tolerates Markdown code fences and prose around the object. */
export function extractJson(content: string): string {
  const trimmed = content.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return trimmed;
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(trimmed);
  if (fenced) return fenced[1]!.trim();
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  return start >= 0 && end > start ? trimmed.slice(start, end + 1) : trimmed;
}
