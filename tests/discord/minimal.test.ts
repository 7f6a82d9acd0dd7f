/**
 * The key flows against a bare but spec-conforming Discord server (`minimal: true`): no rate-limit headers,
 * 204 interaction callbacks, READY with unavailable guilds and GUILD_CREATE without members or channels,
 * resolved channels with only id / name / type / permissions, no resume_gateway_url. Sitrep will meet
 * servers like this, written by others from Discord's documentation alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCommands } from '../../src/discord/commands.ts';
import { createDiscordClient } from '../../src/discord/client.ts';
import { restApiBase } from '../../src/discord/rest.ts';
import { runDeployCommands } from '../../src/discord/admin.ts';
import { deliveryError, expectSafePayloads, SEED_ID, startHarness, textOf, type Harness } from './harness.ts';

let h: Harness;
/** Channels that exist before the bot logs in: it only ever learns their overwrites over REST. */
let early: { noEmbeds: string; hidden: string; allowed: string };

beforeAll(async () => {
  h = await startHarness({
    commands: await loadCommands(),
    fake: { minimal: true, gatewayHeartbeatMs: 300 },
    beforeLogin(fake, guild) {
      early = {
        noEmbeds: fake.addChannel(guild.id, { name: 'no-embeds', botDeny: ['EmbedLinks'] }).id,
        hidden: fake.addChannel(guild.id, { name: 'hidden', everyoneDeny: ['ViewChannel'] }).id,
        // @everyone cannot see it, a member overwrite lets the bot in.
        allowed: fake.addChannel(guild.id, { name: 'staff', everyoneDeny: ['ViewChannel'], botAllow: ['ViewChannel'] }).id,
      };
    },
  });
});
afterAll(async () => {
  await h?.close();
});

const asModerator = () => ({ userId: h.moderator.id });

