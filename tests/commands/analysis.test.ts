import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import summarise from '../../commands/summarise.ts';
import actors from '../../commands/actors.ts';
import { UserError } from '../../src/core/errors.ts';
import { deferral, input, makeApp, NOW, run, SEED_ID, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ fixtures: true });
});
afterAll(async () => t?.close());

describe('/summarise', () => {
  it('summarises with sentences of the report and names the engine in the footer', async () => {
    const reply = await run(summarise, t.app, input(undefined, { report: SEED_ID, length: 'brief' }));
    const card = reply.cards![0]!;
    expect(card.title).toContain('Summary: China’s defence cooperation');
    const points = card.description!.split('\n');
    expect(points.length).toBeGreaterThan(0);
    const report = (await t.app.reports.load(SEED_ID))!;
    // Offline summaries are extractive: every point is a sentence of the report.
    for (const point of points) expect(report.text.replace(/\s+/g, ' ')).toContain(point.replace(/^• /, '').slice(0, 60));
    expect(card.footer).toMatch(/^Engine: offline/);
    expect(card.fields).toContainEqual({ name: 'Length', value: 'Brief', inline: true });
  });

  it('gives longer summaries for detailed than for brief', async () => {
    const brief = await run(summarise, t.app, input(undefined, { report: SEED_ID, length: 'brief' }));
    const detailed = await run(summarise, t.app, input(undefined, { report: SEED_ID, length: 'detailed' }));
    expect(detailed.cards![0]!.description!.length).toBeGreaterThan(brief.cards![0]!.description!.length);
  });

  it('always defers', () => {
    expect(deferral(summarise, t.app, input(undefined, { report: SEED_ID }))).toBe('public');
  });

  it('rejects an unknown report and an invalid length', async () => {
    await expect(run(summarise, t.app, input(undefined, { report: 'qqqzz nothing' }))).rejects.toBeInstanceOf(UserError);
    await expect(run(summarise, t.app, input(undefined, { report: SEED_ID, length: 'huge' }))).rejects.toThrow(/brief, standard, detailed/);
  });
});

describe('/actors', () => {
  it('lists the key actors of one report with type, role and mentions', async () => {
    const reply = await run(actors, t.app, input(undefined, { report: SEED_ID }));
    const card = reply.cards![0]!;
    const names = card.fields!.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['China', 'Russia', 'Belarus']));
    const li = card.fields!.find((f) => f.name.includes('Li Shangfu'));
    expect(li?.value).toMatch(/^Person · .*Minister.*· \d+ mentions?$/);
    expect(card.footer).toContain('Engine: offline');
  });

  it('without a report, ranks actors across the reports of the last 7 days', async () => {
    const reply = await run(actors, t.app, input(undefined, {}));
    const card = reply.cards![0]!;
    expect(card.title).toBe('Key actors of the last 7 days');
    // The Sahel report (25 Nov) is in the window; the Baltic one (10 Nov) and the 2023 seed are not.
    expect(card.description).toBe(
      "1 report from the last 7 days: “Mali after the Wagner drawdown: Russia's Africa Corps and the Sahel security vacuum”. Ranked by mentions.",
    );
    expect(card.fields!.map((f) => f.name)).toContain('Mali');
    for (const field of card.fields!) expect(field.value).toMatch(/ · 1 report, \d+ mentions?$/);
  });

  it('ranks an actor present in more reports first and lists those reports', async () => {
    // On 16 Nov both fixtures (10 Nov and 25 Nov) count; only Russia appears in both.
    t.clock.set(new Date('2026-11-16T00:00:00Z'));
    try {
      const reply = await run(actors, t.app, input(undefined, {}));
      const top = reply.cards![0]!.fields![0]!;
      expect(top.name).toBe('Russia');
      expect(top.value).toMatch(/2 reports, \d+ mentions/);
      expect(top.value).toContain('Baltic Sea cables');
      expect(top.value).toContain('Mali after the Wagner drawdown');
      expect(reply.cards![0]!.fields![1]!.value).toMatch(/1 report,/);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('pages the overview with Previous / Next actions that replace the message', async () => {
    t.clock.set(new Date('2030-01-01T00:00:00Z'));
    try {
      const first = await run(actors, t.app, input(undefined, {}));
      const names = first.cards![0]!.fields!.map((f) => f.name);
      expect(names).toHaveLength(10);
      expect(first.actions).toEqual([{ kind: 'action', label: 'Next ▶', action: 'actors-page', args: ['2'] }]);
      expect(actors.actions!['actors-page']!(['2'])).toEqual({ options: { page: 2 }, update: true });
      const second = await run(actors, t.app, input(undefined, { page: 2 }));
      expect(second.cards![0]!.title).toBe('Key actors of the latest reports (page 2)');
      const more = second.cards![0]!.fields!.map((f) => f.name);
      expect(more.length).toBeGreaterThan(0);
      expect(more.some((n) => names.includes(n))).toBe(false);
      expect(second.actions![0]).toMatchObject({ label: '◀ Previous', args: ['1'] });
      expect((await run(actors, t.app, input(undefined, { page: 10 }))).content).toMatch(/^There is no page 10: the overview has \d+ actors\.$/);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('falls back to the latest reports when the last 7 days are empty', async () => {
    t.clock.set(new Date('2030-01-01T00:00:00Z'));
    try {
      const reply = await run(actors, t.app, input(undefined, {}));
      expect(reply.cards![0]!.title).toBe('Key actors of the latest reports');
      expect(reply.cards![0]!.description).toMatch(/^No reports from the last 7 days; showing the 3 most recent reports instead/);
      expect(reply.cards![0]!.fields!.map((f) => f.name)).toContain('Russia');
      const russia = reply.cards![0]!.fields!.find((f) => f.name === 'Russia')!;
      expect(russia.value).toMatch(/3 reports/);
    } finally {
      t.clock.set(NOW);
    }
  });

  it('defers for the overview and not for one report offline', () => {
    expect(deferral(actors, t.app, input(undefined, {}))).toBe('public');
    expect(deferral(actors, t.app, input(undefined, { report: SEED_ID }))).toBeUndefined();
  });
});
