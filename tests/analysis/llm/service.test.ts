import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { AnalysisService } from '../../../src/analysis/service.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { isUserError } from '../../../src/core/errors.ts';
import type { Report } from '../../../src/reports/types.ts';
import type { Store } from '../../../src/store/index.ts';
import { registerUsage } from '../../../src/cli/usage.ts';
import type { App } from '../../../src/app.ts';
import type { CliDeps } from '../../../src/cli.ts';
import { startOpenAIServer, validAnswer, type OpenAIServer } from '../../support/openai-server.ts';
import { llmConfig, makeReport, seedReport, silentLogger, tempStore, type TempStore } from './helpers.ts';

let server: OpenAIServer;
let seed: Report;
let temp: TempStore;
const stores: Store[] = [];

beforeAll(async () => {
  server = await startOpenAIServer();
  seed = await seedReport();
});
afterAll(() => server.close());
afterEach(async () => {
  server.reset();
  server.defaultBehaviour = 'valid';
  await Promise.all(stores.splice(0).map((s) => s.close()));
  temp?.cleanup();
});

async function service(env: Record<string, string> = {}, model: 'loopback' | 'none' = 'loopback') {
  const baseURL = model === 'loopback' ? server.baseURL : undefined;
  temp ??= tempStore();
  const store = await temp.open();
  stores.push(store);
  return new AnalysisService({ config: llmConfig(baseURL, env), logger: silentLogger, store, clock: systemClock });
}

function freshTemp() {
  temp = tempStore();
}

describe('AnalysisService with a model configured', () => {
  it('uses the LLM by default, and caches: the same request costs no second call, even after a restart', async () => {
    freshTemp();
    const first = await service();
    const a = await first.summarise(seed, { length: 'standard' });
    expect(a.engine).toMatchObject({ engine: 'llm', model: 'test-model' });
    const b = await first.summarise(seed, { length: 'standard' });
    expect(b).toEqual(a);
    expect(server.requests).toHaveLength(1);
    await first.flush();
    await stores[0]!.close();
    stores.length = 0;

    const reopened = await service();
    const c = await reopened.summarise(seed, { length: 'standard' });
    expect(c).toEqual(a);
    expect(server.requests).toHaveLength(1);

    await reopened.summarise(seed, { length: 'brief' });
    await reopened.actors(seed);
    await reopened.actors(seed);
    expect(server.requests).toHaveLength(3);
  });

  it('keys the cache by model: another model is another call', async () => {
    freshTemp();
    await (await service()).summarise(seed, { length: 'brief' });
    await (await service({ OPENAI_MODEL: 'other-model' })).summarise(seed, { length: 'brief' });
    expect(server.requests.map((r) => r.body.model)).toEqual(['test-model', 'other-model']);
  });

  it('returns the cached result under the asking report id (same content, another id)', async () => {
    freshTemp();
    const svc = await service();
    await svc.summarise(seed, { length: 'brief' });
    const twin = await svc.summarise({ ...seed, id: 'mirror-copy' }, { length: 'brief' });
    expect(twin.reportId).toBe('mirror-copy');
    expect(server.requests).toHaveLength(1);
  });

  it('shares one model call among concurrent identical requests', async () => {
    freshTemp();
    const svc = await service();
    server.latencyMs = 50;
    try {
      const results = await Promise.all(Array.from({ length: 12 }, () => svc.summarise(seed, { length: 'standard' })));
      expect(server.requests).toHaveLength(1);
      for (const r of results) expect(r).toEqual(results[0]);
      const actors = await Promise.all([svc.actors(seed), svc.actors(seed), svc.summarise(seed, { length: 'brief' })]);
      expect(server.requests).toHaveLength(3);
      expect(actors[0]).toEqual(actors[1]);
    } finally {
      server.latencyMs = 0;
    }
  });

  it('--engine offline forces the offline engine without a model call', async () => {
    freshTemp();
    const svc = await service();
    const summary = await svc.summarise(seed, { length: 'standard', engine: 'offline' });
    expect(summary.engine).toMatchObject({ engine: 'offline' });
    expect(summary.engine.fallback).toBeUndefined();
    expect(server.requests).toHaveLength(0);
  });

  it('caches a fallback only briefly and never under the offline key', async () => {
    freshTemp();
    const svc = await service();
    server.script({ status: 500 });
    const first = await svc.summarise(seed, { length: 'brief' });
    expect(first.engine.fallback?.reason).toMatch(/HTTP 500/);
    const again = await svc.summarise(seed, { length: 'brief' });
    expect(again.engine.fallback).toBeDefined();
    expect(server.requests).toHaveLength(1);
    const offline = await svc.summarise(seed, { length: 'brief', engine: 'offline' });
    expect(offline.engine.fallback).toBeUndefined();
    // The entry expires: the store holds it with a TTL, unlike successful results.
    let found: { value: unknown; expires?: number } | undefined;
    for await (const [key] of stores[0]!.kv('analysis').iterator!(undefined)) {
      if (String(key).includes(':summary:brief:llm:')) found = (await stores[0]!.kv('analysis').get(String(key), { raw: true })) as never;
    }
    expect(found?.expires).toBeGreaterThan(Date.now());
    expect(found!.expires!).toBeLessThanOrEqual(Date.now() + 10 * 60_000);
    // A successful LLM result, by contrast, does not expire.
    await svc.summarise(seed, { length: 'standard' });
    await svc.flush();
    let success: { value: unknown; expires?: number } | undefined;
    for await (const [key] of stores[0]!.kv('analysis').iterator!(undefined)) {
      if (String(key).includes(':summary:standard:llm:')) success = (await stores[0]!.kv('analysis').get(String(key), { raw: true })) as never;
    }
    expect(success).toBeDefined();
    expect(success!.expires).toBeUndefined();
  });

  it('records usage per call, cache hits and fallbacks, persisted in the store', async () => {
    freshTemp();
    const svc = await service();
    server.script(
      { content: (req) => JSON.stringify(validAnswer(req)), usage: { prompt_tokens: 1000, completion_tokens: 200 } },
      { content: (req) => JSON.stringify(validAnswer(req)), usage: { prompt_tokens: 900, completion_tokens: 150 } },
      'refusal',
    );
    await svc.summarise(seed, { length: 'standard' });
    await svc.summarise(seed, { length: 'standard' });
    await svc.actors(seed);
    await svc.summarise(seed, { length: 'brief' });
    // Offline requests are not model usage: neither computing nor hitting the cache counts.
    await svc.actors(seed, { engine: 'offline' });
    await svc.actors(seed, { engine: 'offline' });
    await svc.flush();
    await stores[0]!.close();
    stores.length = 0;

    const totals = await (await service({ OPENAI_MODEL: 'test-model' })).usage();
    expect(totals.cacheHits).toBe(1);
    expect(totals.fallbacks).toBe(1);
    expect(Object.keys(totals.fallbackReasons)[0]).toMatch(/refused/);
    expect(totals.models).toHaveLength(1);
    const m = totals.models[0]!;
    expect(m).toMatchObject({ model: 'test-model', calls: 3, failedCalls: 0 });
    // The refusal's usage is reported by the server (content length / 4), the other two are scripted.
    expect(m.promptTokens).toBeGreaterThan(1900);
    expect(m.completionTokens).toBeGreaterThan(350);
    expect(totals.calls).toBe(3);
    expect(totals.totalTokens).toBe(m.promptTokens + m.completionTokens);
  });

  it('prints usage with `sitrep usage` and `--json`', async () => {
    freshTemp();
    const svc = await service();
    server.script({ content: (req) => JSON.stringify(validAnswer(req)), usage: { prompt_tokens: 1234, completion_tokens: 56 } });
    await svc.summarise(seed, { length: 'brief' });
    await svc.summarise(seed, { length: 'brief' });
    let out = '';
    const deps: CliDeps = {
      openApp: async () => ({ analysis: svc }) as unknown as App,
      out: {
        write: (s: string) => {
          out += s;
          return true;
        },
      } as unknown as NodeJS.WritableStream,
      err: process.stderr,
    };
    const program = new Command().exitOverride();
    registerUsage(program, deps);
    await program.parseAsync(['node', 'sitrep', 'usage']);
    expect(out).toMatch(/test-model\s+1\s+0\s+1,234\s+56\s+1,290/);
    expect(out).toMatch(/Cache hits: 1/);
    expect(out).toMatch(/Fallbacks to offline: 0/);
    out = '';
    await program.parseAsync(['node', 'sitrep', 'usage', '--json']);
    expect(JSON.parse(out)).toMatchObject({ calls: 1, promptTokens: 1234, completionTokens: 56, cacheHits: 1, fallbacks: 0 });
  });
});

