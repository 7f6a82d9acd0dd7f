/**
 * The shard-aware Discord-compatible server and discord.js sharding: each session receives only the guilds
 * (events, interactions) of its shard, and the server behaves like Discord on callbacks, message posts,
 * the global limit and nonces.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Events, type Client } from 'discord.js';
import { startFakeDiscord, shardOf, type FakeDiscord, type FakeDiscordOptions } from '../support/discord/server.ts';
import { createDiscordClient, type GatewayPlan } from '../../src/discord/client.ts';
import { backoffDelay, GatewayBackoff } from '../../src/discord/gateway.ts';

let fake: FakeDiscord | undefined;
let clients: Client[] = [];
afterEach(async () => {
  for (const c of clients) await c.destroy();
  clients = [];
  await fake?.close();
  fake = undefined;
});

async function login(f: FakeDiscord, gateway: GatewayPlan): Promise<Client> {
  const c = createDiscordClient({ DISCORD_API_URL: f.apiUrl }, { gateway });
  clients.push(c);
  const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
  await c.login(f.token);
  await ready;
  return c;
}

async function start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  fake = await startFakeDiscord(options);
  return fake;
}

function interactionsOf(client: Client): string[] {
  const seen: string[] = [];
  client.on(Events.InteractionCreate, (i) => void seen.push(i.guildId ?? 'dm'));
  return seen;
}

async function api(f: FakeDiscord, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${f.apiUrl}/v10${path}`, {
    method,
    headers: { authorization: `Bot ${f.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('shard-aware fake Discord', () => {
  it('sends each guild, its events and its interactions only to the session of its shard', async () => {
    const f = await start({ shards: 2, maxConcurrency: 16 });
    const g0 = f.addGuild({ id: f.guildIdOnShard(0, 2), name: 'on shard 0' });
    const g1 = f.addGuild({ id: f.guildIdOnShard(1, 2), name: 'on shard 1' });
    expect([shardOf(g0.id, 2), shardOf(g1.id, 2)]).toEqual([0, 1]);
    const a = await login(f, { shards: [0], shardCount: 2 });
    const b = await login(f, { shards: [1], shardCount: 2 });
    expect(f.sessions.map((s) => s.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect([...a.guilds.cache.keys()]).toEqual([g0.id]);
    expect([...b.guilds.cache.keys()]).toEqual([g1.id]);

    const seenA = interactionsOf(a);
    const seenB = interactionsOf(b);
    const toB = f.command({ guildId: g1.id, channelId: g1.systemChannelId!, userId: g1.ownerId, name: 'report' });
    const toA = f.command({ guildId: g0.id, channelId: g0.systemChannelId!, userId: g0.ownerId, name: 'report' });
    const dm = f.command({ channelId: '1', userId: g0.ownerId, name: 'report' });
    await f.waitFor(() => seenA.length + seenB.length === 3, 5_000);
    expect(seenA.sort()).toEqual([g0.id, 'dm'].sort());
    expect(seenB).toEqual([g1.id]);
    expect([toA.shard, toB.shard, dm.shard]).toEqual([0, 1, 0]);

    // A guild joined later is announced to its shard only.
    const late = f.addGuild({ id: f.guildIdOnShard(1, 2), name: 'late' });
    await f.waitFor(() => b.guilds.cache.has(late.id), 5_000);
    expect(a.guilds.cache.has(late.id)).toBe(false);
  });

  it("shards itself as the server recommends when no shards are given (discord.js 'auto')", async () => {
    const f = await start({ shards: 3, maxConcurrency: 16 });
    const ids = [0, 1, 2].map((s) => f.addGuild({ id: f.guildIdOnShard(s, 3) }).id);
    const c = await login(f, { shards: 'auto' });
    expect(c.ws.shards.size).toBe(3);
    expect(f.sessions.map((s) => s.shard[0]).sort()).toEqual([0, 1, 2]);
    expect([...c.guilds.cache.keys()].sort()).toEqual([...ids].sort());
    expect(c.guilds.cache.get(ids[2]!)?.shardId).toBe(2);
  });

  it('refuses a second callback for one interaction with 40060', async () => {
    const f = await start();
    const g = f.addGuild();
    const handle = f.command({ guildId: g.id, channelId: g.systemChannelId!, userId: g.ownerId, name: 'report' });
    const path = `/interactions/${handle.id}/${handle.token}/callback`;
    const first = await api(f, 'POST', path, { type: 4, data: { content: 'one', allowed_mentions: { parse: [] } } });
    const second = await api(f, 'POST', path, { type: 4, data: { content: 'two', allowed_mentions: { parse: [] } } });
    expect(first.status).toBe(204);
    expect(second).toMatchObject({ status: 400, body: { code: 40060 } });
    expect(handle.callbacks.length).toBe(1);
  });

  it('slows and fails message posts on demand', async () => {
    const f = await start();
    const g = f.addGuild();
    const channel = g.systemChannelId!;
    f.messagePosts = { latencyMs: 150 };
    const t0 = Date.now();
    expect((await api(f, 'POST', `/channels/${channel}/messages`, { content: 'slow' })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    f.messagePosts = { failureRate: 1, failureStatus: 502 };
    expect((await api(f, 'POST', `/channels/${channel}/messages`, { content: 'lost' })).status).toBe(502);
    // Other routes are untouched, and nothing was stored for the failed post.
    expect((await api(f, 'GET', `/channels/${channel}`)).status).toBe(200);
    expect(f.messages(channel).map((m) => m.content)).toEqual(['slow']);
    let n = 0;
    f.messagePosts = { failureRate: 0.5, random: () => (n++ % 2 === 0 ? 0.1 : 0.9) };
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(f, 'POST', `/channels/${channel}/messages`, { content: `m${i}` })).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
  });

  it('enforces a global limit per second with 429 and retry_after, and counts them', async () => {
    const f = await start({ rateLimitPerSecond: 3 });
    const g = f.addGuild();
    const answers = await Promise.all(Array.from({ length: 6 }, () => api(f, 'GET', `/channels/${g.systemChannelId}`)));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(3);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    for (const a of limited) {
      expect(a.body.global).toBe(true);
      expect(a.body.retry_after).toBeGreaterThan(0);
      expect(a.body.retry_after).toBeLessThanOrEqual(1);
    }
    expect(f.rateLimitedCount).toBe(limited.length);
  });

  it('honours nonce + enforce_nonce: a repeat returns the first message, without enforce_nonce it posts again', async () => {
    const f = await start();
    const g = f.addGuild();
    const path = `/channels/${g.systemChannelId}/messages`;
    const first = await api(f, 'POST', path, { content: 'part 1', nonce: 'claim-1:0', enforce_nonce: true });
    const again = await api(f, 'POST', path, { content: 'part 1', nonce: 'claim-1:0', enforce_nonce: true });
    const other = await api(f, 'POST', path, { content: 'part 2', nonce: 'claim-1:1', enforce_nonce: true });
    const loose = await api(f, 'POST', path, { content: 'part 1', nonce: 'claim-1:0' });
    expect(again.body.id).toBe(first.body.id);
    expect(other.body.id).not.toBe(first.body.id);
    expect(loose.body.id).not.toBe(first.body.id);
    expect(f.messages(g.systemChannelId!).map((m) => m.content)).toEqual(['part 1', 'part 2', 'part 1']);
  });
});

describe('gateway reconnect backoff', () => {
  it('grows exponentially with jitter inside [½, 1] of the ceiling, capped', () => {
    const policy = { baseMs: 1000, maxMs: 8000 };
    expect(backoffDelay(1, { ...policy, random: () => 0 })).toBe(500);
    expect(backoffDelay(1, { ...policy, random: () => 1 })).toBe(1000);
    expect(backoffDelay(3, { ...policy, random: () => 0 })).toBe(2000);
    expect(backoffDelay(3, { ...policy, random: () => 1 })).toBe(4000);
    expect(backoffDelay(10, { ...policy, random: () => 1 })).toBe(8000);
  });

  it('lets the first attempt through, waits before the next ones, and never connects again once stopped', async () => {
    const waits: number[] = [];
    const backoff = new GatewayBackoff({ baseMs: 40, maxMs: 1000, random: () => 0 }, (_shard, _attempt, delay) => waits.push(delay));
    await backoff.beforeConnect(0);
    const t0 = Date.now();
    await backoff.beforeConnect(0);
    await backoff.beforeConnect(0);
    expect(waits).toEqual([20, 40]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    backoff.stop();
    let connected = false;
    void backoff.beforeConnect(0).then(() => (connected = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(connected).toBe(false);
  });
});
