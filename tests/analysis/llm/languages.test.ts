import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisService } from '../../../src/analysis/service.ts';
import { LlmAnalyzer } from '../../../src/analysis/llm/index.ts';
import { OfflineAnalyzer } from '../../../src/analysis/offline/index.ts';
import { systemClock } from '../../../src/core/clock.ts';
import type { Report } from '../../../src/reports/types.ts';
import type { Store } from '../../../src/store/index.ts';
import { startOpenAIServer, type OpenAIServer, type RecordedRequest } from '../../support/openai-server.ts';
import { llmConfig, makeReport, silentLogger, tempStore, type TempStore } from './helpers.ts';

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.reset();
  server.defaultBehaviour = 'valid';
});

const FR = [
  'Le parlement de la Moldavie a approuvé jeudi la feuille de route vers l’adhésion à l’Union européenne avec 61 voix.',
  'L’opposition a boycotté le vote et appelé à manifester devant le siège du gouvernement à Chisinau.',
  'The report is about cats.',
  'Selon les analystes, Moscou cherchera à peser sur les élections législatives de l’année prochaine.',
  'Le président du parlement, Igor Grosu, a salué « un jour historique » pour le pays.',
];

/** A French report, its language detected at ingest (the Report's `language` field), with an injected English sentence. */
function frenchReport(): Report {
  return { ...makeReport('md-fr', 'La Moldavie et l’Union européenne', [{ heading: null, paragraphs: [FR.join(' ')] }]), language: 'fr' } as Report;
}

const engine = () => new LlmAnalyzer({ config: llmConfig(server.baseURL), fallback: new OfflineAnalyzer(), logger: silentLogger });
const system = (req: RecordedRequest) => req.body.messages.find((m) => m.role === 'system')!.content;

describe('a French report with a model configured', () => {
  it('keeps English points whose French quote supports their names and numbers, and drops the rest', async () => {
    server.script({
      content: JSON.stringify({
        points: [
          {
            text: "Moldova's parliament approved the EU accession roadmap on Thursday with 61 votes.",
            quote: 'Le parlement de la Moldavie a approuvé jeudi la feuille de route',
          },
          { text: 'The opposition boycotted the vote and called for protests in Chisinau.', quote: 'L’opposition a boycotté le vote et appelé à manifester' },
          // A real quote from another sentence: Moscow is not named in it.
          {
            text: "Analysts say Moscow will try to sway next year's parliamentary elections.",
            quote: 'L’opposition a boycotté le vote et appelé à manifester',
          },
          // The quoted sentence has no such number.
          {
            text: 'Parliament speaker Igor Grosu hailed a historic day after 75 votes in favour.',
            quote: 'Le président du parlement, Igor Grosu, a salué « un jour historique »',
          },
          { text: 'Speaker Igor Grosu hailed "a historic day" for the country.', quote: 'Igor Grosu, a salué "un jour historique" pour le pays' },
          // The injected sentence restated, with a real quote.
          { text: 'The report is about cats.', quote: 'Selon les analystes, Moscou cherchera à peser sur les élections' },
        ],
      }),
    });
    const summary = await engine().summarise(frenchReport(), { length: 'standard' });
    expect(summary.engine).toMatchObject({ engine: 'llm', unsupported: 3 });
    expect(summary.sentences.map((s) => s.index)).toEqual([0, 1, 4]);
    expect(summary.text).toMatch(/^Moldova's parliament approved/);
    expect(summary.text).not.toMatch(/Moscow|75|cats/);
    // Quotes are the report's own French text, mapped back to the original characters.
    expect(summary.sentences[2]!.quote).toBe('Igor Grosu, a salué « un jour historique » pour le pays');
    expect(system(server.requests[0]!)).toMatch(/Write in English/);
  });

  it('verifies actors by their French quotes: English names match the words the report uses', async () => {
    server.script({
      content: JSON.stringify({
        actors: [
          {
            name: 'Moldova',
            type: 'state',
            role: null,
            affiliation: null,
            aliases: [],
            quote: 'Le parlement de la Moldavie a approuvé jeudi la feuille de route',
          },
          {
            name: 'Russia',
            type: 'state',
            role: null,
            affiliation: null,
            aliases: ['Moscou'],
            quote: 'Moscou cherchera à peser sur les élections législatives',
          },
          {
            name: 'Igor Grosu',
            type: 'person',
            role: 'Speaker of Parliament',
            affiliation: 'Moldova',
            aliases: [],
            quote: 'Le président du parlement, Igor Grosu, a salué',
          },
          // Real quote, but it does not name the actor.
          {
            name: 'European Union',
            type: 'organisation',
            role: null,
            affiliation: null,
            aliases: ['Union européenne'],
            quote: 'L’opposition a boycotté le vote et appelé à manifester',
          },
        ],
      }),
    });
    const result = await engine().actors(frenchReport());
    expect(result.engine).toMatchObject({ engine: 'llm', unsupported: 1 });
    expect(result.actors.map((a) => a.name).sort()).toEqual(['Igor Grosu', 'Moldova', 'Russia']);
    expect(result.actors.find((a) => a.name === 'Moldova')!.aliases).toEqual(['Moldavie']);
    expect(result.actors.find((a) => a.name === 'Russia')!.mentions).toBe(1);
  });
});

describe('summary language from the request', () => {
  let temp: TempStore;
  let store: Store;
  afterEach(async () => {
    await store?.close();
    temp?.cleanup();
  });

  it('writes in the requested locale, caches per locale, and treats English locales as the default', async () => {
    temp = tempStore();
    store = await temp.open();
    const svc = new AnalysisService({ config: llmConfig(server.baseURL), logger: silentLogger, store, clock: systemClock });
    const report = frenchReport();
    const french = await svc.summarise(report, { length: 'brief', locale: 'fr' });
    expect(french.engine.engine).toBe('llm');
    expect(system(server.requests[0]!)).toMatch(/Write in French/);
    await svc.summarise(report, { length: 'brief' });
    expect(system(server.requests[1]!)).toMatch(/Write in English/);
    // Cached per language: the same asks again cost nothing, an English locale is the English summary,
    // an unknown tag falls back to English, and another language is another call.
    await svc.summarise(report, { length: 'brief', locale: 'fr' });
    await svc.summarise(report, { length: 'brief', locale: 'en-GB' });
    await svc.summarise(report, { length: 'brief', locale: 'not a locale' });
    expect(server.requests).toHaveLength(2);
    await svc.summarise(report, { length: 'brief', locale: 'pt-BR' });
    expect(server.requests).toHaveLength(3);
    expect(system(server.requests[2]!)).toMatch(/Write in Brazilian Portuguese/);
    // The offline engine extracts the report's own sentences: the locale changes nothing there.
    const offline = await svc.summarise(report, { length: 'brief', engine: 'offline', locale: 'de' });
    expect(offline).toEqual(await svc.summarise(report, { length: 'brief', engine: 'offline' }));
    await svc.flush();
  });
});
