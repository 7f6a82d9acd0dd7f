/**
 * Issue 9: a report ingested by the CLI (`sitrep ingest`, a real process) shortly before a briefing, while
 * the bot processes run: found by /report search on every gateway within 5 s (no restart) and included in
 * every briefing of the minute — on Redis (2 gateways + 2 workers), on Postgres (the same fleet, BullMQ on
 * a Redis of the test's own) and on the SQLite default with one bot plus the CLI.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import type { DeliveryRecord } from '../../src/briefings/service.ts';
import { shardOf, startFakeDiscord } from '../support/discord/server.ts';
import { throwAwayDatabase } from '../store/services.ts';
import { briefingsReceived, seedFleet, startFleet } from '../support/fleet/scenario.ts';
import { sleep, startRedis, startSitrep, until, type Cleanup, type SitrepProcess } from '../support/fleet/fleet.ts';

const REDIS = process.env.SITREP_TEST_REDIS_URL;
const POSTGRES = process.env.SITREP_TEST_POSTGRES_URL;

let cleanups: Cleanup[] = [];
// Stopping a fleet takes each process up to 10 s (its stop budget): more than the default hook timeout.
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
}, 120_000);

const TITLE = 'Zanzibar: port authority leases new container terminal';
const KEYWORD = 'Zanzibar';
/** In the title only, never in the query: a reply that merely echoes the query does not count as found. */
const FOUND = 'container terminal';

async function scenario(backend: 'redis' | 'postgres' | 'sqlite'): Promise<string> {
  const t0 = Date.now();
  const shardCount = backend === 'sqlite' ? 1 : 2;
  const fake = await startFakeDiscord({ shards: shardCount });
  cleanups.push(() => fake.close());
  let storeUrl: string | ((dir: string) => string) = (dir) => `sqlite://${join(dir, 'sitrep.sqlite')}`;
  const extraEnv: Record<string, string> = {};
  if (backend !== 'sqlite') {
    const redis = await startRedis(cleanups);
    storeUrl = redis.url;
    if (backend === 'postgres') {
      const db = await throwAwayDatabase(POSTGRES!);
      cleanups.push(() => db.drop());
      storeUrl = db.url;
      extraEnv.REDIS_URL = redis.url; // BullMQ beside the Postgres store (pg-boss keeps its own clock in the database)
    }
  }
  // Room for the processes to start, the CLI to ingest and every gateway to be asked before the briefing.
  const seed = await seedFleet(cleanups, fake, storeUrl, { guilds: 2 * shardCount, channelsPerGuild: 2, reports: 2, shardCount, leadMs: 80_000 });
  let gateways: SitrepProcess[];
  let all: SitrepProcess[];
  if (backend === 'sqlite') {
    const bot = startSitrep(cleanups, 'bot', ['start'], { ...seed.env }, seed.offsetMs);
    gateways = [bot];
    all = [bot];
    await bot.running();
  } else {
    const fleet = startFleet(cleanups, fake, seed, { gateways: 2, workers: 2, env: extraEnv });
    await fleet.running();
    gateways = fleet.gateways;
    all = fleet.all();
  }
  const file = join(seed.dir, 'zanzibar.md');
  writeFileSync(
    file,
    `# ${TITLE}\n\nThe Zanzibar Ports Corporation signed a 30-year lease with a Gulf operator for a new container terminal at Mangapwani, officials said on Monday. Tanzania's government expects the terminal to compete with Mombasa and Dar es Salaam for regional transit cargo.\n`,
  );
  const cli = startSitrep(cleanups, 'ingest', ['ingest', file], { ...seed.env, ...extraEnv, LOG_LEVEL: 'warn' }, seed.offsetMs);
  const ingested = await cli.exited;
  expect(ingested.code, cli.text()).toBe(0);
  const ingestedAt = Date.now();

  // /report search on every gateway (in a guild of its shard), from the moment the CLI is done: found within 5 s.
  const foundAfter: number[] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const { guildId, channelId } = seed.channels.find((c) => shardOf(c.guildId, shardCount) === shard)!;
    const owner = fake.guilds.get(guildId)!.ownerId;
    let found = false;
    while (!found && Date.now() - ingestedAt < 5_000) {
      const handle = fake.command({ guildId, channelId, userId: owner, name: 'report', subcommand: 'search', options: { query: KEYWORD } });
      const reply = await handle.reply(10_000);
      expect(handle.shard ?? 0).toBe(shard);
      found = JSON.stringify(reply).includes(FOUND);
      if (!found) await sleep(250);
    }
    expect(found, `gateway of shard ${shard} found the CLI's report within 5 s`).toBe(true);
    foundAfter.push(Date.now() - ingestedAt);
  }
  const shiftedNow = Date.now() + seed.offsetMs;
  expect(shiftedNow, 'ingested and searched before the briefing').toBeLessThan(seed.due.getTime());

  // Every briefing of the minute includes it.
  await until(() => briefingsReceived(fake, seed).every((c) => c.headers > 0), seed.due.getTime() - shiftedNow + 60_000, 'every briefing');
  await sleep(2_000);
  for (const { channelId, headers } of briefingsReceived(fake, seed)) {
    expect(headers, channelId).toBe(1);
    expect(JSON.stringify(fake.messages(channelId)), channelId).toContain(FOUND);
  }
  const store = await createStore(seed.storeUrl);
  const records = (await store.listClaims<DeliveryRecord>('delivery:')).filter((c) => !c.key.includes('#'));
  await store.close();
  expect(records).toHaveLength(seed.channels.length);
  expect(records.every((r) => r.value.reportIds.length === 3)).toBe(true);
  void all;
  return `${backend}: search found it ${foundAfter.join(' / ')} ms after the CLI exited; ${seed.channels.length} briefings include it; ${Math.round((Date.now() - t0) / 1000)} s`;
}

describe.skipIf(!REDIS)('a report ingested by the CLI while the bots run', () => {
  it('on Redis: 2 gateways and 2 workers', async () => console.info(await scenario('redis')), 240_000);
  it.skipIf(!POSTGRES)('on Postgres (BullMQ on Redis)', async () => console.info(await scenario('postgres')), 240_000);
  it('on the SQLite default: one bot plus the CLI', async () => console.info(await scenario('sqlite')), 240_000);
});
