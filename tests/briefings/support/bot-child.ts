/**
 * The bot as a child process, for the kill -9 test: builds the app from the environment, makes the
 * briefing transport and runs one scheduler tick at a fixed instant, then prints the outcomes as JSON.
 *
 * Env: the usual config (STORE_URL, DISCORD_API_URL, DISCORD_TOKEN, BRIEFS_DIR, LOG_LEVEL) plus
 *   SITREP_TEST_NOW        ISO instant the clock is fixed at
 *   SITREP_TEST_TRANSPORT  "discord" (src/discord/transport.ts over discord.js REST) or "http" (NonceHttpTransport)
 *   SITREP_TEST_SEND_NOW   "guildId:channelId": run /briefing send-now for that channel instead of a tick
 */
import { createApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import type { BriefingTransport } from '../../../src/briefings/transport.ts';
import { NonceHttpTransport } from './http-transport.ts';

const now = new Date(process.env.SITREP_TEST_NOW ?? Date.now());
const config = loadConfig(process.env);
const app = await createApp(config, { clock: { now: () => new Date(now) } });

let transport: BriefingTransport;
let destroy = () => undefined as unknown;
if (process.env.SITREP_TEST_TRANSPORT === 'discord') {
  const { createDiscordClient } = await import('../../../src/discord/client.ts');
  const { DiscordBriefingTransport } = await import('../../../src/discord/transport.ts');
  const client = createDiscordClient(config);
  client.rest.setToken(config.DISCORD_TOKEN!);
  transport = new DiscordBriefingTransport(client);
  destroy = () => client.destroy();
} else {
  transport = new NonceHttpTransport(config.DISCORD_API_URL, config.DISCORD_TOKEN);
}

if (process.env.SITREP_TEST_SEND_NOW) {
  const [guildId, channelId] = process.env.SITREP_TEST_SEND_NOW.split(':');
  const subscription = await app.subscriptions.get(guildId!, channelId!);
  const result = await app.briefings.sendNow(subscription!, transport);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const outcomes = await app.briefings.runDue(now, transport);
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  process.stdout.write(`${JSON.stringify({ counts, outcomes: outcomes.length })}\n`);
}
await destroy();
await app.close();
process.exit(0);
