import { afterEach, describe, expect, it } from 'vitest';
import { BriefingService, type DeliveryRecord } from '../../src/briefings/service.ts';
import { SubscriptionService, type SubscribeInput } from '../../src/briefings/subscriptions.ts';
import { DeliveryLedger, LeaseLostError } from '../../src/briefings/delivery-ledger.ts';
import { InProcessScheduler, gapOccurrence } from '../../src/scheduling/in-process.ts';
import type { JobRun } from '../../src/scheduling/port.ts';
import { FakeAnalysis, ManualClock, MemoryReports, RecordingTransport, makeReport, silentLogger, tempStore, testConfig } from './support/harness.ts';
import { FakeScheduler } from './support/fake-scheduler.ts';

const GUILD = '100000000000000001';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(start: string, options: { leaseMs?: number } = {}) {
  const storeEnv = await tempStore();
  const clock = new ManualClock(new Date(start));
  const subscriptions = new SubscriptionService({ store: storeEnv.store, clock });
  const reports = new MemoryReports();
  const analysis = new FakeAnalysis();
  const scheduler = new FakeScheduler();
  const services: BriefingService[] = [];
  const makeService = (extra: { scheduler?: FakeScheduler } = {}) => {
    const service = new BriefingService({
      config: testConfig(),
      logger: silentLogger,
      clock,
      store: storeEnv.store,
      reports,
      analysis,
      subscriptions,
      scheduler: extra.scheduler ?? scheduler,
      options: { retryBaseMs: 1, ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}) },
    });
    services.push(service);
    return service;
  };
  const transport = new RecordingTransport();
  cleanups.push(async () => {
    for (const s of services) await s.stop();
    await storeEnv.cleanup();
  });
  const subscribe = (channelId: string, extra: Partial<SubscribeInput> = {}) =>
    subscriptions.subscribe({ guildId: GUILD, channelId, time: '07:30', timezone: 'UTC', createdBy: 'mod', emptyPolicy: 'notice', ...extra });
  return { store: storeEnv.store, clock, subscriptions, reports, analysis, scheduler, makeService, transport, subscribe };
}

