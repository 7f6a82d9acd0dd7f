/**
 * Issue 9, fleet end to end: 200 subscriptions across guilds and timezones due in the same minute, run by
 * real `sitrep start` processes — 2 gateways (one shard each of 2) and 2 workers — on a Redis of the
 * test's own, against the shard-aware Discord-compatible server. Then the same with a worker killed -9 in
 * the middle of the fan-out and restarted. Every assertion is on what the server received.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/index.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/discord/server.ts';
import { seedFleet, startFleet, briefingsReceived, type FleetSeed } from '../support/fleet/scenario.ts';
import { sleep, startRedis, until, type Cleanup } from '../support/fleet/fleet.ts';
import type { DeliveryRecord } from '../../src/briefings/service.ts';

const REDIS = process.env.SITREP_TEST_REDIS_URL;

let cleanups: Cleanup[] = [];
// Stopping a fleet takes each process up to 10 s (its stop budget): more than the default hook timeout.
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
}, 120_000);

async function ledger(redisUrl: string): Promise<DeliveryRecord[]> {
  const store = await createStore(redisUrl);
  try {
    return (await store.listClaims<DeliveryRecord>('delivery:')).filter((c) => !c.key.includes('#')).map((c) => c.value);
  } finally {
    await store.close();
  }
}

/** Each channel: exactly one briefing, all of its parts once, and what the ledger says it sent. */
async function expectExactlyOnce(fake: FakeDiscord, seed: FleetSeed, redisUrl: string): Promise<{ parts: number; messages: number; owners: number }> {
  const got = briefingsReceived(fake, seed);
  const missed = got.filter((c) => c.headers === 0).map((c) => c.channelId);
  const doubled = got.filter((c) => c.headers > 1).map((c) => c.channelId);
  expect({ missed, doubled }).toEqual({ missed: [], doubled: [] });
  const records = await ledger(redisUrl);
  expect(records).toHaveLength(seed.channels.length);
  let messages = 0;
  for (const record of records) {
    expect(record.done).toBe(true);
    const channelId = record.subscriptionId.split(':')[1]!;
    const received = fake.messages(channelId).map((m) => m.id as string);
    // Every part once, in order: the server holds exactly the messages the ledger recorded as sent.
    expect(received, channelId).toEqual(record.sent);
    expect(received).toHaveLength(record.parts);
    expect(record.reportIds).toHaveLength(seed.reports);
    messages += received.length;
  }
  return { parts: Math.max(...records.map((r) => r.parts)), messages, owners: new Set(records.map((r) => r.owner)).size };
}

