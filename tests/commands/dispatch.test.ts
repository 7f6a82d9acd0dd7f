import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApplicationCommandOptionType as T } from 'discord-api-types/v10';
import briefing from '../../commands/briefing/index.ts';
import { resolveReportOption } from '../../commands/_shared/reports.ts';
import { defineCommand, defineCommandGroup, defineSubcommand, type CommandServices } from '../../src/core/command.ts';
import { dispatch } from '../../src/core/dispatch.ts';
import { createRegistry } from '../../src/core/registry.ts';
import { UserError } from '../../src/core/errors.ts';
import { CHANNEL, fakePlatform, GUILD, input, makeApp, member, run, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(async () => t?.close());

const executed = vi.fn(async () => ({ content: 'ran' }));
const probe = defineCommandGroup({
  data: { name: 'probe', description: 'probe' },
  subcommands: [
    defineSubcommand({
      data: {
        type: T.Subcommand,
        name: 'open',
        description: 'anyone, anywhere',
        options: [
          { type: T.String, name: 'text', description: 't', max_length: 20, min_length: 2 },
          { type: T.Integer, name: 'count', description: 'n', min_value: 1, max_value: 5 },
          { type: T.String, name: 'mode', description: 'm', choices: [{ name: 'Fast', value: 'fast' }] },
        ],
      },
      execute: executed,
    }),
    defineSubcommand({ data: { type: T.Subcommand, name: 'guild', description: 'in a server' }, guildOnly: true, execute: executed }),
    defineSubcommand({
      data: {
        type: T.Subcommand,
        name: 'mod',
        description: 'moderators',
        options: [{ type: T.String, name: 'text', description: 't', required: true, max_length: 5 }],
      },
      moderator: true,
      execute: executed,
    }),
  ],
});
const registry = createRegistry([probe]);
const ctx = () => ({ services: t.app, platform: fakePlatform() });
const go = (subcommand: string, options: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) =>
  dispatch(registry, { command: 'probe', ...input(subcommand, options as never, overrides) }, ctx());

describe('dispatch: preconditions and option checks for every transport', () => {
  it('runs a valid invocation and hands over checked, trimmed arguments', async () => {
    executed.mockClear();
    const result = await go('open', { text: '  hello  ', count: '3', mode: 'FAST' });
    expect(result).toMatchObject({ status: 'ok', reply: { content: 'ran' } });
    expect((executed.mock.calls[0] as unknown[])[0]).toMatchObject({ args: { text: 'hello', count: 3, mode: 'fast' } });
  });

  it.each([
    [
      'a value over max_length, echoing nothing of it',
      'open',
      { text: 'x'.repeat(3_000) },
      'Option "text" is too long: at most 20 characters (this one has 3,000).',
    ],
    ['a value under min_length', 'open', { text: 'x' }, 'Option "text" is too short: at least 2 characters.'],
    ['a number out of range', 'open', { count: 9 }, 'Option "count" must be between 1 and 5 (got 9).'],
    ['a number that is not whole', 'open', { count: 2.5 }, 'Option "count" must be a whole number (got “2.5”).'],
    ['a value outside the choices', 'open', { mode: 'slow' }, 'Option "mode" must be one of: fast.'],
    [
      'text made only of invisible characters',
      'open',
      { text: '\u200b\u200b\u202e\u2060' },
      'Option "text" holds only invisible characters: type visible text.',
    ],
    ['a missing required option', 'mod', {}, 'Option "text" is required.'],
  ])('refuses %s before the handler runs', async (_label, subcommand, options, message) => {
    executed.mockClear();
    const result = await go(subcommand, options);
    expect(result.status).toBe('user_error');
    expect(result.reply).toEqual({ content: message, ephemeral: true });
    expect(result.reply.content!.length).toBeLessThan(120);
    expect(executed).not.toHaveBeenCalled();
  });

  it('checks guild-only and moderator preconditions before the options', async () => {
    executed.mockClear();
    expect((await go('guild', {}, { guildId: undefined })).reply.content).toBe('This command only works inside a server, not in direct messages.');
    expect((await go('mod', { text: 'x'.repeat(50) }, { invoker: member })).reply.content).toBe(
      '/probe mod is for moderators: you need the Manage Server or Manage Channels permission.',
    );
    expect((await go('mod', {}, { guildId: undefined })).reply.content).toBe('/probe mod only works inside a server, by its moderators.');
    expect(executed).not.toHaveBeenCalled();
  });

  it('answers an unknown command or subcommand without running anything', async () => {
    expect((await dispatch(registry, { command: 'nope', ...input(undefined) }, ctx())).reply.content).toMatch(/^\/nope is not available any more/);
    expect((await go('missing')).reply.content).toBe('Use /probe open, /probe guild, /probe mod.');
  });

  it('defers as the handler declares, and only when the transport can', async () => {
    const slow = defineCommand({ data: { name: 'slow', description: 's' }, defer: 'ephemeral', execute: async () => ({ content: 'done' }) });
    const defers: boolean[] = [];
    const result = await dispatch(createRegistry([slow]), { command: 'slow', ...input(undefined) }, ctx(), { defer: async (e) => void defers.push(e) });
    expect(defers).toEqual([true]);
    expect(result.reply.content).toBe('done');
  });
});

describe('/briefing input hardening', () => {
  const subscribe = (options: Record<string, unknown>) => input('subscribe', { channel: CHANNEL, time: '08:00', timezone: 'Europe/Rome', ...options } as never);

  it('refuses a filter term made only of invisible characters and a filter list over 300 characters, storing nothing', async () => {
    await expect(run(briefing, t.app, subscribe({ topics: 'china, \u200b\u200d' }))).rejects.toThrow(
      'Option "topics" has a term made only of invisible characters (U+200B…): remove it.',
    );
    await expect(run(briefing, t.app, subscribe({ actors: 'NATO, '.repeat(420) }))).rejects.toThrow(
      /^Option "actors" is too long: at most 300 characters \(this one has 2,5\d\d\)\.$/,
    );
    expect(await t.app.subscriptions.list(GUILD)).toEqual([]);
  });

  it('gives an empty channel value a clean answer, not "\\# has no briefing"', async () => {
    const error = await run(briefing, t.app, input('unsubscribe', { channel: { id: '', name: '' } })).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('Option "channel" must name a channel: pick one from the list.');
  });

  it('asks which briefing when a channel has several and no name is given', async () => {
    const services = {
      ...t.app,
      subscriptions: {
        ...t.app.subscriptions,
        list: async () => [
          { id: 'a', guildId: GUILD, channelId: CHANNEL.id, name: 'daily' },
          { id: 'b', guildId: GUILD, channelId: CHANNEL.id, name: 'evening' },
        ],
      },
    } as unknown as CommandServices;
    const result = await dispatch(
      createRegistry([briefing]),
      { command: 'briefing', ...input('unsubscribe', { channel: CHANNEL }) },
      { services, platform: fakePlatform() },
    );
    expect(result.reply.content).toBe('#briefings has 2 briefings (daily and evening): say which with name:.');
  });
});

describe('report resolution', () => {
  it('suggests close titles instead of picking an arbitrary report', async () => {
    const services = {
      reports: {
        resolve: () => undefined,
        search: () => [{ id: 'baltic-2026', title: 'Baltic security outlook' }],
      },
    } as unknown as CommandServices;
    await expect(resolveReportOption(services, { guildId: GUILD }, 'baltik secrity')).rejects.toThrow(
      'No report matches “baltik secrity”. Did you mean “Baltic security outlook” (id baltic-2026)? Try /report search.',
    );
    await expect(resolveReportOption(services, { guildId: GUILD }, 'y'.repeat(3_000))).rejects.toThrow(/^No report matches “y{79}…”\./);
  });
});

describe('bounded waits on the transport', () => {
  it('answers subscribe when the channel check hangs, changing nothing', async () => {
    const hanging = { ...fakePlatform(), postDeadlineMs: 50, channelAccess: () => new Promise<never>(() => undefined) };
    const error = await run(briefing, t.app, input('subscribe', { channel: CHANNEL, time: '08:00', timezone: 'UTC' } as never), hanging).catch((e) => e);
    expect(error.message).toBe('Discord did not answer in time about #briefings; nothing was changed. Try again in a moment.');
    expect(await t.app.subscriptions.list(GUILD)).toEqual([]);
  });
});

describe('tenancy: every read names the asking server', () => {
  it('passes the guild (or null in a DM) to each library read, as CONTRACTS §5 describes', async () => {
    const calls: Array<[string, unknown[]]> = [];
    const record =
      (name: string, answer: unknown) =>
      (...args: unknown[]) => {
        calls.push([name, args]);
        return answer;
      };
    const report = { id: 'r', title: 'T', source: 'S', authors: [], tags: [], regions: [], sections: [], text: 'x', ingestedAt: '2026-11-27T00:00:00Z' };
    const services = {
      ...t.app,
      reports: {
        list: record('list', [report]),
        search: record('search', []),
        suggest: record('suggest', []),
        resolve: record('resolve', report),
        sources: record('sources', ['S']),
      },
    } as unknown as CommandServices;
    const reportCommand = (await import('../../commands/report.ts')).default;
    const reg = createRegistry([reportCommand]);
    await dispatch(reg, { command: 'report', ...input('latest', { source: 's' }) }, { services, platform: fakePlatform() });
    await dispatch(reg, { command: 'report', ...input('show', { report: 'r' }, { guildId: undefined }) }, { services, platform: fakePlatform() });
    expect(calls).toEqual([
      ['sources', [{ guildId: GUILD }]],
      ['list', [{ limit: 6, source: 'S', guildId: GUILD }]],
      ['resolve', ['r', { guildId: null }]],
    ]);
  });
});