describe('against a minimal Discord-compatible server', () => {
  it('logs in although GUILD_CREATE carries no members or channels', () => {
    expect(h.bot.client.isReady()).toBe(true);
    expect(h.bot.client.guilds.cache.has(h.guild.id)).toBe(true);
    expect(h.bot.client.guilds.cache.get(h.guild.id)!.members.me).toBeNull();
  });

  it('answers /report show through autocomplete and a 204 callback', async () => {
    const choices = await h.fake
      .autocomplete({
        guildId: h.guild.id,
        channelId: h.channelId,
        userId: h.member.id,
        name: 'report',
        subcommand: 'show',
        options: { report: 'china' },
        focused: 'report',
      })
      .choices();
    const pick = choices.find((c) => /China/.test(c.name));
    expect(pick).toBeDefined();
    const reply = await h.run({ name: 'report', subcommand: 'show', options: { report: String(pick!.value) } }).reply();
    expect(reply.embeds[0].title).toMatch(/China/);
  });

  it('defers /summarise and edits @original', async () => {
    const handle = h.run({ name: 'summarise', options: { report: SEED_ID, length: 'brief' } });
    const reply = await handle.reply(20_000);
    expect(handle.callbacks[0]!.type).toBe(5);
    expect(reply.embeds[0].title).toMatch(/^Summary: /);
  });

  it('checks the bot permissions over REST and subscribes a channel it can post in', async () => {
    const sub = await h
      .run({
        name: 'briefing',
        subcommand: 'subscribe',
        ...asModerator(),
        options: { channel: { channel: h.channelId }, time: '08:00', timezone: 'Europe/Rome' },
      })
      .reply();
    expect(sub.ephemeral ?? false).toBe(false);
    expect(textOf(sub)).toMatch(/08:00/);
    expect((await h.app.subscriptions.list(h.guild.id)).map((s) => s.channelId)).toEqual([h.channelId]);
    // The bot asked Discord for what GUILD_CREATE left out.
    expect(h.fake.requests.some((r) => r.method === 'GET' && r.path === `/guilds/${h.guild.id}/members/${h.fake.botUser.id}`)).toBe(true);
    expect(h.fake.requests.some((r) => r.method === 'GET' && r.path === `/channels/${h.channelId}`)).toBe(true);
  });

  it('honours channel overwrites it only learns over REST (member deny, @everyone deny)', async () => {
    const noEmbeds = { id: early.noEmbeds };
    const hidden = { id: early.hidden };
    const a = await h
      .run({ name: 'briefing', subcommand: 'subscribe', ...asModerator(), options: { channel: { channel: noEmbeds.id }, time: '08:00', timezone: 'UTC' } })
      .reply();
    expect(a.ephemeral).toBe(true);
    expect(a.content).toMatch(/Embed Links/);
    const b = await h
      .run({ name: 'briefing', subcommand: 'subscribe', ...asModerator(), options: { channel: { channel: hidden.id }, time: '08:00', timezone: 'UTC' } })
      .reply();
    expect(b.ephemeral).toBe(true);
    expect(b.content).toMatch(/View Channel|can't see/);
    expect((await h.app.subscriptions.list(h.guild.id)).map((s) => s.channelId)).toEqual([h.channelId]);
    expect(await h.bot.platform.channelAccess(h.guild.id, early.allowed)).toEqual({ ok: true, missing: [] });
  });

  it('subscribes the channel the command runs in (interaction channel without guild_id)', async () => {
    const here = h.fake.addChannel(h.guild.id, { name: 'here' });
    const reply = await h.fake
      .command({
        guildId: h.guild.id,
        channelId: here.id,
        userId: h.moderator.id,
        name: 'briefing',
        subcommand: 'subscribe',
        options: { channel: { channel: here.id }, time: '09:00', timezone: 'UTC' },
      })
      .reply();
    expect(textOf(reply)).toMatch(/09:00/);
    expect((await h.app.subscriptions.list(h.guild.id)).map((s) => s.channelId)).toContain(here.id);
  });

  it('serves a guild the gateway never announced (interaction and channel known only over REST)', async () => {
    const quiet = h.fake.addGuild({ name: 'Quiet', hidden: true });
    const room = h.fake.addChannel(quiet.id, { name: 'room' });
    const mod = h.fake.addMember(quiet.id, { username: 'quietmod', permissions: ['ManageChannels'] }).user;
    expect(h.bot.client.guilds.cache.has(quiet.id)).toBe(false);
    const reply = await h.fake
      .command({
        guildId: quiet.id,
        channelId: room.id,
        userId: String(mod.id),
        name: 'briefing',
        subcommand: 'subscribe',
        options: { channel: { channel: room.id }, time: '07:30', timezone: 'UTC' },
      })
      .reply();
    expect(textOf(reply)).toMatch(/07:30/);
    expect((await h.app.subscriptions.list(quiet.id)).map((s) => s.channelId)).toEqual([room.id]);
    const list = await h.fake.command({ guildId: quiet.id, channelId: room.id, userId: String(mod.id), name: 'briefing', subcommand: 'list' }).reply();
    expect(textOf(list)).toContain(`<#${room.id}>`);
  });

  it('knows the channel a command runs in from channel_id alone', async () => {
    const preview = await h.run({ name: 'briefing', subcommand: 'preview' }).reply(20_000);
    expect(preview.content).toMatch(/next briefing for this channel/);
  });

  it('posts a briefing now', async () => {
    const before = h.fake.messages(h.channelId).length;
    const sent = await h.run({ name: 'briefing', subcommand: 'send-now', ...asModerator(), options: { channel: { channel: h.channelId } } }).reply(20_000);
    expect(sent.content).toMatch(/Posted|Nothing was posted/);
    if (/Posted/.test(sent.content)) expect(h.fake.messages(h.channelId).length).toBeGreaterThan(before);
    expectSafePayloads(h.fake);
  });

  it('notifies moderators in the system channel it only knows over REST', async () => {
    const system = h.guild.systemChannelId!;
    const before = h.fake.messages(system).length;
    await h.bot.transport.notifyModerators(h.guild.id, 'Briefings for #news are paused: I lost Send Messages there.');
    const posted = h.fake.messages(system).slice(before);
    expect(posted.map((m) => m.content)).toEqual(['Briefings for #news are paused: I lost Send Messages there.']);
  });

  it("treats the server owner as a moderator even when member.permissions doesn't say so", async () => {
    const reply = await h.fake
      .command({
        guildId: h.guild.id,
        channelId: h.channelId,
        userId: h.guild.ownerId,
        memberPermissions: 0n,
        name: 'briefing',
        subcommand: 'send-now',
        options: { channel: { channel: h.channelId } },
      })
      .reply(20_000);
    expect(reply.content ?? '').not.toMatch(/for moderators/);
    const member = await h.run({ name: 'briefing', subcommand: 'send-now', memberPermissions: 0n, options: { channel: { channel: h.channelId } } }).reply();
    expect(member.content).toMatch(/for moderators/);
  });

  it('works out a moderator from their roles when member.permissions is missing', async () => {
    const reply = await h
      .run({ name: 'briefing', subcommand: 'send-now', userId: h.moderator.id, memberPermissions: null, options: { channel: { channel: h.channelId } } })
      .reply(20_000);
    expect(reply.content).not.toMatch(/for moderators/);
    const member = await h.run({ name: 'briefing', subcommand: 'send-now', memberPermissions: null, options: { channel: { channel: h.channelId } } }).reply();
    expect(member.content).toMatch(/for moderators/);
  });

  it('accepts DISCORD_API_URL written with the API version, as Discord documents it', () => {
    expect(restApiBase(`${h.fake.apiUrl}/v10/`)).toBe(h.fake.apiUrl);
    expect(restApiBase('https://discord.example/api')).toBe('https://discord.example/api');
    expect(createDiscordClient({ DISCORD_API_URL: `${h.fake.apiUrl}/v10` }).options.rest?.api).toBe(h.fake.apiUrl);
  });

  it('answers in a DM', async () => {
    const reply = await h.fake.command({ channelId: '123456789012345670', userId: h.member.id, name: 'report', subcommand: 'latest' }).reply();
    expect(textOf(reply).length).toBeGreaterThan(0);
  });

  it('keeps the gateway alive with heartbeats the server acknowledges', async () => {
    const identifies = h.fake.identifies;
    await h.fake.waitFor(() => h.fake.heartbeats >= 2, 5_000);
    expect(h.fake.identifies).toBe(identifies);
    expect(h.fake.connectedShards).toBe(1);
  });

  it('resumes without resume_gateway_url after the gateway drops', async () => {
    const before = h.fake.identifies;
    h.fake.disconnectAll(4000);
    await h.fake.waitFor(() => h.fake.identifies > before && h.fake.connectedShards === 1, 10_000);
    const reply = await h.run({ name: 'report', subcommand: 'search', options: { query: 'Belarus' } }).reply();
    expect(reply.embeds[0]?.title).toMatch(/Belarus/);
  });
});

describe('bare REST failures', () => {
  const plain = { content: 'hello', embeds: [], ephemeral: false };

  it('waits out a 429 that carries only Retry-After', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 429, retryAfter: 0.2, rateLimitStyle: 'bare' });
    const from = h.fake.requests.length;
    await h.bot.transport.send(h.channelId, plain);
    const tries = h.fake.requests.slice(from).filter((r) => r.path === `/channels/${h.channelId}/messages`);
    expect(tries).toHaveLength(2);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(180);
  });

  it('waits out a 429 that gives retry_after only in the JSON body', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 429, retryAfter: 0.2, rateLimitStyle: 'body-only' });
    const from = h.fake.requests.length;
    await h.bot.transport.send(h.channelId, plain);
    const tries = h.fake.requests.slice(from).filter((r) => r.path === `/channels/${h.channelId}/messages`);
    expect(tries).toHaveLength(2);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(180);
  });

  it('does not hammer a server that answers 429 with no hint at all', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 429, rateLimitStyle: 'none' });
    const from = h.fake.requests.length;
    await h.bot.transport.send(h.channelId, plain);
    const tries = h.fake.requests.slice(from).filter((r) => r.path === `/channels/${h.channelId}/messages`);
    expect(tries).toHaveLength(2);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(500);
  });

  it('fails a send as rate_limited instead of waiting minutes', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 429, retryAfter: 600, rateLimitStyle: 'bare' });
    const error = await deliveryError(h.bot.transport.send(h.channelId, plain));
    expect(error.kind).toBe('rate_limited');
    // The bucket is not left blocked for later sends.
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 404, code: 10003 });
    expect((await deliveryError(h.bot.transport.send(h.channelId, plain))).kind).toBe('not_found');
  });

  it('deploys commands where only GET /applications/@me exists and PUT answers without a list', async () => {
    h.fake.failNext({ method: 'GET', path: '/oauth2/applications/@me', status: 404, code: 0, message: '404: Not Found' });
    h.fake.failNext({ method: 'PUT', path: `/applications/${h.fake.applicationId}/guilds/${h.guild.id}/commands`, status: 204, body: 'none' });
    const out = await runDeployCommands({ guild: h.guild.id }, async () => h.app);
    expect(out).toMatch(/Registered 6 commands in server/);
    expect(h.fake.requests.some((r) => r.method === 'GET' && r.path === '/applications/@me')).toBe(true);
  });

  it('maps a 5xx without a body to transient', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 502, body: 'none', times: 4 });
    expect((await deliveryError(h.bot.transport.send(h.channelId, plain))).kind).toBe('transient');
  });

  it('maps a 403 without a body to forbidden, with a message a moderator can act on', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 403, body: 'none' });
    const error = await deliveryError(h.bot.transport.send(h.channelId, plain));
    expect(error.kind).toBe('forbidden');
    expect(error.message).toMatch(/permission/i);
  });

  it('maps a 404 without a code to not_found only when the channel is gone too', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 404, body: 'text', message: 'Not Found' });
    h.fake.failNext({ method: 'GET', path: `/channels/${h.channelId}`, status: 404, body: 'none' });
    expect((await deliveryError(h.bot.transport.send(h.channelId, plain))).kind).toBe('not_found');
    // An unknown route (Discord: 404 with code 0) while the channel still exists must not remove the subscription.
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 404, code: 0, message: '404: Not Found' });
    expect((await deliveryError(h.bot.transport.send(h.channelId, plain))).kind).toBe('other');
  });

  it('maps a bare 50001 / 10003 JSON error by its code', async () => {
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 403, code: 50001 });
    expect((await deliveryError(h.bot.transport.send(h.channelId, plain))).kind).toBe('forbidden');
    h.fake.failNext({ method: 'POST', path: `/channels/${h.channelId}/messages`, status: 404, code: 10003 });
    expect((await deliveryError(h.bot.transport.send(h.channelId, plain))).kind).toBe('not_found');
  });

  it('tells the user what to do when a reply fails with a bare 403', async () => {
    const handle = h.run({ name: 'summarise', options: { report: SEED_ID, length: 'brief' } });
    h.fake.failNext({ method: 'PATCH', path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/, status: 403, body: 'none' });
    await handle.followupsAtLeast(1, 20_000);
    expect(handle.followups[0]!.content).toMatch(/permission/i);
    expect(handle.followups[0]!.content).not.toMatch(/error id/);
  });
});
