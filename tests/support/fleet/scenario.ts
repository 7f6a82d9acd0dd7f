/**
 * Seed data and the standard fleet of the fleet tests: guilds spread over the shards, one subscription per
 * channel in a spread of timezones all due at the same instant, a few reports, and `sitrep start` processes
 * (gateways one per shard, REST-only workers) sharing one store and one shifted clock.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createStore } from '../../../src/store/index.ts';
import { ReportLibrary } from '../../../src/reports/library.ts';
import { SubscriptionService } from '../../../src/briefings/subscriptions.ts';
import { createLogger } from '../../../src/logger.ts';
import { makeReport } from '../../briefings/support/harness.ts';
import type { FakeDiscord } from '../discord/server.ts';
import { localTime, minuteAhead, shiftedClock, startSitrep, tempDir, type Cleanup, type SitrepProcess } from './fleet.ts';

/** Offsets from -8 h to +13 h, half and quarter hours included: one UTC instant, many local times. */
export const TIMEZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Adelaide',
  'America/St_Johns',
  'Pacific/Auckland',
  'Asia/Tokyo',
  'America/Los_Angeles',
];

/** How long before the due minute the fleet's clock starts: room for 4 processes to start on a loaded machine. */
export const LEAD_MS = Number(process.env.SITREP_FLEET_LEAD_MS ?? 45_000);

const TOPICS = ['Belarus', 'Taiwan', 'Sahel', 'Arctic', 'Red Sea', 'Caucasus', 'Balkans', 'Baltic', 'Pacific', 'Andes', 'Kashmir', 'Levant'];

export interface FleetSeed {
  storeUrl: string;
  dir: string;
  offsetMs: number;
  due: Date;
  shardCount: number;
  channels: Array<{ guildId: string; channelId: string; timezone: string }>;
  reports: number;
  env: Record<string, string>;
}

export function reportText(topic: string, i: number): string {
  return [
    `China and Russia discussed ${topic} on ${i + 1} November, according to the Ministry of Defence of Belarus.`,
    `Li Shangfu, China's Minister of Defence, met Viktor Khrenin in Minsk to review joint exercises near ${topic}.`,
    `NATO officials said the talks signal closer military cooperation between Beijing and Moscow in ${topic}.`,
    'Analysts expect further visits and arms deals over the coming months.',
  ].join(' ');
}

export async function seedFleet(
  cleanups: Cleanup[],
  fake: FakeDiscord,
  storeUrlOf: string | ((dir: string) => string),
  opts: { guilds: number; channelsPerGuild: number; shardCount?: number; reports?: number; leadMs?: number },
): Promise<FleetSeed> {
  const shardCount = opts.shardCount ?? 2;
  const dir = tempDir(cleanups);
  mkdirSync(join(dir, 'briefs'));
  const storeUrl = typeof storeUrlOf === 'string' ? storeUrlOf : storeUrlOf(dir);
  const { offsetMs, due } = minuteAhead(opts.leadMs ?? LEAD_MS);
  const clock = shiftedClock(offsetMs);
  const channels: FleetSeed['channels'] = [];
  for (let g = 0; g < opts.guilds; g++) {
    const guild = fake.addGuild({ id: fake.guildIdOnShard(g % shardCount, shardCount) });
    for (let c = 0; c < opts.channelsPerGuild; c++) {
      const channelId = fake.addChannel(guild.id).id as string;
      channels.push({ guildId: guild.id, channelId, timezone: TIMEZONES[(g * opts.channelsPerGuild + c) % TIMEZONES.length]! });
    }
  }
  const store = await createStore(storeUrl, { now: () => clock.now().getTime() });
  try {
    const subscriptions = new SubscriptionService({ store, clock });
    for (const ch of channels) {
      await subscriptions.subscribe({
        guildId: ch.guildId,
        channelId: ch.channelId,
        time: localTime(due, ch.timezone),
        timezone: ch.timezone,
        createdBy: 'mod',
        format: 'full',
      });
    }
    // After the subscriptions, so every report is new to each of them.
    const library = new ReportLibrary({ store, logger: createLogger('silent'), clock });
    await library.load();
    const at = clock.now().getTime();
    await library.upsertMany(
      TOPICS.slice(0, opts.reports ?? TOPICS.length).map((topic, i) =>
        makeReport(`fleet-${i}`, {
          title: `${topic}: China and Russia step up cooperation`,
          text: reportText(topic, i),
          ingestedAt: new Date(at + i).toISOString(),
          publishedAt: new Date(at - (i + 1) * 600_000).toISOString(),
        }),
      ),
    );
    await library.flush();
    library.close();
  } finally {
    await store.close();
  }
  return {
    storeUrl,
    dir,
    offsetMs,
    due,
    shardCount,
    channels,
    reports: Math.min(opts.reports ?? TOPICS.length, TOPICS.length),
    env: { STORE_URL: storeUrl, DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, BRIEFS_DIR: join(dir, 'briefs') },
  };
}

