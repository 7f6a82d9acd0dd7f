import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { registerReports } from '../../src/cli/reports.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { logger, tempDir, testConfig } from './helpers.ts';

const articles = resolve(import.meta.dirname, '../fixtures/articles');

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('sitrep-cli-');
});
afterEach(() => tmp.cleanup());

/** Runs one `sitrep …` invocation against a fresh app on the same SQLite file, like separate shell commands. */
async function sitrep(...args: string[]): Promise<{ out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (d: Buffer) => (chunks.out += d.toString()));
  err.on('data', (d: Buffer) => (chunks.err += d.toString()));
  let app: App | undefined;
  const program = new Command().exitOverride();
  registerReports(program, {
    openApp: async () => (app ??= await createApp(testConfig({ STORE_URL: `sqlite://${join(tmp.dir, 'sitrep.sqlite')}` }), { logger })),
    out,
    err,
  });
  try {
    await program.parseAsync(['node', 'sitrep', ...args]);
  } finally {
    await app?.close();
  }
  return chunks;
}

describe('sitrep ingest --feed', () => {
  let server: TestHttpServer;
  beforeEach(async () => {
    const item = (n: number) =>
      `<item><title>Cli item ${n}</title><link>${server.url}/cli/${n}</link><guid>cli-${n}</guid><description>${`Item ${n}: grain corridors, insurance and escorts across the Black Sea. `.repeat(16)}</description></item>`;
    server = await startHttpServer({
      '/many.xml': () => ({
        headers: { 'content-type': 'application/rss+xml' },
        body: `<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>${Array.from({ length: 250 }, (_, i) => item(i + 1)).join('')}</channel></rss>`,
      }),
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it('says how many items were deferred to later polls', async () => {
    const added = (await sitrep('ingest', '--feed', `${server.url}/many.xml`)).out;
    expect(added).toMatch(/200 existing items recorded as backlog; 50 more item\(s\) will arrive on later polls/);
    const polled = (await sitrep('ingest', '--feed', `${server.url}/many.xml`)).out;
    expect(polled).toMatch(/feed Many: ok, 0 new, 200 already known\n/);
  });
});

describe('sitrep CLI', () => {
  it('`ingest DIR` then `reports list --json` lists every report with title, authors and date', async () => {
    const ingested = JSON.parse((await sitrep('ingest', articles, '--json')).out) as Array<{ id: string; status: string }>;
    expect(ingested.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);

    const list = JSON.parse((await sitrep('reports', 'list', '--json')).out) as Array<Record<string, unknown>>;
    expect(list.map((r) => r.id).sort()).toEqual(['baltic-cables', 'hormuz-pasted', 'institute-taiwan-strait', 'sahel-watch-syndicated']);
    for (const r of list) {
      expect(typeof r.title).toBe('string');
      expect(Array.isArray(r.authors)).toBe(true);
      expect(r.ingestedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(r).not.toHaveProperty('date'); // no field that silently falls back to the ingestion time
    }
    expect(list.find((r) => r.id === 'institute-taiwan-strait')).toMatchObject({
      authors: ['Chen Wei', 'Laura Schmidt', 'Tomás Alvarez'],
      publishedAt: '2025-01-12T00:00:00.000Z',
    });
    const undated = list.filter((r) => r.publishedAt === null);
    expect(undated.length).toBeGreaterThan(0);
    // Human output: an undated report says so, with the day it was added.
    const human = (await sitrep('reports', 'list')).out;
    for (const r of undated) expect(human).toContain(`undated, added ${String(r.ingestedAt).slice(0, 10)}  ${String(r.id)}`);
  });

  it('searches, shows and filters; human output is readable', async () => {
    await sitrep('ingest', articles);
    const search = JSON.parse((await sitrep('reports', 'search', 'tanker', 'seizures', '--json')).out) as Array<{ id: string }>;
    expect(search[0]!.id).toBe('hormuz-pasted');
    const shown = (await sitrep('reports', 'show', 'baltic-cables')).out;
    expect(shown).toMatch(/^Sabotage in the Baltic Sea: Who Cuts the Cables\?\n=+\n/);
    expect(shown).toContain('Authors    Mikko Virtanen, Anna Lindqvist');
    expect(shown).toContain('## NATO’s Response');
    const full = JSON.parse((await sitrep('reports', 'show', 'baltic-cables', '--json')).out) as { sections: unknown[]; contentHash: string };
    expect(full.sections).toHaveLength(3);
    const bySource = JSON.parse((await sitrep('reports', 'list', '--source', 'sahel watch', '--json')).out) as Array<{ id: string }>;
    expect(bySource.map((r) => r.id)).toEqual(['sahel-watch-syndicated']);
    expect((await sitrep('reports', 'list', '--limit', '1')).out).toMatch(/… 3 more \(use --limit\)/);
  });

  it('re-running ingest reports unchanged files; errors name the problem', async () => {
    await sitrep('ingest', articles);
    expect((await sitrep('ingest', articles)).out).toMatch(/4 report\(s\): 0 created, 0 updated, 4 unchanged/);
    await expect(sitrep('reports', 'show', 'no-such-report')).rejects.toThrow(/No report matches "no-such-report"/);
    // A value that matches nothing well is not resolved to some report sharing one word.
    await expect(sitrep('reports', 'show', 'purple baltic xylophone')).rejects.toThrow(/No report matches "purple baltic xylophone"/);
    // …while every word matching (here one with a typo) still finds it.
    expect((await sitrep('reports', 'show', 'baltic cablez')).out).toMatch(/^Sabotage in the Baltic Sea/);
    await expect(sitrep('ingest')).rejects.toThrow(/Nothing to ingest/);
    await expect(sitrep('ingest', join(tmp.dir, 'missing'))).rejects.toThrow(/could not be ingested/);
  });
});
