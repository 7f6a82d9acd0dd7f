import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import briefing from '../../commands/briefing/index.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Subscription } from '../../src/briefings/types.ts';
import {
  CHANNEL,
  CHANNEL_NO_PERMS,
  fakePlatform,
  GUILD,
  input,
  makeApp,
  member,
  OTHER_GUILD,
  OTHER_GUILD_CHANNEL,
  RecordingTransport,
  complete,
  run,
  type TestApp,
} from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(async () => t?.close());
afterEach(async () => {
  for (const s of await t.app.subscriptions.list()) await t.app.subscriptions.remove(s.id, 'unsubscribed');
});

const platform = () => fakePlatform({ [CHANNEL_NO_PERMS.id]: { ok: false, missing: ['Send Messages', 'Embed Links'] } });

const subscribe = (options: Record<string, unknown>, overrides = {}) =>
  input('subscribe', { channel: CHANNEL, time: '08:00', timezone: 'Europe/Rome', ...options } as never, overrides);

async function snapshot(): Promise<Subscription[]> {
  return t.app.subscriptions.list();
}

describe('/briefing subscribe', () => {
  it('subscribes a channel after checking the bot can post there', async () => {
    const p = platform();
    const reply = await run(briefing, t.app, subscribe({ topics: 'China, defence', format: 'compact', empty: 'notice' }), p);
    expect(p.checked).toEqual([{ guildId: GUILD, channelId: CHANNEL.id }]);
    expect(reply.cards![0]!.title).toBe('Briefing scheduled for #briefings');
    expect(reply.cards![0]!.description).toContain('Every day at 08:00 (Europe/Rome)');
    expect(reply.cards![0]!.description).toContain('topics: China, defence');
    const stored = await t.app.subscriptions.get(GUILD, CHANNEL.id);
    expect(stored).toMatchObject({
      guildId: GUILD,
      channelId: CHANNEL.id,
      schedule: { kind: 'daily', time: '08:00', timezone: 'Europe/Rome' },
      filters: { topics: ['China', 'defence'] },
      format: 'compact',
      emptyPolicy: 'notice',
      createdBy: '300000000000000001',
    });
  });

  it('updates an existing subscription and accepts a cron expression in time', async () => {
    await run(briefing, t.app, subscribe({}), platform());
    const reply = await run(briefing, t.app, subscribe({ time: '30 7 * * 1-5', timezone: 'America/New_York' }), platform());
    expect(reply.cards![0]!.title).toBe('Briefing updated for #briefings');
    expect(reply.cards![0]!.description).toMatch(/Monday through Friday.*\(America\/New_York\)/);
    expect((await t.app.subscriptions.get(GUILD, CHANNEL.id))!.schedule).toEqual({ kind: 'cron', cron: '30 7 * * 1-5', timezone: 'America/New_York' });
  });

  it.each([
    ['an invalid time', subscribe({ time: '25:00' }), /HH:MM/],
    ['an unknown timezone', subscribe({ timezone: 'Mars/Base' }), /Unknown timezone "Mars\/Base"/],
    ['an invalid cron expression', subscribe({ time: '61 8 * * *' }), /cron/i],
    ['a cron expression with 6 fields', subscribe({ time: '0 0 8 * * *' }), /Cron must have 5 fields/],
    ['a channel of another server', subscribe({ channel: OTHER_GUILD_CHANNEL }), /#elsewhere belongs to another server/],
    ['a member without Manage Server/Channels', subscribe({}, { invoker: member }), /Manage Server or Manage Channels/],
    [
      'a channel where the bot lacks permissions',
      subscribe({ channel: CHANNEL_NO_PERMS }),
      "I can't post in #locked: missing Send Messages and Embed Links. Give me these permissions there and try again.",
    ],
    ['a direct message', subscribe({}, { guildId: undefined }), /only works inside a server/],
    ['an unknown format', subscribe({ format: 'huge' }), /compact, full/],
  ])('refuses %s with a specific error and changes nothing', async (_label, commandInput, message) => {
    await run(briefing, t.app, subscribe({ channel: { id: '200000000000000005', name: 'other', guildId: GUILD } }), platform());
    const before = await snapshot();
    const error = await run(briefing, t.app, commandInput, platform()).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });

  it('does not check permissions before the invoker is a moderator and the input is valid', async () => {
    const p = platform();
    await expect(run(briefing, t.app, subscribe({}, { invoker: member }), p)).rejects.toThrow(UserError);
    await expect(run(briefing, t.app, subscribe({ channel: CHANNEL_NO_PERMS, time: '7h' }), p)).rejects.toThrow(/HH:MM/);
    expect(p.checked).toEqual([]);
  });
});

describe('/briefing unsubscribe and list', () => {
  it('lists only this server’s subscriptions, open to members', async () => {
    await run(briefing, t.app, subscribe({}), platform());
    await t.app.subscriptions.subscribe({ guildId: OTHER_GUILD, channelId: OTHER_GUILD_CHANNEL.id, time: '09:00', timezone: 'UTC', createdBy: 'x' });
    const reply = await run(briefing, t.app, input('list', {}, { invoker: member }), platform());
    expect(reply.ephemeral).toBe(true);
    expect(reply.cards![0]!.fields!.map((f) => f.name)).toEqual([`<#${CHANNEL.id}>`]);
    expect(reply.cards![0]!.fields![0]!.value).toContain('Every day at 08:00 (Europe/Rome)');
  });

  it('shows a paused subscription with its reason', async () => {
    const sub = (await run(briefing, t.app, subscribe({}), platform())) && (await t.app.subscriptions.get(GUILD, CHANNEL.id))!;
    await t.app.subscriptions.pause(sub.id, 'Missing Permissions (50013)');
    const reply = await run(briefing, t.app, input('list'), platform());
    expect(reply.cards![0]!.fields![0]!.value).toMatch(/PAUSED since .*: Missing Permissions \(50013\)/);
  });

  it('unsubscribes, and explains when there is nothing to stop', async () => {
    await run(briefing, t.app, subscribe({}), platform());
    const reply = await run(briefing, t.app, input('unsubscribe', { channel: CHANNEL }), platform());
    expect(reply.content).toBe('Stopped the briefing in #briefings (every day at 08:00 (Europe/Rome)).');
    expect(await t.app.subscriptions.get(GUILD, CHANNEL.id)).toBeUndefined();
    await expect(run(briefing, t.app, input('unsubscribe', { channel: CHANNEL }), platform())).rejects.toThrow('#briefings has no briefing to stop.');
  });

  it('keeps members from unsubscribing and from touching another server', async () => {
    await run(briefing, t.app, subscribe({}), platform());
    await expect(run(briefing, t.app, input('unsubscribe', { channel: CHANNEL }, { invoker: member }), platform())).rejects.toThrow(/Manage Server/);
    await expect(run(briefing, t.app, input('unsubscribe', { channel: { ...CHANNEL, guildId: OTHER_GUILD } }), platform())).rejects.toThrow(/another server/);
    expect(await t.app.subscriptions.get(GUILD, CHANNEL.id)).toBeDefined();
  });
});

describe('/briefing preview and send-now', () => {
  it('previews all new reports ephemerally when the channel has no subscription', async () => {
    const reply = await run(briefing, t.app, input('preview', {}, { invoker: member }), platform());
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('no briefing subscription');
    expect(JSON.stringify(reply.cards)).toContain('China’s defence cooperation with Russia and Belarus');
  });

  it('refuses to preview an explicitly named channel without a subscription', async () => {
    await expect(run(briefing, t.app, input('preview', { channel: CHANNEL }), platform())).rejects.toThrow(
      '#briefings has no briefing. Set one up with /briefing subscribe.',
    );
  });

  it('previews a subscribed channel’s briefing', async () => {
    await run(briefing, t.app, subscribe({ empty: 'notice' }), platform());
    const reply = await run(briefing, t.app, input('preview', { channel: CHANNEL }), platform());
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/^Preview of the next briefing for #briefings \(only you see it\)\./);
    expect(reply.cards!.length).toBeGreaterThan(0);
  });

  it('sends now through the platform transport', async () => {
    // Nothing is new since subscribing: with empty: notice, send-now still posts (skip would post nothing).
    await run(briefing, t.app, subscribe({ empty: 'notice' }), platform());
    const transport = new RecordingTransport();
    const reply = await run(briefing, t.app, input('send-now', { channel: CHANNEL }), fakePlatform({}, transport));
    expect(transport.sent.length).toBeGreaterThan(0);
    expect(transport.sent.every((m) => m.channelId === CHANNEL.id)).toBe(true);
    expect(reply.content).toMatch(/^Posted the briefing in #briefings \(\d+ messages?\)\.$/);
  });

  it('refuses send-now for members, unsubscribed channels and channels without permissions', async () => {
    const transport = new RecordingTransport();
    await expect(run(briefing, t.app, input('send-now', { channel: CHANNEL }), fakePlatform({}, transport))).rejects.toThrow(/has no briefing/);
    await run(briefing, t.app, subscribe({}), platform());
    await expect(run(briefing, t.app, input('send-now', { channel: CHANNEL }, { invoker: member }), fakePlatform({}, transport))).rejects.toThrow(
      /Manage Server/,
    );
    await expect(
      run(briefing, t.app, input('send-now', { channel: CHANNEL }), fakePlatform({ [CHANNEL.id]: { ok: false, missing: ['View Channel'] } }, transport)),
    ).rejects.toThrow("I can't post in #briefings: missing View Channel.");
    expect(transport.sent).toEqual([]);
  });
});

describe('/briefing definition and autocomplete', () => {
  it('is guild-only with moderator subcommands marked', () => {
    expect(briefing.data.contexts).toEqual([0]);
    const moderatorOnly = Object.entries(briefing.subcommands!)
      .filter(([, s]) => s.moderator)
      .map(([name]) => name);
    expect(moderatorOnly).toEqual(['subscribe', 'unsubscribe', 'send-now']);
  });

  it('completes timezones by city, at most 25', async () => {
    const at = (value: string) => complete(briefing, t.app, { subcommand: 'subscribe', focused: { name: 'timezone', value } });
    const rome = await at('rome');
    expect(rome[0]).toEqual({ name: 'Europe/Rome', value: 'Europe/Rome' });
    const ny = await at('new york');
    expect(ny[0]!.value).toBe('America/New_York');
    const any = await at('');
    expect(any).toHaveLength(25);
    expect(any[0]!.value).toBe('UTC');
  });
});

describe('/briefing list after the bot removed a subscription', () => {
  it('tells moderators which channel lost its briefing and why', async () => {
    await run(briefing, t.app, subscribe({}), platform());
    const sub = (await t.app.subscriptions.get(GUILD, CHANNEL.id))!;
    await t.app.subscriptions.remove(sub.id, 'the channel was deleted (Unknown Channel, 10003)');
    const reply = await run(briefing, t.app, input('list'), platform());
    expect(reply.content).toContain('No briefings in this server yet');
    expect(reply.cards![0]!.fields).toEqual([
      { name: 'Recently removed', value: `<#${CHANNEL.id}> on 27 Nov 2026: the channel was deleted (Unknown Channel, 10003)` },
    ]);
  });
});
