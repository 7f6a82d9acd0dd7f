import { afterEach, describe, expect, it } from 'vitest';
import { BriefingService } from '../../src/briefings/service.ts';
import { SubscriptionService, type SubscribeInput } from '../../src/briefings/subscriptions.ts';
import type { Report } from '../../src/reports/types.ts';
import { FakeAnalysis, ManualClock, MemoryReports, RecordingTransport, makeReport, silentLogger, tempStore, testConfig } from './support/harness.ts';

const GUILD = '100000000000000001';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** MemoryReports gives every write the next ingest sequence number, as the library's change log does (CONTRACTS §5b). */
const SequencedReports = MemoryReports;

async function setup(reports: MemoryReports, env: Record<string, string> = {}) {
  const storeEnv = await tempStore();
  const clock = new ManualClock(new Date('2026-11-26T12:00:00Z'));
  const subscriptions = new SubscriptionService({ store: storeEnv.store, clock });
  const service = new BriefingService({
    config: testConfig(env),
    logger: silentLogger,
    clock,
    store: storeEnv.store,
    reports,
    analysis: new FakeAnalysis(),
    subscriptions,
    options: { retryBaseMs: 1 },
  });
  cleanups.push(async () => {
    await service.stop();
    await storeEnv.cleanup();
  });
  const subscribe = (channelId: string, extra: Partial<SubscribeInput> = {}) =>
    subscriptions.subscribe({ guildId: GUILD, channelId, time: '07:30', timezone: 'UTC', createdBy: 'mod', emptyPolicy: 'notice', ...extra });
  return { clock, subscriptions, service, subscribe, transport: new RecordingTransport() };
}

const ids = (t: RecordingTransport, channel: string) =>
  t
    .to(channel)
    .flatMap((m) => m.cards.map((c) => c.title ?? ''))
    .filter((t) => t.startsWith('Report '));

describe('the subscription cursor is the ingest sequence', () => {
  it('a report written with an older ingestion time (another process, the CLI) is still in the next briefing', async () => {
    const reports = new SequencedReports();
    const s = await setup(reports);
    await s.subscribe('c');
    reports.add(makeReport('a', { ingestedAt: '2026-11-26T13:00:00Z' }));
    s.clock.set('2026-11-27T07:30:00Z');
    await s.service.runDue(new Date('2026-11-27T07:30:00Z'), s.transport); // starts the seq cursor (a subscription from before seq)
    reports.add(makeReport('b', { ingestedAt: '2026-11-27T08:00:00Z' }));
    s.clock.set('2026-11-28T07:30:00Z');
    await s.service.runDue(new Date('2026-11-28T07:30:00Z'), s.transport);
    expect((await s.subscriptions.get(GUILD, 'c'))!.cursorSeq).toBe(2);
    // Stamped hours before the last briefing (a clock behind, a slow writer), stored only now: a time cursor
    // would skip it for ever; the seq cursor does not.
    reports.add(makeReport('late', { ingestedAt: '2026-11-27T07:00:00Z' })); // before b's 08:00
    s.clock.set('2026-11-29T07:30:00Z');
    await s.service.runDue(new Date('2026-11-29T07:30:00Z'), s.transport);
    expect(ids(s.transport, 'c')).toEqual(['Report a', 'Report b', 'Report late']);
    expect((await s.subscriptions.get(GUILD, 'c'))!.cursorSeq).toBe(3);
  });
});

describe('published dates in briefings', () => {
  it(`a report published more than BRIEFING_MAX_AGE_DAYS before it was ingested is not new; items are ordered by published date`, async () => {
    const reports = new MemoryReports();
    const s = await setup(reports, { BRIEFING_MAX_AGE_DAYS: '14' });
    const sub = await s.subscribe('d');
    reports.add(
      makeReport('archive', { ingestedAt: '2026-11-26T13:00:00Z', publishedAt: '2026-10-01T09:00:00Z' }),
      makeReport('week-old', { ingestedAt: '2026-11-26T13:00:00Z', publishedAt: '2026-11-19T09:00:00Z' }),
      makeReport('undated', { ingestedAt: '2026-11-26T14:00:00Z' }),
    );
    const briefing = await s.service.composeFor(sub, new Date('2026-11-27T07:30:00Z'));
    expect(briefing.items.map((i) => i.report.id).sort()).toEqual(['undated', 'week-old']);
    expect(briefing.items.map((i) => i.report.id)).toEqual(['undated', 'week-old']); // newest by published date first

    const relaxed = await setup(reports, { BRIEFING_MAX_AGE_DAYS: '90' });
    const other = await relaxed.subscribe('d');
    expect((await relaxed.service.composeFor(other, new Date('2026-11-27T07:30:00Z'))).items.map((i) => i.report.id)).toContain('archive');
  });

  it('composeLatest filters "the last 24 hours" by the published date when known', async () => {
    const reports = new MemoryReports();
    const s = await setup(reports);
    s.clock.set('2026-11-27T12:00:00Z');
    reports.add(
      makeReport('fresh', { ingestedAt: '2026-11-27T10:00:00Z', publishedAt: '2026-11-27T08:00:00Z' }),
      makeReport('found-late', { ingestedAt: '2026-11-27T10:00:00Z', publishedAt: '2026-11-24T08:00:00Z' }),
    );
    expect((await s.service.composeLatest({ timezone: 'UTC' })).items.map((i) => i.report.id)).toEqual(['fresh']);
  });
});

describe('/briefing preview', () => {
  it("shows the next run's briefing under the next run's date", async () => {
    const reports = new MemoryReports();
    const s = await setup(reports);
    const sub = await s.subscribe('p', { time: '07:30', timezone: 'Asia/Tokyo' });
    reports.add(makeReport('a', { ingestedAt: '2026-11-26T13:00:00Z' }));
    s.clock.set('2026-11-26T23:00:00Z'); // 08:00 on the 27th in Tokyo: the next run is the 28th
    const { briefing, nextRunAt } = await s.service.preview(sub);
    expect(nextRunAt?.toISOString()).toBe('2026-11-27T22:30:00.000Z');
    expect(briefing.date).toBe('2026-11-28');
    expect(briefing.title).toContain('Saturday 28 November 2026');
    expect(briefing.items.map((i) => i.report.id)).toEqual(['a']);
  });
});
