import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { registerReports } from '../../src/cli/reports.ts';
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

describe('sitrep CLI', () => {
  it('`ingest DIR` then `reports list --json` lists every report with title, authors and date', async () => {
    const ingested = JSON.parse((await sitrep('ingest', articles, '--json')).out) as Array<{ id: string; status: string }>;
    expect(ingested.map((r) => r.status)).toEqual(['created', 'created', 'created', 'created']);

    const list = JSON.parse((await sitrep('reports', 'list', '--json')).out) as Array<Record<string, unknown>>;
    expect(list.map((r) => r.id).sort()).toEqual(['baltic-cables', 'hormuz-pasted', 'institute-taiwan-strait', 'sahel-watch-syndicated']);
    for (const r of list) {
      expect(typeof r.title).toBe('string');
      expect(Array.isArray(r.authors)).toBe(true);
      expect(r.date).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
    expect(list.find((r) => r.id === 'institute-taiwan-strait')).toMatchObject({ authors: ['Chen Wei', 'Laura Schmidt', 'Tomás Alvarez'], publishedAt: '2025-01-12T00:00:00.000Z' });
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
    await expect(sitrep('reports', 'show', 'no-such-report')).rejects.toThrow(/No report "no-such-report"/);
    await expect(sitrep('ingest')).rejects.toThrow(/Nothing to ingest/);
    await expect(sitrep('ingest', join(tmp.dir, 'missing'))).rejects.toThrow(/could not be ingested/);
  });
});