describe('briefing occurrences run through the scheduler port', () => {
  it('each subscription is a briefing:<id> job with its cron pattern and timezone, kept current at once', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const a = await s.subscribe('a', { time: '07:30', timezone: 'Europe/Rome' });
    const service = s.makeService();
    await service.start(s.transport);
    expect(s.scheduler.jobs.get(`briefing:${a.id}`)).toEqual({
      id: `briefing:${a.id}`,
      kind: 'briefing',
      pattern: '30 7 * * *',
      timezone: 'Europe/Rome',
      data: { subscriptionId: a.id },
    });

    const b = await s.subscribe('b', { cron: '0 8 * * 1-5', time: undefined });
    await service.settled();
    expect(s.scheduler.jobs.get(`briefing:${b.id}`)?.pattern).toBe('0 8 * * 1-5');

    await s.subscribe('a', { time: '09:15', timezone: 'Europe/Rome' });
    await s.subscriptions.pause(b.id, 'Missing Permissions');
    await service.settled();
    expect(s.scheduler.jobs.get(`briefing:${a.id}`)?.pattern).toBe('15 9 * * *');
    expect(s.scheduler.jobs.has(`briefing:${b.id}`)).toBe(false);
    await s.subscriptions.resume(b.id);
    await s.subscriptions.unsubscribe(GUILD, 'a');
    await service.settled();
    expect([...s.scheduler.jobs.keys()]).toEqual([`briefing:${b.id}`]);
  });

  it('never posts at a cancelled time: a run for the old time of a rescheduled subscription posts nothing', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const sub = await s.subscribe('move', { time: '07:30' });
    const service = s.makeService();
    await service.start(s.transport);
    s.clock.set('2026-11-27T06:00:00Z');
    await s.subscribe('move', { time: '09:00' });
    await service.settled();
    // An engine that still fires the old occurrence (a stale job, another process's lag) is refused.
    s.clock.set('2026-11-27T07:30:00Z');
    expect(await service.runOccurrence(sub.id, new Date('2026-11-27T07:30:00Z'))).toBeUndefined();
    expect(s.transport.sent).toHaveLength(0);
    s.clock.set('2026-11-27T09:00:00Z');
    expect(await s.scheduler.fire(`briefing:${sub.id}`, new Date('2026-11-27T09:00:00Z'))).toBe(true);
    expect(s.transport.to('move')).toHaveLength(1);
    // Unsubscribed: the job is gone, and a late run for it posts nothing either.
    await s.subscriptions.unsubscribe(GUILD, 'move');
    await service.settled();
    expect(await s.scheduler.fire(`briefing:${sub.id}`, new Date('2026-11-28T09:00:00Z'))).toBe(false);
    expect(await service.runOccurrence(sub.id, new Date('2026-11-28T09:00:00Z'))).toBeUndefined();
    expect(s.transport.sent).toHaveLength(1);
  });

  it('only the winner of the claim composes: a process that loses it reads no report and calls no model', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const sub = await s.subscribe('one');
    s.reports.add(makeReport('r1', { ingestedAt: '2026-11-26T13:00:00Z' }));
    const at = new Date('2026-11-27T07:30:00Z');
    s.clock.set(at);
    // Another process holds the occurrence's claim (a live lease).
    const other = new DeliveryLedger({ store: s.store, clock: s.clock, logger: silentLogger, leaseMs: 60_000 });
    const held = await other.acquire(`delivery:${sub.id}:${at.toISOString()}`, () => ({
      subscriptionId: sub.id,
      occurrence: at.toISOString(),
      composed: false,
      composedAt: at.toISOString(),
      reportIds: [],
      parts: 0,
      sent: [],
      done: false,
    }));
    expect(held.won).toBe(true);
    const service = s.makeService();
    const outcome = await service.runOccurrence(sub.id, at, s.transport);
    expect(outcome?.status).toBe('in_progress_elsewhere');
    expect(s.reports.listCalls).toBe(0);
    expect(s.analysis.calls).toBe(0);
    expect(s.transport.sent).toHaveLength(0);
  });

  it('catches up an occurrence missed while no process ran, once, when scheduling starts', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('late', { time: '06:00' });
    s.clock.set('2026-11-27T08:00:00Z');
    const service = s.makeService();
    await service.start(s.transport);
    expect(s.transport.to('late')).toHaveLength(1);
    await service.stop();
    await s.makeService().start(s.transport);
    expect(s.transport.to('late')).toHaveLength(1);
  });
});

