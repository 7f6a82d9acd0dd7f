import { afterEach, describe, expect, it } from 'vitest';
import { BriefingService, type DeliveryRecord } from '../../src/briefings/service.ts';
import { SubscriptionService, type SubscribeInput } from '../../src/briefings/subscriptions.ts';
import { DeliveryError } from '../../src/briefings/transport.ts';
import { FakeAnalysis, ManualClock, MemoryReports, RecordingTransport, makeReport, silentLogger, tempStore, testConfig } from './support/harness.ts';

const GUILD = '100000000000000001';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(start: string, env: Record<string, string> = {}) {
  const storeEnv = await tempStore();
  const clock = new ManualClock(new Date(start));
  const subscriptions = new SubscriptionService({ store: storeEnv.store, clock });
  const reports = new MemoryReports();
  const analysis = new FakeAnalysis();
  const services: BriefingService[] = [];
  const makeService = () => {
    const service = new BriefingService({
      config: testConfig(env),
      logger: silentLogger,
      clock,
      store: storeEnv.store,
      reports,
      analysis,
      subscriptions,
      options: { retryBaseMs: 1 },
    });
    services.push(service);
    return service;
  };
  const transport = new RecordingTransport();
  cleanups.push(async () => {
    for (const s of services) s.stop();
    await storeEnv.cleanup();
  });
  const subscribe = (channelId: string, extra: Partial<SubscribeInput> = {}) =>
    subscriptions.subscribe({ guildId: GUILD, channelId, time: '07:30', timezone: 'Europe/Rome', createdBy: 'mod', ...extra });
  return { store: storeEnv.store, clock, subscriptions, reports, analysis, makeService, transport, subscribe };
}

const titles = (t: RecordingTransport, channelId: string) => t.to(channelId).flatMap((m) => m.cards.map((c) => c.title ?? ''));

describe('scheduled delivery', () => {
  it('delivers at the local time in two timezones, across the Europe/Rome DST change', async () => {
    const s = await setup('2026-03-27T12:00:00Z');
    await s.subscribe('1', { timezone: 'Europe/Rome' });
    await s.subscribe('2', { timezone: 'America/New_York' });
    const service = s.makeService();
    s.reports.add(makeReport('r1', { ingestedAt: '2026-03-27T13:00:00Z' }));

    const runAt = async (iso: string) => (await service.runDue(new Date(iso), s.transport)).map((o) => `${o.channelId}:${o.status}`);
    expect(await runAt('2026-03-28T06:29:00Z')).toEqual([]);
    expect(await runAt('2026-03-28T06:30:00Z')).toEqual(['1:delivered']); // 07:30 CET
    expect(await runAt('2026-03-28T11:30:00Z')).toEqual(['2:delivered']); // 07:30 EDT (US changed on 8 March)
    s.reports.add(makeReport('r2', { ingestedAt: '2026-03-28T20:00:00Z' }));
    expect(await runAt('2026-03-29T05:29:00Z')).toEqual([]);
    expect(await runAt('2026-03-29T05:30:00Z')).toEqual(['1:delivered']); // 07:30 CEST, an hour earlier in UTC
    expect(await runAt('2026-03-29T06:30:00Z')).toEqual([]); // not again at the old UTC time
    const header = s.transport.to('1')[1]!.cards[0]!;
    expect(header.title).toContain('Sunday 29 March 2026');
  });

  it('delivers at 07:30 New York time across the 2026-11-01 fall-back', async () => {
    const s = await setup('2026-10-30T00:00:00Z');
    s.clock.set('2026-10-30T00:00:00Z');
    await s.subscribe('ny', { timezone: 'America/New_York', emptyPolicy: 'notice' });
    const service = s.makeService();
    const statuses: string[] = [];
    for (const iso of ['2026-10-31T11:30:00Z', '2026-11-01T11:30:00Z', '2026-11-01T12:30:00Z', '2026-11-02T12:30:00Z']) {
      statuses.push(...(await service.runDue(new Date(iso), s.transport)).map((o) => `${iso}:${o.status}`));
    }
    expect(statuses).toEqual(['2026-10-31T11:30:00Z:delivered', '2026-11-01T12:30:00Z:delivered', '2026-11-02T12:30:00Z:delivered']);
  });

  it('follows a weekday cron: Friday, then Monday', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('w', { time: undefined, cron: '0 7 * * 1-5', emptyPolicy: 'notice' });
    const service = s.makeService();
    const days = ['2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30'];
    const delivered: string[] = [];
    for (const day of days) {
      for (const o of await service.runDue(new Date(`${day}T06:00:00Z`), s.transport)) delivered.push(`${day}:${o.status}`);
    }
    expect(delivered).toEqual(['2026-11-27:delivered', '2026-11-30:delivered']);
  });
});

