/**
 * Issue 9: a reschedule made through one gateway (a /briefing subscribe interaction, delivered by the server
 * to the gateway that owns the guild's shard) while the other processes run: nothing is posted at the old
 * time by any worker, one briefing at the new. It waits for two real minute boundaries of the shifted clock
 * (about 110 s), so it runs only with SITREP_SLOW_TESTS=1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord } from '../support/discord/server.ts';
import { briefingsReceived, seedFleet, startFleet } from '../support/fleet/scenario.ts';
import { localTime, sleep, startRedis, until, type Cleanup } from '../support/fleet/fleet.ts';

const REDIS = process.env.SITREP_TEST_REDIS_URL;
const SLOW = process.env.SITREP_SLOW_TESTS === '1';

let cleanups: Cleanup[] = [];
// Stopping a fleet takes each process up to 10 s (its stop budget): more than the default hook timeout.
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
}, 120_000);

describe.skipIf(!REDIS || !SLOW)('fleet reschedule through one gateway', () => {
  it('no post at the old time, one at the new, while 2 gateways and 2 workers run', async () => {
    const t0 = Date.now();
    const redis = await startRedis(cleanups);
    const fake = await startFakeDiscord({ shards: 2 });
    cleanups.push(() => fake.close());
    // Guild 0 on shard 0 (left alone: shows the fleet was delivering at the old time), guild 1 on shard 1.
    const seed = await seedFleet(cleanups, fake, redis.url, { guilds: 2, channelsPerGuild: 1 });
    const [kept, moved] = seed.channels;
    const fleet = startFleet(cleanups, fake, seed, { gateways: 2, workers: 2 });
    await fleet.running();
    const oldTime = seed.due.getTime();
    const newTime = oldTime + 60_000;
    const guild = fake.guilds.get(moved!.guildId)!;
    const handle = fake.command({
      guildId: moved!.guildId,
      channelId: moved!.channelId,
      userId: guild.ownerId,
      name: 'briefing',
      subcommand: 'subscribe',
      options: { channel: { channel: moved!.channelId }, time: localTime(new Date(newTime), moved!.timezone), timezone: moved!.timezone, format: 'full' },
    });
    const reply = await handle.reply(15_000);
    expect(handle.shard).toBe(1);
    expect(JSON.stringify(reply)).toMatch(new RegExp(localTime(new Date(newTime), moved!.timezone).replace(':', '.?')));
    const shiftedNow = () => Date.now() + seed.offsetMs;
    expect(shiftedNow(), 'the reschedule was taken before the old time').toBeLessThan(oldTime);

    await until(
      () => shiftedNow() > newTime + 5_000 && briefingsReceived(fake, seed).every((c) => c.headers > 0),
      newTime - shiftedNow() + 60_000,
      'both briefings',
    );
    await sleep(2_000);
    const postsTo = (channelId: string) =>
      fake.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channelId}/messages`).map((r) => r.at + seed.offsetMs);
    const [keptHeaders, movedHeaders] = briefingsReceived(fake, seed).map((c) => c.headers);
    expect({ keptHeaders, movedHeaders }).toEqual({ keptHeaders: 1, movedHeaders: 1 });
    // The kept one at the old time, the moved one only from the new time on: nothing at the old time.
    expect(postsTo(kept!.channelId).every((at) => at >= oldTime && at < newTime)).toBe(true);
    expect(postsTo(moved!.channelId).length).toBeGreaterThan(0);
    expect(postsTo(moved!.channelId).every((at) => at >= newTime)).toBe(true);
    console.info(
      `reschedule: kept posted ${Math.round(postsTo(kept!.channelId)[0]! - oldTime)} ms after the old time, moved ${Math.round(postsTo(moved!.channelId)[0]! - newTime)} ms after the new; ${Math.round((Date.now() - t0) / 1000)} s`,
    );
  }, 240_000);
});
