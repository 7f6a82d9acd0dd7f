/**
 * Interaction-to-reply latency over loopback: the real discord.js client against the fake Discord server,
 * with 10,000 reports stored (SQLite in a temp dir, offline engine). Measures from INTERACTION_CREATE sent
 * by the server to the reply (callback, or the edit after a deferral) received by it, for
 * `/report show` and `/actors` (overview of the last 7 days, and one report), next to a baseline command
 * that does no work (the cost of the gateway + discord.js + REST round trip alone) and the 50 ms target.
 *
 *   npx tsx bench/discord.ts            (REPORTS=10000 ROUNDS=300 by default)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createStore } from '../src/store/index.ts';
import { defineCommand, type CommandModule } from '../src/core/command.ts';
import { execute } from '../src/core/dispatch.ts';
import { createRegistry } from '../src/core/registry.ts';
import type { Report } from '../src/reports/types.ts';
import { createDiscordBot } from '../src/discord/bot.ts';
import { loadCommands } from '../src/discord/commands.ts';
import { startFakeDiscord } from '../tests/support/discord/server.ts';

const TARGET_P99_MS = 50;
const REPORTS = Number(process.env.REPORTS ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 300);
const WARMUP = 20;
/** One interaction every 25 ms at most: 40 per second, under discord.js's client-side cap of 50 requests/s. */
const PACE_MS = 25;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Synthetic reports made of the seed report's sentences, reshuffled: realistic vocabulary and actors. */
function generateReports(count: number): Report[] {
  const seed = readFileSync(new URL('../tests/fixtures/reports/specialeurasia-china-russia-belarus-defence-2023.txt', import.meta.url), 'utf8');
  const sentences = seed
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s.length > 60 && s.length < 400);
  const sources = ['SpecialEurasia', 'Sahel Monitor', 'Baltic Desk', 'Indo-Pacific Review', 'Caucasus Watch', 'Levant Brief'];
  const topics = ['defence cooperation', 'energy security', 'sanctions', 'elections', 'maritime disputes', 'migration', 'arms control'];
  const next = rng(42);
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const picked = Array.from({ length: 14 + Math.floor(next() * 14) }, () => sentences[Math.floor(next() * sentences.length)]!);
    const paragraphs = [picked.slice(0, 5), picked.slice(5, 10), picked.slice(10)].map((p) => p.join(' '));
    const topic = topics[i % topics.length]!;
    const title = `${topic[0]!.toUpperCase()}${topic.slice(1)} briefing ${i}: ${picked[0]!.split(' ').slice(0, 6).join(' ')}`;
    const text = paragraphs.join('\n\n');
    // A tenth of the library falls in the last 7 days, so /actors has a real week to summarise.
    const published = new Date(now - (i % 10 === 0 ? next() * 6 : 7 + next() * 700) * 86_400_000).toISOString();
    return {
      id: `bench-report-${i}`,
      title,
      source: sources[i % sources.length]!,
      url: `https://example.org/reports/${i}`,
      authors: [`Analyst ${i % 97}`],
      publishedAt: published,
      tags: [topic],
      regions: ['Eurasia'],
      sections: [{ heading: null, paragraphs }],
      text,
      contentHash: createHash('sha256').update(`${title}\n${text}`).digest('hex'),
      ingestedAt: published,
      updatedAt: published,
      origin: { kind: 'url', url: `https://example.org/reports/${i}` },
    } satisfies Report;
  });
}

