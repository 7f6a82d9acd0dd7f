import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisService } from '../../../src/analysis/service.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { createStore } from '../../../src/store/index.ts';
import { startOpenAIServer, type OpenAIServer } from '../../support/openai-server.ts';
import { llmConfig, makeReport, silentLogger } from './helpers.ts';

const REDIS = process.env.SITREP_TEST_REDIS_URL;

describe.skipIf(!REDIS)('AnalysisService on Redis (SITREP_TEST_REDIS_URL)', () => {
  let server: OpenAIServer;
  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(() => server?.close());

  it('shares the cache and sums usage across two processes on one Redis', async () => {
    // Unique content per run: the Redis database outlives the test.
    const run = randomUUID();
    const report = makeReport(`redis-${run}`, `Redis run ${run}`, [
      {
        heading: null,
        paragraphs: [
          `Negotiators met in Geneva for round ${run.slice(0, 8)} of talks on the ceasefire line and the exchange of prisoners.`,
          'Both delegations agreed to continue technical consultations on monitoring mechanisms next month.',
          'Observers warned that violations along the front line could derail the process before the next round.',
        ],
      },
    ]);
    const config = llmConfig(server.baseURL, { STORE_URL: REDIS! });
    const storeA = await createStore(REDIS!);
    const storeB = await createStore(REDIS!);
    try {
      const a = new AnalysisService({ config, logger: silentLogger, store: storeA, clock: systemClock });
      const b = new AnalysisService({ config, logger: silentLogger, store: storeB, clock: systemClock });
      const before = await a.usage();
      const first = await a.summarise(report, { length: 'brief' });
      await a.flush();
      const second = await b.summarise(report, { length: 'brief' });
      await b.flush();
      expect(first.engine.engine).toBe('llm');
      expect(second).toEqual(first);
      expect(server.requests).toHaveLength(1);
      const after = await b.usage();
      expect(after.calls - before.calls).toBe(1);
      expect(after.cacheHits - before.cacheHits).toBe(1);
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });
});
