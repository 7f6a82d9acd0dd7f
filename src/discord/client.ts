import { Client, GatewayIntentBits, Options, Partials } from 'discord.js';
import type { Config } from '../config.ts';
import { GatewayBackoff, installDispatchNormaliser } from './gateway.ts';
import { rejectLongRateLimits, restApiBase, tolerantMakeRequest } from './rest.ts';

/**
 * The discord.js client Sitrep runs on. Only the Guilds intent: slash commands arrive as interactions
 * and need no message content, members or presences. Mentions are off client-wide, so nothing the bot
 * posts can ping, whatever a report contains. `rest.api` follows DISCORD_API_URL so a Discord-compatible
 * server can stand in (tests, staging); discord.js appends `/v10` itself.
 */
export interface GatewayPlan {
  /** Shard ids this process runs, or 'auto': Discord's recommended count (GET /gateway/bot), all here. */
  shards: number[] | 'auto';
  /** Total shards of the bot; required with explicit ids. */
  shardCount?: number;
}

/**
 * Sharding is discord.js's own (internal sharding through @discordjs/ws): `shards: 'auto'` asks Discord for
 * the recommended count, explicit ids with a count let several processes split the shards between them.
 */
export function createDiscordClient(config: Pick<Config, 'DISCORD_API_URL'>, options: { gateway?: GatewayPlan; backoff?: GatewayBackoff } = {}): Client {
  const gateway = options.gateway ?? { shards: 'auto' };
  const backoff = options.backoff ?? new GatewayBackoff();
  const client = new Client({
    shards: gateway.shards,
    ...(gateway.shards !== 'auto' ? { shardCount: gateway.shardCount } : {}),
    ws: { buildStrategy: backoff.buildStrategy },
    intents: [GatewayIntentBits.Guilds],
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    rest: { api: restApiBase(config.DISCORD_API_URL), makeRequest: tolerantMakeRequest(), rejectOnRateLimit: rejectLongRateLimits },
    // Sitrep never reads message history from the cache: keep memory flat on large servers.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 0,
      ReactionManager: 0,
      PresenceManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      VoiceStateManager: 0,
    }),
  });
  installDispatchNormaliser(client);
  return client;
}