describe('the delivery ledger', () => {
  const fresh = (sub: string, at: string) => () => ({
    subscriptionId: sub,
    occurrence: at,
    composed: false,
    composedAt: at,
    reportIds: [],
    parts: 0,
    sent: [],
    done: false,
  });

  it('takes a delivery over only once its lease expired, and only one of two contenders wins', async () => {
    const s = await setup('2026-11-27T07:30:00Z');
    const ledger = (leaseMs = 30_000) => new DeliveryLedger({ store: s.store, clock: s.clock, logger: silentLogger, leaseMs });
    const key = 'delivery:g:c:2026-11-27T07:30:00.000Z';
    const owner = ledger();
    const first = await owner.acquire(key, fresh('g:c', '2026-11-27T07:30:00.000Z'));
    expect(first.won).toBe(true);
    // Same host, same pid, another instance: a live lease is respected (no guessing from hostname or pid).
    expect((await ledger().acquire(key, fresh('g:c', 'x'))).won).toBe(false);
    s.clock.advance(31_000);
    const [a, b] = await Promise.all([ledger().acquire(key, fresh('g:c', 'x')), ledger().acquire(key, fresh('g:c', 'x'))]);
    expect([a.won, b.won].filter(Boolean)).toHaveLength(1);
    // The old owner finds out at its next write and stops.
    if (!first.won) throw new Error('unreachable');
    await expect(first.lease.update((r) => r.sent.push('late'))).rejects.toBeInstanceOf(LeaseLostError);
    const record = await s.store.getClaim<DeliveryRecord>(key);
    expect(record!.sent).toEqual([]);
    expect(record!.takeovers).toBe(1);
  });

  it('records each part as sending, with its nonce, before the request', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const sub = await s.subscribe('p', { format: 'full' });
    for (let i = 0; i < 7; i++) s.reports.add(makeReport(`r${i}`, { ingestedAt: `2026-11-26T1${i + 3}:00:00Z` }));
    const at = new Date('2026-11-27T07:30:00Z');
    s.clock.set(at);
    const key = `delivery:${sub.id}:${at.toISOString()}`;
    const seen: Array<{ nonce?: string; recorded?: DeliveryRecord['sending']; sentBefore: number }> = [];
    const send = s.transport.send.bind(s.transport);
    s.transport.send = async (channelId, message, options) => {
      const record = await s.store.getClaim<DeliveryRecord>(key);
      seen.push({ nonce: options?.nonce, recorded: record?.sending, sentBefore: record?.sent.length ?? -1 });
      return send(channelId, message, options);
    };
    const [outcome] = await s.makeService().runDue(at, s.transport);
    expect(outcome!.status).toBe('delivered');
    expect(seen).toHaveLength(3);
    seen.forEach((call, part) => {
      expect(call.recorded).toMatchObject({ part, nonce: call.nonce });
      expect(call.sentBefore).toBe(part);
    });
    const done = await s.store.getClaim<DeliveryRecord>(key);
    expect(done!.sending).toBeUndefined();
    expect(done!.sent).toHaveLength(3);
  });

  it('resumes an interrupted delivery within seconds of a start, with the same nonces', async () => {
    const s = await setup('2026-11-26T12:00:00Z', { leaseMs: 1_000 });
    const sub = await s.subscribe('r', { format: 'full' });
    for (let i = 0; i < 7; i++) s.reports.add(makeReport(`r${i}`, { ingestedAt: `2026-11-26T1${i + 3}:00:00Z` }));
    const at = new Date('2026-11-27T07:30:00Z');
    s.clock.set(at);
    const dying = new RecordingTransport();
    dying.crashAfter = 1; // part 2 hangs forever: the process "dies" with part 2 in flight
    const first = s.makeService({ scheduler: new FakeScheduler() });
    void first.runDue(at, dying);
    await expect.poll(() => dying.attempts.length).toBe(2);
    await first.stop();
    // The stopped process released its in-flight delivery; a new one starts a moment later.
    s.clock.advance(1_500);
    const started = performance.now();
    const second = s.makeService({ scheduler: new FakeScheduler() });
    await second.start(s.transport);
    await expect.poll(() => s.transport.to('r').length, { timeout: 10_000 }).toBe(2);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(s.transport.to('r')[0]!.nonce).toBe(dying.attempts[1]!.nonce);
    expect((await s.store.getClaim<DeliveryRecord>(`delivery:${sub.id}:${at.toISOString()}`))!.done).toBe(true);
  });
});

describe('resume after a crash (the owner never released its lease)', () => {
  it("a start resumes the dead owner's delivery as soon as its lease runs out, not minutes later", async () => {
    const env = await tempStore();
    const clock = { now: () => new Date() }; // real time: the lease has to run out by itself
    const subscriptions = new SubscriptionService({ store: env.store, clock });
    const sub = await subscriptions.subscribe({ guildId: GUILD, channelId: 'crash', time: '07:30', timezone: 'UTC', createdBy: 'mod', emptyPolicy: 'notice' });
    const occurrence = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();
    // The dead process claimed it a moment ago (a 1 s lease) and died before composing.
    const dead = new DeliveryLedger({ store: env.store, clock, logger: silentLogger, leaseMs: 1_000 });
    const key = `delivery:${sub.id}:${occurrence}`;
    expect(
      (
        await dead.acquire(key, () => ({
          subscriptionId: sub.id,
          occurrence,
          composed: false,
          composedAt: occurrence,
          reportIds: [],
          parts: 0,
          sent: [],
          done: false,
        }))
      ).won,
    ).toBe(true);
    const service = new BriefingService({
      config: testConfig(),
      logger: silentLogger,
      clock,
      store: env.store,
      reports: new MemoryReports(),
      analysis: new FakeAnalysis(),
      subscriptions,
      scheduler: new FakeScheduler(),
      options: { leaseMs: 1_000, retryBaseMs: 1 },
    });
    const transport = new RecordingTransport();
    cleanups.push(async () => {
      await service.stop();
      await env.cleanup();
    });
    const started = performance.now();
    await service.start(transport);
    await expect.poll(() => transport.to('crash').length, { timeout: 10_000 }).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
    const record = await env.store.getClaim<DeliveryRecord>(key);
    expect(record).toMatchObject({ done: true, takeovers: 1 });
  });
});

