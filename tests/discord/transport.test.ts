import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordBriefingTransport } from '../../src/discord/transport.ts';
import { deliveryError, expectSafePayloads, startHarness, type Harness } from './harness.ts';
import { messageProblems } from '../support/discord/limits.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ commands: [] });
});
afterAll(async () => {
  await h?.close();
});

describe('DiscordBriefingTransport', () => {
  it('renders a composed briefing within limits and posts it without mentions', async () => {
    const briefing = await h.app.briefings.composeLatest({ timezone: 'Europe/Rome' });
    const messages = h.bot.transport.renderBriefing(briefing);
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      expect(m.ephemeral).toBe(false);
      expect(messageProblems(m)).toEqual([]);
    }
    const ids: string[] = [];
    for (const m of messages) ids.push((await h.bot.transport.send(h.channelId, m)).messageId);
    const posted = h.fake.messages(h.channelId);
    expect(posted.map((p) => p.id)).toEqual(ids);
    expect(posted.every((p) => JSON.stringify(p.allowed_mentions) === '{"parse":[]}')).toBe(true);
    expectSafePayloads(h.fake);
  });

  it('sends the nonce with enforce_nonce so a repeated part is not posted twice', async () => {
    const before = h.fake.messages(h.channelId).length;
    const message = { content: 'part 1 of the briefing', embeds: [], ephemeral: false };
    const first = await h.bot.transport.send(h.channelId, message, { nonce: 'claim-abc:0' });
    const again = await h.bot.transport.send(h.channelId, message, { nonce: 'claim-abc:0' });
    expect(again.messageId).toBe(first.messageId);
    expect(h.fake.messages(h.channelId).length).toBe(before + 1);
    const sent = h.fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${h.channelId}/messages`).at(-1);
    expect(sent?.body).toMatchObject({ nonce: 'claim-abc:0', enforce_nonce: true, allowed_mentions: { parse: [] } });
  });

  it('maps 50013 Missing Permissions to forbidden', async () => {
    const denied = h.fake.addChannel(h.guild.id, { name: 'read-only', botDeny: ['SendMessages'] });
    const error = await deliveryError(h.bot.transport.send(denied.id, { content: 'hi', embeds: [], ephemeral: false }));
    expect(error).toMatchObject({ kind: 'forbidden', code: 50013, status: 403 });
    expect(error.message).toMatch(/Send Messages/);
  });

  it('maps 50001 Missing Access to forbidden', async () => {
    const hidden = h.fake.addChannel(h.guild.id, { name: 'hidden', botDeny: ['ViewChannel'] });
    const error = await deliveryError(h.bot.transport.send(hidden.id, { content: 'hi', embeds: [], ephemeral: false }));
    expect(error).toMatchObject({ kind: 'forbidden', code: 50001 });
  });

  it('maps 10003 Unknown Channel to not_found', async () => {
    const error = await deliveryError(h.bot.transport.send('123456789012345678', { content: 'hi', embeds: [], ephemeral: false }));
    expect(error).toMatchObject({ kind: 'not_found', code: 10003, status: 404 });
  });

  it('maps repeated 5xx (after discord.js retries) to transient', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 502, times: 10 });
    const error = await deliveryError(h.bot.transport.send(h.channelId, { content: 'hi', embeds: [], ephemeral: false }));
    h.fake.clearFailures();
    expect(error.kind).toBe('transient');
    expect(error.status).toBe(502);
  });

  it('waits out a 429 with real rate-limit headers and delivers', async () => {
    const before = h.fake.requests.length;
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 429, retryAfter: 0.2 });
    const { messageId } = await h.bot.transport.send(h.channelId, { content: 'after the limit', embeds: [], ephemeral: false });
    expect(h.fake.messages(h.channelId).at(-1)?.id).toBe(messageId);
    const attempts = h.fake.requests.slice(before).filter((r) => r.path === `/channels/${h.channelId}/messages`);
    expect(attempts.length).toBe(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(150);
  });

  it('notifies moderators in the system channel, and stays silent (no throw) where it cannot post', async () => {
    const system = h.guild.systemChannelId!;
    const before = h.fake.messages(system).length;
    await h.bot.transport.notifyModerators(h.guild.id, 'Briefing in #news paused: I lost Send Messages there. @everyone');
    const note = h.fake.messages(system).at(-1);
    expect(h.fake.messages(system).length).toBe(before + 1);
    expect(note?.content).toMatch(/paused/);
    expect(note?.content).not.toMatch(/(?<!\u200b)@everyone/);

    const quiet = h.fake.addGuild({ name: 'Quiet', botPermissions: ['ViewChannel'], everyonePermissions: ['ViewChannel'] });
    await h.fake.waitFor(() => h.bot.client.guilds.cache.has(quiet.id));
    const requests = h.fake.requests.length;
    await expect(h.bot.transport.notifyModerators(quiet.id, 'note')).resolves.toBeUndefined();
    // It may look the channel up, but posts nothing where it cannot send.
    expect(h.fake.requests.slice(requests).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(h.fake.messages(quiet.systemChannelId!)).toEqual([]);
    await expect(h.bot.transport.notifyModerators('999999999999999999', 'note')).resolves.toBeUndefined();
  });

  it('uses presentBriefing by default and accepts another presenter', () => {
    const custom = new DiscordBriefingTransport(h.bot.client, () => ({ content: '<@123> custom' }));
    const [message] = custom.renderBriefing({ title: 't', date: '2026-11-27', timezone: 'UTC', format: 'compact', topActors: [], items: [] });
    expect(message!.content).toBe('<\u200b@123> custom');
  });
});

describe('DiscordPlatform.channelAccess', () => {
  it('accepts a text channel of the guild where the bot can view, send and embed', async () => {
    expect(await h.bot.platform.channelAccess(h.guild.id, h.channelId)).toEqual({ ok: true, missing: [] });
  });

  it('lists missing permissions by their Discord names', async () => {
    const channel = h.fake.addChannel(h.guild.id, { name: 'no-embeds', botDeny: ['EmbedLinks'] });
    await h.fake.waitFor(() => h.bot.client.channels.cache.has(channel.id));
    expect(await h.bot.platform.channelAccess(h.guild.id, channel.id)).toEqual({ ok: false, missing: ['Embed Links'] });
  });

  it('refuses unknown channels, voice channels, other guilds and guilds the bot is not in', async () => {
    expect(await h.bot.platform.channelAccess(h.guild.id, '123456789012345678')).toMatchObject({ ok: false, reason: expect.stringMatching(/does not exist/) });
    const voice = h.fake.addChannel(h.guild.id, { name: 'voice', type: 2 });
    await h.fake.waitFor(() => h.bot.client.channels.cache.has(voice.id));
    expect(await h.bot.platform.channelAccess(h.guild.id, voice.id)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a text/) });
    const other = h.fake.addGuild({ name: 'Elsewhere' });
    await h.fake.waitFor(() => h.bot.client.guilds.cache.has(other.id));
    expect((await h.bot.platform.channelAccess(h.guild.id, other.systemChannelId!)).ok).toBe(false);
    expect((await h.bot.platform.channelAccess('999999999999999999', h.channelId)).reason).toMatch(/not in that server/);
  });
});
