import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, type CliDeps } from '../../src/cli.ts';
import { isUserError } from '../../src/core/errors.ts';
import { makeApp, SEED_ID, type TestApp } from './helpers.ts';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await makeApp();
  dir = mkdtempSync(join(tmpdir(), 'sitrep-cli-analysis-'));
  writeFileSync(join(dir, 'empty.md'), '');
  writeFileSync(join(dir, 'scan.pdf'), '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj << /Type /Catalog >> endobj\n');
  writeFileSync(
    join(dir, 'gulf.txt'),
    'Gulf shipping update\n\nIran seized a tanker in the Strait of Hormuz on Tuesday. The United States Navy said the ship was in international waters. Oman offered to mediate between Tehran and Washington.\n',
  );
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `sitrep …` as main() would: a UserError is printed after "sitrep:" and exits 1. */
async function sitrep(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  return sitrepWith(t, ...args);
}

async function sitrepWith(target: TestApp, ...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  out.on('data', (d) => (outText += d));
  err.on('data', (d) => (errText += d));
  const deps: CliDeps = { openApp: async () => target.app, out, err };
  let code = 0;
  try {
    await buildProgram(deps).parseAsync(['node', 'sitrep', ...args]);
  } catch (error) {
    if (!isUserError(error)) throw error;
    errText += `sitrep: ${error.message}\n`;
    code = 1;
  }
  return { out: outText, err: errText, code };
}

describe('sitrep summarise / actors on files', () => {
  it('refuses file types it cannot read instead of summarising their bytes', async () => {
    const result = await sitrep('summarise', join(dir, 'scan.pdf'));
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/scan\.pdf: \.pdf files are not supported; give \.md .*convert PDFs/);
  });

  it('refuses an empty file, and still analyses the other inputs', async () => {
    const result = await sitrep('actors', join(dir, 'empty.md'), join(dir, 'gulf.txt'));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/empty\.md: the file has no report text/);
    expect(result.err).toMatch(/1 of 2 input\(s\) could not be analysed/);
    expect(result.out).toContain('Iran (state)');
    expect(result.out).not.toContain('(no actors found)');
  });

  it('prints one JSON object per input per line, with the documented fields', async () => {
    const summaries = await sitrep('summarise', SEED_ID, join(dir, 'gulf.txt'), '--json', '--length', 'brief');
    expect(summaries.code).toBe(0);
    const lines = summaries.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['id', 'title', 'length', 'engine', 'summary', 'sentences']);
      expect(parsed.length).toBe('brief');
      for (const sentence of parsed.sentences as Array<Record<string, unknown>>) {
        expect(Object.keys(sentence)).toEqual(['text', 'index']);
        expect(typeof sentence.index).toBe('number');
      }
    }
    expect(JSON.parse(lines[0]!).id).toBe(SEED_ID);

    const actors = await sitrep('actors', join(dir, 'gulf.txt'), '--json');
    const parsed = JSON.parse(actors.out.trim()) as { actors: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['id', 'title', 'engine', 'actors']);
    expect(parsed.actors.length).toBeGreaterThan(0);
    for (const actor of parsed.actors) expect(Object.keys(actor)).toEqual(['name', 'type', 'role', 'affiliation', 'mentions', 'aliases', 'evidence']);
  });
});

describe('sitrep summarise when the model cannot be reached', () => {
  it('reports the fallback in the output (last JSON field) instead of a JSON log line', async () => {
    // A loopback port that was just free: the model server refuses the connection.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failing = await makeApp({ env: { LOG_LEVEL: 'info', OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_MAX_RETRIES: '0' } });
    try {
      expect(failing.app.logger.level).toBe('info');
      const result = await sitrepWith(failing, 'summarise', SEED_ID, '--json', '--length', 'brief');
      expect(result.code).toBe(0);
      const parsed = JSON.parse(result.out.trim()) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['id', 'title', 'length', 'engine', 'summary', 'sentences', 'fallback']);
      expect(parsed.engine).toBe('offline');
      expect((parsed.fallback as { from: string }).from).toBe('llm');
      // The warning pino would print as JSON on stderr is not emitted at the default level.
      expect(failing.app.logger.isLevelEnabled('warn')).toBe(false);
    } finally {
      await failing.close();
    }
  });
});