describe('InProcessScheduler (node-cron)', () => {
  it('runs interval jobs until removed, and pattern jobs at their time with the occurrence instant', async () => {
    const scheduler = new InProcessScheduler({ logger: silentLogger });
    cleanups.push(() => scheduler.close());
    const runs: JobRun[] = [];
    await scheduler.work('feed-poll', async (run) => void runs.push(run));
    await scheduler.work('briefing', async (run) => void runs.push(run));
    await scheduler.upsert({ id: 'feed-poll:f1', kind: 'feed-poll', everyMs: 50, data: { feedId: 'f1' } });
    await expect.poll(() => runs.filter((r) => r.id === 'feed-poll:f1').length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    await scheduler.remove('feed-poll:f1');
    const after = runs.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(runs.length).toBe(after);
    expect(runs[0]!.data).toEqual({ feedId: 'f1' });

    // Every second (6 fields) so the test need not wait a minute; the run carries its whole-second instant.
    await scheduler.upsert({ id: 'briefing:x', kind: 'briefing', pattern: '* * * * * *', timezone: 'Europe/Rome', data: { subscriptionId: 'x' } });
    expect((await scheduler.list()).map((j) => j.id)).toEqual(['briefing:x']);
    await expect.poll(() => runs.some((r) => r.id === 'briefing:x'), { timeout: 5_000 }).toBe(true);
    const run = runs.find((r) => r.id === 'briefing:x')!;
    expect(run.scheduledAt.getMilliseconds()).toBe(0);
    expect(run.attempt).toBe(1);

    // Jobs with the same pattern and timezone share a node-cron task; removing one leaves the other running.
    await scheduler.upsert({ id: 'briefing:y', kind: 'briefing', pattern: '* * * * * *', timezone: 'Europe/Rome', data: { subscriptionId: 'y' } });
    await expect.poll(() => runs.some((r) => r.id === 'briefing:y'), { timeout: 5_000 }).toBe(true);
    await scheduler.remove('briefing:x');
    const xRuns = runs.filter((r) => r.id === 'briefing:x').length;
    const yRuns = runs.filter((r) => r.id === 'briefing:y').length;
    await expect.poll(() => runs.filter((r) => r.id === 'briefing:y').length, { timeout: 5_000 }).toBeGreaterThan(yRuns);
    expect(runs.filter((r) => r.id === 'briefing:x').length).toBe(xRuns);
    await expect(scheduler.upsert({ id: 'bad', kind: 'briefing', data: {} })).rejects.toThrow(/exactly one of pattern and everyMs/);
  });
});

describe('spring-forward gap', () => {
  it('fires the occurrence node-cron skips: 02:30 in Rome on 29 March 2026 runs at 03:30 CEST, as cron-parser has it', () => {
    // node-cron's next match from 28 March noon is 30 March 00:30Z (it never matches 02:30 on the 29th).
    const nodeCronNext = new Date('2026-03-30T00:30:00Z');
    expect(gapOccurrence('30 2 * * *', 'Europe/Rome', new Date('2026-03-28T12:00:00Z'), nodeCronNext)?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // An ordinary day: node-cron covers it, no extra timer.
    expect(gapOccurrence('30 2 * * *', 'Europe/Rome', new Date('2026-03-30T12:00:00Z'), new Date('2026-03-31T00:30:00Z'))).toBeUndefined();
    expect(gapOccurrence('30 2 * * *', 'Europe/Rome', new Date('2026-03-30T12:00:00Z'), null)).toBeUndefined();
  });

  it('a real node-cron group reports its next run, so no gap timer doubles ordinary runs', async () => {
    const { default: cron } = await import('node-cron');
    const task = cron.schedule('30 7 * * *', () => undefined, { timezone: 'Europe/Rome' });
    try {
      const next = task.getNextRun();
      expect(next).not.toBeNull();
      expect(gapOccurrence('30 7 * * *', 'Europe/Rome', new Date(), next)).toBeUndefined();
    } finally {
      await task.destroy();
    }
  });
});
