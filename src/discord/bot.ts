import { once } from 'node:events';
import { ClientUser, Events, Routes, Status, type APIUser, type Client } from 'discord.js';
import type { App } from '../app.ts';
import type { CommandModule } from '../core/command.ts';
import { LOCAL_GUILD_ID } from '../terminal/platform.ts';
import { ingestBriefs } from '../reports/ingest.ts';
import { workerId, type Logger } from '../logger.ts';
import { metrics } from '../ops/metrics.ts';
import { startOpsServer, type Probe } from '../ops/server.ts';
import { createShutdown } from '../ops/shutdown.ts';
import type { JobScheduler } from '../scheduling/port.ts';
import type { SchedulerOps } from '../scheduling/index.ts';
import { startFeedPolling } from '../scheduling/feed-polls.ts';
import { createDiscordClient, type GatewayPlan } from './client.ts';
import { GatewayBackoff } from './gateway.ts';
import { loadCommands } from './commands.ts';
import { createInteractionRouter } from './interactions.ts';
import { DiscordPlatform } from './platform.ts';
import { DiscordBriefingTransport } from './transport.ts';

export interface DiscordBot {
  client: Client;
  platform: DiscordPlatform;
  transport: DiscordBriefingTransport;
  /** Whether every shard of this process is connected and ready (always true for a REST-only bot). */
  shardsReady(): boolean;
  stop(): Promise<void>;
}

/** What a process does: `gateway` holds shards and answers interactions; `worker` runs scheduled work over REST. */
export type Role = 'gateway' | 'worker' | 'all';

const READY_TIMEOUT_MS = 60_000;

/**
 * Logs in and routes interactions; does not start schedules (runDiscordBot does), so tests can drive
 * one bot against the loopback server. Each shard receives only its own guilds' events and interactions
 * from Discord, so a process running shards 0,1 of 4 answers exactly those guilds.
 */
export async function createDiscordBot(
  app: App,
  opts: { commands?: CommandModule[]; token?: string; gateway?: GatewayPlan; logger?: Logger; readyTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<DiscordBot> {
  const token = opts.token ?? app.config.DISCORD_TOKEN;
  if (!token) throw new Error('DISCORD_TOKEN is not set');
  const logger = (opts.logger ?? app.logger).child({ component: 'discord' });
  const backoff = new GatewayBackoff(undefined, (shardId, attempt, delayMs) => logger.info({ shardId, attempt, delayMs }, 'gateway reconnect backing off'));
  const client = createDiscordClient(app.config, { gateway: opts.gateway, backoff });
  const commands = opts.commands ?? (await loadCommands());
  const transport = new DiscordBriefingTransport(client);
  const platform = new DiscordPlatform(client, transport);
  const route = createInteractionRouter({ app, commands, platform, logger });
  const readyShards = () => client.ws.shards.filter((shard) => shard.status === Status.Ready).size;

  client.on(Events.InteractionCreate, (interaction) => void route(interaction));
  // Without an 'error' listener an EventEmitter error would crash the process.
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  client.on(Events.ShardReady, (shardId) => {
    metrics.shardsReady.set(readyShards());
    logger.info({ shardId }, 'gateway shard ready');
  });
  client.on(Events.ShardResume, () => metrics.shardsReady.set(readyShards()));
  client.on(Events.ShardDisconnect, (event, shardId) => {
    metrics.shardsReady.set(readyShards());
    logger.warn({ code: event.code, shardId }, 'gateway disconnected');
  });
  client.on(Events.ShardReconnecting, (shardId) => logger.info({ shardId }, 'gateway reconnecting'));
  client.on(Events.GuildCreate, (guild) => logger.info({ guildId: guild.id, shardId: guild.shardId, name: guild.name }, 'joined guild'));
  client.on(Events.GuildDelete, (guild) => logger.info({ guildId: guild.id }, 'left guild'));
  client.rest.on('rateLimited', (info) => metrics.rateLimited.inc({ scope: info.global ? 'global' : info.scope }));

  const stopGateway = async () => {
    backoff.stop();
    client.removeAllListeners(Events.InteractionCreate);
    await client.destroy();
  };
  const signals = [AbortSignal.timeout(opts.readyTimeoutMs ?? READY_TIMEOUT_MS), ...(opts.signal ? [opts.signal] : [])];
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.any(signals) });
  try {
    // Together: while the gateway is unreachable login() never settles, and the timeout or a stop must still end the wait.
    await Promise.all([client.login(token), ready]);
  } catch (error) {
    await stopGateway().catch(() => undefined);
    throw error;
  }
  logger.info(
    {
      user: client.user?.tag,
      guilds: client.guilds.cache.size,
      shards: client.ws.shards.map((s) => s.id),
      shardCount: client.options.shardCount,
      commands: commands.map((c) => c.data.name),
    },
    'connected to Discord',
  );

  let stopped = false;
  return {
    client,
    platform,
    transport,
    shardsReady: () => client.ws.shards.size > 0 && readyShards() === client.ws.shards.size,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopGateway();
    },
  };
}

/**
 * A bot without a gateway connection, for workers: delivering briefings and notes needs only REST
 * (discord.js fetches guilds and channels over REST when they are not cached). The bot's own user, which
 * READY would give, is asked over REST (GET /users/@me) and set the way discord.js's READY handler sets
 * it, so permission checks (`guild.members.fetchMe()`) work too.
 */
