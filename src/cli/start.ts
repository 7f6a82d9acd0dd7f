import type { Command } from 'commander';
import type { CliDeps } from './deps.ts';
import type { Config } from '../config.ts';
import { UserError } from '../core/errors.ts';

export type StartRole = 'gateway' | 'worker' | 'all';

export interface StartOptions {
  role?: string;
  shards?: string;
  shardCount?: string;
}

/** The gateway plan from --shards/--shard-count or SHARDS/SHARD_COUNT; none given → Discord's recommended count. */
export function parseShardPlan(options: StartOptions, config: Pick<Config, 'SHARDS' | 'SHARD_COUNT'>): { shards: number[] | 'auto'; shardCount?: number } {
  const list = options.shards ?? config.SHARDS;
  const countText = options.shardCount ?? (config.SHARD_COUNT !== undefined ? String(config.SHARD_COUNT) : undefined);
  if (list === undefined && countText === undefined) return { shards: 'auto' };
  if (list === undefined) throw new UserError('--shard-count (SHARD_COUNT) needs --shards (SHARDS): which of the shards does this process run?');
  if (!/^\s*\d+(\s*,\s*\d+)*\s*$/.test(list)) throw new UserError(`--shards must be shard ids separated by commas (e.g. 0,1), not "${list}"`);
  const shards = [...new Set(list.split(',').map((s) => Number(s.trim())))].sort((a, b) => a - b);
  if (countText === undefined) throw new UserError('--shards (SHARDS) needs --shard-count (SHARD_COUNT): the total number of shards of the bot');
  const shardCount = Number(countText);
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new UserError(`--shard-count must be a whole number of shards (1 or more), not "${countText}"`);
  const outside = shards.filter((s) => s >= shardCount);
  if (outside.length)
    throw new UserError(`shard ${outside.join(', ')} does not exist with --shard-count ${shardCount} (shards are numbered 0 to ${shardCount - 1})`);
  return { shards, shardCount };
}

export function parseRole(role: string | undefined): StartRole {
  const value = (role ?? 'all').toLowerCase();
  if (value === 'gateway' || value === 'worker' || value === 'all') return value;
  throw new UserError(`--role must be gateway, worker or all, not "${role}"`);
}

export function registerStart(program: Command, deps: CliDeps): void {
  program
    .command('start')
    .description('Run the bot: on Discord when DISCORD_TOKEN is set, otherwise locally in this terminal')
    .option('--role <role>', 'gateway (shards + interactions), worker (scheduled briefings and feeds over REST) or all', 'all')
    .option('--shards <ids>', 'gateway shards this process runs, e.g. 0,1 (default SHARDS, else all of the recommended count)')
    .option('--shard-count <n>', 'total number of shards of the bot (default SHARD_COUNT)')
    .action(async (options: StartOptions) => {
      const role = parseRole(options.role);
      const app = await deps.openApp({ logBindings: { role } });
      if (app.config.DISCORD_TOKEN) {
        const gateway = parseShardPlan(options, app.config);
        const { runDiscordBot } = await import('../discord/bot.ts');
        await runDiscordBot(app, { role, gateway, exitProcess: true });
      } else {
        if (role !== 'all') throw new UserError(`--role ${role} needs DISCORD_TOKEN: without it Sitrep runs locally in this terminal, as one process`);
        const { runLocalMode } = await import('../terminal/local.ts');
        await runLocalMode(app, { input: process.stdin, output: process.stdout });
      }
    });

  program
    .command('proxy')
    .description("Run the shared Discord REST proxy (@discordjs/proxy): point every process's DISCORD_API_URL at it")
    .option('--port <port>', 'port to listen on (default PROXY_PORT, 8080)')
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .action(async (options: { port?: string; host: string }) => {
      const { loadConfig } = await import('../config.ts');
      const { createLogger } = await import('../logger.ts');
      const { runRestProxy } = await import('../ops/proxy.ts');
      const config = loadConfig();
      const port = options.port !== undefined ? Number(options.port) : config.PROXY_PORT;
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`--port must be a port number (1-65535), not "${options.port}"`);
      await runRestProxy({
        upstream: config.DISCORD_API_URL,
        port,
        host: options.host,
        logger: createLogger(config.LOG_LEVEL, { role: 'proxy' }),
        exitProcess: true,
        metricsPort: config.METRICS_PORT,
      });
    });
}
