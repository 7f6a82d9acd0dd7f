import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTerminalCommand } from '../../src/terminal/run.ts';
import { makeApp, SEED_ID, type TestApp } from '../commands/helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(async () => t?.close());

const sh = (line: string) => runTerminalCommand(t.app, line);

describe('runTerminalCommand', () => {
  it('shows a report found by a quoted title fragment', async () => {
    const out = await sh('/report show report:"china defence"');
    expect(out).toContain('China’s defence cooperation with Russia and Belarus');
    expect(out).toContain('Author: Guido Keller');
    expect(out).toContain('Published: 14 Aug 2023');
    expect(out).toContain('https://www.specialeurasia.com/2023/08/14/defence-cooperation-china-russia/');
  });

  it('summarises by id, naming the engine', async () => {
    const out = await sh(`/summarise report:${SEED_ID} length:brief`);
    expect(out).toMatch(/^Summary: China’s defence cooperation/m);
    expect(out).toMatch(/^• /m);
    expect(out).toContain('— Engine: offline');
  });

  it('lists actors of a report', async () => {
    const out = await sh(`actors report:${SEED_ID}`);
    expect(out).toMatch(/^China: State · \d+ mentions$/m);
  });

  it('subscribes the terminal channel and stores it under the local guild', async () => {
    const out = await sh('/briefing subscribe channel:terminal time:08:00 timezone:Europe/Rome');
    expect(out).toContain('Briefing scheduled for #terminal');
    expect(out).toContain('Every day at 08:00 (Europe/Rome)');
    expect(await t.app.subscriptions.get('local', 'terminal')).toMatchObject({ schedule: { kind: 'daily', time: '08:00', timezone: 'Europe/Rome' } });
    expect(await sh('/briefing list')).toContain('#terminal:');
  });

  it('sends a briefing now into the output', async () => {
    await sh('/briefing subscribe channel:terminal time:08:00 timezone:Europe/Rome empty:notice');
    const out = await sh('/briefing send-now channel:terminal');
    expect(out).toContain('briefing for #terminal');
    expect(out).toMatch(/Posted the briefing in #terminal \(\d+ messages?\)\./);
  });

  it.each([
    ['/report latest count:20', 'Error: Option "count" must be between 1 and 10 (got 20).'],
    ['/report show', /^Error: Missing required option:\n  report: Title or id \(type a few letters and press Tab\)\n/],
    ['/briefing subscribe channel:terminal time:08:00', /timezone: IANA timezone, e\.g\. Europe\/Rome \(type a few letters and press Tab, e\.g\. rome\)/],
    ['help sumarise', 'Error: Unknown command sumarise. Did you mean help summarise? Type help for the list.'],
    ['/summarise report:x length:huge', /^Error: Invalid length:huge .*choose one of brief, standard, detailed/],
    ['/report show report:"zzqxv nowhere"', 'Error: No report matches “zzqxv nowhere”. Try /report search.'],
    ['/briefing subscribe channel:terminal time:25:00 timezone:Europe/Rome', /^Error: Time must be HH:MM/],
    ['/briefing subscribe channel:terminal time:08:00 timezone:Mars/Base', /^Error: Unknown timezone "Mars\/Base"/],
    ['/briefing subscribe channel:general time:08:00 timezone:UTC', "Error: I can't post in #general: local mode has only the #terminal channel."],
    ['/weather', /^Error: Unknown command \/weather/],
    ['/report latest colour:red', /^Error: Unknown option “colour”/],
  ])('%s → a clear error', async (line, expected) => {
    const out = await sh(line);
    if (typeof expected === 'string') expect(out.split('\n')[0]).toBe(expected);
    else expect(out).toMatch(expected);
  });

  it('prints help generated from the command definitions', async () => {
    const out = await sh('help');
    for (const usage of [
      '/report latest',
      '/report search query:<query>',
      '/report show report:<report>',
      '/summarise report:<report>',
      '/actors [report:<report>]',
      '/briefing subscribe channel:#channel',
      '/sources add url:<url>',
    ]) {
      expect(out).toContain(usage);
    }
    expect(await sh('help summarise')).toContain('length:');
  });
});

describe('aliases and links in the terminal', () => {
  it('takes /summarize like the CLI does', async () => {
    const out = await sh(`/summarize report:${SEED_ID} length:brief`);
    expect(out).toMatch(/^Summary: China’s defence cooperation/m);
  });
});

describe('buttons as numbered follow-ups', () => {
  it('offers a report card’s actions as numbers and runs them through the same commands', async () => {
    const session = { followUps: [] as string[] };
    const shown = await runTerminalCommand(t.app, `/report show report:${SEED_ID}`, { session });
    expect(shown).toMatch(/^Actions: \[1\] Summary · \[2\] Key actors · Original <https:\/\/www\.specialeurasia\.com\/.+>$/m);
    const summary = await runTerminalCommand(t.app, '1', { session });
    expect(summary).toMatch(/^Summary: China’s defence cooperation/m);
    // The summary card offers no follow-ups of its own: the numbers are gone.
    expect(await runTerminalCommand(t.app, '2', { session })).toBe('Error: There is no follow-up [2].');
    expect(await sh('1')).toBe('Error: There is no follow-up [1].');
  });
});