export interface Fleet {
  gateways: SitrepProcess[];
  workers: SitrepProcess[];
  all(): SitrepProcess[];
  running(): Promise<void>;
  /** How long before the due instant every process was running (negative: the catch-up pass delivered). */
  dueAfterStartMs(): number;
  restartWorker(i: number): SitrepProcess;
  /** Warnings, errors and delivery lines of every process, for a failure's message. */
  diagnose(): string;
}

export function startFleet(
  cleanups: Cleanup[],
  _fake: FakeDiscord,
  seed: FleetSeed,
  opts: { gateways: number; workers: number; env?: Record<string, string> },
): Fleet {
  const env = { ...seed.env, ...opts.env };
  const gateways = Array.from({ length: opts.gateways }, (_, shard) =>
    startSitrep(
      cleanups,
      `gateway-${shard}`,
      ['start', '--role', 'gateway', '--shards', String(shard), '--shard-count', String(seed.shardCount)],
      env,
      seed.offsetMs,
    ),
  );
  const workers = Array.from({ length: opts.workers }, (_, i) => startSitrep(cleanups, `worker-${i}`, ['start', '--role', 'worker'], env, seed.offsetMs));
  let upAt: number | undefined;
  const fleet: Fleet = {
    gateways,
    workers,
    all: () => [...fleet.gateways, ...fleet.workers],
    running: async () => {
      await Promise.all(fleet.all().map((p) => p.running(Math.max(30_000, seed.due.getTime() - (Date.now() + seed.offsetMs) + 30_000))));
      upAt ??= Date.now() + seed.offsetMs;
    },
    dueAfterStartMs: () => seed.due.getTime() - (upAt ?? Number.NaN),
    diagnose: () =>
      fleet
        .all()
        .map(
          (p) =>
            `${p.name}:\n${p
              .logs()
              .filter((l) => l.level >= 30)
              .slice(-15)
              .map((l) => JSON.stringify(l).slice(0, 400))
              .join('\n')}`,
        )
        .join('\n'),
    restartWorker(i) {
      const next = startSitrep(cleanups, `worker-${i}-restarted`, ['start', '--role', 'worker'], env, seed.offsetMs);
      fleet.workers[i] = next;
      return next;
    },
  };
  return fleet;
}

/** Per seeded channel: how many messages and briefing headers the server received. */
export function briefingsReceived(fake: FakeDiscord, seed: FleetSeed): Array<{ channelId: string; messages: number; headers: number }> {
  return seed.channels.map(({ channelId }) => {
    const messages = fake.messages(channelId);
    const headers = messages.filter((m) => (m.embeds ?? []).some((e: { title?: string }) => (e.title ?? '').startsWith('Sitrep briefing'))).length;
    return { channelId, messages: messages.length, headers };
  });
}