const ping: CommandModule = defineCommand({
  data: { name: 'ping', description: 'baseline: no work' },
  async execute() {
    return { content: 'pong' };
  },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-bench-discord-'));
  const fake = await startFakeDiscord();
  const guild = fake.addGuild({ name: 'Bench' });
  const channel = fake.addChannel(guild.id, { name: 'bench' });
  const user = fake.addMember(guild.id, { username: 'reader' }).user;
  const storeUrl = `sqlite://${join(dir, 'bench.sqlite')}`;
  const config = loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_API_URL: fake.apiUrl,
    STORE_URL: storeUrl,
    LOG_LEVEL: 'silent',
    BRIEFS_DIR: join(dir, 'none'),
  });
  const app = await createApp(config, { store: await createStore(storeUrl), logger: pino({ level: 'silent' }) });
  try {
    const t = performance.now();
    const reports = generateReports(REPORTS);
    await app.reports.upsertMany(reports);
    console.log(`stored ${app.reports.count().toLocaleString('en-US')} reports in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const bot = await createDiscordBot(app, { commands: [...(await loadCommands()), ping] });
    const invoke = async (name: string, options: Record<string, string> = {}) => {
      const started = performance.now();
      const reply = await fake.command({ guildId: guild.id, channelId: channel.id, userId: String(user.id), name, options }).reply(30_000);
      const ms = performance.now() - started;
      if (/error id/.test(String(reply.content))) throw new Error(`/${name} failed: ${reply.content}`);
      return ms;
    };

    const coldActors = await invoke('actors');
    console.log(`first /actors (cold: analyses the week's reports, then cached): ${coldActors.toFixed(0)} ms`);

    const next = rng(7);
    const randomId = () => `bench-report-${Math.floor(next() * REPORTS)}`;
    const cases: Array<{ label: string; run: () => Promise<number> }> = [
      { label: 'baseline (no work)', run: () => invoke('ping') },
      { label: '/report show', run: () => invokeSub('report', 'show', { report: randomId() }) },
      { label: '/actors (7-day overview)', run: () => invoke('actors') },
      { label: '/actors report:<id>', run: () => invoke('actors', { report: randomId() }) },
    ];
    const times = cases.map(() => [] as number[]);
    // Round-robin so that GC pauses and JIT warm-up fall on every case alike. Interactions are paced under
    // 50/s: discord.js caps every REST call (interaction callbacks included) at 50 per second client-side,
    // and a real server does not answer hundreds of interactions per second from one process.
    for (let round = 0; round < ROUNDS + WARMUP; round++) {
      for (const [i, c] of cases.entries()) {
        const started = performance.now();
        const ms = await c.run();
        if (round >= WARMUP) times[i]!.push(ms);
        const gap = PACE_MS - (performance.now() - started);
        if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      }
    }
    const rows = cases.map((c, i) => {
      const sorted = times[i]!.sort((a, b) => a - b);
      return { label: c.label, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
    });

    async function invokeSub(name: string, subcommand: string, options: Record<string, string>) {
      const started = performance.now();
      const reply = await fake.command({ guildId: guild.id, channelId: channel.id, userId: String(user.id), name, subcommand, options }).reply(30_000);
      if (/error id/.test(String(reply.content))) throw new Error(`/${name} ${subcommand} failed: ${reply.content}`);
      return performance.now() - started;
    }

    console.log(
      `\ninteraction → reply over loopback, ${REPORTS.toLocaleString('en-US')} reports, offline engine, ${ROUNDS} rounds each, paced at ${1000 / PACE_MS}/s`,
    );
    console.log(`${'command'.padEnd(28)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'mean ms'.padStart(8)}  p99 / target (${TARGET_P99_MS} ms)`);
    for (const r of rows) {
      console.log(
        `${r.label.padEnd(28)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.mean.toFixed(1).padStart(8)}  ${(r.p99 / TARGET_P99_MS).toFixed(2)}×${r.p99 <= TARGET_P99_MS ? '  ✔' : '  ✘ over target'}`,
      );
    }
    // The same commands called directly (no gateway, no REST): what the transport adds on top.
    const registry = createRegistry(await loadCommands());
    const ctx = { services: app, platform: bot.platform };
    const invoker = { id: String(user.id), name: 'reader', isModerator: false };
    const direct: Array<{ label: string; run: () => Promise<unknown> }> = [
      {
        label: '/report show',
        run: () => execute(registry, { command: 'report', subcommand: 'show', options: { report: randomId() }, invoker, guildId: guild.id }, ctx),
      },
      { label: '/actors (7-day overview)', run: () => execute(registry, { command: 'actors', options: {}, invoker, guildId: guild.id }, ctx) },
    ];
    for (const d of direct) {
      const times: number[] = [];
      for (let i = 0; i < 100; i++) {
        const started = performance.now();
        await d.run();
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      console.log(`${(d.label + ' (execute only)').padEnd(40)} p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms`);
    }
    const base = rows[0]!;
    for (const r of rows.slice(1)) console.log(`${r.label}: p50 ${(r.p50 / base.p50).toFixed(1)}× the no-work baseline`);
    await bot.stop();
  } finally {
    await app.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
