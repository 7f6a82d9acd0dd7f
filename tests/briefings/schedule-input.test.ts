import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeSchedule, parseCron, parseTime, zonesForAbbreviation } from '../../src/briefings/schedule-input.ts';
import { SubscriptionService, parseTimezone } from '../../src/briefings/subscriptions.ts';
import { UserError } from '../../src/core/errors.ts';
import { ManualClock, tempStore } from './support/harness.ts';

describe('cron schedules are judged by their whole cycle', () => {
  it.each(['* 15,17 * * *', '*/30 8 * * *', '0,59 7 * * *', '0,45 7 * * 1'])('refuses %j: some runs are less than an hour apart', (cron) => {
    expect(() => parseCron(cron, 'UTC')).toThrow(/more than once an hour/);
  });

  it.each(['59 6 * * *', '0 6-7 * * *', '0 * * * *', '30 23 * * *'])('accepts %j: no two runs closer than an hour', (cron) => {
    expect(parseCron(cron, 'UTC')).toBe(cron);
  });

  it('looks past the first two runs: minutes of an hour that is hours away', () => {
    // The first two runs of "* 15,17 * * *" from 15:58 are 15:58 and 15:59… and from 16:00 they are 17:00
    // and 17:01; whatever the start, the cycle has runs a minute apart.
    expect(() => parseCron('* 15,17 * * *', 'Europe/Rome')).toThrow(UserError);
    // Two runs on one weekday only, 30 minutes apart, still found (weekly cycle).
    expect(() => parseCron('0,30 9 * * 3', 'UTC')).toThrow(/more than once an hour/);
    // …and on one day of the year (yearly cycle).
    expect(() => parseCron('0,30 9 29 2 *', 'UTC')).toThrow(/more than once an hour/);
    expect(parseCron('0 8,18 * * 1-5', 'UTC')).toBe('0 8,18 * * 1-5');
  });

  it('understands @daily and @weekly, and refuses @hourly with its own message', () => {
    expect(parseCron('@daily', 'UTC')).toBe('0 0 * * *');
    expect(parseCron('@WEEKLY', 'UTC')).toBe('0 0 * * 0');
    expect(() => parseCron('@hourly', 'UTC')).toThrow(/"@hourly" would post a briefing every hour/);
    expect(() => parseCron('@reboot', 'UTC')).toThrow(/Unknown cron macro "@reboot"/);
  });
});

describe('times', () => {
  it.each([
    ['7:30', '07:30'],
    ['20:05', '20:05'],
    ['8:00 PM', '20:00'],
    ['8pm', '20:00'],
    ['8:30am', '08:30'],
    ['12am', '00:00'],
    ['12:15 p.m.', '12:15'],
  ])('%j → %s', (input, expected) => expect(parseTime(input)).toBe(expected));

  it.each(['13pm', '0am', '8', '25:00', '7h30', '8:60 pm'])('refuses %j', (input) => expect(() => parseTime(input)).toThrow(/12-hour time/));
});

