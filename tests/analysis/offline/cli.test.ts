import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import type { CliDeps } from '../../../src/cli.ts';
import { registerAnalysis } from '../../../src/cli/analysis.ts';
import { loadConfig } from '../../../src/config.ts';
import { isUserError } from '../../../src/core/errors.ts';
import { SEED_PATH } from './helpers.ts';

const SAHEL = 'tests/fixtures/analysis/sahel-juntas-wagner.txt';

describe('sitrep summarise / actors', () => {
  let dir: string;
  let app: App;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sitrep-analysis-cli-'));
    app = await createApp(loadConfig({ STORE_URL: `sqlite://${join(dir, 'store.sqlite')}`, LOG_LEVEL: 'silent', BRIEFS_DIR: join(dir, 'briefs') }));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
    const out = new PassThrough();
    const err = new PassThrough();
    let outText = '';
    let errText = '';
    out.on('data', (d) => (outText += d));
    err.on('data', (d) => (errText += d));
    const deps: CliDeps = { openApp: async () => app, out, err };
    const program = new Command().exitOverride();
    registerAnalysis(program, deps);
    let code = 0;
    try {
      await program.parseAsync(['node', 'sitrep', ...args]);
    } catch (error) {
      if (!isUserError(error)) throw error;
      errText += `sitrep: ${error.message}\n`;
      code = 1;
    }
    return { out: outText, err: errText, code };
  }

  it('summarises files without ingesting them, one JSON object per line', async () => {
    const { out, code } = await run('summarise', SEED_PATH, SAHEL, '--length', 'brief', '--json', '--engine', 'offline');
    expect(code).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['id', 'title', 'length', 'engine', 'summary', 'sentences']);
      expect(line).toMatchObject({ length: 'brief', engine: 'offline' });
      expect(line.sentences).toHaveLength(2);
      expect(line.summary).toBe(line.sentences.map((s: { text: string }) => s.text).join(' '));
      expect(typeof line.sentences[0].index).toBe('number');
    }
    expect(lines[0].summary).toMatch(/Li Shangfu/);
    expect(app.reports.count()).toBe(0);
  });

  it('lists actors as JSON with the agreed fields', async () => {
    const { out, code } = await run('actors', SEED_PATH, '--json', '--engine', 'offline');
    expect(code).toBe(0);
    const line = JSON.parse(out.trim());
    expect(line).toMatchObject({ engine: 'offline' });
    const li = line.actors.find((a: { name: string }) => a.name === 'Li Shangfu');
    expect(li).toMatchObject({ type: 'person', role: 'Minister of Defence', affiliation: 'China' });
    expect(Object.keys(li)).toEqual(['name', 'type', 'role', 'affiliation', 'mentions', 'aliases', 'evidence']);
    expect(line.actors.map((a: { name: string }) => a.name)).not.toContain('Guido Keller');
  });

  it('prints readable text by default', async () => {
    const { out } = await run('actors', SEED_PATH, '--engine', 'offline');
    expect(out).toMatch(/Li Shangfu \(person\) — Minister of Defence, China · \d+ mentions/);
    const summary = await run('summarise', SEED_PATH, '--engine', 'offline');
    expect(summary.out).toMatch(/standard summary · offline/);
    expect(summary.out.split('\n').filter((l) => l.startsWith('  • '))).toHaveLength(5);
  });

  it('names an unknown id, exits 1 and still processes the other inputs', async () => {
    const { out, err, code } = await run('summarise', 'no-such-report-xyz', SEED_PATH, '--json', '--engine', 'offline');
    expect(code).toBe(1);
    expect(err).toMatch(/no-such-report-xyz/);
    expect(out.trim().split('\n')).toHaveLength(1);
  });

  it('resolves ids of ingested reports', async () => {
    const ingested = await app.ingest.ingestPath(SAHEL);
    expect(app.reports.count()).toBeGreaterThan(0);
    const id = app.reports.resolve(JSON.stringify(ingested).match(/"id":"([^"]+)"/)?.[1] ?? '')?.id;
    expect(id).toBeTruthy();
    const { out, code } = await run('actors', id!, '--json', '--engine', 'offline');
    expect(code).toBe(0);
    expect(JSON.parse(out).actors.map((a: { name: string }) => a.name)).toContain('ECOWAS');
    // An id-shaped input that only resembles a stored report is an error, not a silent substitute.
    const near = await run('summarise', `${id}-2`, '--json', '--engine', 'offline');
    expect(near.code).toBe(1);
    expect(near.err).toContain(`${id}-2`);
    expect(near.out).toBe('');
  });
});