describe('composition', () => {
  it('includes every report new since the cursor, then only newer ones', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const sub = await s.subscribe('c');
    s.reports.add(makeReport('old', { ingestedAt: '2026-11-26T11:00:00Z' }));
    s.reports.add(
      makeReport('a', { ingestedAt: '2026-11-26T13:00:00Z' }),
      makeReport('b', { ingestedAt: '2026-11-26T18:00:00Z' }),
      makeReport('c', { ingestedAt: '2026-11-27T01:00:00Z' }),
    );
    s.reports.add(makeReport('backlog', { ingestedAt: '2026-11-26T14:00:00Z', backfill: true }));
    const service = s.makeService();
    const first = await service.composeFor(sub, new Date('2026-11-27T06:30:00Z'));
    expect(first.items.map((i) => i.report.id).sort()).toEqual(['a', 'b', 'c']);

    s.clock.set('2026-11-27T06:30:00Z');
    await service.runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    const after = await s.subscriptions.getById(sub.id);
    // The cursor moves to the latest ingestion the briefing considered, never to the compose time.
    expect(after!.cursor).toBe('2026-11-27T01:00:00.000Z');
    expect(after!.lastDelivery?.occurrence).toBe('2026-11-27T06:30:00.000Z');

    s.reports.add(makeReport('d', { ingestedAt: '2026-11-27T09:00:00Z' }));
    const second = await service.composeFor(after!, new Date('2026-11-28T06:30:00Z'));
    expect(second.items.map((i) => i.report.id)).toEqual(['d']);
  });

  it('filters by topics, actors (aliases), regions and sources, case-insensitively', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    s.reports.add(
      makeReport('taiwan', {
        title: 'Strait tensions',
        text: 'Exercises near TAIWAN intensified.',
        ingestedAt: '2026-11-26T13:00:00Z',
        actors: ['China|Beijing'],
      }),
      makeReport('tirana', { title: 'Balkan notes', text: 'A summit in Tirana.', ingestedAt: '2026-11-26T13:00:00Z', actors: ['Albania'] }),
      makeReport('sahel', {
        title: 'Sahel',
        text: 'Juntas.',
        regions: ['Africa'],
        source: 'ISPI',
        url: 'https://www.ispionline.it/x',
        ingestedAt: '2026-11-26T13:00:00Z',
        actors: ['Mali', 'Russia'],
      }),
    );
    const service = s.makeService();
    const ids = async (filters: Record<string, string>) => {
      const sub = await s.subscribe('f', filters);
      return (await service.composeFor(sub, new Date('2026-11-27T06:30:00Z'))).items.map((i) => i.report.id).sort();
    };
    await s.subscribe('f');
    // the subscription's cursor is its creation time: move it back so all three are new
    s.clock.set('2026-11-26T12:00:00Z');
    expect(await ids({ topics: 'taiwan' })).toEqual(['taiwan']);
    expect(await ids({ topics: 'iran' })).toEqual([]); // whole words: not "Tirana"
    expect(await ids({ actors: 'beijing' })).toEqual(['taiwan']);
    expect(await ids({ actors: 'russia, albania' })).toEqual(['sahel', 'tirana']);
    expect(await ids({ regions: 'africa' })).toEqual(['sahel']);
    expect(await ids({ regions: 'china' })).toEqual(['taiwan']); // via state actors
    expect(await ids({ sources: 'ispionline.it' })).toEqual(['sahel']);
    expect(await ids({ sources: 'ispi', actors: 'china' })).toEqual([]);
  });

  it("ranks by recency and the day's shared actors, and names the most present actors", async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const sub = await s.subscribe('r');
    s.reports.add(
      makeReport('lonely', { ingestedAt: '2026-11-27T05:00:00Z', publishedAt: '2026-11-27T05:00:00Z', actors: ['Peru'] }),
      makeReport('x', { ingestedAt: '2026-11-26T20:00:00Z', publishedAt: '2026-11-26T20:00:00Z', actors: ['China', 'Russia'] }),
      makeReport('y', { ingestedAt: '2026-11-26T21:00:00Z', publishedAt: '2026-11-26T21:00:00Z', actors: ['China', 'Belarus'] }),
      makeReport('z', { ingestedAt: '2026-11-26T22:00:00Z', publishedAt: '2026-11-26T22:00:00Z', actors: ['Russia', 'China'] }),
    );
    const briefing = await s.makeService().composeFor(sub, new Date('2026-11-27T06:30:00Z'));
    expect(briefing.items.at(-1)!.report.id).toBe('lonely');
    expect(briefing.topActors.slice(0, 2)).toEqual([
      { name: 'China', type: 'state', reports: 3 },
      { name: 'Russia', type: 'state', reports: 2 },
    ]);
    expect(briefing.date).toBe('2026-11-27');
  });

  it('skips an empty day, or posts a short notice', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('skip', { emptyPolicy: 'skip' });
    await s.subscribe('notice', { emptyPolicy: 'notice', topics: 'Arctic' });
    const outcomes = await s.makeService().runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(outcomes.map((o) => `${o.channelId}:${o.status}`).sort()).toEqual(['notice:delivered', 'skip:skipped_empty']);
    expect(s.transport.to('skip')).toHaveLength(0);
    const skipped = await s.subscriptions.get(GUILD, 'skip');
    expect(skipped!.lastDelivery).toBeUndefined(); // nothing was posted
    expect(skipped!.cursor).toBe('2026-11-26T12:00:00.000Z'); // nothing was considered: the cursor stays
    const notice = s.transport.to('notice');
    expect(notice).toHaveLength(1);
    expect(notice[0]!.cards[0]!.description).toMatch(/No new reports matching topics: Arctic since Thursday 26 November 2026/);
  });

  it('composes each distinct briefing once for many subscriptions with the same filters', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    for (let i = 0; i < 20; i++) await s.subscribe(`same${i}`, { topics: 'body' });
    await s.subscribe('other', { format: 'compact' });
    s.reports.add(makeReport('a', { ingestedAt: '2026-11-26T13:00:00Z' }), makeReport('b', { ingestedAt: '2026-11-26T14:00:00Z' }));
    const outcomes = await s.makeService().runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(outcomes.filter((o) => o.status === 'delivered')).toHaveLength(21);
    expect(s.transport.renders).toBe(2);
    expect(s.analysis.calls).toBe(2); // one summary per report for the whole tick
    expect(s.reports.listCalls).toBe(1);
  });
});

