import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import report from '../../commands/report.ts';
import { UserError } from '../../src/core/errors.ts';
import { complete, input, makeApp, run, SEED_ID, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ fixtures: true });
});
afterAll(async () => t?.close());

describe('/report show', () => {
  it('shows the seed report with title, source, authors, date, link and lead', async () => {
    const reply = await run(report, t.app, input('show', { report: SEED_ID }));
    const card = reply.cards![0]!;
    expect(card.title).toContain('China’s defence cooperation with Russia and Belarus');
    expect(card.author).toBe('SpecialEurasia');
    expect(card.url).toBe('https://www.specialeurasia.com/2023/08/14/defence-cooperation-china-russia/');
    const fields = Object.fromEntries(card.fields!.map((f) => [f.name, f.value]));
    expect(fields.Author).toBe('Guido Keller');
    expect(fields.Published).toBe('14 Aug 2023');
    expect(fields.Series).toContain('ISSN 2785-2598');
    expect(card.description).toMatch(/^Chinese Minister of Defence Li Shangfu will visit Russia and Belarus/);
    // The lead is the opening paragraph, not the whole report.
    expect(card.description!.length).toBeLessThanOrEqual(601);
    expect(card.description).not.toContain('Background Information');
    expect(card.footer).toContain(SEED_ID);
  });

  it('finds a report by a part of its title', async () => {
    const reply = await run(report, t.app, input('show', { report: 'Baltic Sea cables' }));
    expect(reply.cards![0]!.title).toBe('Baltic Sea cables: NATO patrols after another seabed incident');
    expect(reply.cards![0]!.fields!.find((f) => f.name === 'Author')!.value).toBe('Mikko Virtanen');
  });

  it('names several authors', async () => {
    const reply = await run(report, t.app, input('show', { report: 'sahel-security-2026' }));
    expect(reply.cards![0]!.fields!.find((f) => f.name === 'Authors')!.value).toBe('Ana Ruiz, Tom Li');
  });

  it('explains an unknown report', async () => {
    const error = await run(report, t.app, input('show', { report: 'zzqx unknowable' })).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('No report matches “zzqx unknowable”. Try /report search.');
  });
});

describe('/report latest', () => {
  it('lists newest first and honours count', async () => {
    const reply = await run(report, t.app, input('latest', { count: 2 }));
    expect(reply.cards!.map((c) => c.title)).toEqual([
      "Mali after the Wagner drawdown: Russia's Africa Corps and the Sahel security vacuum",
      'Baltic Sea cables: NATO patrols after another seabed incident',
    ]);
  });

  it('filters by source, case-insensitively', async () => {
    const reply = await run(report, t.app, input('latest', { source: 'specialeurasia' }));
    expect(reply.cards).toHaveLength(1);
    expect(reply.cards![0]!.author).toBe('SpecialEurasia');
  });

  it('rejects an unknown source and lists the known ones', async () => {
    await expect(run(report, t.app, input('latest', { source: 'Nobody Press' }))).rejects.toThrow(
      'No reports from “Nobody Press”. Known sources: Example Institute, North Desk, SpecialEurasia.',
    );
  });

  it('rejects a count out of range', async () => {
    await expect(run(report, t.app, input('latest', { count: 11 }))).rejects.toThrow(/between 1 and 10/);
  });
});

describe('/report search', () => {
  it('ranks matching reports', async () => {
    const reply = await run(report, t.app, input('search', { query: 'Belarus defence' }));
    expect(reply.cards![0]!.footer).toContain(SEED_ID);
    expect(reply.content).toContain('matching “Belarus defence”');
  });

  it('says when nothing matches', async () => {
    const reply = await run(report, t.app, input('search', { query: 'zzqxv' }));
    expect(reply.cards ?? []).toHaveLength(0);
    expect(reply.content).toContain('No reports match “zzqxv”');
  });
});

describe('autocomplete', () => {
  it('suggests report titles with ids as values, at most 25', async () => {
    const choices = await complete(report, t.app, { subcommand: 'show', focused: { name: 'report', value: 'balt' } });
    expect(choices[0]).toEqual({ name: 'Baltic Sea cables: NATO patrols after another seabed incident', value: 'baltic-cables-2026' });
    expect(choices.length).toBeLessThanOrEqual(25);
  });

  it('suggests sources', async () => {
    const choices = await complete(report, t.app, { subcommand: 'latest', focused: { name: 'source', value: 'nor' } });
    expect(choices).toEqual([{ name: 'North Desk', value: 'North Desk' }]);
  });
});