describe('AnalysisService.digest (for briefings)', () => {
  it('gives summary and actors together, and the lead alone when analysis itself fails', async () => {
    freshTemp();
    const svc = await service();
    const digest = await svc.digest(seed, { length: 'brief' });
    expect(digest.summary.engine.engine).toBe('llm');
    expect(digest.actors.length).toBeGreaterThan(0);
    // A report the engines cannot read (no sections) still yields something to show.
    const broken = { ...seed, id: 'broken', contentHash: 'broken-hash', sections: null } as unknown as Report;
    const lead = await svc.digest(broken, { length: 'brief', engine: 'offline' });
    expect(lead.actors).toEqual([]);
    expect(lead.summary.engine).toMatchObject({ engine: 'offline', version: 'lead', fallback: { from: 'offline' } });
    expect(lead.summary.text).toBe(seed.standfirst?.trim() || seed.text.trim().split(/(?<=[.!?])\s/)[0]);
  });
});

describe('AnalysisService without a model', () => {
  it('uses the offline engine, and forcing the LLM is a user error naming the settings', async () => {
    freshTemp();
    const svc = await service({}, 'none');
    expect(svc.defaultEngine).toBe('offline');
    const summary = await svc.summarise(seed, { length: 'brief' });
    expect(summary.engine.engine).toBe('offline');
    const error = await svc.summarise(seed, { length: 'brief', engine: 'llm' }).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe('No model configured: set OPENAI_API_KEY or OPENAI_BASE_URL');
    await expect(svc.actors(seed, { engine: 'llm' })).rejects.toThrow(/No model configured/);
    expect(server.requests).toHaveLength(0);
  });

  it('a base URL alone (local server, no key) selects the LLM', async () => {
    freshTemp();
    const svc = await service({ OPENAI_API_KEY: '' });
    expect(svc.defaultEngine).toBe('llm');
    const report = makeReport('short', 'Short note', [
      {
        heading: null,
        paragraphs: [
          'The parliament of Moldova approved the accession roadmap with a large majority on Thursday. The opposition boycotted the vote and called for protests in Chisinau.',
        ],
      },
    ]);
    const summary = await svc.summarise(report, { length: 'brief' });
    expect(summary.engine.engine).toBe('llm');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer no-key');
  });
});
