/**
 * `npm run bench -- cluster`: the REST side of a fleet's fan-out. 1,000 channels each get one briefing
 * message from 1, 2 and 4 worker processes (the channels split evenly, as the scheduler engine hands the
 * occurrences out), through the shared REST proxy (@discordjs/proxy), against the loopback Discord server
 * with Discord's global limit of 50 requests/s. 1,000 messages at 50/s cannot take less than 20 s: the
 * figure is wall time ÷ 20 s (goal ≤ 1.1), with duplicates, missed channels, 429s and each worker's peak
 * RSS. A run of 2 workers without the proxy shows what the proxy prevents.
 *
 * Not measured here yet (needs the store, scheduler and briefing branches together): composing the
 * briefings, claims, cross-process library lag and RSS for 10,000 reports.
 *
 * This file is also the worker: with SITREP_BENCH_CLUSTER_WORKER set it posts to the channels it is given.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import pMap from 'p-map';

const CHANNELS = 1_000;
const LIMIT_PER_SECOND = 50;
const PHYSICAL_LIMIT_S = CHANNELS / LIMIT_PER_SECOND;

if (process.env.SITREP_BENCH_CLUSTER_WORKER) {
  await worker();
}

async function worker(): Promise<void> {
  const { createDiscordClient } = await import('../src/discord/client.ts');
  const { DiscordBriefingTransport } = await import('../src/discord/transport.ts');
  const client = createDiscordClient({ DISCORD_API_URL: process.env.DISCORD_API_URL! });
  client.rest.setToken(process.env.DISCORD_TOKEN!);
  const transport = new DiscordBriefingTransport(client);
  const channels = JSON.parse(process.env.SITREP_BENCH_CHANNELS!) as string[];
  let failed = 0;
  await pMap(
    channels,
    async (channelId, i) => {
      try {
        await transport.send(channelId, { content: `Daily briefing ${i}`, embeds: [], ephemeral: false }, { nonce: `bench:${channelId}` });
      } catch {
        failed++;
      }
    },
    { concurrency: 50 },
  );
  await client.destroy();
  process.stdout.write(`${JSON.stringify({ failed, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
  process.exit(0);
}

interface RunResult {
  workers: number;
  proxy: boolean;
  wallS: number;
  ratio: number;
  duplicates: number;
  missed: number;
  rateLimited: number;
  requests: number;
  failed: number;
  maxRssMb: number[];
}

async function runOnce(workers: number, useProxy: boolean): Promise<RunResult> {
  const { startFakeDiscord } = await import('../tests/support/discord/server.ts');
  const { startRestProxy } = await import('../src/ops/proxy.ts');
  const fake = await startFakeDiscord({ rateLimitPerSecond: LIMIT_PER_SECOND });
  const guild = fake.addGuild({ name: 'Bench' });
  const channels = Array.from({ length: CHANNELS }, (_, i) => fake.addChannel(guild.id, { name: `c${i}` }).id);
  const proxy = useProxy
    ? await startRestProxy({ upstream: fake.apiUrl, port: 0, host: '127.0.0.1', logger: pino({ level: process.env.BENCH_LOG ?? 'silent' }) })
    : undefined;
  const slices = Array.from({ length: workers }, (_, w) => channels.filter((_, i) => i % workers === w));
  const started = performance.now();
  const outputs = await Promise.all(
    slices.map(
      (slice) =>
        new Promise<{ failed: number; maxRssMb: number }>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
            env: {
              ...process.env,
              SITREP_BENCH_CLUSTER_WORKER: '1',
              SITREP_BENCH_CHANNELS: JSON.stringify(slice),
              DISCORD_TOKEN: fake.token,
              DISCORD_API_URL: proxy?.url ?? fake.apiUrl,
            },
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`worker exited ${code}`))));
        }),
    ),
  );
  // The fan-out itself: from the first message post the server saw to the last one it stored (worker start-up excluded).
  const posts = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
  const stored = channels.flatMap((id) => fake.messages(id)).map((m) => Date.parse(m.timestamp));
  const wallS = posts.length && stored.length ? (Math.max(...stored) - Math.min(...posts.map((r) => r.at))) / 1000 : (performance.now() - started) / 1000;
  const perChannel = channels.map((id) => fake.messages(id).length);
  const result: RunResult = {
    workers,
    proxy: useProxy,
    wallS,
    ratio: wallS / PHYSICAL_LIMIT_S,
    duplicates: perChannel.reduce((n, c) => n + Math.max(0, c - 1), 0),
    missed: perChannel.filter((c) => c === 0).length,
    rateLimited: fake.rateLimitedCount,
    requests: fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages')).length,
    failed: outputs.reduce((n, o) => n + o.failed, 0),
    maxRssMb: outputs.map((o) => o.maxRssMb),
  };
  await proxy?.close();
  await fake.close();
  return result;
}

export async function run(): Promise<void> {
  console.log(`${CHANNELS} channels, global limit ${LIMIT_PER_SECOND}/s → physical floor ${PHYSICAL_LIMIT_S} s`);
  const rows: RunResult[] = [];
  for (const workers of [1, 2, 4]) rows.push(await runOnce(workers, true));
  rows.push(await runOnce(2, false));
  console.log('workers  proxy  wall s  ÷20 s  dup  missed  429s  (% of posts)  failed  worker RSS MB');
  for (const r of rows) {
    const pct = r.requests ? ((100 * r.rateLimited) / r.requests).toFixed(2) : '0';
    console.log(
      `${String(r.workers).padStart(7)}  ${(r.proxy ? 'yes' : 'no').padEnd(5)}  ${r.wallS.toFixed(1).padStart(6)}  ${r.ratio.toFixed(2).padStart(5)}  ${String(r.duplicates).padStart(3)}  ${String(r.missed).padStart(6)}  ${String(r.rateLimited).padStart(4)}  ${pct.padStart(12)}  ${String(r.failed).padStart(6)}  ${r.maxRssMb.join(', ')}`,
    );
  }
}
