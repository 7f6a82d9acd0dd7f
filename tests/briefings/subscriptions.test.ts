import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SubscriptionService, suggestTimezone } from '../../src/briefings/subscriptions.ts';
import { UserError } from '../../src/core/errors.ts';
import { ManualClock, tempStore } from './support/harness.ts';

describe('SubscriptionService', () => {
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

  it('creates a daily subscription with parsed filters and cursor = now', async () => {
    const sub = await subs.subscribe({ ...base, time: '7:30', topics: 'Taiwan, sanctions ,taiwan', actors: ['China'], format: 'compact' });
    expect(sub.schedule).toEqual({ kind: 'daily', time: '07:30', timezone: 'Europe/Rome' });
    expect(sub.filters.topics).toEqual(['Taiwan', 'sanctions']);
    expect(sub.filters.actors).toEqual(['China']);
    expect(sub.format).toBe('compact');
    expect(sub.emptyPolicy).toBe('skip');
    expect(sub.cursor).toBe('2026-11-27T10:00:00.000Z');
    expect(await subs.get(base.guildId, base.channelId)).toEqual(sub);
  });

  it('upserts per (guild, channel), keeping the cursor', async () => {
    const first = await subs.subscribe({ ...base, time: '07:30' });
    clock.advance(3600_000);
    const second = await subs.subscribe({ ...base, cron: '0 8 * * 1-5', timezone: 'america/new_york' });
    expect(second.id).toBe(first.id);
    expect(second.cursor).toBe(first.cursor);
    expect(second.schedule).toEqual({ kind: 'cron', cron: '0 8 * * 1-5', timezone: 'America/New_York' });
    expect(await subs.list()).toHaveLength(1);
  });

  it.each([
    [{ time: '25:00' }, 'Time must be HH:MM on the 24-hour clock'],
    [{ time: '7h30' }, 'Time must be HH:MM on the 24-hour clock'],
    [{ time: '07:30', cron: '0 7 * * *' }, 'not both'],
    [{}, 'A schedule is required'],
    [{ cron: '0 7 * *' }, 'Cron must have 5 fields'],
    [{ cron: '61 7 * * *' }, 'Invalid cron expression'],
    [{ cron: '* * * * *' }, 'at most hourly'],
    [{ time: '07:30', format: 'huge' as never }, 'Format must be'],
  ])('rejects %j with a specific message', async (extra, message) => {
    await expect(subs.subscribe({ ...base, ...extra })).rejects.toThrow(message);
    await expect(subs.subscribe({ ...base, ...extra })).rejects.toBeInstanceOf(UserError);
  });

  it('rejects an unknown timezone and suggests a close one', async () => {
    await expect(subs.subscribe({ ...base, time: '07:30', timezone: 'Europe/Rom' })).rejects.toThrow(/Unknown timezone "Europe\/Rom".*Europe\/Rome/);
    expect(suggestTimezone('rome')).toBe('Europe/Rome');
    expect(suggestTimezone('America/New_Yrok')).toBe('America/New_York');
  });

  it('lists by guild, pauses, resumes, removes with a logged reason', async () => {
    const a = await subs.subscribe({ ...base, time: '07:30' });
    await subs.subscribe({ ...base, guildId: '333333333333333333', time: '08:00' });
    expect((await subs.list(base.guildId)).map((s) => s.id)).toEqual([a.id]);
    expect(await subs.list()).toHaveLength(2);

    const changes: string[] = [];
    subs.onChange((c) => changes.push(`${c.kind}:${c.subscription.id}`));
    await subs.pause(a.id, 'Missing Permissions');
    expect((await subs.getById(a.id))?.paused).toEqual({ reason: 'Missing Permissions', at: '2026-11-27T10:00:00.000Z' });
    await subs.resume(a.id);
    expect((await subs.getById(a.id))?.paused).toBeUndefined();
    await subs.remove(a.id, 'channel deleted (Unknown Channel)');
    expect(await subs.getById(a.id)).toBeUndefined();
    const log = await subs.removalLog(base.guildId);
    expect(log.map((r) => r.reason)).toEqual(['channel deleted (Unknown Channel)']);
    expect(changes).toEqual([`upsert:${a.id}`, `upsert:${a.id}`, `remove:${a.id}`]);
    expect(await subs.unsubscribe(base.guildId, base.channelId)).toBeUndefined();
  });
});