describe('exactly once', () => {
  it('running the same occurrence twice, or from two processes at once, delivers once', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('x', { emptyPolicy: 'notice' });
    await s.subscribe('y', { emptyPolicy: 'notice' });
    const a = s.makeService();
    const b = s.makeService();
    const at = new Date('2026-11-27T06:30:00Z');
    await Promise.all([a.runDue(at, s.transport), b.runDue(at, s.transport)]);
    await a.runDue(at, s.transport);
    await s.makeService().runDue(at, s.transport); // a restart
    expect(s.transport.to('x')).toHaveLength(1);
    expect(s.transport.to('y')).toHaveLength(1);
  });

  it('resumes an interrupted briefing from the next part, without repeating part 1', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const sub = await s.subscribe('p', { format: 'full' });
    for (let i = 3; i < 10; i++) s.reports.add(makeReport(`r${i}`, { ingestedAt: `2026-11-26T1${i}:00:00Z` }));
    const at = new Date('2026-11-27T06:30:00Z');
    // First process: part 1 goes out, then the process "dies" while sending part 2.
    const dying = new RecordingTransport();
    dying.crashAfter = 1;
    const first = s.makeService();
    void first.runDue(at, dying);
    await expect.poll(() => dying.attempts.length).toBe(2);
    first.stop(); // the process is gone
    const key = `delivery:${sub.id}:${at.toISOString()}`;
    const record = await s.store.getClaim<DeliveryRecord>(key);
    expect(record!.sent).toHaveLength(1);
    expect(record!.parts).toBe(3); // 1 header + 7 items = 8 cards, 3 per message

    // Restarted process, an hour later: sends parts 2 and 3 only, with the same nonces.
    s.clock.set('2026-11-27T07:30:00Z');
    const outcomes = await s.makeService().runDue(new Date('2026-11-27T07:30:00Z'), s.transport);
    expect(outcomes.map((o) => o.status)).toEqual(['resumed']);
    const resumed = s.transport.to('p');
    expect(resumed).toHaveLength(2);
    expect(resumed[0]!.nonce).toBe(dying.attempts[1]!.nonce);
    const allTitles = [...dying.sent.flatMap((m) => m.cards), ...resumed.flatMap((m) => m.cards)].map((c) => c.title);
    expect(new Set(allTitles).size).toBe(8);
    expect((await s.store.getClaim<DeliveryRecord>(key))!.done).toBe(true);
  });

  it('catches up an occurrence missed 3 h ago once, late; one missed 8 h ago is not sent', async () => {
    const s = await setup('2026-11-20T12:00:00Z');
    await s.subscribe('late3', { time: '06:00', timezone: 'UTC', emptyPolicy: 'notice' });
    await s.subscribe('late8', { time: '01:00', timezone: 'UTC', emptyPolicy: 'notice' });
    const now = new Date('2026-11-27T09:00:00Z');
    s.clock.set(now);
    const service = s.makeService();
    const outcomes = await service.runDue(now, s.transport);
    expect(outcomes.map((o) => `${o.channelId}:${o.status}:${o.occurrence}`)).toEqual(['late3:delivered:2026-11-27T06:00:00.000Z']);
    expect(await service.runDue(new Date('2026-11-27T09:01:00Z'), s.transport)).toEqual([]);
    expect(await s.makeService().runDue(new Date('2026-11-27T09:02:00Z'), s.transport)).toEqual([]);
    expect(s.transport.to('late3')).toHaveLength(1);
    expect(s.transport.to('late8')).toHaveLength(0);
  });

  it('respects BRIEFING_GRACE_HOURS', async () => {
    const s = await setup('2026-11-20T12:00:00Z', { BRIEFING_GRACE_HOURS: '1' });
    await s.subscribe('late3', { time: '06:00', timezone: 'UTC', emptyPolicy: 'notice' });
    s.clock.set('2026-11-27T09:00:00Z');
    expect(await s.makeService().runDue(new Date('2026-11-27T09:00:00Z'), s.transport)).toEqual([]);
  });
});

