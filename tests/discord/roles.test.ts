/**
 * `sitrep start --role … --shards …` as real processes against the shard-aware server, and the shared REST
 * proxy (`sitrep proxy`, @discordjs/proxy) keeping several processes inside one global limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REST } from 'discord.js';
import { pino } from 'pino';
import { startFakeDiscord, type FakeDiscord } from '../support/discord/server.ts';
import { parseRole, parseShardPlan } from '../../src/cli/start.ts';
import { startRestProxy } from '../../src/ops/proxy.ts';

const CLI = resolve(import.meta.dirname, '../../src/cli.ts');
let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function startProcess(fake: FakeDiscord, args: string[], env: Record<string, string>): { child: ChildProcess; logs: () => Array<Record<string, any>> } {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-role-'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', ...args], {
    env: {
      ...process.env,
      DISCORD_TOKEN: fake.token,
      DISCORD_API_URL: fake.apiUrl,
      STORE_URL: `sqlite://${join(dir, 's.sqlite')}`,
      BRIEFS_DIR: join(dir, 'none'),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const logs = () =>
    text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  return { child, logs };
}

async function healthz(port: number): Promise<{ status: number; body: any } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined;
  }
}

describe('roles and shard options', () => {
  it('parses --shards/--shard-count (or SHARDS/SHARD_COUNT) and refuses what cannot be right', () => {
    expect(parseShardPlan({}, {})).toEqual({ shards: 'auto' });
    expect(parseShardPlan({ shards: '1, 0,1', shardCount: '4' }, {})).toEqual({ shards: [0, 1], shardCount: 4 });
    expect(parseShardPlan({}, { SHARDS: '2,3', SHARD_COUNT: 4 })).toEqual({ shards: [2, 3], shardCount: 4 });
    expect(parseShardPlan({ shards: '0' }, { SHARDS: '2,3', SHARD_COUNT: 2 })).toEqual({ shards: [0], shardCount: 2 });
    expect(() => parseShardPlan({ shards: '0,1' }, {})).toThrow(/--shard-count/);
    expect(() => parseShardPlan({ shardCount: '4' }, {})).toThrow(/needs --shards/);
    expect(() => parseShardPlan({ shards: '0,4', shardCount: '4' }, {})).toThrow(/shard 4 does not exist/);
    expect(() => parseShardPlan({ shards: 'zero', shardCount: '4' }, {})).toThrow(/separated by commas/);
    expect(() => parseShardPlan({ shards: '0', shardCount: '0' }, {})).toThrow(/whole number/);
    expect(parseRole(undefined)).toBe('all');
    expect(parseRole('Worker')).toBe('worker');
    expect(() => parseRole('leader')).toThrow(/gateway, worker or all/);
  });

  it('a gateway runs only the shards it is given, answers its guilds, and is healthy once they are ready', async () => {
    const fake = await startFakeDiscord({ shards: 2 });
    cleanups.push(() => fake.close());
    const mine = fake.addGuild({ id: fake.guildIdOnShard(1, 2) });
    fake.addGuild({ id: fake.guildIdOnShard(0, 2) });
    const port = await freePort();
    const gateway = startProcess(fake, ['--role', 'gateway', '--shards', '1', '--shard-count', '2'], { METRICS_PORT: String(port) });
    await fake.waitFor(() => fake.connectedShards === 1, 30_000);
    expect(fake.sessions.map((s) => s.shard)).toEqual([[1, 2]]);
    let report: { status: number; body: any } | undefined;
    for (let i = 0; i < 100 && report?.status !== 200; i++) {
      report = await healthz(port);
      if (report?.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(report).toMatchObject({ status: 200, body: { ok: true, checks: { store: { ok: true }, discord: { ok: true } } } });
    const reply = await fake
      .command({ guildId: mine.id, channelId: mine.systemChannelId!, userId: mine.ownerId, name: 'report', subcommand: 'list' })
      .reply(15_000);
    expect(reply).toBeDefined();
    const connected = gateway.logs().find((l) => l.msg === 'connected to Discord');
    expect(connected).toMatchObject({ role: 'gateway', shards: [1], shardCount: 2 });
    expect(typeof connected?.workerId).toBe('string');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^sitrep_gateway_shards_ready 1$/m);
  }, 60_000);

  it('a worker never connects to the gateway and is healthy over REST alone', async () => {
    const fake = await startFakeDiscord();
    cleanups.push(() => fake.close());
    fake.addGuild();
    const port = await freePort();
    const worker = startProcess(fake, ['--role', 'worker'], { METRICS_PORT: String(port) });
    await fake.waitFor(() => worker.logs().some((l) => l.msg === 'running; stop with Ctrl-C or SIGTERM'), 30_000);
    const report = await healthz(port);
    expect(report).toMatchObject({ status: 200, body: { ok: true } });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(fake.gatewayAttempts).toEqual([]);
    expect(fake.requests.some((r) => r.path === '/gateway/bot')).toBe(false);
    expect(worker.logs().every((l) => l.role === 'worker')).toBe(true);
  }, 60_000);
});

describe('shared REST proxy', () => {
  it('forwards every process’s requests with their token and keeps them inside one global limit', async () => {
    const fake = await startFakeDiscord({ rateLimitPerSecond: 10 });
    cleanups.push(() => fake.close());
    const guild = fake.addGuild();
    const channel = guild.systemChannelId!;
    const proxy = await startRestProxy({ upstream: fake.apiUrl, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }), globalRequestsPerSecond: 8 });
    cleanups.push(() => proxy.close());
    // Two "processes" behind the proxy, 12 messages each, all at once.
    const processes = [0, 1].map(() => new REST({ api: proxy.url, retries: 1 }).setToken(fake.token));
    const t0 = Date.now();
    await Promise.all(
      processes.flatMap((rest, p) =>
        Array.from({ length: 12 }, (_, i) => rest.post(`/channels/${channel}/messages`, { body: { content: `p${p}-${i}`, allowed_mentions: { parse: [] } } })),
      ),
    );
    const viaProxy = fake.rateLimitedCount;
    expect(fake.messages(channel).length).toBe(24);
    expect(new Set(fake.messages(channel).map((m) => m.content)).size).toBe(24);
    expect(fake.requests.filter((r) => r.path.endsWith('/messages')).every((r) => r.headers.authorization === `Bot ${fake.token}`)).toBe(true);
    // 24 requests at 8/s take at least two seconds: the proxy spaced them.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);

    // The same two processes straight to the server, each with its own (unshared) limit.
    fake.rateLimitedCount = 0;
    const direct = [0, 1].map(() => new REST({ api: fake.apiUrl, retries: 1, globalRequestsPerSecond: 50 }).setToken(fake.token));
    await Promise.all(
      direct.flatMap((rest, p) =>
        Array.from({ length: 12 }, (_, i) => rest.post(`/channels/${channel}/messages`, { body: { content: `d${p}-${i}`, allowed_mentions: { parse: [] } } })),
      ),
    );
    expect(fake.rateLimitedCount).toBeGreaterThan(viaProxy);
  }, 60_000);

  it('keeps the body of a request it has to retry after a 429 (proxyRequests alone would resend it empty)', async () => {
    const fake = await startFakeDiscord();
    cleanups.push(() => fake.close());
    const guild = fake.addGuild();
    const channel = guild.systemChannelId!;
    const proxy = await startRestProxy({ upstream: fake.apiUrl, port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }) });
    cleanups.push(() => proxy.close());
    fake.failNext({ method: 'POST', path: `/channels/${channel}/messages`, status: 429, retryAfter: 0.1 });
    const rest = new REST({ api: proxy.url, retries: 0 }).setToken(fake.token);
    await rest.post(`/channels/${channel}/messages`, { body: { content: 'after the limit', allowed_mentions: { parse: [] } } });
    expect(fake.rateLimitedCount).toBe(1);
    expect(fake.messages(channel).map((m) => m.content)).toEqual(['after the limit']);
  });
});

describe('REST-only bot (workers)', () => {
  it('posts and reaches moderators without ever opening a gateway connection', async () => {
    const { createRestOnlyBot } = await import('../../src/discord/bot.ts');
    const { startHarness } = await import('./harness.ts');
    const h = await startHarness({ commands: [], seed: false });
    cleanups.push(() => h.close());
    const attemptsBefore = h.fake.gatewayAttempts.length;
    const bot = await createRestOnlyBot(h.app);
    cleanups.push(() => bot.stop());
    expect(bot.shardsReady()).toBe(true);
    const { messageId } = await bot.transport.send(h.channelId, { content: 'from a worker', embeds: [], ephemeral: false }, { nonce: 'w:1' });
    expect(h.fake.messages(h.channelId).at(-1)).toMatchObject({ id: messageId, content: 'from a worker', nonce: 'w:1' });
    // The guild is not cached (no gateway): it is fetched over REST to find the system channel.
    await bot.transport.notifyModerators(h.guild.id, 'Briefing paused in <#1>.');
    expect(h.fake.messages(h.guild.systemChannelId!).at(-1)?.content).toMatch(/Briefing paused/);
    expect(h.fake.gatewayAttempts.length).toBe(attemptsBefore);
  });
});

describe('runDiscordBot with a scheduler', () => {
  it('keeps a feed-poll job per stored feed and closes the scheduler when it stops', async () => {
    const { startHarness } = await import('./harness.ts');
    const { startFeedServer } = await import('../commands/feed-server.ts');
    const { createScheduler } = await import('../../src/scheduling/index.ts');
    const { runDiscordBot } = await import('../../src/discord/bot.ts');
    const feedServer = await startFeedServer();
    cleanups.push(() => feedServer.close());
    const h = await startHarness({ commands: [], seed: false });
    cleanups.push(() => h.close());
    const feed = await h.app.feeds.add(`${feedServer.url}/feed.xml`, { guildId: h.guild.id });
    const scheduler = await createScheduler({ STORE_URL: h.app.config.STORE_URL, SCHEDULER: 'in-process' }, { logger: pino({ level: 'silent' }) });
    let closed = false;
    const close = scheduler.close.bind(scheduler);
    scheduler.close = async () => {
      closed = true;
      await close();
    };
    const app = Object.assign(Object.create(Object.getPrototypeOf(h.app)), h.app, { scheduler });
    const controller = new AbortController();
    const running = runDiscordBot(app, { role: 'worker', signal: controller.signal });
    for (let i = 0; i < 100 && !(await scheduler.list()).length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await scheduler.list()).toEqual([
      { id: `feed-poll:${feed.id}`, kind: 'feed-poll', everyMs: h.app.config.FEED_POLL_MINUTES * 60_000, data: { feedId: feed.id } },
    ]);
    controller.abort();
    await running;
    expect(closed).toBe(true);
  });
});

describe('sitrep proxy', () => {
  it('runs as its own process, forwards to DISCORD_API_URL, serves /healthz and stops on SIGTERM', async () => {
    const fake = await startFakeDiscord();
    cleanups.push(() => fake.close());
    const guild = fake.addGuild();
    const [port, metricsPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'proxy', '--port', String(port), '--host', '127.0.0.1'], {
      env: { ...process.env, DISCORD_API_URL: fake.apiUrl, METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stderr!.on('data', (d) => (logs += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    for (let i = 0; i < 200 && !/REST proxy listening/.test(logs); i++) await new Promise((r) => setTimeout(r, 50));
    const rest = new REST({ api: `http://127.0.0.1:${port}/api`, retries: 0 }).setToken(fake.token);
    await rest.post(`/channels/${guild.systemChannelId}/messages`, { body: { content: 'through the proxy', allowed_mentions: { parse: [] } } });
    expect(fake.messages(guild.systemChannelId!).map((m) => m.content)).toEqual(['through the proxy']);
    expect(await healthz(metricsPort)).toMatchObject({ status: 200, body: { ok: true } });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toMatch(/"role":"proxy"/);
  }, 40_000);
});
