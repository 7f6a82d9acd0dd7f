import { once } from 'node:events';
import { Events, type Client } from 'discord.js';
import type { App } from '../app.ts';
import type { CommandModule } from '../core/command.ts';
import { LOCAL_GUILD_ID } from '../terminal/platform.ts';
import { ingestBriefs } from '../reports/ingest.ts';
import { createDiscordClient } from './client.ts';
import { loadCommands } from './commands.ts';
import { createInteractionRouter } from './interactions.ts';
import { DiscordPlatform } from './platform.ts';
import { DiscordBriefingTransport } from './transport.ts';

export interface DiscordBot {
  client: Client;
  platform: DiscordPlatform;
  transport: DiscordBriefingTransport;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * Logs in and routes interactions; does not start schedules (runDiscordBot does), so tests can drive
 * one bot against the loopback server.
 */
export async function createDiscordBot(app: App, opts: { commands?: CommandModule[]; token?: string } = {}): Promise<DiscordBot> {
  const token = opts.token ?? app.config.DISCORD_TOKEN;
  if (!token) throw new Error('DISCORD_TOKEN is not set');
  const logger = app.logger.child({ component: 'discord' });
  const client = createDiscordClient(app.config);
  const commands = opts.commands ?? (await loadCommands());
  const transport = new DiscordBriefingTransport(client);
  const platform = new DiscordPlatform(client, transport);
  const route = createInteractionRouter({ app, commands, platform, logger });

  client.on(Events.InteractionCreate, (interaction) => void route(interaction));
  // Without an 'error' listener an EventEmitter error would crash the process.
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  client.on(Events.ShardDisconnect, (event, shardId) => logger.warn({ code: event.code, shardId }, 'gateway disconnected'));
  client.on(Events.ShardReconnecting, (shardId) => logger.info({ shardId }, 'gateway reconnecting'));
  client.on(Events.GuildCreate, (guild) => logger.info({ guildId: guild.id, name: guild.name }, 'joined guild'));
  client.on(Events.GuildDelete, (guild) => logger.info({ guildId: guild.id }, 'left guild'));

  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
  try {
    await client.login(token);
    await ready;
  } catch (error) {
    await client.destroy().catch(() => undefined);
    throw error;
  }
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size, commands: commands.map((c) => c.data.name) }, 'connected to Discord');

  let stopped = false;
  return {
    client,
    platform,
    transport,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.removeAllListeners(Events.InteractionCreate);
      await client.destroy();
    },
  };
}

/**
 * `sitrep start` with DISCORD_TOKEN: loads the bundled briefs, logs in, starts scheduled briefings and
 * feed polling, and returns after a clean shutdown on SIGINT / SIGTERM.
 */
export async function runDiscordBot(app: App, opts: { signal?: AbortSignal; commands?: CommandModule[] } = {}): Promise<void> {
  const logger = app.logger.child({ component: 'discord' });
  const guards = installProcessGuards(app);
  try {
    await ingestBriefs(app.ingest, app.config.BRIEFS_DIR, logger).catch((error: unknown) => logger.warn({ err: error }, 'could not load the bundled briefs'));
    const bot = await createDiscordBot(app, { commands: opts.commands });
    // The terminal's local subscriptions (same store, local mode) are not ours to deliver.
    app.briefings.start(bot.transport, { accept: (sub) => sub.guildId !== LOCAL_GUILD_ID });
    app.feeds.start();
    logger.info('running; stop with Ctrl-C or SIGTERM');
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => stop('abort');
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      if (opts.signal?.aborted) stop('abort');
      else opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
    app.briefings.stop();
    app.feeds.stop();
    await bot.stop();
  } finally {
    guards.remove();
  }
}

/** Last line of defence: a stray rejection or exception is logged, never allowed to take the bot down. */
function installProcessGuards(app: App): { remove(): void } {
  const onRejection = (reason: unknown) => app.logger.error({ err: reason }, 'unhandled promise rejection');
  const onException = (error: Error) => app.logger.error({ err: error }, 'uncaught exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    remove() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