describe('failures', () => {
  it('403 pauses that subscription and tells moderators; the others are delivered', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const bad = await s.subscribe('bad', { emptyPolicy: 'notice' });
    await s.subscribe('good1', { emptyPolicy: 'notice' });
    await s.subscribe('good2', { emptyPolicy: 'notice' });
    s.transport.failNext('bad', new DeliveryError('Missing Permissions', 'forbidden', 50013, 403));
    const outcomes = await s.makeService().runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(outcomes.map((o) => `${o.channelId}:${o.status}`).sort()).toEqual(['bad:paused', 'good1:delivered', 'good2:delivered']);
    const paused = await s.subscriptions.getById(bad.id);
    expect(paused!.paused!.reason).toContain('Missing Permissions');
    expect(s.transport.notices).toHaveLength(1);
    expect(s.transport.notices[0]!.guildId).toBe(GUILD);
    // Paused: not tried again the next day.
    expect((await s.makeService().runDue(new Date('2026-11-28T06:30:00Z'), s.transport)).map((o) => o.channelId).sort()).toEqual(['good1', 'good2']);
  });

  it('404 removes the subscription and records why', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const gone = await s.subscribe('gone', { emptyPolicy: 'notice' });
    s.transport.failNext('gone', new DeliveryError('Unknown Channel', 'not_found', 10003, 404));
    const [outcome] = await s.makeService().runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(outcome!.status).toBe('removed');
    expect(await s.subscriptions.getById(gone.id)).toBeUndefined();
    expect((await s.subscriptions.removalLog(GUILD))[0]!.reason).toMatch(/Channel not found.*Unknown Channel/);
  });

  it('5xx is retried with backoff, then delivered once', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('flaky', { emptyPolicy: 'notice' });
    s.transport.failNext(
      'flaky',
      new DeliveryError('Bad Gateway', 'transient', undefined, 502),
      new DeliveryError('Service Unavailable', 'transient', undefined, 503),
    );
    const [outcome] = await s.makeService().runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(outcome!.status).toBe('delivered');
    expect(s.transport.attempts.filter((a) => a.channelId === 'flaky')).toHaveLength(3);
    expect(s.transport.to('flaky')).toHaveLength(1);
  });

  it('a channel that keeps failing is retried later within the grace window, and does not block others', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('down', { emptyPolicy: 'notice' });
    await s.subscribe('up', { emptyPolicy: 'notice' });
    const failures = Array.from({ length: 4 }, () => new DeliveryError('Internal Server Error', 'transient', undefined, 500));
    s.transport.failNext('down', ...failures);
    const service = s.makeService();
    const first = await service.runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(first.map((o) => `${o.channelId}:${o.status}`).sort()).toEqual(['down:failed', 'up:delivered']);
    const later = await service.runDue(new Date('2026-11-27T06:35:00Z'), s.transport);
    expect(later.map((o) => `${o.channelId}:${o.status}`)).toEqual(['down:resumed']);
    expect(s.transport.to('down')).toHaveLength(1);
    expect(s.transport.to('up')).toHaveLength(1);
  });
});