describe.skipIf(!REDIS)('fleet fan-out: 2 gateways (one shard each) and 2 workers on Redis', () => {
  it('200 subscriptions due in the same minute: exactly 200 briefings, none doubled, none missed', async () => {
    const t0 = Date.now();
    const redis = await startRedis(cleanups);
    const fake = await startFakeDiscord({ shards: 2 });
    cleanups.push(() => fake.close());
    const seed = await seedFleet(cleanups, fake, redis.url, { guilds: 20, channelsPerGuild: 10 });
    const fleet = startFleet(cleanups, fake, seed, { gateways: 2, workers: 2 });
    await fleet.running();
    await until(
      () => briefingsReceived(fake, seed).every((c) => c.headers > 0),
      Number(process.env.FLEET_WAIT ?? 90_000),
      'every channel to get its briefing',
    ).catch((error) => {
      throw new Error(`${error.message}; received ${JSON.stringify(briefingsReceived(fake, seed).slice(0, 3))}\n${fleet.diagnose()}`);
    });
    await sleep(3_000); // anything doubled would arrive now
    const { parts, messages, owners } = await expectExactlyOnce(fake, seed, redis.url);
    expect(parts).toBeGreaterThanOrEqual(2);
    expect(fake.sessions.map((s) => s.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    console.info(
      `fan-out: ${seed.channels.length} briefings, ${messages} messages, delivered by ${owners} processes, due ${fleet.dueAfterStartMs()} ms after the fleet was up, ${Math.round((Date.now() - t0) / 1000)} s`,
    );
  }, 180_000);

  it('kill -9 of a worker in the middle of the fan-out, then a restart: every part of every briefing posted once', async () => {
    const t0 = Date.now();
    const redis = await startRedis(cleanups);
    const fake = await startFakeDiscord({ shards: 2 });
    cleanups.push(() => fake.close());
    // Slow posts and Discord's global limit stretch the fan-out over several seconds so the kill lands inside it.
    fake.messagePosts = { latencyMs: 400 };
    fake.rateLimitPerSecond = 50;
    const seed = await seedFleet(cleanups, fake, redis.url, { guilds: 20, channelsPerGuild: 10 });
    const fleet = startFleet(cleanups, fake, seed, { gateways: 2, workers: 2, env: { BRIEFING_LEASE_SECONDS: '5' } });
    await fleet.running();
    const total = () => briefingsReceived(fake, seed).reduce((n, c) => n + c.messages, 0);
    await until(() => total() >= 60, 90_000, 'the fan-out to start');
    const victim = fleet.workers[0]!;
    const killed = await victim.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const atKill = total();
    const unfinished = (await ledger(redis.url)).filter((r) => !r.done);
    expect(unfinished.length, 'the kill fell in the middle of the fan-out').toBeGreaterThan(0);
    const restarted = fleet.restartWorker(0);
    await restarted.running();
    await until(() => briefingsReceived(fake, seed).every((c) => c.headers > 0), 90_000, 'every channel to get its briefing');
    await until(async () => (await ledger(redis.url)).every((r) => r.done), 60_000, 'every delivery to finish');
    await sleep(3_000);
    const { owners } = await expectExactlyOnce(fake, seed, redis.url);
    const repeats = fake.requests.filter((r) => r.method === 'POST' && /\/messages$/.test(r.path)).length - total();
    console.info(
      `kill -9 at ${atKill} messages (${unfinished.length} briefings unfinished); ${repeats} repeated posts (429 retries, nonce repeats); delivered by ${owners} ledger owners; ${Math.round((Date.now() - t0) / 1000)} s`,
    );
  }, 240_000);

  // Deliveries cut short while Redis is down are retried when their lease runs out (docs/fleet.md); before that,
  // 6 of 200 channels were still waiting 2 minutes after the restart.
  it('a Redis (AOF on) restart in the middle of the fan-out: no duplicates, nothing lost', async () => {
    const t0 = Date.now();
    const redis = await startRedis(cleanups, { appendonly: true });
    const fake = await startFakeDiscord({ shards: 2 });
    cleanups.push(() => fake.close());
    fake.messagePosts = { latencyMs: 400 };
    fake.rateLimitPerSecond = 50;
    const seed = await seedFleet(cleanups, fake, redis.url, { guilds: 20, channelsPerGuild: 10 });
    const fleet = startFleet(cleanups, fake, seed, { gateways: 2, workers: 2, env: { BRIEFING_LEASE_SECONDS: '5' } });
    await fleet.running();
    const total = () => briefingsReceived(fake, seed).reduce((n, c) => n + c.messages, 0);
    await until(() => total() >= 60, 90_000, 'the fan-out to start');
    await redis.restart({ downMs: 2_000 });
    const atRestart = total();
    await until(() => briefingsReceived(fake, seed).every((c) => c.headers > 0), 120_000, 'every channel to get its briefing').catch((error) => {
      throw new Error(
        `${error.message}; ${briefingsReceived(fake, seed).filter((c) => c.headers === 0).length} channels without a briefing\n${fleet.diagnose()}`,
      );
    });
    await until(async () => (await ledger(redis.url)).every((r) => r.done), 60_000, 'every delivery to finish').catch(async (error) => {
      const open = (await ledger(redis.url)).filter((r) => !r.done);
      throw new Error(`${error.message}; ${open.length} open: ${JSON.stringify(open.slice(0, 2))}\n${fleet.diagnose()}`);
    });
    await sleep(3_000);
    const { owners } = await expectExactlyOnce(fake, seed, redis.url);
    // Every process lived through it.
    expect(fleet.all().every((p) => p.child.exitCode === null && p.child.signalCode === null)).toBe(true);
    console.info(`redis restarted at ${atRestart} messages; delivered by ${owners} ledger owners; ${Math.round((Date.now() - t0) / 1000)} s`);
  }, 300_000);
});
