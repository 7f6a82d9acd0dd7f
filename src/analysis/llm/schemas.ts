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
export type SummaryOutput = z.infer<typeof summarySchema>;

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
export type ActorsOutput = z.infer<typeof actorsSchema>;
