/**
 * Fan-out of one briefing occurrence to 1,000 subscribed channels, through the real path: BriefingService
 * → DiscordBriefingTransport → discord.js REST queue → the loopback Discord-compatible server enforcing
 * Discord's global limit of 50 requests/s (429 + retry-after when exceeded).
 *
 * Side by side: the physical limit (1,000 / 50 = 20 s), Sitrep's parallel fan-out, and a sequential
 * fan-out baseline (one channel after the other, measured on a slice and extrapolated).
 * Also checks duplicates (target 0) and missed channels (target 0).
 *
 *   npx tsx bench/fanout.ts [--channels 1000] [--latency 20]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createDiscordClient } from '../src/discord/client.ts';
import { DiscordBriefingTransport } from '../src/discord/transport.ts';
import type { Report } from '../src/reports/types.ts';
import { startFakeDiscord, type FakeDiscord } from '../tests/support/discord/server.ts';

const GLOBAL_LIMIT = 50;
const OCCURRENCE = new Date('2026-11-27T07:30:00.000Z');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function report(i: number): Report {
  const at = new Date(Date.parse('2026-11-26T13:00:00Z') + i * 3_600_000).toISOString();
  const text = `China and Russia held talks in Minsk on defence cooperation, the Belarusian Ministry of Defence said. NATO officials warned about joint exercises near the border. Analysts expect more visits. (${i})`;
  return {
    id: `fanout-${i}`,
    title: `Defence cooperation update ${i + 1}`,
    source: 'Bench Source',
    url: `https://example.org/fanout-${i}`,
    authors: [],
    tags: [],
    regions: [],
    sections: [{ heading: null, paragraphs: [text] }],
    text,
    contentHash: `fanout-${i}-hash`,
    ingestedAt: at,
    updatedAt: at,
    publishedAt: at,
    origin: { kind: 'file', path: `fanout-${i}.md` },
  };
}

async function buildWorld(fake: FakeDiscord, channels: number, dir: string): Promise<{ app: App; channelIds: string[] }> {
  const config = loadConfig({
    STORE_URL: `sqlite://${join(dir, 'sitrep.sqlite')}`,
    BRIEFS_DIR: join(dir, 'briefs'),
    LOG_LEVEL: 'silent',
    DISCORD_API_URL: fake.apiUrl,
  });
  let now = new Date('2026-11-26T12:00:00Z');
  const app = await createApp(config, { clock: { now: () => now } });
  await app.reports.upsertMany([0, 1, 2].map(report));
  const guild = fake.addGuild();
  const channelIds = Array.from({ length: channels }, () => fake.addChannel(guild.id).id as string);
  for (let i = 0; i < channelIds.length; i += 100) {
    await Promise.all(
      channelIds
        .slice(i, i + 100)
        .map((channelId) => app.subscriptions.subscribe({ guildId: guild.id, channelId, time: '07:30', timezone: 'UTC', createdBy: 'bench' })),
    );
  }
  now = OCCURRENCE;
  return { app, channelIds };
}

function tally(fake: FakeDiscord, channelIds: string[]): { delivered: number; duplicates: number; missed: number; messages: number } {
  let duplicates = 0;
  let missed = 0;
  let messages = 0;
  for (const id of channelIds) {
    const n = fake.messages(id).length;
    messages += n;
    if (n === 0) missed++;
    if (n > 1) duplicates += n - 1;
  }
  return { delivered: channelIds.length - missed, duplicates, missed, messages };
}

export async function run(): Promise<void> {
  const channels = arg('channels', 1000);
  const latencyMs = arg('latency', 20);
  const limitSeconds = channels / GLOBAL_LIMIT;
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-fanout-'));
  mkdirSync(join(dir, 'briefs'));
  const fake = await startFakeDiscord({ rateLimitPerSecond: GLOBAL_LIMIT, latencyMs });
  const client = createDiscordClient({ DISCORD_API_URL: fake.apiUrl });
  client.rest.setToken(fake.token);
  const transport = new DiscordBriefingTransport(client);
  try {
    console.log(`fan-out of one occurrence to ${channels} channels; server limit ${GLOBAL_LIMIT} req/s (429 beyond), ${latencyMs} ms latency per request`);
    const { app, channelIds } = await buildWorld(fake, channels, dir);
    const before = fake.requests.length;
    const started = performance.now();
    const outcomes = await app.briefings.runDue(OCCURRENCE, transport);
    const seconds = (performance.now() - started) / 1000;
    const requests = fake.requests.length - before;
    const result = tally(fake, channelIds);
    const statuses: Record<string, number> = {};
    for (const o of outcomes) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    await app.close();

    // Sequential baseline: the same delivery one channel at a time, on a slice, extrapolated to all channels.
    const slice = Math.min(100, channels);
    const seqFake = await startFakeDiscord({ rateLimitPerSecond: GLOBAL_LIMIT, latencyMs });
    const seqClient = createDiscordClient({ DISCORD_API_URL: seqFake.apiUrl });
    seqClient.rest.setToken(seqFake.token);
    const seqTransport = new DiscordBriefingTransport(seqClient);
    const seqDir = mkdtempSync(join(tmpdir(), 'sitrep-fanout-seq-'));
    mkdirSync(join(seqDir, 'briefs'));
    const seqWorld = await buildWorld(seqFake, slice, seqDir);
    const seqApp = seqWorld.app;
    // Same service, concurrency 1: what a plain loop over subscriptions would do.
    const { BriefingService } = await import('../src/briefings/service.ts');
    const sequential = new BriefingService({
      config: seqApp.config,
      logger: seqApp.logger,
      clock: seqApp.clock,
      store: seqApp.store,
      reports: seqApp.reports,
      analysis: seqApp.analysis,
      subscriptions: seqApp.subscriptions,
      options: { concurrency: 1 },
    });
    const seqStarted = performance.now();
    await sequential.runDue(OCCURRENCE, seqTransport);
    const seqSeconds = ((performance.now() - seqStarted) / 1000) * (channels / slice);
    sequential.stop();
    await seqClient.destroy();
    await seqFake.close();
    await seqApp.close();
    rmSync(seqDir, { recursive: true, force: true });

    const rows = [
      ['physical limit', limitSeconds, `${channels} / ${GLOBAL_LIMIT} req/s`],
      ['sitrep parallel fan-out', seconds, `${requests} requests (${requests - result.messages} answered 429 or failed), outcomes ${JSON.stringify(statuses)}`],
      [`sequential baseline (${slice} measured, extrapolated)`, seqSeconds, 'one channel after the other'],
    ] as const;
    for (const [name, s, note] of rows) console.log(`  ${name.padEnd(48)} ${s.toFixed(1).padStart(7)} s   ${(s / limitSeconds).toFixed(2)}× limit   ${note}`);
    console.log(`  wall time / physical limit: ${(seconds / limitSeconds).toFixed(3)} (target ≤ 1.10) ${seconds / limitSeconds <= 1.1 ? 'OK' : 'OVER'}`);
    console.log(`  duplicates: ${result.duplicates} (target 0)   missed: ${result.missed} (target 0)   delivered: ${result.delivered}/${channels}`);
    console.log(`  sequential / parallel: ${(seqSeconds / seconds).toFixed(2)}×`);
  } finally {
    await client.destroy();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