describe('timezones', () => {
  it.each(['CET', 'EST', 'IST', 'BST', 'est'])('answers the abbreviation %j with the IANA zones it may mean', (abbreviation) => {
    let error: unknown;
    try {
      parseTimezone(abbreviation);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('ambiguous_timezone');
    const zones = zonesForAbbreviation(abbreviation)!;
    expect(zones.length).toBeGreaterThan(0);
    expect((error as Error).message).toContain(zones[0]);
  });

  it('lists the zones each abbreviation is used by', () => {
    expect(zonesForAbbreviation('IST')).toEqual(expect.arrayContaining(['Europe/Dublin']));
    expect(zonesForAbbreviation('IST')!.some((z) => z === 'Asia/Kolkata' || z === 'Asia/Calcutta')).toBe(true);
    expect(zonesForAbbreviation('CET')).toEqual(expect.arrayContaining(['Europe/Berlin', 'Europe/Paris']));
    expect(zonesForAbbreviation('BST')).toEqual(expect.arrayContaining(['Europe/London']));
  });

  it('keeps accepting IANA names and UTC', () => {
    expect(parseTimezone('europe/rome')).toBe('Europe/Rome');
    expect(parseTimezone('UTC')).toBe('UTC');
  });
});

describe('readable schedules', () => {
  it('describes daily and cron schedules in plain words', () => {
    expect(describeSchedule({ kind: 'daily', time: '08:00', timezone: 'Europe/Paris' })).toBe('every day at 08:00 (Europe/Paris)');
    expect(describeSchedule({ kind: 'cron', cron: '0 7 * * 1-5', timezone: 'Europe/Rome' })).toBe('at 07:00, Monday through Friday (Europe/Rome)');
  });
});

describe('named subscriptions', () => {
  let env: Awaited<ReturnType<typeof tempStore>>;
  let clock: ManualClock;
  let subs: SubscriptionService;
  const base = { guildId: '111111111111111111', channelId: '222222222222222222', timezone: 'Europe/Rome', createdBy: 'u1' };

  beforeEach(async () => {
    env = await tempStore();
    clock = new ManualClock(new Date('2026-11-27T10:00:00Z'));
    subs = new SubscriptionService({ store: env.store, clock });
  });
  afterEach(async () => env.cleanup());

  it('keeps several subscriptions per channel, each with its own time and filters', async () => {
    const daily = await subs.subscribe({ ...base, time: '07:30' });
    const evening = await subs.subscribe({ ...base, name: 'Evening Sahel', time: '8pm', topics: 'Sahel' });
    expect(daily.name).toBe('daily');
    expect(daily.id).toBe(`${base.guildId}:${base.channelId}`); // the default keeps the id rows had before names
    expect(evening.id).not.toBe(daily.id);
    expect(evening.schedule).toEqual({ kind: 'daily', time: '20:00', timezone: 'Europe/Rome' });
    expect((await subs.inChannel(base.guildId, base.channelId)).map((s) => s.name)).toEqual(['daily', 'Evening Sahel']);
    expect((await subs.get(base.guildId, base.channelId, 'evening sahel'))?.id).toBe(evening.id); // names compare case-insensitively
    await expect(subs.get(base.guildId, base.channelId)).rejects.toThrow(/2 briefings \("daily", "Evening Sahel"\)/);
    await subs.unsubscribe(base.guildId, base.channelId, 'daily');
    expect((await subs.get(base.guildId, base.channelId))?.id).toBe(evening.id); // the only one left: no name needed
  });

  it('refuses bad names', async () => {
    await expect(subs.subscribe({ ...base, time: '07:30', name: 'x'.repeat(33) })).rejects.toThrow(/at most 32/);
    await expect(subs.subscribe({ ...base, time: '07:30', name: 'a:b' })).rejects.toThrow(/may only contain/);
  });

  it('reads rows stored before names as the channel\'s "daily" subscription', async () => {
    const legacy = {
      id: `${base.guildId}:${base.channelId}`,
      guildId: base.guildId,
      channelId: base.channelId,
      schedule: { kind: 'daily', time: '07:30', timezone: 'UTC' },
      filters: { topics: [], actors: [], regions: [], sources: [] },
      format: 'full',
      emptyPolicy: 'skip',
      createdBy: 'u',
      createdAt: '2026-01-01T00:00:00.000Z',
      cursor: '2026-01-01T00:00:00.000Z',
    };
    await env.store.kv('subscriptions').set(legacy.id, legacy);
    expect((await subs.get(base.guildId, base.channelId))?.name).toBe('daily');
    const updated = await subs.subscribe({ ...base, time: '09:00' });
    expect(updated.id).toBe(legacy.id);
    expect(await subs.list()).toHaveLength(1);
  });

  it('accepts "@daily" typed as the time, and gives the next run', async () => {
    const sub = await subs.subscribe({ ...base, time: '@daily' });
    expect(sub.schedule).toEqual({ kind: 'cron', cron: '0 0 * * *', timezone: 'Europe/Rome' });
    expect(subs.nextRunAt(sub, new Date('2026-11-27T10:00:00Z'))?.toISOString()).toBe('2026-11-27T23:00:00.000Z');
    expect(subs.describeSchedule(sub)).toBe('at 00:00 (Europe/Rome)');
  });
});