export async function createRestOnlyBot(app: App, opts: { token?: string } = {}): Promise<DiscordBot> {
  const token = opts.token ?? app.config.DISCORD_TOKEN;
  if (!token) throw new Error('DISCORD_TOKEN is not set');
  const client = createDiscordClient(app.config);
  client.rest.setToken(token);
  const me = (await client.rest.get(Routes.user('@me'))) as APIUser;
  // discord.js's constructor typing hides it; this is what its READY handler does.
  (client as { user: ClientUser | null }).user = new (ClientUser as unknown as new (c: Client, data: APIUser) => ClientUser)(client, me);
  client.rest.on('rateLimited', (info) => metrics.rateLimited.inc({ scope: info.global ? 'global' : info.scope }));
  const transport = new DiscordBriefingTransport(client);
  const platform = new DiscordPlatform(client, transport);
  return {
    client,
    platform,
    transport,
    shardsReady: () => true,
    async stop() {
      await client.destroy();
    },
  };
}

export interface RunOptions {
  signal?: AbortSignal;
  commands?: CommandModule[];
  role?: Role;
  gateway?: GatewayPlan;
  /** The real process: exit once stopped and on an uncaught exception (the CLI sets it). */
  exitProcess?: boolean;
}

/** The pino bindings of the bot's log lines: role, worker id and (for a gateway) its shards. */
export function processBindings(role: Role, gateway: GatewayPlan | undefined): Record<string, unknown> {
  return {
    role,
    workerId: workerId(),
    ...(role !== 'worker' ? { shards: gateway?.shards ?? 'auto', ...(gateway?.shardCount ? { shardCount: gateway.shardCount } : {}) } : {}),
  };
}

/**
 * `sitrep start` with DISCORD_TOKEN. Role `all` (the default, one process) and `gateway` log in with their
 * shards and answer interactions; `all` and `worker` deliver scheduled briefings and poll feeds (a worker
 * over REST only). Returns after a clean stop on SIGINT / SIGTERM (or `signal`), within the 10 s budget,
 * whether or not Discord is reachable.
 */
export async function runDiscordBot(app: App, opts: RunOptions = {}): Promise<void> {
  const role = opts.role ?? 'all';
  const logger = app.logger.child({ component: 'discord', ...processBindings(role, opts.gateway) });
  const shutdown = createShutdown({ logger, signal: opts.signal, exitProcess: opts.exitProcess });
  const starting = new AbortController();
  void shutdown.requested.then(() => starting.abort());
  let bot: DiscordBot | undefined;
  try {
    const probes: Record<string, Probe> = {
      store: async () => {
        if (!app.store.health().writable) return false;
        await app.store.ping();
        return true;
      },
      discord: () => bot?.shardsReady() ?? false,
    };
    const scheduler: JobScheduler & SchedulerOps = app.scheduler;
    if (scheduler) {
      probes.scheduler = async () => (typeof scheduler.healthy === 'function' ? scheduler.healthy() : true);
      if (typeof scheduler.depth === 'function') {
        const sample = () =>
          void scheduler.depth!()
            .then((depth) => Object.entries(depth).forEach(([kind, n]) => metrics.queueDepth.set({ kind }, n)))
            .catch(() => undefined);
        const timer = setInterval(sample, 15_000).unref();
        sample();
        shutdown.add('queue depth sampling', () => clearInterval(timer));
      }
    }
    if (app.config.METRICS_PORT !== undefined) {
      const ops = await startOpsServer({ port: app.config.METRICS_PORT, probes, logger });
      shutdown.add('ops server', () => ops.close());
    }
    if (role !== 'worker') {
      await ingestBriefs(app.ingest, app.config.BRIEFS_DIR, logger).catch((error: unknown) => logger.warn({ err: error }, 'could not load the bundled briefs'));
    }
    const connect =
      role === 'worker' ? createRestOnlyBot(app) : createDiscordBot(app, { commands: opts.commands, gateway: opts.gateway, logger, signal: starting.signal });
    // A stop asked for while the gateway is still connecting must not wait for it.
    bot = await Promise.race([connect, shutdown.requested.then(() => undefined)]);
    if (!bot) {
      void connect.then((late) => late.stop()).catch(() => undefined);
      return;
    }
    const running = bot;
    shutdown.add('discord', () => running.stop());
    // The terminal's local subscriptions (same store, local mode) are not ours to deliver. A gateway keeps the
    // shared engine's jobs in step with the subscription changes it takes; workers (and `all`) deliver.
    await app.briefings.start(running.transport, { accept: (sub) => sub.guildId !== LOCAL_GUILD_ID, work: role !== 'gateway' });
    shutdown.add('briefings', () => app.briefings.stop());
    if (scheduler) {
      // Every role keeps the feed-poll jobs equal to the stored feeds (idempotent); workers run the polls.
      const polling = await startFeedPolling({
        scheduler,
        feeds: app.feeds,
        everyMs: app.config.FEED_POLL_MINUTES * 60_000,
        logger,
        clock: app.clock,
        schedule: true,
        work: role !== 'gateway',
      });
      shutdown.add('feed polling', () => polling.stop());
    } else if (role !== 'gateway') {
      app.feeds.start();
      shutdown.add('feeds', () => app.feeds.stop());
    }
    // Registered last, stopped first: no new runs are taken, in-flight ones finish (or go back to the engine).
    if (scheduler) shutdown.add('scheduler', () => scheduler.close());
    logger.info('running; stop with Ctrl-C or SIGTERM');
    await shutdown.requested;
  } finally {
    await shutdown.run();
    shutdown.dispose();
  }
}
