import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCommands } from '../../src/core/registry.ts';
import { completeLineWithValues } from '../../src/terminal/complete.ts';
import { terminalPlatform } from '../../src/terminal/platform.ts';
import { makeApp, SEED_ID, type TestApp } from '../commands/helpers.ts';

let t: TestApp;
let commands: Awaited<ReturnType<typeof loadCommands>>;
beforeAll(async () => {
  t = await makeApp({ fixtures: true });
  commands = await loadCommands();
});
afterAll(async () => {
  await t.close();
});
const complete = (line: string) => completeLineWithValues(line, commands, { services: t.app, platform: terminalPlatform() });

describe('completeLineWithValues', () => {
  it('completes a report typed by title to its id, as Discord autocomplete would', async () => {
    const result = await complete('/report show report:"china’s defence');
    // A quoted title with spaces is one word: all of it is replaced by the id.
    expect(result.completions).toEqual([`report:${SEED_ID} `]);
  });

  it('completes the start of an id and a timezone', async () => {
    expect((await complete('/summarise report:specialeurasia-china')).completions).toEqual([`report:${SEED_ID} `]);
    const zones = await complete('/briefing subscribe channel:terminal time:07:30 timezone:Europe/Ro');
    expect(zones.completions).toContain('timezone:Europe/Rome ');
    expect(zones.completions.every((c) => c.startsWith('timezone:Europe/Ro'))).toBe(true);
  });

  it('lists several title matches with their ids instead of inserting a prefix', async () => {
    const total = t.app.reports.count();
    expect(total).toBeGreaterThan(2);
    const result = await complete('/actors report:');
    expect(result.completions).toEqual([]);
    expect(result.listing?.length).toBeGreaterThan(1);
    expect(result.listing).toContainEqual(expect.stringMatching(new RegExp(`^${SEED_ID} — China’s defence cooperation with Russia and Belarus`)));
  });

  it('keeps the static completions for names and choices', async () => {
    expect((await complete('/report s')).completions).toEqual(['search ', 'show ']);
    expect((await complete('/summarise report:x length:b')).completions).toEqual(['length:brief ']);
    expect((await complete('/report show report:zzzzqqq')).completions).toEqual([]);
  });
});