describe('sendNow and composeLatest', () => {
  it('sendNow posts now and advances the cursor; with nothing new it obeys the empty policy', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    const sub = await s.subscribe('now'); // emptyPolicy: skip (the default)
    const noticed = await s.subscribe('loud', { emptyPolicy: 'notice' });
    s.reports.add(makeReport('a', { ingestedAt: '2026-11-26T13:00:00Z' }));
    s.clock.set('2026-11-26T15:00:00Z');
    const service = s.makeService();
    const first = await service.sendNow(sub, s.transport);
    expect(first).toMatchObject({ posted: true, status: 'delivered' });
    expect(first.messageIds).toHaveLength(1);
    expect(titles(s.transport, 'now')).toContain('Report a');
    expect((await s.subscriptions.getById(sub.id))!.cursor).toBe('2026-11-26T13:00:00.000Z');
    s.clock.advance(60_000);
    const again = await service.sendNow((await s.subscriptions.getById(sub.id))!, s.transport);
    expect(again).toEqual({ messageIds: [], posted: false, status: 'skipped_empty' });
    expect(s.transport.to('now')).toHaveLength(1);

    await service.sendNow(noticed, s.transport); // report a
    s.clock.advance(60_000);
    const notice = await service.sendNow((await s.subscriptions.getById(noticed.id))!, s.transport);
    expect(notice.posted).toBe(true);
    expect(s.transport.to('loud')[1]!.cards[0]!.description).toMatch(/No new reports since/);
  });

  it('composeLatest shows the last 24 h, or the latest few when nothing is that new', async () => {
    const s = await setup('2026-11-27T12:00:00Z');
    s.reports.add(...Array.from({ length: 8 }, (_, i) => makeReport(`old${i}`, { ingestedAt: `2026-11-0${i + 1}T10:00:00Z` })));
    const service = s.makeService();
    const fallback = await service.composeLatest({ timezone: 'Europe/Rome' });
    expect(fallback.items.map((i) => i.report.id).sort()).toEqual(['old3', 'old4', 'old5', 'old6', 'old7']);
    expect(fallback.subtitle).toBe('Nothing new in the last 24 hours; the latest 5 reports.');
    s.reports.add(makeReport('fresh', { ingestedAt: '2026-11-27T10:00:00Z' }));
    const fresh = await service.composeLatest();
    expect(fresh.items.map((i) => i.report.id)).toEqual(['fresh']);
    expect(fresh.subtitle).toBeUndefined();
    expect((await service.composeLatest({ since: new Date('2026-11-27T11:00:00Z') })).items).toEqual([]);
  });
});

