/**
 * Scheduled delivery end to end through the real discord.js client and DiscordBriefingTransport against
 * the loopback Discord-compatible server (tests/support/discord): local times in two timezones, and the
 * 403 / 404 / 429 / 5xx policies as Discord actually answers them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefingService } from '../../src/briefings/service.ts';
import { localTime, nextOccurrence } from '../../src/briefings/schedule.ts';
import { SubscriptionService } from '../../src/briefings/subscriptions.ts';
import { startHarness, textOf, type Harness } from '../discord/harness.ts';
import { ManualClock, silentLogger } from './support/harness.ts';

let h: Harness;
let clock: ManualClock;
let subscriptions: SubscriptionService;
let briefings: BriefingService;
const t0 = new Date();

beforeAll(async () => {
  h = await startHarness({ commands: [] });
  // Subscriptions made an hour before the seed report was ingested, so it is new for all of them.
  clock = new ManualClock(new Date(t0.getTime() - 3_600_000));
  subscriptions = new SubscriptionService({ store: h.app.store, clock });
  briefings = new BriefingService({
    // The seed report (briefs/) was published years before this run ingested it: let it count as new here.
    config: { ...h.app.config, BRIEFING_MAX_AGE_DAYS: 100 * 365 },
    logger: silentLogger,
    clock,
    store: h.app.store,
    reports: h.app.reports,
    analysis: h.app.analysis,
    subscriptions,
    options: { retryBaseMs: 10 },
  });
});
afterAll(async () => {
  briefings?.stop();
  await h?.close();
});

const subscribe = (channelId: string, time: string, timezone: string) =>
  subscriptions.subscribe({ guildId: h.guild.id, channelId, time, timezone, createdBy: h.moderator.id, emptyPolicy: 'notice' });

describe('scheduled briefings on the Discord-compatible server', () => {
  it('delivers at 07:30 local time in Rome and in New York, each at its own instant', async () => {
    const rome = h.fake.addChannel(h.guild.id, { name: 'rome' }).id as string;
    const ny = h.fake.addChannel(h.guild.id, { name: 'new-york' }).id as string;
    const romeSub = await subscribe(rome, '07:30', 'Europe/Rome');
    const nySub = await subscribe(ny, '07:30', 'America/New_York');
    const romeAt = nextOccurrence(romeSub.schedule, t0);
    const nyAt = nextOccurrence(nySub.schedule, t0);
    expect(localTime(romeAt, 'Europe/Rome')).toBe('07:30');
    expect(localTime(nyAt, 'America/New_York')).toBe('07:30');
    expect(nyAt.getTime()).toBeGreaterThan(romeAt.getTime());

    clock.set(romeAt);
    const first = await briefings.runDue(romeAt, h.bot.transport);
    expect(first.map((o) => `${o.channelId}:${o.status}`)).toEqual([`${rome}:delivered`]);
    expect(h.fake.messages(ny)).toHaveLength(0);
    const posted = h.fake.messages(rome);
    expect(posted.length).toBeGreaterThan(0);
    const text = posted.map(textOf).join('\n');
    expect(text).toContain('Sitrep briefing');
    expect(text).toMatch(/China|Belarus/); // the seed report, summarised with its actors
    expect(posted.every((m) => JSON.stringify(m.allowed_mentions) === '{"parse":[]}')).toBe(true);

    clock.set(nyAt);
    const second = await briefings.runDue(nyAt, h.bot.transport);
    expect(second.map((o) => `${o.channelId}:${o.status}`)).toEqual([`${ny}:delivered`]);
    expect(h.fake.messages(rome)).toHaveLength(posted.length);
  });

  it('403 pauses and tells moderators, 404 removes, 429 waits, 5xx retries; the others are delivered', async () => {
    const denied = h.fake.addChannel(h.guild.id, { name: 'denied', botDeny: ['SendMessages'] }).id as string;
    const gone = '999999999999999999';
    const limited = h.fake.addChannel(h.guild.id, { name: 'limited' }).id as string;
    const flaky = h.fake.addChannel(h.guild.id, { name: 'flaky' }).id as string;
    const fine = h.fake.addChannel(h.guild.id, { name: 'fine' }).id as string;
    for (const channel of [denied, gone, limited, flaky, fine]) await subscribe(channel, '05:00', 'UTC');
    h.fake.failNext({ method: 'POST', path: `/channels/${limited}/messages`, status: 429, retryAfter: 0.3 });
    // More 502s than discord.js retries by itself, so Sitrep's own backoff has to take over.
    h.fake.failNext({ method: 'POST', path: `/channels/${flaky}/messages`, status: 502, times: 5 });

    const at = nextOccurrence({ kind: 'daily', time: '05:00', timezone: 'UTC' }, clock.now());
    clock.set(at);
    const outcomes = await briefings.runDue(at, h.bot.transport);
    const status = Object.fromEntries(outcomes.map((o) => [o.channelId, o.status]));
    expect(status).toEqual({ [denied]: 'paused', [gone]: 'removed', [limited]: 'delivered', [flaky]: 'delivered', [fine]: 'delivered' });

    const paused = await subscriptions.get(h.guild.id, denied);
    expect(paused?.paused?.reason).toMatch(/Send Messages/);
    const system = h.fake.messages(h.guild.systemChannelId!).map(textOf).join('\n');
    expect(system).toContain(`paused the daily briefing for <#${denied}>`); // a channel mention, never a raw id
    expect(await subscriptions.get(h.guild.id, gone)).toBeUndefined();
    expect((await subscriptions.removalLog(h.guild.id)).at(-1)?.reason).toMatch(/Channel not found/);
    for (const channel of [limited, flaky, fine]) {
      const headers = h.fake
        .messages(channel)
        .flatMap((m) => m.embeds ?? [])
        .filter((e: { title?: string }) => e.title?.startsWith('Sitrep briefing'));
      expect(headers).toHaveLength(1);
    }
    expect(h.fake.messages(denied)).toHaveLength(0);
  });
});
