import { afterEach, expect, it } from 'vitest';
import { BriefingService, LEDGER_RETENTION_MS } from '../../src/briefings/service.ts';
import { SubscriptionService } from '../../src/briefings/subscriptions.ts';
import { FakeAnalysis, ManualClock, MemoryReports, RecordingTransport, silentLogger, tempStore, testConfig } from './support/harness.ts';

const GUILD = '100000000000000001';
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

it('forgets delivery claims once they are older than the retention, and only those', async () => {
  const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
  const env = await tempStore(clock);
  cleanup = env.cleanup;
  const subscriptions = new SubscriptionService({ store: env.store, clock });
  await subscriptions.subscribe({ guildId: GUILD, channelId: '1', time: '07:30', timezone: 'UTC', createdBy: 'mod', emptyPolicy: 'notice' });
  const service = new BriefingService({
    config: testConfig(),
    logger: silentLogger,
    clock,
    store: env.store,
    reports: new MemoryReports(),
    analysis: new FakeAnalysis(),
    subscriptions,
  });
  const transport = new RecordingTransport();
  const deliverAt = async (iso: string) => {
    clock.set(iso);
    return (await service.runDue(new Date(iso), transport)).map((o) => o.status);
  };

  expect(await deliverAt('2026-06-01T07:30:00Z')).toEqual(['delivered']);
  expect(await deliverAt('2026-06-02T07:30:00Z')).toEqual(['delivered']);
  const claimsFor = async () => (await env.store.listClaims(`delivery:`)).map((c) => c.key.replace(/^delivery:[^:]+:[^:]+:/, ''));
  expect(await claimsFor()).toEqual(['2026-06-01T07:30:00.000Z', '2026-06-02T07:30:00.000Z']);

  // 14 days and an hour later: the first claim is past retention, the second not yet; today's is new.
  const later = new Date(Date.parse('2026-06-01T07:30:00Z') + LEDGER_RETENTION_MS + 60 * 60 * 1000);
  clock.set(later);
  await service.runDue(later, transport);
  expect(await claimsFor()).toEqual(['2026-06-02T07:30:00.000Z', '2026-06-15T07:30:00.000Z']);
});