describe('rescheduling', () => {
  it("moving the time later after today's briefing does not post a second one today", async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('move', { time: '07:30', timezone: 'UTC', emptyPolicy: 'notice' });
    const service = s.makeService();
    s.clock.set('2026-11-27T07:30:00Z');
    expect((await service.runDue(new Date('2026-11-27T07:30:00Z'), s.transport)).map((o) => o.status)).toEqual(['delivered']);
    s.clock.set('2026-11-27T10:00:00Z');
    await s.subscribe('move', { time: '09:00', timezone: 'UTC', emptyPolicy: 'notice' });
    expect(await service.runDue(new Date('2026-11-27T10:00:00Z'), s.transport)).toEqual([]);
    expect(await s.makeService().runDue(new Date('2026-11-27T10:01:00Z'), s.transport)).toEqual([]);
    expect((await service.runDue(new Date('2026-11-28T09:00:00Z'), s.transport)).map((o) => o.status)).toEqual(['delivered']);
    expect(s.transport.to('move')).toHaveLength(2);
  });

  it('a new subscription starts with the next occurrence, not one that already passed today', async () => {
    const s = await setup('2026-11-27T08:00:00Z');
    await s.subscribe('new', { time: '07:30', timezone: 'UTC', emptyPolicy: 'notice' });
    const service = s.makeService();
    expect(await service.runDue(new Date('2026-11-27T08:00:00Z'), s.transport)).toEqual([]);
    expect(service.nextDueAt?.toISOString()).toBe('2026-11-28T07:30:00.000Z');
  });
});

describe('failures that would repeat', () => {
  it('a refused message (other) is not retried later; the next day is tried again', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('refused', { emptyPolicy: 'notice' });
    s.transport.failNext('refused', new DeliveryError('Invalid Form Body', 'other', 50035, 400));
    const service = s.makeService();
    const [first] = await service.runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(first).toMatchObject({ status: 'failed', failure: 'other' });
    expect(await service.runDue(new Date('2026-11-27T06:40:00Z'), s.transport)).toEqual([]);
    expect(service.nextDueAt?.toISOString()).toBe('2026-11-28T06:30:00.000Z');
  });
});

describe('resilience', () => {
  it('a report the analysis fails on still appears, with its lead, and does not block the briefing', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('r');
    s.reports.add(
      makeReport('ok', { ingestedAt: '2026-11-26T13:00:00Z' }),
      makeReport('bad', { ingestedAt: '2026-11-26T14:00:00Z', text: 'First sentence of the bad one. Second.' }),
    );
    const summarise = s.analysis.summarise.bind(s.analysis);
    s.analysis.summarise = async (report) => {
      if (report.id === 'bad') throw new Error('analysis exploded');
      return summarise(report);
    };
    const [outcome] = await s.makeService().runDue(new Date('2026-11-27T06:30:00Z'), s.transport);
    expect(outcome!.status).toBe('delivered');
    const cards = s.transport.to('r').flatMap((m) => m.cards);
    expect(cards.find((c) => c.title === 'Report bad')?.description).toBe('First sentence of the bad one.');
    expect(cards.find((c) => c.title === 'Report ok')?.description).toBe('Summary of Report ok.');
  });
});

describe('which subscriptions a process delivers', () => {
  it('start(…, { accept }) leaves other transports’ subscriptions undelivered and unclaimed', async () => {
    const s = await setup('2026-11-26T12:00:00Z');
    await s.subscribe('discord-channel', { emptyPolicy: 'notice' });
    await s.subscriptions.subscribe({
      guildId: 'local',
      channelId: 'terminal',
      time: '07:30',
      timezone: 'Europe/Rome',
      createdBy: 'me',
      emptyPolicy: 'notice',
    });
    const service = s.makeService();
    service.start(s.transport, { accept: (sub) => sub.guildId === 'local' });
    service.stop(); // no minute ticks during the test: runDue below is the tick

    const outcomes = await service.runDue(new Date('2026-11-27T06:30:00Z'));
    expect(outcomes.map((o) => o.channelId)).toEqual(['terminal']);
    expect(s.transport.to('discord-channel')).toEqual([]);
    expect(await s.store.listClaims(`delivery:${GUILD}:`)).toEqual([]);
  });
});
